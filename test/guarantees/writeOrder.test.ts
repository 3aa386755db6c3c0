import { describe, expect, it, vi } from 'vitest';
import { HybridLogicalClock, QuorumNotReachedError } from '../../lib';
import { useCoordinators, usePartitionable } from '../support/coordinators';
import { storedOnNode, useRedisCluster } from '../support/redisCluster';

/** A container clock `skewMs` off the real one (positive: ahead), plus `laterMs` once `later.on` is set. */
function driftingClock(skewMs: number, later: { on: boolean; laterMs: number } = { on: false, laterMs: 0 }): HybridLogicalClock {
  return new HybridLogicalClock(undefined, () => Date.now() + skewMs + (later.on ? later.laterMs : 0));
}

/**
 * "A write takes effect at most once, and never above a write that came after it": the two ways a write once broke
 * it, each driven step by step against real `redis-server` processes, with a TCP proxy per coordinator and replica.
 * Standalone replicas only: a cluster's redirections would reach its masters around a proxy in front of its seed.
 */
describe('Guarantees: a write takes effect once, and never above a later write', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const partitionable = usePartitionable(cluster, newCoordinator);

  it('does not issue again an attempt that landed on a replica and was read there, when refusals arrive late', async () => {
    // Prepare: X reaches replica 0 only; its bytes to replicas 1 and 2 are held by the partition, and its node timeout
    // is long enough for the partition to heal while it waits. The reader reaches replicas 0 and 1 only.
    const x = await partitionable({ NODE_TIMEOUT_MS: '3000' });
    const reader = await partitionable();
    const y = newCoordinator();
    await y.set('k', 'before');
    x.links.cut(1);
    x.links.cut(2);
    reader.links.cut(2);

    // Act: X's attempt lands on replica 0; a quorum read there returns it (writing it back to replica 1); Y overwrites
    // it everywhere and is read; then the partition heals and replicas 1 and 2 refuse X's held attempt as older.
    const xWrite = x.coordinator.set('k', 'x').then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    await vi.waitFor(async () => expect((await storedOnNode(cluster().nodes[0]!, 'k')).value).toBe('x'));
    const readOfX = await reader.coordinator.get('k', { consistency: 'quorum' });
    const yWrite = await y.set('k', 'y');
    const readOfY = await y.get('k', { consistency: 'quorum' });
    x.links.healAll();
    reader.links.healAll();
    const xOutcome = await xWrite;
    await vi.waitFor(async () => {
      for (const node of cluster().nodes) expect((await storedOnNode(node, 'k')).version).toBe(yWrite.version);
    });
    const finalRead = await y.get('k', { consistency: 'all' });

    // Assess: X was read once and then overwritten; it fails saying it may still take effect, is not issued again,
    // and Y's value stays.
    expect(readOfX.value).toBe('x');
    expect(readOfY.value).toBe('y');
    expect(xOutcome.ok).toBe(false);
    const error = xOutcome.ok ? undefined : (xOutcome.error as QuorumNotReachedError);
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect(error).toMatchObject({ rolledBack: false, attempts: 1 });
    expect(finalRead.value).toBe('y');
  });

  it.each([
    ['50 ms ahead', 50],
    ['3 minutes ahead', 180_000],
    ['3 minutes behind', -180_000],
  ])('keeps a later acknowledged write above a failed one from a container whose clock is %s', async (_name, skewMs) => {
    for (let trial = 0; trial < 5; trial += 1) {
      // Prepare: X's links to replicas 1 and 2 refuse connections, so its write fails at once after landing on 0. The
      // second reader reaches replicas 0 and 1 only.
      const key = `k${trial}`;
      const x = await partitionable({}, driftingClock(skewMs));
      const throughA = await partitionable();
      const y = newCoordinator();
      x.links.reset(1);
      x.links.reset(2);
      throughA.links.cut(2);
      await vi.waitFor(async () => expect((await x.coordinator.health()).nodes.map((node) => node.up)).toEqual([true, false, false]));

      // Act
      const failed = await x.coordinator.set(key, 'x').catch((error: unknown) => error);
      const acknowledged = await y.set(key, 'y');
      const first = await y.get(key, { consistency: 'quorum' });
      const second = await throughA.coordinator.get(key, { consistency: 'quorum' });

      // Assess: X failed, may still take effect, and landed on replica 0; Y's write, made after X's answer, stays
      // what every quorum read returns, also one that hears from replica 0.
      expect(failed).toBeInstanceOf(QuorumNotReachedError);
      expect(failed).toMatchObject({ rolledBack: false });
      expect(acknowledged.version > (failed as QuorumNotReachedError).version).toBe(true);
      expect(first.value).toBe('y');
      expect(second.value).toBe('y');
      await Promise.all([x.coordinator.close(), throughA.coordinator.close()]);
    }
  });

  it('keeps a later write above a failed one when the container reads the replicas\' clock 8 ms ahead (within the uncertainty)', async () => {
    // Prepare: X measures the replicas' clock, then its own clock jumps 8 ms ahead, as an error within
    // CLOCK_UNCERTAINTY_MS would leave it: its versions are stamped 8 ms in the future.
    const drift = { on: false, laterMs: 8 };
    const x = await partitionable({}, driftingClock(0, drift));
    const y = newCoordinator();
    await y.whenClockCalibrated();
    drift.on = true;
    x.links.reset(1);
    x.links.reset(2);
    await vi.waitFor(async () => expect((await x.coordinator.health()).nodes.map((node) => node.up)).toEqual([true, false, false]));

    for (let trial = 0; trial < 10; trial += 1) {
      // Act: Y writes the moment X has answered.
      const failed = await x.coordinator.set(`k${trial}`, 'x').catch((error: unknown) => error);
      const acknowledged = await y.set(`k${trial}`, 'y');

      // Assess: the commit wait held X's answer until Y could only stamp a later version; replica 0 took Y's write.
      expect(failed).toMatchObject({ rolledBack: false });
      expect(acknowledged.version > (failed as QuorumNotReachedError).version).toBe(true);
      expect(acknowledged.replicas[0]?.outcome).not.toBe('newer');
    }
  });
});
