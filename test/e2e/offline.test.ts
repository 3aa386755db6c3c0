import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { directClient, placementOf, storedOnNode, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline, type RunningOffline } from '../support/serverlessOffline';
import type { LocalReplica } from '../../tools/localCluster';

const ROOT = join(__dirname, '..', '..');

/**
 * Writes `key` while `node` is down (so the write misses it), waits for the repair function's own log line for the
 * hint hand-off (proof that the asynchronous invoke reached offline's Lambda endpoint), then starts `node` again.
 */
async function writeWhileDownAndAwaitHintHandOff(offline: RunningOffline, node: LocalReplica, key: string): Promise<void> {
  // First, the set function's container must be connected to every replica again (after earlier faults), so that the
  // one killed here is the only one missing.
  await vi.waitFor(
    async () => {
      const probe = await offline.fetch('/set?trace=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'probe', value: 'p' }) });
      const body = (await probe.json()) as { nodes?: { outcome: string }[] };
      expect(body.nodes?.every((n) => n.outcome === 'applied' || n.outcome === 'pending')).toBe(true);
    },
    { timeout: 10_000, interval: 100 },
  );
  await node.kill();
  try {
    const written = await offline.fetch('/set?trace=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, value: 'v' }) });
    expect(written.status, await written.clone().text()).toBe(200);
    await vi.waitFor(() => expect(offline.output()).toMatch(/"message":"repair".*"reason":"hints"/), { timeout: 10_000, interval: 50 });
  } finally {
    await node.start();
  }
}

describe('End to end: serverless offline over HTTP', () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));

  const post = (path: string, body: string, contentType = 'application/json'): Promise<Response> =>
    offline().fetch(path, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('serves the seed API: POST /set then GET /get', async () => {
    // Act
    const written = await post('/set', JSON.stringify({ key: 'e2e', value: 'über ✓' }));
    const read = await offline().fetch(`/get?key=e2e`);

    // Assess
    expect(written.status).toBe(200);
    expect(await written.json()).toMatchObject({ status: 'OK' });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ status: 'OK', value: 'über ✓' });
  });

  it('answers 404 JSON for a missing key and 400 JSON for bad input, never HTML', async () => {
    // Act
    const missing = await offline().fetch(`/get?key=absent`);
    const invalid = await post('/set', '{"key": ');
    const noKey = await offline().fetch(`/get`);

    // Assess
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ status: 'NOT_FOUND' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/application\/json/);
    expect(await invalid.json()).toMatchObject({ status: 'ERROR' });
    expect(noKey.status).toBe(400);
  });

  it('reports health: 200 with every replica up, 503 once no write quorum is reachable', async () => {
    // Act
    const healthy = await offline().fetch('/health');
    const healthyBody = (await healthy.json()) as { status: string; nodes: { up: boolean; breaker: string }[] };
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();
    const degraded = await offline().fetch('/health');
    const degradedBody = (await degraded.json()) as { status: string; writeQuorumReachable: boolean };
    await Promise.all([cluster().nodes[0]!.start(), cluster().nodes[1]!.start()]);

    // Assess
    await vi.waitFor(async () => expect((await offline().fetch('/health')).status).toBe(200), { timeout: 5_000, interval: 100 });
    expect(healthy.status).toBe(200);
    expect(healthyBody.status).toBe('OK');
    expect(healthyBody.nodes.map((node) => node.up)).toEqual([true, true, true]);
    expect(healthyBody.nodes[0]!.breaker).toBe('closed');
    expect(degraded.status).toBe(503);
    expect(degradedBody).toMatchObject({ status: 'FAIL', writeQuorumReachable: false });
  });

  it('keeps serving with one node down, reporting success_nodes 2', async () => {
    // Prepare: wait until the set function's container is connected to every node again after the previous test.
    await vi.waitFor(
      async () => {
        const probe = (await (await post('/set?trace=1', JSON.stringify({ key: 'probe', value: 'p' }))).json()) as {
          nodes: { outcome: string }[];
        };
        expect(probe.nodes.every((node) => node.outcome === 'applied' || node.outcome === 'pending')).toBe(true);
      },
      { timeout: 5_000, interval: 100 },
    );
    await cluster().nodes[0]!.kill();

    try {
      // Act: every write succeeds; once the container has noticed node 0 is gone (a write in flight when it died is
      // still `pending` at the answer), its trace says `error`.
      const answers: { status: number; body: unknown }[] = [];
      const body = await vi.waitFor(
        async () => {
          const written = await post('/set?trace=1', JSON.stringify({ key: 'down', value: 'still here' }));
          const answer = (await written.json()) as { success_nodes: number; nodes: { outcome: string }[] };
          answers.push({ status: written.status, body: answer });
          expect(answer.nodes[0]?.outcome).toBe('error');
          return answer;
        },
        { timeout: 5_000, interval: 50 },
      );
      const read = await offline().fetch(`/get?key=down`);

      // Assess
      expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
      expect(body.success_nodes).toBe(2);
      expect(await read.json()).toMatchObject({ value: 'still here' });
    } finally {
      await cluster().nodes[0]!.start();
    }
  });
});

describe('End to end: serverless offline over three cluster replicas (each a Redis Cluster of 3 masters)', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));

  it('writes with POST /set and reads with GET /get at one and quorum, the trace naming three replicas and each cluster keeping the value on the master serving its slot', async () => {
    // Prepare
    const replicaNames = cluster().nodes.map((replica) => `127.0.0.1:${replica.port}`);

    // Act
    const written = await offline().fetch('/set?trace=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'harbour', value: 'Lisbon' }),
    });
    const writeBody = (await written.json()) as { status: string; success_nodes: number; nodes: { node: string; outcome: string }[] };
    await vi.waitFor(async () => expect((await Promise.all(cluster().nodes.map((replica) => storedOnNode(replica, 'harbour')))).map((fields) => fields.value)).toEqual(['Lisbon', 'Lisbon', 'Lisbon']), {
      timeout: 5_000,
      interval: 50,
    });
    const reads = await Promise.all(
      (['one', 'quorum'] as const).map(async (consistency) => {
        const response = await offline().fetch(`/get?key=harbour&consistency=${consistency}&trace=1`);
        return { status: response.status, body: (await response.json()) as { value: string; consistency: string; nodes: { node: string }[] } };
      }),
    );
    const placements = await Promise.all(cluster().nodes.map((replica) => placementOf(replica.masters.map((master) => master.port), 'harbour')));

    // Assess
    expect(written.status).toBe(200);
    expect(writeBody).toMatchObject({ status: 'OK' });
    expect(writeBody.success_nodes).toBeGreaterThanOrEqual(2);
    expect(writeBody.nodes.map((entry) => entry.node).sort()).toEqual([...replicaNames].sort());
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.body.value).toBe('Lisbon');
      expect(read.body.nodes.map((entry) => entry.node).sort()).toEqual([...replicaNames].sort());
    }
    expect(reads.map((read) => read.body.consistency)).toEqual(['one', 'quorum']);
    for (const { servedBy, heldBy } of placements) {
      expect(servedBy).toBeDefined();
      expect(heldBy).toEqual([servedBy]);
    }
  });
});

describe('End to end: self-healing through serverless offline', () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({
    REDIS_NODES: cluster().redisNodes,
    NODE_TIMEOUT_MS: '200',
    READ_REPAIR: 'async',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  }));

  const call = (method: string, path: string, body?: unknown): Promise<Response> =>
    offline().fetch(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('serves PUT, GET and DELETE /kv/{key}', async () => {
    // Act
    const put = await call('PUT', '/kv/colour%20name', { value: 'teal', ttl: 60 });
    const got = await call('GET', '/kv/colour%20name');
    const deleted = await call('DELETE', '/kv/colour%20name');
    const gone = await call('GET', '/kv/colour%20name');

    // Assess
    expect(put.status).toBe(200);
    expect(await got.json()).toMatchObject({ status: 'OK', value: 'teal' });
    expect(deleted.status).toBe(200);
    expect(gone.status).toBe(404);
    expect((await storedOnNode(cluster().nodes[0]!, 'colour name')).tombstone).toBe('1');
  });

  it('repairs a stale replica that a read finds, over its own connections, before or right after answering', async () => {
    // Prepare: node 2 holds an older version (as after a restart with old data; made directly, so no hint exists).
    const old = (await (await call('POST', '/set', { key: 'healed', value: 'old' })).json()) as { version: string };
    const written = (await (await call('POST', '/set', { key: 'healed', value: 'new' })).json()) as { version: string };
    const client = directClient(cluster().nodes[2]!);
    await client.set('healed', `qkv1 ${old.version} v\nold`);
    client.disconnect();

    // Act
    const read = (await (await call('GET', '/get?key=healed&consistency=all&trace=1')).json()) as { value: string; repair: string };

    // Assess: the replica itself, read directly.
    expect(read.value).toBe('new');
    expect(['repaired', 'scheduled']).toContain(read.repair);
    await vi.waitFor(async () => expect(await storedOnNode(cluster().nodes[2]!, 'healed')).toEqual({ value: 'new', version: written.version }), {
      timeout: 5_000,
      interval: 50,
    });
  });

  it('hands the hints for a replica that missed a write to the repair function with an asynchronous Lambda invoke', async () => {
    // Act and assess: the repair function ran for the hints (its own log line), through offline's Lambda endpoint.
    await writeWhileDownAndAwaitHintHandOff(offline(), cluster().nodes[1]!, 'hinted');
    // The coordinator that sees node 1 reconnect replays its hints; offline survived the repair function's failure.
    await vi.waitFor(async () => expect((await storedOnNode(cluster().nodes[1]!, 'hinted')).value).toBe('v'), { timeout: 5_000, interval: 50 });
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('End to end: serverless offline started as a user would (npx serverless offline, no LAMBDA_ENDPOINT, no API key)', () => {
  const cluster = useRedisCluster({ count: 3 });
  // Only REDIS_NODES, and the schedule switched off: a scheduled anti-entropy run fires on the wall clock (every
  // fifth minute), and the first one loads its function in offline's own process, stalling every request for longer
  // than a node timeout; a test must not depend on which minute it runs in.
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, ANTI_ENTROPY_SCHEDULE_ENABLED: 'false' }), { asUserWould: true });

  const call = (method: string, path: string, body?: unknown): Promise<Response> =>
    offline().fetch(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('repairs a replica restarted from an old snapshot when reads find it behind, through offline\'s own Lambda endpoint', async () => {
    // Prepare: node 2's data file from before the newest write, then node 2 restarted from it.
    const stale = cluster().nodes[2]!;
    expect((await call('POST', '/set', { key: 'drift', value: 'old' })).status).toBe(200);
    // The answer comes at the quorum: wait until node 2 has it too before copying its data file.
    await vi.waitFor(async () => expect(await storedOnNode(stale, 'drift')).toMatchObject({ value: 'old' }), { timeout: 5_000 });
    await stale.kill();
    const snapshot = await stale.snapshot();
    await stale.start();
    await vi.waitFor(async () => expect(await storedOnNode(stale, 'drift')).toMatchObject({ value: 'old' }), { timeout: 5_000 });
    const written = (await (await call('POST', '/set', { key: 'drift', value: 'new' })).json()) as { version: string };
    await vi.waitFor(async () => expect(await storedOnNode(stale, 'drift')).toMatchObject({ version: written.version }), { timeout: 5_000 });
    await stale.restart({ snapshot });
    expect((await storedOnNode(stale, 'drift')).value).toBe('old');

    // Act: read at level all (once the coordinator has reconnected to node 2, all three must answer).
    const read = await vi.waitFor(
      async () => {
        const response = await call('GET', '/get?key=drift&consistency=all&trace=1');
        expect(response.status).toBe(200);
        return (await response.json()) as { value: string; repair: string };
      },
      { timeout: 10_000, interval: 100 },
    );

    // Assess: the read found node 2 behind, and node 2 itself catches up.
    expect(read.value).toBe('new');
    expect(['repaired', 'scheduled']).toContain(read.repair);
    await vi.waitFor(async () => expect(await storedOnNode(stale, 'drift')).toEqual({ value: 'new', version: written.version }), {
      timeout: 10_000,
      interval: 50,
    });
  });

  it('reaches offline\'s own Lambda endpoint without LAMBDA_ENDPOINT: hints go to the repair function', async () => {
    // Act and assess: the repair function's own log line, for the hint hand-off (not "repair dispatch failed").
    await writeWhileDownAndAwaitHintHandOff(offline(), cluster().nodes[0]!, 'missed');
    expect(offline().output()).not.toMatch(/repair dispatch failed/);
  });

  it.each([
    ['GET', '/no/such/path', 'GET /no/such/path'],
    ['PUT', '/kv/', 'PUT /kv'],
    ['POST', '/', 'POST /'],
  ])('answers %s %s with a 404 JSON error that lists the routes', async (method, path, named) => {
    // Act
    const response = await call(method, path, method === 'GET' ? undefined : { value: 'v' });
    const body = (await response.json()) as { status: string; error: string; requestId: string };

    // Assess
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(body.status).toBe('ERROR');
    expect(body.error).toMatch(new RegExp(`^no route for ${named.replace(/[/]/g, '\\/')}/?; routes: POST /set, GET /get, PUT /kv/\\{key\\}`));
    expect(body.requestId).toEqual(expect.any(String));
    expect(Object.keys(body).sort()).toEqual(['error', 'requestId', 'status']);
  });
});

describe('End to end: serverless invoke local', () => {
  const cluster = useRedisCluster({ count: 3 });

  it('runs the set function once and exits', () => {
    // Act
    const result = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['invoke', 'local', '-f', 'set', '--data', JSON.stringify({ body: JSON.stringify({ key: 'k', value: 'v' }) })],
      { cwd: ROOT, env: { ...process.env, REDIS_NODES: cluster().redisNodes }, timeout: 90_000, encoding: 'utf8' },
    );

    // Assess
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/"statusCode": 200/);
    expect(result.stdout).toMatch(/\\"success_nodes\\":[23]/);
  });

  it('runs the repair function by hand on the keys given', async () => {
    // Prepare: a key held by one replica only.
    const client = directClient(cluster().nodes[0]!);
    await client.hset('lonely', 'value', 'v', 'version', '1795800000000.00000.0000000001');
    client.disconnect();

    // Act
    const result = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['invoke', 'local', '-f', 'repair', '--data', JSON.stringify({ keys: ['lonely'] })],
      { cwd: ROOT, env: { ...process.env, REDIS_NODES: cluster().redisNodes }, timeout: 90_000, encoding: 'utf8' },
    );

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/"repaired": 2/);
    expect((await storedOnNode(cluster().nodes[2]!, 'lonely')).value).toBe('v');
  });

  it('fails the repair function while a replica whose hints it replays is down, so that Lambda retries it', async () => {
    // Prepare
    const down = `127.0.0.1:${cluster().nodes[1]!.port}`;
    await cluster().nodes[1]!.kill();

    try {
      // Act
      const result = spawnSync(
        join(ROOT, 'node_modules', '.bin', 'serverless'),
        ['invoke', 'local', '-f', 'repair', '--data', JSON.stringify({ hintsFor: [down], reason: 'hints' })],
        { cwd: ROOT, env: { ...process.env, REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }, timeout: 90_000, encoding: 'utf8' },
      );

      // Assess
      expect(result.status).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(new RegExp(`repair incomplete: unreachable replicas ${down.replace(/\./g, '\\.')}`));
    } finally {
      await cluster().nodes[1]!.start();
    }
  });

  it('runs an anti-entropy pass by hand and refills a replica that restarted empty', async () => {
    // Prepare
    for (const node of cluster().nodes.slice(0, 2)) {
      const client = directClient(node);
      await client.hset('refill-me', 'value', 'v', 'version', '1795800000000.00000.0000000002');
      client.disconnect();
    }
    await cluster().nodes[2]!.restart('empty');

    // Act
    const result = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['invoke', 'local', '-f', 'antiEntropy', '--data', JSON.stringify({ fromStart: true })],
      { cwd: ROOT, env: { ...process.env, REDIS_NODES: cluster().redisNodes }, timeout: 90_000, encoding: 'utf8' },
    );

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/"passComplete": true/);
    expect((await storedOnNode(cluster().nodes[2]!, 'refill-me')).value).toBe('v');
  });
});
