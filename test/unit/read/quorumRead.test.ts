import { describe, expect, it } from 'vitest';
import { ReadQuorumNotReachedError, type ReplicaClient } from '../../../lib';
import { quorumRead } from '../../../lib/read/quorumRead';
import { readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');

describe('Function: quorumRead', () => {
  it('answers once the required replicas have replied, with the newest entry among them', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).holds('k', valueAt(9, 'newest, but slow')).always({ afterMs: 80 });

    // Act
    const answer = watch(quorumRead(replicas, 2, read));
    await advance(80);

    // Assess
    expect(answer.at).toBe(7);
    expect(answer.result?.entry?.value).toBe('new');
    expect(answer.result?.answeredBy).toBe('b');
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['found', 'found', 'pending']);
  });

  it('counts a replica that holds nothing as a reply, and a tombstone as the newest entry when it is', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).holds('k', { value: null, version: versionAt(5) }).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(4)).always({ afterMs: 50 });

    // Act
    const answer = watch(quorumRead(replicas, 2, read));
    await advance(2);

    // Assess
    expect(answer.result?.entry).toEqual({ value: null, version: versionAt(5) });
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['missing', 'found', 'pending']);
    expect(answer.result?.round.reports[1]?.deleted).toBe(true);
  });

  it('fails fast, as soon as too many replicas have failed for the quorum to be reachable', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 4, fails: 'command-error' });
    replicas.replica(1).always({ fails: 'breaker-open' });
    replicas.replica(2).holds('k', valueAt(1)).always({ afterMs: 100 });

    // Act
    const answer = watch(quorumRead(replicas, 2, read));
    await advance(4);

    // Assess
    expect(answer.at).toBe(4);
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
    const error = answer.error as ReadQuorumNotReachedError;
    expect([error.answered, error.required]).toEqual([0, 2]);
    expect(error.replicas.map((r) => r.outcome)).toEqual(['error', 'skipped', 'pending']);
  });

  it('at level all (every replica required) waits for the slowest replica', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(1)).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(3, 'slowest')).always({ afterMs: 45 });

    // Act
    const answer = watch(quorumRead(replicas, 3, read));
    await advance(44);
    const early = answer.settled;
    await advance(1);

    // Assess
    expect(early).toBe(false);
    expect(answer.result?.entry?.value).toBe('slowest');
  });

  it('fails at level all on the first failure', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 10, fails: 'timeout' });
    replicas.replica(2).holds('k', valueAt(1)).always({ afterMs: 60 });

    // Act
    const answer = watch(quorumRead(replicas, 3, read));
    await advance(10);

    // Assess
    expect(answer.at).toBe(10);
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
  });
});
