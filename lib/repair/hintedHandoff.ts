import { mastersOf } from '../replica/connection';
import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { bucketedHintsKey, HINT_BUCKETS, HINTS_PREFIX, hintBucketOf, hintsKeyFor, hintsKeysOf, hintTargetOf } from '../replica/storageLayout';

/** How many hinted keys one batch of a replay reads; a replay reads batch after batch until none remain. */
export const HINT_REPLAY_BATCH = 500;

/** How long a replica's hints are kept after the last one: past that, anti-entropy has long caught it up. */
export const HINTS_KEPT_MS = 7 * 86_400_000;

/**
 * One hinted key, and its hint's score on each replica that returned it: clearing it on a replica compares with
 * that replica's own score only (each replica scores by its own clock).
 */
export interface Hint {
  readonly redisKey: string;
  /** Replica name → the hint's score there, exactly as the replica returned it. */
  readonly scores: ReadonlyMap<string, string>;
}

/**
 * Records on the replicas that took a write (`holders`) that those named in `missed` did not: a durable hint per
 * missed replica. Durable and with the data, because a hand-off can be lost (Lambda gives up, or the container
 * freezes first); replay is set-if-newer, so replaying twice is harmless. On a cluster holder the hints of one key are
 * in one bucket (one slot, one script call), and the call is guarded by the breaker of that bucket's master.
 *
 * @returns how many replicas stored the hints.
 */
export async function recordHints(
  pool: ReplicaSet,
  redisKey: string,
  missed: readonly string[],
  holders: readonly ReplicaHandle[],
): Promise<number> {
  if (missed.length === 0) return 0;
  const routing = { key: bucketedHintsKey(missed[0]!, hintBucketOf(redisKey)) };
  const stored = await Promise.all(
    holders.map((holder) =>
      pool.call(
        holder,
        (client) => {
          const keys = missed.map((target) => hintsKeyFor(target, redisKey, client.isCluster));
          return client.recordHint(keys.length, ...keys, redisKey, String(HINTS_KEPT_MS));
        },
        routing,
      ),
    ),
  );
  return stored.filter((result) => result.ok).length;
}

/**
 * The keys hinted for `target`: the oldest on each replica by its own scores (on a cluster holder, the oldest of
 * each bucket, a share of `limit` each), merged, at most `limit` in all. Replicas, or buckets, that did not answer
 * keep their hints for a later replay.
 */
export async function hintedKeys(pool: ReplicaSet, target: string, limit = HINT_REPLAY_BATCH): Promise<Hint[]> {
  const standalone = hintsKeysOf(target, false);
  const buckets = hintsKeysOf(target, true);
  const perBucket = Math.max(1, Math.ceil(limit / HINT_BUCKETS));
  const lists = await Promise.all(
    pool.replicas.map(async (replica) => {
      const cluster = await pool.call(replica, async (client) => client.isCluster);
      if (!cluster.ok) return [];
      const sets = cluster.value ? buckets : standalone;
      const count = cluster.value ? perBucket : limit;
      const read = await Promise.all(
        sets.map((set) => pool.call(replica, (client) => client.zrange(set, 0, String(count - 1), 'WITHSCORES'), { key: set })),
      );
      return read.flatMap((list) => (list.ok ? [list.value] : []));
    }),
  );
  const scores = new Map<string, Map<string, string>>();
  lists.forEach((replicaLists, i) => {
    const replica = pool.replicas[i]!.name;
    for (const list of replicaLists) {
      for (let j = 0; j + 1 < list.length; j += 2) {
        const key = list[j]!;
        let byReplica = scores.get(key);
        if (byReplica === undefined) {
          if (scores.size >= limit) continue;
          byReplica = new Map();
          scores.set(key, byReplica);
        }
        byReplica.set(replica, list[j + 1]!);
      }
    }
  });
  return [...scores].map(([redisKey, byReplica]) => ({ redisKey, scores: byReplica }));
}

/**
 * Forgets the replayed hints for `target`: on each replica, those whose score there is still the one the replay
 * read, so a key hinted anew meanwhile keeps its hint. On a cluster holder, one call per bucket.
 *
 * @returns how many hints were removed, all replicas together.
 */
export async function clearHints(pool: ReplicaSet, target: string, hints: readonly Hint[]): Promise<number> {
  const cleared = await Promise.all(
    pool.replicas.map(async (replica) => {
      const held = hints.filter((hint) => hint.scores.has(replica.name));
      if (held.length === 0) return 0;
      const cluster = await pool.call(replica, async (client) => client.isCluster);
      if (!cluster.ok) return 0;
      const bySet = new Map<string, string[]>();
      for (const hint of held) {
        const set = hintsKeyFor(target, hint.redisKey, cluster.value);
        let args = bySet.get(set);
        if (args === undefined) {
          args = [];
          bySet.set(set, args);
        }
        args.push(hint.redisKey, hint.scores.get(replica.name)!);
      }
      const removed = await Promise.all(
        [...bySet].map(([set, args]) => pool.call(replica, (client) => client.clearReplayedHints(set, ...args), { key: set })),
      );
      return removed.reduce((sum, result) => sum + (result.ok ? result.value : 0), 0);
    }),
  );
  return cleared.reduce((sum, count) => sum + count, 0);
}

/**
 * Gives the hint sets of replicas outside this configuration an expiry of {@link HINTS_KEPT_MS} where they have none
 * (older versions set none). Never removes them: during a configuration change, containers with the old one need them.
 * SCANs every master of a cluster replica (a SCAN on the cluster client reaches one random master).
 *
 * @returns how many hint sets were given an expiry.
 */
export async function expireHintsOfUnconfiguredReplicas(pool: ReplicaSet): Promise<number> {
  const configured = new Set(pool.replicas.map((replica) => replica.name));
  const expired = await Promise.all(
    pool.replicas.map(async (replica) => {
      const masters = await pool.call(replica, async (client) => mastersOf(client));
      if (!masters.ok) return 0;
      let count = 0;
      for (const master of masters.value) {
        let cursor = '0';
        do {
          const page = await pool.call(replica, () => master.scan(cursor, 'MATCH', `${HINTS_PREFIX}*`, 'COUNT', 500));
          if (!page.ok) break;
          cursor = page.value[0];
          const unconfigured = page.value[1].filter((key) => {
            const target = hintTargetOf(key);
            return target !== undefined && !configured.has(target);
          });
          if (unconfigured.length === 0) continue;
          // The master that SCAN found them on holds them (a key of a slot being migrated may be gone: PTTL -2).
          const given = await pool.call(replica, async () => {
            const ttls = await Promise.all(unconfigured.map((key) => master.pttl(key)));
            // PTTL -1: no expiry. A hint recorded in between sets the same expiry anyway.
            const persistent = unconfigured.filter((_, i) => ttls[i] === -1);
            const set = await Promise.all(persistent.map((key) => master.pexpire(key, HINTS_KEPT_MS)));
            return set.reduce((sum: number, applied) => sum + applied, 0);
          });
          if (given.ok) count += given.value;
        } while (cursor !== '0');
      }
      return count;
    }),
  );
  return expired.reduce((sum, count) => sum + count, 0);
}
