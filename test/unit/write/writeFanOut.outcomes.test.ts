import { describe, expect, it } from 'vitest';
import type { ReplicaClient, StoredEntry } from '../../../lib';
import { applyEntry } from '../../../lib/replica/replicaCommands';
import { writeFanOut, WriteQuorumMissed } from '../../../lib/write/writeFanOut';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

/** One replica's part of a write of `entry` to key k: set-if-newer, as the coordinator sends it. */
const writing = (entry: StoredEntry) => (client: ReplicaClient) => applyEntry(client, 'k', entry, 0);

describe('Function: writeFanOut (outcomes)', () => {
  it('counts a replica that already holds this very entry (a repeated attempt) as an acknowledgement', async () => {
    // Prepare
    const entry = valueAt(10, 'written');
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', entry).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2 });
    replicas.replica(2).always({ afterMs: 50, fails: 'timeout' });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, writing(entry)));
    await advance(2);

    // Assess
    expect(answer.error).toBeUndefined();
    expect(answer.result?.acknowledged).toBe(2);
    expect(answer.result?.replicas.map((r) => [r.outcome, r.version])).toEqual([
      ['applied', entry.version],
      ['applied', entry.version],
      ['pending', undefined],
    ]);
  });

  it('misses the quorum with each replica as it stood then, never claiming the attempt landed nowhere; settled() tells how every replica ended', async () => {
    // Prepare: b's breaker is open and a is down, so the quorum is out of reach at 1 ms; c times out later, the write in flight.
    const entry = valueAt(10, 'written');
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1, fails: 'connection-down' });
    replicas.replica(1).always({ afterMs: 2, fails: 'breaker-open' });
    replicas.replica(2).always({ afterMs: 40, fails: 'timeout' });
    const sentAt = performance.now();

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, writing(entry)));
    await advance(1);
    const missed = answer.error as WriteQuorumMissed;
    const settled = watch(missed.settled());
    await advance(40);

    // Assess: whether it rolled back is the coordinator's to say, from the settled outcomes (`missedAttempt.ts`).
    expect(missed).toBeInstanceOf(WriteQuorumMissed);
    expect(missed.rolledBack).toBe(false);
    expect(missed.failures).toEqual(['connection-down', 'breaker-open', undefined]);
    expect(missed.replicas.map((r) => r.outcome)).toEqual(['error', 'skipped', 'pending']);
    expect(settled.result?.failures).toEqual(['connection-down', 'breaker-open', 'timeout']);
    expect(settled.result?.reports[2]).toEqual({ node: 'c', outcome: 'timeout', ms: 40, error: 'timed out', sentAt });
  });
});
