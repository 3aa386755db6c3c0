import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { requestArbitraries } from '../support/fuzzArbitraries';
import { directClient, flushAll, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';
import { settledSnapshot, snapshotStore } from '../support/storeSnapshot';
import type { LocalRedisCluster, LocalReplica } from '../../tools/localCluster';

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

/** A request body as raw bytes: the parts joined, each string as its UTF-8 and each number array as those bytes. */
function rawBody(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))));
}

/** The UTF-8 of U+FFFD, what a decoder that does not refuse invalid bytes puts in their place. */
const REPLACEMENT_CHARACTER = Buffer.from('\ufffd', 'utf8');

/** Every Redis key of every node as its raw bytes (hex, sorted), read directly: what ioredis would not decode. */
async function rawKeysByNode(cluster: LocalRedisCluster): Promise<string[][]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = directClient(node);
      try {
        return (await client.keysBuffer('*')).map((key) => key.toString('hex')).sort();
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** The value bytes of the entry string one node holds for a key (after its header line), read directly. */
async function storedValueBytes(node: LocalReplica, key: string): Promise<Buffer | undefined> {
  const client = directClient(node);
  try {
    const stored = await client.getBuffer(key);
    return stored?.subarray(stored.indexOf('\n') + 1);
  } finally {
    client.disconnect();
  }
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

  describe('Bytes that are not UTF-8', () => {
    // Each body is sent as raw bytes (a Buffer), so the bytes on the wire are exactly these.
    it.each([
      ['POST', '/set', 'in the key (FF FE)', rawBody('{"key":"', [0xff, 0xfe], '","value":"v"}')],
      ['POST', '/set', 'in the value (FF FE)', rawBody('{"key":"bytes-in-value","value":"', [0xff, 0xfe], '"}')],
      ['POST', '/set', 'in the key (a UTF-16 surrogate, ED A0 80)', rawBody('{"key":"', [0xed, 0xa0, 0x80], '","value":"v"}')],
      ['PUT', '/kv/bytes-in-value', 'in the value (FF FE)', rawBody('{"value":"', [0xff, 0xfe], '"}')],
      ['PUT', '/kv/bytes-in-value', 'in the value (an overlong slash, C0 AF)', rawBody('{"value":"a', [0xc0, 0xaf], 'b"}')],
      // A 4-byte sequence cut short is replaced by one U+FFFD of the same length: only the bytes tell them apart.
      ['PUT', '/kv/bytes-in-value', 'in the value (a truncated emoji, F0 9F 98)', rawBody('{"value":"', [0xf0, 0x9f, 0x98], '"}')],
    ])('refuses %s %s with bytes that are not UTF-8 %s: 400 JSON, and no replica changes', async (method, path, _where, body) => {
      // Prepare
      const before = await settledSnapshot(cluster());
      const keysBefore = await rawKeysByNode(cluster());

      // Act: with a JSON content type, and without one (as the seed's clients and curl --data-binary may send).
      const typed = await offline().fetch(path, { method, headers: json, body });
      const untyped = await offline().fetch(path, { method, body });

      // Assess: the replicas themselves, read directly: no key of U+FFFD characters, no key or value changed.
      for (const response of [typed, untyped]) {
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await response.json()).toEqual({ status: 'ERROR', error: 'request body is not valid UTF-8', requestId: expect.any(String) });
      }
      expect(await rawKeysByNode(cluster())).toEqual(keysBefore);
      for (const keys of await rawKeysByNode(cluster())) {
        for (const key of keys) expect(Buffer.from(key, 'hex').includes(REPLACEMENT_CHARACTER)).toBe(false);
      }
      expect(await snapshotStore(cluster())).toEqual(before);
    });

    it('stores a key and value of multi-byte UTF-8 (Korean, emoji, U+FFFD itself) sent as raw bytes exactly, on every replica', async () => {
      // Prepare
      const key = '키-🔑';
      const value = '안녕하세요 👋🏽 세계 \ufffd';
      const path = `/kv/${encodeURIComponent(key)}`;

      // Act: one with a JSON content type, one without any (read as JSON).
      const set = await offline().fetch('/set', { method: 'POST', headers: json, body: rawBody(JSON.stringify({ key, value })) });
      const put = await offline().fetch(`${path}-put`, { method: 'PUT', body: rawBody(JSON.stringify({ value })) });
      const readSet = await offline().fetch(`/get?key=${encodeURIComponent(key)}&consistency=all`);
      const readPut = await offline().fetch(`${path}-put?consistency=all`);

      // Assess: over HTTP, and on each replica directly, byte for byte.
      expect(set.status).toBe(200);
      expect(put.status).toBe(200);
      for (const read of [readSet, readPut]) {
        expect(read.status).toBe(200);
        expect(Buffer.from(((await read.json()) as { value: string }).value, 'utf8').equals(Buffer.from(value, 'utf8'))).toBe(true);
      }
      // A quorum write may answer before the last replica has applied it.
      await vi.waitFor(
        async () => {
          for (const keys of await rawKeysByNode(cluster())) {
            expect(keys).toEqual(expect.arrayContaining([key, `${key}-put`].map((stored) => Buffer.from(stored, 'utf8').toString('hex'))));
          }
          for (const node of cluster().nodes) {
            for (const stored of [key, `${key}-put`]) expect(await storedValueBytes(node, stored)).toEqual(Buffer.from(value, 'utf8'));
          }
        },
        { timeout: 5_000, interval: 50 },
      );
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
