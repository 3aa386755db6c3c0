import { describe, expect, it } from 'vitest';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { useRedisCluster } from '../../support/redisCluster';

/** Blocks this process's event loop for `ms`, as a long GC pause or a starved CPU does. */
function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: nothing else runs, timers and I/O included.
  }
}

/**
 * The node timeout means "no reply within it", not "no reply read within it": after the process stalls (GC, a
 * starved CPU), replies that arrived meanwhile are read before timers that expired meanwhile are allowed to decide.
 */
describe.each(['standalone', 'cluster'] as const)('The node timeout after an event-loop stall (%s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  const newCoordinator = useCoordinators(cluster);

  it('counts a reply that arrived while the process was stalled past the node timeout as a reply', async () => {
    // Prepare: connected and warm, one request at a time as in a Lambda container (no auto-pipelining).
    const coordinator = newCoordinator({ REDIS_AUTO_PIPELINING: 'false' });
    await (await coordinator.set('k', 'before')).settled;

    // Act: the write is on the wire; the process stalls past the node timeout while the replies come in.
    const write = coordinator.set('k', 'after');
    for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => process.nextTick(resolve));
    stallEventLoop(TEST_NODE_TIMEOUT_MS * 2);
    const written = await write;

    // Assess
    expect((await written.settled).map((report) => report.outcome)).toEqual(['applied', 'applied', 'applied']);
  });
});
