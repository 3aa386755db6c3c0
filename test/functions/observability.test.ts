import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

// Set before the logger and Powertools Metrics load (they read these when created): INFO lines, EMF on, and
// POWERTOOLS_DEV so both write through the global console, their documented way to be observed in tests. Powertools
// reports a cold start only where the Lambda runtime says the container was started on demand, as it does here.
vi.hoisted(() => {
  process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'quorum-kv/test';
});

import type { Context } from 'aws-lambda';
import { httpEvent, lambdaContext } from '../../tools/apiGatewayEvents';
import { blobsWith, emfBlobs } from '../support/emf';
import { useHandlers } from '../support/handlers';
import { useRedisCluster } from '../support/redisCluster';

/** A Lambda context for one invocation, with its own request id. */
const contextFor = (awsRequestId: string): Context => ({ ...lambdaContext(), awsRequestId, functionName: 'quorum-kv-test-set' });

const setEvent = (key: string, value: string) =>
  httpEvent({ method: 'POST', path: '/set', body: JSON.stringify({ key, value }), headers: { 'content-type': 'application/json' } });

/** The structured log lines a console spy saw (the logger writes one JSON document per line, pretty in dev mode). */
function logLines(...spies: MockInstance[]): Record<string, unknown>[] {
  return spies.flatMap((spy) => spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>));
}

describe('Handlers: Lambda context in every log line, metrics flushed per invocation', () => {
  const cluster = useRedisCluster({ count: 3 });
  const handlers = useHandlers(cluster);
  let info: MockInstance;
  let warn: MockInstance;
  let log: MockInstance;
  beforeEach(() => {
    info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const node of cluster().nodes) node.resume();
  });

  it('gives every line of an invocation its request id and cold_start, true on the first invocation only', async () => {
    // Act
    const first = await handlers().set(setEvent('a', '1'), contextFor('request-1'));
    const linesOfFirst = logLines(info, warn);
    info.mockClear();
    const second = await handlers().set(setEvent('b', '2'), contextFor('request-2'));
    const linesOfSecond = logLines(info, warn);

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(linesOfFirst.map((line) => line.message)).toContain('write');
    for (const line of linesOfFirst) {
      expect(line).toMatchObject({ function_request_id: 'request-1', cold_start: true, function_name: 'quorum-kv-test-set', service: 'quorum-kv' });
    }
    expect(linesOfSecond.length).toBeGreaterThan(0);
    for (const line of linesOfSecond) expect(line).toMatchObject({ function_request_id: 'request-2', cold_start: false });
    // The container's first invocation also counts a cold start, by function name.
    expect(blobsWith(emfBlobs(log), 'ColdStart')).toEqual([
      expect.objectContaining({ ColdStart: 1, function_name: 'quorum-kv-test-set', service: 'quorum-kv' }),
    ]);
  });

  it('counts a write answered 503 (two nodes paused) in the EMF written at the end of that invocation', async () => {
    // Prepare
    const warm = await handlers().set(setEvent('k', 'v0'), contextFor('request-warm'));
    // A read from every replica: each connection has answered everything sent before it (so no reply of the warm-up
    // write is still in flight when the nodes are paused).
    const readAll = await handlers().get(httpEvent({ method: 'GET', path: '/get', query: { key: 'k', consistency: 'all' } }), contextFor('request-all'));
    expect([warm.statusCode, readAll.statusCode]).toEqual([200, 200]);
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();
    log.mockClear();
    warn.mockClear();

    // Act
    const response = await handlers().set(setEvent('k', 'v1'), contextFor('request-503'));

    // Assess: the answer, the warning with the request id, and the metrics written by the time the handler returns.
    expect(response.statusCode).toBe(503);
    expect(logLines(warn)).toContainEqual(expect.objectContaining({ message: 'write failed', function_request_id: 'request-503' }));
    const blobs = emfBlobs(log);
    expect(blobsWith(blobs, 'WriteQuorumFailures')).toEqual([
      expect.objectContaining({ WriteQuorumFailures: 1, service: 'quorum-kv', _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: 'quorum-kv/test', Dimensions: [['service']] })] }) }),
    ]);
    const timedOut = blobsWith(blobs, 'NodeTimeouts').map((blob) => blob.replica);
    expect(timedOut.sort()).toEqual([cluster().nodes[1]!, cluster().nodes[2]!].map((node) => new URL(node.url).host).sort());
  });
});
