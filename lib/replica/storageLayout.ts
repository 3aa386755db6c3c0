/**
 * How quorum-kv lays data out inside each Redis replica.
 *
 * PERSISTED FORMAT. What this file describes is what every replica holds, written by every coordinator version
 * that ever ran against it: the key namespaces, the hash fields, the members of the internal sorted sets, and with
 * them the version format (fixed-width digits, `core/hybridLogicalClock.ts`) and the Lua scripts that maintain it
 * (`luaScripts.ts`). Changing any of it needs a migration (or a reader of both forms, as plain strings from the
 * seed are still read), not just a deploy.
 *
 * - A user key `K` is stored as a Redis hash at `K`: `value` and `version` (`HGETALL K` in `redis-cli` shows both),
 *   `expiresAt` (absolute ms) when it has a TTL, and `tombstone` = 1 instead of `value` once deleted. A value past its
 *   `expiresAt` reads as deleted and is kept, with its version, for the tombstone grace; a tombstone's `expiresAt`
 *   is the end of its grace. Both are removed by Redis then (`PEXPIREAT`). Storing at `K`
 *   itself means data written by the seed coordinator (a plain string at `K`) is still found and read as the oldest
 *   version.
 * - Internal keys live under {@link INTERNAL_PREFIX}. No user key can reach them: a user key that starts with `!` is
 *   stored with one more `!` in front, so stored user keys start with `!!` or not with `!` at all.
 *   - `!qkv:hints:<host:port>`: keys that replica missed (sorted set, scored by time), kept on the replicas that
 *     took the write until the replica has been repaired (hinted hand-off).
 *   - `!qkv:antientropy`: where the last anti-entropy run stopped (node, SCAN cursor, pass), so the next resumes.
 */

/** Prefix of every internal key. */
export const INTERNAL_PREFIX = '!qkv:';
/** Hash fields of a stored entry. */
export const FIELDS = {
  value: 'value',
  version: 'version',
  tombstone: 'tombstone',
  expiresAt: 'expiresAt',
} as const;

/** Maps a user key to the Redis key that stores it, keeping the internal namespace out of reach. */
export function storageKey(userKey: string): string {
  return userKey.startsWith('!') ? `!${userKey}` : userKey;
}

/** Maps a Redis key back to the user key it stores, or undefined for an internal key. */
export function userKeyOf(redisKey: string): string | undefined {
  if (!redisKey.startsWith('!')) return redisKey;
  if (redisKey.startsWith('!!')) return redisKey.slice(1);
  return undefined;
}

/** Prefix of every replica's hints (followed by the replica's name). */
export const HINTS_PREFIX = `${INTERNAL_PREFIX}hints:`;

/** The hints for the replica named `target`: keys it missed, kept on the replicas that took the writes. */
export function hintsKey(target: string): string {
  return `${HINTS_PREFIX}${target}`;
}

/** Where anti-entropy records its progress (on every replica). */
export const ANTI_ENTROPY_STATE_KEY = `${INTERNAL_PREFIX}antientropy`;
