import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';

const ROOT = join(__dirname, '..', '..');

describe('End to end: serverless offline over HTTP', () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));

  const post = (path: string, body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(`${offline().baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('serves the seed API: POST /set then GET /get', async () => {
    // Act
    const written = await post('/set', JSON.stringify({ key: 'e2e', value: 'über ✓' }));
    const read = await fetch(`${offline().baseUrl}/get?key=e2e`);

    // Assess
    expect(written.status).toBe(200);
    expect(await written.json()).toMatchObject({ status: 'OK' });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ status: 'OK', value: 'über ✓' });
  });

  it('answers 404 JSON for a missing key and 400 JSON for bad input, never HTML', async () => {
    // Act
    const missing = await fetch(`${offline().baseUrl}/get?key=absent`);
    const invalid = await post('/set', '{"key": ');
    const noKey = await fetch(`${offline().baseUrl}/get`);

    // Assess
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ status: 'NOT_FOUND' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toMatch(/application\/json/);
    expect(await invalid.json()).toMatchObject({ status: 'ERROR' });
    expect(noKey.status).toBe(400);
  });

  it('keeps serving with one node down, reporting success_nodes 2', async () => {
    // Prepare
    await cluster().nodes[0]!.kill();

    try {
      // Act
      const written = await post('/set?trace=1', JSON.stringify({ key: 'down', value: 'still here' }));
      const body = (await written.json()) as { success_nodes: number; nodes: { outcome: string }[] };
      const read = await fetch(`${offline().baseUrl}/get?key=down`);

      // Assess
      expect(written.status).toBe(200);
      expect(body.success_nodes).toBe(2);
      expect(body.nodes[0]?.outcome).toBe('error');
      expect(await read.json()).toMatchObject({ value: 'still here' });
    } finally {
      await cluster().nodes[0]!.start();
    }
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
});
