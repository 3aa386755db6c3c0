import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

// Powertools' documented way to test Metrics: with POWERTOOLS_DEV=true it writes EMF through the global console (so
// a spy sees it), and POWERTOOLS_METRICS_DISABLED=false keeps it on despite dev mode. Set before Powertools loads.
vi.hoisted(() => {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

import { CloudWatchMetrics, Coordinator, loadConfig, QuorumNotReachedError, ReplicaPool } from '../../../lib';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { blobsWith, emfBlobs, metricTotal } from '../../support/emf';
import { useRedisCluster } from '../../support/redisCluster';

const NAMESPACE = 'quorum-kv/test';

describe('CloudWatchMetrics as a coordinator observer (real Redis)', () => {
  const cluster = useRedisCluster({ count: 3 });
  useCoordinators(cluster);
  let log: MockInstance;
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
  });

  it('turns a write that misses its quorum (two nodes paused) into valid EMF: one failure, a timeout per paused replica', async () => {
    // Prepare
    const metrics = new CloudWatchMetrics({ namespace: NAMESPACE });
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS) });
    const coordinator = new Coordinator(config, new ReplicaPool(config, undefined, metrics));
    await coordinator.whenClockCalibrated();
    await (await coordinator.set('k', 'v0')).settled;
    const paused = [cluster().nodes[1]!, cluster().nodes[2]!].map((node) => new URL(node.url).host);
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();

    // Act: one invocation, as the handler wrapper brackets it.
    metrics.beginInvocation();
    const error = await coordinator.set('k', 'v1').catch((failure: unknown) => failure);
    metrics.endInvocation();
    await coordinator.close();

    // Assess
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    const blobs = emfBlobs(log);
    expect(blobsWith(blobs, 'WriteQuorumFailures')).toEqual([
      expect.objectContaining({ service: 'quorum-kv', WriteQuorumFailures: 1, _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Namespace: NAMESPACE, Dimensions: [['service']] })] }) }),
    ]);
    for (const replica of paused) expect(blobsWith(blobs, 'NodeTimeouts', replica).map((blob) => metricTotal(blob, 'NodeTimeouts'))).toEqual([1]);
    expect(blobs.some((blob) => JSON.stringify(blob).includes('"k"'))).toBe(false);
  });
});
