import type { ReplicaClient } from './connection';
import type { ReplicaSet } from './replicaSet';

/** How long to wait before trying again when no replica answered `TIME`. */
const RETRY_MS = 1_000;
/** Round trips per measurement; the shortest is used. */
const SAMPLES = 3;
/** Attempts before giving up (the offset then stays 0: the container's own clock). */
const MAX_ATTEMPTS = 30;

/**
 * The replicas' clock as this container sees it: its own wall clock plus an offset measured once against a replica's
 * `TIME`, halfway through the shortest of a few round trips (Cristian's algorithm).
 *
 * Why: TTLs are absolute instants that every container must judge alike. Computed from each container's own clock,
 * a container whose clock ran minutes ahead would write keys that live minutes too long and read keys as expired
 * minutes early. Measured against the replicas, expiry is off by at most half a round trip, whatever the container's
 * clock says. (Versions still come from the container's own hybrid logical clock; writes refused as older are
 * re-issued above, see `Coordinator.write`.)
 *
 * It is measured in the background when the coordinator is created; until then (or if no replica answers) the offset
 * is 0. No request waits for it.
 */
export class StoreClock {
  private offsetMs = 0;
  private measured = false;

  constructor(private readonly wallClock: () => number) {}

  /** The replicas' time now, in epoch ms, as far as this container knows it. */
  now(): number {
    return this.wallClock() + this.offsetMs;
  }

  /** True once the offset has been measured against a replica. */
  get calibrated(): boolean {
    return this.measured;
  }

  /**
   * Measures the offset against the first replica that answers `TIME`; retries in the background (without keeping
   * the process alive) until one does. Resolves once measured or given up; never rejects.
   */
  async calibrate(pool: ReplicaSet<ReplicaClient>): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !this.measured; attempt += 1) {
      for (const replica of pool.replicas) {
        const samples: { offsetMs: number; roundTripMs: number }[] = [];
        // Several samples, keeping the one with the shortest round trip: the first may include connecting, which
        // makes the round trip lopsided and the estimate off by half of it.
        for (let i = 0; i < SAMPLES; i += 1) {
          const before = this.wallClock();
          const reply = await pool.call(replica, (client) => client.time());
          const after = this.wallClock();
          if (!reply.ok) break;
          const [seconds, micros] = reply.value;
          const replicaMs = Number(seconds) * 1000 + Number(micros) / 1000;
          samples.push({ offsetMs: replicaMs - (before + after) / 2, roundTripMs: after - before });
        }
        if (samples.length < SAMPLES) continue;
        const best = samples.reduce((a, b) => (b.roundTripMs < a.roundTripMs ? b : a));
        // Within what a round trip can tell apart, the clocks agree: keep the container's own.
        this.offsetMs = Math.abs(best.offsetMs) <= best.roundTripMs / 2 + 1 ? 0 : Math.round(best.offsetMs);
        this.measured = true;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
  }
}
