import { describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../../lib';
import type { ReplicaCallResult, ReplicaHandle, ReplicaSet } from '../../../lib/replica/replicaSet';
import { StoreClock } from '../../../lib/replica/storeClock';
import { advance, useFakeReplicaTime, watch } from '../../support/fakeReplicaSet';

// Date.now() is the container's clock, and the fake timers move it (performance.now() too).
useFakeReplicaTime();

const FIVE_MINUTES = 5 * 60_000;

/** How a replica answers `TIME`: its clock's lead over the container's, and each call's round trip in turn. */
interface TimeSpec {
  /** The replica's clock minus the container's (ms). @default 0 */
  readonly aheadMs?: number;
  /** Round trips of successive calls (ms, even); the last one repeats. @default [4] */
  readonly roundTrips?: readonly number[];
  /** Calls that fail (connection down) before the replica answers; Infinity for a replica that never does. */
  readonly failFirst?: number;
}

/** A replica answering `TIME` halfway through each round trip, on the fake clock; counts the calls it got. */
class TimeReplica implements ReplicaHandle {
  calls = 0;
  constructor(
    readonly name: string,
    readonly spec: TimeSpec,
  ) {}
}

/** Replicas that answer `TIME` as their specs say, behind the `ReplicaSet` interface `StoreClock` measures through. */
function timeReplicas(...specs: TimeSpec[]): { pool: ReplicaSet<ReplicaClient>; replicas: TimeReplica[] } {
  const replicas = specs.map((spec, i) => new TimeReplica('abc'[i]!, spec));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const pool: ReplicaSet<ReplicaClient> = {
    replicas,
    call: async <T>(handle: ReplicaHandle, command: (client: ReplicaClient) => Promise<T>): Promise<ReplicaCallResult<T>> => {
      const replica = handle as TimeReplica;
      const { aheadMs = 0, roundTrips = [4], failFirst = 0 } = replica.spec;
      replica.calls += 1;
      if (replica.calls <= failFirst) return { ok: false, outcome: 'error', failure: 'connection-down', error: 'connection down', ms: 0 };
      const roundTrip = roundTrips[replica.calls - failFirst - 1] ?? roundTrips.at(-1)!;
      await sleep(roundTrip / 2);
      const replicaNow = Date.now() + aheadMs;
      const time = async () => [String(Math.floor(replicaNow / 1000)), String((replicaNow % 1000) * 1000)];
      const value = await command({ time } as unknown as ReplicaClient);
      await sleep(roundTrip / 2);
      return { ok: true, value, ms: roundTrip };
    },
  };
  return { pool, replicas };
}

describe('Class: StoreClock (calibration)', () => {
  describe('Method: calibrate', () => {
    it('measures the replicas\' clock from the shortest of three round trips, and reads it with half that as its uncertainty', async () => {
      // Prepare: the replicas run 5 s ahead; the first call is slow (connecting).
      const { pool, replicas } = timeReplicas({ aheadMs: 5_000, roundTrips: [40, 4, 8, 2] });
      const offsets: number[] = [];
      const clock = new StoreClock(() => Date.now(), (offset) => offsets.push(offset));
      const before = [clock.calibrated, clock.uncertaintyMs, clock.now()];

      // Act
      const run = watch(clock.calibrate(pool));
      await advance(40 + 4 + 8);

      // Assess: each shorter round trip replaces the last measurement; a longer one does not.
      expect(before).toEqual([false, Number.POSITIVE_INFINITY, 0]);
      expect(run.settled).toBe(true);
      expect(replicas[0]!.calls).toBe(3);
      expect(offsets).toEqual([5_000, 5_000]);
      expect([clock.calibrated, clock.uncertaintyMs, clock.now() - Date.now()]).toEqual([true, 2, 5_000]);
    });

    it('keeps the container\'s own clock when the replicas\' differs by no more than the round trip can tell', async () => {
      // Prepare: round trips of 4 ms tell clocks apart from half of that plus 1 ms on: 3 ms, no; 4 ms, yes.
      const within = timeReplicas({ aheadMs: 3 });
      const beyond = timeReplicas({ aheadMs: 4 });
      const agreeing = new StoreClock(() => Date.now());
      const apart = new StoreClock(() => Date.now());

      // Act
      void agreeing.calibrate(within.pool);
      void apart.calibrate(beyond.pool);
      await advance(12);

      // Assess
      expect(agreeing.now() - Date.now()).toBe(0);
      expect(apart.now() - Date.now()).toBe(4);
    });

    it('runs one measurement however many requests ask for one at once', async () => {
      // Prepare
      const { pool, replicas } = timeReplicas({});
      const clock = new StoreClock(() => Date.now());

      // Act
      const first = clock.calibrate(pool);
      const second = clock.calibrate(pool);
      await advance(12);

      // Assess
      expect(second).toBe(first);
      expect(replicas[0]!.calls).toBe(3);
    });

    it('measures again only once five minutes have passed since the measurement in use', async () => {
      // Prepare: measured by the first round trip, at 4 ms.
      const { pool, replicas } = timeReplicas({ roundTrips: [4, 6] });
      const clock = new StoreClock(() => Date.now());
      void clock.calibrate(pool);
      await advance(4 + 6 + 6);

      // Act
      await advance(FIVE_MINUTES - 16 + 3);
      void clock.calibrate(pool);
      const callsJustBefore = replicas[0]!.calls;
      await advance(1);
      void clock.calibrate(pool);

      // Assess
      expect(callsJustBefore).toBe(3);
      expect(replicas[0]!.calls).toBe(4);
    });

    it('stops asking a replica that failed, measures from the others, and never rejects', async () => {
      // Prepare
      const { pool, replicas } = timeReplicas({ failFirst: Number.POSITIVE_INFINITY }, { aheadMs: 900 });
      const clock = new StoreClock(() => Date.now());

      // Act
      const run = watch(clock.calibrate(pool));
      await advance(12);

      // Assess
      expect(run.settled && run.error === undefined).toBe(true);
      expect(replicas.map((replica) => replica.calls)).toEqual([1, 3]);
      expect(clock.now() - Date.now()).toBe(900);
    });

    it('tries again a second later when no replica answered', async () => {
      // Prepare: the replica is down for the first two attempts.
      const { pool, replicas } = timeReplicas({ aheadMs: 900, failFirst: 2 });
      const clock = new StoreClock(() => Date.now());

      // Act
      const run = watch(clock.calibrate(pool));
      await advance(2_000 + 12);

      // Assess
      expect(run.at).toBe(2_012);
      expect(replicas[0]!.calls).toBe(2 + 3);
      expect(clock.now() - Date.now()).toBe(900);
    });

    it('gives up after 30 attempts a second apart when no replica ever answers', async () => {
      // Prepare
      const { pool, replicas } = timeReplicas({ failFirst: Number.POSITIVE_INFINITY });
      const clock = new StoreClock(() => Date.now());

      // Act
      const run = watch(clock.calibrate(pool));
      await advance(40_000);

      // Assess
      expect(run.at).toBe(30_000);
      expect(run.error).toBeUndefined();
      expect(replicas[0]!.calls).toBe(30);
      expect(clock.calibrated).toBe(false);
    });
  });

  describe('Method: whenMeasured', () => {
    it('makes a request wait for the first precise measurement, and answers at once after it', async () => {
      // Prepare
      const { pool } = timeReplicas({ aheadMs: 900 });
      const clock = new StoreClock(() => Date.now());

      // Act
      const waiting = clock.whenMeasured(pool, 1_000);
      const answer = watch(Promise.resolve(waiting));
      await advance(4);
      const later = clock.whenMeasured(pool, 1_000);

      // Assess
      expect(waiting).toBeInstanceOf(Promise);
      expect([answer.at, answer.result]).toEqual([4, true]);
      expect(later).toBe(true);
    });

    /**
     * What a request waiting for the first measurement gets, and when: replicas' round trips (ms), the request's
     * timeout, the time it is answered, and whether the clock is then measured.
     */
    const WAITS: readonly (readonly [string, readonly TimeSpec[], number, number, boolean])[] = [
      ['a sample of at most 10 ms, past slower ones', [{ roundTrips: [12, 10, 2] }], 1_000, 12 + 10, true],
      ['the best sample of the whole run, when none is within 10 ms', [{ roundTrips: [40, 20, 30] }], 1_000, 40 + 20 + 30, true],
      ['the best sample so far, at its timeout', [{ roundTrips: [40, 40, 40] }], 50, 50, true],
      ['nothing, at its timeout, when the only replica hangs', [{ roundTrips: [60_000] }], 300, 300, false],
      ['the first sample of one replica, whatever another that hangs', [{ roundTrips: [60_000] }, { roundTrips: [4] }], 1_000, 4, true],
    ];

    it.each(WAITS)('answers a waiting request with %s', async (_what, specs, timeoutMs, at, measured) => {
      // Prepare
      const { pool } = timeReplicas(...specs);
      const clock = new StoreClock(() => Date.now());

      // Act
      const answer = watch(Promise.resolve(clock.whenMeasured(pool, timeoutMs)));
      await advance(at);

      // Assess
      expect([answer.at, answer.result]).toEqual([at, measured]);
    });

    it('answers false, within its timeout, when every replica refuses the connection', async () => {
      // Prepare
      const { pool } = timeReplicas({ failFirst: Number.POSITIVE_INFINITY });
      const clock = new StoreClock(() => Date.now());

      // Act
      const answer = watch(Promise.resolve(clock.whenMeasured(pool, 300)));
      await advance(300);

      // Assess
      expect(answer.result).toBe(false);
      expect(answer.at).toBeLessThanOrEqual(300);
      expect(clock.whenMeasured(pool, 300)).toBeInstanceOf(Promise);
    });

    it('answers at once five minutes later too, and starts measuring again in the background', async () => {
      // Prepare
      const { pool, replicas } = timeReplicas({});
      const clock = new StoreClock(() => Date.now());
      void clock.whenMeasured(pool, 1_000);
      await advance(12);

      // Act: five minutes after the measurement in use (the first round trip's, at 4 ms).
      await advance(FIVE_MINUTES - 12 + 4);
      const atFiveMinutes = clock.whenMeasured(pool, 1_000);
      const callsThen = replicas[0]!.calls;

      // Assess
      expect(atFiveMinutes).toBe(true);
      expect(callsThen).toBe(4);
    });
  });

  describe('Method: waitUntil', () => {
    /** A container clock at a date of this century, on the fake timers. */
    const wallClock = () => 1_800_000_000_000 + Date.now();

    it('waits until the replicas\' clock reads the instant', async () => {
      // Prepare
      const clock = new StoreClock(wallClock);

      // Act
      const waited = watch(clock.waitUntil(clock.now() + 6.5, 100));
      await advance(7);

      // Assess
      expect(waited.at).toBe(7);
    });

    it('waits up to its cap, and not at all for an instant passed or further ahead than the cap', async () => {
      // Prepare
      const clock = new StoreClock(wallClock);
      const now = clock.now();

      // Act
      const passed = [watch(clock.waitUntil(now - 1, 100)), watch(clock.waitUntil(now, 100)), watch(clock.waitUntil(now + 101, 100))];
      const atCap = watch(clock.waitUntil(now + 100, 100));
      for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
      const settledAtOnce = passed.map((wait) => wait.settled);
      await advance(100);

      // Assess
      expect(settledAtOnce).toEqual([true, true, true]);
      expect(atCap.at).toBe(100);
    });
  });
});
