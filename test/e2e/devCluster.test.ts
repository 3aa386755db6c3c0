import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { awaitOutput } from '../../tools/processOutput';
import { freePorts } from '../../tools/localRedisNode';
import { placementOf } from '../support/redisCluster';
import { storedFields } from '../support/storedEntries';

const ROOT = join(__dirname, '..', '..');
const READY_PATTERN = /Server ready: (http:\/\/[^\s]+)/;
const START_TIMEOUT_MS = 90_000;
const API_KEY = 'dev-cluster-test-key-0123456789';

/** One `npm run dev -- --cluster`, as a newcomer starts it, in its own process group. */
interface DevRun {
  readonly baseUrl: string;
  output(): string;
  /** Ctrl-C's signal to the whole group (npm, dev.ts, serverless offline, the redis-servers); resolves once npm exited. */
  stop(): Promise<void>;
}

/** Starts `npm run dev -- --cluster` on the given ports and data folder and resolves once offline serves. */
async function startDev(env: Record<string, string>): Promise<DevRun> {
  const child: ChildProcess = spawn('npm', ['run', 'dev', '--', '--cluster'], {
    cwd: ROOT,
    env: { ...process.env, ...env, QKV_API_KEY: API_KEY, ANTI_ENTROPY_SCHEDULE_ENABLED: 'false', AWS_EC2_METADATA_DISABLED: 'true' },
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
    const ready = await awaitOutput(child, READY_PATTERN, START_TIMEOUT_MS, 'npm run dev -- --cluster');
    return { baseUrl: ready.match[1]!, output: ready.output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What one cluster replica (its masters' ports) stores for `key`, read through a Cluster client of its own. */
async function storedOnCluster(masterPorts: readonly number[], key: string): Promise<Record<string, string>> {
  const client = new Cluster([{ host: '127.0.0.1', port: masterPorts[0]! }], { redisOptions: { maxRetriesPerRequest: 0 } });
  try {
    return await storedFields(client, key);
  } finally {
    client.disconnect();
  }
}

describe('npm run dev -- --cluster: three local Redis Clusters of three masters each, then serverless offline', () => {
  let ports: number[] = [];
  let dataDir = '';
  let env: Record<string, string> = {};
  const runs: DevRun[] = [];
  /** The masters' ports of each of the three cluster replicas, as dev.ts groups REDIS_PORTS. */
  const replicas = (): number[][] => [0, 1, 2].map((i) => ports.slice(i * 3, i * 3 + 3));

  beforeAll(async () => {
    const [httpPort, lambdaPort, ...redisPorts] = await freePorts(11);
    ports = redisPorts;
    dataDir = await mkdtemp(join(tmpdir(), 'quorum-kv-dev-'));
    env = {
      REDIS_PORTS: ports.join(','),
      HTTP_PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      DEV_DATA_DIR: dataDir,
      ESBUILD_WORK_FOLDER: `.esbuild-dev-${httpPort}`,
    };
  });
  afterAll(async () => {
    await Promise.all(runs.map((run) => run.stop()));
    await rm(dataDir, { recursive: true, force: true });
    await rm(join(ROOT, env.ESBUILD_WORK_FOLDER ?? '.esbuild-dev-none'), { recursive: true, force: true });
  });

  it('lands a write through the HTTP API on the right master of each of the three clusters, and starts again over its data', async () => {
    // Prepare
    const first = await startDev(env);
    runs.push(first);
    const post = (run: DevRun, key: string, value: string): Promise<Response> =>
      fetch(`${run.baseUrl}/set`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify({ key, value }) });

    // Act: a write, then Ctrl-C and a second `npm run dev -- --cluster` over the same data (nodes.conf holds the slots).
    const written = await post(first, 'city', 'Lisbon');
    // A write answers once a quorum holds it: the third copy may land just after.
    await vi.waitFor(async () => expect((await Promise.all(replicas().map((masters) => storedOnCluster(masters, 'city')))).map((f) => f.value)).toEqual(['Lisbon', 'Lisbon', 'Lisbon']), {
      timeout: 5_000,
      interval: 50,
    });
    const placements = await Promise.all(replicas().map((masters) => placementOf(masters, 'city')));
    await first.stop();
    runs.splice(0);
    const second = await startDev(env);
    runs.push(second);
    const readAfterRestart = await fetch(`${second.baseUrl}/get?key=city&consistency=all`, { headers: { 'x-api-key': API_KEY } });
    const writtenAfterRestart = await post(second, 'city', 'Porto');
    await vi.waitFor(async () => expect((await Promise.all(replicas().map((masters) => storedOnCluster(masters, 'city')))).map((f) => f.value)).toEqual(['Porto', 'Porto', 'Porto']), {
      timeout: 5_000,
      interval: 50,
    });

    // Assess (the values on the three clusters are checked above, as they land): what dev printed; the write on the
    // one master serving its slot in each cluster; the data kept across the restart, which took new writes too.
    expect(first.output()).toContain(`[dev] starting 3 Redis Clusters of 3 masters on ports ${ports.join(', ')}`);
    for (const masters of replicas()) {
      expect(first.output()).toContain(`redis://127.0.0.1:${masters[0]}?cluster=true (masters on ports ${masters.join(', ')})`);
    }
    expect(written.status).toBe(200);
    for (const { servedBy, heldBy } of placements) expect(heldBy).toEqual([servedBy]);
    expect(readAfterRestart.status).toBe(200);
    expect(await readAfterRestart.json()).toMatchObject({ status: 'OK', value: 'Lisbon' });
    expect(writtenAfterRestart.status).toBe(200);
  }, 240_000);
});
