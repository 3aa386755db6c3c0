import { describe, expect, it, vi } from 'vitest';
import { applyEntry, loadConfig, QuorumNotReachedError, ReplicaPool, ReplicasUnavailableError } from '../../lib';
import { HybridLogicalClock, parseVersion, SEED_VERSION } from '../../lib/core/hybridLogicalClock';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../support/coordinators';
import { busyReplica, directClient, onEveryMaster, storedOnNode, timed, timedFailure, useRedisCluster } from '../support/redisCluster';
import { storedFields } from '../support/storedEntries';

const NODE_TIMEOUT_MS = TEST_NODE_TIMEOUT_MS;
/** Generous slack for a shared 2-core machine; what matters is that nothing waits for a hung node indefinitely. */
const MARGIN_MS = 400;

// Each replica is one redis-server, then a Redis Cluster of 3 masters: the same promises hold for both.
describe.each(['standalone', 'cluster'] as const)('Class: Coordinator (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  describe('Method: set and get', () => {
    it('reads back the value written, with the version the write reported', async () => {
      // Prepare
      const coordinator = newCoordinator();

      // Act
      const written = await coordinator.set('greeting', 'hello');
      const read = await coordinator.get('greeting');

      // Assess
      expect(written.acknowledged).toBeGreaterThanOrEqual(2);
      expect(read).toMatchObject({ value: 'hello', version: written.version });
    });

    it('stores value and version as a readable entry string on every replica', async () => {
      // Prepare
      const coordinator = newCoordinator();

      // Act
      const written = await coordinator.set('user:1', 'Ada');
      await written.settled;

      // Assess
      for (const node of cluster().nodes) {
        expect(await storedOnNode(node, 'user:1')).toEqual({ value: 'Ada', version: written.version });
      }
    });

    it('answers NOT_FOUND (a null entry) for a key no replica holds', async () => {
      // Prepare
      const coordinator = newCoordinator();

      // Act
      const read = await coordinator.get('never-written');

      // Assess
      expect(read.value).toBeNull();
      expect(read.replicas.map((replica) => replica.outcome)).toEqual(['missing', 'missing', 'missing']);
    });

    it('reads a plain string written by the seed coordinator as the oldest version', async () => {
      // Prepare
      const seedClient = directClient(cluster().nodes[0]!);
      await seedClient.set('legacy', 'from-the-seed');
      seedClient.disconnect();
      const coordinator = newCoordinator();

      // Act
      const read = await coordinator.get('legacy');
      const overwritten = await coordinator.set('legacy', 'new');

      // Assess
      expect(read).toMatchObject({ value: 'from-the-seed', version: SEED_VERSION });
      expect(overwritten.replicas.filter((replica) => replica.outcome === 'applied').length).toBeGreaterThanOrEqual(2);
      expect((await coordinator.get('legacy')).value).toBe('new');
    });
  });

  describe('Versioning', () => {
    it('never lets a delayed copy of an older write overwrite a newer one', async () => {
      // Prepare: the older write's command, arriving late at every replica (as a retry or a slow network would).
      const current = newCoordinator();
      const older = { version: new HybridLogicalClock(42).next(), value: 'older' };
      const newer = await current.set('balance', 'newer');
      await newer.settled;
      const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));

      // Act
      const replies = await Promise.all(pool.replicas.map((replica) => applyEntry(replica.client, 'balance', older, 0)));

      // Assess
      expect(replies).toEqual(Array(3).fill({ kind: 'newer', heldVersion: newer.version }));
      for (const node of cluster().nodes) {
        expect(await storedOnNode(node, 'balance')).toEqual({ value: 'newer', version: newer.version });
      }
      await pool.close();
    });

    it('orders a later write from a container whose clock lags a minute after what is there, at the first attempt', async () => {
      // Prepare: a container whose clock lags by a minute (versions follow the replicas' clock, which it measures).
      const current = newCoordinator();
      const lagging = newCoordinator({}, new HybridLogicalClock(42, () => Date.now() - 60_000));
      const first = await current.set('balance', 'first');
      await first.settled;
      await lagging.whenClockCalibrated();
      // Each container reads the replicas' clock within half its measurement's round trip, which a loaded machine
      // stretches past the 10 ms the store assumes (docs/guarantees.md, "What is not promised"): the later write comes
      // once the replicas' clock is well past the first's version, as a later request would.
      const firstMs = parseVersion(first.version)!.ms;
      const timeSource = directClient(cluster().nodes[0]!);
      await vi.waitFor(async () => {
        const [seconds, micros] = await timeSource.time();
        expect(Number(seconds) * 1000 + Number(micros) / 1000).toBeGreaterThan(firstMs + 100);
      }, { timeout: 2_000, interval: 20 });
      timeSource.disconnect();

      // Act
      const later = await lagging.set('balance', 'later');
      await later.settled;

      // Assess: no replica refused it: its version is already above the first write's.
      expect(later.attempts).toBe(1);
      expect(later.version > first.version).toBe(true);
      for (const node of cluster().nodes) expect((await storedOnNode(node, 'balance')).value).toBe('later');
    });

    it('re-issues a write above a version from the future that every replica holds, and it lands once', async () => {
      // Prepare: every replica holds an entry stamped a minute ahead (written by a container before versions followed
      // the replicas' clock).
      const future = { version: new HybridLogicalClock(42, () => Date.now() + 60_000).next(), value: 'from the future' };
      const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
      await Promise.all(pool.replicas.map((replica) => applyEntry(replica.client, 'balance', future, 0)));
      await pool.close();
      const coordinator = newCoordinator();

      // Act
      const later = await coordinator.set('balance', 'later');
      await later.settled;

      // Assess: refused once by every replica (it landed nowhere), then issued above it and acknowledged.
      expect(later.attempts).toBe(2);
      expect(later.version > future.version).toBe(true);
      for (const node of cluster().nodes) expect((await storedOnNode(node, 'balance')).value).toBe('later');
    });

    it('applies the same write twice only once (a retry is harmless)', async () => {
      // Prepare
      const client = directClient(cluster().nodes[0]!);
      const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url }));
      const replica = pool.replicas[0]!;
      const version = new HybridLogicalClock(7).next();

      // Act
      const first = await applyEntry(replica.client, 'retried', { version, value: 'v' }, 0);
      const second = await applyEntry(replica.client, 'retried', { version, value: 'v' }, 0);

      // Assess
      expect(first).toEqual({ kind: 'applied' });
      expect(second).toEqual({ kind: 'same' });
      expect(await storedFields(client, 'retried')).toEqual({ value: 'v', version });
      client.disconnect();
      await pool.close();
    });
  });

  describe('Lua scripts', () => {
    it('keeps writing after a replica forgot its scripts (SCRIPT FLUSH), by falling back from EVALSHA to EVAL', async () => {
      // Prepare
      const coordinator = newCoordinator();
      await (await coordinator.set('k', 'before')).settled;
      const client = directClient(cluster().nodes[0]!);
      await onEveryMaster(cluster().nodes[0]!, (master) => master.script('FLUSH'));

      // Act
      const written = await coordinator.set('k', 'after');
      const settled = await written.settled;

      // Assess
      expect(settled.map((replica) => replica.outcome)).toEqual(['applied', 'applied', 'applied']);
      expect((await storedFields(client, 'k')).value).toBe('after');
      client.disconnect();
    });
  });

  describe('Failures', () => {
    it('commits with success_nodes 2 and still reads the value when one node is killed', async () => {
      // Prepare
      await cluster().nodes[2]!.kill();
      const coordinator = newCoordinator();

      // Act
      const written = await coordinator.set('k', 'survives');
      const read = await coordinator.get('k');

      // Assess
      expect(written.acknowledged).toBe(2);
      expect((await written.settled)[2]!.outcome).toBe('error');
      expect(read.value).toBe('survives');
    });

    it('answers set and get within the node timeout while one node is hung (SIGSTOP)', async () => {
      // Prepare
      const coordinator = newCoordinator();
      await coordinator.set('k', 'before');
      cluster().nodes[0]!.pause();

      // Act
      const write = await timed(() => coordinator.set('k', 'during'));
      const read = await timed(() => coordinator.get('k'));
      const settled = await write.result.settled;

      // Assess
      expect(write.result.acknowledged).toBe(2);
      expect(write.ms).toBeLessThan(NODE_TIMEOUT_MS + MARGIN_MS);
      expect(read.result.value).toBe('during');
      expect(read.ms).toBeLessThan(NODE_TIMEOUT_MS + MARGIN_MS);
      expect(settled[0]!.outcome).toBe('timeout');
    });

    it('answers a read within the node timeout while one node is busy (DEBUG SLEEP)', async () => {
      // Prepare
      const coordinator = newCoordinator();
      await (await coordinator.set('k', 'v')).settled;
      const sleeping = await busyReplica(cluster().nodes[1]!, 1);
      await new Promise((resolve) => setTimeout(resolve, 50));

      // Act
      const read = await timed(() => coordinator.get('k'));

      // Assess
      expect(read.result.value).toBe('v');
      expect(read.ms).toBeLessThan(NODE_TIMEOUT_MS + MARGIN_MS);
      await sleeping.done;
    });

    it('fails fast with QuorumNotReachedError when two nodes are down', async () => {
      // Prepare
      await cluster().nodes[1]!.kill();
      await cluster().nodes[2]!.kill();
      const coordinator = newCoordinator();

      // Act
      const { error, ms } = await timedFailure(() => coordinator.set('k', 'lost'));

      // Assess
      expect(error).toBeInstanceOf(QuorumNotReachedError);
      expect((error as QuorumNotReachedError).acknowledged).toBeLessThanOrEqual(1);
      expect(ms).toBeLessThan(NODE_TIMEOUT_MS + MARGIN_MS);
    });

    it('fails within about one node timeout when two nodes are hung', async () => {
      // Prepare
      const coordinator = newCoordinator();
      await coordinator.get('warm-up');
      cluster().nodes[0]!.pause();
      cluster().nodes[1]!.pause();

      // Act
      const { error, ms } = await timedFailure(() => coordinator.set('k', 'lost'));

      // Assess
      expect(error).toBeInstanceOf(QuorumNotReachedError);
      expect((error as QuorumNotReachedError).replicas.map((replica) => replica.outcome)).toEqual(['timeout', 'timeout', 'applied']);
      expect(ms).toBeLessThan(NODE_TIMEOUT_MS + MARGIN_MS);
    });

    it('throws ReplicasUnavailableError, not NOT_FOUND, when every node is down', async () => {
      // Prepare
      await Promise.all(cluster().nodes.map((node) => node.kill()));
      const coordinator = newCoordinator();

      // Act
      const { error } = await timedFailure(() => coordinator.get('k'));

      // Assess
      expect(error).toBeInstanceOf(ReplicasUnavailableError);
    });
  });

  describe('Raced read', () => {
    it('does not answer NOT_FOUND because a node that lacks the key answered first', async () => {
      // Prepare: only node 0 holds the key, and it is slowed so the others answer "missing" first.
      const holder = cluster().nodes[0]!;
      const client = directClient(holder);
      const version = new HybridLogicalClock(1).next();
      await client.hset('only-on-one', 'value', 'found-me', 'version', version);
      const coordinator = newCoordinator();
      await coordinator.get('warm-up');
      const sleeping = await busyReplica(holder, 0.1);

      // Act
      const read = await coordinator.get('only-on-one');

      // Assess
      expect(read).toMatchObject({ value: 'found-me', version });
      expect(read.replicas.find((replica) => replica.node === `127.0.0.1:${holder.port}`)?.outcome).toBe('found');
      await sleeping.done;
      client.disconnect();
    });

    it('marks a replica holding an older version as stale (READ_REPAIR=off only reports it)', async () => {
      // Prepare
      const coordinator = newCoordinator({ READ_REPAIR: 'off' });
      const old = await coordinator.set('k', 'old');
      await old.settled;
      const newer = await coordinator.set('k', 'new');
      await newer.settled;
      const staleClient = directClient(cluster().nodes[2]!);
      await staleClient.set('k', `qkv1 ${old.version} v\nold`);
      staleClient.disconnect();

      // Act
      const read = await coordinator.get('k', { consistency: 'all' });

      // Assess
      expect(read.value).toBe('new');
      expect(read.repair).toBe('off');
      expect(read.replicas.map((replica) => replica.outcome)).toEqual(['found', 'found', 'stale']);
      expect(read.replicas[2]!.version).toBe(old.version);
    });
  });
});
