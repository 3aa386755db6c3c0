import { describe, expect, it } from 'vitest';
import { QuorumNotReachedError, type ReplicaClient, type StoredEntry } from '../../../lib';
import { applyEntry } from '../../../lib/replica/replicaCommands';
import { writeFanOut } from '../../../lib/write/writeFanOut';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const entry: StoredEntry = valueAt(10, 'written');
const apply = (client: ReplicaClient) => applyEntry(client, 'k', entry, 0);

describe('Function: writeFanOut', () => {
  it('commits the moment the quorum has acknowledged, with slower replicas pending, and settles them later', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 2 });
    replicas.replica(1).always({ afterMs: 6 });
    replicas.replica(2).always({ afterMs: 90 });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(6);
    const settled = watch(answer.result!.settled);
    await advance(84);

    // Assess
    expect(answer.at).toBe(6);
    expect(answer.result?.acknowledged).toBe(2);
    expect(answer.result?.replicas.map((r) => r.outcome)).toEqual(['applied', 'applied', 'pending']);
    expect(settled.at).toBe(90);
    expect(settled.result?.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(replicas.replica(2).entry('k')).toEqual(entry);
  });

  it('does not count a replica that holds a newer version: it refused the write and reports that version', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(20, 'newer')).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2 });
    replicas.replica(2).always({ afterMs: 30, fails: 'timeout' });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(30);

    // Assess: short of the quorum, with the newer version for the coordinator to go above.
    expect(answer.error).toBeInstanceOf(QuorumNotReachedError);
    const error = answer.error as QuorumNotReachedError;
    expect(error.acknowledged).toBe(1);
    expect(error.replicas[0]).toEqual({ node: 'a', outcome: 'newer', ms: 1, version: versionAt(20), sentAt: expect.any(Number) });
    expect(replicas.replica(0).entry('k')?.value).toBe('newer');
  });

  it('fails fast once too many replicas have failed, without waiting for the rest', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 3, fails: 'connection-down' });
    replicas.replica(1).always({ afterMs: 5, fails: 'command-error' });
    replicas.replica(2).always({ afterMs: 300 });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(5);

    // Assess
    expect(answer.at).toBe(5);
    expect(answer.error).toBeInstanceOf(QuorumNotReachedError);
    const error = answer.error as QuorumNotReachedError;
    expect([error.acknowledged, error.required]).toEqual([0, 2]);
    expect(error.replicas.map((r) => r.outcome)).toEqual(['error', 'error', 'pending']);
  });

  it('tells the rollback why each replica failed: a write refused because the connection was down was never sent', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2, fails: 'connection-down' });
    replicas.replica(2).always({ afterMs: 4, fails: 'timeout' });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(4);

    // Assess
    const error = answer.error as QuorumNotReachedError;
    expect(error.failures).toEqual([undefined, 'connection-down', 'timeout']);
    expect(error.replicas.map((r) => r.error)).toEqual([undefined, 'connection down', 'timed out']);
  });

  it('at level one commits on the first acknowledgement', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 40 });
    replicas.replica(1).always({ afterMs: 1 });
    replicas.replica(2).always({ fails: 'breaker-open' });

    // Act
    const answer = watch(writeFanOut(replicas, 1, entry.version, apply));
    await advance(1);

    // Assess
    expect(answer.at).toBe(1);
    expect(answer.result?.replicas.map((r) => r.outcome)).toEqual(['pending', 'applied', 'skipped']);
  });
});
