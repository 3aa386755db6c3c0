import type { ReplicaClient } from './connection';
import type { ReplicaSet } from './replicaSet';

/**
 * The largest error, in ms, that two containers' readings of the replicas' clock may differ by: half the accepted
 * measurement round trip ({@link MAX_ACCEPTED_ROUND_TRIP_MS}) for each container, plus what the replicas' own clocks
 * may disagree by (NTP-synchronised servers, as ElastiCache nodes are). The write path's commit wait
 * (`Coordinator`) covers it, so a failed write never orders above a write started after its answer.
 */
export const CLOCK_UNCERTAINTY_MS = 10;
/** A measurement whose round trip is longer than this is kept only until a better one comes. */
const MAX_ACCEPTED_ROUND_TRIP_MS = 10;
/** Round trips per replica per measurement; the shortest of all is used. */
const SAMPLES = 3;
/** How long to wait before measuring again when no replica answered `TIME`. */
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
 * The replicas' clock as this container sees it: its own wall clock plus an offset measured against the replicas'
 * `TIME`, halfway through the shortest round trip (Cristian's algorithm).
 *
 * Why: versions and TTLs are instants that every container must judge alike. Taken from each container's own clock,
 * a container whose clock ran minutes ahead would stamp writes above later writes of other containers, write keys
 * that live minutes too long and read keys as expired minutes early. Measured against the replicas, every container
 * reads the same clock, off by at most {@link CLOCK_UNCERTAINTY_MS}.
 *
 * Measured in the background when the coordinator is created, asking every replica at once (a paused replica does
 * not delay it), and again every few minutes. A request made before the first measurement waits for it
 * ({@link whenMeasured}), at most a node timeout: nothing is ever decided on the container's own clock.
 */
export class StoreClock {
  private offsetMs = 0;
  private best: Sample | undefined;
  /** True once requests may use the measurement (see {@link wakeWaiters}). */
  private usable = false;
  private measuredAt = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();

  /**
   * @param wallClock this container's own clock (epoch ms).
   * @param onMeasured told every new offset (the coordinator's version clock follows it).
   */
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

  /**
   * Starts measuring in the background unless a measurement is running or recent; resolves when that run ends
   * (measured, or given up after {@link MAX_ATTEMPTS} tries); never rejects. Cheap to call on every request.
   */
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
   * Resolves true once the offset is known, false if it is not known within `timeoutMs` (no replica answered `TIME`;
   * a request then fails rather than judge anything by the container's own clock). Starts a measurement if none
   * is running. Synchronous-fast once measured: a request pays nothing after the first.
   */
  whenMeasured(pool: ReplicaSet<ReplicaClient>, timeoutMs: number): Promise<boolean> | true {
    if (this.usable) {
      if (performance.now() - this.measuredAt >= REMEASURE_EVERY_MS) void this.calibrate(pool);
      return true;
    }
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

  /**
   * Resolves once {@link now} reads at least `instant`, waiting at most `capMs` (an instant further ahead is not
   * waited for at all). The write path's commit wait.
   */
  async waitUntil(instant: number, capMs: number): Promise<void> {
    const waitMs = instant - this.now();
    if (waitMs <= 0 || waitMs > capMs) return;
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
  }

  /** One background run: every replica sampled in parallel, retried until one answers or attempts run out. */
  private async measure(pool: ReplicaSet<ReplicaClient>): Promise<void> {
    // A new run replaces the old measurement (the container's clock may have drifted since), keeping it until then.
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
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
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
