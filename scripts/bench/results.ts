import type { CurvePoint, LatencySummary } from '../../tools/latencyHistogram';
import type { VariantResult } from './loop';
import type { ConnectionCount, IdleCpu, ServerLoad } from './serverLoad';
import type { ScenarioId } from './settings';

/** One measured line of the table: a variant in a group of variants compared with each other. */
export interface Row {
  readonly scenario: ScenarioId;
  /** Variants that are compared with each other, e.g. `set, 64 in flight`. */
  readonly group: string;
  readonly name: string;
  readonly concurrency: number;
  readonly opsPerSec: number;
  readonly errors: number;
  readonly latency: LatencySummary;
  /** This process's CPU time per successful operation, in µs, where the scenario measured it. */
  readonly cpuUsPerOp?: number;
  readonly curve: readonly CurvePoint[];
  /** The row of the same group this one is compared with, and the ratios (this / baseline). */
  readonly baseline?: string;
  readonly ratios?: { readonly ops: number; readonly p50: number; readonly p99: number; readonly p999: number; readonly cpu?: number };
  readonly note?: string;
}

/** Size and load time of one function's deployment bundle. */
export interface ColdStart {
  readonly fn: string;
  readonly zipBytes: number;
  readonly jsBytes: number;
  readonly sourceMapBytes: number;
  /** Time to `require` the bundle in a fresh node process, as Lambda runs it (`--enable-source-maps`). */
  readonly requireMs: { readonly p50: number; readonly max: number; readonly runs: number };
  /** The same without `--enable-source-maps`. */
  readonly requireMsPlain: { readonly p50: number; readonly max: number };
  /** Spawn to exit of the fresh process that requires the bundle, and of an empty `node -e ""`, for scale. */
  readonly processMs: { readonly p50: number; readonly emptyNodeP50: number };
  /**
   * From a fresh process's start to the answer of its handler's first invocation (`--enable-source-maps`), and the
   * same for an empty handler bundled the same way.
   */
  readonly firstInvocationMs: { readonly p50: number; readonly max: number; readonly emptyHandlerP50: number };
  /** Where the first invocation's time went. */
  readonly breakdown: ColdStartBreakdown;
}

/**
 * Where a function's first invocation in a fresh process spends its time (ms, medians over the runs), read from
 * ioredis' tracing channels: the phases overlap, since connecting starts inside `require` (at module scope) and the
 * handler runs while the connections open.
 */
export interface ColdStartBreakdown {
  /** Process start to the first line of the probe: Node's own start, in the empty handler's runs. */
  readonly emptyBootMs: number;
  /** The same in this function's runs. */
  readonly bootMs: number;
  /** `require` of the bundle: parsing it and running its module scope (config, coordinator, connects started). */
  readonly requireMs: number;
  /** After `require`: every replica connection ready (TCP, HELLO, CLIENT SETINFO, the ready check's INFO). */
  readonly connectedMs: number;
  /** After `require`: the first answer to the replicas' clock's `TIME` (the version clock waits for one). */
  readonly clockMs: number;
  /** After `require`: the request's first data command (EVAL, EVALSHA or GET) sent. */
  readonly firstCommandSentMs: number;
  /** That command's round trip. */
  readonly firstCommandMs: number;
  /** After `require`: the handler's answer. */
  readonly answeredMs: number;
  /** The commands answered before the handler's answer, per run (e.g. `hello 3, time 5, eval 2`). */
  readonly commandsPerRun: string;
}

/** A target from issue 6 and how this run did against it. */
export interface TargetVerdict {
  readonly id: string;
  readonly target: string;
  readonly measured: string;
  /** null when the target could not be measured in this run. */
  readonly pass: boolean | null;
}

/** Everything one run of `npm run bench` found; written to `bench-results/latest.json`. */
export interface BenchResults {
  readonly startedAt: string;
  durationS: number;
  readonly command: string;
  readonly machine: Record<string, string>;
  readonly settings: Record<string, unknown>;
  readonly rows: Row[];
  readonly coldStart: ColdStart[];
  readonly skipped: { readonly scenario: string; readonly reason: string }[];
  /** Per measured variant, each Redis server's calls, command time and CPU time (the `modes` scenario). */
  readonly serverLoad: ServerLoad[];
  /** Connections one coordinator opens on each server, per mode (the `modes` scenario). */
  readonly connections: ConnectionCount[];
  /** Each server's CPU time per second with no load, per mode (the `modes` scenario). */
  readonly idleCpu: IdleCpu[];
  targets: TargetVerdict[];
}

/** Turns the results of one comparison into rows, each with its ratios against the baseline variant. */
export function rowsFrom(
  scenario: ScenarioId,
  group: string,
  results: readonly VariantResult[],
  baselineName: string | undefined,
  notes: Record<string, string> = {},
): Row[] {
  const baseline = results.find((result) => result.name === baselineName);
  const base = baseline?.latency.summary();
  return results.map((result) => {
    const latency = result.latency.summary();
    const note = notes[result.name] ?? (result.firstError === undefined ? undefined : `first error: ${result.firstError}`);
    return {
      scenario,
      group,
      name: result.name,
      concurrency: result.concurrency,
      opsPerSec: result.opsPerSec,
      errors: result.errors,
      latency,
      ...(result.cpuUsPerOp === undefined ? {} : { cpuUsPerOp: result.cpuUsPerOp }),
      curve: result.latency.curve(),
      ...(baseline === undefined || base === undefined || result === baseline
        ? {}
        : {
            baseline: baseline.name,
            ratios: {
              ops: result.opsPerSec / baseline.opsPerSec,
              p50: latency.p50Ms / base.p50Ms,
              p99: latency.p99Ms / base.p99Ms,
              p999: latency.p999Ms / base.p999Ms,
              ...(result.cpuUsPerOp === undefined || baseline.cpuUsPerOp === undefined ? {} : { cpu: result.cpuUsPerOp / baseline.cpuUsPerOp }),
            },
          }),
      ...(note === undefined ? {} : { note }),
    };
  });
}

/** The row with this group and name, if the run measured it. */
export function findRow(rows: readonly Row[], group: string, name: string): Row | undefined {
  return rows.find((row) => row.group === group && row.name === name);
}
