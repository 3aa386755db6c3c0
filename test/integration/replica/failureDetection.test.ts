import { describe, expect, it, vi } from 'vitest';
import { loadConfig, ReplicaPool, type ReplicaHealth } from '../../../lib';
import { LocalClusterReplica } from '../../../tools/localClusterReplica';
import type { LocalRedisNode } from '../../../tools/localRedisNode';
import { keysServedBy, masterServing } from '../../support/clusterKeys';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { directClient, timed, useRedisCluster } from '../../support/redisCluster';

/** The breaker guarding `key`'s calls in a replica's health: the replica's own, or on a cluster its master's. */
function breakerFor(health: ReplicaHealth, masterOfKey: string | undefined): string | undefined {
  return masterOfKey === undefined ? health.breaker : health.masters?.find((master) => master.master === masterOfKey)?.breaker;
}

describe.each(['standalone', 'cluster'] as const)('Failure detection: a circuit breaker per replica (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  /** The server holding `key` in a replica: the replica itself, or on a cluster the master serving its slot. */
  async function serverOf(replicaIndex: number, key: string): Promise<LocalRedisNode> {
    const replica = cluster().nodes[replicaIndex]!;
    return replica instanceof LocalClusterReplica ? masterServing(replica, key) : replica;
  }

  /** On a cluster replica, the master (`host:port`) serving `key`; one server has a single breaker. */
  async function masterOf(replicaIndex: number, key: string): Promise<string | undefined> {
    return mode === 'cluster' ? `127.0.0.1:${(await serverOf(replicaIndex, key)).port}` : undefined;
  }

  it('skips a hung replica after a few timeouts, so operations that need it stop paying the node timeout', async () => {
    // Prepare: an all-replica read needs node 0, so while node 0 is hung and not yet skipped it waits for the timeout.
    const coordinator = newCoordinator({ BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000' });
    await (await coordinator.set('k', 'v')).settled;
    const masterOfK = await masterOf(0, 'k');
    cluster().nodes[0]!.pause();

    // Act
    const first = await timed(() => coordinator.get('k', { consistency: 'all' }).catch((error: Error) => error));
    for (let i = 0; i < 3; i += 1) await coordinator.set('k', `v${i}`).then((r) => r.settled);
    const afterBreak = await timed(() => coordinator.set('k', 'after'));
    const allReadAfterBreak = await timed(() => coordinator.get('k', { consistency: 'all' }).catch((error: Error) => error));
    const health = await coordinator.health();

    // Assess
    expect(first.ms).toBeGreaterThanOrEqual(TEST_NODE_TIMEOUT_MS - 20);
    expect(allReadAfterBreak.result).toBeInstanceOf(Error);
    expect(allReadAfterBreak.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS / 2);
    expect(afterBreak.result.replicas[0]!.outcome).toBe('skipped');
    expect(afterBreak.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS / 2);
    expect(health.nodes[0]).toMatchObject({ up: false, status: 'down' });
    expect(breakerFor(health.nodes[0]!, masterOfK)).toBe('open');
    expect(health.writeQuorumReachable).toBe(true);
  });

  it('counts only consecutive failures: a success in between keeps the breaker closed', async () => {
    // Prepare: each CLIENT PAUSE makes node 0 (on a cluster, the master serving k) hold every client's commands for
    // 300 ms, so it misses one write's node timeout. The pause is in force once its reply arrives (unlike a DEBUG
    // SLEEP sent on another connection, which may or may not have started when the write arrives); a PING sent after
    // it answers once the node serves again.
    const coordinator = newCoordinator({ BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000' });
    // Connected first: a command still queued while its connection is being made is not yet timed.
    await (await coordinator.set('warm-up', 'v')).settled;
    const pauser = directClient(await serverOf(0, 'k'));
    const writeWhileNode0Sleeps = async (): Promise<string> => {
      await pauser.call('CLIENT', 'PAUSE', '300', 'ALL');
      const outcome = (await (await coordinator.set('k', 'v')).settled)[0]!.outcome;
      await pauser.ping();
      return outcome;
    };

    // Act: two failures, a success, two failures, then a healthy write.
    const outcomes = [await writeWhileNode0Sleeps(), await writeWhileNode0Sleeps()];
    outcomes.push((await (await coordinator.set('k', 'v')).settled)[0]!.outcome);
    outcomes.push(await writeWhileNode0Sleeps(), await writeWhileNode0Sleeps());
    outcomes.push((await (await coordinator.set('k', 'v')).settled)[0]!.outcome);
    pauser.disconnect();

    // Assess: four failures in all, but never three in a row, so node 0 was never skipped.
    expect(outcomes).toEqual(['timeout', 'timeout', 'applied', 'timeout', 'timeout', 'applied']);
  });

  it('answers a command queued behind another on a hung replica within the node timeout too', async () => {
    // Prepare: a pool whose connections are up; node 0 hangs. A first call to it is sent and waits for its timeout;
    // a second, issued a moment later, waits unsent behind it (one auto-pipeline at a time per connection).
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS) }));
    const node0 = pool.replicas[0]!;
    await pool.call(node0, (client) => client.ping());
    cluster().nodes[0]!.pause();
    const first = pool.call(node0, (client) => client.ping());
    await new Promise((resolve) => setImmediate(resolve));

    // Act
    const second = await timed(() => pool.call(node0, (client) => client.get('k')));
    await first;
    cluster().nodes[0]!.resume();
    await pool.close();

    // Assess
    expect(second.result).toMatchObject({ ok: false, outcome: 'timeout', failure: 'timeout' });
    expect(second.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS + 50);
  });

  it('lets a recovered replica back in through a probe after the half-open pause', async () => {
    // Prepare
    const coordinator = newCoordinator({ BREAKER_FAILURES: '2', BREAKER_HALF_OPEN_MS: '300' });
    await cluster().nodes[1]!.kill();
    for (let i = 0; i < 3; i += 1) await coordinator.set('k', `v${i}`);
    expect((await coordinator.set('k', 'skipped')).replicas[1]!.outcome).toBe('skipped');
    await cluster().nodes[1]!.start();

    // Act: the first call after the half-open pause is the probe; once it succeeds the replica is in use again.
    const outcomes: string[] = [];
    await vi.waitFor(
      async () => {
        outcomes.push((await (await coordinator.set('k', `back${outcomes.length}`)).settled)[1]!.outcome);
        expect(outcomes.at(-1)).toBe('applied');
      },
      { timeout: 5_000, interval: 50 },
    );

    // Assess: once let back in, it stays in use.
    expect((await (await coordinator.set('k', 'after')).settled)[1]!.outcome).toBe('applied');
    expect((await coordinator.health()).nodes[1]).toMatchObject({ up: true, breaker: 'closed' });
  });

  it('answers 503-style failures within about one node timeout when the quorum is unreachable', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await coordinator.get('warm-up');
    cluster().nodes[0]!.pause();
    cluster().nodes[2]!.pause();

    // Act
    const write = await timed(() => coordinator.set('k', 'v').catch((error: Error) => error));
    const read = await timed(() => coordinator.get('k', { consistency: 'quorum' }).catch((error: Error) => error));

    // Assess
    expect(write.result).toBeInstanceOf(Error);
    expect(read.result).toBeInstanceOf(Error);
    expect(write.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS + 300);
    expect(read.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS + 300);
    expect((await coordinator.health()).writeQuorumReachable).toBe(false);
  });
});

describe('Failure detection: a breaker per master of a cluster replica', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
  const newCoordinator = useCoordinators(cluster);

  it('keeps writing the keys of the other masters of a replica with one master hung, and skips only the hung master\'s keys', async () => {
    // Prepare: keys on each master of the replicas' shared slot layout; master 0 of replica 1 hangs.
    const coordinator = newCoordinator({ BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000' });
    const replica1 = cluster().nodes[1] as LocalClusterReplica;
    const [onHung, ...others] = await Promise.all(replica1.masters.map((master) => keysServedBy(master, 4, `m${master.port}-`)));
    const healthyKeys = others.flat();
    for (const key of [...onHung!, ...healthyKeys]) await (await coordinator.set(key, 'before')).settled;
    replica1.masters[0]!.pause();

    // Act: the hung master's keys until its breaker opens, then every key again.
    const untilOpen: string[] = [];
    for (const key of onHung!.slice(0, 3)) untilOpen.push((await (await coordinator.set(key, 'during')).settled)[1]!.outcome);
    const hungAfterOpen = await Promise.all(onHung!.map((key) => timed(() => coordinator.set(key, 'after'))));
    const healthyAfterOpen = await Promise.all(healthyKeys.map(async (key) => (await (await coordinator.set(key, 'after')).settled).map((r) => r.outcome)));
    const health = await coordinator.health();

    // Assess
    expect(untilOpen).toEqual(['timeout', 'timeout', 'timeout']);
    for (const { result, ms } of hungAfterOpen) {
      expect(result.replicas[1]!.outcome).toBe('skipped');
      expect(ms).toBeLessThan(TEST_NODE_TIMEOUT_MS / 2);
    }
    for (const outcomes of healthyAfterOpen) expect(outcomes).toEqual(['applied', 'applied', 'applied']);
    const hung = `127.0.0.1:${replica1.masters[0]!.port}`;
    expect(health.nodes[1]).toMatchObject({ up: false, status: 'degraded', breaker: 'closed' });
    expect(health.nodes[1]!.masters!.find((master) => master.master === hung)).toMatchObject({ up: false, breaker: 'open' });
    expect(health.nodes[1]!.masters!.filter((master) => master.master !== hung)).toMatchObject([
      { up: true, breaker: 'closed' },
      { up: true, breaker: 'closed' },
    ]);
    expect(health.writeQuorumReachable).toBe(true);
  });
});
