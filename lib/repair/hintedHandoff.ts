import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import type { Version } from '../core/hybridLogicalClock';
import { hintsKey, parseRollbackHintMember, rollbackHintMember, rollbackHintsKey } from '../replica/storageLayout';

/** How many hinted keys one replay handles at most; the rest wait for the next replay or anti-entropy. */
export const HINT_REPLAY_BATCH = 500;

/**
 * Records, on the replicas that took a write, that the replicas named in `missed` did not: a durable hint per
 * missed replica (`!qkv:hints:<replica>`, a sorted set of keys scored by time).
 *
 * Why durable, and on the healthy replicas: the asynchronous hand-off to the repair function can be lost (Lambda
 * gives up after its retries, or the container freezes first); a hint stored with the data survives that and is
 * replayed by the next hand-off or by anti-entropy. Replay is set-if-newer, so replaying a hint twice is harmless.
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
      pool.call(holder, (client) => Promise.all(missed.map((target) => client.zadd(hintsKey(target), now, redisKey)))),
    ),
  );
  return stored.filter((result) => result.ok).length;
}

/** The keys hinted for `target` on any reachable replica (oldest first), up to `limit`. */
export async function hintedKeys(pool: ReplicaSet, target: string, limit = HINT_REPLAY_BATCH): Promise<string[]> {
  const lists = await Promise.all(
    pool.replicas.map((replica) => pool.call(replica, (client) => client.zrange(hintsKey(target), 0, String(limit - 1)))),
  );
  const keys = new Set<string>();
  for (const list of lists) if (list.ok) for (const key of list.value) keys.add(key);
  return [...keys].slice(0, limit);
}

/** Forgets hints for `target` once it holds the keys, on every reachable replica. */
export async function clearHints(pool: ReplicaSet, target: string, redisKeys: readonly string[]): Promise<void> {
  if (redisKeys.length === 0) return;
  await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => client.zrem(hintsKey(target), ...redisKeys))));
}

/** A rollback that could not be sent to a replica: the key and the version to undo there. */
export interface RollbackHint {
  readonly redisKey: string;
  readonly version: Version;
}

/**
 * Records, on the replicas that rolled a write back, that the replicas in `targets` could not be sent the rollback
 * (they were unreachable, so they may hold the failed write, for example after crashing right after applying it).
 * Replayed on such a replica when a coordinator reconnects to it, and by anti-entropy.
 */
export async function recordRollbackHints(
  pool: ReplicaSet,
  hint: RollbackHint,
  targets: readonly string[],
  holders: readonly ReplicaHandle[],
): Promise<void> {
  if (targets.length === 0) return;
  const member = rollbackHintMember(hint.version, hint.redisKey);
  const now = Date.now();
  await Promise.all(
    holders.map((holder) =>
      pool.call(holder, (client) => Promise.all(targets.map((target) => client.zadd(rollbackHintsKey(target), now, member))), {
        bypassBreaker: true,
      }),
    ),
  );
}

/** The rollbacks recorded for `target` on any reachable replica. */
export async function rollbackHints(pool: ReplicaSet, target: string, limit = HINT_REPLAY_BATCH): Promise<RollbackHint[]> {
  const lists = await Promise.all(
    pool.replicas
      .filter((replica) => replica.name !== target)
      .map((replica) => pool.call(replica, (client) => client.zrange(rollbackHintsKey(target), 0, String(limit - 1)))),
  );
  const members = new Set<string>();
  for (const list of lists) if (list.ok) for (const member of list.value) members.add(member);
  return [...members].map(parseRollbackHintMember);
}

/** Forgets rollback hints for `target` once they have been applied there. */
export async function clearRollbackHints(pool: ReplicaSet, target: string, hints: readonly RollbackHint[]): Promise<void> {
  if (hints.length === 0) return;
  const members = hints.map((hint) => rollbackHintMember(hint.version, hint.redisKey));
  await Promise.all(
    pool.replicas.map((replica) => pool.call(replica, (client) => client.zrem(rollbackHintsKey(target), ...members))),
  );
}
