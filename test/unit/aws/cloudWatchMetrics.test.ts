import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';

// Powertools' documented way to test Metrics: with POWERTOOLS_DEV=true it writes EMF through the global console (so
// a spy sees it), and POWERTOOLS_METRICS_DISABLED=false keeps it on despite dev mode. Set before Powertools loads.
vi.hoisted(() => {
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});

import { CloudWatchMetrics, ConfigError, metricsDisabledSetting, STORE_METRICS } from '../../../lib';
import { emfBlobs, metricTotal } from '../../support/emf';

const NAMESPACE = 'quorum-kv/test';

describe('Function: metricsDisabledSetting', () => {
  it.each([
    ['in AWS Lambda', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' }, 'false'],
    ['under serverless offline', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', IS_OFFLINE: 'true' }, 'true'],
    ['under serverless invoke local', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', IS_LOCAL: 'true' }, 'true'],
    ['outside Lambda (tests, scripts)', {}, 'true'],
    ['outside Lambda, given an empty value (serverless.yml for "unset")', { POWERTOOLS_METRICS_DISABLED: '' }, 'true'],
    ['locally when asked for', { IS_OFFLINE: 'true', POWERTOOLS_METRICS_DISABLED: 'false' }, 'false'],
    ['in Lambda when turned off', { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', POWERTOOLS_METRICS_DISABLED: 'TRUE' }, 'true'],
    ['with Powertools boolean words', { POWERTOOLS_METRICS_DISABLED: 'no' }, 'false'],
  ])('is %s: %j gives %s', (_, env, expected) => {
    // Act
    const setting = metricsDisabledSetting(env);

    // Assess
    expect(setting).toBe(expected);
  });

  it('refuses a value that is not a boolean, naming the variable', () => {
    // Act
    const act = (): unknown => metricsDisabledSetting({ POWERTOOLS_METRICS_DISABLED: 'maybe' });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/POWERTOOLS_METRICS_DISABLED must be true or false/);
  });
});

describe('Class: CloudWatchMetrics', () => {
  let log: MockInstance;
  beforeEach(() => {
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
  });

  it('holds per-replica counts during an invocation and writes one EMF blob per replica at its end', () => {
    // Prepare
    const metrics = new CloudWatchMetrics({ namespace: NAMESPACE, serviceName: 'quorum-kv' });
    metrics.beginInvocation();

    // Act
    metrics.record({ type: 'node-timeout', replica: '10.0.0.1:6379' });
    metrics.record({ type: 'node-timeout', replica: '10.0.0.1:6379' });
    metrics.record({ type: 'breaker-opened', replica: '10.0.0.1:6379' });
    metrics.record({ type: 'hints-replayed', replica: 'cache-b', keys: 7 });
    const writtenDuring = emfBlobs(log).length;
    metrics.endInvocation();

    // Assess
    const blobs = emfBlobs(log);
    expect(writtenDuring).toBe(0);
    expect(blobs).toHaveLength(2);
    const [first, second] = blobs;
    expect(first!._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: NAMESPACE,
      Dimensions: [['service', 'replica']],
      Metrics: [
        { Name: 'NodeTimeouts', Unit: 'Count' },
        { Name: 'BreakerOpenings', Unit: 'Count' },
      ],
    });
    expect(first).toMatchObject({ service: 'quorum-kv', replica: '10.0.0.1:6379' });
    expect(metricTotal(first!, 'NodeTimeouts')).toBe(2);
    expect(metricTotal(first!, 'BreakerOpenings')).toBe(1);
    expect(second).toMatchObject({ replica: 'cache-b', HintsReplayed: 7 });
  });

  it('counts every kind of event under its metric name, per replica where it has one', () => {
    // Prepare
    const metrics = new CloudWatchMetrics({ namespace: NAMESPACE });
    metrics.beginInvocation();

    // Act
    metrics.record({ type: 'write-quorum-failed', operation: 'set', consistency: 'quorum', acknowledged: 1, required: 2, rolledBack: false });
    metrics.record({ type: 'read-quorum-failed', consistency: 'quorum', answered: 1, required: 2 });
    metrics.record({ type: 'divergence-found', replica: 'r1', seenBy: 'read' });
    metrics.record({ type: 'divergence-found', replica: 'r1', seenBy: 'anti-entropy' });
    metrics.record({ type: 'read-repaired', replica: 'r1' });
    metrics.record({ type: 'hint-queued', replica: 'r1' });
    metrics.record({ type: 'hints-replayed', replica: 'r1', keys: 3 });
    metrics.record({ type: 'node-timeout', replica: 'r1' });
    metrics.record({ type: 'breaker-opened', replica: 'r1' });
    metrics.endInvocation();

    // Assess
    const blobs = emfBlobs(log);
    const replica = blobs.find((blob) => blob.replica === 'r1')!;
    const service = blobs.find((blob) => blob.replica === undefined)!;
    expect(service._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
    expect(service).toMatchObject({ service: 'quorum-kv', WriteQuorumFailures: 1, ReadQuorumFailures: 1 });
    expect(Object.fromEntries(['DivergenceFound', 'ReadRepairs', 'HintsQueued', 'HintsReplayed', 'NodeTimeouts', 'BreakerOpenings'].map((name) => [name, metricTotal(replica, name)]))).toEqual({
      DivergenceFound: 2,
      ReadRepairs: 1,
      HintsQueued: 1,
      HintsReplayed: 3,
      NodeTimeouts: 1,
      BreakerOpenings: 1,
    });
    // Every event type has its metric, and the per-replica ones are exactly those written with a replica.
    const perReplica = Object.values(STORE_METRICS).filter((metric) => metric.perReplica).map((metric) => metric.name);
    expect(replica._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name).sort()).toEqual([...perReplica].sort());
  });

  it('writes an event that comes while no invocation runs (background work after a response) at once', () => {
    // Prepare
    const metrics = new CloudWatchMetrics({ namespace: NAMESPACE });
    metrics.beginInvocation();
    metrics.endInvocation();

    // Act
    metrics.record({ type: 'read-repaired', replica: 'r2' });

    // Assess
    expect(emfBlobs(log)).toEqual([expect.objectContaining({ replica: 'r2', ReadRepairs: 1 })]);
  });

  it('writes nothing at the end of an invocation that counted nothing', () => {
    // Prepare
    const metrics = new CloudWatchMetrics({ namespace: NAMESPACE });
    metrics.beginInvocation();
    metrics.record({ type: 'hint-queued', replica: 'r3' });
    metrics.endInvocation();
    log.mockClear();
    metrics.beginInvocation();

    // Act
    metrics.endInvocation();

    // Assess
    expect(log).not.toHaveBeenCalled();
  });
});
