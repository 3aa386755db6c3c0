import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { HybridLogicalClock, LambdaRepairDispatcher, QuorumNotReachedError } from '../../lib';
import { HINTS_KEPT_MS } from '../../lib/repair/hintedHandoff';
import { skewedClock } from '../support/containerClock';
import { TEST_NODE_TIMEOUT_MS, useCoordinators, usePartitionable } from '../support/coordinators';
import { directClient, storedOnNode, timed, timedFailure, useRedisCluster } from '../support/redisCluster';
import { entriesByNode, divergentEntries } from '../support/replicaState';

const T = TEST_NODE_TIMEOUT_MS;


/**
 * The counterexamples of issue 11, each reproduced against real redis-server processes with real faults (a TCP
 * proxy per coordinator and replica for partitions, injected clocks for skew). Each failed on the protocol before it.
 */
describe('Guarantees: the counterexamples that once broke them', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const partitionable = usePartitionable(cluster, newCoordinator);

  describe('2. an acknowledged write and a failed one that overlapped it', () => {
    it('never goes back to the value before an acknowledged write, whatever a failed write left behind', async () => {
      // Prepare: X (clock 20 ms ahead) is cut off from B and C; Y reaches every replica.
      const { coordinator: x, links } = await partitionable({}, skewedClock(20));
      const y = newCoordinator();
      await y.set('k', 'v0');
      links.cut(1);
      links.cut(2);

      // Act: X's write lands on A only; Y's later write, with an older clock, is acknowledged by B and C.
      const failing = timedFailure(() => x.set('k', 'vX'));
      await vi.waitFor(async () => expect((await storedOnNode(cluster().nodes[0]!, 'k')).value).toBe('vX'), { timeout: T * 2, interval: 5 });
      const acknowledged = await y.set('k', 'vY');
      const { error } = await failing;
      links.healAll();
      await cluster().nodes[1]!.kill();
      const withBDown = await newCoordinator().get('k', { consistency: 'quorum' });
      await cluster().nodes[1]!.restart('empty');
      await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });
      const afterAntiEntropy = await newCoordinator().get('k', { consistency: 'quorum' });

      // Assess: X's failure says it may still take effect; the value is Y's or X's, never the one before Y's.
      expect(acknowledged.acknowledged).toBeGreaterThanOrEqual(2);
      expect(error).toBeInstanceOf(QuorumNotReachedError);
      expect((error as QuorumNotReachedError).rolledBack).toBe(false);
      expect(['vY', 'vX']).toContain(withBDown.value);
      expect(afterAntiEntropy.value).toBe(withBDown.value);
    });
  });

  describe('3. TTL expiry', () => {
    it('reads NOT_FOUND after the TTL and never brings back the value the expired write overwrote', async () => {
      // Prepare: `old` everywhere; C cut off while `new` (1 s TTL) is written to A and B.
      const { coordinator: writer, links } = await partitionable();
      await (await writer.set('k', 'old')).settled;
      links.cut(2);
      const written = await writer.set('k', 'new', { ttlSeconds: 1 });
      links.heal(2);
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(written.expiresAt!), { timeout: 3_000, interval: 20 });

      // Act: reads at every level with blocking repair, then anti-entropy.
      const reader = newCoordinator({ READ_REPAIR: 'blocking' });
      const quorum = await reader.get('k', { consistency: 'quorum' });
      for (let i = 0; i < 10; i += 1) await reader.get('k', { consistency: 'one' });
      await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });
      const stored = await Promise.all(cluster().nodes.map((node) => storedOnNode(node, 'k')));
      const reads = await Promise.all([reader.get('k', { consistency: 'quorum' }), reader.get('k', { consistency: 'all' })]);

      // Assess: nothing older came back, on any replica, and C now holds the expired entry too.
      expect(quorum.value).toBeNull();
      expect(reads.map((read) => read.value)).toEqual([null, null]);
      for (const entry of stored) expect(entry).toMatchObject({ version: written.version, value: 'new' });
    });
  });

  describe('4. what a failed write says', () => {
    it('answers rolled_back false for a write that may still take effect, and never deletes it later', async () => {
      // Prepare
      const { coordinator: x, links } = await partitionable();
      await (await x.set('k', 'v0')).settled;
      links.cut(1);
      links.cut(2);

      // Act: X's write reaches A only and fails; another container's repair then copies it to B and C.
      const { error } = await timedFailure(() => x.set('k', 'vX'));
      await newCoordinator().repairKey('k');
      links.healAll();
      const read = await newCoordinator().get('k', { consistency: 'quorum' });
      await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });
      cluster().nodes[0]!.pause();
      const withAPaused = await newCoordinator().get('k', { consistency: 'quorum' });
      cluster().nodes[0]!.resume();

      // Assess: the failure was honest, and once readable the value stays (no late rollback deletes it).
      expect((error as QuorumNotReachedError).rolledBack).toBe(false);
      expect(read.value).toBe('vX');
      expect(withAPaused.value).toBe('vX');
    });

    it('answers rolled_back true only for a write that landed nowhere', async () => {
      // Prepare: every replica down, so the write is sent nowhere.
      const coordinator = newCoordinator();
      await coordinator.get('warm-up');
      await Promise.all(cluster().nodes.map((node) => node.kill()));
      // Once the coordinator knows every connection is down, nothing it sends can land anywhere.
      await vi.waitFor(async () => expect((await coordinator.health()).nodes.map((node) => node.error)).toEqual(Array(3).fill('connection down')), {
        timeout: 3_000,
        interval: 20,
      });

      // Act
      const { error } = await timedFailure(() => coordinator.set('k', 'nowhere'));

      // Assess
      expect(error).toBeInstanceOf(QuorumNotReachedError);
      expect((error as QuorumNotReachedError).rolledBack).toBe(true);
    });
  });

  describe('5. equal versions, different values', () => {
    it('converges seed strings that differ between replicas on one value', async () => {
      // Prepare: the seed wrote different plain strings to each replica (all read as the seed version).
      for (const [index, node] of cluster().nodes.entries()) {
        const client = directClient(node);
        await client.set('seeded', `seed-${index}`);
        client.disconnect();
      }

      // Act
      const report = await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });
      const reads = new Set<string | null>();
      const reader = newCoordinator();
      for (let i = 0; i < 20; i += 1) reads.add((await reader.get('seeded', { consistency: 'one' })).value);

      // Assess
      expect(report.keysDiverged).toBeGreaterThanOrEqual(1);
      expect(divergentEntries(await entriesByNode(cluster()))).toEqual([]);
      expect(reads.size).toBe(1);
    });

    it('converges two writes that got the same version (a coordinator id collision)', async () => {
      // Prepare: two containers with the same id and a frozen clock, each cut off from a different replica.
      const frozen = Date.now();
      const one = await partitionable({}, new HybridLogicalClock(7, () => frozen));
      const two = await partitionable({}, new HybridLogicalClock(7, () => frozen));
      one.links.cut(2);
      two.links.cut(0);

      // Act
      await one.coordinator.set('k', 'one').catch(() => undefined);
      await two.coordinator.set('k', 'two').catch(() => undefined);
      one.links.healAll();
      two.links.healAll();
      await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });

      // Assess
      expect(divergentEntries(await entriesByNode(cluster()))).toEqual([]);
    });
  });

  describe('6. no request waits on an AWS API', () => {
    /** A Lambda endpoint that accepts connections and never answers (a VPC without a Lambda endpoint). */
    async function silentLambdaEndpoint(): Promise<{ url: string; close(): Promise<void> }> {
      const sockets: Socket[] = [];
      const server: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    }

    it('answers reads that find a stale replica, and writes with a hung replica, within about one node timeout', async () => {
      // Prepare: a repair function that never answers, and node 2 holding an older version.
      const lambda = await silentLambdaEndpoint();
      try {
        const dispatcher = new LambdaRepairDispatcher('quorum-kv-dev-repair', lambda.url);
        const coordinator = newCoordinator({ READ_REPAIR: 'async' }, undefined, dispatcher);
        const old = await coordinator.set('k', 'old');
        await old.settled;
        await cluster().nodes[2]!.kill();
        const snapshot = await cluster().nodes[2]!.snapshot();
        await cluster().nodes[2]!.start();
        await coordinator.set('k', 'new');
        await cluster().nodes[2]!.restart({ snapshot });
        await vi.waitFor(async () => expect((await coordinator.health()).nodes[2]!.up).toBe(true), { timeout: 3_000 });

        // Act
        const reads = [];
        for (let i = 0; i < 5; i += 1) reads.push(await timed(() => coordinator.get('k', { consistency: 'all' })));
        cluster().nodes[1]!.pause();
        const writes = [];
        for (let i = 0; i < 10; i += 1) writes.push(await timed(() => coordinator.set(`w${i}`, 'v')));
        cluster().nodes[1]!.resume();

        // Assess
        expect(reads.map((read) => read.result.value)).toEqual(Array(5).fill('new'));
        expect(Math.max(...reads.map((read) => read.ms))).toBeLessThan(T + 150);
        expect(Math.max(...writes.map((write) => write.ms))).toBeLessThan(T + 150);
      } finally {
        await lambda.close();
      }
    });

    it('answers a failed write within about one node timeout, also with a replica whose breaker is open', async () => {
      // Prepare: node 0 hung long enough for its breaker to open (it is then skipped), then node 1 hangs too.
      const coordinator = newCoordinator({ BREAKER_FAILURES: '2', BREAKER_HALF_OPEN_MS: '60000' });
      await coordinator.get('warm-up');
      cluster().nodes[0]!.pause();
      for (let i = 0; i < 3; i += 1) await (await coordinator.set(`warm${i}`, 'v')).settled;
      expect((await coordinator.set('probe', 'v')).replicas[0]!.outcome).toBe('skipped');
      cluster().nodes[1]!.pause();

      // Act
      const { error, ms } = await timedFailure(() => coordinator.set('k', 'v'));

      // Assess
      expect(error).toBeInstanceOf(QuorumNotReachedError);
      expect(ms).toBeLessThan(T + 100);
    });
  });

  describe('7. hinted hand-off', () => {
    it('replays the hints for a replica soon after it comes back, without waiting for anti-entropy', async () => {
      // Prepare: node 2 down while five keys are written.
      const coordinator = newCoordinator();
      await coordinator.get('warm-up');
      await cluster().nodes[2]!.kill();
      const versions = new Map<string, string>();
      for (let i = 0; i < 5; i += 1) versions.set(`h${i}`, (await coordinator.set(`h${i}`, `v${i}`)).version);

      // Act: node 2 comes back empty; the coordinator that sees it reconnect replays what it missed.
      await cluster().nodes[2]!.restart('empty');

      // Assess
      await vi.waitFor(
        async () => {
          for (const [key, version] of versions) expect((await storedOnNode(cluster().nodes[2]!, key)).version).toBe(version);
        },
        { timeout: 5_000, interval: 50 },
      );
    });

    it('keeps the hints of a replica that a newer configuration left out, for the containers that still have it', async () => {
      // Prepare: node 2 is down while a container configured with all three nodes writes 'k'; then a container of a
      // configuration that no longer has node 2 (a change still rolling out) runs anti-entropy.
      const withNode2 = newCoordinator();
      await withNode2.get('warm-up');
      await cluster().nodes[2]!.kill();
      const written = await withNode2.set('k', 'v');
      // The hint may be recorded after the answer (a write queued while node 2's connection was reconnecting).
      const holder = directClient(cluster().nodes[0]!);
      await vi.waitFor(async () => expect(await holder.zcard(`!qkv:hints:127.0.0.1:${cluster().nodes[2]!.port}`)).toBe(1));
      holder.disconnect();
      const withoutNode2 = newCoordinator({ REDIS_NODES: cluster().nodes.slice(0, 2).map((node) => node.url).join(',') });
      await withoutNode2.antiEntropy({ budgetMs: 10_000, fromStart: true });

      // Act: node 2 comes back empty, to the container that still has it.
      await cluster().nodes[2]!.restart('empty');

      // Assess
      await vi.waitFor(async () => expect((await storedOnNode(cluster().nodes[2]!, 'k')).version).toBe(written.version), {
        timeout: 5_000,
        interval: 50,
      });
    });

    it('gives the hints of a replica no longer configured an expiry where they have none, rather than removing them', async () => {
      // Prepare: hints without an expiry (as versions before hint expiry left them) for a node that left the
      // configuration.
      for (const node of cluster().nodes) {
        const client = directClient(node);
        await client.zadd('!qkv:hints:10.0.0.99:6379', Date.now(), 'some-key');
        client.disconnect();
      }

      // Act
      await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });

      // Assess
      for (const node of cluster().nodes) {
        const client = directClient(node);
        expect(await client.zrange('!qkv:hints:10.0.0.99:6379', '0', '-1')).toEqual(['some-key']);
        const expiresIn = await client.pttl('!qkv:hints:10.0.0.99:6379');
        client.disconnect();
        expect(expiresIn).toBeGreaterThan(HINTS_KEPT_MS - 60_000);
        expect(expiresIn).toBeLessThanOrEqual(HINTS_KEPT_MS);
      }
    });
  });

  describe('8. anti-entropy', () => {
    it('does not call a pass complete when a replica could not be scanned through', async () => {
      // Prepare
      const coordinator = newCoordinator();
      for (let i = 0; i < 10; i += 1) await coordinator.set(`a${i}`, 'v');
      cluster().nodes[1]!.pause();

      // Act
      const report = await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });
      cluster().nodes[1]!.resume();

      // Assess
      expect(report.passComplete).toBe(false);
      expect(report.unreachable).toContain(`127.0.0.1:${cluster().nodes[1]!.port}`);
    });
  });
});

/**
 * The clock counterexamples (1 and 3b) over standalone replicas and over cluster replicas, each a Redis Cluster of 3
 * masters with its own clock per master: versions and TTLs follow the replicas' clock either way. The others above
 * cut coordinators off with a TCP proxy per replica, which a cluster's redirections to its masters would go around.
 */
describe.each(['standalone', 'cluster'] as const)('Guarantees: the clock counterexamples over %s replicas', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  describe('1. clocks that disagree between containers', () => {
    it('applies an overwrite made through a container whose clock is 5 ms behind the previous writer', async () => {
      // Prepare
      const ahead = newCoordinator({}, skewedClock(5));
      const behind = newCoordinator({}, skewedClock(0));
      const reader = newCoordinator();

      for (let trial = 0; trial < 20; trial += 1) {
        // Act: the first write lands everywhere before the second starts (within the clocks' uncertainty of a write
        // still landing, a later write may lose a race with it instead: see the write path).
        await (await ahead.set(`k${trial}`, 'first')).settled;
        const second = await behind.set(`k${trial}`, 'second');
        const read = await reader.get(`k${trial}`, { consistency: 'all' });

        // Assess: the later write wins, and a replica that held a newer version never counted as an acknowledgement.
        expect(read.value).toBe('second');
        expect(second.replicas.filter((report) => report.outcome === 'newer')).toHaveLength(0);
      }
    });

    it('keeps a key writable after a container whose clock is 5 minutes ahead wrote it', async () => {
      // Prepare
      const future = newCoordinator({}, skewedClock(5 * 60_000));
      const correct = newCoordinator();
      // Every replica holds it before the next write starts: within the clocks' uncertainty of a write still landing,
      // a later write may lose a race with it instead (see the write path).
      await (await future.set('k', 'from the future')).settled;

      // Act
      await correct.set('k', 'a');
      const afterSet = await newCoordinator().get('k', { consistency: 'quorum' });
      await correct.delete('k');
      const afterDelete = await newCoordinator().get('k', { consistency: 'quorum' });
      await correct.set('k', 'b');
      const afterSecondSet = await newCoordinator().get('k', { consistency: 'quorum' });

      // Assess
      expect([afterSet.value, afterDelete.value, afterSecondSet.value]).toEqual(['a', null, 'b']);
    });
  });

  describe('3b. TTLs under clocks that disagree', () => {
    it('judges TTLs on the replicas\' clock, also in a container whose clock is minutes ahead', async () => {
      // Prepare: one container 5 minutes ahead, one correct.
      const ahead = newCoordinator({}, skewedClock(5 * 60_000));
      const correct = newCoordinator();
      await Promise.all([ahead.whenClockCalibrated(), correct.whenClockCalibrated()]);

      // Act: each writes a key with a TTL; both read both.
      const shortLived = await ahead.set('short', 'one second', { ttlSeconds: 1 });
      const shortLivesFor = shortLived.expiresAt! - Date.now();
      await correct.set('long', 'one minute', { ttlSeconds: 60 });
      const aheadReadsLong = await ahead.get('long', { consistency: 'quorum' });
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(shortLived.expiresAt!), { timeout: 3_000, interval: 20 });
      const correctReadsShort = await correct.get('short', { consistency: 'quorum' });

      // Assess: the expiry written by the fast container is a second from now, not five minutes; it does not see
      // the other's minute-long TTL as long expired; and the short-lived key is gone on time for everyone.
      expect(shortLivesFor).toBeGreaterThan(800);
      expect(shortLivesFor).toBeLessThanOrEqual(1_050);
      expect(aheadReadsLong.value).toBe('one minute');
      expect(correctReadsShort.value).toBeNull();
    });
  });
});
