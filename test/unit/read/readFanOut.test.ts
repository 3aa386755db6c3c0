import { describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../../lib';
import { readFanOut, type ReadProgress, type ReadRound } from '../../../lib/read/readFanOut';
import { readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, IMMEDIATE_MS, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');
/** Decides at the first reply that holds an entry, as a first-response read does. */
const firstEntry = (progress: ReadProgress): boolean => progress.replies.some((reply) => reply.entry !== null);

describe('Function: readFanOut', () => {
  it('reports each replica as it answered: a value, a tombstone, nothing, a failure, a skip', async () => {
    // Prepare
    const replicas = new FakeReplicaSet(['a', 'b', 'c', 'd', 'e']);
    replicas.replica(0).holds('k', valueAt(4)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', { value: null, version: versionAt(5) }).always({ afterMs: 2 });
    replicas.replica(2).always({ afterMs: 3 });
    replicas.replica(3).always({ afterMs: 4, fails: 'timeout' });
    replicas.replica(4).always({ fails: 'breaker-open' });
    const sentAt = performance.now();

    // Act
    const answer = watch(readFanOut(replicas, read, () => false));
    await advance(4);

    // Assess
    const round = answer.result!;
    expect(round.reports).toEqual([
      { node: 'a', outcome: 'found', ms: 1, version: versionAt(4), sentAt },
      { node: 'b', outcome: 'found', ms: 2, version: versionAt(5), deleted: true, sentAt },
      { node: 'c', outcome: 'missing', ms: 3, sentAt },
      { node: 'd', outcome: 'timeout', ms: 4, error: 'timed out', sentAt },
      { node: 'e', outcome: 'skipped', ms: 0, error: 'circuit open: replica skipped' },
    ]);
    expect([round.replies.length, round.failed, round.pending]).toEqual([3, 2, 0]);
  });

  it('gives the caller the replies as they stood at the answer: later ones do not creep in', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(1)).always({ afterMs: 5 });
    replicas.replica(2).always({ afterMs: 9, fails: 'command-error' });

    // Act
    const answer = watch(readFanOut(replicas, read, firstEntry));
    await advance(9);

    // Assess
    const round = answer.result!;
    expect(round.replies.map((reply) => reply.replica.name)).toEqual(['a']);
    expect([round.failed, round.pending]).toEqual([0, 2]);
    expect(round.reports.map((r) => r.outcome)).toEqual(['found', 'pending', 'pending']);
  });

  describe('with onSettled', () => {
    it('keeps the answer as it stood, and hands every reply, with the moment the read was decided, to onSettled', async () => {
      // Prepare
      const replicas = new FakeReplicaSet();
      replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(1)).always({ afterMs: 5 });
      replicas.replica(2).always({ afterMs: 9 });
      const settled: ReadRound[] = [];
      const sentAt = performance.now();

      // Act
      const answer = watch(readFanOut(replicas, read, firstEntry, { onSettled: (round) => settled.push(round) }));
      await advance(9);

      // Assess
      expect(answer.result!.replies.map((reply) => reply.replica.name)).toEqual(['a']);
      expect(settled).toHaveLength(1);
      expect(settled[0]!.replies.map((reply) => reply.replica.name)).toEqual(['a', 'b', 'c']);
      expect(settled[0]!.reports.map((r) => r.outcome)).toEqual(['found', 'found', 'missing']);
      expect(settled[0]!.decidedAt - sentAt).toBe(1);
      expect(answer.result!.decidedAt).toBe(settled[0]!.decidedAt);
    });

    it('calls onSettled after the answer, also when the last reply comes in the instant the read is decided (drain)', async () => {
      // Prepare: every replica answers at 5 ms; the first decides, and the answer waits for the end of that instant.
      const replicas = new FakeReplicaSet();
      replicas.replicas.forEach((replica) => replica.holds('k', valueAt(1)).always({ afterMs: 5 }));
      const order: string[] = [];

      // Act
      const answer = readFanOut(replicas, read, firstEntry, { drain: true, onSettled: () => order.push('settled') });
      void answer.then(() => order.push('answered'));
      await advance(5 + IMMEDIATE_MS);

      // Assess
      expect(order).toEqual(['answered', 'settled']);
      expect((await answer).replies).toHaveLength(3);
    });
  });
});
