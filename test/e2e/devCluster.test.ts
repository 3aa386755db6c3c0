import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePorts } from '../../tools/localRedisNode';
import { freeClusterPorts, startNpmRunDev, type DevRun } from '../support/npmRunDev';
import { placementOf } from '../support/redisCluster';
import { storedFields } from '../support/storedEntries';

const ROOT = join(__dirname, '..', '..');
const API_KEY = 'dev-cluster-test-key-0123456789';

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
    const [httpPort, lambdaPort, labPort] = await freePorts(3);
    ports = await freeClusterPorts(9, [httpPort!, lambdaPort!, labPort!]);
    dataDir = await mkdtemp(join(tmpdir(), 'quorum-kv-dev-'));
    env = {
      REDIS_PORTS: ports.join(','),
      HTTP_PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      LAB_PORT: String(labPort),
      QKV_API_KEY: API_KEY,
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
    const first = await startNpmRunDev(['--cluster'], env);
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
    const second = await startNpmRunDev(['--cluster'], env);
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
