import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpResult } from '../../functions/http/events';
import { httpEvent, lambdaContext, type HttpEventParts } from '../../tools/apiGatewayEvents';
import { requestArbitraries } from '../support/fuzzArbitraries';
import { jsonOf, useHandlers, type Handlers } from '../support/handlers';
import { directClient, flushAll, useRedisCluster } from '../support/redisCluster';
import { settledSnapshot, snapshotStore } from '../support/storeSnapshot';

const LIMITS = { maxKeyBytes: 64, maxValueBytes: 2_048 };
/** Far above any healthy call (a few ms), far below a hang. */
const CALL_BOUND_MS = 5_000;
const STATUSES = [200, 400, 404, 405, 413, 415];
const RUNS = { routes: 300, writes: 300, encodings: 200, internal: 200 };

const cases = { total: 0, byStatus: new Map<number, number>() };

/** Runs a handler call, failing (instead of hanging the suite) when it does not answer within the bound. */
async function bounded(call: Promise<HttpResult>): Promise<HttpResult> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CALL_BOUND_MS} ms`)), CALL_BOUND_MS);
  });
  try {
    const response = await Promise.race([call, hang]);
    cases.total += 1;
    cases.byStatus.set(response.statusCode, (cases.byStatus.get(response.statusCode) ?? 0) + 1);
    return response;
  } finally {
    clearTimeout(timer);
  }
}

describe('Fuzz: every handler in-process, against real Redis', () => {
  const cluster = useRedisCluster({ count: 3 });
  // A long node timeout keeps the rollback window (20 × timeout) above the suite's length, so no undo record
  // expires between the two snapshots of a case.
  const handlers = useHandlers(cluster, {
    NODE_TIMEOUT_MS: '3000',
    MAX_KEY_BYTES: String(LIMITS.maxKeyBytes),
    MAX_VALUE_BYTES: String(LIMITS.maxValueBytes),
  });
  const arbitraries = requestArbitraries(LIMITS);

  beforeEach(async () => {
    await flushAll(cluster());
  });

  afterAll(() => {
    const statuses = [...cases.byStatus.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
    console.log(`[fuzz] in-process: ${cases.total} handler calls (${statuses.join(', ')})`);
  });

  type Route = keyof Handlers;
  const routeParts: Record<Route, { method: string; path: (key: string) => string; pathKey: boolean }> = {
    set: { method: 'POST', path: () => '/set', pathKey: false },
    get: { method: 'GET', path: () => '/get', pathKey: false },
    putKey: { method: 'PUT', path: (key) => `/kv/${key}`, pathKey: true },
    getKey: { method: 'GET', path: (key) => `/kv/${key}`, pathKey: true },
    deleteKey: { method: 'DELETE', path: (key) => `/kv/${key}`, pathKey: true },
    methodNotAllowed: { method: 'PATCH', path: () => '/set', pathKey: false },
    notFound: { method: 'PUT', path: (key) => `/nope/${key}`, pathKey: false },
  };

  const anyRequest = fc.record({
    route: fc.constantFrom<Route>('set', 'get', 'putKey', 'getKey', 'deleteKey', 'methodNotAllowed', 'notFound'),
    method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), { nil: undefined }),
    key: fc.option(arbitraries.key, { nil: undefined }),
    body: arbitraries.body,
    headers: arbitraries.headers,
    query: arbitraries.query,
    duplicateQuery: fc.boolean(),
  });
  type AnyRequest = typeof anyRequest extends fc.Arbitrary<infer T> ? T : never;

  const send = (request: AnyRequest): Promise<HttpResult> => {
    const route = routeParts[request.route];
    const parts: HttpEventParts = {
      method: request.method ?? route.method,
      path: route.path(request.key ?? ''),
      body: request.body.body,
      isBase64Encoded: request.body.isBase64Encoded,
      headers: request.headers,
      ...(request.query === undefined ? {} : { query: request.query }),
      ...(route.pathKey && request.key !== undefined ? { pathParameters: { key: request.key } } : {}),
    };
    const event = httpEvent(parts);
    const multi = request.duplicateQuery && request.query !== undefined
      ? Object.fromEntries(Object.entries(request.query).map(([name, value]) => [name, [value, value]]))
      : null;
    return bounded(handlers()[request.route]({ ...event, multiValueQueryStringParameters: multi }, lambdaContext()));
  };

  /** The properties every answer must have: a known status (never 5xx), a JSON body of the documented shape. */
  const expectWellFormed = (response: HttpResult): Record<string, unknown> => {
    expect(STATUSES).toContain(response.statusCode);
    const body = jsonOf(response);
    if (response.statusCode >= 400 && response.statusCode !== 404) {
      expect(body).toEqual({ status: 'ERROR', error: expect.any(String), requestId: 'test-request' });
    }
    return body;
  };

  it(`answers every request to every route with a known status, never 5xx, in time, and changes nothing when it refuses (${RUNS.routes} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(anyRequest, async (request) => {
        // Prepare
        const before = await settledSnapshot(cluster());

        // Act
        const response = await send(request);

        // Assess
        expectWellFormed(response);
        if (response.statusCode >= 400) expect(await snapshotStore(cluster())).toEqual(before);
      }),
      { numRuns: RUNS.routes },
    );
  }, 120_000);

  it(`stores exactly what an accepted write carried and nothing for a refused one (${RUNS.writes} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('set' as const, 'putKey' as const),
        arbitraries.writeBody,
        fc.option(arbitraries.key, { nil: undefined }),
        async (route, body, pathKey) => {
          // Prepare
          const before = await settledSnapshot(cluster());
          const key = route === 'set' ? (body as { key?: unknown }).key : pathKey;

          // Act
          const response = await send({
            route,
            method: undefined,
            key: typeof key === 'string' ? key : undefined,
            body: { body: JSON.stringify(body), isBase64Encoded: false },
            headers: { 'content-type': 'application/json' },
            query: undefined,
            duplicateQuery: false,
          });

          // Assess
          expectWellFormed(response);
          if (response.statusCode === 200) {
            const read = await bounded(
              handlers().get(httpEvent({ method: 'GET', path: '/get', query: { key: key as string, consistency: 'all' } }), lambdaContext()),
            );
            expect(jsonOf(read).value).toBe((body as { value: string }).value);
          } else {
            expect(await snapshotStore(cluster())).toEqual(before);
          }
        },
      ),
      { numRuns: RUNS.writes },
    );
  }, 120_000);

  it(`refuses bodies in any encoding or content type without a 5xx or a change to the store (${RUNS.encodings} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('set' as const, 'putKey' as const), arbitraries.body, arbitraries.headers, async (route, body, headers) => {
        // Prepare
        const before = await settledSnapshot(cluster());

        // Act
        const response = await send({ route, method: undefined, key: 'enc', body, headers, query: undefined, duplicateQuery: false });

        // Assess
        expectWellFormed(response);
        if (response.statusCode >= 400) expect(await snapshotStore(cluster())).toEqual(before);
      }),
      { numRuns: RUNS.encodings },
    );
  }, 120_000);

  it(`never reads, writes or deletes an internal key, whatever the key string (${RUNS.internal} cases)`, async () => {
    // Prepare: internal records on every replica, under names a client might try.
    const internal = ['!qkv:undo:x', '!qkv:rolledback:k', '!qkv:', '!qkv:hint:a', '!qkv:cursor'];
    await Promise.all(
      cluster().nodes.map(async (node) => {
        const client = directClient(node);
        for (const key of internal) await client.hset(key, 'value', 'internal', 'version', '1795800000000.00000.0000000001');
        client.disconnect();
      }),
    );
    const seededOnly = (snapshot: Record<string, string>[]): Record<string, string>[] =>
      snapshot.map((node) => Object.fromEntries(Object.entries(node).filter(([key]) => internal.includes(key))));
    const before = seededOnly(await snapshotStore(cluster()));

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('set' as const, 'get' as const, 'putKey' as const, 'getKey' as const, 'deleteKey' as const),
        fc.oneof(fc.constantFrom(...internal), arbitraries.key.map((key) => `!qkv:${key}`)),
        async (route, key) => {
          // Act
          const response = await send({
            route,
            method: undefined,
            key,
            body: { body: JSON.stringify(route === 'set' ? { key, value: 'from a client' } : { value: 'from a client' }), isBase64Encoded: false },
            headers: {},
            query: route === 'get' ? { key } : undefined,
            duplicateQuery: false,
          });

          // Assess: writes land at !!qkv:...; internal keys never change. The
          // only new internal keys are the coordinator's own undo records of those user keys.
          const body = expectWellFormed(response);
          // A read finds nothing, or what a client wrote under that name: never the internal record's content.
          if (response.statusCode === 200 && 'value' in body) expect(body.value).toBe('from a client');
          const after = await settledSnapshot(cluster());
          expect(seededOnly(after)).toEqual(before);
          const created = after.flatMap((node) => Object.keys(node)).filter((name) => name.startsWith('!qkv:') && !internal.includes(name));
          for (const name of created) expect(name).toMatch(/^!qkv:undo:\d{13}\.\d{5}\.\d{10}:!!qkv:/s);
        },
      ),
      { numRuns: RUNS.internal },
    );
  }, 120_000);
});
