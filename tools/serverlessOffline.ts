import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from './localRedisNode';
import { awaitOutput } from './processOutput';

const ROOT = join(__dirname, '..');
const SERVERLESS_BIN = join(ROOT, 'node_modules', '.bin', 'serverless');
const READY_PATTERN = /Server ready: (http:\/\/[^\s]+)/;
const PRINTED_KEY_PATTERN = /Key with token: '([^']+)'/;
const START_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;

/** A running `serverless offline`: its base URL for HTTP and the port of its Lambda invoke endpoint. */
export interface RunningOffline {
  readonly baseUrl: string;
  readonly lambdaPort: number;
  /** The offline node process (handlers run inside it, `useInProcess`): for reading its CPU time. */
  readonly pid: number;
  /** The API key it requires in `x-api-key` on every route: `QKV_API_KEY`, or the one offline made and printed. */
  readonly apiKey: string;
  /** `fetch` of a path on this offline, with the API key added unless the headers set `x-api-key` themselves. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Everything the process printed so far (handler logs included). */
  output(): string;
  /** Stops it and every worker it started (its whole process group); resolves once it has exited. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();
// Never leave a serverless offline behind when this process exits early (a crash, Ctrl-C handled elsewhere).
process.once('exit', () => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

/** How {@link startServerlessOffline} starts offline. */
export interface OfflineStartOptions {
  /**
   * Start it exactly as a user would: `npx serverless offline --httpPort P --lambdaPort L`, with only `PATH`, `HOME`
   * and the given variables in the environment (no API key chosen: offline makes one and prints it; the default
   * build folder; the anti-entropy schedule left on). Default false: the test set-up described below.
   */
  readonly asUserWould?: boolean;
}

/**
 * Starts a real `serverless offline` on free ports (never the seed's 3000/3002) and resolves once it is ready.
 * Used by the end-to-end tests and by the benchmark. By default with its own API key, its own build folder (several
 * can run side by side) and no anti-entropy schedule, so that no pass can fire in the middle of a test.
 *
 * @param env extra environment for the handlers, typically `REDIS_NODES` of a local cluster.
 */
export async function startServerlessOffline(env: Record<string, string>, options: OfflineStartOptions = {}): Promise<RunningOffline> {
  const [httpPort, lambdaPort] = await freePorts(2);
  const ports = ['--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)];
  const chosenKey = options.asUserWould ? undefined : (env.QKV_API_KEY ?? `local-key-${randomBytes(12).toString('hex')}`);
  // Each offline builds into its own folder, so that several can run side by side (test files, the benchmark).
  const workFolder = options.asUserWould ? undefined : `.esbuild-offline-${httpPort}`;
  const child: ChildProcess = options.asUserWould
    ? spawn('npx', ['serverless', 'offline', ...ports], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...env },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(SERVERLESS_BIN, ['offline', 'start', ...ports], {
        cwd: ROOT,
        env: {
          ...process.env,
          // No anti-entropy pass may fire in the middle of a test (offline runs schedules on the wall clock).
          ANTI_ENTROPY_SCHEDULE_ENABLED: 'false',
          QKV_API_KEY: chosenKey!,
          ESBUILD_WORK_FOLDER: workFolder!,
          ...env,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        // Its own process group, so stopping it also stops the workers it starts.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${SERVERLESS_BIN}`);
  liveGroups.add(pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => liveGroups.delete(pid));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    if (workFolder !== undefined) await rm(join(ROOT, workFolder), { recursive: true, force: true });
  };

  try {
    const ready = await awaitOutput(child, READY_PATTERN, START_TIMEOUT_MS, 'serverless offline');
    const baseUrl = ready.match[1]!;
    const output = ready.output();
    // Offline prints the key it made when none was chosen: `Key with token: '…'`.
    const apiKey = chosenKey ?? PRINTED_KEY_PATTERN.exec(output)?.[1];
    if (apiKey === undefined) throw new Error(`serverless offline printed no API key:\n${output}`);
    return {
      baseUrl,
      lambdaPort: lambdaPort!,
      pid,
      apiKey,
      fetch: (path, init = {}) => {
        const headers = new Headers(init.headers);
        if (!headers.has('x-api-key')) headers.set('x-api-key', apiKey);
        return fetch(`${baseUrl}${path}`, { ...init, headers });
      },
      output: ready.output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
