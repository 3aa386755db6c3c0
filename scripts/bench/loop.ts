import { LatencyHistogram } from '../../tools/latencyHistogram';

/** One operation under test; `i` counts the operations issued so far in this run (use it to pick a key). */
export type Operation = (i: number) => Promise<unknown>;

/** What a closed-loop run did. */
export interface LoopStats {
  readonly ops: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly firstError?: string;
}

/**
 * Runs `concurrency` workers, each issuing `operation` back to back (the next one as soon as the previous answers),
 * for `durationMs`, and reports every sample through `onSample` (its start time relative to the run's start, its
 * latency, whether it succeeded, and its index). The run ends once every worker's last operation has answered.
 */
export async function closedLoop(
  operation: Operation,
  concurrency: number,
  durationMs: number,
  onSample: (startedAtMs: number, latencyMs: number, ok: boolean, i: number) => void = () => {},
): Promise<LoopStats> {
  const started = performance.now();
  const deadline = started + durationMs;
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (): Promise<void> => {
    for (;;) {
      const before = performance.now();
      if (before >= deadline) return;
      const i = issued++;
      let ok = true;
      try {
        await operation(i);
      } catch (error) {
        ok = false;
        errors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
      onSample(before - started, performance.now() - before, ok, i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops: issued, errors, elapsedMs: performance.now() - started, ...(firstError === undefined ? {} : { firstError }) };
}

/** A variant in a comparison: a name and the operation it runs. */
export interface Variant {
  readonly name: string;
  readonly operation: Operation;
}

/** The outcome of one variant in a comparison. */
export interface VariantResult {
  readonly name: string;
  readonly concurrency: number;
  readonly opsPerSec: number;
  readonly errors: number;
  readonly latency: LatencyHistogram;
  /**
   * CPU time of this process (user + system, `process.cpuUsage`) per successful operation, in µs: what the
   * coordinator's own code costs, since the Redis servers are other processes.
   */
  readonly cpuUsPerOp?: number;
  readonly firstError?: string;
}

/**
 * Measures several variants at the same concurrency, interleaved: each gets an unrecorded warm-up, then
 * `durationMs` of recorded time split into `rounds` slices that alternate between the variants (in a rotating
 * order). On a shared, noisy machine this exposes every variant to the same disturbances, which is what makes
 * their ratios meaningful. Failed operations are counted, not recorded as latencies. The process's CPU time is
 * summed over each variant's slices (the histogram's recording included, alike for every variant).
 */
export async function compareInterleaved(
  variants: readonly Variant[],
  options: { concurrency: number; warmupMs: number; durationMs: number; rounds: number },
): Promise<VariantResult[]> {
  const { concurrency, warmupMs, durationMs, rounds } = options;
  for (const variant of variants) await closedLoop(variant.operation, concurrency, warmupMs);
  const totals = variants.map(() => ({ ops: 0, errors: 0, elapsedMs: 0, cpuUs: 0, latency: new LatencyHistogram(), firstError: undefined as string | undefined }));
  const slice = durationMs / rounds;
  for (let round = 0; round < rounds; round += 1) {
    for (let k = 0; k < variants.length; k += 1) {
      const index = (round + k) % variants.length;
      const total = totals[index]!;
      const cpuBefore = process.cpuUsage();
      const stats = await closedLoop(variants[index]!.operation, concurrency, slice, (_at, ms, ok) => {
        if (ok) total.latency.recordMs(ms);
      });
      const cpu = process.cpuUsage(cpuBefore);
      total.cpuUs += cpu.user + cpu.system;
      total.ops += stats.ops - stats.errors;
      total.errors += stats.errors;
      total.elapsedMs += stats.elapsedMs;
      total.firstError ??= stats.firstError;
    }
  }
  return variants.map((variant, index) => {
    const total = totals[index]!;
    return {
      name: variant.name,
      concurrency,
      opsPerSec: (total.ops / total.elapsedMs) * 1_000,
      errors: total.errors,
      latency: total.latency,
      ...(total.ops > 0 ? { cpuUsPerOp: total.cpuUs / total.ops } : {}),
      ...(total.firstError === undefined ? {} : { firstError: total.firstError }),
    };
  });
}
