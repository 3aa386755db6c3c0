import { describe, expect, it, vi } from 'vitest';
import { directClient, storedOnNode, useRedisCluster } from '../../support/redisCluster';
import { useCoordinators } from '../../support/coordinators';

describe.each(['standalone', 'cluster'] as const)('Deletes with tombstones, and TTL (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  async function expiryTimes(key: string): Promise<number[]> {
    return Promise.all(
      cluster().nodes.map(async (node) => {
        const client = directClient(node);
        try {
          return Number(await client.call('PEXPIRETIME', key));
        } finally {
          client.disconnect();
        }
      }),
    );
  }

  it('answers NOT_FOUND after a delete and keeps a versioned tombstone on every replica', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await (await coordinator.set('k', 'v')).settled;

    // Act
    const deleted = await coordinator.delete('k');
    await deleted.settled;
    const read = await coordinator.get('k');

    // Assess
    expect(read.value).toBeNull();
    expect(read.version).toBe(deleted.version);
    for (const node of cluster().nodes) {
      expect(await storedOnNode(node, 'k')).toMatchObject({ version: deleted.version, tombstone: '1' });
    }
  });

  it('does not bring back a key whose delete one replica missed, and spreads the tombstone to it', async () => {
    // Prepare: node 2 is down during the delete and comes back with the value.
    const writer = newCoordinator({ READ_REPAIR: 'blocking' });
    await (await writer.set('k', 'resurrect-me')).settled;
    await cluster().nodes[2]!.kill();
    const deleted = await writer.delete('k');
    // The writer would replay its hints on seeing node 2 reconnect: it goes away, so only the read can heal node 2.
    await writer.close();
    await cluster().nodes[2]!.restart('keep');
    const coordinator = newCoordinator({ READ_REPAIR: 'blocking' });
    expect((await storedOnNode(cluster().nodes[2]!, 'k')).value).toBe('resurrect-me');

    // Act
    const read = await newCoordinator({ READ_REPAIR: 'blocking' }).get('k', { consistency: 'all' });

    // Assess
    expect(read.value).toBeNull();
    expect(read.repair).toBe('repaired');
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toMatchObject({ version: deleted.version, tombstone: '1' });
    for (let i = 0; i < 10; i += 1) expect((await coordinator.get('k')).value).toBeNull();
  });

  it('expires tombstones after TOMBSTONE_GRACE_S, at the same time on every replica', async () => {
    // Prepare
    const coordinator = newCoordinator({ TOMBSTONE_GRACE_S: '1' });
    await (await coordinator.set('k', 'v')).settled;

    // Act
    await (await coordinator.delete('k')).settled;
    const expiries = await expiryTimes('k');

    // Assess: one expiry time, about a second away, and then the tombstone is gone from every replica.
    expect(new Set(expiries).size).toBe(1);
    expect(expiries[0]).toBeGreaterThan(Date.now() + 500);
    expect(expiries[0]).toBeLessThanOrEqual(Date.now() + 1_000);
    await vi.waitFor(async () => expect(await Promise.all(cluster().nodes.map((node) => storedOnNode(node, 'k')))).toEqual([{}, {}, {}]), {
      timeout: 3_000,
      interval: 50,
    });
  });

  it('expires a key written with a ttl at the same absolute time on every replica, keeping it as a tombstone', async () => {
    // Prepare: a one-second tombstone grace, so Redis removes the expired entry soon after.
    const coordinator = newCoordinator({ TOMBSTONE_GRACE_S: '1' });

    // Act
    const written = await coordinator.set('session', 'token', { ttlSeconds: 1 });
    await written.settled;
    const removals = await expiryTimes('session');
    const read = await coordinator.get('session');
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(read.expiresAt!), { timeout: 3_000, interval: 20 });
    const afterExpiry = await coordinator.get('session', { consistency: 'all' });
    const keptAfterExpiry = await Promise.all(cluster().nodes.map((node) => storedOnNode(node, 'session')));

    // Assess: the same expiry everywhere; past it the key reads as deleted while its entry (and version) stays for
    // the grace, so nothing older can come back; then Redis removes it on every replica at the same instant.
    expect(read.value).toBe('token');
    expect(read.expiresAt).toBe(written.expiresAt);
    expect(new Set(removals).size).toBe(1);
    expect(removals[0]).toBe(read.expiresAt! + 1_000);
    expect(afterExpiry.value).toBeNull();
    expect(afterExpiry.version).toBe(written.version);
    for (const entry of keptAfterExpiry) expect(entry.version).toBe(written.version);
    await vi.waitFor(async () => expect(await Promise.all(cluster().nodes.map((node) => storedOnNode(node, 'session')))).toEqual([{}, {}, {}]), {
      timeout: 3_000,
      interval: 50,
    });
  });

  it('carries the remaining TTL to a repaired replica instead of resetting it', async () => {
    // Prepare: node 2 restarts empty after a write with a one-hour TTL.
    const coordinator = newCoordinator({ READ_REPAIR: 'blocking' });
    const written = await coordinator.set('k', 'v', { ttlSeconds: 3_600 });
    await written.settled;
    const [expected] = await expiryTimes('k');
    await cluster().nodes[2]!.restart('empty');

    // Act
    const read = await newCoordinator({ READ_REPAIR: 'blocking' }).get('k', { consistency: 'all' });

    // Assess
    expect(read.repair).toBe('repaired');
    expect(await expiryTimes('k')).toEqual([expected, expected, expected]);
  });

  it('clears an old TTL when the key is written again without one', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await (await coordinator.set('k', 'short-lived', { ttlSeconds: 60 })).settled;

    // Act
    await (await coordinator.set('k', 'forever')).settled;

    // Assess
    expect(await expiryTimes('k')).toEqual([-1, -1, -1]);
  });
});
