import { describe, expect, it, vi } from 'vitest';
import { QuorumNotReachedError } from '../../../lib';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
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
