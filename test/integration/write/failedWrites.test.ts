import { describe, expect, it, vi } from 'vitest';
import { QuorumNotReachedError } from '../../../lib';
import { TEST_NODE_TIMEOUT_MS, useCoordinators, usePartitionable } from '../../support/coordinators';
import { storedOnNode, timedFailure, useRedisCluster } from '../../support/redisCluster';

/**
 * A write that misses its quorum: answered fast, honest about its fate (`rolledBack`), never undone, and never seen
 * to flip back once a quorum read has returned it.
 */
describe.each(['standalone', 'cluster'] as const)('Failed writes (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  it('answers FAIL within about one node timeout with two nodes down, saying the write may still take effect', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await (await coordinator.set('k', 'before')).settled;
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();

    // Act
    const { error, ms } = await timedFailure(() => coordinator.set('k', 'failed'));

    // Assess: it landed on the survivor, so it may take effect; it is left there, not undone.
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect((error as QuorumNotReachedError).rolledBack).toBe(false);
    expect(ms).toBeLessThan(TEST_NODE_TIMEOUT_MS + 100);
    expect((await storedOnNode(cluster().nodes[2]!, 'k')).value).toBe('failed');
  });

  it('never flips back: once a quorum read returns the failed write, every later quorum read does too', async () => {
    // Prepare: the failed write sits on node 2 only; nodes 0 and 1 come back with the value before it.
    const coordinator = newCoordinator();
    await (await coordinator.set('k', 'before')).settled;
    await cluster().nodes[0]!.kill();
    await cluster().nodes[1]!.kill();
    await timedFailure(() => coordinator.set('k', 'failed'));
    await cluster().nodes[0]!.start();
    await cluster().nodes[1]!.start();

    // Act: quorum reads from fresh containers, each asking whichever replicas answer first.
    const reads: (string | null)[] = [];
    for (let i = 0; i < 10; i += 1) reads.push((await newCoordinator().get('k', { consistency: 'quorum' })).value);

    // Assess: a read that saw the failed write wrote it back to a quorum first, so no later read goes back.
    const first = reads.indexOf('failed');
    if (first >= 0) expect(reads.slice(first)).toEqual(Array(reads.length - first).fill('failed'));
    else expect(reads).toEqual(Array(reads.length).fill('before'));
  });

  it('lets two paused nodes that wake run the queued write, and reads agree on it afterwards', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await (await coordinator.set('k', 'before')).settled;
    cluster().nodes[0]!.pause();
    cluster().nodes[1]!.pause();

    // Act
    const { error } = await timedFailure(() => coordinator.set('k', 'queued'));
    cluster().nodes[0]!.resume();
    cluster().nodes[1]!.resume();

    // Assess: the queued write runs when they wake (a paused node is not stale); nothing undoes it.
    expect((error as QuorumNotReachedError).rolledBack).toBe(false);
    await vi.waitFor(async () => expect((await storedOnNode(cluster().nodes[0]!, 'k')).value).toBe('queued'), { timeout: 3_000, interval: 20 });
    expect((await newCoordinator().get('k', { consistency: 'all' })).value).toBe('queued');
  });
});

/**
 * `rolled_back: true` while connections are being remade. A write that arrives while a connection is open but not
 * yet ready (its handshake still under way, here held by a partition) must not be queued in the client to be sent
 * later, nor counted as "may have run": nothing was sent. Standalone only: a cluster client holds a command while it
 * looks for a live master, so there `rolled_back: false` is the honest answer (see the README).
 */
describe('Failed writes while every connection is being remade (standalone replicas behind proxies)', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const newLinkedCoordinator = usePartitionable(cluster, newCoordinator);

  it('answers rolled_back true for a write sent while no connection is ready, and the write never lands after the heal', async () => {
    // Prepare: every connection reset, then the coordinator's next attempts connect into a partition, so each is
    // open with its handshake held (not ready). The breakers are kept out of the way: a skipped call proves nothing.
    const { coordinator, links } = await newLinkedCoordinator({ BREAKER_FAILURES: '1000' });
    await (await coordinator.set('k', 'before')).settled;
    for (const proxy of links.proxies) proxy.reset();
    await vi.waitFor(() => expect(links.proxies.map((proxy) => proxy.stats.connectionsReset > 0)).toEqual([true, true, true]), {
      timeout: 3_000,
      interval: 10,
    });
    for (const proxy of links.proxies) proxy.blackhole('deliver');
    await vi.waitFor(() => expect(links.proxies.map((proxy) => proxy.stats.bytesPending > 0)).toEqual([true, true, true]), {
      timeout: 3_000,
      interval: 10,
    });

    // Act: the write, then the heal, which delivers the held handshakes so every connection becomes ready.
    const { error, ms } = await timedFailure(() => coordinator.set('k', 'never'));
    for (const proxy of links.proxies) proxy.pass();
    await vi.waitFor(async () => expect((await coordinator.health()).nodes.map((node) => node.up)).toEqual([true, true, true]), {
      timeout: 3_000,
      interval: 20,
    });

    // Assess: it said it landed nowhere, within about one node timeout, and it did land nowhere.
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect((error as QuorumNotReachedError).rolledBack).toBe(true);
    expect(ms).toBeLessThan(TEST_NODE_TIMEOUT_MS + 100);
    for (const node of cluster().nodes) expect((await storedOnNode(node, 'k')).value).toBe('before');
  });
});
