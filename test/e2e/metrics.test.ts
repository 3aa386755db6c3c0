import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServerlessOffline } from '../../tools/serverlessOffline';
import { useRedisCluster } from '../support/redisCluster';
import type { RunningOffline } from '../support/serverlessOffline';

/** The JSON lines an offline printed (its handlers' log lines and EMF blobs among them). */
function jsonLines(offline: RunningOffline): Record<string, unknown>[] {
  return offline
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

const writeFailedLine = (offline: RunningOffline): Record<string, unknown> | undefined =>
  jsonLines(offline).find((line) => line.message === 'write failed');

describe('End to end: metrics under serverless offline', () => {
  const cluster = useRedisCluster({ count: 3 });
  // WARN: the write's failure is logged (the test runner's environment silences the logs).
  const env = (): Record<string, string> => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200', POWERTOOLS_LOG_LEVEL: 'WARN' });
  // Two offlines, started side by side: one as by default, one asked for EMF.
  let offlines: RunningOffline[] = [];
  beforeAll(async () => {
    const started = await Promise.allSettled([startServerlessOffline(env()), startServerlessOffline({ ...env(), POWERTOOLS_METRICS_DISABLED: 'false' })]);
    offlines = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  });
  afterAll(async () => {
    await Promise.all(offlines.map((offline) => offline.stop()));
  });
  const silent = (): RunningOffline => offlines[0]!;
  const emitting = (): RunningOffline => offlines[1]!;
  afterEach(() => {
    for (const node of cluster().nodes) node.resume();
  });

  const failWrite = (offline: RunningOffline): Promise<Response> =>
    offline.fetch('/set', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'k', value: 'v' }) });

  it('prints no EMF by default, and EMF with the failed quorum when POWERTOOLS_METRICS_DISABLED=false asks', async () => {
    // Prepare
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();

    // Act
    const [quiet, loud] = await Promise.all([failWrite(silent()), failWrite(emitting())]);

    // Assess: both answered 503 and logged it with the invocation's request id; only the one asked for printed EMF.
    expect([quiet.status, loud.status]).toEqual([503, 503]);
    await vi.waitFor(() => expect(writeFailedLine(silent())).toBeDefined(), { timeout: 10_000 });
    await vi.waitFor(() => expect(jsonLines(emitting()).some((line) => line.WriteQuorumFailures === 1)).toBe(true), { timeout: 10_000 });
    expect(writeFailedLine(silent())).toMatchObject({ function_request_id: expect.any(String), cold_start: expect.any(Boolean), function_name: expect.stringMatching(/set/) });
    expect(silent().output()).not.toContain('"_aws"');
    const blob = jsonLines(emitting()).find((line) => line.WriteQuorumFailures === 1)!;
    expect(blob).toMatchObject({
      service: 'quorum-kv',
      _aws: { CloudWatchMetrics: [{ Namespace: 'quorum-kv/dev', Dimensions: [['service']], Metrics: [{ Name: 'WriteQuorumFailures', Unit: 'Count' }] }] },
    });
    const paused = [cluster().nodes[1]!, cluster().nodes[2]!].map((node) => new URL(node.url).host).sort();
    const timedOut = (): unknown[] => [...new Set(jsonLines(emitting()).filter((line) => line.NodeTimeouts !== undefined).map((line) => line.replica))].sort();
    await vi.waitFor(() => expect(timedOut()).toEqual(paused), { timeout: 10_000 });
  });
});
