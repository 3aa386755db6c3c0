import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyEntry, loadConfig, readEntry, type ReplicaClient, ReplicaPool, type StoredEntry } from '../../../lib';
import { SEED_VERSION } from '../../../lib/core/hybridLogicalClock';
import { compareEntries, tieRank } from '../../../lib/core/storedEntry';
import { encodeEntry } from '../../../lib/replica/entryFormat';
import { entryIdsOf } from '../../../lib/replica/replicaCommands';
import { useCoordinators } from '../../support/coordinators';
import { directClient, flushAll, useRedisCluster } from '../../support/redisCluster';

/** The three forms an entry can take at K: an entry string, a hash (written before the string format), a seed string. */
type Form = 'string' | 'hash' | 'seed';

const V = '1795808440933.00000.6441806726';
const LATER = '1795808440934.00000.6441806726';
/** An hour from now: tombstones are removed at their expiry, so it must lie ahead. */
const EXPIRES = Date.now() + 3_600_000;
const GRACE_MS = 864_000_000;

/** Entries at one version that differ only in what the tie rank sees: kind, value, expiry. */
const TIED_AT_V: readonly StoredEntry[] = [
  { version: V, value: 'a' },
  { version: V, value: 'b' },
  { version: V, value: '' },
  { version: V, value: 'a', expiresAt: EXPIRES },
  { version: V, value: 'a', expiresAt: EXPIRES + 1 },
  { version: V, value: null, expiresAt: EXPIRES },
  { version: V, value: null, expiresAt: EXPIRES + 1 },
];
/** Seed-version entries (what a seed string reads as, and what repair copies of it are). */
const TIED_AT_SEED: readonly StoredEntry[] = [
  { version: SEED_VERSION, value: 'a' },
  { version: SEED_VERSION, value: 'b' },
  { version: SEED_VERSION, value: '' },
  { version: SEED_VERSION, value: 'multi\nline' },
];

/** Stores `entry` on a node in `form`, bypassing the coordinator: a hash as the hash-format script wrote it. */
async function storeAs(client: Redis | Cluster, replica: ReplicaClient, key: string, entry: StoredEntry, form: Form): Promise<void> {
  await client.del(key);
  if (form === 'string') {
    expect(await applyEntry(replica, key, entry, GRACE_MS)).toEqual({ kind: 'applied' });
  } else if (form === 'seed') {
    if (entry.version !== SEED_VERSION || entry.value === null || entry.expiresAt !== undefined) throw new Error('not a seed entry');
    await client.set(key, entry.value);
  } else {
    const fields = entry.value === null ? { version: entry.version, tombstone: '1' } : { value: entry.value, version: entry.version };
    await client.hset(key, { ...fields, ...(entry.expiresAt === undefined ? {} : { expiresAt: String(entry.expiresAt) }) });
    if (entry.expiresAt !== undefined) await client.pexpireat(key, entry.value === null ? entry.expiresAt : entry.expiresAt + GRACE_MS);
  }
}

/** The forms an entry can be stored in: a seed string only holds a seed-version value without expiry. */
function formsOf(entry: StoredEntry): Form[] {
  return entry.version === SEED_VERSION && entry.value !== null && entry.expiresAt === undefined ? ['string', 'hash', 'seed'] : ['string', 'hash'];
}

const describeEntry = (entry: StoredEntry): string =>
  `${entry.version === SEED_VERSION ? 'seed version' : 'version V'} ${entry.value === null ? 'tombstone' : JSON.stringify(entry.value)}${entry.expiresAt === undefined ? '' : ` expiring ${entry.expiresAt}`}`;

// Standalone replicas only: hashes and seed strings are what a replica held before entry strings, and no earlier
// version ever wrote to a Redis Cluster.
describe('Format: one string per entry (issue 12), hashes and seed strings still read', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  let pool: ReplicaPool;
  let hashPool: ReplicaPool;
  /** Node 0 with the scripts registered, writing entry strings. */
  let replica: ReplicaClient;
  /** Node 0 with the scripts registered, writing hashes (`ENTRY_WRITE_FORMAT=hash`). */
  let hashWriter: ReplicaClient;
  let client: Redis | Cluster;

  beforeAll(() => {
    pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url }));
    hashPool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().nodes[0]!.url, ENTRY_WRITE_FORMAT: 'hash' }));
    replica = pool.replicas[0]!.client;
    hashWriter = hashPool.replicas[0]!.client;
    client = directClient(cluster().nodes[0]!);
  });
  beforeEach(async () => {
    await flushAll(cluster());
  });
  afterAll(async () => {
    client.disconnect();
    await pool.close();
    await hashPool.close();
  });

  describe('What redis-cli shows', () => {
    it('shows the header line and then the value plainly for a value, a value with a TTL and a tombstone', async () => {
      // Prepare
      const coordinator = newCoordinator();

      // Act
      const plain = await coordinator.set('city', 'Seoul');
      const expiring = await coordinator.set('session', 'token\nwith a newline', { ttlSeconds: 60 });
      await coordinator.set('gone', 'soon');
      const deleted = await coordinator.delete('gone');
      await Promise.all([plain.settled, expiring.settled, deleted.settled]);
      const tombstone = await readEntry(replica, 'gone');

      // Assess
      expect(await client.get('city')).toBe(`qkv1 ${plain.version} v\nSeoul`);
      expect(await client.get('session')).toBe(`qkv1 ${expiring.version} v ${expiring.expiresAt}\ntoken\nwith a newline`);
      expect(await client.get('gone')).toBe(`qkv1 ${deleted.version} t ${tombstone!.expiresAt}\n`);
      expect(await client.type('city')).toBe('string');
    });
  });

  describe('Reading every form', () => {
    const cases = [...TIED_AT_V, ...TIED_AT_SEED].flatMap((entry) => formsOf(entry).map((form) => ({ form, entry })));

    it.each(cases.map(({ form, entry }) => [form, describeEntry(entry), form, entry] as const))(
      'reads a %s holding %s as that entry, with the same id in versionsOf',
      async (_form, _described, form, entry) => {
        // Prepare
        await storeAs(client, replica, 'k', entry, form);

        // Act
        const read = await readEntry(replica, 'k');
        const [id] = await entryIdsOf(replica, ['k']);

        // Assess
        expect(read).toEqual(entry);
        expect(id).toBe(`${entry.version}:${tieRank(entry)}`);
      },
    );

    it.each([
      ['no header at all', 'Seoul'],
      ['the magic alone', 'qkv1 '],
      ['the magic and text', 'qkv1 hello\nworld'],
      ['a version one digit short', 'qkv1 1795808440933.00000.644180672 v\nx'],
      ['an unknown kind', `qkv1 ${V} x\nx`],
      ['an expiry with a leading zero', `qkv1 ${V} v 0123\nx`],
      ['an expiry of 16 digits', `qkv1 ${V} v 1234567890123456\nx`],
      ['no newline after the header', `qkv1 ${V} v`],
      ['an empty string', ''],
    ])('reads a plain string with %s as a seed value, in TypeScript and in Lua alike', async (_case, stored) => {
      // Prepare
      await client.set('k', stored);
      const asSeed: StoredEntry = { version: SEED_VERSION, value: stored };

      // Act
      const read = await readEntry(replica, 'k');
      const [id] = await entryIdsOf(replica, ['k']);
      const sameSeedEntry = await applyEntry(replica, 'k', asSeed, GRACE_MS);

      // Assess: the script agrees (it finds this very entry there, and rewrites it as an entry string).
      expect(read).toEqual(asSeed);
      expect(id).toBe(`${SEED_VERSION}:${tieRank(asSeed)}`);
      expect(sameSeedEntry).toEqual({ kind: 'same' });
      expect(await client.get('k')).toBe(`qkv1 ${SEED_VERSION} v\n${stored}`);
    });

    it('reads a hash with a value and no version as seed data, as before', async () => {
      // Prepare
      await client.hset('k', 'value', 'old');

      // Act
      const read = await readEntry(replica, 'k');
      const [id] = await entryIdsOf(replica, ['k']);

      // Assess
      expect(read).toEqual({ version: SEED_VERSION, value: 'old' });
      expect(id).toBe(`${SEED_VERSION}:${tieRank({ version: SEED_VERSION, value: 'old' })}`);
    });

    it('reads a missing key as nothing', async () => {
      // Act
      const read = await readEntry(replica, 'missing');
      const [id] = await entryIdsOf(replica, ['missing']);

      // Assess
      expect(read).toBeNull();
      expect(id).toBeUndefined();
    });
  });

  describe('Ties between forms', () => {
    // Every pair of entries at one version, the held one in each form it can take, with both apply scripts: the
    // verdict must be the one compareEntries (tieRank) gives, or replicas holding different forms would not converge.
    const pairs = (['string', 'hash'] as const).flatMap((writes) =>
      [TIED_AT_V, TIED_AT_SEED].flatMap((tied) =>
        tied.flatMap((held) => formsOf(held).flatMap((form) => tied.map((incoming) => ({ writes, held, form, incoming })))),
      ),
    );

    it.each(pairs.map(({ writes, held, form, incoming }) => [writes, describeEntry(incoming), form, describeEntry(held), writes, held, form, incoming] as const))(
      'writing %ss, ranks %s against a %s holding %s as tieRank does',
      async (_writes, _incoming, _form, _held, writes, held, form, incoming) => {
        // Prepare
        await storeAs(client, replica, 'k', held, form);
        const order = compareEntries(incoming, held);

        // Act
        const reply = await applyEntry(writes === 'hash' ? hashWriter : replica, 'k', incoming, GRACE_MS);
        const after = await readEntry(replica, 'k');

        // Assess: applied when newer, the same entry when equal, refused when older; the string script rewrites an
        // equal entry held in an older form as a string, the hash script leaves it.
        if (order > 0) expect(reply).toEqual({ kind: 'applied' });
        else if (order === 0) expect(reply).toEqual({ kind: 'same' });
        else expect(reply).toEqual({ kind: 'newer', heldVersion: held.version });
        expect(after).toEqual(order >= 0 ? incoming : held);
        const heldType = form === 'hash' ? 'hash' : 'string';
        const expectedType = order > 0 ? writes : order === 0 && writes === 'string' ? 'string' : heldType;
        expect(await client.type('k')).toBe(expectedType);
      },
    );
  });

  describe('ENTRY_WRITE_FORMAT=hash: the first step of an upgrade from a version before strings', () => {
    it('writes values, TTLs and tombstones in the hash form that version reads, with the same Redis expiry', async () => {
      // Prepare
      const coordinator = newCoordinator({ ENTRY_WRITE_FORMAT: 'hash' });

      // Act
      const plain = await coordinator.set('city', 'Seoul');
      const expiring = await coordinator.set('session', 'token', { ttlSeconds: 60 });
      await coordinator.set('gone', 'soon');
      const deleted = await coordinator.delete('gone');
      await Promise.all([plain.settled, expiring.settled, deleted.settled]);

      // Assess
      expect(await client.hgetall('city')).toEqual({ value: 'Seoul', version: plain.version });
      expect(await client.pttl('city')).toBe(-1);
      expect(await client.hgetall('session')).toEqual({ value: 'token', version: expiring.version, expiresAt: String(expiring.expiresAt) });
      expect(await client.call('PEXPIRETIME', 'session')).toBe(expiring.expiresAt! + GRACE_MS);
      const tombstone = await client.hgetall('gone');
      expect(tombstone).toMatchObject({ version: deleted.version, tombstone: '1' });
      expect(await client.call('PEXPIRETIME', 'gone')).toBe(Number(tombstone.expiresAt));
    });

    it('shares a key with a string-writing coordinator: each write wins over the last, whatever form it found', async () => {
      // Prepare
      const writers = [newCoordinator(), newCoordinator({ ENTRY_WRITE_FORMAT: 'hash' })];
      const reader = newCoordinator();

      // Act and Assess: alternate writes; a quorum read after each returns it, from either form.
      for (let round = 0; round < 6; round += 1) {
        const written = await writers[round % 2]!.set('shared', `round-${round}`);
        await written.settled;
        expect(await reader.get('shared', { consistency: 'quorum' })).toMatchObject({ value: `round-${round}`, version: written.version });
        expect(await client.type('shared')).toBe(round % 2 === 0 ? 'string' : 'hash');
      }
    });
  });

  describe('Upgrades', () => {
    it.each(['hash', 'seed'] as const)('upgrades a %s on every replica to an entry string with the next write', async (form) => {
      // Prepare
      const old: StoredEntry = { version: form === 'seed' ? SEED_VERSION : V, value: 'old' };
      for (const node of cluster().nodes) {
        const direct = directClient(node);
        await storeAs(direct, replica, 'k', old, form === 'seed' ? 'seed' : 'hash');
        direct.disconnect();
      }
      const coordinator = newCoordinator();
      expect((await coordinator.get('k', { consistency: 'all' })).value).toBe('old');

      // Act
      const written = await coordinator.set('k', 'new');
      await written.settled;

      // Assess
      for (const node of cluster().nodes) {
        const direct = directClient(node);
        expect(await direct.get('k')).toBe(`qkv1 ${written.version} v\nnew`);
        direct.disconnect();
      }
    });

    it.each(['hash', 'seed'] as const)('upgrades a replica holding an older %s when repair brings it up to date', async (form) => {
      // Prepare: nodes 0 and 1 hold a newer entry string, node 2 the older entry in the old form.
      const newer: StoredEntry = { version: LATER, value: 'newer', expiresAt: EXPIRES };
      const old: StoredEntry = form === 'seed' ? { version: SEED_VERSION, value: 'old' } : { version: V, value: 'old' };
      const writers = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
      await Promise.all(writers.replicas.slice(0, 2).map((node) => applyEntry(node.client, 'k', newer, GRACE_MS)));
      const stale = directClient(cluster().nodes[2]!);
      await storeAs(stale, replica, 'k', old, form);
      const coordinator = newCoordinator();

      // Act
      const report = await coordinator.repairKey('k');

      // Assess
      expect(report.repairs.map((repair) => repair.outcome)).toEqual(['repaired']);
      expect(await stale.get('k')).toBe(encodeEntry(newer));
      expect(await stale.call('PEXPIRETIME', 'k')).toBe(EXPIRES + GRACE_MS);
      stale.disconnect();
      await writers.close();
    });

    it('upgrades a replica holding an older hash when a read repairs it', async () => {
      // Prepare: every replica takes a write, then node 2 is put back to an older hash entry.
      const written = await newCoordinator().set('k', 'new');
      await written.settled;
      const stale = directClient(cluster().nodes[2]!);
      await storeAs(stale, replica, 'k', { version: V, value: 'old' }, 'hash');

      // Act
      const read = await newCoordinator({ READ_REPAIR: 'blocking' }).get('k', { consistency: 'all' });

      // Assess
      expect(read).toMatchObject({ value: 'new', repair: 'repaired' });
      expect(await stale.get('k')).toBe(`qkv1 ${written.version} v\nnew`);
      stale.disconnect();
    });

    it('copies a seed string to replicas that lack the key as an entry string at the seed version', async () => {
      // Prepare
      await client.set('legacy', 'seed-value');

      // Act
      const report = await newCoordinator().repairKey('legacy');

      // Assess
      expect(report.repairs.map((repair) => repair.outcome)).toEqual(['repaired', 'repaired']);
      for (const node of cluster().nodes.slice(1)) {
        const direct = directClient(node);
        expect(await direct.get('legacy')).toBe(`qkv1 ${SEED_VERSION} v\nseed-value`);
        direct.disconnect();
      }
    });

    it('lets anti-entropy see one entry held in different forms as the same entry, and repair a differing one', async () => {
      // Prepare: "same" is one entry as a string, a hash and a string; "seeded" one seed value in all three forms;
      // "differs" an older hash on node 1.
      const same: StoredEntry = { version: V, value: 'x', expiresAt: EXPIRES };
      const seeded: StoredEntry = { version: SEED_VERSION, value: 's' };
      const newer: StoredEntry = { version: LATER, value: 'newer' };
      const forms: Form[] = ['string', 'hash', 'seed'];
      const writers = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes }));
      for (const [i, node] of cluster().nodes.entries()) {
        const direct = directClient(node);
        const own = writers.replicas[i]!.client;
        await storeAs(direct, own, 'same', same, i === 1 ? 'hash' : 'string');
        await storeAs(direct, own, 'seeded', seeded, forms[i]!);
        await storeAs(direct, own, 'differs', i === 1 ? { version: V, value: 'old' } : newer, i === 1 ? 'hash' : 'string');
        direct.disconnect();
      }

      // Act
      const report = await newCoordinator().antiEntropy({ budgetMs: 10_000, fromStart: true });

      // Assess
      expect(report).toMatchObject({ passComplete: true, keysDiverged: 1, replicasRepaired: 1 });
      const node1 = directClient(cluster().nodes[1]!);
      expect(await node1.get('differs')).toBe(encodeEntry(newer));
      expect(await node1.type('same')).toBe('hash');
      node1.disconnect();
      await writers.close();
    });
  });

  describe('Expiry', () => {
    it('sets the Redis expiry with the entry: a value at expiresAt + grace, a tombstone at expiresAt, none without a TTL', async () => {
      // Act
      await applyEntry(replica, 'value', { version: V, value: 'v', expiresAt: EXPIRES }, GRACE_MS);
      await applyEntry(replica, 'tombstone', { version: V, value: null, expiresAt: EXPIRES }, GRACE_MS);
      await applyEntry(replica, 'cleared', { version: V, value: 'v', expiresAt: EXPIRES }, GRACE_MS);
      await applyEntry(replica, 'cleared', { version: LATER, value: 'v' }, GRACE_MS);

      // Assess
      expect(await client.call('PEXPIRETIME', 'value')).toBe(EXPIRES + GRACE_MS);
      expect(await client.call('PEXPIRETIME', 'tombstone')).toBe(EXPIRES);
      expect(await client.pttl('cleared')).toBe(-1);
    });

    it('replaces a hash with a TTL by an entry string with the new entry’s expiry', async () => {
      // Prepare
      await storeAs(client, replica, 'k', { version: V, value: 'old', expiresAt: EXPIRES }, 'hash');

      // Act
      await applyEntry(replica, 'k', { version: LATER, value: 'new', expiresAt: EXPIRES + 5_000 }, GRACE_MS);

      // Assess
      expect(await client.get('k')).toBe(`qkv1 ${LATER} v ${EXPIRES + 5_000}\nnew`);
      expect(await client.call('PEXPIRETIME', 'k')).toBe(EXPIRES + 5_000 + GRACE_MS);
    });
  });

  describe('The apply script on a replica that does not hold it', () => {
    it('applies a write to a replica whose script cache was emptied, sending the script once and its SHA after', async () => {
      // Prepare: the server forgets every script (as a restarted server has), and counts commands from zero.
      await applyEntry(replica, 'warm', { version: V, value: 'v' }, GRACE_MS);
      await client.script('FLUSH');
      await client.config('RESETSTAT');

      // Act
      const first = await applyEntry(replica, 'k', { version: V, value: 'first' }, GRACE_MS);
      const second = await applyEntry(replica, 'k', { version: LATER, value: 'second' }, GRACE_MS);

      // Assess
      const stats = await client.info('commandstats');
      const calls = (command: string): number => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
      expect([first, second]).toEqual([{ kind: 'applied' }, { kind: 'applied' }]);
      expect(await client.get('k')).toBe(`qkv1 ${LATER} v\nsecond`);
      expect({ eval: calls('eval'), evalsha: calls('evalsha') }).toEqual({ eval: 1, evalsha: 2 });
    });
  });
});
