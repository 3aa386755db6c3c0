import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import type { HttpEvent } from '../../../functions/http/events';
import { httpEvent, lambdaContext } from '../../../tools/apiGatewayEvents';
import { readZip } from '../../../tools/zipArchive';
import { deployedBundleOptions } from '../bundleOptions';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import type { ColdStart, ColdStartBreakdown } from '../results';

const ROOT = join(__dirname, '..', '..', '..');
const SERVERLESS_BIN = join(ROOT, 'node_modules', '.bin', 'serverless');
const UNPACKED = join(ROOT, 'bench-results', 'tmp', 'cold-start');
/** The functions whose packaged bundles are timed. */
export const FUNCTIONS = ['set', 'get'] as const;

// Runs in a fresh node process: time to require the bundle (the module scope runs, which includes loading the
// config and creating the coordinator, as at a Lambda cold start), then, with an event given, the first invocation
// of its handler. Times are performance.now(): milliseconds since the process started. With an event, it also
// listens to ioredis' tracing channels (diagnostics_channel, outside the bundle, so the code under test is unchanged)
// and reports when each connection was ready and when each command was sent and answered: the breakdown of the
// first invocation.
const PROBE = `
const started = performance.now();
const connects = [];
const commands = [];
if (process.env.BENCH_EVENT !== undefined) {
  const dc = require('node:diagnostics_channel');
  const listen = (name, done) => dc.tracingChannel(name).subscribe({
    start(context) { context.benchStart = performance.now(); }, end() {}, asyncStart() {}, error() {},
    asyncEnd(context) { done(context, performance.now()); },
  });
  listen('ioredis:connect', (context, end) => connects.push({ start: context.benchStart, end, ok: context.error === undefined }));
  listen('ioredis:command', (context, end) => commands.push({ name: String(context.command).toLowerCase(), start: context.benchStart, end, error: context.error === undefined ? undefined : String(context.error.message).split(' ')[0] }));
}
const bundle = require(process.argv[1]);
const loaded = performance.now();
const report = (extra) => { process.stdout.write(JSON.stringify({ ms: loaded - started, startedMs: started, ...extra })); process.exit(0); };
if (process.env.BENCH_EVENT === undefined) report({});
const context = JSON.parse(process.env.BENCH_CONTEXT);
context.getRemainingTimeInMillis = () => 10000;
Promise.resolve(bundle.handler(JSON.parse(process.env.BENCH_EVENT), context)).then(
  (response) => report({ answeredMs: performance.now(), status: response.statusCode, loadedMs: loaded, connects, commands }),
  (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); },
);
`;

/** The first request each function's cold start answers: a write for `set`, a read of that key for `get`. */
function firstEvent(fn: (typeof FUNCTIONS)[number] | 'empty', key: string, value: string): HttpEvent {
  if (fn === 'set') return httpEvent({ method: 'POST', path: '/set', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, value }) });
  if (fn === 'get') return httpEvent({ method: 'GET', path: '/get', query: { key } });
  return httpEvent();
}

/**
 * Scenario 5: cold start. Packages the service with `serverless package` (the real deployment artifacts), reads each
 * function's zip, and in fresh `node` processes, with `--enable-source-maps` as `serverless.yml` configures
 * Lambda: times `require` of its bundle (and without source maps), and the time from the process's start to the
 * answer of its handler's first invocation against this run's Redis trio. The same first invocation of an empty
 * handler, bundled with the same esbuild options, is the yardstick: what Node and the runtime cost anyway.
 */
export async function coldStartScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings } = context;
  context.log('cold start: serverless package');
  await run(SERVERLESS_BIN, ['package'], { ...process.env, ...coordinatorEnv(context) });
  await rm(UNPACKED, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...coordinatorEnv(context), BENCH_CONTEXT: JSON.stringify(lambdaContext()) };
  delete env.NODE_OPTIONS;
  const emptyNode: number[] = [];
  for (let n = 0; n < settings.coldStartRuns; n += 1) emptyNode.push((await timedNode(['-e', ''], env)).wallMs);

  const emptyBundle = join(UNPACKED, 'empty', 'emptyHandler.js');
  await build({ ...deployedBundleOptions(), entryPoints: [join(__dirname, '..', 'emptyHandler.ts')], outfile: emptyBundle, logLevel: 'error' });
  const emptyFirst: number[] = [];
  const emptyBoot: number[] = [];
  for (let n = 0; n < settings.coldStartRuns; n += 1) {
    const invoked = await timedNode(['--enable-source-maps', '-e', PROBE, emptyBundle], { ...env, BENCH_EVENT: JSON.stringify(firstEvent('empty', '', '')) });
    emptyFirst.push(invoked.answeredMs);
    if (invoked.trace !== undefined) emptyBoot.push(invoked.trace.startedMs);
  }

  const results: ColdStart[] = [];
  for (const fn of FUNCTIONS) {
    const zipPath = join(ROOT, '.serverless', `${fn}.zip`);
    const entries = await readZip(zipPath);
    const js = entries.find((entry) => entry.name.endsWith('.js'));
    if (js === undefined) throw new Error(`${zipPath} holds no .js bundle`);
    const map = entries.find((entry) => entry.name.endsWith('.js.map'));
    for (const entry of entries) {
      const target = join(UNPACKED, fn, entry.name);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, entry.read());
    }
    const bundle = join(UNPACKED, fn, js.name);
    context.log(`cold start: loading ${fn} ${settings.coldStartRuns} times, and invoking it once in ${settings.coldStartRuns} fresh processes`);
    const withMaps: number[] = [];
    const plain: number[] = [];
    const wall: number[] = [];
    const first: number[] = [];
    const traces: ProbeTrace[] = [];
    for (let n = 0; n < settings.coldStartRuns; n += 1) {
      const mapped = await timedNode(['--enable-source-maps', '-e', PROBE, bundle], env);
      withMaps.push(mapped.requireMs);
      wall.push(mapped.wallMs);
      plain.push((await timedNode(['-e', PROBE, bundle], env)).requireMs);
      const key = `cold-${n}`;
      const invoked = await timedNode(['--enable-source-maps', '-e', PROBE, bundle], { ...env, BENCH_EVENT: JSON.stringify(firstEvent(fn, key, context.work.value)) });
      if (invoked.status !== 200 && !(fn === 'get' && invoked.status === 404)) throw new Error(`the first ${fn} invocation answered HTTP ${invoked.status}`);
      first.push(invoked.answeredMs);
      if (invoked.trace !== undefined) traces.push(invoked.trace);
    }
    results.push({
      fn,
      zipBytes: (await stat(zipPath)).size,
      jsBytes: js.bytes,
      sourceMapBytes: map?.bytes ?? 0,
      requireMs: { p50: median(withMaps), max: Math.max(...withMaps), runs: withMaps.length },
      requireMsPlain: { p50: median(plain), max: Math.max(...plain) },
      processMs: { p50: median(wall), emptyNodeP50: median(emptyNode) },
      firstInvocationMs: { p50: median(first), max: Math.max(...first), emptyHandlerP50: median(emptyFirst) },
      breakdown: breakdownOf(traces, median(emptyBoot)),
    });
  }
  return { rows: [], coldStart: results };
}

/** What the probe saw during a first invocation (times in ms since the process started). */
interface ProbeTrace {
  readonly startedMs: number;
  readonly loadedMs: number;
  readonly answeredMs: number;
  readonly connects: readonly { start: number; end: number; ok: boolean }[];
  readonly commands: readonly { name: string; start: number; end: number; error?: string }[];
}

async function timedNode(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ requireMs: number; wallMs: number; answeredMs: number; status?: number; trace?: ProbeTrace }> {
  const started = performance.now();
  const output = await run(process.execPath, args, env);
  const wallMs = performance.now() - started;
  if (output.trim() === '') return { requireMs: Number.NaN, wallMs, answeredMs: Number.NaN };
  const probe = JSON.parse(output) as { ms: number; answeredMs?: number; status?: number; startedMs: number } & Partial<ProbeTrace>;
  const trace =
    probe.answeredMs === undefined || probe.loadedMs === undefined
      ? undefined
      : { startedMs: probe.startedMs, loadedMs: probe.loadedMs, answeredMs: probe.answeredMs, connects: probe.connects ?? [], commands: probe.commands ?? [] };
  return {
    requireMs: probe.ms,
    wallMs,
    answeredMs: probe.answeredMs ?? Number.NaN,
    ...(probe.status === undefined ? {} : { status: probe.status }),
    ...(trace === undefined ? {} : { trace }),
  };
}

/** Commands ioredis sends on its own to open a connection (handshake and ready check), and the clock's `TIME`. */
const CONNECTION_COMMANDS = new Set(['hello', 'auth', 'client', 'select', 'info', 'readonly', 'cluster']);

/**
 * Where the first invocations' time went, as medians over the runs: Node's start, `require`, and then, counted from
 * the end of `require`, when every replica connection was ready, when the replicas' clock had its first `TIME`
 * answer, when the request's first data command was sent and how long it took, and when the handler answered.
 */
function breakdownOf(traces: readonly ProbeTrace[], emptyBootMs: number): ColdStartBreakdown {
  const after = (trace: ProbeTrace, at: number | undefined): number => (at === undefined ? Number.NaN : at - trace.loadedMs);
  const of = (pick: (trace: ProbeTrace) => number): number => median(traces.map(pick).filter((value) => !Number.isNaN(value)));
  const firstData = (trace: ProbeTrace) =>
    trace.commands.filter((command) => !CONNECTION_COMMANDS.has(command.name) && command.name !== 'time').sort((a, b) => a.start - b.start)[0];
  const counts = new Map<string, number>();
  for (const trace of traces) {
    for (const command of trace.commands) {
      if (command.end > trace.answeredMs) continue;
      const name = command.error === undefined ? command.name : `${command.name} (${command.error})`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return {
    emptyBootMs,
    bootMs: of((trace) => trace.startedMs),
    requireMs: of((trace) => trace.loadedMs - trace.startedMs),
    connectedMs: of((trace) => after(trace, Math.max(...trace.connects.map((connect) => connect.end)))),
    clockMs: of((trace) => after(trace, trace.commands.filter((command) => command.name === 'time' && command.error === undefined).map((command) => command.end).sort((a, b) => a - b)[0])),
    firstCommandSentMs: of((trace) => after(trace, firstData(trace)?.start)),
    firstCommandMs: of((trace) => {
      const command = firstData(trace);
      return command === undefined ? Number.NaN : command.end - command.start;
    }),
    answeredMs: of((trace) => trace.answeredMs - trace.loadedMs),
    commandsPerRun: [...counts].map(([name, count]) => `${name} ${(count / Math.max(1, traces.length)).toFixed(count % traces.length === 0 ? 0 : 1)}`).join(', '),
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}${stdout}`)),
    );
  });
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
