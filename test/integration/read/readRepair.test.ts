import { describe, expect, it, vi } from 'vitest';
import { applyEntry, type Coordinator, HybridLogicalClock, LambdaRepairDispatcher, loadConfig, type RepairDispatcher, type RepairRequest, ReplicaPool } from '../../../lib';
import { sleep, useCoordinators } from '../../support/coordinators';
import { storedOnNode, useRedisCluster } from '../../support/redisCluster';
import { freePorts } from '../../../tools/localRedisNode';

/**
 * Stands in for the `repair` Lambda function: runs the real repair code (`repairKey`) on its own coordinator, as the
 * function's container would, after the read has answered.
 */
class RepairFunctionStandIn implements RepairDispatcher {
  readonly requests: RepairRequest[] = [];
  readonly done: Promise<unknown>[] = [];
  constructor(private readonly repairer: Coordinator) {}
  async dispatch(request: RepairRequest): Promise<boolean> {
    this.requests.push(request);
    this.done.push(sleep(10).then(() => Promise.all((request.keys ?? []).map((key) => this.repairer.repairKey(key)))));
    return true;
  }
}

describe.each(['standalone', 'cluster'] as const)('Read repair (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  /** Makes node 2 stale: down while `newer` is written, then restarted with its old data file, or empty. */
  async function staleReplica(coordinator: Coordinator, data: 'keep' | 'empty'): Promise<{ oldVersion: string; newVersion: string }> {
    const old = await coordinator.set('k', 'old');
    await old.settled;
    await cluster().nodes[2]!.kill();
    const written = await coordinator.set('k', 'new');
    // The writer keeps hints for node 2 and would replay them when it sees node 2 reconnect: it goes away first, so
    // that only reads can repair node 2 here.
    await coordinator.close();
    await cluster().nodes[2]!.restart(data);
    return { oldVersion: old.version, newVersion: written.version };
  }

  it.each(['keep', 'empty'] as const)(
    'brings a replica restarted with %s data to the newest version before answering (blocking)',
    async (data) => {
      // Prepare
      const writer = newCoordinator();
      const { newVersion } = await staleReplica(writer, data);
      const reader = newCoordinator({ READ_REPAIR: 'blocking' });

      // Act
      const read = await reader.get('k', { consistency: 'all' });

      // Assess: the answer, the trace, and the replica itself, read directly.
      expect(read.value).toBe('new');
      expect(read.repair).toBe('repaired');
      expect(read.replicas[2]).toMatchObject({ outcome: 'repaired', version: newVersion });
      expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
    },
  );

  it('repairs from a first-response read too, using the replies that arrived with the first one', async () => {
    // Prepare
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const reader = newCoordinator({ READ_REPAIR: 'blocking' });
    await reader.get('warm-up');

    // Act: a first-response read sees the replies that arrive in the same instant as the first one; on this machine
    // that is usually all three, but not always, so read until one of them reveals the stale replica.
    const repairs: string[] = [];
    for (let attempt = 0; attempt < 20 && !repairs.includes('repaired'); attempt += 1) {
      const read = await reader.get('k', { consistency: 'one' });
      // Level one may answer from the stale replica if it is the fastest: that is the level's contract.
      expect(['new', 'old']).toContain(read.value);
      repairs.push(read.repair);
    }

    // Assess
    expect(repairs).toContain('repaired');
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
    expect((await reader.get('k', { consistency: 'one' })).value).toBe('new');
  });

  it.each(['keep', 'empty'] as const)(
    'repairs a replica restarted with %s data right after answering (async), in the background, over its own connections',
    async (data) => {
      // Prepare
      const writer = newCoordinator();
      const { newVersion } = await staleReplica(writer, data);
      const reader = newCoordinator({ READ_REPAIR: 'async' });

      // Act
      const read = await reader.get('k', { consistency: 'all' });

      // Assess: two of three already hold it, so the read answers at once and repairs node 2 after.
      expect(read.value).toBe('new');
      expect(read.repair).toBe('scheduled');
      await vi.waitFor(async () => expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion }), {
        timeout: 3_000,
        interval: 20,
      });
    },
  );

  it('repairs, at level one, a replica that a reply after the answer shows stale (async)', async () => {
    // Prepare
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const reader = newCoordinator({ READ_REPAIR: 'async' });

    // Act: level one answers with the first reply; the stale replica's reply may come with it or after it.
    const read = await reader.get('k', { consistency: 'one' });

    // Assess
    expect(['new', 'old']).toContain(read.value);
    expect(['none', 'scheduled']).toContain(read.repair);
    await vi.waitFor(async () => expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion }), {
      timeout: 3_000,
      interval: 20,
    });
  });

  it('never hands a read\'s repair to the repair function, even when one is configured: no read waits on AWS', async () => {
    // Prepare: a repair function that would take the work, and a Lambda endpoint that refuses connections.
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const repairFunction = new RepairFunctionStandIn(newCoordinator());
    const [closedPort] = await freePorts(1);
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, READ_REPAIR: 'async' });
    const { Coordinator } = await import('../../../lib');
    const readers = [
      new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), repairFunction),
      new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), new LambdaRepairDispatcher('quorum-kv-dev-repair', `http://127.0.0.1:${closedPort}`)),
    ];

    // Act
    const reads = [await readers[0]!.get('k', { consistency: 'all' }), await readers[1]!.get('k', { consistency: 'all' })];

    // Assess
    expect(reads.map((read) => read.value)).toEqual(['new', 'new']);
    expect(repairFunction.requests).toEqual([]);
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
    await Promise.all(readers.map((reader) => reader.close()));
  });

  it('never lets a repair overwrite a newer write that landed meanwhile', async () => {
    // Prepare
    const coordinator = newCoordinator();
    const older = await coordinator.set('k', 'older');
    await older.settled;
    const newer = await coordinator.set('k', 'newer');
    await newer.settled;
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url }));

    // Act: a repair carrying the older entry reaches a replica that already has the newer one.
    const reply = await applyEntry(pool.replicas[0]!.client, 'k', { version: older.version, value: 'older' }, 0);

    // Assess
    expect(reply).toEqual({ kind: 'newer', heldVersion: newer.version });
    expect(await storedOnNode(cluster().nodes[0]!, 'k')).toEqual({ value: 'newer', version: newer.version });
    await pool.close();
  });

  it('upgrades data written by the seed (a plain string) on every replica that lacks a newer version', async () => {
    // Prepare: the seed wrote a plain string to one node only.
    const { directClient } = await import('../../support/redisCluster');
    const client = directClient(cluster().nodes[1]!);
    await client.set('legacy', 'seed-value');
    client.disconnect();
    const coordinator = newCoordinator({ READ_REPAIR: 'blocking' });

    // Act
    const read = await coordinator.get('legacy', { consistency: 'all' });

    // Assess
    expect(read.value).toBe('seed-value');
    expect(read.repair).toBe('repaired');
    expect((await storedOnNode(cluster().nodes[0]!, 'legacy')).value).toBe('seed-value');
  });
});
