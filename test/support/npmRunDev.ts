import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePorts, isFree } from '../../tools/localRedisNode';
import { awaitOutput } from '../../tools/processOutput';

const ROOT = join(__dirname, '..', '..');
const READY_PATTERN = /Server ready: (http:\/\/[^\s]+)/;
const START_TIMEOUT_MS = 90_000;

/** One `npm run dev`, as a newcomer starts it, in its own process group. */
export interface DevRun {
  /** The API's base URL, from serverless offline's ready line. */
  readonly baseUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** The URL printed on the `[dev] <label>: <url>` line (the console's, the lab's), or undefined. */
  printedUrl(label: 'console' | 'lab'): string | undefined;
  /** Ctrl-C's signal to the whole group (npm, dev.ts, serverless offline, the redis-servers); resolves once npm exited. */
  stop(): Promise<void>;
}

/**
 * Starts `npm run dev` with `args` (e.g. `['--cluster']`) and `env` (ports, data folder) and resolves once serverless
 * offline serves; stops the whole group when it does not start.
 */
export async function startNpmRunDev(args: readonly string[], env: Record<string, string>): Promise<DevRun> {
  const child: ChildProcess = spawn('npm', ['run', 'dev', ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: { ...process.env, ANTI_ENTROPY_SCHEDULE_ENABLED: 'false', AWS_EC2_METADATA_DISABLED: 'true', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = async (): Promise<void> => {
    signalGroup('SIGINT');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    // Whatever outlived npm in the group (nothing, when dev.ts stopped what it started).
    signalGroup('SIGKILL');
  };
  try {
    const ready = await awaitOutput(child, READY_PATTERN, START_TIMEOUT_MS, `npm run dev ${args.join(' ')}`);
    const printedUrl = (label: string): string | undefined =>
      new RegExp(`\\[dev\\] ${label}[^:]*: (http://\\S+)`).exec(ready.output())?.[1];
    return { baseUrl: ready.match[1]!, output: ready.output, printedUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What `npm run dev -- --cluster` adds to each fixed port for the master's cluster bus. */
const CLUSTER_BUS_OFFSET = 10_000;

/**
 * `count` free ports for `npm run dev -- --cluster`'s `REDIS_PORTS`, each with its cluster bus port (10000 higher, as
 * dev gives fixed ports) free too, none of them in `besides`.
 */
export async function freeClusterPorts(count: number, besides: readonly number[] = []): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const [port] = await freePorts(1, [...besides, ...ports]);
    if (await isFree(port! + CLUSTER_BUS_OFFSET)) ports.push(port!);
  }
  return ports;
}
