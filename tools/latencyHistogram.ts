/**
 * The latency histogram and its summary (mean, p50, p90, p99, p99.9, max), one for both load tools: `npm run bench`
 * (scripts/bench/) and `qkv bench` (cli/commands/bench.ts), so their percentiles are computed, and named, alike.
 */
import * as hdr from 'hdr-histogram-js';

/** Percentiles of one latency distribution, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** One point of a percentile curve: the latency (ms) below which `percentile` % of the samples fall. */
export type CurvePoint = readonly [percentile: number, ms: number];

const NS_PER_MS = 1e6;

/**
 * A latency histogram (HdrHistogram, 3 significant digits) recording in nanoseconds so sub-millisecond Redis round
 * trips keep their precision; everything it reports is in milliseconds.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60 * 1_000 * NS_PER_MS,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });

  /** Records one sample given in milliseconds (as from `performance.now()` differences). */
  recordMs(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * NS_PER_MS)));
  }

  /** Adds every sample of another histogram to this one. */
  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The latency at a percentile (0-100), in ms. */
  percentileMs(percentile: number): number {
    return this.count === 0 ? Number.NaN : this.histogram.getValueAtPercentile(percentile) / NS_PER_MS;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanMs: this.count === 0 ? Number.NaN : this.histogram.mean / NS_PER_MS,
      p50Ms: this.percentileMs(50),
      p90Ms: this.percentileMs(90),
      p99Ms: this.percentileMs(99),
      p999Ms: this.percentileMs(99.9),
      maxMs: this.count === 0 ? Number.NaN : this.histogram.maxValue / NS_PER_MS,
    };
  }

  /**
   * The percentile curve for charts: points spaced evenly on a "number of nines" scale from p0 to p99.99 (or as far
   * as the sample count supports), plus the maximum.
   */
  curve(): CurvePoint[] {
    if (this.count === 0) return [];
    const points: CurvePoint[] = [];
    const maxNines = Math.min(4, Math.log10(this.count));
    for (let nines = 0; nines <= maxNines + 1e-9; nines += 0.125) {
      const percentile = 100 * (1 - 10 ** -nines);
      points.push([percentile, this.percentileMs(Math.max(percentile, 0.001))]);
    }
    points.push([100, this.histogram.maxValue / NS_PER_MS]);
    return points;
  }
}
