import { spawn, type ChildProcess } from 'node:child_process';
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
  beforeAll(async () => {
    const [httpPort, lambdaPort] = await freePorts(2);
    let output = '';
    child = spawn(SERVERLESS_BIN, ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)], {
      cwd: ROOT,
      env: {
        ...process.env,
        LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
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
          resolve({ baseUrl: match[1]!, lambdaPort: lambdaPort!, output: () => output });
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
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    const timer = setTimeout(() => child?.pid !== undefined && process.kill(-child.pid, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  });
  return () => {
    if (running === undefined) throw new Error('serverless offline has not started');
    return running;
  };
}
