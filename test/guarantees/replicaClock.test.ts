import { describe, expect, it, vi } from 'vitest';
import { skewedClock } from '../support/containerClock';
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
