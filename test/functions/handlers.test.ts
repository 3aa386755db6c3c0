import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/http/events';
import { closeSharedCoordinator } from '../../lib';
import { httpEvent, lambdaContext } from '../../tools/apiGatewayEvents';
import { loadOpenApi, responseChecker } from '../support/openApi';
import { useRedisCluster } from '../support/redisCluster';

const checkResponse = responseChecker(loadOpenApi());

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

describe('Handlers: set and get', () => {
  const cluster = useRedisCluster({ count: 3 });
  let setHandler: Handler;
  let getHandler: Handler;
  let putKeyHandler: Handler;
  let getKeyHandler: Handler;
  let deleteKeyHandler: Handler;

  beforeAll(async () => {
    process.env.REDIS_NODES = cluster().redisNodes;
    process.env.NODE_TIMEOUT_MS = '200';
    setHandler = (await import('../../functions/set')).handler as unknown as Handler;
    getHandler = (await import('../../functions/get')).handler as unknown as Handler;
    putKeyHandler = (await import('../../functions/putKey')).handler as unknown as Handler;
    getKeyHandler = (await import('../../functions/getKey')).handler as unknown as Handler;
    deleteKeyHandler = (await import('../../functions/deleteKey')).handler as unknown as Handler;
  });

  afterAll(async () => {
    await closeSharedCoordinator();
  });

  const set = (body: string | null, query?: Record<string, string>): Promise<HttpResult> =>
    setHandler(httpEvent({ method: 'POST', path: '/set', body, query, headers: { 'content-type': 'application/json' } }), lambdaContext());
  const get = (query?: Record<string, string>): Promise<HttpResult> =>
    getHandler(httpEvent({ method: 'GET', path: '/get', query }), lambdaContext());

  const put = (key: string, body: string, query?: Record<string, string>): Promise<HttpResult> =>
    putKeyHandler(
      httpEvent({ method: 'PUT', path: `/kv/${key}`, pathParameters: { key }, body, query, headers: { 'content-type': 'application/json' } }),
      lambdaContext(),
    );
  const getKey = (key: string, query?: Record<string, string>): Promise<HttpResult> =>
    getKeyHandler(httpEvent({ method: 'GET', path: `/kv/${key}`, pathParameters: { key }, query }), lambdaContext());
  const deleteKey = (key: string, query?: Record<string, string>): Promise<HttpResult> =>
    deleteKeyHandler(httpEvent({ method: 'DELETE', path: `/kv/${key}`, pathParameters: { key }, query }), lambdaContext());

  it('writes with POST /set and reads it back with GET /get in the seed response shapes', async () => {
    // Act
    const written = await set(JSON.stringify({ key: 'city', value: 'Seoul' }));
    const read = await get({ key: 'city' });

    // Assess
    expect(written.statusCode).toBe(200);
    expect(JSON.parse(written.body)).toMatchObject({ status: 'OK', success_nodes: expect.any(Number) });
    expect(JSON.parse(written.body).success_nodes).toBeGreaterThanOrEqual(2);
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ status: 'OK', value: 'Seoul' });
    expect(read.headers?.['Content-Type']).toMatch(/^application\/json/);
  });

  it('answers 404 NOT_FOUND for a key never written', async () => {
    // Act
    const read = await get({ key: 'nobody' });

    // Assess
    expect(read.statusCode).toBe(404);
    expect(JSON.parse(read.body)).toEqual({ status: 'NOT_FOUND' });
  });

  it('adds every replica outcome to the response with ?trace=1', async () => {
    // Act
    const written = await set(JSON.stringify({ key: 't', value: 'v' }), { trace: '1' });

    // Assess
    const nodes = JSON.parse(written.body).nodes as { node: string; outcome: string }[];
    expect(nodes.map((node) => node.node)).toEqual(cluster().nodes.map((node) => `127.0.0.1:${node.port}`));
    expect(nodes.filter((node) => node.outcome === 'applied').length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['no body', null, /body is required/],
    ['invalid JSON', '{"key": "a",', /not valid JSON/],
    ['a JSON array', '["a","b"]', /must be a JSON object/],
    ['a missing key', '{"value":"v"}', /"key" is required/],
    ['a missing value', '{"key":"k"}', /"value" is required/],
    ['a numeric key', '{"key":1,"value":"v"}', /"key" must be a string/],
    ['a boolean value', '{"key":"k","value":true}', /"value" must be a string/],
    ['an empty key', '{"key":"","value":"v"}', /"key" must not be empty/],
  ])('answers 400 with a JSON error for %s and stores nothing', async (_case, body, message) => {
    // Act
    const response = await set(body);

    // Assess
    expect(response.statusCode).toBe(400);
    const parsed = JSON.parse(response.body);
    expect(parsed.status).toBe('ERROR');
    expect(parsed.error).toMatch(message);
    expect((await get({ key: 'k' })).statusCode).toBe(404);
  });

  it('answers 400 when GET /get has no key', async () => {
    // Act
    const response = await get();

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ status: 'ERROR', error: 'query parameter "key" is required', requestId: 'test-request' });
  });

  it('serves the REST routes: PUT, GET and DELETE /kv/{key}, with the same shapes as /set and /get', async () => {
    // Act
    const written = await put('color', JSON.stringify({ value: 'blue' }));
    const read = await getKey('color');
    const readBySeedRoute = await get({ key: 'color' });
    const deleted = await deleteKey('color');
    const afterDelete = await getKey('color');

    // Assess
    expect(written.statusCode).toBe(200);
    expect(JSON.parse(written.body)).toMatchObject({ status: 'OK', success_nodes: expect.any(Number) });
    expect(JSON.parse(read.body)).toMatchObject({ status: 'OK', value: 'blue' });
    expect(JSON.parse(readBySeedRoute.body)).toMatchObject({ status: 'OK', value: 'blue' });
    expect(deleted.statusCode).toBe(200);
    expect(JSON.parse(deleted.body)).toMatchObject({ status: 'OK' });
    expect(afterDelete.statusCode).toBe(404);
    expect(JSON.parse(afterDelete.body)).toEqual({ status: 'NOT_FOUND' });
  });

  it('stores a ttl and reports when the key expires', async () => {
    // Act
    const written = await put('session', JSON.stringify({ value: 'token', ttl: 60 }));
    const read = JSON.parse((await getKey('session')).body);

    // Assess
    expect(written.statusCode).toBe(200);
    const expiresIn = Date.parse(read.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(55_000);
    expect(expiresIn).toBeLessThanOrEqual(60_000);
  });

  it('reads at the consistency level the query asks for, and shows it with ?trace=1', async () => {
    // Prepare
    await put('levels', JSON.stringify({ value: 'v' }), { consistency: 'all' });

    // Act
    const read = JSON.parse((await getKey('levels', { consistency: 'quorum', trace: '1' })).body);

    // Assess
    expect(read).toMatchObject({ status: 'OK', value: 'v', consistency: 'quorum', repair: 'none' });
    expect(read.nodes).toHaveLength(3);
  });

  it.each([
    ['a negative ttl', { value: 'v', ttl: -1 }, {}, /"ttl" must be a positive whole number/],
    ['a fractional ttl', { value: 'v', ttl: 1.5 }, {}, /"ttl" must be a positive whole number/],
    ['a string ttl', { value: 'v', ttl: '60' }, {}, /"ttl" must be a positive whole number/],
    ['an unknown consistency', { value: 'v' }, { consistency: 'strong' }, /"consistency" must be one of one, quorum, all/],
  ])('answers 400 for %s on PUT /kv/{key}', async (_case, body, query, message) => {
    // Act
    const response = await put('validated', JSON.stringify(body), query);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(message);
    expect((await getKey('validated')).statusCode).toBe(404);
  });

  it('answers 503 FAIL with success_nodes when two nodes are down', async () => {
    // Prepare
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();

    try {
      // Act
      const response = await set(JSON.stringify({ key: 'k2', value: 'v' }));

      // Assess
      expect(response.statusCode).toBe(503);
      const parsed = JSON.parse(response.body);
      expect(parsed.status).toBe('FAIL');
      expect(parsed.success_nodes).toBeLessThanOrEqual(1);
      expect(parsed.error).toMatch(/quorum/);
      // The survivor took it, so it may still take effect: the answer says so.
      expect(parsed.rolled_back).toBe(false);
      expect(checkResponse('set', 503, parsed)).toBe('');
    } finally {
      await cluster().nodes[0]!.start();
      await cluster().nodes[1]!.start();
    }
  });
});
