import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { QuorumNotReachedError } from '../../lib/errors';
import { applyEntry } from '../../lib/replicaCommands';
import { ReplicaPool } from '../../lib/replicaPool';
import { sleep, useCoordinators } from '../support/coordinators';
import { storedOnNode, timedFailure, useRedisCluster } from '../support/redisCluster';

describe('Rollback of a write that missed its quorum', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  async function everyReplica(key: string): Promise<Record<string, string>[]> {
    return Promise.all(cluster().nodes.map((node) => storedOnNode(node, key)));
  }

  it('restores the previous value on the replica that took it when two nodes are killed', async () => {
    // Prepare
    const coordinator = newCoordinator();
    const before = await coordinator.set('k', 'before');
    await before.settled;
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();

    // Act
    const { error } = await timedFailure(() => coordinator.set('k', 'failed'));
    await cluster().nodes[0]!.start();
    await cluster().nodes[1]!.start();

    // Assess
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect((error as QuorumNotReachedError).rollback.find((r) => r.node.endsWith(String(cluster().nodes[2]!.port)))?.outcome).toBe(
      'restored',
    );
    expect(await everyReplica('k')).toEqual(Array(3).fill({ value: 'before', version: before.version }));
    expect((await newCoordinator().get('k', { consistency: 'all' })).value).toBe('before');
  });

  it('keeps the failed value unreadable after two paused nodes wake and run what was queued for them', async () => {
    // Prepare
    const coordinator = newCoordinator();
    const before = await coordinator.set('k', 'before');
    await before.settled;
    cluster().nodes[0]!.pause();
    cluster().nodes[1]!.pause();

    // Act
    const { error } = await timedFailure(() => coordinator.set('k', 'failed'));
    cluster().nodes[0]!.resume();
    cluster().nodes[1]!.resume();
    await sleep(100);

    // Assess: the woken nodes ran the write and then its rollback; every replica holds the previous value.
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect((error as QuorumNotReachedError).rollback.map((r) => r.outcome)).toEqual(['queued', 'queued', 'restored']);
    expect(await everyReplica('k')).toEqual(Array(3).fill({ value: 'before', version: before.version }));
    const read = await newCoordinator().get('k', { consistency: 'all' });
    expect(read.value).toBe('before');
  });

  it('removes a failed first write of a key everywhere, so the key stays not found', async () => {
    // Prepare
    const coordinator = newCoordinator();
    cluster().nodes[0]!.pause();
    cluster().nodes[1]!.pause();

    // Act
    await timedFailure(() => coordinator.set('fresh', 'failed'));
    cluster().nodes[0]!.resume();
    cluster().nodes[1]!.resume();
    await sleep(100);

    // Assess
    expect(await everyReplica('fresh')).toEqual([{}, {}, {}]);
    expect((await newCoordinator().get('fresh', { consistency: 'all' })).value).toBeNull();
  });

  it('refuses the rolled-back version afterwards, so repair can never spread a failed write', async () => {
    // Prepare
    const coordinator = newCoordinator();
    const before = await coordinator.set('k', 'before');
    await before.settled;
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();
    const { error } = await timedFailure(() => coordinator.set('k', 'failed'));
    await cluster().nodes[0]!.start();
    const failedVersion = ((error as QuorumNotReachedError).replicas[2] as { version: string }).version;
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[2]!.url }));

    // Act: a late copy of the failed write (as repair or a retry would carry it) reaches the replica that undid it.
    const reply = await applyEntry(pool.replicas[0]!.client, 'k', { version: failedVersion, value: 'failed' }, 0);
    const read = await newCoordinator({ READ_REPAIR: 'blocking' }).get('k', { consistency: 'quorum' });

    // Assess
    expect(reply).toEqual({ kind: 'rolled-back' });
    expect(read.value).toBe('before');
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'before', version: before.version });
    await pool.close();
  });

  it('answers the failure within about one node timeout although the rollback to hung nodes is still queued', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await coordinator.get('warm-up');
    cluster().nodes[0]!.pause();
    cluster().nodes[1]!.pause();

    // Act
    const { ms } = await timedFailure(() => coordinator.set('k', 'failed'));

    // Assess
    expect(ms).toBeLessThan(200 + 300);
  });

  it('leaves the failed write where it landed when ROLLBACK=off', async () => {
    // Prepare
    const coordinator = newCoordinator({ ROLLBACK: 'off' });
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();

    // Act
    const { error } = await timedFailure(() => coordinator.set('k', 'failed'));

    // Assess
    expect((error as QuorumNotReachedError).rollback).toEqual([]);
    expect((await storedOnNode(cluster().nodes[2]!, 'k')).value).toBe('failed');
  });
});
