import { describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../../lib';
import { raceRead } from '../../../lib/read/raceRead';
import type { ReplicaRead } from '../../../lib/read/readFanOut';
import { planRepair } from '../../../lib/read/repairPlan';
import { ReadRepair, type ReadRepairMode, type ReadRepairSettings } from '../../../lib/read/readRepair';
import { readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, IMMEDIATE_MS, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');

describe('Function: planRepair', () => {
  const replies = (...entries: (ReturnType<typeof valueAt> | null)[]): ReplicaRead[] =>
    entries.map((entry, i) => ({ replica: { name: 'abc'[i]! }, entry }));

  it('names the replicas that hold nothing or an older version, and the newest entry to bring them to', () => {
    // Act
    const plan = planRepair(replies(valueAt(3), null, valueAt(1), valueAt(3)));

    // Assess
    expect(plan?.newest).toEqual(valueAt(3));
    expect(plan?.behind.map((replica) => replica.name)).toEqual(['b', 'c']);
  });

  it('plans nothing when the replies agree, or when none holds anything', () => {
    // Act & Assess
    expect(planRepair(replies(valueAt(2), valueAt(2)))).toBeUndefined();
    expect(planRepair(replies(null, null, null))).toBeUndefined();
    expect(planRepair([])).toBeUndefined();
  });

  it('spreads a tombstone like any newer entry, so a replica that missed a delete cannot bring the key back', () => {
    // Prepare
    const tombstone = { value: null, version: versionAt(9) };

    // Act
    const plan = planRepair([
      { replica: { name: 'a' }, entry: tombstone },
      { replica: { name: 'b' }, entry: valueAt(5) },
    ]);

    // Assess
    expect(plan?.newest).toEqual(tombstone);
    expect(plan?.behind.map((replica) => replica.name)).toEqual(['b']);
  });
});

describe('Class: ReadRepair', () => {
  /** Replica a restarted empty and answers first; b and c hold the newest entry. Each answers after its own delay. */
  function emptyFirst(delays: readonly [number, number, number]): FakeReplicaSet {
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: delays[0] });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: delays[1] });
    replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: delays[2] });
    return replicas;
  }

  /** Replica c holds an older version; a and b the newest. Each answers after its own delay. */
  function staleThird(delays: readonly [number, number, number]): FakeReplicaSet {
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: delays[0] });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: delays[1] });
    replicas.replica(2).holds('k', valueAt(1, 'old')).always({ afterMs: delays[2] });
    return replicas;
  }

  function settings(replicas: FakeReplicaSet, mode: ReadRepairMode): ReadRepairSettings {
    return { mode, pool: replicas, graceMs: 0 };
  }

  /** One read through raceRead with read repair, as the coordinator does it. */
  async function readWithRepair(repair: ReadRepair, replicas: FakeReplicaSet) {
    const result = await raceRead(replicas, read, repair.fanOut);
    return { result, repair: await repair.atAnswer(result.round) };
  }

  describe('Method: atAnswer', () => {
    it('mode off: reports the replica found behind and writes nothing', async () => {
      // Prepare
      const replicas = emptyFirst([1, 2, 3]);
      const readRepair = new ReadRepair(settings(replicas, 'off'), 'k');

      // Act
      const answer = watch(readWithRepair(readRepair, replicas));
      await advance(10);

      // Assess
      expect(answer.result?.repair.repair).toBe('off');
      expect(answer.result?.repair.plan?.behind.map((r) => r.name)).toEqual(['a']);
      expect(replicas.replica(0).commands).toEqual(['get']);
    });

    it('mode blocking: sees the replies of the same instant, and repairs before the read answers', async () => {
      // Prepare
      const replicas = staleThird([5, 5, 5]);
      replicas.replica(2).then({ afterMs: 5 }, { afterMs: 20 });
      const readRepair = new ReadRepair(settings(replicas, 'blocking'), 'k');

      // Act
      const answer = watch(readWithRepair(readRepair, replicas));
      await advance(5 + IMMEDIATE_MS);
      const beforeRepairWrite = answer.settled;
      await advance(20);

      // Assess
      expect(beforeRepairWrite).toBe(false);
      expect(answer.at).toBe(5 + IMMEDIATE_MS + 20);
      expect(answer.result?.repair.repair).toBe('repaired');
      expect(answer.result?.repair.repairs).toEqual([{ node: 'c', outcome: 'repaired', ms: 20 }]);
      expect(replicas.replica(2).entry('k')).toEqual(valueAt(2, 'new'));
    });

    it('mode async: answers at once and repairs right after, in-process, over the same connections', async () => {
      // Prepare
      const replicas = emptyFirst([1, 2, 3]);
      const readRepair = new ReadRepair(settings(replicas, 'async'), 'k');

      // Act
      const answer = watch(readWithRepair(readRepair, replicas));
      await advance(2);
      const heldAtAnswer = replicas.replica(0).entry('k');
      await advance(1);

      // Assess
      expect(answer.at).toBe(2);
      expect(answer.result?.repair.repair).toBe('scheduled');
      expect(heldAtAnswer).toBeNull();
      expect(replicas.replica(0).entry('k')).toEqual(valueAt(2, 'new'));
    });
  });

  describe('after the answer (mode async)', () => {
    it('repairs a replica that a reply after the answer shows behind, once every replica has replied', async () => {
      // Prepare
      const replicas = staleThird([1, 2, 40]);
      const readRepair = new ReadRepair(settings(replicas, 'async'), 'k');

      // Act
      const answer = watch(readWithRepair(readRepair, replicas));
      await advance(2);
      const heldAtAnswer = replicas.replica(2).entry('k');
      await advance(40 + IMMEDIATE_MS + 40);

      // Assess
      expect(answer.at).toBe(1);
      expect(answer.result?.repair.repair).toBe('none');
      expect(heldAtAnswer).toEqual(valueAt(1, 'old'));
      expect(replicas.replica(2).entry('k')).toEqual(valueAt(2, 'new'));
    });

    it('does not repair twice when the answer already found the replica behind', async () => {
      // Prepare
      const replicas = emptyFirst([1, 2, 30]);
      const readRepair = new ReadRepair(settings(replicas, 'async'), 'k');

      // Act
      const answer = watch(readWithRepair(readRepair, replicas));
      await advance(30 + IMMEDIATE_MS + 10);

      // Assess: one repair write to the replica that held nothing, none more after the late replies.
      expect(answer.result?.repair.repair).toBe('scheduled');
      expect(replicas.replica(0).commands.filter((command) => command === 'applyIfNewer')).toHaveLength(1);
    });
  });
});
