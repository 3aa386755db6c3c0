import { describe, expect, it } from 'vitest';
import { repairRedisKey } from '../../../lib/repair/keyRepair';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

describe('Function: repairRedisKey', () => {
  it('waits for every replica, then brings each one that answered to the newest entry', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(7, 'newest')).always({ afterMs: 50 });

    // Act
    const report = watch(repairRedisKey(replicas, 'k', 0));
    await advance(50);
    const afterReads = report.settled;
    await advance(2);

    // Assess
    expect(afterReads).toBe(false);
    expect(report.at).toBe(52);
    expect(report.result).toEqual({
      key: 'k',
      newestVersion: versionAt(7),
      repairs: [
        { node: 'a', outcome: 'repaired', ms: 1 },
        { node: 'b', outcome: 'repaired', ms: 2 },
      ],
      unreachable: [],
    });
    expect(replicas.replicas.map((replica) => replica.entry('k')?.value)).toEqual(['newest', 'newest', 'newest']);
  });

  it('reports the replicas it could not read, so the caller retries later, and repairs the others', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(3)).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 1 });
    replicas.replica(2).always({ afterMs: 9, fails: 'timeout' });

    // Act
    const report = watch(repairRedisKey(replicas, 'k', 0));
    await advance(10);

    // Assess
    expect(report.result?.unreachable).toEqual(['c']);
    expect(report.result?.repairs.map((r) => r.node)).toEqual(['b']);
  });

  it('maps an escaped internal-looking key back to the user key it stores', async () => {
    // Prepare
    const replicas = new FakeReplicaSet(['a']);

    // Act
    const report = watch(repairRedisKey(replicas, '!!bang', 0));
    await advance(0);

    // Assess
    expect(report.result).toEqual({ key: '!bang', repairs: [], unreachable: [] });
  });
});
