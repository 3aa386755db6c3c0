import { describe, expect, it, vi } from 'vitest';
import { Coordinator, HybridLogicalClock, loadConfig, type RepairDispatcher, type RepairRequest, ReplicaPool } from '../../../lib';
import { Redis } from 'ioredis';
import { clearHints, expireHintsOfUnconfiguredReplicas, HINT_REPLAY_BATCH, hintedKeys, recordHints } from '../../../lib/repair/hintedHandoff';
import { hintsKey } from '../../../lib/replica/storageLayout';
import { onContainerClock, skewedClock } from '../../support/containerClock';
import { useCoordinators } from '../../support/coordinators';
import { hintedOnMaster, hintedOnReplica, hintSetsOn } from '../../support/hintSets';
import { directClient, onEveryMaster, storedOnNode, useRedisCluster } from '../../support/redisCluster';

/** Records hand-offs instead of invoking Lambda; the test then plays the repair function itself. */
class RecordingDispatcher implements RepairDispatcher {
  readonly requests: RepairRequest[] = [];
  async dispatch(request: RepairRequest): Promise<boolean> {
    this.requests.push(request);
    return true;
  }
}

describe.each(['standalone', 'cluster'] as const)('Hinted hand-off (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  /** The keys hinted for `target` on replica `nodeIndex`, every master together (each once, sorted). */
  function hintsOn(nodeIndex: number, target: string): Promise<string[]> {
    return hintedOnReplica(cluster().nodes[nodeIndex]!, target);
  }

  /**
   * Waits until nodes 0 and 1 each hold `count` hints for `target`: a write whose command to a killed node was queued
   * while its connection was between two reconnection attempts records that node's hint after its answer.
   */
  async function hintsStored(target: string, count: number): Promise<void> {
    await vi.waitFor(
      async () => {
        for (const index of [0, 1]) expect(await hintsOn(index, target)).toHaveLength(count);
      },
      { timeout: 5_000, interval: 20 },
    );
  }

  /** The name a coordinator gives node `index` (what its hints are kept under). */
  function nameOf(index: number): string {
    return `127.0.0.1:${cluster().nodes[index]!.port}`;
  }

  it('stores a durable hint on the replicas that took a write a killed replica missed, and hands it off', async () => {
    // Prepare
    const dispatcher = new RecordingDispatcher();
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' });
    const coordinator = new Coordinator(config, new ReplicaPool(config), new HybridLogicalClock(), dispatcher);
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    try {
      await cluster().nodes[2]!.kill();

      // Act: five writes back to back.
      const keys = ['a', 'b', 'c', 'd', 'e'];
      for (const [i, key] of keys.entries()) await coordinator.set(key, String(i));
      await hintsStored(down, keys.length);

      // Assess: every key hinted on both holders; the killed replica handed off, at most once a second. A write's
      // hint comes when its call to the killed replica fails: at once, or (a cluster still looking for the master)
      // up to the connect timeout later, so the five fall in one or two intervals, never five.
      expect((await hintsOn(0, down)).sort()).toEqual(keys);
      expect((await hintsOn(1, down)).sort()).toEqual(keys);
      expect(dispatcher.requests.length).toBeGreaterThanOrEqual(1);
      expect(dispatcher.requests.length).toBeLessThanOrEqual(3);
      for (const request of dispatcher.requests) expect(request).toEqual({ hintsFor: [down], reason: 'hints' });
    } finally {
      // Closed whatever happens: left open, it would replay the next tests' hints itself when node 2 comes back.
      await coordinator.close();
    }
  });

  it('refills a replica that restarted empty when its hints are replayed, and then forgets them', async () => {
    // Prepare
    const writer = newCoordinator();
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    await cluster().nodes[2]!.kill();
    const written = await writer.set('a', 'missed-it');
    await hintsStored(down, 1);
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
    // Prepare: two keys hinted for node 2 on nodes 0 and 1, and a replay that read them.
    const target = nameOf(2);
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
    const holders = pool.replicas.slice(0, 2);
    await recordHints(pool, 'replayed', [target], holders);
    await recordHints(pool, 'rehinted', [target], holders);
    const read = await hintedKeys(pool, target);

    // Act: 'rehinted' is hinted again (a newer write missed node 2 too), then the replay clears what it read.
    await recordHints(pool, 'rehinted', [target], holders);
    const cleared = await clearHints(pool, target, read);
    await pool.close();

    // Assess
    expect(cleared).toBe(2);
    expect(await hintsOn(0, target)).toEqual(['rehinted']);
    expect(await hintsOn(1, target)).toEqual(['rehinted']);
  });

  // Earlier versions ran on standalone replicas only, where hints keep the form they wrote.
  if (mode === 'standalone') it('reads and clears hints scored in milliseconds by earlier versions, and scores them above that when hinted again', async () => {
    // Prepare: hints scored with a container's Date.now(), as versions before replica-side scores stored them.
    const target = nameOf(2);
    const client = directClient(cluster().nodes[0]!);
    await client.zadd(hintsKey(target), Date.now(), 'old', Date.now(), 'old-hinted-again');
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
    const read = await hintedKeys(pool, target);

    // Act
    await recordHints(pool, 'old-hinted-again', [target], pool.replicas.slice(0, 1));
    await clearHints(pool, target, read);
    await pool.close();

    // Assess: the replica scores in microseconds, far above any millisecond score.
    expect(read.map((hint) => hint.redisKey).sort()).toEqual(['old', 'old-hinted-again']);
    const left = await client.zrange(hintsKey(target), '0', '-1', 'WITHSCORES');
    client.disconnect();
    expect(left[0]).toBe('old-hinted-again');
    expect(Number(left[1])).toBeGreaterThan(Date.now() * 100);
  });

  it('records the hints of one key for several missed replicas in one call on every holder', async () => {
    // Prepare
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));

    // Act
    const stored = await recordHints(pool, 'missed-twice', [nameOf(1), nameOf(2)], pool.replicas.slice(0, 1));
    await pool.close();

    // Assess
    expect(stored).toBe(1);
    expect(await hintsOn(0, nameOf(1))).toEqual(['missed-twice']);
    expect(await hintsOn(0, nameOf(2))).toEqual(['missed-twice']);
  });

  it('gives the hint sets of a replica no longer configured an expiry, on every master', async () => {
    // Prepare: hint sets without an expiry (as older versions left them) for a removed replica, for many keys.
    const gone = '10.0.0.9:6379';
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
    const keys = Array.from({ length: 40 }, (_, i) => `removed-${i}`);
    for (const key of keys) await recordHints(pool, key, [gone], pool.replicas.slice(0, 1));
    const sets = (await Promise.all(cluster().nodes[0]!.masters.map(async (master) => ({ master, sets: await hintSetsOn(master, gone) })))).filter(
      (found) => found.sets.length > 0,
    );
    for (const { master, sets: onMaster } of sets) {
      const client = new Redis(master.url);
      for (const set of onMaster) await client.persist(set);
      client.disconnect();
    }

    // Act
    const expired = await expireHintsOfUnconfiguredReplicas(pool);
    await pool.close();

    // Assess
    expect(expired).toBe(sets.reduce((sum, found) => sum + found.sets.length, 0));
    for (const { master, sets: onMaster } of sets) {
      const client = new Redis(master.url);
      for (const set of onMaster) expect(await client.pttl(set), set).toBeGreaterThan(0);
      client.disconnect();
    }
  });

  if (mode === 'cluster') {
    it('spreads the hints of one outage over every master of a cluster holder', async () => {
      // Prepare
      const writer = newCoordinator();
      const down = nameOf(2);
      await cluster().nodes[2]!.kill();

      // Act
      await Promise.all(Array.from({ length: 60 }, (_, i) => writer.set(`spread-${i}`, 'v')));
      await hintsStored(down, 60);

      // Assess: each master of holder 0 keeps a share of them.
      const perMaster = await Promise.all(cluster().nodes[0]!.masters.map((master) => hintedOnMaster(master, down)));
      for (const hinted of perMaster) expect(hinted.length).toBeGreaterThan(0);
      expect(perMaster.reduce((sum, hinted) => sum + hinted.length, 0)).toBe(60);
    });
  }

  it('keeps the hints while the replica is still down', async () => {
    // Prepare
    const writer = newCoordinator();
    const down = `127.0.0.1:${cluster().nodes[2]!.port}`;
    await cluster().nodes[2]!.kill();
    await writer.set('a', 'v');
    await hintsStored(down, 1);

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
    // Both keys share a slot, so on a cluster replica the same master's breaker guards them.
    await (await writer.set('{b}opens-breaker', 'v')).settled;

    // Act
    const written = await writer.set('{b}skipped-key', 'v');

    // Assess
    expect(written.replicas[0]!.outcome).toBe('skipped');
    expect(await hintsOn(1, hung)).toContain('{b}skipped-key');
  });

  it('keeps a hint that a container whose clock is behind records between a replay\'s read and its clear', async () => {
    // Prepare: node 2 is down; a container on time writes 'k', hinting it for node 2 on nodes 0 and 1, and a replay
    // reads the hints.
    const target = nameOf(2);
    await cluster().nodes[2]!.kill();
    await newCoordinator().set('k', 'first');
    await hintsStored(target, 1);
    const behind = newCoordinator({}, skewedClock(-60_000));
    const replay = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
    const read = await hintedKeys(replay, target);

    // Act: a container 60 s behind writes 'k' again, and node 2 misses that too, before the replay clears what it read.
    await onContainerClock(-60_000, () => behind.set('k', 'second'));
    await clearHints(replay, target, read);
    await replay.close();

    // Assess: node 2 still has to get the second write.
    expect(await hintsOn(0, target)).toEqual(['k']);
    expect(await hintsOn(1, target)).toEqual(['k']);
  });

  it('replays every hinted key, batch after batch, before it reports the replica replayed', async () => {
    // Prepare: node 2 misses more keys than two batches hold, then restarts empty.
    const count = 2 * HINT_REPLAY_BATCH + 100;
    const writer = newCoordinator();
    const down = nameOf(2);
    await cluster().nodes[2]!.kill();
    for (let start = 0; start < count; start += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => writer.set(`k${start + i}`, 'v')));
    }
    await hintsStored(down, count);
    // The writer would replay the hints itself on seeing node 2 reconnect: it goes away first.
    await writer.close();
    await cluster().nodes[2]!.restart('empty');

    // Act
    const replay = await newCoordinator().replayHints(down);

    // Assess
    expect(replay).toMatchObject({ target: down, status: 'replayed', keys: count, repaired: count });
    expect(await hintsOn(0, down)).toEqual([]);
    expect(await hintsOn(1, down)).toEqual([]);
    const sizes = await onEveryMaster(cluster().nodes[2]!, (client) => client.dbsize());
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(count);
  });

  it('replays the hints in-process once a paused replica resumes, with no repair function configured', async () => {
    // Prepare: a coordinator without a repair function, its connections up before node 2 hangs (SIGSTOP), writes
    // ten keys; its breaker soon skips node 2, so most of them never reach it, even queued.
    const coordinator = newCoordinator();
    await coordinator.get('warm-up', { consistency: 'all' });
    const paused = cluster().nodes[2]!;
    const target = nameOf(2);
    paused.pause();
    const versions = new Map<string, string>();
    for (let i = 0; i < 10; i += 1) {
      const written = await coordinator.set(`p${i}`, `v${i}`);
      await written.settled;
      versions.set(`p${i}`, written.version);
    }

    // Act: node 2 wakes; its connection never dropped, so no coordinator sees it reconnect.
    paused.resume();

    // Assess
    await vi.waitFor(
      async () => {
        for (const [key, version] of versions) expect((await storedOnNode(paused, key)).version, key).toBe(version);
        expect(await hintsOn(0, target)).toEqual([]);
        expect(await hintsOn(1, target)).toEqual([]);
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});
