import { describe, expect, it, vi } from 'vitest';
import { applyEntry, loadConfig, readEntry, ReplicaPool, type StoredEntry } from '../../../lib';
import { SEED_VERSION } from '../../../lib/core/hybridLogicalClock';
import { tieRank } from '../../../lib/core/storedEntry';
import { encodeEntry } from '../../../lib/replica/entryFormat';
import { entryIdsOf } from '../../../lib/replica/replicaCommands';
import type { LocalReplica } from '../../../tools/localCluster';
import { useCoordinators } from '../../support/coordinators';
import { directClient, flushAll, storedOnNode, useRedisCluster } from '../../support/redisCluster';

/**
 * The seed stored user key K verbatim, as a plain string at K; quorum-kv stores a user key starting with `!` at
 * `!K` (`storageKey`). These tests plant seed data as the seed did, with a direct client, and read it through
 * quorum-kv.
 *
 * Standalone replicas only: the seed never wrote to a Redis Cluster, and on a cluster replica the scripts leave the
 * seed rules out (a script may touch only its declared keys, in one slot).
 */
describe('Data from the seed under keys that start with "!"', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);

  /** Writes `value` at Redis key `redisKey` on each of `nodes`, as the seed coordinator did. */
  async function seed(nodes: readonly LocalReplica[], redisKey: string, value: string): Promise<void> {
    for (const node of nodes) {
      const client = directClient(node);
      await client.set(redisKey, value);
      client.disconnect();
    }
  }

  /** What each node holds at `redisKey`, read directly (a plain string as `{ value }`). */
  function storedEverywhere(redisKey: string): Promise<Record<string, string>[]> {
    return Promise.all(cluster().nodes.map((node) => storedOnNode(node, redisKey)));
  }

  it.each([
    ['every replica', [0, 1, 2]],
    ['two replicas of three', [1, 2]],
  ] as const)('reads a seed string at "!x" held by %s, at level one and at quorum', async (_where, holders) => {
    // Prepare
    await seed(
      holders.map((i) => cluster().nodes[i]!),
      '!x',
      'seeded',
    );
    const coordinator = newCoordinator({ READ_REPAIR: 'off' });

    // Act
    const one = await coordinator.get('!x', { consistency: 'one' });
    const quorum = await coordinator.get('!x', { consistency: 'quorum' });

    // Assess
    expect([one.value, one.version]).toEqual(['seeded', SEED_VERSION]);
    expect([quorum.value, quorum.version]).toEqual(['seeded', SEED_VERSION]);
  });

  it.each(['string', 'hash'] as const)('replaces a seed string at "!x" with a write (ENTRY_WRITE_FORMAT=%s), and clears it from every replica', async (format) => {
    // Prepare
    await seed(cluster().nodes, '!x', 'seeded');
    const coordinator = newCoordinator({ ENTRY_WRITE_FORMAT: format });

    // Act
    await (await coordinator.set('!x', 'written', { consistency: 'all' })).settled;

    // Assess
    expect((await coordinator.get('!x', { consistency: 'one' })).value).toBe('written');
    expect((await coordinator.get('!x', { consistency: 'quorum' })).value).toBe('written');
    expect(await storedEverywhere('!x')).toEqual([{}, {}, {}]);
  });

  it('deletes a seed string at "!x" for good: once the tombstone has expired, the seed value does not come back', async () => {
    // Prepare
    await seed(cluster().nodes, '!x', 'seeded');
    const coordinator = newCoordinator({ TOMBSTONE_GRACE_S: '1' });

    // Act
    await (await coordinator.delete('!x', { consistency: 'all' })).settled;
    await vi.waitFor(async () => expect(await storedEverywhere('!!x')).toEqual([{}, {}, {}]), { timeout: 5_000, interval: 100 });

    // Assess
    expect(await storedEverywhere('!x')).toEqual([{}, {}, {}]);
    expect((await coordinator.get('!x', { consistency: 'one' })).value).toBeNull();
    expect((await coordinator.get('!x', { consistency: 'quorum' })).value).toBeNull();
  });

  it('brings a replica that lacks a seed string at "!x" up to date with anti-entropy, and then finds nothing to repair', async () => {
    // Prepare
    await seed([cluster().nodes[0]!, cluster().nodes[1]!], '!x', 'seeded');
    const coordinator = newCoordinator();

    // Act
    const first = await coordinator.antiEntropy({ budgetMs: 60_000, fromStart: true });
    const second = await coordinator.antiEntropy({ budgetMs: 60_000, fromStart: true });

    // Assess
    expect(first).toMatchObject({ passComplete: true, keysDiverged: 1, replicasRepaired: 1 });
    expect(await storedOnNode(cluster().nodes[2]!, '!!x')).toEqual({ value: 'seeded', version: SEED_VERSION });
    expect(second).toMatchObject({ passComplete: true, keysDiverged: 0, replicasRepaired: 0 });
  });

  it('keeps reading an entry quorum-kv wrote at "!!x" as user key "!x", whatever the seed left at "!x"', async () => {
    // Prepare
    const coordinator = newCoordinator();
    await (await coordinator.set('!x', 'written', { consistency: 'all' })).settled;
    await seed(cluster().nodes, '!x', 'seeded later, by a seed client still running');

    // Act
    const one = await coordinator.get('!x', { consistency: 'one' });
    const quorum = await coordinator.get('!x', { consistency: 'quorum' });

    // Assess
    expect([one.value, quorum.value]).toEqual(['written', 'written']);
  });

  describe('where the seed\'s keys and quorum-kv\'s collide', () => {
    it('reads a seed string at "!!y" as the seed\'s user key "!!y", not as quorum-kv\'s user key "!y" (stored at the same Redis key)', async () => {
      // Prepare
      await seed(cluster().nodes, '!!y', 'seeded as !!y');
      const coordinator = newCoordinator({ READ_REPAIR: 'off' });

      // Act
      const reads = await Promise.all(
        (['one', 'quorum'] as const).flatMap((consistency) => ['!!y', '!y'].map((key) => coordinator.get(key, { consistency }))),
      );

      // Assess
      expect(reads.map((read) => read.value)).toEqual(['seeded as !!y', null, 'seeded as !!y', null]);
    });

    it.each(['string', 'hash'] as const)('keeps the seed\'s "!!y" readable when user key "!y" is written over it (ENTRY_WRITE_FORMAT=%s): the seed string moves to "!!!y"', async (format) => {
      // Prepare
      await seed(cluster().nodes, '!!y', 'seeded as !!y');
      const coordinator = newCoordinator({ ENTRY_WRITE_FORMAT: format });

      // Act
      await (await coordinator.set('!y', 'written as !y', { consistency: 'all' })).settled;

      // Assess
      expect((await coordinator.get('!y', { consistency: 'quorum' })).value).toBe('written as !y');
      expect((await coordinator.get('!!y', { consistency: 'quorum' })).value).toBe('seeded as !!y');
      expect(await storedEverywhere('!!!y')).toEqual(Array(3).fill({ value: 'seeded as !!y', version: SEED_VERSION }));
    });

    it('brings a replica that lacks the seed\'s "!!y" up to date with anti-entropy, at "!!!y", leaving user key "!y" alone', async () => {
      // Prepare
      await seed([cluster().nodes[0]!, cluster().nodes[1]!], '!!y', 'seeded as !!y');
      const coordinator = newCoordinator();

      // Act
      const report = await coordinator.antiEntropy({ budgetMs: 60_000, fromStart: true });

      // Assess
      expect(report).toMatchObject({ passComplete: true, keysDiverged: 1, replicasRepaired: 1 });
      expect(await storedOnNode(cluster().nodes[2]!, '!!!y')).toEqual({ value: 'seeded as !!y', version: SEED_VERSION });
      expect(await storedOnNode(cluster().nodes[2]!, '!!y')).toEqual({});
      expect((await coordinator.get('!!y', { consistency: 'all' })).value).toBe('seeded as !!y');
      expect((await coordinator.get('!y', { consistency: 'all' })).value).toBeNull();
    });

    it('does not read internal keys as seed data: a user key under "!qkv:" reads only what quorum-kv wrote for it', async () => {
      // Prepare
      await seed(cluster().nodes, '!qkv:x', 'an internal string');
      const coordinator = newCoordinator({ READ_REPAIR: 'off' });

      // Act
      const before = await coordinator.get('!qkv:x', { consistency: 'quorum' });
      await coordinator.set('!qkv:x', 'written', { consistency: 'all' });
      const after = await coordinator.get('!qkv:x', { consistency: 'quorum' });

      // Assess
      expect([before.value, after.value]).toEqual([null, 'written']);
      expect(await storedEverywhere('!qkv:x')).toEqual(Array(3).fill({ value: 'an internal string' }));
    });
  });

  describe('TypeScript and Lua alike', () => {
    const V = '1795808440933.00000.6441806726';
    const LATER = '1795808440934.00000.6441806726';
    /** What a key may hold: nothing, an entry string, a hash (the format before strings), or a plain seed string. */
    const FORMS = ['nothing', 'entry string', 'hash', 'plain string'] as const;
    type Form = (typeof FORMS)[number];

    async function store(redisKey: string, form: Form, value: string): Promise<void> {
      const client = directClient(cluster().nodes[0]!);
      if (form === 'entry string') await client.set(redisKey, encodeEntry({ version: V, value }));
      if (form === 'hash') await client.hset(redisKey, { value, version: V });
      if (form === 'plain string') await client.set(redisKey, value);
      client.disconnect();
    }

    it.each(FORMS.flatMap((atKey) => FORMS.map((atSeedKey) => [atKey, atSeedKey] as const)))(
      'with %s at "!!x" and %s at "!x": reads, compares and replaces the same entry of user key "!x"',
      async (atKey, atSeedKey) => {
        // Prepare: "!!x" stores user key "!x"; "!x" is where the seed stored it.
        await flushAll(cluster());
        await store('!!x', atKey, 'own');
        await store('!x', atSeedKey, 'seeded');
        const expected: StoredEntry | null =
          atKey === 'entry string' || atKey === 'hash'
            ? { version: V, value: 'own' }
            : atSeedKey === 'plain string'
              ? { version: SEED_VERSION, value: 'seeded' }
              : null;
        const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url }));
        const replica = pool.replicas[0]!.client;

        // Act
        const read = await readEntry(replica, '!!x');
        const [id] = await entryIdsOf(replica, ['!!x']);
        const again = expected === null ? undefined : await applyEntry(replica, '!!x', expected, 1_000);
        const newer = await applyEntry(replica, '!!x', { version: LATER, value: 'newer' }, 1_000);
        await pool.close();

        // Assess
        expect(read).toEqual(expected);
        expect(id).toBe(expected === null ? undefined : `${expected.version}:${tieRank(expected)}`);
        if (again !== undefined) expect(again).toEqual({ kind: 'same' });
        expect(newer).toEqual({ kind: 'applied' });
        const node = cluster().nodes[0]!;
        expect(await storedOnNode(node, '!!x')).toEqual({ value: 'newer', version: LATER });
        // The seed's plain string at "!x" is gone; anything else there (no user key's entry) is left alone.
        expect(await storedOnNode(node, '!x')).toEqual(
          atSeedKey === 'entry string' ? { value: 'seeded', version: V } : atSeedKey === 'hash' ? { value: 'seeded', version: V } : {},
        );
        // A plain string at "!!x" was the seed's "!!x": it now sits where quorum-kv stores that user key.
        expect(await storedOnNode(node, '!!!x')).toEqual(atKey === 'plain string' ? { value: 'own', version: SEED_VERSION } : {});
      },
    );
  });
});
