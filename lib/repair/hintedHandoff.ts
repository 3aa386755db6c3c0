import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { HINTS_PREFIX, hintsKey } from '../replica/storageLayout';

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
 * freezes first); replay is set-if-newer, so replaying twice is harmless.
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
  const keys = missed.map(hintsKey);
  const stored = await Promise.all(
    holders.map((holder) => pool.call(holder, (client) => client.recordHint(keys.length, ...keys, redisKey, String(HINTS_KEPT_MS)))),
  );
  return stored.filter((result) => result.ok).length;
}

/**
 * The keys hinted for `target`: the `limit` oldest on each replica by its own scores, merged, at most `limit` in all
 * (replicas that did not answer keep their hints for a later replay).
 */
export async function hintedKeys(pool: ReplicaSet, target: string, limit = HINT_REPLAY_BATCH): Promise<Hint[]> {
  const lists = await Promise.all(
    pool.replicas.map((replica) =>
      pool.call(replica, (client) => client.zrange(hintsKey(target), 0, String(limit - 1), 'WITHSCORES')),
    ),
  );
  const scores = new Map<string, Map<string, string>>();
  lists.forEach((list, i) => {
    if (!list.ok) return;
    const replica = pool.replicas[i]!.name;
    for (let j = 0; j + 1 < list.value.length; j += 2) {
      const key = list.value[j]!;
      let byReplica = scores.get(key);
      if (byReplica === undefined) {
        if (scores.size >= limit) continue;
        byReplica = new Map();
        scores.set(key, byReplica);
      }
      byReplica.set(replica, list.value[j + 1]!);
    }
  });
  return [...scores].map(([redisKey, byReplica]) => ({ redisKey, scores: byReplica }));
}

/**
 * Forgets the replayed hints for `target`: on each replica, those whose score there is still the one the replay
 * read, so a key hinted anew meanwhile keeps its hint.
 *
 * @returns how many hints were removed, all replicas together.
 */
export async function clearHints(pool: ReplicaSet, target: string, hints: readonly Hint[]): Promise<number> {
  const cleared = await Promise.all(
    pool.replicas.map((replica) => {
      const args = hints.flatMap((hint) => {
        const score = hint.scores.get(replica.name);
        return score === undefined ? [] : [hint.redisKey, score];
      });
      if (args.length === 0) return undefined;
      return pool.call(replica, (client) => client.clearReplayedHints(hintsKey(target), ...args));
    }),
  );
  return cleared.reduce((sum, result) => sum + (result?.ok === true ? result.value : 0), 0);
}

/**
 * Gives the hint sets of replicas outside this configuration an expiry of {@link HINTS_KEPT_MS} where they have none
 * (older versions set none). Never removes them: during a configuration change, containers with the old one need them.
 *
 * @returns how many hint sets were given an expiry.
 */
export async function expireHintsOfUnconfiguredReplicas(pool: ReplicaSet): Promise<number> {
  const configured = new Set(pool.replicas.map((replica) => hintsKey(replica.name)));
  const expired = await Promise.all(
    pool.replicas.map(async (replica) => {
      let cursor = '0';
      let count = 0;
      do {
        const page = await pool.call(replica, (client) => client.scan(cursor, 'MATCH', `${HINTS_PREFIX}*`, 'COUNT', 500));
        if (!page.ok) break;
        cursor = page.value[0];
        const unconfigured = page.value[1].filter((key) => !configured.has(key));
        if (unconfigured.length === 0) continue;
        const given = await pool.call(replica, async (client) => {
          const ttls = await Promise.all(unconfigured.map((key) => client.pttl(key)));
          // PTTL -1: no expiry. A hint recorded in between sets the same expiry anyway.
          const persistent = unconfigured.filter((_, i) => ttls[i] === -1);
          const set = await Promise.all(persistent.map((key) => client.pexpire(key, HINTS_KEPT_MS)));
          return set.reduce((sum: number, applied) => sum + applied, 0);
        });
        if (given.ok) count += given.value;
      } while (cursor !== '0');
      return count;
    }),
  );
  return expired.reduce((sum, count) => sum + count, 0);
}
