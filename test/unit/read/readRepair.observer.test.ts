import { describe, expect, it } from 'vitest';
import type { ReplicaClient, StoredEntry } from '../../../lib';
import { raceRead } from '../../../lib/read/raceRead';
import type { ReadRound } from '../../../lib/read/readFanOut';
import { ReadRepair, type ReadRepairMode } from '../../../lib/read/readRepair';
import { readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, IMMEDIATE_MS, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';
import { RecordingObserver } from '../../support/recordingObserver';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');

/** A trio holding `entries` (null: nothing), whose replicas answer after `delays` ms. */
function trio(entries: readonly (StoredEntry | null)[], delays: readonly number[]): FakeReplicaSet {
  const replicas = new FakeReplicaSet();
  replicas.replicas.forEach((replica, i) => replica.holds('k', entries[i] ?? null).always({ afterMs: delays[i] ?? 1 }));
  return replicas;
}

/** Read repair in `mode` over `replicas`, telling a recording observer. */
function readRepairOf(replicas: FakeReplicaSet, mode: ReadRepairMode): { repair: ReadRepair; observer: RecordingObserver } {
  const observer = new RecordingObserver();
  return { repair: new ReadRepair({ mode, pool: replicas, graceMs: 0, observer }, 'k'), observer };
}

/** The observer's events as `type replica` lines, in order. */
const lines = (observer: RecordingObserver): string[] => observer.events.map((event) => `${event.type} ${'replica' in event ? event.replica : ''}`);

describe('Class: ReadRepair (what it reports)', () => {
  describe('Method: atAnswer', () => {
    it('reports the replica found behind, then its repair, and answers with the repair writes (blocking)', async () => {
      // Prepare
      const replicas = trio([valueAt(2), valueAt(2), valueAt(1)], [1, 1, 1]);
      const { repair, observer } = readRepairOf(replicas, 'blocking');

      // Act
      const answer = watch(raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round)));
      await advance(1 + IMMEDIATE_MS + 1);

      // Assess
      expect(answer.result).toMatchObject({ repair: 'repaired', repairs: [{ node: 'c', outcome: 'repaired', ms: 1 }] });
      expect(lines(observer)).toEqual(['divergence-found c', 'read-repaired c']);
      expect(observer.ofType('divergence-found')[0]).toEqual({ type: 'divergence-found', replica: 'c', seenBy: 'read' });
    });

    it('reports no repair when the replica behind refused it (it holds a newer entry by then): the repair failed', async () => {
      // Prepare: c lags at the read, and holds a newer entry by the time the repair reaches it.
      const replicas = trio([valueAt(2), valueAt(2), valueAt(1)], [1, 1, 1]);
      const { repair, observer } = readRepairOf(replicas, 'blocking');

      // Act
      const answer = watch(raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round)));
      await advance(1 + IMMEDIATE_MS);
      replicas.replica(2).holds('k', valueAt(3));
      await advance(1);

      // Assess
      expect(answer.result).toMatchObject({ repair: 'failed', repairs: [{ node: 'c', outcome: 'newer' }] });
      expect(lines(observer)).toEqual(['divergence-found c']);
    });

    it.each([
      ['off', 'off', ['divergence-found a'], null],
      ['async', 'scheduled', ['divergence-found a', 'read-repaired a'], 'v2'],
    ] as const)('mode %s: answers at once with no repair writes of its own (%s)', async (mode, outcome, events, healed) => {
      // Prepare
      const replicas = trio([null, valueAt(2), valueAt(2)], [1, 2, 3]);
      const { repair, observer } = readRepairOf(replicas, mode);

      // Act
      const answer = watch(raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round)));
      await advance(2);
      const atAnswer = answer.result;
      await advance(10);

      // Assess
      expect(atAnswer?.repair).toBe(outcome);
      expect(atAnswer?.repairs).toEqual([]);
      expect(lines(observer)).toEqual(events);
      expect(replicas.replica(0).entry('k')?.value ?? null).toBe(healed);
    });

    it('counts the repair as done when some replica behind took it, though another failed (blocking)', async () => {
      // Prepare: b and c lag; the repair write to c fails.
      const replicas = trio([valueAt(2), valueAt(1), null], [1, 1, 1]);
      replicas.replica(2).then({ afterMs: 1 }, { afterMs: 1, fails: 'command-error' });
      const { repair, observer } = readRepairOf(replicas, 'blocking');

      // Act
      const answer = watch(raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round)));
      await advance(1 + IMMEDIATE_MS + 1);

      // Assess
      expect(answer.result?.repair).toBe('repaired');
      expect(answer.result?.repairs.map((r) => [r.node, r.outcome])).toEqual([
        ['b', 'repaired'],
        ['c', 'error'],
      ]);
      expect(lines(observer)).toEqual(['divergence-found b', 'divergence-found c', 'read-repaired b']);
    });

    it('answers no repair, and reports nothing, when the replies agree', async () => {
      // Prepare
      const replicas = trio([valueAt(2), valueAt(2), valueAt(2)], [1, 2, 3]);
      const { repair, observer } = readRepairOf(replicas, 'async');

      // Act
      const answer = watch(raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round)));
      await advance(3 + IMMEDIATE_MS + 1);

      // Assess
      expect(answer.result).toEqual({ plan: undefined, repair: 'none', repairs: [] });
      expect(observer.events).toEqual([]);
      expect(replicas.replicas.map((replica) => replica.commands)).toEqual([['get'], ['get'], ['get']]);
    });
  });

  describe('after the answer', () => {
    it('mode async: reports a replica the late replies show behind, and its repair', async () => {
      // Prepare
      const replicas = trio([valueAt(2), valueAt(2), valueAt(1)], [1, 2, 30]);
      const { repair, observer } = readRepairOf(replicas, 'async');

      // Act
      void raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round));
      await advance(30 + IMMEDIATE_MS + 30);

      // Assess
      expect(lines(observer)).toEqual(['divergence-found c', 'read-repaired c']);
    });

    it('mode off: writes nothing, even when the late replies show a replica behind', async () => {
      // Prepare
      const replicas = trio([valueAt(2), valueAt(2), valueAt(1)], [1, 2, 30]);
      const { repair, observer } = readRepairOf(replicas, 'off');

      // Act
      void raceRead(replicas, read, repair.fanOut).then((result) => repair.atAnswer(result.round));
      await advance(30 + IMMEDIATE_MS + 30);

      // Assess
      expect(replicas.replica(2).commands).toEqual(['get']);
      expect(observer.events).toEqual([]);
    });
  });

  describe('Method: afterWriteBack', () => {
    /** A quorum read's round: a and b replied (b with an older entry), c was not heard from. */
    function roundWith(replicas: FakeReplicaSet, b: StoredEntry | null): ReadRound {
      return {
        replies: [
          { replica: replicas.replica(0), entry: valueAt(2) },
          { replica: replicas.replica(1), entry: b },
        ],
        failed: 0,
        pending: 1,
        reports: [],
        decidedAt: 0,
      };
    }

    it('counts the write-backs as the repair: reports the lagging reply and the replica not heard from that took the entry, each once', () => {
      // Prepare
      const replicas = trio([], []);
      const { repair, observer } = readRepairOf(replicas, 'blocking');
      const writeBacks = [
        { node: 'b', outcome: 'repaired', ms: 1 },
        { node: 'c', outcome: 'repaired', ms: 2 },
      ] as const;

      // Act
      const result = repair.afterWriteBack(roundWith(replicas, valueAt(1)), writeBacks);

      // Assess
      expect(result.repair).toBe('repaired');
      expect(result.repairs).toBe(writeBacks);
      expect(result.plan?.behind.map((replica) => replica.name)).toEqual(['b']);
      expect(lines(observer)).toEqual(['divergence-found b', 'divergence-found c', 'read-repaired b', 'read-repaired c']);
    });

    it('gives the late replies no second look (mode async): the write-backs were the repair', async () => {
      // Prepare
      const replicas = trio([], []);
      const { repair, observer } = readRepairOf(replicas, 'async');
      const round = roundWith(replicas, valueAt(1));

      // Act
      repair.afterWriteBack(round, [{ node: 'b', outcome: 'error', ms: 1 }]);
      repair.fanOut.onSettled!({ ...round, replies: [...round.replies, { replica: replicas.replica(2), entry: null }], pending: 0 });
      await advance(IMMEDIATE_MS + 5);

      // Assess
      expect(lines(observer)).toEqual(['divergence-found b']);
      expect(replicas.replicas.map((replica) => replica.commands)).toEqual([[], [], []]);
    });

    it.each([
      ['failed', 'a reply lagged and no write-back took the entry', valueAt(1), [{ node: 'b', outcome: 'error', ms: 1 }], ['divergence-found b']],
      ['none', 'the replies agreed and the replica not heard from held the entry', valueAt(2), [{ node: 'c', outcome: 'same', ms: 1 }], []],
    ] as const)('answers %s when %s', (outcome, _when, b, writeBacks, events) => {
      // Prepare
      const replicas = trio([], []);
      const { repair, observer } = readRepairOf(replicas, 'blocking');

      // Act
      const result = repair.afterWriteBack(roundWith(replicas, b), writeBacks);

      // Assess
      expect(result.repair).toBe(outcome);
      expect(lines(observer)).toEqual(events);
    });
  });
});
