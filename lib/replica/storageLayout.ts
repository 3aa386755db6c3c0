/**
 * How quorum-kv lays data out inside each Redis replica (`docs/storage.md` shows it as `redis-cli` does). PERSISTED
 * FORMAT, with the entry string (`entryFormat.ts`), the version format and the Lua scripts (`luaScripts.ts`): every
 * replica holds it, so changing it needs a migration, or a reader of every form.
 *
 * - User key `K` is its entry string at `K`. Two older forms are still read and ranked alike, and replaced by the
 *   next write or repair: a hash ({@link FIELDS}), and a seed string (a plain string, no header) at the oldest version.
 * - Internal keys live under {@link INTERNAL_PREFIX}, out of every user key's reach: a user key that starts with `!`
 *   is stored with one more `!` in front.
 * - The seed stored K verbatim, and quorum-kv never writes a plain string, so a plain string at R is the seed's
 *   entry for user key R. Hence user key `!x` is the entry at `!!x`, else the plain string at `!x`
 *   ({@link seedKeyOf}; storing `!x` removes it, so it cannot come back); a plain string at `!!y` is the seed's `!!y`,
 *   moved to `!!!y` when `!y` is stored ({@link displacedSeedKeyOf}). `readEntry` and the Lua scripts agree.
 * - Hints (sorted sets): keys a replica missed, on the replicas that took the writes. Each scores a key by its own
 *   clock, so two replicas' scores are never compared. A standalone holder keeps them in one set,
 *   `!qkv:hints:<replica>`; a cluster holder in {@link HINT_BUCKETS} sets `!qkv:hints:{<tag>}:<replica>`, one per
 *   bucket, each tag in its own slice of the slots ({@link hintsKeyFor}).
 * - `!qkv:antientropy` (hash): where the last run stopped, and `seq`, one more per save: runs resume from the highest.
 */

import { HASH_SLOTS, slotOf } from './hashSlots';

/** Prefix of every internal key. */
export const INTERNAL_PREFIX = '!qkv:';
/** Hash fields of an entry in the older hash form: still read, written only with `ENTRY_WRITE_FORMAT=hash`. */
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

/**
 * Maps a Redis key back to the user key whose entry (an entry string or a hash) it stores, or undefined for an
 * internal key and for a seed location (`!x`, which only the seed wrote to, see {@link seedKeyOf}).
 */
export function userKeyOf(redisKey: string): string | undefined {
  if (!redisKey.startsWith('!')) return redisKey;
  if (redisKey.startsWith('!!')) return redisKey.slice(1);
  return undefined;
}

/**
 * Where the seed stored the user key that `redisKey` stores, when that is another Redis key: for a user key K that
 * starts with `!` (stored at `!K`), K itself, unless K is under {@link INTERNAL_PREFIX} (not read, see the module's
 * comment). Undefined when the seed stored it at `redisKey` itself, or nowhere readable.
 */
export function seedKeyOf(redisKey: string): string | undefined {
  if (!redisKey.startsWith('!!')) return undefined;
  const seedKey = redisKey.slice(1);
  return seedKey.startsWith(INTERNAL_PREFIX) ? undefined : seedKey;
}

/**
 * Where the user key a plain (seed) string at `redisKey` belongs to is stored, when that is not `redisKey`'s own
 * user key: at `!!y` (quorum-kv's `!y`) a seed string is the seed's `!!y`, stored by quorum-kv at `!!!y`. Undefined
 * when a seed string at `redisKey` is its own user key's.
 */
export function displacedSeedKeyOf(redisKey: string): string | undefined {
  return redisKey.startsWith('!!') ? `!${redisKey}` : undefined;
}

/**
 * The Redis keys anti-entropy compares for keys found by SCAN: each user key's storage key, for an entry stored
 * there and for seed data (`!x` → `!!x`; `!!y` → `!!y` for user key `!y`, and `!!!y` for the seed's `!!y`);
 * nothing for internal keys. In order, without repeats.
 */
export function comparedKeysOf(scanned: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const redisKey of scanned) {
    if (userKeyOf(redisKey) !== undefined) keys.add(redisKey);
    if (redisKey.startsWith('!') && !redisKey.startsWith(INTERNAL_PREFIX)) keys.add(storageKey(redisKey));
  }
  return [...keys];
}

/** Prefix of every replica's hints (followed by the replica's name). */
export const HINTS_PREFIX = `${INTERNAL_PREFIX}hints:`;

/**
 * The hints for the replica named `target` on a standalone holder: keys it missed, kept on the replicas that took the
 * writes. One set per target is all one server needs, and the form every earlier version wrote.
 */
export function hintsKey(target: string): string {
  return `${HINTS_PREFIX}${target}`;
}

/**
 * How many sets a cluster holder spreads one target's hints over. Each bucket's hash tag lies in its own
 * 1/`HINT_BUCKETS` slice of the slots, and masters serve contiguous ranges of slots, so the hints of an outage divide
 * over up to this many masters (every master of a cluster whose ranges are at least one slice wide, 256 slots), and a
 * bucket holds about 1/64 of them. Replay and cleanup read every bucket: 64 small reads per cluster holder per batch,
 * sent at once, which stays cheap even when there is nothing to replay. More buckets would only spread hints over
 * clusters of more than 64 masters, at that cost on every replay.
 */
export const HINT_BUCKETS = 64;

/** The slots of bucket `bucket`'s slice: `[first, end)`. */
export function hintBucketSlice(bucket: number): { readonly first: number; readonly end: number } {
  return { first: Math.ceil((bucket * HASH_SLOTS) / HINT_BUCKETS), end: Math.ceil(((bucket + 1) * HASH_SLOTS) / HINT_BUCKETS) };
}

/**
 * The bucket of a data key's hints on a cluster holder: the slice its own slot is in, so the hint usually lands on the
 * master that took the data key's write itself (a holder that stored the write can store its hint). Every missed
 * replica's hint for one key is in the same bucket, hence one slot: `recordHint` takes them all in one call.
 */
export function hintBucketOf(redisKey: string): number {
  return Math.floor((slotOf(redisKey) * HINT_BUCKETS) / HASH_SLOTS);
}

/**
 * Bucket `bucket`'s hash tag: `qkv-hints-<bucket>-<n>`, `n` the smallest number that puts the tag's slot in the
 * bucket's slice (PERSISTED FORMAT: deterministic, from CRC16 alone).
 */
function bucketTag(bucket: number): string {
  const { first, end } = hintBucketSlice(bucket);
  for (let n = 0; ; n += 1) {
    const tag = `qkv-hints-${bucket}-${n}`;
    const slot = slotOf(tag);
    if (slot >= first && slot < end) return tag;
  }
}

/**
 * Each bucket's tag, found on first use: finding all of them costs thousands of CRC16s, which a container's start
 * should not pay when only a cluster holder's hints (a write that missed a replica, a replay) need them.
 */
const bucketTags: (string | undefined)[] = [];

/** The hints for `target` in bucket `bucket` of a cluster holder: `!qkv:hints:{<tag>}:<target>`. */
export function bucketedHintsKey(target: string, bucket: number): string {
  const tag = (bucketTags[bucket] ??= bucketTag(bucket));
  return `${HINTS_PREFIX}{${tag}}:${target}`;
}

/** Where a holder keeps its hint for `target` that `redisKey` was missed: by the holder's mode. */
export function hintsKeyFor(target: string, redisKey: string, clusterHolder: boolean): string {
  return clusterHolder ? bucketedHintsKey(target, hintBucketOf(redisKey)) : hintsKey(target);
}

/** Every set a holder may keep `target`'s hints in: the one set of a standalone holder, or every bucket. */
export function hintsKeysOf(target: string, clusterHolder: boolean): string[] {
  return clusterHolder ? Array.from({ length: HINT_BUCKETS }, (_, bucket) => bucketedHintsKey(target, bucket)) : [hintsKey(target)];
}

/** The replica a hint set is for (either form), or undefined for a key that is no hint set. */
export function hintTargetOf(redisKey: string): string | undefined {
  if (!redisKey.startsWith(HINTS_PREFIX)) return undefined;
  const rest = redisKey.slice(HINTS_PREFIX.length);
  const bucketed = /^\{qkv-hints-\d+-\d+\}:/.exec(rest);
  return bucketed === null ? rest : rest.slice(bucketed[0].length);
}

/** Where anti-entropy records its progress (on every replica). */
export const ANTI_ENTROPY_STATE_KEY = `${INTERNAL_PREFIX}antientropy`;
