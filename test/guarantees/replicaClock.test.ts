import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuorumNotReachedError } from '../../lib';
import { skewedClock } from '../support/containerClock';
import { CoordinatorLinks } from '../support/coordinatorLinks';
import { useCoordinators } from '../support/coordinators';
import { timed, useRedisCluster } from '../support/redisCluster';


/**
 * "No decision rests on a container's clock", from a container's very first request: TTLs are judged, and versions
 * stamped, on the replicas' clock, which a cold container measures before it decides anything.
 */
describe.each(['standalone', 'cluster'] as const)('Guarantees: a cold container judges TTLs on the replicas\' clock from its first request (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  it.each([
    ['3 minutes behind', -180_000],
    ['3 minutes ahead', 180_000],
  ])('keeps a 60 s TTL written by the first request of a container %s alive', async (_name, skewMs) => {
    // Prepare: a cold container; the reader is warm and measured.
    const reader = newCoordinator();
    await reader.whenClockCalibrated();
    const cold = newCoordinator({}, skewedClock(skewMs));

    // Act: its very first request.
    const written = await cold.set('k', 'v', { ttlSeconds: 60 });
    const readByWriter = await cold.get('k', { consistency: 'quorum' });
    const readByOther = await reader.get('k', { consistency: 'quorum' });

    // Assess
    expect(Math.abs(written.expiresAt! - (Date.now() + 60_000))).toBeLessThan(2_000);
    expect(readByWriter.value).toBe('v');
    expect(readByOther.value).toBe('v');
  });

  it.each([
    ['3 minutes behind', -180_000],
    ['3 minutes ahead', 180_000],
  ])('reads a live key as live and an expired key as expired in the first request of a container %s', async (_name, skewMs) => {
    // Prepare: a live key (60 s left) and one whose 1 s TTL has passed, written by a measured container.
    const writer = newCoordinator();
    await writer.set('live', 'v', { ttlSeconds: 60 });
    await writer.set('expired', 'old', { ttlSeconds: 1 });
    await vi.waitFor(async () => expect((await writer.get('expired', { consistency: 'all' })).value).toBeNull(), { timeout: 3_000, interval: 50 });
    const coldForLive = newCoordinator({}, skewedClock(skewMs));
    const coldForExpired = newCoordinator({}, skewedClock(skewMs));

    // Act: each container's very first request.
    const live = await coldForLive.get('live', { consistency: 'one' });
    const expired = await coldForExpired.get('expired', { consistency: 'one' });

    // Assess
    expect(live.value).toBe('v');
    expect(expired.value).toBeNull();
  });

  it('measures the replicas\' clock without waiting for a paused replica', async () => {
    // Prepare: replica 0 is paused (SIGSTOP) before the container starts; the node timeout is long.
    cluster().nodes[0]!.pause();
    const cold = newCoordinator({ NODE_TIMEOUT_MS: '2000' }, skewedClock(-180_000));

    // Act: the first request, which needs the replicas' clock for its TTL.
    const { result, ms } = await timed(() => cold.set('k', 'v', { ttlSeconds: 60 }));

    // Assess: answered by the two running replicas, well before one node timeout, with a correct expiry.
    expect(ms).toBeLessThan(1_000);
    expect(Math.abs(result.expiresAt! - (Date.now() + 60_000))).toBeLessThan(2_000);
  });
});

/**
 * A cold container whose connections come up late (a slow network, a starved host) measures the replicas' clock as
 * soon as a request needs it, rather than answering 503 until its background retry a second later. Standalone only:
 * the delay is made with a TCP proxy per replica, which a cluster's redirections go around.
 */
describe('Guarantees: a cold container whose connections come up late (standalone replicas behind proxies)', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const opened: CoordinatorLinks[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((links) => links.close()));
  });

  it('answers the first write sent once its connections are up, instead of 503 until a retry a second later', async () => {
    // Prepare: the container starts while every link holds its handshake, so its first measurement of the replicas'
    // clock fails, and a request then answers 503 (no decision on the container's own clock).
    const links = await CoordinatorLinks.open(cluster().nodes);
    opened.push(links);
    for (const proxy of links.proxies) proxy.blackhole('deliver');
    const cold = newCoordinator({ REDIS_NODES: links.redisNodes }, skewedClock(-180_000));
    const early = await cold.set('k', 'early').catch((error: unknown) => error);
    expect(early).toBeInstanceOf(QuorumNotReachedError);
    expect((early as QuorumNotReachedError).replicas.map((report) => report.error)).toEqual(Array(3).fill(expect.stringMatching(/clock is unknown/)));
    for (const proxy of links.proxies) proxy.pass();
    await vi.waitFor(async () => expect((await cold.health()).nodes.map((node) => node.up)).toEqual([true, true, true]), {
      timeout: 3_000,
      interval: 10,
    });

    // Act
    const { result, ms } = await timed(() => cold.set('k', 'v', { ttlSeconds: 60 }));

    // Assess: measured for this request, within about one node timeout, and on the replicas' clock.
    expect(result.acknowledged).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(500);
    expect(Math.abs(result.expiresAt! - (Date.now() + 60_000))).toBeLessThan(2_000);
  });
});
