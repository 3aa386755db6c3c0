import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoordinatorLinks } from '../support/coordinatorLinks';
import { useCoordinators } from '../support/coordinators';
import { storedOnNode, useRedisCluster } from '../support/redisCluster';

const WAIT = { timeout: 3_000, interval: 10 };

describe('Class: CoordinatorLinks', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const opened: CoordinatorLinks[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((links) => links.close()));
  });

  async function openLinks(): Promise<CoordinatorLinks> {
    const links = await CoordinatorLinks.open(cluster().nodes);
    opened.push(links);
    return links;
  }

  /** What a replica stores for a key, read directly. */
  function storedValue(replica: number, key: string): Promise<string | undefined> {
    return storedOnNode(cluster().nodes[replica]!, key).then((fields) => fields.value);
  }

  describe('Method: open', () => {
    it('gives REDIS_NODES with one proxy per replica, in the order of the replicas, each named as its replica', async () => {
      // Act
      const links = await openLinks();

      // Assess: the name after # is the replica's own address, the same for every coordinator's links.
      const urls = links.redisNodes.split(',');
      expect(urls).toEqual(links.proxies.map((proxy, i) => `redis://127.0.0.1:${proxy.port}#127.0.0.1:${cluster().nodes[i]!.port}`));
      expect(links.proxies.map((proxy) => proxy.targetPort)).toEqual(cluster().nodes.map((node) => node.port));
    });
  });

  describe('Method: cut', () => {
    it('cuts a replica off from one coordinator while another coordinator still reaches it', async () => {
      // Prepare
      const [linksA, linksB] = [await openLinks(), await openLinks()];
      const coordinatorA = newCoordinator({ REDIS_NODES: linksA.redisNodes });
      const coordinatorB = newCoordinator({ REDIS_NODES: linksB.redisNodes });
      await Promise.all([coordinatorA.get('warm-up'), coordinatorB.get('warm-up')]);

      // Act
      linksA.cut(1);
      const fromA = await (await coordinatorA.set('a-key', 'from-a')).settled;
      const fromB = await (await coordinatorB.set('b-key', 'from-b')).settled;

      // Assess
      expect(fromA.map((report) => report.outcome)).toEqual(['applied', 'timeout', 'applied']);
      expect(fromB.map((report) => report.outcome)).toEqual(['applied', 'applied', 'applied']);
      expect(await storedValue(1, 'b-key')).toBe('from-b');
      expect(await storedValue(1, 'a-key')).toBeUndefined();
    });
  });

  describe('Method: heal', () => {
    it('lets the write held during a cut land late on the replica, and the coordinator use it again', async () => {
      // Prepare
      const links = await openLinks();
      const coordinator = newCoordinator({ REDIS_NODES: links.redisNodes });
      await coordinator.get('warm-up');
      links.cut(1);
      const duringCut = await (await coordinator.set('held', 'v')).settled;

      // Act
      links.heal(1);

      // Assess
      expect(duringCut[1]!.outcome).toBe('timeout');
      await vi.waitFor(async () => expect(await storedValue(1, 'held')).toBe('v'), WAIT);
      const afterHeal = await (await coordinator.set('after', 'v')).settled;
      expect(afterHeal[1]!.outcome).toBe('applied');
    });
  });

  describe('Method: dropReplies', () => {
    it('makes a replica apply a write that the coordinator counts as timed out', async () => {
      // Prepare
      const links = await openLinks();
      const coordinator = newCoordinator({ REDIS_NODES: links.redisNodes });
      await coordinator.get('warm-up');

      // Act
      links.dropReplies(2);
      const reports = await (await coordinator.set('k', 'unknown-outcome')).settled;

      // Assess
      expect(reports.map((report) => report.outcome)).toEqual(['applied', 'applied', 'timeout']);
      // The proxy forwards the write to the replica on its own schedule (a loaded machine delays it past the timeout).
      await vi.waitFor(async () => expect(await storedValue(2, 'k')).toBe('unknown-outcome'), { timeout: 3_000, interval: 20 });
    });
  });
});
