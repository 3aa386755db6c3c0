import { randomInt } from 'node:crypto';

/**
 * A version: `<wall-clock ms, 13 digits>.<counter, 5 digits>.<coordinator id, 10 digits>`.
 *
 * Fixed width and digits only, so plain string comparison (in JavaScript and in Redis Lua alike) orders versions
 * the same way as the clock produced them, and `redis-cli` shows the write time at a glance. Part of the persisted
 * format (see `replica/storageLayout.ts`): every replica stores versions, and the Lua scripts compare them as strings.
 */
export type Version = string;

/** The version given to plain strings written by the seed coordinator: older than every version we produce. */
export const SEED_VERSION: Version = '0000000000000.00000.0000000000';

const MAX_COUNTER = 99_999;
/** Length of `<ms>.<counter>`, the part of a version that orders it before the coordinator id. */
const POSITION_LENGTH = 19;
/** Versions further ahead of our wall clock than this are not adopted: one bad clock must not drag every coordinator into the future. */
const MAX_FORWARD_DRIFT_MS = 60_000;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): versions follow wall-clock time but never go backwards, are unique
 * per coordinator and totally ordered across coordinators.
 *
 * Why: every write carries a version so that replicas can apply "set if newer" atomically; a retried, delayed or
 * reordered write then can never overwrite newer data, and repair can always tell which copy wins.
 */
export class HybridLogicalClock {
  private lastMs = 0;
  /** How far the replicas' clock is ahead of this container's wall clock (ms), once measured (see `StoreClock`). */
  private offsetMs = 0;
  private counter = 0;
  private readonly suffix: string;
  /** `<ms>.<counter>` of the clock's position, to skip parsing versions that are not ahead of it. */
  private position = '';

  constructor(
    /** Identifies this coordinator (one per Lambda container); random by default. */
    public readonly coordinatorId: number = randomInt(1, 10_000_000_000),
    private readonly wallClock: () => number = Date.now,
  ) {
    if (!Number.isInteger(coordinatorId) || coordinatorId < 0 || coordinatorId >= 10_000_000_000) {
      throw new RangeError('coordinatorId must be an integer from 0 to 9999999999');
    }
    this.suffix = `.${String(coordinatorId).padStart(10, '0')}`;
  }

  /** Returns a version newer than every version this clock has issued or observed. */
  next(): Version {
    const now = this.now();
    if (now > this.lastMs) {
      this.lastMs = now;
      this.counter = 0;
    } else if (this.counter < MAX_COUNTER) {
      this.counter += 1;
    } else {
      this.lastMs += 1;
      this.counter = 0;
    }
    this.position = formatVersion(this.lastMs, this.counter);
    return this.position + this.suffix;
  }

  /**
   * A version above `held` (a version a replica reported holding when it refused a write): the clock's next version
   * if that is above it, else `held`'s position plus one, with this coordinator's id. Such a version is used for one
   * write only; the clock adopts `held` as {@link observe} does, so never more than a minute ahead of the wall clock.
   *
   * Why: a write refused because a replica holds a newer version is re-issued above it, so a container whose clock
   * lags (or a key written by one whose clock ran ahead) still gets its writes ordered after what is there.
   *
   * @param leadMs how far above `held`'s time to go (0: just above). A write that keeps losing to a container whose
   *   clock runs ahead and keeps writing the same key leaps further each time, so it is not outrun in every round trip.
   */
  nextAbove(held: Version, leadMs = 0): Version {
    this.observe(held);
    const next = this.next();
    const parsed = parseVersion(held);
    if (parsed === undefined) return next;
    if (leadMs > 0) {
      const ahead = formatVersion(parsed.ms + leadMs, 0) + this.suffix;
      return next > ahead ? next : ahead;
    }
    if (next > held) return next;
    const above = parsed.counter < MAX_COUNTER ? formatVersion(parsed.ms, parsed.counter + 1) : formatVersion(parsed.ms + 1, 0);
    return above + this.suffix;
  }

  /**
   * This container's own wall-clock time in epoch ms (injectable, for tests of clock skew): what the offset to the
   * replicas' clock is measured against. No version and no ordering decision uses it directly.
   */
  wallTime(): number {
    return this.wallClock();
  }

  /**
   * The time versions are stamped with: this container's wall clock corrected by the offset measured against the
   * replicas' `TIME` ({@link adjust}), in epoch ms.
   */
  now(): number {
    return this.wallClock() + this.offsetMs;
  }

  /**
   * Makes versions follow the replicas' clock: `offsetMs` is how far it runs ahead of this container's wall clock,
   * as `StoreClock` measured it. The clock still never goes backwards (a smaller offset only holds it still).
   *
   * Why: versions order writes across containers. Stamped from each container's own clock, a container whose clock
   * runs ahead would stamp a failed write above writes made after it failed; stamped from the replicas' shared clock,
   * a write started after another one returned carries the higher version (within the measurement's uncertainty,
   * which the write path covers: see `Coordinator`).
   */
  adjust(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  /**
   * Moves the clock past a version seen on a replica, so this coordinator's next write orders after it even if
   * its own wall clock lags behind the coordinator that wrote it.
   */
  observe(version: Version): void {
    // Hot path: most versions seen are our own or older; a prefix comparison settles that without parsing.
    if (version.slice(0, POSITION_LENGTH) <= this.position) return;
    const parsed = parseVersion(version);
    if (parsed === undefined) return;
    if (parsed.ms > this.now() + MAX_FORWARD_DRIFT_MS) return;
    if (parsed.ms > this.lastMs || (parsed.ms === this.lastMs && parsed.counter > this.counter)) {
      this.lastMs = parsed.ms;
      this.counter = parsed.counter;
      this.position = formatVersion(this.lastMs, this.counter);
    }
  }
}

/** Splits a version into its wall-clock milliseconds and counter; undefined when it is not one of ours. */
export function parseVersion(version: Version): { ms: number; counter: number; coordinatorId: number } | undefined {
  const match = /^(\d{13})\.(\d{5})\.(\d{10})$/.exec(version);
  if (match === null) return undefined;
  return { ms: Number(match[1]), counter: Number(match[2]), coordinatorId: Number(match[3]) };
}

function formatVersion(ms: number, counter: number): string {
  return `${String(ms).padStart(13, '0')}.${String(counter).padStart(5, '0')}`;
}
