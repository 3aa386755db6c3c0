import { describe, expect, it } from 'vitest';
import type { ReplicaClient } from '../../../lib';
import type { ReplicaCallResult, ReplicaHandle, ReplicaSet } from '../../../lib/replica/replicaSet';
import { StoreClock } from '../../../lib/replica/storeClock';

/** One replica whose `TIME` reads `replicaClock()`; the container's clock advances `roundTrips[i]` ms per call. */
function replicaWithClock(replicaClock: () => number, advance: (ms: number) => void, roundTrips: readonly number[]): ReplicaSet<ReplicaClient> {
  let call = 0;
  const replica: ReplicaHandle = { name: 'a' };
  return {
    replicas: [replica],
    call: async <T>(_: ReplicaHandle, command: (client: ReplicaClient) => Promise<T>): Promise<ReplicaCallResult<T>> => {
      const roundTrip = roundTrips[call] ?? 1;
      call += 1;
      // The replica answers halfway through the round trip, except that a slow first call (connecting) is lopsided.
      advance(call === 1 ? roundTrip - 0.5 : roundTrip / 2);
      const now = replicaClock();
      const client = { time: async () => [String(Math.floor(now / 1000)), String(Math.round((now % 1000) * 1000))] };
      const value = await command(client as unknown as ReplicaClient);
      advance(call === 1 ? 0.5 : roundTrip / 2);
      return { ok: true, value, ms: roundTrip };
    },
  };
}

describe('Class: StoreClock', () => {
  it('measures a container clock that runs 3 minutes ahead, from the shortest round trip', async () => {
    // Prepare: the container is 180 s ahead; the first call takes 40 ms (connecting, lopsided), the others 2 ms.
    let real = 1_800_000_000_000;
    const clock = new StoreClock(() => real + 180_000);
    const pool = replicaWithClock(() => real, (ms) => (real += ms), [40, 2, 2]);

    // Act
    await clock.calibrate(pool);

    // Assess
    expect(clock.calibrated).toBe(true);
    expect(Math.abs(clock.now() - real)).toBeLessThanOrEqual(1);
  });

  it('keeps the container clock when the two agree within a round trip', async () => {
    // Prepare
    let real = 1_800_000_000_000;
    const clock = new StoreClock(() => real);
    const pool = replicaWithClock(() => real + 0.4, (ms) => (real += ms), [40, 2, 2]);

    // Act
    await clock.calibrate(pool);

    // Assess
    expect(clock.now()).toBe(real);
  });
});
