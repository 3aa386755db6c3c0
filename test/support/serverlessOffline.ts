import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePorts } from '../../scripts/localCluster';

const ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(ROOT, 'node_modules', '.bin', 'serverless');
const READY_PATTERN = /Server ready: (http:\/\/[^\s]+)/;
const START_TIMEOUT_MS = 90_000;

/** A running `serverless offline`: its base URL for HTTP and the port of its Lambda invoke endpoint. */
export interface RunningOffline {
  readonly baseUrl: string;
  readonly lambdaPort: number;
  /** The API key it was started with (`QKV_API_KEY`): every route requires it in `x-api-key`. */
  readonly apiKey: string;
  /** `fetch` of a path on this offline, with the API key added unless the headers set `x-api-key` themselves. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Everything the process printed so far (handler logs included). */
  output(): string;
}

/**
 * Starts a real `serverless offline` on free ports for the file's tests and stops it (and its children) afterwards.
 *
 * @param env extra environment for the handlers, typically `REDIS_NODES` of a test cluster (read lazily).
 */
export function useServerlessOffline(env: () => Record<string, string>): () => RunningOffline {
  let child: ChildProcess | undefined;
  let running: RunningOffline | undefined;
  let workFolder: string | undefined;
  beforeAll(async () => {
    const [httpPort, lambdaPort] = await freePorts(2);
    const apiKey = `test-key-${randomBytes(12).toString('hex')}`;
    // Each offline builds into its own folder, so that test files can run several side by side.
    workFolder = `.esbuild-offline-${httpPort}`;
    let output = '';
    child = spawn(SERVERLESS_BIN, ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)], {
      cwd: ROOT,
      env: {
        ...process.env,
        LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
        QKV_API_KEY: apiKey,
        ESBUILD_WORK_FOLDER: workFolder,
        ...env(),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      // Its own process group, so stopping it also stops the workers it starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = child;
    running = await new Promise<RunningOffline>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serverless offline did not start:\n${output}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = READY_PATTERN.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          const baseUrl = match[1]!;
          resolve({
            baseUrl,
            lambdaPort: lambdaPort!,
            apiKey,
            fetch: (path, init = {}) => {
              const headers = new Headers(init.headers);
              if (!headers.has('x-api-key')) headers.set('x-api-key', apiKey);
              return fetch(`${baseUrl}${path}`, { ...init, headers });
            },
            output: () => output,
          });
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', onData);
      started.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serverless offline exited with code ${code}:\n${output}`));
      });
    });
  });
  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child?.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (workFolder !== undefined) await rm(join(ROOT, workFolder), { recursive: true, force: true });
  });
  return () => {
    if (running === undefined) throw new Error('serverless offline has not started');
    return running;
  };
}
