import { describe, expect, it } from 'vitest';
import { ANTI_ENTROPY_STATE_KEY, hintsKey } from '../../lib/replica/storageLayout';
import { useCoordinators } from '../support/coordinators';
import { directClient, storedOnNode, useRedisCluster } from '../support/redisCluster';
import { divergentKeys, versionsByNode } from '../support/replicaState';

describe('Anti-entropy', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  async function writeMany(count: number, prefix = 'key'): Promise<void> {
    const writer = newCoordinator();
    await Promise.all(Array.from({ length: count }, (_, i) => writer.set(`${prefix}-${i}`, `value-${i}`).then((r) => r.settled)));
    // A write that timed out on a replica left a hint; were the writer still open, it would replay it on seeing that
    // replica reconnect after a restart, repairing keys before (and without) the anti-entropy run under test.
    await writer.close();
  }

  it('refills a replica that restarted empty, comparing versions before moving values', async () => {
    // Prepare
    await writeMany(300);
    await cluster().nodes[1]!.restart('empty');

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, batch: 50, fromStart: true });

    // Assess
    expect(report).toMatchObject({ passComplete: true, keysDiverged: 300, replicasRepaired: 300, unreachable: [] });
    expect(report.keysCompared).toBeGreaterThanOrEqual(600);
    expect(divergentKeys(await versionsByNode(cluster()))).toEqual([]);
  });

  it('brings a replica restarted with old data up to date, tombstones included, even when its hints were lost', async () => {
    // Prepare: node 0 misses a delete, an overwrite and a new key, and the hints recorded for it are lost.
    const writer = newCoordinator();
    await Promise.all(['deleted', 'overwritten'].map((key) => writer.set(key, 'old').then((r) => r.settled)));
    await cluster().nodes[0]!.kill();
    await writer.delete('deleted');
    await writer.set('overwritten', 'new');
    await writer.set('created', 'new');
    // The writer would replay its hints for node 0 the moment it saw node 0 reconnect: it goes away first.
    await writer.close();
    await cluster().nodes[0]!.restart('keep');
    for (const node of cluster().nodes) {
      const client = directClient(node);
      await client.del(hintsKey(`127.0.0.1:${cluster().nodes[0]!.port}`));
      client.disconnect();
    }

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(report).toMatchObject({ hintsReplayed: 0, keysDiverged: 3, replicasRepaired: 3 });
    expect(await storedOnNode(cluster().nodes[0]!, 'deleted')).toMatchObject({ tombstone: '1' });
    expect((await storedOnNode(cluster().nodes[0]!, 'overwritten')).value).toBe('new');
    expect((await storedOnNode(cluster().nodes[0]!, 'created')).value).toBe('new');
    expect(divergentKeys(await versionsByNode(cluster()))).toEqual([]);
  });

  it('stops when its time budget is spent and resumes where it stopped on the next run', async () => {
    // Prepare
    await writeMany(400);
    await cluster().nodes[2]!.restart('empty');
    const coordinator = newCoordinator();

    // Act: a zero budget still does one batch per run, then saves its position.
    const runs = [await coordinator.antiEntropy({ budgetMs: 0, batch: 40, fromStart: true })];
    while (!runs.at(-1)!.passComplete && runs.length < 100) runs.push(await coordinator.antiEntropy({ budgetMs: 0, batch: 40 }));

    // Assess
    expect(runs.length).toBeGreaterThan(2);
    expect(runs[0]).toMatchObject({ passComplete: false, stoppedBecause: 'time-budget' });
    expect(runs[1]!.startedAt).toEqual(runs[0]!.stoppedAt);
    expect(runs.at(-1)!.passComplete).toBe(true);
    expect(runs.reduce((sum, run) => sum + run.replicasRepaired, 0)).toBe(400);
    expect(await storedOnNode(cluster().nodes[0]!, ANTI_ENTROPY_STATE_KEY)).toMatchObject({ node: '0', cursor: '0' });
    expect(divergentKeys(await versionsByNode(cluster()))).toEqual([]);
  });

  it('is safe while writes continue: it never replaces a newer write', async () => {
    // Prepare
    await writeMany(200, 'hot');
    await cluster().nodes[1]!.restart('empty');
    const writer = newCoordinator();
    let writing = true;
    const latest = new Map<string, string>();
    const writes = (async () => {
      for (let round = 0; writing; round += 1) {
        const key = `hot-${round % 200}`;
        const result = await writer.set(key, `round-${round}`);
        await result.settled;
        latest.set(key, result.version);
      }
    })();

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, batch: 25, fromStart: true });
    writing = false;
    await writes;
    await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess: every key holds its latest acknowledged write (or a newer one) on every replica.
    expect(report.passComplete).toBe(true);
    const perNode = await versionsByNode(cluster());
    expect(divergentKeys(perNode)).toEqual([]);
    for (const [key, version] of latest) expect(perNode[1]!.get(key)! >= version).toBe(true);
  });

  it('replays the hints stored for a replica first', async () => {
    // Prepare
    const writer = newCoordinator();
    await cluster().nodes[2]!.kill();
    await writer.set('hinted', 'v');
    // The writer would replay the hint itself on seeing node 2 reconnect: it goes away first.
    await writer.close();
    await cluster().nodes[2]!.restart('empty');

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(report.hintsReplayed).toBe(1);
    expect((await storedOnNode(cluster().nodes[2]!, 'hinted')).value).toBe('v');
  });

  it('leaves internal keys alone and compares only user keys', async () => {
    // Prepare
    const client = directClient(cluster().nodes[0]!);
    await client.set('!qkv:something-internal', 'x');
    client.disconnect();

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(report.keysDiverged).toBe(0);
    expect(await storedOnNode(cluster().nodes[1]!, '!qkv:something-internal')).toEqual({});
  });
});
