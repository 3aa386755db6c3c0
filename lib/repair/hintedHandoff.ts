import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { HINTS_PREFIX, hintsKey } from '../replica/storageLayout';

/** How many hinted keys one replay handles at most; the rest wait for the next replay or anti-entropy. */
export const HINT_REPLAY_BATCH = 500;

/**
 * How long a replica's hints are kept after the last one was recorded: long enough for any outage a replica comes
 * back from with its hints still useful; past that, anti-entropy's full comparison has long caught it up.
 */
export const HINTS_KEPT_MS = 7 * 86_400_000;

/** One hinted key and when its newest hint was recorded (the sorted set's score). */
export interface Hint {
  readonly redisKey: string;
  readonly recordedAt: number;
}

/**
 * Records, on the replicas that took a write, that the replicas named in `missed` did not: a durable hint per
 * missed replica (`!qkv:hints:<replica>`, a sorted set of keys scored by time), kept for {@link HINTS_KEPT_MS}.
 *
 * Why durable, and on the healthy replicas: a hand-off can be lost (Lambda gives up after its retries, or the
 * container freezes first); a hint stored with the data survives that and is replayed when the replica comes back
 * (by the coordinator that sees it reconnect), by the repair function, or by anti-entropy. Replay is set-if-newer, so
 * replaying a hint twice is harmless.
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
  const now = Date.now();
  const stored = await Promise.all(
    holders.map((holder) =>
      pool.call(holder, (client) =>
        Promise.all(
          missed.flatMap((target) => [client.zadd(hintsKey(target), now, redisKey), client.pexpire(hintsKey(target), HINTS_KEPT_MS)]),
        ),
      ),
    ),
  );
  return stored.filter((result) => result.ok).length;
}

/**
 * The keys hinted for `target` on any replica, oldest first, at most `limit`, each with the time of its newest hint
 * (the highest score any replica holds for it).
 */
export async function hintedKeys(pool: ReplicaSet, target: string, limit = HINT_REPLAY_BATCH): Promise<Hint[]> {
  const lists = await Promise.all(
    pool.replicas.map((replica) =>
      pool.call(replica, (client) => client.zrange(hintsKey(target), 0, String(limit - 1), 'WITHSCORES')),
    ),
  );
  const newest = new Map<string, number>();
  for (const list of lists) {
    if (!list.ok) continue;
    for (let i = 0; i + 1 < list.value.length; i += 2) {
      const key = list.value[i]!;
      const score = Number(list.value[i + 1]);
      if (score > (newest.get(key) ?? -1)) newest.set(key, score);
    }
  }
  return [...newest].slice(0, limit).map(([redisKey, recordedAt]) => ({ redisKey, recordedAt }));
}

/**
 * Forgets the hints for `target` that have been replayed, on every replica, but only where the hint was not
 * recorded again meanwhile: a key hinted anew during the replay (a newer write that missed `target` too) keeps its
 * hint for the next replay (`ZREM` only for members whose score is not newer than the one replayed).
 */
export async function clearHints(pool: ReplicaSet, target: string, hints: readonly Hint[]): Promise<void> {
  if (hints.length === 0) return;
  const args = hints.flatMap((hint) => [hint.redisKey, String(hint.recordedAt)]);
  await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => client.clearReplayedHints(hintsKey(target), ...args))));
}

/**
 * Removes, on every replica, the hints kept for replicas that are no longer configured: nobody would replay them.
 *
 * @returns how many hint sets were removed.
 */
export async function forgetHintsOfRemovedReplicas(pool: ReplicaSet): Promise<number> {
  const configured = new Set(pool.replicas.map((replica) => hintsKey(replica.name)));
  const removed = await Promise.all(
    pool.replicas.map((replica) =>
      pool.call(replica, async (client) => {
        let cursor = '0';
        let count = 0;
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${HINTS_PREFIX}*`, 'COUNT', 500);
          cursor = next;
          const stale = keys.filter((key) => !configured.has(key));
          if (stale.length > 0) count += await client.del(...stale);
        } while (cursor !== '0');
        return count;
      }),
    ),
  );
  return removed.reduce((sum, result) => sum + (result.ok ? result.value : 0), 0);
}
