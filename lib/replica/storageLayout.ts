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
 *   `expiresAt` (absolute ms) when it has a TTL, and `tombstone` = 1 instead of `value` once deleted. Storing at `K`
 *   itself means data written by the seed coordinator (a plain string at `K`) is still found and read as the oldest
 *   version.
 * - Internal keys live under {@link INTERNAL_PREFIX}. No user key can reach them: a user key that starts with `!` is
 *   stored with one more `!` in front, so stored user keys start with `!!` or not with `!` at all.
 *   - `!qkv:undo:<version>:<K>`: what the write `<version>` replaced, kept briefly so a failed write can be undone.
 *   - `!qkv:rolledback:<K>`: versions of `K` that were rolled back, kept briefly so they cannot come back.
 *   - `!qkv:hints:<host:port>`: keys that replica missed (sorted set, scored by time), kept on the replicas that
 *     took the write until the replica has been repaired (hinted hand-off).
 *   - `!qkv:rollbacks:<host:port>`: rollbacks that replica could not be sent (`<version>:<K>`), kept on the
 *     replicas that did roll back, and replayed on it when it comes back.
 *   - `!qkv:antientropy`: where the last anti-entropy run stopped (node, SCAN cursor, pass), so the next resumes.
 */
import { SEED_VERSION, type Version } from '../core/hybridLogicalClock';

/** Prefix of every internal key. */
export const INTERNAL_PREFIX = '!qkv:';
/** Prefix of undo records (followed by `<version>:<redis key>`). */
export const UNDO_PREFIX = `${INTERNAL_PREFIX}undo:`;

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

/** Prefix of the records of rolled-back versions (followed by the redis key). */
export const ROLLED_BACK_PREFIX = `${INTERNAL_PREFIX}rolledback:`;

/** The record of rolled-back versions of the Redis key `redisKey`. */
export function rolledBackKey(redisKey: string): string {
  return `${ROLLED_BACK_PREFIX}${redisKey}`;
}

/** The hints for the replica named `target`: keys it missed, kept on the replicas that took the writes. */
export function hintsKey(target: string): string {
  return `${INTERNAL_PREFIX}hints:${target}`;
}

/** Where anti-entropy records its progress (on every replica). */
export const ANTI_ENTROPY_STATE_KEY = `${INTERNAL_PREFIX}antientropy`;

/** The rollbacks that the replica named `target` could not be sent, kept on the replicas that did roll back. */
export function rollbackHintsKey(target: string): string {
  return `${INTERNAL_PREFIX}rollbacks:${target}`;
}

/** Every version has the same width, so a rollback hint's version and key split without a separator search. */
const VERSION_LENGTH = SEED_VERSION.length;

/** A member of {@link rollbackHintsKey}'s sorted set: `<version>:<redis key>`. */
export function rollbackHintMember(version: Version, redisKey: string): string {
  return `${version}:${redisKey}`;
}

/** Splits a {@link rollbackHintMember} back into the version to undo and the Redis key. */
export function parseRollbackHintMember(member: string): { readonly version: Version; readonly redisKey: string } {
  return { version: member.slice(0, VERSION_LENGTH), redisKey: member.slice(VERSION_LENGTH + 1) };
}
