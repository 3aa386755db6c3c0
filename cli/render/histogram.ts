import { formatCount, formatMs, pad } from './text';

/** Samples whose latency fell in `[fromMs, toMs)`. */
export interface LatencyBucket {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

/** Options of {@link renderHistogram}. */
export interface HistogramOptions {
  /** Columns of the longest bar (default 40). */
  readonly barWidth?: number;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * Sorts latencies into buckets on a log scale, so a 0.3 ms read and a 300 ms timeout both show: edges at powers of
 * two (finer, up to four per octave, when few octaves are spanned), from the smallest sample's octave to the
 * largest's, at most `maxBuckets` of them (the slowest kept: anything faster lands in the first bucket), without empty
 * buckets at either end.
 */
export function latencyBuckets(samplesMs: readonly number[], maxBuckets = 14): LatencyBucket[] {
  if (samplesMs.length === 0) return [];
  let min = Infinity;
  let max = 0;
  for (const ms of samplesMs) {
    min = Math.min(min, ms);
    max = Math.max(max, ms);
  }
  const low = Math.floor(Math.log2(Math.max(min, 0.001)));
  const high = Math.max(low + 1, Math.floor(Math.log2(Math.max(max, 0.001))) + 1);
  const octaves = high - low;
  const perOctave = Math.max(1, Math.min(4, Math.floor(maxBuckets / octaves)));
  const count = Math.min(maxBuckets, octaves * perOctave);
  const edge = (i: number): number => 2 ** (high - (count - i) / perOctave);
  const buckets = Array.from({ length: count }, (_, i) => ({ fromMs: edge(i), toMs: edge(i + 1), count: 0 }));
  for (const ms of samplesMs) {
    const index = Math.floor((Math.log2(Math.max(ms, 0.001)) - (high - count / perOctave)) * perOctave);
    buckets[Math.min(count - 1, Math.max(0, index))]!.count += 1;
  }
  // Empty buckets below the fastest sample and above the slowest say nothing.
  const first = buckets.findIndex((bucket) => bucket.count > 0);
  const last = buckets.findLastIndex((bucket) => bucket.count > 0);
  return buckets.slice(first, last + 1);
}

/**
 * Draws buckets as horizontal bars, one line each: the latency range, a bar scaled to the fullest bucket (eighth
 * blocks for the fraction), the count and its share. Pure.
 */
export function renderHistogram(buckets: readonly LatencyBucket[], options: HistogramOptions = {}): string {
  const barWidth = options.barWidth ?? 40;
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return '(no samples yet)';
  const fullest = Math.max(...buckets.map((bucket) => bucket.count));
  const ranges = buckets.map((bucket) => `${formatMs(bucket.fromMs)}–${formatMs(bucket.toMs)} ms`);
  const rangeWidth = Math.max(...ranges.map((range) => range.length));
  const counts = buckets.map((bucket) => formatCount(bucket.count));
  const countWidth = Math.max(...counts.map((count) => count.length));
  return buckets
    .map((bucket, i) => {
      const share = (100 * bucket.count) / total;
      return `${pad(ranges[i]!, rangeWidth, 'right')} │${pad(bar(bucket.count / fullest, barWidth), barWidth)}│ ${pad(counts[i]!, countWidth, 'right')}  ${share.toFixed(1).padStart(5)}%`;
    })
    .join('\n');
}

/** A bar of `fraction` × `width` columns, drawn with full and eighth blocks (a non-zero fraction shows at least ▏). */
function bar(fraction: number, width: number): string {
  const eighths = fraction > 0 ? Math.max(1, Math.round(fraction * width * 8)) : 0;
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}
