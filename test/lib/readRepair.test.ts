import { describe, expect, it, vi } from 'vitest';
import { applyEntry, type Coordinator, HybridLogicalClock, LambdaRepairDispatcher, loadConfig, type RepairDispatcher, type RepairRequest, ReplicaPool } from '../../lib';
import { sleep, useCoordinators } from '../support/coordinators';
import { storedOnNode, useRedisCluster } from '../support/redisCluster';
import { freePorts } from '../../scripts/localCluster';

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

describe('Read repair', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  /** Makes node 2 stale: down while `newer` is written, then restarted with its old data file, or empty. */
  async function staleReplica(coordinator: Coordinator, data: 'keep' | 'empty'): Promise<{ oldVersion: string; newVersion: string }> {
    const old = await coordinator.set('k', 'old');
    await old.settled;
    await cluster().nodes[2]!.kill();
    const written = await coordinator.set('k', 'new');
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
    'hands the repair of a replica restarted with %s data to the repair function (async) and answers at once',
    async (data) => {
      // Prepare
      const writer = newCoordinator();
      const { newVersion } = await staleReplica(writer, data);
      const repairFunction = new RepairFunctionStandIn(newCoordinator());
      const config = loadConfig({ REDIS_NODES: cluster().redisNodes, READ_REPAIR: 'async' });
      const { Coordinator } = await import('../../lib');
      const reader = new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), repairFunction);

      // Act
      const read = await reader.get('k', { consistency: 'all' });
      const stateAtAnswer = await storedOnNode(cluster().nodes[2]!, 'k');
      await Promise.all(repairFunction.done);

      // Assess
      expect(read.value).toBe('new');
      expect(read.repair).toBe('dispatched');
      expect(read.replicas[2]!.outcome).toBe(data === 'keep' ? 'stale' : 'missing');
      expect(repairFunction.requests).toEqual([{ keys: ['k'], reason: 'read' }]);
      expect(stateAtAnswer.version).not.toBe(newVersion);
      expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
      await reader.close();
    },
  );

  it('answers a first-response read at once and hands a replica found stale by a later reply to the repair function', async () => {
    // Prepare
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const repairFunction = new RepairFunctionStandIn(newCoordinator());
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, READ_REPAIR: 'async' });
    const { Coordinator } = await import('../../lib');
    const reader = new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), repairFunction);

    // Act: level one answers with the first reply; the stale replica's reply may come after the answer.
    const read = await reader.get('k', { consistency: 'one' });
    await vi.waitFor(() => expect(repairFunction.requests).toHaveLength(1), { timeout: 2_000, interval: 10 });
    await Promise.all(repairFunction.done);

    // Assess
    expect(['new', 'old']).toContain(read.value);
    expect(repairFunction.requests).toEqual([{ keys: ['k'], reason: 'read' }]);
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
    await reader.close();
  });

  /** A coordinator whose repair hand-off goes to a Lambda endpoint that refuses connections (nothing listens). */
  async function readerWithRefusedHandOff(): Promise<Coordinator> {
    const [closedPort] = await freePorts(1);
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, READ_REPAIR: 'async', NODE_TIMEOUT_MS: '200' });
    const { Coordinator } = await import('../../lib/coordinator');
    const dispatcher = new LambdaRepairDispatcher('quorum-kv-dev-repair', `http://127.0.0.1:${closedPort}`);
    return new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), dispatcher);
  }

  it('repairs in-process, before answering, when the hand-off to the repair function is refused', async () => {
    // Prepare
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const reader = await readerWithRefusedHandOff();

    // Act
    const read = await reader.get('k', { consistency: 'all' });

    // Assess: the answer says what happened, and the replica itself holds the newest version.
    expect(read.value).toBe('new');
    expect(read.repair).toBe('repaired');
    expect(read.replicas[2]).toMatchObject({ outcome: 'repaired', version: newVersion });
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion });
    await reader.close();
  });

  it('repairs in-process a replica found stale after the answer when the hand-off is refused', async () => {
    // Prepare
    const writer = newCoordinator();
    const { newVersion } = await staleReplica(writer, 'keep');
    const reader = await readerWithRefusedHandOff();

    // Act: whether the stale reply comes with the answer or after it, the repair must not be dropped.
    const read = await reader.get('k', { consistency: 'one' });

    // Assess
    expect(['new', 'old']).toContain(read.value);
    await vi.waitFor(async () => expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'new', version: newVersion }), {
      timeout: 5_000,
      interval: 20,
    });
    await reader.close();
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
    const { directClient } = await import('../support/redisCluster');
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
