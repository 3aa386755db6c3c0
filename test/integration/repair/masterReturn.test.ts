import { describe, expect, it, vi } from 'vitest';
import { Coordinator, loadConfig, ReplicaPool } from '../../../lib';
import type { LocalClusterReplica } from '../../../tools/localClusterReplica';
import { storageKey } from '../../../lib/replica/storageLayout';
import { keysServedBy } from '../../support/clusterKeys';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { RecordingObserver } from '../../support/recordingObserver';
import { storedOnNode, useRedisCluster } from '../../support/redisCluster';

/** How one master of a cluster replica goes away and comes back. */
type MasterFault = 'killed, restarted with its data' | 'killed, restarted empty' | 'paused, resumed';

const FAULTS: readonly MasterFault[] = ['killed, restarted with its data', 'killed, restarted empty', 'paused, resumed'];

describe('Hint replay when one master of a cluster replica comes back', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
  // Puts every master back and flushes the data after each test.
  useCoordinators(cluster);

  const replica1 = (): LocalClusterReplica => cluster().nodes[1] as LocalClusterReplica;

  /** Takes master 0 of replica 1 away (a pause is seen by the connection only once a command waits on it). */
  async function takeAway(fault: MasterFault): Promise<void> {
    const master = replica1().masters[0]!;
    if (fault === 'paused, resumed') master.pause();
    else await master.kill();
  }

  async function bringBack(fault: MasterFault): Promise<void> {
    const master = replica1().masters[0]!;
    if (fault === 'paused, resumed') master.resume();
    else await master.restart(fault === 'killed, restarted empty' ? 'empty' : 'keep');
  }

  /** A pool and a coordinator over it, as one Lambda container, reporting to its own observer. */
  function container(): { coordinator: Coordinator; pool: ReplicaPool; observer: RecordingObserver } {
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS) });
    const observer = new RecordingObserver();
    const pool = new ReplicaPool(config, undefined, observer);
    return { coordinator: new Coordinator(config, pool), pool, observer };
  }

  it.each(FAULTS)('calls the pool\'s reconnect handler for the replica when its master was %s', async (fault) => {
    // Prepare: a pool whose connection to every master of replica 1 is open.
    const { pool } = container();
    const reconnected: string[] = [];
    pool.onReconnect((replica) => reconnected.push(replica.name));
    const keys = await Promise.all(replica1().masters.map((master) => keysServedBy(master, 1, `warm-${master.port}-`)));
    for (const [key] of keys) expect((await pool.call(pool.replicas[1]!, (client) => client.set(key!, 'v'), { key: key! })).ok).toBe(true);
    await takeAway(fault);
    const failed = await pool.call(pool.replicas[1]!, (client) => client.set(keys[0]![0]!, 'v'), { key: keys[0]![0]! });

    // Act
    await bringBack(fault);

    // Assess: the container goes on serving the master's keys; only replica 1 came back.
    await vi.waitFor(
      async () => {
        await pool.call(pool.replicas[1]!, (client) => client.set(keys[0]![0]!, 'v'), { key: keys[0]![0]! });
        expect(reconnected).toContain(pool.replicas[1]!.name);
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(failed.ok).toBe(false);
    expect(new Set(reconnected)).toEqual(new Set([pool.replicas[1]!.name]));
    await pool.close();
  });

  it.each(FAULTS)(
    'replays the hints of a key on a master that was %s, from a container that did not record them, without anti-entropy',
    async (fault) => {
      // Prepare: a key of master 0's slots; container B has used master 0 of replica 1 before it goes away.
      const [key, other] = await keysServedBy(replica1().masters[0]!, 2, 'returning-');
      const b = container();
      await b.coordinator.get(key!).catch(() => undefined);
      await takeAway(fault);
      // Writer A records the hint for replica 1 and goes away, so its own background replay cannot be the one.
      const writer = container();
      const written = await writer.coordinator.set(key!, 'missed-by-master-0');
      expect((await written.settled)[1]!.outcome).not.toBe('applied');
      await vi.waitFor(() => expect(writer.observer.ofType('hint-queued', b.pool.replicas[1]!.name)).not.toEqual([]), { timeout: 5_000, interval: 20 });
      await writer.coordinator.close();
      // B's own reads of another key of that master wait on it while it is away, so B sees it go (reads record no
      // hints, so B has no replay of its own pending).
      await b.coordinator.get(other!, { consistency: 'all' }).catch(() => undefined);

      // Act
      await bringBack(fault);

      // Assess
      // B goes on serving reads, none of the hinted key (which could repair it).
      await vi.waitFor(
        async () => {
          await b.coordinator.get(other!, { consistency: 'all' }).catch(() => undefined);
          expect(b.observer.ofType('hints-replayed', b.pool.replicas[1]!.name)).not.toEqual([]);
        },
        { timeout: 10_000, interval: 50 },
      );
      await vi.waitFor(async () => expect(await storedOnNode(replica1(), storageKey(key!))).toMatchObject({ value: 'missed-by-master-0', version: written.version }), {
        timeout: 5_000,
        interval: 50,
      });
      await b.coordinator.close();
    },
  );
});
