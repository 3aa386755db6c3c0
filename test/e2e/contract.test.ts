import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { requestArbitraries } from '../support/fuzzArbitraries';
import { flushAll, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';
import { settledSnapshot, snapshotStore } from '../support/storeSnapshot';

/**
 * Percent-encodes a key for a URL path, byte by byte. A lone surrogate (which encodeURIComponent refuses) becomes its
 * three-byte generalised UTF-8 form, e.g. %ED%A0%80: invalid UTF-8 that a hostile client can send.
 */
function percentEncodePath(key: string): string {
  return [...key]
    .map((char) => {
      const code = char.charCodeAt(0);
      if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((byte) => `%${byte.toString(16).toUpperCase()}`).join('');
      }
      return encodeURIComponent(char);
    })
    .join('');
}

const LIMITS = { maxKeyBytes: 64, maxValueBytes: 2_048 };
const HTTP_FUZZ_RUNS = 300;
const CALL_BOUND_MS = 10_000;

describe('End to end: the contract over HTTP through serverless offline', () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({
    REDIS_NODES: cluster().redisNodes,
    NODE_TIMEOUT_MS: '3000',
    MAX_KEY_BYTES: String(LIMITS.maxKeyBytes),
    MAX_VALUE_BYTES: String(LIMITS.maxValueBytes),
  }));
  const json = { 'content-type': 'application/json' };
  let fuzzCalls = 0;

  afterAll(() => {
    console.log(`[fuzz] HTTP through serverless offline: ${fuzzCalls} requests`);
  });

  describe('Auth: API key', () => {
    it.each([
      ['without a key', {}],
      ['with a wrong key', { 'x-api-key': 'not-the-key-0000000000000' }],
    ])('refuses a request %s with 403 and stores nothing', async (_case, headers) => {
      // Prepare
      const before = await settledSnapshot(cluster());

      // Act
      const write = await fetch(`${offline().baseUrl}/set`, {
        method: 'POST',
        headers: { ...json, ...headers },
        body: JSON.stringify({ key: 'guarded', value: 'v' }),
      });
      const read = await fetch(`${offline().baseUrl}/kv/guarded`, { headers });

      // Assess
      expect([401, 403]).toContain(write.status);
      expect([401, 403]).toContain(read.status);
      expect(write.headers.get('content-type')).toMatch(/application\/json/);
      expect(await write.json()).toEqual({ message: 'Forbidden' });
      expect(await snapshotStore(cluster())).toEqual(before);
    });

    it('serves a request that carries the key in x-api-key', async () => {
      // Act
      const write = await offline().fetch('/set', { method: 'POST', headers: json, body: JSON.stringify({ key: 'guarded', value: 'v' }) });
      const read = await offline().fetch('/get?key=guarded');

      // Assess
      expect(write.status).toBe(200);
      expect(await read.json()).toMatchObject({ status: 'OK', value: 'v' });
    });
  });

  describe('Statuses over HTTP', () => {
    it.each([
      ['DELETE', '/set', 'POST'],
      ['PATCH', '/kv/city', 'PUT, GET, DELETE'],
      ['POST', '/get?key=city', 'GET'],
    ])('answers 405 JSON with Allow for %s %s', async (method, path, allow) => {
      // Act
      const response = await offline().fetch(path, { method, headers: json, body: method === 'DELETE' ? undefined : '{}' });

      // Assess
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(await response.json()).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/is not allowed/), requestId: expect.any(String) });
    });

    it('answers 415 JSON for a form body, which is what curl -d sends by default', async () => {
      // Act
      const response = await offline().fetch('/set', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({ key: 'k', value: 'v' }),
      });

      // Assess
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ status: 'ERROR', requestId: expect.any(String) });
    });

    it('answers 413 JSON for a value over MAX_VALUE_BYTES and 400 naming an unknown field', async () => {
      // Act
      const tooLarge = await offline().fetch('/kv/big', { method: 'PUT', headers: json, body: JSON.stringify({ value: 'x'.repeat(LIMITS.maxValueBytes + 1) }) });
      const unknown = await offline().fetch('/kv/big', { method: 'PUT', headers: json, body: JSON.stringify({ value: 'x', colour: 'red' }) });

      // Assess
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/at most 2048 bytes/) });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ error: expect.stringMatching(/unknown field in the body: "colour"/) });
    });

    it('round-trips a Unicode value byte for byte over HTTP', async () => {
      // Prepare
      const value = 'Grüße 世界 👩‍👩‍👧 e\u0301 \u0000 \ufeff';

      // Act
      const written = await offline().fetch('/kv/unicode%20%E2%9C%93', { method: 'PUT', headers: json, body: JSON.stringify({ value }) });
      const read = await offline().fetch('/kv/unicode%20%E2%9C%93');
      const raw = Buffer.from(await read.arrayBuffer());

      // Assess
      expect(written.status).toBe(200);
      expect(raw.includes(Buffer.from(JSON.stringify(value).slice(1, -1), 'utf8'))).toBe(true);
      expect(Buffer.from((JSON.parse(raw.toString('utf8')) as { value: string }).value, 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
    });
  });

  describe('Fuzz: HTTP requests', () => {
    const arbitraries = requestArbitraries(LIMITS);
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      route: fc.constantFrom('/set', '/get', '/kv/'),
      key: arbitraries.key,
      text: arbitraries.writeBody.map((body) => JSON.stringify(body)),
      bytes: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
      headers: arbitraries.headers,
      query: arbitraries.query,
    });

    it(`answers random requests with JSON and a status below 500, in time, and refusals change nothing (${HTTP_FUZZ_RUNS} cases)`, async () => {
      await flushAll(cluster());
      await fc.assert(
        fc.asyncProperty(request, async ({ method, route, key, text, bytes, headers, query }) => {
          // Prepare
          const before = await settledSnapshot(cluster());
          // Headers must be ISO-8859-1 to be sent at all; keep the printable ASCII ones.
          const sendable = Object.fromEntries(Object.entries(headers).filter(([name, value]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && /^[ -~]*$/.test(value)));
          const search = new URLSearchParams(query ?? {}).toString();
          const path = `${route === '/kv/' ? `/kv/${percentEncodePath(key)}` : route}${search === '' ? '' : `?${search}`}`;
          const body = method === 'GET' || method === 'OPTIONS' ? undefined : bytes === undefined ? text : Buffer.from(bytes);

          // Act
          const response = await offline().fetch(path, { method, headers: sendable, body, signal: AbortSignal.timeout(CALL_BOUND_MS) });
          const raw = await response.text();
          fuzzCalls += 1;

          // Assess
          expect(response.status).toBeLessThan(500);
          expect(() => JSON.parse(raw)).not.toThrow();
          if (response.status >= 400) expect(await snapshotStore(cluster())).toEqual(before);
        }),
        { numRuns: HTTP_FUZZ_RUNS },
      );
    }, 180_000);
  });
});
