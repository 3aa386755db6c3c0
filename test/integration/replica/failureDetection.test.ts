import { describe, expect, it, vi } from 'vitest';
import { loadConfig, ReplicaPool } from '../../../lib';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { directClient, timed, useRedisCluster } from '../../support/redisCluster';

describe('Failure detection: a circuit breaker per replica', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  it('skips a hung replica after a few timeouts, so operations that need it stop paying the node timeout', async () => {
    // Prepare: an all-replica read needs node 0, so while node 0 is hung and not yet skipped it waits for the timeout.
    const coordinator = newCoordinator({ BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000' });
    await (await coordinator.set('k', 'v')).settled;
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
    expect(health.nodes[0]).toMatchObject({ up: false, breaker: 'open' });
    expect(health.writeQuorumReachable).toBe(true);
  });

  it('counts only consecutive failures: a success in between keeps the breaker closed', async () => {
    // Prepare: each CLIENT PAUSE makes node 0 hold every client's commands for 300 ms, so it misses one write's node
    // timeout. The pause is in force once its reply arrives (unlike a DEBUG SLEEP sent on another connection, which
    // may or may not have started when the write arrives); a PING sent after it answers once the node serves again.
    const coordinator = newCoordinator({ BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000' });
    // Connected first: a command still queued while its connection is being made is not yet timed.
    await (await coordinator.set('warm-up', 'v')).settled;
    const pauser = directClient(cluster().nodes[0]!);
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
