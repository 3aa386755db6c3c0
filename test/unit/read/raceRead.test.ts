import { describe, expect, it } from 'vitest';
import { ReplicasUnavailableError, type ReplicaClient } from '../../../lib';
import { raceRead } from '../../../lib/read/raceRead';
import { readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, IMMEDIATE_MS, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');

describe('Function: raceRead', () => {
  it('answers with the first entry to arrive, the moment it arrives, and shows slower replicas as pending', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'a')).always({ afterMs: 30 });
    replicas.replica(1).holds('k', valueAt(1, 'b')).always({ afterMs: 10 });
    replicas.replica(2).holds('k', valueAt(1, 'c')).always({ afterMs: 20 });

    // Act
    const answer = watch(raceRead(replicas, read));
    await advance(9);
    const before = answer.settled;
    await advance(1);

    // Assess
    expect(before).toBe(false);
    expect(answer.at).toBe(10);
    expect(answer.result?.entry?.value).toBe('b');
    expect(answer.result?.answeredBy).toBe('b');
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['pending', 'found', 'pending']);
  });

  it('does not end the race on a replica that holds nothing: another may hold the key', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(5, 'late')).always({ afterMs: 50 });

    // Act
    const answer = watch(raceRead(replicas, read));
    await advance(50);

    // Assess
    expect(answer.at).toBe(50);
    expect(answer.result?.entry?.value).toBe('late');
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['missing', 'missing', 'found']);
  });

  it('answers not found only once every replica has answered missing or failed', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2, fails: 'command-error' });
    replicas.replica(2).always({ afterMs: 40, fails: 'timeout' });

    // Act
    const answer = watch(raceRead(replicas, read));
    await advance(40);

    // Assess
    expect(answer.at).toBe(40);
    expect(answer.result?.entry).toBeNull();
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['missing', 'error', 'timeout']);
  });

  it('fails with ReplicasUnavailableError when no replica answered at all, since not found would be a guess', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ fails: 'breaker-open' });
    replicas.replica(1).always({ afterMs: 5, fails: 'connection-down' });
    replicas.replica(2).always({ afterMs: 8, fails: 'timeout' });

    // Act
    const answer = watch(raceRead(replicas, read));
    await advance(8);

    // Assess
    expect(answer.error).toBeInstanceOf(ReplicasUnavailableError);
    expect((answer.error as ReplicasUnavailableError).replicas.map((r) => r.outcome)).toEqual(['skipped', 'error', 'timeout']);
  });

  it('hands every reply, also those after the answer, to onSettled once the last replica has answered', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(2)).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(1)).always({ afterMs: 60 });
    const settledRounds: number[] = [];
    const lateOutcomes: string[][] = [];

    // Act
    const answer = watch(
      raceRead(replicas, read, {
        onSettled: (round) => {
          settledRounds.push(Date.now());
          lateOutcomes.push(round.reports.map((r) => r.outcome));
        },
      }),
    );
    await advance(60);

    // Assess
    expect(answer.at).toBe(1);
    expect(settledRounds).toEqual([60]);
    expect(lateOutcomes).toEqual([['found', 'found', 'found']]);
  });

  it('with drain, includes the replies that arrive in the same instant as the deciding one', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2)).always({ afterMs: 5 });
    replicas.replica(1).holds('k', valueAt(1)).always({ afterMs: 5 });
    replicas.replica(2).holds('k', valueAt(2)).always({ afterMs: 90 });

    // Act
    const answer = watch(raceRead(replicas, read, { drain: true }));
    await advance(5 + IMMEDIATE_MS);

    // Assess
    expect(answer.result?.round.replies.map((reply) => reply.replica.name)).toEqual(['a', 'b']);
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['found', 'found', 'pending']);
  });
});
