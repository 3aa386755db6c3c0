import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { httpEvent, lambdaContext } from '../../tools/apiGatewayEvents';
import { useHandlers } from '../support/handlers';
import { useRedisCluster } from '../support/redisCluster';

const setEvent = (key: string, value: string) =>
  httpEvent({ method: 'POST', path: '/set', body: JSON.stringify({ key, value }), headers: { 'content-type': 'application/json' } });
const context = (): Context => ({ ...lambdaContext(), functionName: 'quorum-kv-test-set' });

describe('Handlers outside AWS Lambda, with POWERTOOLS_METRICS_DISABLED unset', () => {
  const cluster = useRedisCluster({ count: 3 });
  const handlers = useHandlers(cluster);
  let stdout: MockInstance;
  let consoleLog: MockInstance;
  beforeEach(() => {
    stdout = vi.spyOn(process.stdout, 'write');
    consoleLog = vi.spyOn(console, 'log');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const node of cluster().nodes) node.resume();
  });

  it('write no EMF, not even for a write answered 503, and turn Powertools Metrics off for the process', async () => {
    // Prepare
    expect(process.env.AWS_LAMBDA_INITIALIZATION_TYPE).toBeUndefined();
    const warm = await handlers().set(setEvent('k', 'v0'), context());
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();

    // Act
    const failed = await handlers().set(setEvent('k', 'v1'), context());

    // Assess
    expect([warm.statusCode, failed.statusCode]).toEqual([200, 503]);
    const written = [...stdout.mock.calls, ...consoleLog.mock.calls].map((args) => String(args[0]));
    expect(written.filter((line) => line.includes('"_aws"'))).toEqual([]);
    expect(process.env.POWERTOOLS_METRICS_DISABLED).toBe('true');
  });
});
