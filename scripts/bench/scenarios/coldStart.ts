import { spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import type { ColdStart } from '../results';
import { readZip } from '../zip';

const ROOT = join(__dirname, '..', '..', '..');
const SERVERLESS_BIN = join(ROOT, 'node_modules', '.bin', 'serverless');
const UNPACKED = join(ROOT, 'bench-results', 'tmp', 'cold-start');
/** The functions whose packaged bundles are timed. */
export const FUNCTIONS = ['set', 'get'] as const;

// Runs in a fresh node process: time to require the bundle (the module scope runs, which includes loading the
// config and creating the coordinator, as at a Lambda cold start), then exit without waiting for connections.
const PROBE = `
const started = performance.now();
require(process.argv[1]);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms }));
process.exit(0);
`;

/**
 * Scenario 5: cold start. Packages the service with `serverless package` (the real deployment artifacts), reads each
 * function's zip, and times `require` of its bundle in fresh `node` processes, with `--enable-source-maps` as
 * `serverless.yml` configures Lambda, and without.
 */
export async function coldStartScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings } = context;
  context.log('cold start: serverless package');
  await run(SERVERLESS_BIN, ['package'], { ...process.env, ...coordinatorEnv(context) });
  await rm(UNPACKED, { recursive: true, force: true });
  const env = { ...process.env, ...coordinatorEnv(context) };
  delete env.NODE_OPTIONS;
  const emptyNode: number[] = [];
  for (let n = 0; n < settings.coldStartRuns; n += 1) emptyNode.push((await timedNode(['-e', ''], env)).wallMs);

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
    context.log(`cold start: loading ${fn} ${settings.coldStartRuns} times`);
    const withMaps: number[] = [];
    const plain: number[] = [];
    const wall: number[] = [];
    for (let n = 0; n < settings.coldStartRuns; n += 1) {
      const mapped = await timedNode(['--enable-source-maps', '-e', PROBE, bundle], env);
      withMaps.push(mapped.requireMs);
      wall.push(mapped.wallMs);
      plain.push((await timedNode(['-e', PROBE, bundle], env)).requireMs);
    }
    results.push({
      fn,
      zipBytes: (await stat(zipPath)).size,
      jsBytes: js.bytes,
      sourceMapBytes: map?.bytes ?? 0,
      requireMs: { p50: median(withMaps), max: Math.max(...withMaps), runs: withMaps.length },
      requireMsPlain: { p50: median(plain), max: Math.max(...plain) },
      processMs: { p50: median(wall), emptyNodeP50: median(emptyNode) },
    });
  }
  return { rows: [], coldStart: results };
}

async function timedNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ requireMs: number; wallMs: number }> {
  const started = performance.now();
  const output = await run(process.execPath, args, env);
  const wallMs = performance.now() - started;
  return { requireMs: output.trim() === '' ? Number.NaN : (JSON.parse(output) as { ms: number }).ms, wallMs };
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
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
