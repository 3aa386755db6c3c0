/**
 * `npm run bench`: starts its own Redis trio on free ports, runs every scenario of issue 6 (each variant after a
 * warm-up, compared variants interleaved), prints a table with ratios and PASS/FAIL verdicts, and writes
 * `bench-results/latest.json`, `bench-results/latest.md` and `docs/bench-latency.svg`.
 *
 *   npm run bench                       # full run, ~5 minutes on 2 cores
 *   npm run bench -- --quick            # smoke run, ~1 minute
 *   npm run bench -- --only=coordinator # some scenarios: coordinator, handler, http, hung-node, hedged-reads, cold-start, modes
 *   npm run bench -- --only=modes --rows='64 in flight'   # some groups of rows (a regular expression)
 *
 * Durations come from BENCH_* environment variables (see settings.ts).
 */
import './silentLogs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LocalRedisCluster } from '../../tools/localCluster';
import { writeChart } from './chart';
import type { ScenarioContext, ScenarioOutput } from './context';
import { textReport, writeResults } from './report';
import type { BenchResults } from './results';
import { coldStartScenario } from './scenarios/coldStart';
import { coordinatorScenario } from './scenarios/coordinator';
import { handlerScenario } from './scenarios/handler';
import { httpScenario } from './scenarios/http';
import { hedgedReadsScenario } from './scenarios/hedgedReads';
import { hungNodeScenario } from './scenarios/hungNode';
import { modesScenario } from './scenarios/modes';
import { readSettings, selected, type ScenarioId } from './settings';
import { judge } from './targets';
import { workload } from './workload';

const ROOT = join(__dirname, '..', '..');
const SCENARIOS: readonly [ScenarioId, (context: ScenarioContext) => Promise<ScenarioOutput>][] = [
  ['coordinator', coordinatorScenario],
  ['handler', handlerScenario],
  ['http', httpScenario],
  ['hung-node', hungNodeScenario],
  ['hedged-reads', hedgedReadsScenario],
  ['cold-start', coldStartScenario],
  ['modes', modesScenario],
];

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2), process.env);
  const started = performance.now();
  const log = (message: string): void => {
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  };
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    durationS: 0,
    command: ['npm run bench', ...process.argv.slice(2)].join(' '),
    machine: machine(),
    settings: { ...settings, only: settings.only === undefined ? undefined : [...settings.only], rows: settings.rows?.source },
    rows: [],
    coldStart: [],
    skipped: [],
    serverLoad: [],
    connections: [],
    idleCpu: [],
    targets: [],
  };

  log(`starting a Redis trio on free ports (${settings.quick ? 'quick' : 'full'} run)`);
  const cluster = await LocalRedisCluster.start({ count: 3, appendOnly: false });
  const context: ScenarioContext = { settings, cluster, work: workload(settings.keyCount, settings.valueBytes), log };
  let failures = 0;
  try {
    for (const [id, scenario] of SCENARIOS) {
      if (!selected(settings, id)) continue;
      try {
        const output = await scenario(context);
        results.rows.push(...output.rows);
        results.coldStart.push(...(output.coldStart ?? []));
        results.skipped.push(...(output.skipped ?? []));
        results.serverLoad.push(...(output.serverLoad ?? []));
        results.connections.push(...(output.connections ?? []));
        results.idleCpu.push(...(output.idleCpu ?? []));
      } catch (error) {
        failures += 1;
        log(`scenario ${id} failed: ${(error as Error).stack ?? String(error)}`);
        results.skipped.push({ scenario: id, reason: `failed: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  } finally {
    await cluster.stop();
  }

  results.durationS = (performance.now() - started) / 1000;
  results.targets = judge(results);
  // Only a full run replaces the published results; quick or partial runs (--only, --rows) go to bench-results/tmp/.
  const full = !settings.quick && settings.only === undefined && settings.rows === undefined;
  const folder = full ? 'bench-results' : join('bench-results', 'tmp');
  const jsonPath = join(ROOT, folder, 'latest.json');
  const markdownPath = join(ROOT, folder, 'latest.md');
  const chartPath = full ? join(ROOT, 'docs', 'bench-latency.svg') : join(ROOT, folder, 'bench-latency.svg');
  await mkdir(join(ROOT, folder), { recursive: true });
  await writeResults(results, jsonPath, markdownPath);
  if (results.rows.length > 0) await writeChart(results, chartPath);
  process.stdout.write(`\n${textReport(results)}\n\nwrote ${[jsonPath, markdownPath, ...(results.rows.length > 0 ? [chartPath] : [])].map((path) => relative(ROOT, path)).join(', ')}\n`);
  // A benchmark that misses a target still succeeded as a run; only a scenario that crashed fails the command.
  process.exitCode = failures > 0 ? 1 : 0;
}

/** Where the numbers come from: they only mean something next to the machine that produced them. */
function machine(): Record<string, string> {
  const version = (command: string, args: string[]): string => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: String(cpus().length),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGB: (totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    redis: version(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']),
    platform: `${process.platform} ${process.arch}`,
  };
}

// Ctrl-C: exit through process.exit so the cluster's and serverless offline's exit hooks stop what this run started.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
