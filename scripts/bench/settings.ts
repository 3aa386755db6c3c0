/** How long and how hard the benchmark runs: defaults for a full run (~4-5 minutes on 2 cores), `--quick` for a smoke run. */
export interface BenchSettings {
  readonly quick: boolean;
  /** Unrecorded warm-up before each measured variant, in ms. */
  readonly warmupMs: number;
  /** Recorded time per variant, in ms, split into `rounds` interleaved slices. */
  readonly durationMs: number;
  /** Variants compared with each other run in this many alternating slices, so machine noise hits them alike. */
  readonly rounds: number;
  /** Length of the "before" and "after" phases of the hung-node scenario; the fault lasts 1.5x this. */
  readonly faultPhaseMs: number;
  /** Start of the fault (and of the recovery) left out of "during" (and "after"): the time a breaker needs to open. */
  readonly faultSettleMs: number;
  /** Fresh `node` processes per bundle in the cold-start scenario. */
  readonly coldStartRuns: number;
  /** Distinct keys the load cycles through, and the size of each value. */
  readonly keyCount: number;
  readonly valueBytes: number;
  /** NODE_TIMEOUT_MS given to every coordinator under test. */
  readonly nodeTimeoutMs: number;
  /** Scenario ids to run (all when undefined). */
  readonly only: ReadonlySet<string> | undefined;
  /**
   * Groups of rows to measure in the scenarios made of groups (`coordinator`, `modes`): those whose name this
   * matches, case-insensitively (all when undefined), e.g. `64 in flight` or `quorum write`.
   */
  readonly rows: RegExp | undefined;
}

/** Every scenario, in the order a full run measures them (`--only` picks some). */
export const SCENARIO_IDS = ['coordinator', 'handler', 'http', 'hung-node', 'hedged-reads', 'cold-start', 'modes'] as const;
/** One scenario's id. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * Reads the settings from the command line (`--quick`, `--only=a,b`, `--rows=pattern`) and the environment
 * (`BENCH_WARMUP_MS`, `BENCH_DURATION_MS`, `BENCH_ROUNDS`, `BENCH_FAULT_PHASE_MS`, `BENCH_FAULT_SETTLE_MS`,
 * `BENCH_COLD_RUNS`, `BENCH_KEYS`, `BENCH_VALUE_BYTES`, `BENCH_NODE_TIMEOUT_MS`, `BENCH_ONLY`, `BENCH_ROWS`); the
 * environment wins over `--quick`.
 */
export function readSettings(argv: readonly string[], env: NodeJS.ProcessEnv): BenchSettings {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const onlyArg = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) ?? env.BENCH_ONLY;
  const only = onlyArg === undefined || onlyArg === '' ? undefined : new Set(onlyArg.split(',').map((id) => id.trim()));
  for (const id of only ?? []) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
      throw new Error(`unknown scenario "${id}"; choose from ${SCENARIO_IDS.join(', ')}`);
    }
  }
  const rowsArg = argv.find((arg) => arg.startsWith('--rows='))?.slice('--rows='.length) ?? env.BENCH_ROWS;
  let rows: RegExp | undefined;
  try {
    rows = rowsArg === undefined || rowsArg === '' ? undefined : new RegExp(rowsArg, 'i');
  } catch (error) {
    throw new Error(`--rows must be a regular expression; got "${rowsArg}": ${(error as Error).message}`);
  }
  const number = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number; got "${raw}"`);
    return value;
  };
  return {
    quick,
    warmupMs: number('BENCH_WARMUP_MS', quick ? 200 : 1_000),
    durationMs: number('BENCH_DURATION_MS', quick ? 600 : 4_000),
    rounds: Math.round(number('BENCH_ROUNDS', quick ? 2 : 4)),
    faultPhaseMs: number('BENCH_FAULT_PHASE_MS', quick ? 1_500 : 5_000),
    faultSettleMs: number('BENCH_FAULT_SETTLE_MS', quick ? 300 : 1_000),
    coldStartRuns: Math.round(number('BENCH_COLD_RUNS', quick ? 3 : 10)),
    keyCount: Math.round(number('BENCH_KEYS', 1_000)),
    valueBytes: Math.round(number('BENCH_VALUE_BYTES', 64)),
    nodeTimeoutMs: Math.round(number('BENCH_NODE_TIMEOUT_MS', 300)),
    only,
    rows,
  };
}

/** True when the scenario should run under these settings. */
export function selected(settings: BenchSettings, id: ScenarioId): boolean {
  return settings.only === undefined || settings.only.has(id);
}

/** True when the group of rows named `group` should be measured under these settings (`--rows`). */
export function rowSelected(settings: BenchSettings, group: string): boolean {
  return settings.rows === undefined || settings.rows.test(group);
}
