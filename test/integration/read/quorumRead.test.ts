import { describe, expect, it } from 'vitest';
import { CONSISTENCY_LEVELS, ReadQuorumNotReachedError } from '../../../lib';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { directClient, storedOnNode, timed, timedFailure, useRedisCluster } from '../../support/redisCluster';

/** Every configuration a store can have up to five replicas: N = 1..5 and every write quorum W = 1..N. */
const CONFIGURATIONS = [1, 2, 3, 4, 5].flatMap((n) => Array.from({ length: n }, (_, i) => [n, i + 1] as const));

// Standalone replicas cover the whole N ≤ 5 table. Cluster replicas (each a Redis Cluster of 3 masters) cover N = 3
// with every W: what a cluster changes is how one replica answers, not how the quorums count.
describe.each(['standalone', 'cluster'] as const)('Quorum reads for every N and W, against real %s replicas', (mode) => {
  const configurations = mode === 'standalone' ? CONFIGURATIONS : CONFIGURATIONS.filter(([n]) => n === 3);
  const cluster = useRedisCluster({ count: mode === 'standalone' ? 5 : 3, mode });
  const newCoordinator = useCoordinators(cluster);
  /** Settings of a coordinator over the first `n` replicas with write quorum `w`. */
  const over = (n: number, w: number, extra: Record<string, string> = {}) => ({
    REDIS_NODES: cluster()
      .nodes.slice(0, n)
      .map((node) => node.url)
      .join(','),
    WRITE_QUORUM: String(w),
    ...extra,
  });

  it.each(configurations)('with N=%i and W=%i, healthy: writes at quorum and all succeed, and reads at every level return the last write', async (n, w) => {
    // Prepare
    const writer = newCoordinator(over(n, w));
    const reader = newCoordinator(over(n, w));

    for (const level of ['quorum', 'all'] as const) {
      // Act
      const written = await writer.set('k', `written at ${level}`, { consistency: level });
      const reads = [];
      for (const consistency of CONSISTENCY_LEVELS) {
        for (let i = 0; i < 5; i += 1) reads.push(await reader.get('k', { consistency }));
      }

      // Assess
      expect(written.acknowledged).toBeGreaterThanOrEqual(level === 'all' ? n : w);
      expect(reads.map((read) => [read.consistency, read.value])).toEqual(
        CONSISTENCY_LEVELS.flatMap((consistency) => Array(5).fill([consistency, `written at ${level}`])),
      );
    }
  });

  // With N = 1 the one replica is the store: an older entry there is all there is.
  const withStaleReplica = configurations.filter(([n]) => n > 1).flatMap(([n, w]) => Array.from({ length: n }, (_, stale) => [n, w, stale] as const));

  it.each(withStaleReplica)(
    'with N=%i and W=%i and replica %i holding an older entry, a quorum read returns the newest and leaves it on at least W replicas',
    async (n, w, stale) => {
      // Prepare: every replica takes "old" then "new"; then replica `stale` gets its "old" entry back, as from an
      // older snapshot. Read repair is off: only the quorum read's own write-back may touch a replica.
      const writer = newCoordinator(over(n, w));
      await writer.set('k', 'old', { consistency: 'all' });
      const staleNode = cluster().nodes[stale]!;
      const direct = directClient(staleNode);
      const oldEntry = (await direct.get('k'))!;
      const written = await writer.set('k', 'new', { consistency: 'all' });
      await direct.set('k', oldEntry);
      direct.disconnect();
      const reader = newCoordinator(over(n, w, { READ_REPAIR: 'off' }));

      // Act
      const read = await reader.get('k', { consistency: 'quorum' });

      // Assess
      expect([read.value, read.version]).toEqual(['new', written.version]);
      const held = await Promise.all(cluster().nodes.slice(0, n).map((node) => storedOnNode(node, 'k')));
      expect(held.filter((fields) => fields.value === 'new').length).toBeGreaterThanOrEqual(w);
    },
  );

  // Five replicas: the standalone run's only.
  if (mode === 'standalone') it('with N=5 and W=4 and one replica hung (paused), a quorum read answers on the four others without waiting for it', async () => {
    // Prepare
    const writer = newCoordinator(over(5, 4));
    await writer.set('k', 'v', { consistency: 'all' });
    cluster().nodes[3]!.pause();
    const reader = newCoordinator(over(5, 4, { READ_REPAIR: 'off' }));

    // Act
    const { result: read, ms } = await timed(() => reader.get('k', { consistency: 'quorum' }));

    // Assess
    expect(read.value).toBe('v');
    expect(read.replicas[3]?.outcome).toBe('pending');
    expect(ms).toBeLessThan(TEST_NODE_TIMEOUT_MS);
  });

  it('with W = N = 3 and one replica hung (paused), a quorum read fails within one node timeout per round trip', async () => {
    // Prepare: the reader is connected before the pause, so what is timed is the read's round trips, not a first
    // connect (a cluster client still connecting to a hung replica waits up to the connect timeout instead).
    const writer = newCoordinator(over(3, 3));
    await writer.set('k', 'v', { consistency: 'all' });
    const reader = newCoordinator(over(3, 3, { READ_REPAIR: 'off' }));
    await reader.get('k', { consistency: 'all' });
    cluster().nodes[1]!.pause();

    // Act
    const { error, ms } = await timedFailure(() => reader.get('k', { consistency: 'quorum' }));

    // Assess: the read waits for the hung replica (it might hold W's third copy), then the write-back to it times out
    // (two round trips, each bounded by the node timeout).
    expect(error).toBeInstanceOf(ReadQuorumNotReachedError);
    expect((error as ReadQuorumNotReachedError).replicas[1]?.outcome).toBe('timeout');
    expect(ms).toBeLessThan(3 * TEST_NODE_TIMEOUT_MS);
  });
});
