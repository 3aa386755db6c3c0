import { describe, expect, it } from 'vitest';
import { loadConfig, readEntry, ReplicaPool } from '../../../lib';
import { tieRank } from '../../../lib/core/storedEntry';
import { applyEntry, entryIdsOf } from '../../../lib/replica/replicaCommands';
import { httpEvent, lambdaContext } from '../../../tools/apiGatewayEvents';
import { useCoordinators } from '../../support/coordinators';
import { jsonOf, useHandlers } from '../../support/handlers';
import { directClient, flushAll, storedOnNode, useRedisCluster } from '../../support/redisCluster';

const V = '1795808440933.00000.6441806726';

/**
 * `expiresAt` values a hash entry (the format before entry strings) may hold that are no expiry the entry format can
 * express (epoch ms, 1 to 15 digits, no leading zero): such an entry reads as having no expiry, everywhere.
 * Standalone replicas only: hash entries predate entry strings, and no earlier version wrote to a Redis Cluster.
 */
const MALFORMED = ['soon', '', '12.5', '0', '-1', '1e3', '0123', ' 123', '1234567890123456'];

describe('A hash entry whose expiresAt is malformed', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const handlers = useHandlers(cluster);

  /** Stores a hash entry with `expiresAt` on the given nodes, as a replica could hold it (tampered, or corrupted). */
  async function storeHash(nodes: readonly number[], expiresAt: string, tombstone = false): Promise<void> {
    for (const i of nodes) {
      const client = directClient(cluster().nodes[i]!);
      await client.hset('k', { ...(tombstone ? { tombstone: '1' } : { value: 'v' }), version: V, expiresAt });
      client.disconnect();
    }
  }

  it.each(MALFORMED)('with expiresAt %j reads at level one as a value without expiry, and read repair copies it', async (expiresAt) => {
    // Prepare
    await storeHash([0], expiresAt);
    const coordinator = newCoordinator({ READ_REPAIR: 'blocking' });

    // Act
    const read = await coordinator.get('k', { consistency: 'all' });
    const one = await coordinator.get('k', { consistency: 'one' });

    // Assess
    expect(read).toMatchObject({ value: 'v', version: V, repair: 'repaired' });
    expect(read.expiresAt).toBeUndefined();
    expect([one.value, one.expiresAt]).toEqual(['v', undefined]);
    expect(await storedOnNode(cluster().nodes[1]!, 'k')).toEqual({ value: 'v', version: V });
  });

  it.each(MALFORMED)('with expiresAt %j reads at quorum as a value without expiry, written back where it lacks', async (expiresAt) => {
    // Prepare
    await storeHash([0, 1], expiresAt);
    const coordinator = newCoordinator({ READ_REPAIR: 'off', WRITE_QUORUM: '3' });

    // Act
    const read = await coordinator.get('k', { consistency: 'quorum' });

    // Assess
    expect([read.value, read.version, read.expiresAt]).toEqual(['v', V, undefined]);
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ value: 'v', version: V });
  });

  it('answers GET /get with 200 and no expires_at, not 500', async () => {
    // Prepare
    await storeHash([0, 1, 2], 'soon');

    // Act
    const response = await handlers().get(httpEvent({ method: 'GET', path: '/get', query: { key: 'k' } }), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(jsonOf(response)).toMatchObject({ status: 'OK', value: 'v' });
    expect(jsonOf(response).expires_at).toBeUndefined();
  });

  it('repairs a tombstone with a malformed expiresAt as a tombstone without expiry (it is never removed, so never resurrected)', async () => {
    // Prepare
    await storeHash([0], 'soon', true);
    const older = directClient(cluster().nodes[1]!);
    await older.hset('k', { value: 'older', version: '1795808440932.00000.6441806726' });
    older.disconnect();
    const coordinator = newCoordinator();

    // Act
    const report = await coordinator.repairKey('k');

    // Assess
    expect(report.repairs.map((repair) => repair.outcome)).toEqual(['repaired', 'repaired']);
    expect(await storedOnNode(cluster().nodes[1]!, 'k')).toEqual({ tombstone: '1', version: V });
    expect(await storedOnNode(cluster().nodes[2]!, 'k')).toEqual({ tombstone: '1', version: V });
    expect((await coordinator.get('k', { consistency: 'all' })).value).toBeNull();
  });

  it('is brought to every replica by anti-entropy, which then finds the forms agree', async () => {
    // Prepare
    await storeHash([0], 'soon');
    const coordinator = newCoordinator();

    // Act
    const first = await coordinator.antiEntropy({ budgetMs: 60_000, fromStart: true });
    const second = await coordinator.antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(first).toMatchObject({ passComplete: true, keysDiverged: 1, replicasRepaired: 2 });
    expect(second).toMatchObject({ passComplete: true, keysDiverged: 0, replicasRepaired: 0 });
    for (const i of [1, 2]) expect(await storedOnNode(cluster().nodes[i]!, 'k')).toEqual({ value: 'v', version: V });
  });

  it.each(MALFORMED)('with expiresAt %j is the same entry to TypeScript and to the Lua scripts', async (expiresAt) => {
    // Prepare
    await flushAll(cluster());
    await storeHash([0], expiresAt);
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url }));
    const replica = pool.replicas[0]!.client;

    // Act
    const read = await readEntry(replica, 'k');
    const [id] = await entryIdsOf(replica, ['k']);
    const again = await applyEntry(replica, 'k', { version: V, value: 'v' }, 1_000);
    await pool.close();

    // Assess
    expect(read).toEqual({ version: V, value: 'v' });
    expect(id).toBe(`${V}:${tieRank({ version: V, value: 'v' })}`);
    expect(again).toEqual({ kind: 'same' });
  });
});
