/**
 * How quorum-kv lays data out inside each Redis replica.
 *
 * - A user key `K` is stored as a Redis hash at `K` with the fields `value` and `version`
 *   (`HGETALL K` in `redis-cli` shows both). Storing at `K` itself means data written by the seed coordinator
 *   (a plain string at `K`) is still found and read as the oldest version.
 * - Internal keys (hints, cursors, ...) live under {@link INTERNAL_PREFIX}. No user key can reach them: a user key that
 *   starts with `!` is stored with one more `!` in front, so stored user keys start with `!!` or not with `!` at all.
 */

/** Prefix of every internal key. */
export const INTERNAL_PREFIX = '!qkv:';

/** Hash field holding the value. */
export const VALUE_FIELD = 'value';
/** Hash field holding the version (see `Version`). */
export const VERSION_FIELD = 'version';

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
