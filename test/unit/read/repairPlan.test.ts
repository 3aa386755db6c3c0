import { describe, expect, it } from 'vitest';
import { applyRepair, planRepair } from '../../../lib/read/repairPlan';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

describe('Function: applyRepair', () => {
  it('reports what each replica behind did with the newest entry: took it, held it already, held a newer one, or failed', async () => {
    // Prepare: the read saw a, b, c and d behind e; since then b got the entry, c a newer one, and d went down.
    const replicas = new FakeReplicaSet(['a', 'b', 'c', 'd', 'e']);
    const plan = planRepair([
      { replica: replicas.replica(0), entry: valueAt(1) },
      { replica: replicas.replica(1), entry: null },
      { replica: replicas.replica(2), entry: valueAt(1) },
      { replica: replicas.replica(3), entry: valueAt(1) },
      { replica: replicas.replica(4), entry: valueAt(2) },
    ])!;
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(2)).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(3)).always({ afterMs: 3 });
    replicas.replica(3).always({ afterMs: 4, fails: 'connection-down' });
    replicas.replica(4).holds('k', valueAt(2));

    // Act
    const repairs = watch(applyRepair(replicas, 'k', plan, 0));
    await advance(4);

    // Assess
    expect(repairs.result).toEqual([
      { node: 'a', outcome: 'repaired', ms: 1 },
      { node: 'b', outcome: 'same', ms: 2 },
      { node: 'c', outcome: 'newer', ms: 3 },
      { node: 'd', outcome: 'error', ms: 4 },
    ]);
    expect(replicas.replicas.map((replica) => replica.entry('k'))).toEqual([valueAt(2), valueAt(2), valueAt(3), null, valueAt(2)]);
  });
});
