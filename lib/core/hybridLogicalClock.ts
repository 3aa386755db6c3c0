import { randomInt } from 'node:crypto';

/**
 * A version: `<ms, 13 digits>.<counter, 5 digits>.<coordinator id, 10 digits>`. Fixed-width digits, so string
 * comparison (in JavaScript and Lua alike) orders versions as the clock made them. Part of the persisted format.
 */
export type Version = string;

/** The version of a seed string (a plain string written by the seed coordinator): older than every other. */
export const SEED_VERSION: Version = '0000000000000.00000.0000000000';

const MAX_COUNTER = 99_999;
/** Length of `<ms>.<counter>`, the part of a version that orders it before the coordinator id. */
const POSITION_LENGTH = 19;
/** Versions further ahead than this are not adopted: one bad clock must not drag every coordinator into the future. */
const MAX_FORWARD_DRIFT_MS = 60_000;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): versions follow wall-clock time, never go backwards, are unique per
 * coordinator and totally ordered across coordinators, so replicas can apply "set if newer" and repair can always
 * tell which copy wins.
 */
export class HybridLogicalClock {
  private lastMs = 0;
  /** How far the replicas' clock runs ahead of this container's (ms), once `StoreClock` measured it. */
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
   * A version above `held` (what a replica refusing a write holds), to re-issue the write: the next version if above
   * it, else `held`'s position plus one. The clock adopts `held` only as {@link observe} does.
   *
   * @param leadMs how far above `held`'s time to go, more on each attempt, so a writer whose clock runs ahead
   *   cannot outrun the write in every round trip.
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

  /** This container's own clock (epoch ms), what the offset is measured against; nothing is ordered by it directly. */
  wallTime(): number {
    return this.wallClock();
  }

  /** The time versions are stamped with (epoch ms): the wall clock corrected by the measured offset. */
  now(): number {
    return this.wallClock() + this.offsetMs;
  }

  /**
   * Makes versions follow the replicas' shared clock, `offsetMs` ahead of this container's (it still never goes
   * back): on its own clock, a container running ahead would stamp a failed write above writes made after it failed.
   */
  adjust(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  /** Moves the clock past a version seen on a replica, so this coordinator's next write orders after it. */
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
