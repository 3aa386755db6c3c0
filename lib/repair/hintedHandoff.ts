import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { HINTS_PREFIX, hintsKey } from '../replica/storageLayout';

/** How many hinted keys one batch of a replay reads; a replay reads batch after batch until none remain. */
export const HINT_REPLAY_BATCH = 500;

/**
 * How long a replica's hints are kept after the last one was recorded: long enough for any outage a replica comes
 * back from with its hints still useful; past that, anti-entropy's full comparison has long caught it up.
 */
export const HINTS_KEPT_MS = 7 * 86_400_000;

/**
 * One hinted key, and the score of its hint on each replica that returned it, as that replica wrote it: clearing
 * the hint on a replica compares with that replica's own score only (scores are set by each replica's clock, see
 * `RECORD_HINT_LUA`, so two replicas' scores say nothing about each other).
 */
export interface Hint {
  readonly redisKey: string;
  /** Replica name → the hint's score there, exactly as the replica returned it. */
  readonly scores: ReadonlyMap<string, string>;
}

/**
 * Records, on the replicas that took a write, that the replicas named in `missed` did not: a durable hint per
 * missed replica (`!qkv:hints:<replica>`, a sorted set of keys), kept for {@link HINTS_KEPT_MS}.
 *
 * Why durable, and on the healthy replicas: a hand-off can be lost (Lambda gives up after its retries, or the
 * container freezes first); a hint stored with the data survives that and is replayed when the replica comes back
 * (by the coordinator that wrote it, in the background, by one that sees the replica reconnect, by the repair
 * function, or by anti-entropy). Replay is set-if-newer, so replaying a hint twice is harmless.
 *
 * Each holder scores the hint itself, so that recording a key again always raises its score there, whatever this
 * container's clock says (`RECORD_HINT_LUA`): a replay that read the older score then keeps the newer hint.
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
 * The keys hinted for `target`: on each replica the `limit` oldest by its own scores, merged, at most `limit` in
 * all, each with its score on every replica that returned it (replicas that did not answer are left out: their
 * hints stay for a later replay).
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
 * Forgets the hints for `target` that have been replayed: on each replica, each key whose hint there still has the
 * score that replica returned when the replay read it (`CLEAR_REPLAYED_HINTS_LUA`). A key hinted anew meanwhile (a
 * newer write that missed `target` too) has a higher score there and keeps its hint for the next replay.
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
 * Gives the hint sets kept for replicas that are not in this configuration an expiry of {@link HINTS_KEPT_MS}, on
 * every replica, where they have none (hints recorded by versions that set no expiry); it never removes them.
 *
 * Why not remove them: during a configuration change some containers still have the old configuration, and they
 * need those hints once the replica comes back. Hints for a replica that is really gone expire on their own, like
 * every hint set, {@link HINTS_KEPT_MS} after the last one was recorded.
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
        // One call per page: each call is bounded by the node timeout.
        const page = await pool.call(replica, (client) => client.scan(cursor, 'MATCH', `${HINTS_PREFIX}*`, 'COUNT', 500));
        if (!page.ok) break;
        cursor = page.value[0];
        const unconfigured = page.value[1].filter((key) => !configured.has(key));
        if (unconfigured.length === 0) continue;
        const given = await pool.call(replica, async (client) => {
          const ttls = await Promise.all(unconfigured.map((key) => client.pttl(key)));
          // PTTL -1: the set exists and has no expiry. A hint recorded in between sets the same expiry anyway.
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
