import { describe, expect, it } from 'vitest';
import { Coordinator, HybridLogicalClock, loadConfig, type RepairDispatcher, type RepairRequest, ReplicaPool } from '../../lib';
import { clearHints } from '../../lib/repair/hintedHandoff';
import { hintsKey } from '../../lib/replica/storageLayout';
import { useCoordinators } from '../support/coordinators';
import { directClient, storedOnNode, useRedisCluster } from '../support/redisCluster';

/** Records hand-offs instead of invoking Lambda; the test then plays the repair function itself. */
class RecordingDispatcher implements RepairDispatcher {
  readonly requests: RepairRequest[] = [];
  async dispatch(request: RepairRequest): Promise<boolean> {
    this.requests.push(request);
    return true;
  }
}

describe('Hinted hand-off', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  async function hintsOn(nodeIndex: number, target: string): Promise<string[]> {
    const client = directClient(cluster().nodes[nodeIndex]!);
    try {
      return await client.zrange(hintsKey(target), '0', '-1');
    } finally {
      client.disconnect();
    }
  }

  it('stores a durable hint on the replicas that took a write a killed replica missed, and hands it off', async () => {
    // Prepare
    const dispatcher = new RecordingDispatcher();
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' });
    const coordinator = new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), dispatcher);
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    await cluster().nodes[2]!.kill();

    // Act
    await coordinator.set('a', '1');
    await coordinator.set('b', '2');

    // Assess: both keys hinted on both holders; one hand-off (the second falls in the same second).
    expect((await hintsOn(0, down)).sort()).toEqual(['a', 'b']);
    expect((await hintsOn(1, down)).sort()).toEqual(['a', 'b']);
    expect(dispatcher.requests).toEqual([{ hintsFor: [down], reason: 'hints' }]);
    await coordinator.close();
  });

  it('refills a replica that restarted empty when its hints are replayed, and then forgets them', async () => {
    // Prepare
    const writer = newCoordinator();
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    await cluster().nodes[2]!.kill();
    const written = await writer.set('a', 'missed-it');
    // The writer would replay the hints itself on seeing node 2 reconnect: it goes away first.
    await writer.close();
    await cluster().nodes[2]!.restart('empty');

    // Act: what the repair function does when handed {"hintsFor": [down]}.
    const replay = await newCoordinator().replayHints(down);

    // Assess
    expect(replay).toMatchObject({ target: down, status: 'replayed', keys: 1, repaired: 1 });
    expect(await storedOnNode(cluster().nodes[2]!, 'a')).toEqual({ value: 'missed-it', version: written.version });
    expect(await hintsOn(0, down)).toEqual([]);
    expect(await hintsOn(1, down)).toEqual([]);
  });

  it('forgets a replayed hint, but keeps one recorded again after the replay read it', async () => {
    // Prepare: two keys hinted for node 2 at time 1000; then 'rehinted' is hinted again (a newer write missed it too).
    const target = `127.0.0.1:${cluster().nodes[2]!.port}`;
    for (const index of [0, 1]) {
      const client = directClient(cluster().nodes[index]!);
      await client.zadd(hintsKey(target), 1_000, 'replayed', 1_000, 'rehinted');
      await client.zadd(hintsKey(target), 2_000, 'rehinted');
      client.disconnect();
    }
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));

    // Act: a replay that read both hints at time 1000 clears them.
    await clearHints(pool, target, [
      { redisKey: 'replayed', recordedAt: 1_000 },
      { redisKey: 'rehinted', recordedAt: 1_000 },
    ]);

    // Assess
    expect(await hintsOn(0, target)).toEqual(['rehinted']);
    expect(await hintsOn(1, target)).toEqual(['rehinted']);
    await pool.close();
  });

  it('keeps the hints while the replica is still down', async () => {
    // Prepare
    const writer = newCoordinator();
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    await cluster().nodes[2]!.kill();
    await writer.set('a', 'v');

    // Act
    const replay = await newCoordinator().replayHints(down);

    // Assess
    expect(replay.status).toBe('down');
    expect(await hintsOn(0, down)).toEqual(['a']);
  });

  it('hints a replica skipped by its open breaker, as a missed replica', async () => {
    // Prepare
    const writer = newCoordinator({ BREAKER_FAILURES: '1', BREAKER_HALF_OPEN_MS: '60000' });
    const hung = `127.0.0.1:${cluster().nodes[0]!.port}`;
    cluster().nodes[0]!.pause();
    await (await writer.set('opens-breaker', 'v')).settled;

    // Act
    const written = await writer.set('skipped-key', 'v');

    // Assess
    expect(written.replicas[0]!.outcome).toBe('skipped');
    expect(await hintsOn(1, hung)).toContain('skipped-key');
  });
});
