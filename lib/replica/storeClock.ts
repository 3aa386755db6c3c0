import type { ReplicaClient } from './connection';
import type { ReplicaSet } from './replicaSet';

/**
 * The most two containers' readings of the replicas' clock may differ by (ms): half an accepted round trip each,
 * plus what NTP-synchronised replicas may disagree by. The write path's commit wait covers it.
 */
export const CLOCK_UNCERTAINTY_MS = 10;
/** A measurement whose round trip is longer than this is kept only until a better one comes. */
const MAX_ACCEPTED_ROUND_TRIP_MS = 10;
/** Round trips per replica per measurement; the shortest of all is used. */
const SAMPLES = 3;
/** How long to wait before measuring again when no replica answered `TIME` (a request waiting for it retries at once). */
const RETRY_MS = 1_000;
/** Measurements in one background run before it gives up (the next request starts another). */
const MAX_ATTEMPTS = 30;
/** How often the offset is measured again (a container's clock drifts, and NTP may step it). */
const REMEASURE_EVERY_MS = 5 * 60_000;

/** One `TIME` round trip: the replicas' clock minus the container's at its midpoint, and how long it took. */
interface Sample {
  readonly offsetMs: number;
  readonly roundTripMs: number;
}

/**
 * The replicas' clock as this container sees it: its own plus an offset measured against the replicas' `TIME`
 * (Cristian's algorithm), so that every container judges versions and TTLs alike. Measured in the background, again
 * every few minutes; a request before the first measurement waits for it: nothing is decided on the own clock.
 */
export class StoreClock {
  private offsetMs = 0;
  private best: Sample | undefined;
  /** True once requests may use the measurement (see {@link wakeWaiters}). */
  private usable = false;
  private measuredAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  /** Ends a background run's wait before its next attempt; set while it waits. */
  private retryNow: (() => void) | undefined;
  private readonly waiters = new Set<() => void>();

  /** @param onMeasured told every new offset (the version clock follows it). */
  constructor(
    private readonly wallClock: () => number,
    private readonly onMeasured: (offsetMs: number) => void = () => undefined,
  ) {}

  /** The replicas' time now, in epoch ms, as far as this container knows it. */
  now(): number {
    return this.wallClock() + this.offsetMs;
  }

  /** True once the offset has been measured against a replica. */
  get calibrated(): boolean {
    return this.best !== undefined;
  }

  /** Half the round trip of the measurement in use (ms): how far {@link now} may be off; Infinity before one. */
  get uncertaintyMs(): number {
    return this.best === undefined ? Number.POSITIVE_INFINITY : this.best.roundTripMs / 2;
  }

  /** Starts measuring unless a run is going or recent; resolves when that run ends; never rejects. */
  calibrate(pool: ReplicaSet<ReplicaClient>): Promise<void> {
    if (this.running !== undefined) return this.running;
    if (performance.now() - this.measuredAt < REMEASURE_EVERY_MS) return Promise.resolve();
    const run = this.measure(pool).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /**
   * True once the offset is known (synchronously, so requests pay nothing after the first); else resolves false if
   * it is not known within `timeoutMs`, and the request fails rather than use the container's own clock.
   */
  whenMeasured(pool: ReplicaSet<ReplicaClient>, timeoutMs: number): Promise<boolean> | true {
    if (this.usable) {
      if (performance.now() - this.measuredAt >= REMEASURE_EVERY_MS) void this.calibrate(pool);
      return true;
    }
    // A run waiting to retry (its last attempt found no connection ready) tries again now, for this request: the
    // connections may have come up since, and the request would otherwise wait out its bound for nothing.
    this.retryNow?.();
    void this.calibrate(pool);
    return new Promise<boolean>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        // Past the timeout, the best measurement so far beats failing the request.
        resolve(this.usable || this.best !== undefined);
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** Resolves once {@link now} reads `instant`; an instant more than `capMs` ahead is not waited for at all. */
  async waitUntil(instant: number, capMs: number): Promise<void> {
    const waitMs = instant - this.now();
    if (waitMs <= 0 || waitMs > capMs) return;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }

  /** One background run: every replica sampled in parallel, retried until one answers or attempts run out. */
  private async measure(pool: ReplicaSet<ReplicaClient>): Promise<void> {
    // A new run replaces the old measurement (the container's clock may have drifted), which serves until then.
    let fresh: Sample | undefined;
    const offer = (sample: Sample): void => {
      if (fresh !== undefined && sample.roundTripMs >= fresh.roundTripMs) return;
      fresh = sample;
      // Within what a round trip can tell apart, the clocks agree: keep the container's own.
      const offset = Math.abs(sample.offsetMs) <= sample.roundTripMs / 2 + 1 ? 0 : Math.round(sample.offsetMs);
      this.best = sample;
      this.offsetMs = offset;
      this.measuredAt = performance.now();
      this.onMeasured(offset);
      // A request waiting for the first measurement takes one as precise as the uncertainty allows, or else the
      // best of the whole run.
      if (sample.roundTripMs <= MAX_ACCEPTED_ROUND_TRIP_MS) this.wakeWaiters();
    };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      await Promise.all(pool.replicas.map((replica) => this.sampleReplica(pool, replica, offer)));
      this.wakeWaiters();
      if (fresh !== undefined) return;
      await new Promise<void>((resolve) => {
        const again = (): void => {
          clearTimeout(timer);
          this.retryNow = undefined;
          resolve();
        };
        const timer = setTimeout(again, RETRY_MS).unref();
        this.retryNow = again;
      });
    }
  }

  /** Marks the measurement usable by requests (precise enough, or the best a whole run got) and wakes them. */
  private wakeWaiters(): void {
    if (this.best !== undefined) this.usable = true;
    for (const wake of [...this.waiters]) wake();
  }

  /** Up to {@link SAMPLES} `TIME` round trips to one replica, each offered as soon as it is in. */
  private async sampleReplica(
    pool: ReplicaSet<ReplicaClient>,
    replica: ReplicaSet<ReplicaClient>['replicas'][number],
    offer: (sample: Sample) => void,
  ): Promise<void> {
    for (let i = 0; i < SAMPLES; i += 1) {
      const before = this.wallClock();
      const reply = await pool.call(replica, (client) => client.time());
      const after = this.wallClock();
      if (!reply.ok) return;
      const [seconds, micros] = reply.value;
      const replicaMs = Number(seconds) * 1000 + Number(micros) / 1000;
      offer({ offsetMs: replicaMs - (before + after) / 2, roundTripMs: after - before });
    }
  }
}
