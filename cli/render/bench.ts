import type { LatencySummary } from '../../tools/latencyHistogram';
import { latencyBuckets, renderHistogram } from './histogram';
import { renderFields, renderTable } from './table';
import { formatCount, formatMs, printable } from './text';

/** Where a running bench stands, for its live view. */
export interface BenchProgress {
  readonly elapsedS: number;
  readonly durationS: number;
  readonly concurrency: number;
  readonly requests: number;
  readonly failed: number;
  /** Every latency so far, in ms. */
  readonly samplesMs: readonly number[];
}

/** One operation's results in a bench: its counts and the latency summary `npm run bench` reports too. */
export interface BenchOperationSummary extends Omit<LatencySummary, 'count'> {
  readonly op: string;
  readonly requests: number;
  readonly failed: number;
}

/** What a finished bench reports (also its `--json` output). */
export interface BenchSummary {
  readonly target: string;
  readonly durationS: number;
  readonly concurrency: number;
  readonly writePercent: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly requests: number;
  readonly failed: number;
  readonly requestsPerSecond: number;
  readonly operations: readonly BenchOperationSummary[];
  /** Failed requests by what went wrong (`503 FAIL`, `network`, …). */
  readonly failures: Readonly<Record<string, number>>;
}

/** The live view of a running bench: one status line and the latency histogram so far. Pure. */
export function renderBenchFrame(progress: BenchProgress, barWidth = 40): string {
  const rate = progress.elapsedS > 0 ? progress.requests / progress.elapsedS : 0;
  const status =
    `bench ${progress.elapsedS.toFixed(1)} s of ${progress.durationS} s · ${progress.concurrency} in flight · ` +
    `${formatCount(progress.requests)} requests (${formatCount(Math.round(rate))}/s) · ${formatCount(progress.failed)} failed`;
  return `${status}\n\n${renderHistogram(latencyBuckets(progress.samplesMs), { barWidth })}`;
}

/** The summary of a finished bench: settings, throughput, a table of percentiles per operation, and failures. Pure. */
export function renderBenchSummary(summary: BenchSummary, samplesMs: readonly number[], barWidth = 40): string {
  const fields = renderFields([
    ['target', printable(summary.target)],
    ['load', `${summary.concurrency} in flight for ${summary.durationS} s, ${summary.writePercent}% writes, ${formatCount(summary.keys)} keys, values of ${formatCount(summary.valueBytes)} bytes`],
    ['requests', `${formatCount(summary.requests)} (${formatCount(Math.round(summary.requestsPerSecond))}/s), ${formatCount(summary.failed)} failed`],
  ]);
  const table = renderTable<BenchOperationSummary>(
    [
      { header: 'op', cell: (row) => row.op },
      { header: 'requests', cell: (row) => formatCount(row.requests), align: 'right' },
      { header: 'failed', cell: (row) => formatCount(row.failed), align: 'right' },
      { header: 'mean', cell: (row) => formatMs(row.meanMs), align: 'right' },
      { header: 'p50', cell: (row) => formatMs(row.p50Ms), align: 'right' },
      { header: 'p90', cell: (row) => formatMs(row.p90Ms), align: 'right' },
      { header: 'p99', cell: (row) => formatMs(row.p99Ms), align: 'right' },
      { header: 'p99.9', cell: (row) => formatMs(row.p999Ms), align: 'right' },
      { header: 'max ms', cell: (row) => formatMs(row.maxMs), align: 'right' },
    ],
    summary.operations,
  );
  const failures = Object.entries(summary.failures).map(([kind, count]) => `  ${formatCount(count)} × ${printable(kind)}`);
  return [
    fields,
    table,
    renderHistogram(latencyBuckets(samplesMs), { barWidth }),
    ...(failures.length === 0 ? [] : [`failures:\n${failures.join('\n')}`]),
  ].join('\n\n');
}
