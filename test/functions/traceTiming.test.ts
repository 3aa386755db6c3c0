import { describe, expect, it, vi } from 'vitest';
import type { HttpResult } from '../../functions/http/events';
import { httpEvent, lambdaContext, type HttpEventParts } from '../../tools/apiGatewayEvents';
import { jsonOf, useHandlers, type HttpHandler } from '../support/handlers';
import { loadOpenApi, responseChecker } from '../support/openApi';
import { directClient, useRedisCluster } from '../support/redisCluster';

/** One `nodes` entry of a trace, with the timing fields of the trace contract. */
interface Entry {
  node: string;
  outcome: string;
  ms: number;
  version: string | null;
  sent_ms?: number | null;
  first?: boolean;
}

/** A traced answer's body. */
interface Traced {
  status: string;
  nodes: Entry[];
  elapsed_ms: number;
  quorum_ms?: number;
  attempts?: number;
}

const NODE_TIMEOUT_MS = 200;
const JSON_HEADERS = { 'content-type': 'application/json' };

describe('Trace timing: ?trace=1 through the handlers, against real Redis', () => {
  const cluster = useRedisCluster({ count: 3 });
  const handlers = useHandlers(cluster, { NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS) });
  const checkResponse = responseChecker(loadOpenApi());

  const call = (handler: HttpHandler, parts: HttpEventParts): Promise<HttpResult> => handler(httpEvent(parts), lambdaContext());
  const put = async (key: string, value: string, query: Record<string, string> = {}): Promise<{ status: number; body: Traced }> => {
    const response = await call(handlers().putKey, {
      method: 'PUT',
      path: `/kv/${key}`,
      pathParameters: { key },
      body: JSON.stringify({ value }),
      headers: JSON_HEADERS,
      query: { trace: '1', ...query },
    });
    const body = jsonOf(response) as unknown as Traced;
    expect(checkResponse('putKey', response.statusCode, body)).toBe('');
    return { status: response.statusCode, body };
  };
  const getKey = async (key: string, consistency: string): Promise<{ status: number; body: Traced }> => {
    const response = await call(handlers().getKey, {
      method: 'GET',
      path: `/kv/${key}`,
      pathParameters: { key },
      query: { trace: '1', consistency },
    });
    const body = jsonOf(response) as unknown as Traced;
    expect(checkResponse('getKey', response.statusCode, body)).toBe('');
    return { status: response.statusCode, body };
  };
  const nodeName = (index: number): string => `127.0.0.1:${cluster().nodes[index]!.port}`;
  /** Waits until a write reaches every replica again (after a fault), so that the next test starts healthy. */
  const untilAllApply = (): Promise<unknown> =>
    vi.waitFor(
      async () => {
        const { body } = await put('probe', 'p', { consistency: 'all' });
        expect(body.nodes.map((entry) => entry.outcome)).toEqual(['applied', 'applied', 'applied']);
      },
      { timeout: 10_000, interval: 50 },
    );

  it('times a write: every replica sent at the start, answered before the coordinator, the quorum at the W-th acknowledgement', async () => {
    // Act
    const { status, body } = await put('timed', 'v');

    // Assess
    expect(status).toBe(200);
    expect(body.attempts).toBe(1);
    expect(body.quorum_ms).toBeGreaterThanOrEqual(0);
    expect(body.quorum_ms!).toBeLessThanOrEqual(body.elapsed_ms);
    for (const entry of body.nodes) {
      expect(entry.sent_ms).toBeGreaterThanOrEqual(0);
      expect(entry.sent_ms!).toBeLessThanOrEqual(body.quorum_ms!);
      expect(entry.first).toBeUndefined();
    }
    const applied = body.nodes.filter((entry) => entry.outcome === 'applied');
    expect(applied.length).toBeGreaterThanOrEqual(2);
    // The quorum is the second acknowledgement: no sooner than the second-fastest answer.
    const answeredAt = applied.map((entry) => entry.sent_ms! + entry.ms).sort((a, b) => a - b);
    expect(answeredAt[1]!).toBeLessThanOrEqual(body.quorum_ms! + 0.01);
    for (const at of answeredAt) expect(at).toBeLessThanOrEqual(body.elapsed_ms + 0.01);
  });

  it('marks the replica a level-one read answered with as first, and gives such a read no quorum time', async () => {
    // Prepare
    await put('raced', 'v', { consistency: 'all' });

    // Act
    const { status, body } = await getKey('raced', 'one');

    // Assess
    expect(status).toBe(200);
    const first = body.nodes.filter((entry) => entry.first === true);
    expect(first).toHaveLength(1);
    expect(first[0]!.outcome).toBe('found');
    expect(first[0]!.sent_ms! + first[0]!.ms).toBeLessThanOrEqual(body.elapsed_ms + 0.01);
    expect(body.quorum_ms).toBeUndefined();
  });

  it('gives a quorum read its quorum time (the R-th reply) and no first', async () => {
    // Prepare
    await put('certified', 'v', { consistency: 'all' });

    // Act
    const { status, body } = await getKey('certified', 'quorum');

    // Assess
    expect(status).toBe(200);
    expect(body.quorum_ms).toBeGreaterThanOrEqual(0);
    expect(body.quorum_ms!).toBeLessThanOrEqual(body.elapsed_ms);
    expect(body.nodes.some((entry) => entry.first !== undefined)).toBe(false);
    const replied = body.nodes.filter((entry) => entry.outcome === 'found').map((entry) => entry.sent_ms! + entry.ms);
    expect(replied.length).toBeGreaterThanOrEqual(2);
    expect(replied.sort((a, b) => a - b)[1]!).toBeLessThanOrEqual(body.quorum_ms! + 0.01);
  });

  it('shows a paused replica as pending with its send time in a write, and as a timeout in a read that waits for it', async () => {
    // Prepare
    const paused = cluster().nodes[2]!;
    paused.pause();
    try {
      // Act
      const written = await put('paused', 'v');
      const read = await getKey('paused', 'all');

      // Assess: the write answered at the quorum, without the paused replica.
      expect(written.status).toBe(200);
      const pending = written.body.nodes.find((entry) => entry.node === nodeName(2))!;
      expect(pending).toMatchObject({ outcome: 'pending', ms: 0 });
      expect(pending.sent_ms).toBeGreaterThanOrEqual(0);
      expect(pending.sent_ms!).toBeLessThanOrEqual(written.body.quorum_ms!);
      // The read at level all waited for it, a node timeout, then answered 503 with the same timeline fields.
      expect(read.status).toBe(503);
      const timedOut = read.body.nodes.find((entry) => entry.node === nodeName(2))!;
      expect(timedOut.outcome).toBe('timeout');
      expect(timedOut.sent_ms).toBeGreaterThanOrEqual(0);
      expect(timedOut.ms).toBeGreaterThanOrEqual(NODE_TIMEOUT_MS * 0.9);
      expect(read.body.elapsed_ms).toBeGreaterThanOrEqual(timedOut.sent_ms! + timedOut.ms - 0.01);
      expect(read.body.quorum_ms).toBeUndefined();
    } finally {
      paused.resume();
    }
    await untilAllApply();
  });

  it('carries the timeline in a failed write\'s 503: the timeout with its send time, the elapsed time, no quorum', async () => {
    // Prepare
    const paused = cluster().nodes[0]!;
    paused.pause();
    try {
      // Act
      const { status, body } = await put('unreached', 'v', { consistency: 'all' });

      // Assess
      expect(status).toBe(503);
      expect(body.status).toBe('FAIL');
      expect(body.attempts).toBe(1);
      expect(body.quorum_ms).toBeUndefined();
      const timedOut = body.nodes.find((entry) => entry.node === nodeName(0))!;
      expect(timedOut.outcome).toBe('timeout');
      expect(timedOut.sent_ms).toBeGreaterThanOrEqual(0);
      expect(body.elapsed_ms).toBeGreaterThanOrEqual(timedOut.sent_ms! + timedOut.ms - 0.01);
    } finally {
      paused.resume();
    }
    await untilAllApply();
  });

  it('counts the attempts of a write re-issued above a newer version, the last attempt sent after the first answered', async () => {
    // Prepare: every replica holds the key at a version a minute ahead of the replicas' clock (so the first attempt
    // lands nowhere and is issued again above it).
    const ahead = `${String(Date.now() + 60_000).padStart(13, '0')}.00000.0000000007`;
    for (const node of cluster().nodes) {
      const client = directClient(node);
      await client.hset('ahead', 'value', 'future', 'version', ahead);
      client.disconnect();
    }

    // Act
    const { status, body } = await put('ahead', 'now');

    // Assess: the trace shows the last attempt, sent once the first had been refused.
    expect(status).toBe(200);
    expect(body.attempts).toBe(2);
    expect(body.nodes.filter((entry) => entry.outcome === 'applied').length).toBeGreaterThanOrEqual(2);
    for (const entry of body.nodes) expect(entry.sent_ms).toBeGreaterThan(0);
    expect(body.quorum_ms!).toBeLessThanOrEqual(body.elapsed_ms);
  });

  it('gives a replica skipped by its open breaker a null send time: it was never sent the write', async () => {
    // Prepare: a paused replica times out on every write until its breaker opens.
    const paused = cluster().nodes[1]!;
    paused.pause();
    try {
      // Act
      const body = await vi.waitFor(
        async () => {
          const { body } = await put('breaker', 'v');
          expect(body.nodes.find((entry) => entry.node === nodeName(1))?.outcome).toBe('skipped');
          return body;
        },
        { timeout: 10_000, interval: 50 },
      );

      // Assess
      const skipped = body.nodes.find((entry) => entry.node === nodeName(1))!;
      expect(skipped.sent_ms).toBeNull();
      expect(skipped.ms).toBe(0);
    } finally {
      paused.resume();
    }
    await untilAllApply();
  });
});
