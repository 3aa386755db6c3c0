/**
 * How quorum-kv lays data out inside each Redis replica.
 *
 * PERSISTED FORMAT. What this file describes is what every replica holds, written by every coordinator version
 * that ever ran against it: the key namespaces, the entry string (`entryFormat.ts`) and the older hash fields, the
 * members of the internal sorted sets, and with them the version format (fixed-width digits,
 * `core/hybridLogicalClock.ts`) and the Lua scripts that maintain it (`luaScripts.ts`). Changing any of it needs a
 * migration (or a reader of every form, as hashes and plain strings from the seed are still read), not just a
 * deploy.
 *
 * - A user key `K` is stored as one Redis string at `K`, its entry string (`entryFormat.ts`): a header line
 *   `qkv1 <version> <v|t>[ <expiresAt>]` and then the value bytes, so `GET K` in `redis-cli` shows the version and
 *   then the value as it is. `t` marks a tombstone (a delete; no value bytes), `expiresAt` (absolute ms) a TTL. A
 *   value past its `expiresAt` reads as deleted and is kept, with its version, for the tombstone grace; a
 *   tombstone's `expiresAt` is the end of its grace. Redis removes both then (`SET … PXAT`).
 * - Two older forms of `K` are still read, compared and ranked like entry strings (`luaScripts.ts`, `readEntry`):
 *   - a hash (written by quorum-kv before issue 12): `value`, `version`, `expiresAt` when it has a TTL, `tombstone`
 *     = 1 instead of `value` once deleted ({@link FIELDS}); recognised by the WRONGTYPE reply to `GET`;
 *   - a plain string without a header (written by the seed coordinator), read as the oldest version.
 *   Upgrade path: the apply script always writes the string form, so the next write of the key, or a repair that
 *   brings a replica's copy up to date (read repair, hint replay, anti-entropy, the repair function), replaces a
 *   hash or seed string there. Entries that are never written again stay in their old form and keep reading as
 *   before; anti-entropy compares the three forms by the same id, so one entry held in two forms is no divergence.
 *   A version before issue 12 must never meet an entry string (it would read the header as part of a seed value,
 *   and overwrite the entry as the oldest version): upgrade from one in two deploys, first with
 *   `ENTRY_WRITE_FORMAT=hash` (reads every form, writes hashes), then, once no container of the old version is
 *   left, with the default (`string`).
 * - Internal keys live under {@link INTERNAL_PREFIX}. No user key can reach them: a user key that starts with `!` is
 *   stored with one more `!` in front, so stored user keys start with `!!` or not with `!` at all.
 * - Seed data under keys that start with `!`. The seed stored user key K verbatim at K, and quorum-kv never writes a
 *   plain string, so a plain string (no header) at Redis key R is always the seed's entry for user key R. For K not
 *   starting with `!` that is where quorum-kv stores K too. For K = `!x` it is not ({@link seedKeyOf}): K's entry is
 *   the entry quorum-kv stored at `!!x` (an entry string or a hash) if there is one, else the plain string at `!x`,
 *   at the seed version; both are read in one round trip, and storing K's entry removes the plain string at `!x`
 *   (so it cannot come back when that entry expires). A plain string at `!!y` is the seed's entry for `!!y` (stored
 *   by quorum-kv at `!!!y`), not quorum-kv's user key `!y`, which only reads entries there; storing an entry of
 *   `!y` over it moves it to `!!!y` ({@link displacedSeedKeyOf}) unless `!!!y` already holds something. The
 *   TypeScript reader (`readEntry`) and every Lua script (`luaScripts.ts`) apply these same rules. What cannot be
 *   read: a seed key under {@link INTERNAL_PREFIX} (the seed's `!qkv:…`), since that namespace is the
 *   coordinator's own; so no user key may be meant to reach seed data there. Anti-entropy finds seed strings at `!x`
 *   and `!!y` by the user keys they belong to ({@link comparedKeysOf}).
 *   - `!qkv:hints:<host:port>`: keys that replica missed (sorted set), kept on the replicas that took the write
 *     until the replica has been repaired (hinted hand-off), and for 7 days after the last hint at most (`PEXPIRE`).
 *     Each holder scores a key by its own clock, in the Lua script that records it (`RECORD_HINT_LUA`): its `TIME`
 *     in microseconds, or the key's score there + 1 if that is higher, so hinting a key again always raises its
 *     score on that replica; a replay clears a hint on a replica only if its score there is still the one that
 *     replica returned (`CLEAR_REPLAYED_HINTS_LUA`), never comparing two replicas' scores. Versions before scored
 *     hints with the recording container's `Date.now()` in milliseconds: such sets are still read and cleared the
 *     same way, their scores sort below every microsecond score, and hinting such a key again raises it.
 *   - `!qkv:antientropy`: where the last anti-entropy run stopped (`node`, SCAN `cursor`, `pass`), so the next
 *     resumes, and `seq`, one more with every save: a run resumes from the highest `seq` among the replicas. It
 *     also holds `savedAt` (the saving container's clock, ms), written for versions before `seq`, which choose by
 *     it; a hash without `seq` (from such a version) is chosen by its `savedAt` only when no replica holds a `seq`.
 */

/** Prefix of every internal key. */
export const INTERNAL_PREFIX = '!qkv:';
/** Hash fields of an entry stored in the hash form (before issue 12): still read, never written. */
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

/** The hints for the replica named `target`: keys it missed, kept on the replicas that took the writes. */
export function hintsKey(target: string): string {
  return `${HINTS_PREFIX}${target}`;
}

/** Where anti-entropy records its progress (on every replica). */
export const ANTI_ENTROPY_STATE_KEY = `${INTERNAL_PREFIX}antientropy`;
