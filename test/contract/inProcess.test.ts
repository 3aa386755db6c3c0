import middy from '@middy/core';
import { describe, expect, it, vi } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/http/events';
import { maxBodyBytes } from '../../functions/contract/schemas';
import { httpErrorResponse } from '../../functions/middleware/httpErrorResponse';
import { httpEvent, lambdaContext, type HttpEventParts } from '../../tools/apiGatewayEvents';
import { jsonOf, useHandlers, type HttpHandler } from '../support/handlers';
import { loadOpenApi, responseChecker } from '../support/openApi';
import { directClient, flushAll, useRedisCluster } from '../support/redisCluster';
import { settledSnapshot } from '../support/storeSnapshot';
import { storedFields } from '../support/storedEntries';

// Small limits keep the size cases cheap; openapi.test.ts and generatedValidators.test.ts check the documented defaults.
const MAX_KEY_BYTES = 64;
const MAX_VALUE_BYTES = 4_096;
const JSON_HEADERS = { 'content-type': 'application/json' };

describe('Contract: requests and statuses through the handlers', () => {
  const cluster = useRedisCluster({ count: 3 });
  const handlers = useHandlers(cluster, { MAX_KEY_BYTES: String(MAX_KEY_BYTES), MAX_VALUE_BYTES: String(MAX_VALUE_BYTES) });
  const checkResponse = responseChecker(loadOpenApi());

  const call = (handler: HttpHandler, parts: HttpEventParts): Promise<HttpResult> => handler(httpEvent(parts), lambdaContext());
  const set = (body: string | null, extra: Partial<HttpEventParts> = {}): Promise<HttpResult> =>
    call(handlers().set, { method: 'POST', path: '/set', body, headers: JSON_HEADERS, ...extra });
  const put = (key: string, body: string, extra: Partial<HttpEventParts> = {}): Promise<HttpResult> =>
    call(handlers().putKey, { method: 'PUT', path: `/kv/${key}`, pathParameters: { key }, body, headers: JSON_HEADERS, ...extra });
  const get = (query: Record<string, string>): Promise<HttpResult> => call(handlers().get, { method: 'GET', path: '/get', query });
  const getKey = (key: string, query?: Record<string, string>): Promise<HttpResult> =>
    call(handlers().getKey, { method: 'GET', path: `/kv/${key}`, pathParameters: { key }, ...(query ? { query } : {}) });
  const deleteKey = (key: string): Promise<HttpResult> =>
    call(handlers().deleteKey, { method: 'DELETE', path: `/kv/${key}`, pathParameters: { key } });

  /** Asserts a client error: status, the ERROR shape with the request id, the message, and the documented schema. */
  const expectError = (response: HttpResult, status: number, message: RegExp, operationId = 'set'): void => {
    expect(response.statusCode).toBe(status);
    const body = jsonOf(response);
    expect(body).toEqual({ status: 'ERROR', error: expect.stringMatching(message), requestId: 'test-request' });
    expect(checkResponse(operationId, status, body)).toBe('');
  };

  describe('Schema: POST /set body', () => {
    it.each([
      ['two unknown fields', { key: 'k', value: 'v', colour: 'red', size: 2 }, /unknown fields in the body: "colour", "size"; allowed: key, value, ttl/],
      ['a key of more bytes than MAX_KEY_BYTES though fewer characters', { key: '€'.repeat(22), value: 'v' }, /"key" must be at most 64 bytes of UTF-8, got 66/],
      ['a key with a lone surrogate', { key: 'a\ud800', value: 'v' }, /"key" must be valid Unicode/],
      ['a value with a lone surrogate', { key: 'k', value: '\udc00x' }, /"value" must be valid Unicode/],
      ['a ttl of 0', { key: 'k', value: 'v', ttl: 0 }, /"ttl" must be a positive whole number of seconds/],
      ['a ttl above ten years', { key: 'k', value: 'v', ttl: 315_360_001 }, /"ttl" must be a positive whole number/],
      ['a null ttl', { key: 'k', value: 'v', ttl: null }, /"ttl" must be a positive whole number/],
      ['a numeric value', { key: 'k', value: 12 }, /"value" must be a string, got number/],
      ['a null key', { key: null, value: 'v' }, /"key" must be a string, got null/],
      ['an object body that is empty', {}, /"key" is required/],
    ])('answers 400 naming the field for %s, and stores nothing', async (_case, body, message) => {
      // Prepare
      const before = await settledSnapshot(cluster());

      // Act
      const response = await set(JSON.stringify(body));

      // Assess
      expectError(response, 400, message);
      expect(await settledSnapshot(cluster())).toEqual(before);
    });

    it('accepts a key of exactly MAX_KEY_BYTES bytes and a value of exactly MAX_VALUE_BYTES bytes', async () => {
      // Prepare
      const key = `${'€'.repeat(21)}a`;
      const value = `${'é'.repeat(2_047)}ab`;

      // Act
      const response = await set(JSON.stringify({ key, value }));

      // Assess
      expect(Buffer.byteLength(key)).toBe(MAX_KEY_BYTES);
      expect(Buffer.byteLength(value)).toBe(MAX_VALUE_BYTES);
      expect(response.statusCode).toBe(200);
      expect(checkResponse('set', 200, jsonOf(response))).toBe('');
    });
  });

  describe('Status: 413 too large', () => {
    it('answers 413 for a value one byte over MAX_VALUE_BYTES', async () => {
      // Act
      const response = await set(JSON.stringify({ key: 'big', value: 'x'.repeat(MAX_VALUE_BYTES + 1) }));

      // Assess
      expectError(response, 413, /"value" must be at most 4096 bytes of UTF-8, got 4097/);
    });

    it('answers 413 for a value under the limit in characters but over it in bytes', async () => {
      // Act
      const response = await put('big', JSON.stringify({ value: '😀'.repeat(1_025) }));

      // Assess
      expectError(response, 413, /got 4100/, 'putKey');
    });

    it('answers 413 without parsing a body too long to hold any valid request', async () => {
      // Act
      const response = await set(`{"key":"k","value":"${' '.repeat(7 * (MAX_KEY_BYTES + MAX_VALUE_BYTES))}"}`);

      // Assess
      expectError(response, 413, /request body is \d+ bytes; at most \d+ are accepted/);
    });

    it.each([0, 1, 2])(
      'measures a base64 body by the bytes it decodes to: the body limit less %i is read, one byte over it is 413 naming its size',
      async (under) => {
        // Prepare: bodies of every padding (limit - under is 1, 0 or 2 modulo 3), as API Gateway sends all bodies.
        const limit = maxBodyBytes({ maxKeyBytes: MAX_KEY_BYTES, maxValueBytes: MAX_VALUE_BYTES });
        const json = JSON.stringify({ key: 'edge', value: 'v' });
        const ofBytes = (bytes: number): string => Buffer.from(json + ' '.repeat(bytes - json.length)).toString('base64');

        // Act
        const within = await set(ofBytes(limit - under), { isBase64Encoded: true });
        const over = await set(ofBytes(limit + 1), { isBase64Encoded: true });

        // Assess
        expect(within.statusCode).toBe(200);
        expectError(over, 413, new RegExp(`request body is ${limit + 1} bytes; at most ${limit} are accepted`));
      },
    );
  });

  describe('Status: 415 not JSON', () => {
    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/xml'])(
      'answers 415 for Content-Type %s',
      async (contentType) => {
        // Act
        const response = await set(JSON.stringify({ key: 'k', value: 'v' }), { headers: { 'Content-Type': contentType } });

        // Assess
        expectError(response, 415, /is not supported: send application\/json/);
      },
    );

    it.each([
      ['no Content-Type', {}],
      ['application/json; charset=UTF-8', { 'CONTENT-TYPE': 'application/json; charset=UTF-8' }],
      ['a +json media type', { 'content-type': 'application/vnd.quorum+json' }],
    ])('accepts %s as JSON', async (_case, headers) => {
      // Act
      const response = await set(JSON.stringify({ key: 'k', value: 'v' }), { headers });

      // Assess
      expect(response.statusCode).toBe(200);
    });
  });

  describe('Encoding: base64 bodies and UTF-8', () => {
    it('reads a base64-encoded body', async () => {
      // Act
      const response = await set(Buffer.from(JSON.stringify({ key: 'b64', value: 'ünïcode' })).toString('base64'), { isBase64Encoded: true });
      const read = await get({ key: 'b64' });

      // Assess
      expect(response.statusCode).toBe(200);
      expect(jsonOf(read).value).toBe('ünïcode');
    });

    it.each([
      ['a body marked base64 that is not base64', 'not base64!', /not valid base64/],
      ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0xff, 0xfe, 0x7d]).toString('base64'), /not valid UTF-8/],
      ['an overlong UTF-8 encoding', Buffer.from([0x22, 0xc0, 0xaf, 0x22]).toString('base64'), /not valid UTF-8/],
    ])('answers 400 for %s', async (_case, body, message) => {
      // Act
      const response = await set(body, { isBase64Encoded: true });

      // Assess
      expectError(response, 400, message);
    });

    it.each([
      ['accents and CJK', 'Grüße, 世界'],
      ['emoji and a ZWJ sequence', '👩‍👩‍👧 😀'],
      ['combining marks (not normalised)', 'e\u0301 vs é'],
      ['right-to-left text', 'שלום مرحبا'],
      ['control characters and NUL', 'a\u0000b\u0007c\n\t'],
      ['the BOM and a private-use character', '\ufeff\ue000'],
    ])('stores and returns %s byte for byte', async (_case, value) => {
      // Act
      const written = await put('unicode', JSON.stringify({ value }));
      const read = await getKey('unicode');
      const client = directClient(cluster().nodes[0]!);
      const stored = await client.getBuffer('unicode');
      client.disconnect();

      // Assess
      expect(written.statusCode).toBe(200);
      expect(Buffer.from(jsonOf(read).value as string, 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
      // The entry string: its header line, then the value's bytes exactly as they came.
      expect(stored?.subarray(stored.indexOf('\n') + 1).equals(Buffer.from(value, 'utf8'))).toBe(true);
    });
  });

  describe('Schema: query strings and paths', () => {
    it.each([
      ['an unknown query parameter', { key: 'k', debug: '1' }, /unknown query parameter: "debug"; allowed: key, consistency, trace, strategy$/],
      ['an unknown strategy', { key: 'k', strategy: 'fastest' }, /query parameter "strategy" must be one of race, hedged/],
      ['an unknown consistency', { key: 'k', consistency: 'strong' }, /query parameter "consistency" must be one of one, quorum, all/],
      ['a trace that is not 0, 1, true or false', { key: 'k', trace: 'yes' }, /query parameter "trace" must be one of 0, 1, true, false/],
      ['an empty key', { key: '' }, /query parameter "key" must not be empty/],
      ['no key', {}, /query parameter "key" is required/],
    ])('answers 400 on GET /get for %s', async (_case, query, message) => {
      // Act
      const response = await get(query);

      // Assess
      expectError(response, 400, message, 'get');
    });

    it('answers 400 for a query parameter given twice, which API Gateway would silently reduce to one', async () => {
      // Prepare
      const event = httpEvent({ method: 'GET', path: '/get', query: { key: 'b' } });
      const twice = { ...event, multiValueQueryStringParameters: { key: ['a', 'b'] } };

      // Act
      const response = await handlers().get(twice, lambdaContext());

      // Assess
      expectError(response, 400, /query parameter "key" must be given once/, 'get');
    });

    it('answers 400 for a path key longer than MAX_KEY_BYTES', async () => {
      // Act
      const response = await getKey('k'.repeat(MAX_KEY_BYTES + 1));

      // Assess
      expectError(response, 400, /path parameter "key" must be at most 64 bytes/, 'getKey');
    });

    it('answers 400 for a PUT body that names the key, which belongs in the path', async () => {
      // Act
      const response = await put('k', JSON.stringify({ key: 'other', value: 'v' }));

      // Assess
      expectError(response, 400, /unknown field in the body: "key"; allowed: value, ttl/, 'putKey');
    });
  });

  describe('Status: 404, 405, 503 and 500', () => {
    it('answers 404 NOT_FOUND in the seed shape for a key never written', async () => {
      // Act
      const response = await getKey('never-written');

      // Assess
      expect(response.statusCode).toBe(404);
      expect(jsonOf(response)).toEqual({ status: 'NOT_FOUND' });
      expect(checkResponse('getKey', 404, jsonOf(response))).toBe('');
    });

    it.each([
      ['DELETE', '/set', '/set', 'POST'],
      ['PATCH', '/kv/{key}', '/kv/city', 'PUT, GET, DELETE'],
      ['POST', '/get', '/get', 'GET'],
    ])('answers 405 with Allow for %s %s', async (method, resource, path, allow) => {
      // Act
      const response = await handlers().methodNotAllowed({ ...httpEvent({ method, path }), resource }, lambdaContext());

      // Assess
      expectError(response, 405, new RegExp(`method ${method} is not allowed on ${resource.replace(/[{}]/g, '\\$&')}`));
      expect(response.headers?.Allow).toBe(allow);
    });

    it.each([
      ['GET', '/nope'],
      ['PUT', '/kv/'],
      ['DELETE', '/'],
    ])('answers 404 for %s %s, a path no route serves, listing the routes', async (method, path) => {
      // Act
      const response = await handlers().notFound({ ...httpEvent({ method, path }), resource: '/{proxy+}' }, lambdaContext());

      // Assess
      expect(response.statusCode).toBe(404);
      expect(jsonOf(response)).toEqual({
        status: 'ERROR',
        error: `no route for ${method} ${path}; routes: POST /set, GET /get, PUT /kv/{key}, GET /kv/{key}, DELETE /kv/{key}, GET /health`,
        requestId: 'test-request',
      });
    });

    it.each([
      ['GET', () => handlers().getKey, 'getKey'],
      ['DELETE', () => handlers().deleteKey, 'deleteKey'],
    ] as const)('answers 400 naming the key when %s /kv/{key} arrives without one', async (method, handler, operationId) => {
      // Act
      const response = await handler()(httpEvent({ method, path: '/kv/' }), lambdaContext());

      // Assess
      expectError(response, 400, /"key"/, operationId);
    });

    it('gives every trace entry the same keys, version null where a replica holds none', async () => {
      // Prepare: a key on no replica, then on all.
      const missing = jsonOf(await getKey('traced', { trace: '1', consistency: 'all' }));
      await put('traced', JSON.stringify({ value: 'v' }));

      // Act
      const found = jsonOf(await getKey('traced', { trace: '1', consistency: 'all' }));
      const written = jsonOf(await put('traced', JSON.stringify({ value: 'w' }), { query: { trace: '1' } }));

      // Assess
      for (const body of [missing, found, written]) {
        for (const entry of body.nodes as Record<string, unknown>[]) {
          expect(Object.keys(entry).slice(0, 4)).toEqual(['node', 'outcome', 'ms', 'version']);
          expect(entry.version === null || typeof entry.version === 'string').toBe(true);
        }
      }
      expect((missing.nodes as { outcome: string; version: unknown }[]).map((n) => [n.outcome, n.version])).toEqual(
        Array(3).fill(['missing', null]),
      );
      expect(checkResponse('getKey', 404, missing)).toBe('');
      expect(checkResponse('getKey', 200, found)).toBe('');
      expect(checkResponse('putKey', 200, written)).toBe('');
    });

    it('answers 400 on GET /kv/{key} for an unknown strategy, naming the allowed ones', async () => {
      // Act
      const response = await getKey('k', { strategy: 'HEDGED!' });

      // Assess
      expectError(response, 400, /query parameter "strategy" must be one of race, hedged/, 'getKey');
    });

    it('traces a hedged read with the replicas it did not need to ask as not-sent, in the documented shape', async () => {
      // Prepare
      await put('hedged', JSON.stringify({ value: 'v' }));

      // Act: a reply slower than the 1 ms hedge floor on a loaded machine hedges; a healthy one leaves two not sent.
      const traced = await vi.waitFor(async () => {
        const body = jsonOf(await getKey('hedged', { trace: '1', strategy: 'hedged' }));
        expect((body.nodes as { outcome: string }[]).map((n) => n.outcome).sort()).toEqual(['found', 'not-sent', 'not-sent']);
        return body;
      });
      const viaGet = jsonOf(await get({ key: 'hedged', strategy: 'hedged', consistency: 'quorum', trace: '1' }));

      // Assess
      expect(traced.value).toBe('v');
      const notSent = (traced.nodes as { outcome: string; sent_ms: unknown }[]).filter((n) => n.outcome === 'not-sent');
      expect(notSent.map((n) => n.sent_ms)).toEqual([null, null]);
      expect(checkResponse('getKey', 200, traced)).toBe('');
      expect(viaGet.value).toBe('v');
      expect(checkResponse('get', 200, viaGet)).toBe('');
    });

    it('answers 503 FAIL in the seed shape when a read at level all cannot reach every replica', async () => {
      // Prepare
      await put('level', JSON.stringify({ value: 'v' }));
      await cluster().nodes[2]!.kill();

      try {
        // Act
        const response = await getKey('level', { consistency: 'all' });

        // Assess
        expect(response.statusCode).toBe(503);
        expect(jsonOf(response)).toMatchObject({ status: 'FAIL', error: expect.stringMatching(/read quorum not reached/) });
        expect(checkResponse('getKey', 503, jsonOf(response))).toBe('');
      } finally {
        await cluster().nodes[2]!.start();
      }
    });

    it('answers 500 for a bug with the request id and no message or stack', async () => {
      // Prepare: a handler with a genuine bug behind the same error middleware.
      const buggy = middy<HttpEvent, HttpResult>()
        .use(httpErrorResponse())
        .handler(async (event) => {
          const missing = (event.pathParameters as unknown as { nested: { key: string } }).nested;
          return { statusCode: 200, body: missing.key };
        });

      // Act
      const response = await buggy(httpEvent({ method: 'GET', path: '/kv/x', pathParameters: { key: 'x' } }), lambdaContext());

      // Assess
      expect(response.statusCode).toBe(500);
      expect(jsonOf(response)).toEqual({ status: 'ERROR', error: 'internal error', requestId: 'test-request' });
      expect(response.body).not.toMatch(/TypeError|nested|at /);
    });
  });

  describe('Isolation: internal keys are out of reach', () => {
    it('stores a user key that looks internal at !!..., leaving the internal key untouched', async () => {
      // Prepare: an internal record the coordinator keeps, as the rollback would leave it.
      await flushAll(cluster());
      const client = directClient(cluster().nodes[0]!);
      await client.hset('!qkv:undo:x', 'value', 'internal', 'version', '1795800000000.00000.0000000001');

      // Act
      const written = await put('!qkv:undo:x', JSON.stringify({ value: 'from a client' }));
      const setByBody = await set(JSON.stringify({ key: '!qkv:rolledback:y', value: 'v' }));
      const internal = await client.hgetall('!qkv:undo:x');
      const user = await storedFields(client, '!!qkv:undo:x');
      const rolledBackUser = (await storedFields(client, '!!qkv:rolledback:y')).value;
      const rolledBackInternal = await client.exists('!qkv:rolledback:y');
      client.disconnect();

      // Assess
      expect(written.statusCode).toBe(200);
      expect(setByBody.statusCode).toBe(200);
      expect(internal).toEqual({ value: 'internal', version: '1795800000000.00000.0000000001' });
      expect(user.value).toBe('from a client');
      expect(rolledBackUser).toBe('v');
      expect(rolledBackInternal).toBe(0);
    });

    it('neither reads nor deletes an internal key named through the API', async () => {
      // Prepare
      await flushAll(cluster());
      const seeded = cluster().nodes.map(async (node) => {
        const client = directClient(node);
        await client.hset('!qkv:rolledback:z', 'value', 'internal', 'version', '1795800000000.00000.0000000001');
        client.disconnect();
      });
      await Promise.all(seeded);
      const before = await settledSnapshot(cluster());

      // Act
      const readByPath = await getKey('!qkv:rolledback:z');
      const readByQuery = await get({ key: '!qkv:rolledback:z' });
      const deleted = await deleteKey('!qkv:rolledback:z');
      const after = await settledSnapshot(cluster());

      // Assess
      expect(readByPath.statusCode).toBe(404);
      expect(readByQuery.statusCode).toBe(404);
      expect(deleted.statusCode).toBe(200);
      for (const [i, node] of after.entries()) expect(node['!qkv:rolledback:z']).toBe(before[i]!['!qkv:rolledback:z']);
      // The delete went to the user key's place, on at least a write quorum of replicas.
      const tombstone = /^string "qkv1 \d{13}\.\d{5}\.\d{10} t /;
      expect(after.filter((node) => tombstone.test(node['!!qkv:rolledback:z'] ?? '')).length).toBeGreaterThanOrEqual(2);
    });
  });
});
