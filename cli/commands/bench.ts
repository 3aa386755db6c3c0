import { randomBytes } from 'node:crypto';
import type { ConsistencyLevel } from '../../lib';
import { LatencyHistogram } from '../../tools/latencyHistogram';
import { exitCodeOf, failureMessage } from '../answers';
import type { KvOperation, StoreClient } from '../client/storeClient';
import { EXIT, QkvError, type ExitCode } from '../exitCodes';
import { renderBenchFrame, renderBenchSummary, type BenchOperationSummary, type BenchSummary } from '../render/bench';
import { printJson, println, type CommandContext, type Output } from './context';

/** Options of `qkv bench`. */
export interface BenchOptions {
  readonly durationS: number;
  readonly concurrency: number;
  /** Share of requests that are writes, 0–100; the rest are reads. */
  readonly writePercent: number;
  /** Distinct keys, written once before the load so that reads find them. */
  readonly keys: number;
  readonly valueBytes: number;
  readonly consistency?: ConsistencyLevel;
}

/** How often the live view is redrawn. */
const FRAME_MS = 250;
/** Key names of the bench, apart from anything else in the store. */
const KEY_PREFIX = 'qkv-bench-';

/**
 * `qkv bench`: a short load against the chosen target (`--concurrency` requests in flight for `--duration` seconds,
 * a mix of reads and writes over `--keys` keys), with a live latency histogram on a terminal (stderr, redrawn four
 * times a second) and a summary at the end: throughput, percentiles per operation (HdrHistogram, as `npm run bench`),
 * the final histogram, and failures by kind. It measures the whole round trip as a client sees it. Exit 0 when every
 * request succeeded, else the exit code of the most frequent failure (3 for 503 FAIL, 5 for network, …).
 */
export async function runBench(context: CommandContext, options: BenchOptions): Promise<ExitCode> {
  const client = context.client();
  const value = randomBytes(Math.ceil(options.valueBytes / 2)).toString('hex').slice(0, options.valueBytes);
  await prepareKeys(client, options, value);

  const histograms = { get: new LatencyHistogram(), set: new LatencyHistogram() };
  const counts = { get: { requests: 0, failed: 0 }, set: { requests: 0, failed: 0 } };
  const failures = new Map<string, { count: number; exitCode: ExitCode }>();
  const samples: number[] = [];
  const started = performance.now();
  const deadline = started + options.durationS * 1_000;
  const live = liveView(context, () => ({
    elapsedS: Math.min(options.durationS, (performance.now() - started) / 1_000),
    durationS: options.durationS,
    concurrency: options.concurrency,
    requests: counts.get.requests + counts.set.requests,
    failed: counts.get.failed + counts.set.failed,
    samplesMs: samples,
  }));

  const fail = (kind: string, exitCode: ExitCode): void => {
    const seen = failures.get(kind);
    failures.set(kind, { count: (seen?.count ?? 0) + 1, exitCode });
  };
  // Each worker writes only its own share of the keys (every `concurrency`-th one), so no two writes of one key are in
  // flight at once: such a pair may race, and the loser answers 503 (it may have landed, so it is not re-issued),
  // which is the store's answer to contention, not its throughput. Reads go to any key.
  const worker = async (index: number): Promise<void> => {
    const ownKeys = Math.ceil((options.keys - index) / options.concurrency);
    while (performance.now() < deadline) {
      const write = Math.random() * 100 < options.writePercent;
      const slot = write && ownKeys > 0 ? index + options.concurrency * Math.floor(Math.random() * ownKeys) : Math.floor(Math.random() * options.keys);
      const key = `${KEY_PREFIX}${slot}`;
      const operation: KvOperation = write ? { op: 'set', key, value, ...level(options) } : { op: 'get', key, ...level(options) };
      const op = write ? 'set' : 'get';
      const sent = performance.now();
      let ok = false;
      try {
        const answer = await client.run(operation);
        const code = exitCodeOf(answer);
        ok = code === EXIT.ok || code === EXIT.notFound;
        if (!ok) {
          if (code === EXIT.auth || code === EXIT.usage) throw new QkvError(code, `bench stopped: ${failureMessage(answer)}`);
          fail(`${answer.status} ${String(answer.body.status ?? '')}`.trim(), code);
        }
      } catch (error) {
        if (!(error instanceof QkvError) || error.exitCode === EXIT.auth || error.exitCode === EXIT.usage) throw error;
        fail(error.exitCode === EXIT.network ? 'network' : error.message, error.exitCode);
      }
      const ms = performance.now() - sent;
      samples.push(ms);
      histograms[op].recordMs(ms);
      counts[op].requests += 1;
      if (!ok) counts[op].failed += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    live.stop();
  }

  const elapsedS = (performance.now() - started) / 1_000;
  const requests = counts.get.requests + counts.set.requests;
  const operations: BenchOperationSummary[] = (['get', 'set'] as const)
    .filter((op) => counts[op].requests > 0)
    .map((op) => {
      // Every sample counts as a request, so the histogram's count is `requests` already.
      const { count: _count, ...latency } = histograms[op].summary();
      return { op, ...counts[op], ...latency };
    });
  const summary: BenchSummary = {
    target: client.description,
    durationS: options.durationS,
    concurrency: options.concurrency,
    writePercent: options.writePercent,
    keys: options.keys,
    valueBytes: options.valueBytes,
    requests,
    failed: counts.get.failed + counts.set.failed,
    requestsPerSecond: requests / elapsedS,
    operations,
    failures: Object.fromEntries([...failures].map(([kind, { count }]) => [kind, count])),
  };
  if (context.json) printJson(context, summary);
  else println(context.stdout, renderBenchSummary(summary, samples));
  const worst = [...failures.values()].sort((a, b) => b.count - a.count)[0];
  return worst === undefined ? EXIT.ok : worst.exitCode;
}

function level(options: BenchOptions): { consistency?: ConsistencyLevel } {
  return options.consistency === undefined ? {} : { consistency: options.consistency };
}

/** Writes every bench key once, `concurrency` at a time; stops at the first write that fails, with its exit code. */
async function prepareKeys(client: StoreClient, options: BenchOptions, value: string): Promise<void> {
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < options.keys) {
      const key = `${KEY_PREFIX}${next++}`;
      const answer = await client.run({ op: 'set', key, value, ...level(options) });
      const code = exitCodeOf(answer);
      if (code !== EXIT.ok) throw new QkvError(code, `bench could not write its keys: ${failureMessage(answer)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.keys) }, writer));
}

/** The live histogram: redrawn in place on a terminal (stderr) and cleared at the end; nothing elsewhere. */
function liveView(context: CommandContext, progress: () => Parameters<typeof renderBenchFrame>[0]): { stop(): void } {
  const output: Output = context.stderr;
  if (output.isTTY !== true) return { stop: () => undefined };
  let drawnLines = 0;
  const draw = (): void => {
    const frame = renderBenchFrame(progress(), Math.max(10, Math.min(50, (output.columns ?? 80) - 40)));
    // Up to the first line drawn last time, clear from there down, draw again.
    output.write(`${drawnLines > 0 ? `\x1b[${drawnLines}F` : ''}\x1b[0J${frame}\n`);
    drawnLines = frame.split('\n').length;
  };
  output.write('\x1b[?25l');
  draw();
  const timer = setInterval(draw, FRAME_MS);
  return {
    stop: () => {
      clearInterval(timer);
      // The summary that follows has the final histogram: the live one goes.
      output.write(`\x1b[${drawnLines}F\x1b[0J\x1b[?25h`);
    },
  };
}
