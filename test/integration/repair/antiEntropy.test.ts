import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { AntiEntropyReport, Coordinator } from '../../../lib';
import { slotOf } from '../../../lib/replica/hashSlots';
import { ANTI_ENTROPY_STATE_KEY } from '../../../lib/replica/storageLayout';
import type { LocalReplica } from '../../../tools/localCluster';
import { LocalClusterReplica } from '../../../tools/localClusterReplica';
import { onContainerClock, skewedClock } from '../../support/containerClock';
import { useCoordinators } from '../../support/coordinators';
import { dropHints, hintedOnReplica } from '../../support/hintSets';
import { onEveryMaster, storedOnNode, useRedisCluster } from '../../support/redisCluster';
import { divergentKeys, versionsByNode } from '../../support/replicaState';

/** Empties every master of a replica, as if it had lost everything. */
async function emptied(replica: LocalReplica): Promise<void> {
  await onEveryMaster(replica, (client) => client.flushall());
}

/** The replica's name as a coordinator gives it (what its hints are kept under). */
function nameOf(replica: LocalReplica): string {
  return `127.0.0.1:${replica.port}`;
}

describe.each(['standalone', 'cluster'] as const)('Anti-entropy (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  async function writeMany(count: number, prefix = 'key'): Promise<void> {
    const writer = newCoordinator();
    await Promise.all(Array.from({ length: count }, (_, i) => writer.set(`${prefix}-${i}`, `value-${i}`).then((r) => r.settled)));
    // A write that timed out on a replica (a loaded machine) left a hint, which the writer, or any coordinator that
    // sees that replica come back, would replay by itself, racing the runs a test counts repairs of: the writer goes
    // away first, and so do the hints (durable on the replicas that took the writes).
    await writer.close();
    for (const holder of cluster().nodes) for (const target of cluster().nodes) await dropHints(holder, nameOf(target));
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
    for (const node of cluster().nodes) await dropHints(node, nameOf(cluster().nodes[0]!));

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

  it('reports how many keys each replica holds and how many it scanned, so a caller can show a pass\'s progress', async () => {
    // Prepare
    await writeMany(120);
    const coordinator = newCoordinator();

    // Act: one batch per run, as `qkv repair` calls it.
    const runs = [await coordinator.antiEntropy({ budgetMs: 0, batch: 30, fromStart: true })];
    while (!runs.at(-1)!.passComplete && runs.length < 100) runs.push(await coordinator.antiEntropy({ budgetMs: 0, batch: 30 }));

    // Assess: every replica holds the 120 keys and the saved position (written by the first run), and a pass scans
    // every one of them at least once (SCAN may return a key twice).
    const names = cluster().nodes.map((node) => `127.0.0.1:${node.port}`);
    expect(runs[0]!.replicaKeys).toEqual(names.map((node) => ({ node, keys: 120 })));
    expect(runs[1]!.replicaKeys).toEqual(names.map((node) => ({ node, keys: 121 })));
    expect(runs.reduce((sum, run) => sum + run.keysScanned, 0)).toBeGreaterThanOrEqual(3 * 120);
    expect(runs.every((run) => run.keysScanned >= run.keysCompared)).toBe(true);
  });

  it('stops before a batch that a replica could not compare, and the next run compares that batch again', async () => {
    // Prepare: a coordinator whose connections are up before node 2 hangs.
    await writeMany(60);
    const coordinator = newCoordinator();
    await coordinator.get('key-0', { consistency: 'all' });
    const hung = cluster().nodes[2]!;
    hung.pause();
    let stopped;
    try {
      // Act: node 0 scans its batch; node 2 cannot answer the comparison.
      stopped = await coordinator.antiEntropy({ budgetMs: 0, batch: 30, fromStart: true });
    } finally {
      hung.resume();
    }
    const resumed = await coordinator.antiEntropy({ budgetMs: 0, batch: 30 });

    // Assess
    expect(stopped.unreachable).toEqual([`127.0.0.1:${hung.port}`]);
    expect(stopped.stoppedBecause).toBe('unreachable');
    expect(stopped.keysScanned).toBeGreaterThan(0);
    expect(stopped.stoppedAt).toEqual(stopped.startedAt);
    expect(resumed.startedAt).toEqual(stopped.startedAt);
    expect(resumed.unreachable).toEqual([]);
    expect(resumed.stoppedAt).not.toEqual(resumed.startedAt);
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
    // The hint may be recorded after the answer (a write queued while node 2's connection was between two
    // reconnection attempts, or, on a cluster whose every master is gone, while its client reconnects: bounded by the
    // connect timeout, 1 s here); the writer would replay it itself on seeing node 2 reconnect: it goes away first.
    await vi.waitFor(async () => expect(await hintedOnReplica(cluster().nodes[0]!, nameOf(cluster().nodes[2]!))).toEqual(['hinted']), {
      timeout: 5_000,
    });
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
    await onEveryMaster(cluster().nodes[0]!, (client) => client.set('!qkv:something-internal', 'x').catch(() => 'MOVED'));

    // Act
    const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(report.keysDiverged).toBe(0);
    expect(await storedOnNode(cluster().nodes[1]!, '!qkv:something-internal')).toEqual({});
  });

  it('does not call a pass complete while a replica refused the repair writes it needed', async () => {
    // Prepare: node 1 restarted empty and is out of memory (maxmemory reached, noeviction): it answers scans and
    // comparisons, and refuses every write.
    await writeMany(30);
    const full = cluster().nodes[1]!;
    await full.restart('empty');
    await onEveryMaster(full, (client) => client.config('SET', 'maxmemory', '1'));
    let report: AntiEntropyReport;
    try {
      // Act
      report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });
    } finally {
      await onEveryMaster(full, (client) => client.config('SET', 'maxmemory', '0'));
    }

    // Assess
    expect(report.keysDiverged).toBeGreaterThan(0);
    expect(report.replicasRepaired).toBe(0);
    expect(report).toMatchObject({ passComplete: false, stoppedBecause: 'unreachable', unreachable: [`127.0.0.1:${full.port}`] });
  });

  it('resumes where the last run stopped even when a replica holds an older position saved by a container whose clock is ahead', async () => {
    // Prepare: a container 3 minutes ahead walks the pass to the last replica; node 1 keeps a copy of that position.
    await writeMany(90);
    const ahead = newCoordinator({}, skewedClock(180_000));
    const runAhead = (options: { fromStart?: boolean } = {}): Promise<AntiEntropyReport> =>
      onContainerClock(180_000, () => ahead.antiEntropy({ budgetMs: 0, batch: 10, ...options }));
    let last = await runAhead({ fromStart: true });
    for (let runs = 1; last.stoppedAt.node < 2 && runs < 100; runs += 1) last = await runAhead();
    const stale = cluster().nodes[1]!;
    await stale.kill();
    const snapshot = await stale.snapshot();
    await stale.start();
    // A container on time starts a new pass and gets a few batches into it; then node 1 comes back from its copy.
    const onTime = newCoordinator();
    const runs = [await onTime.antiEntropy({ budgetMs: 0, batch: 10, fromStart: true })];
    for (let i = 0; i < 2; i += 1) runs.push(await onTime.antiEntropy({ budgetMs: 0, batch: 10 }));
    const stoppedBefore = runs.at(-1)!.stoppedAt;
    await stale.restart({ snapshot });
    await everyReplicaUp(onTime);

    // Act
    do runs.push(await onTime.antiEntropy({ budgetMs: 0, batch: 10 }));
    while (!runs.at(-1)!.passComplete && runs.length < 200);

    // Assess: the pass went on from where it stopped, and was complete only once every replica was scanned through.
    expect(runs[3]!.startedAt).toEqual(stoppedBefore);
    expect(runs.at(-1)!.passComplete).toBe(true);
    expect(runs.reduce((sum, run) => sum + run.keysCompared, 0)).toBeGreaterThanOrEqual(3 * 90);
  });

  if (mode === 'cluster') {
    it('refills a cluster replica whose one master restarted empty', async () => {
      // Prepare
      await writeMany(300);
      const replica = cluster().nodes[1] as LocalClusterReplica;
      await replica.masters[1]!.restart('empty');
      // A restarted master serves its slots once it has rejoined (CLUSTERDOWN before that).
      await replica.waitUntilHealthy();

      // Act
      const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, batch: 50, fromStart: true });

      // Assess: the keys of that master's slots (about a third) were missing there and nowhere else.
      expect(report).toMatchObject({ passComplete: true, unreachable: [] });
      expect(report.keysDiverged).toBeGreaterThan(50);
      expect(report.keysDiverged).toBeLessThan(200);
      expect(report.replicasRepaired).toBe(report.keysDiverged);
      expect(divergentKeys(await versionsByNode(cluster()))).toEqual([]);
    });

    it('compares every key of a pass resumed after slots were resharded in the replica it was walking', async () => {
      // Prepare: only replica 0 holds the keys, and a pass has walked its first slots.
      await writeMany(300);
      await emptied(cluster().nodes[1]!);
      await emptied(cluster().nodes[2]!);
      const coordinator = newCoordinator();
      const first = await coordinator.antiEntropy({ budgetMs: 0, batch: 20, fromStart: true });
      expect(first.stoppedAt).toMatchObject({ node: 0, cursor: expect.stringMatching(/^slot:\d+$/) });

      // Act: half the slots of replica 0's first master, ahead of the position and behind it, move to its third.
      const replica = cluster().nodes[0] as LocalClusterReplica;
      await reshard(replica, 0, 2, 2_730);
      const runs = [first];
      do runs.push(await coordinator.antiEntropy({ budgetMs: 0, batch: 20 }));
      while (!runs.at(-1)!.passComplete && runs.length < 500);

      // Assess: the pass found every key on replica 0 and copied it to the others.
      expect(runs.at(-1)!.passComplete).toBe(true);
      const perNode = await versionsByNode(cluster());
      expect(perNode.map((versions) => versions.size)).toEqual([300, 300, 300]);
      expect(divergentKeys(perNode)).toEqual([]);
    });

    it('compares the keys of a slot being migrated on both its masters', async () => {
      // Prepare: ten keys of one slot on replica 0 only, half of them already moved to the importing master.
      const keys = Array.from({ length: 10 }, (_, i) => `{moving}k${i}`);
      const writer = newCoordinator();
      await Promise.all(keys.map((key) => writer.set(key, 'v').then((r) => r.settled)));
      await writer.close();
      await emptied(cluster().nodes[1]!);
      await emptied(cluster().nodes[2]!);
      const replica = cluster().nodes[0] as LocalClusterReplica;
      const slot = slotOf(keys[0]!);
      const counts = await onEveryMaster(replica, (client) => client.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)));
      const source = replica.masters[counts.findIndex((count) => Number(count) > 0)]!;
      const target = replica.masters.find((master) => master !== source)!;
      const [sourceId, targetId] = await Promise.all([source, target].map((master) => clusterCall(master.port, 'CLUSTER', 'MYID')));
      await clusterCall(target.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId!);
      await clusterCall(source.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId!);
      await clusterCall(source.port, 'MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys.slice(0, 5));

      // Act
      const report = await newCoordinator().antiEntropy({ budgetMs: 60_000, fromStart: true });

      // Assess
      expect(report).toMatchObject({ passComplete: true, keysDiverged: 10, replicasRepaired: 20 });
      for (const key of keys) {
        expect((await storedOnNode(cluster().nodes[1]!, key)).value, key).toBe('v');
        expect((await storedOnNode(cluster().nodes[2]!, key)).value, key).toBe('v');
      }
    });
  }

  /** Waits until `coordinator` reaches every replica again (after a restart, its connection reconnects). */
  async function everyReplicaUp(coordinator: Coordinator): Promise<void> {
    await vi.waitFor(async () => expect((await coordinator.health()).nodes.every((node) => node.up)).toBe(true), { timeout: 5_000, interval: 20 });
  }
});

describe('Anti-entropy over standalone and cluster replicas together', () => {
  const standalone = useRedisCluster({ count: 1 });
  const clusters = useRedisCluster({ count: 2, mode: 'cluster' });
  const mixed = () => {
    const nodes = [...standalone().nodes, ...clusters().nodes];
    return { nodes, redisNodes: nodes.map((node) => node.url).join(',') };
  };
  const newCoordinator = useCoordinators(mixed);

  it('refills the standalone replica and a cluster master that restarted empty, in one complete pass', async () => {
    // Prepare
    const writer = newCoordinator();
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer.set(`mixed-${i}`, `v${i}`).then((r) => r.settled)));
    await writer.close();
    await mixed().nodes[0]!.restart('empty');
    const clusterReplica = mixed().nodes[2] as LocalClusterReplica;
    await clusterReplica.masters[0]!.restart('empty');
    await clusterReplica.waitUntilHealthy();

    // Act
    const runs = [await newCoordinator().antiEntropy({ budgetMs: 0, batch: 30, fromStart: true })];
    while (!runs.at(-1)!.passComplete && runs.length < 200) runs.push(await newCoordinator().antiEntropy({ budgetMs: 0, batch: 30 }));

    // Assess
    expect(runs.at(-1)!.passComplete).toBe(true);
    expect(runs.flatMap((run) => run.unreachable)).toEqual([]);
    const perNode = await versionsByNode(mixed());
    expect(perNode.map((versions) => versions.size)).toEqual([200, 200, 200]);
    expect(divergentKeys(perNode)).toEqual([]);
  });
});

/** One command to one master, by port. */
async function clusterCall(port: number, ...args: string[]): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
  try {
    return String(await client.call(args[0]!, ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

/** Moves `slots` slots from master `from` to master `to` of a cluster replica with `redis-cli --cluster reshard`. */
async function reshard(replica: LocalClusterReplica, from: number, to: number, slots: number): Promise<void> {
  const [fromId, toId] = await Promise.all([from, to].map((i) => clusterCall(replica.masters[i]!.port, 'CLUSTER', 'MYID')));
  await promisify(execFile)('redis-cli', [
    '--cluster', 'reshard', `127.0.0.1:${replica.port}`,
    '--cluster-from', fromId!, '--cluster-to', toId!, '--cluster-slots', String(slots), '--cluster-yes',
  ]);
  await replica.waitUntilHealthy();
}
