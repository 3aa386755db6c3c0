/**
 * How the replicas answered lately, per container: what a hedged read (`read/hedgedFanOut.ts`) orders the replicas by
 * and how long it waits before asking the next one.
 *
 * Each replica keeps TCP's round-trip estimator (Jacobson/Karels, RFC 6298): a smoothed round trip `srtt` and a
 * smoothed mean deviation `rttvar`, both moved by every reply. `srtt + 4·rttvar` is TCP's retransmission timeout:
 * for round trips near normal it sits past the 99th percentile, which is what Dean and Barroso's hedged requests wait
 * for, in O(1) time and memory, with no sample array to sort on each read. Updating it is a few float operations into
 * preallocated typed arrays: nothing is allocated per reply.
 */

/** The bounds of a hedge delay, in ms. */
export interface HedgeBounds {
  /**
   * Never hedge sooner: Node's timers do not fire before 1 ms, and a delay below a healthy round trip would ask a
   * second replica on most reads, which is the cost hedging exists to avoid.
   */
  readonly minMs: number;
  /**
   * Never wait longer before the next replica: low enough that every replica of the set has been asked by half the
   * node timeout, so the last one asked still has half a node timeout to answer inside the read's deadline.
   */
  readonly maxMs: number;
}

/** The floor of every hedge delay (see {@link HedgeBounds.minMs}). */
export const MIN_HEDGE_DELAY_MS = 1;

/**
 * The hedge bounds for `replicaCount` replicas and `nodeTimeoutMs`: at least {@link MIN_HEDGE_DELAY_MS}, at most
 * `nodeTimeoutMs / (2·(replicaCount − 1))` (75 ms for three replicas at the default 300 ms timeout).
 */
export function hedgeBounds(replicaCount: number, nodeTimeoutMs: number): HedgeBounds {
  const maxMs = Math.max(MIN_HEDGE_DELAY_MS, nodeTimeoutMs / (2 * Math.max(1, replicaCount - 1)));
  return { minMs: MIN_HEDGE_DELAY_MS, maxMs };
}

/**
 * One replica's estimate: smoothed round trip and mean deviation (ms), whether any reply was seen yet, and whether a
 * hedge found it late and its reply has not come since.
 */
export interface LatencyEstimate {
  readonly srtt: number;
  readonly rttvar: number;
  readonly sampled: boolean;
  readonly late?: boolean;
}

/**
 * How long to wait for a replica before asking the next one: `srtt + 4·rttvar`, within `bounds`. A replica never
 * heard from gets the floor: with no history, hedging early is what keeps the tail of a cold container's first reads.
 */
export function hedgeDelayMs(estimate: LatencyEstimate, bounds: HedgeBounds): number {
  if (!estimate.sampled) return bounds.minMs;
  const delay = estimate.srtt + 4 * estimate.rttvar;
  return delay < bounds.minMs ? bounds.minMs : delay > bounds.maxMs ? bounds.maxMs : delay;
}

/**
 * The order a hedged read asks the replicas in: lowest `srtt` first, a replica never heard from before any that was
 * (so each gets measured), a replica found late behind every other until its reply comes, ties in configuration
 * order. Returns indexes into `estimates`.
 */
export function replicaOrder(estimates: readonly LatencyEstimate[]): number[] {
  const order = new Array<number>(estimates.length);
  for (let i = 0; i < estimates.length; i += 1) order[i] = i;
  // Insertion sort: N is a handful, and it is stable.
  for (let i = 1; i < order.length; i += 1) {
    const index = order[i]!;
    let j = i - 1;
    while (j >= 0 && isFaster(estimates[index]!, estimates[order[j]!]!)) {
      order[j + 1] = order[j]!;
      j -= 1;
    }
    order[j + 1] = index;
  }
  return order;
}

function isFaster(a: LatencyEstimate, b: LatencyEstimate): boolean {
  const aLate = a.late === true;
  if (aLate !== (b.late === true)) return !aLate;
  if (a.sampled !== b.sampled) return !a.sampled;
  return a.srtt < b.srtt;
}

/** RFC 6298's gains: each reply moves `srtt` by 1/8 and `rttvar` by 1/4 of the difference. */
const ALPHA = 1 / 8;
const BETA = 1 / 4;

/**
 * The latency estimates of one replica set, indexed like its `replicas`, kept for the container's life. A failed
 * call (error, timeout, skipped by its breaker) counts as a round trip of one node timeout, so a replica down moves
 * to the back at once and comes forward again only as it answers.
 */
export class LatencyRecord {
  private readonly srtt: Float64Array;
  private readonly rttvar: Float64Array;
  private readonly samples: Uint32Array;
  /** A replica's `srtt` before {@link recordLate} raised it (NaN when not raised): its next reply decides from there. */
  private readonly beforeLate: Float64Array;
  readonly bounds: HedgeBounds;

  constructor(
    readonly replicaCount: number,
    /** The round trip a failed call counts as (`NODE_TIMEOUT_MS`). */
    readonly failureMs: number,
  ) {
    this.srtt = new Float64Array(replicaCount);
    this.rttvar = new Float64Array(replicaCount);
    this.samples = new Uint32Array(replicaCount);
    this.beforeLate = new Float64Array(replicaCount).fill(Number.NaN);
    this.bounds = hedgeBounds(replicaCount, failureMs);
  }

  /** Records a reply of replica `index` after `ms`. */
  recordReply(index: number, ms: number): void {
    const beforeLate = this.beforeLate[index]!;
    if (!Number.isNaN(beforeLate)) {
      // The raise was provisional: this reply is the measurement it stood for.
      this.srtt[index] = beforeLate;
      this.beforeLate[index] = Number.NaN;
    }
    if (this.samples[index] === 0) {
      this.srtt[index] = ms;
      this.rttvar[index] = ms / 2;
    } else {
      const srtt = this.srtt[index]!;
      this.rttvar[index] = (1 - BETA) * this.rttvar[index]! + BETA * Math.abs(srtt - ms);
      this.srtt[index] = (1 - ALPHA) * srtt + ALPHA * ms;
    }
    if (this.samples[index]! < 0xffffffff) this.samples[index]! += 1;
  }

  /**
   * Records that replica `index` has not answered after `ms` (a hedge fired): it is asked after every other replica
   * until its reply comes, and its `srtt` is at least `ms` meanwhile. A hung replica thus loses its place on the first
   * read that waited for it, whatever the others' round trips, not one node timeout later when its calls fail, while
   * every read until then would pay the hedge delay. Its reply then counts from the estimate before it was late: a
   * replica late once (a blip) is back in front at once, a hung one's long reply (if any) keeps it back.
   */
  recordLate(index: number, ms: number): void {
    if (this.samples[index] === 0) this.recordReply(index, ms);
    if (Number.isNaN(this.beforeLate[index]!)) this.beforeLate[index] = this.srtt[index]!;
    if (this.srtt[index]! < ms) this.srtt[index] = ms;
  }

  /** Records a call to replica `index` that got no reply. */
  recordFailure(index: number): void {
    this.recordReply(index, this.failureMs);
  }

  /** Replica `index`'s estimate now (a fresh object: for decisions and tests, not the per-reply path). */
  estimate(index: number): LatencyEstimate {
    const late = !Number.isNaN(this.beforeLate[index]!);
    return { srtt: this.srtt[index]!, rttvar: this.rttvar[index]!, sampled: this.samples[index]! > 0, ...(late ? { late } : {}) };
  }

  /** Every replica's estimate, in replica order. */
  estimates(): LatencyEstimate[] {
    const all = new Array<LatencyEstimate>(this.replicaCount);
    for (let i = 0; i < this.replicaCount; i += 1) all[i] = this.estimate(i);
    return all;
  }

  /** The order to ask the replicas in, and each one's hedge delay, as {@link hedgePlan} decides from the estimates. */
  plan(): HedgePlan {
    return hedgePlan(this.estimates(), this.bounds);
  }
}

/** The hedged read's decision, pure: the replicas in {@link replicaOrder}, each with its {@link hedgeDelayMs}. */
export function hedgePlan(estimates: readonly LatencyEstimate[], bounds: HedgeBounds): HedgePlan {
  const delays = new Array<number>(estimates.length);
  for (let i = 0; i < estimates.length; i += 1) delays[i] = hedgeDelayMs(estimates[i]!, bounds);
  return { order: replicaOrder(estimates), delaysMs: delays };
}

/** A hedged read's plan: the replicas in the order to ask them, and how long to wait on each before the next. */
export interface HedgePlan {
  /** Indexes into the replicas, fastest first. */
  readonly order: readonly number[];
  /** Indexed like the replicas (not like `order`). */
  readonly delaysMs: readonly number[];
}
