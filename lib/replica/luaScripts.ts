/**
 * The Lua scripts that run inside each Redis replica. Each runs atomically on its replica, which is what makes
 * "apply only if newer" safe against concurrent writers and repair (the approach of Dynomite's repair scripts).
 * The storage layout they maintain is described in `storageLayout.ts`: like it, these scripts are part of the
 * persisted format, and changing what they store needs a migration.
 *
 * Versions are fixed-width digit strings, so Lua's string comparison orders them correctly. Equal versions (seed
 * strings, or two containers that drew the same id) are ordered by a rank: `t` or `v` then the SHA-1 of
 * `value|expiresAt` in hex, computed the same way by `core/storedEntry.ts` (`tieRank`) for every form an entry can
 * take at K: an entry string (`entryFormat.ts`), a hash written before the string format, or a seed string.
 */
import { SEED_VERSION } from '../core/hybridLogicalClock';
import { ENTRY_HEADER_MAX_BYTES, ENTRY_MAGIC, type EntryWriteFormat, LUA_VERSION_PATTERN } from './entryFormat';
import { INTERNAL_PREFIX } from './storageLayout';

/**
 * `header(s)`: parses an entry string's header line exactly as `entryFormat.ts` (`decodeStoredString`) does, and
 * returns its version, kind, expiry ('' for none) and the position of the value's first byte; nil when `s` has no
 * well-formed header (a seed string). `s` may be cut after the header (`GETRANGE`).
 */
const LUA_HEADER_FUNCTION = `
-- 'qkv1 ' is bytes 1-5, the version 6-35, a space, the kind 37, then a newline (38) or ' <expiry>' and a newline
local function header(s)
  local version, kind = string.match(s, '^qkv1 (${LUA_VERSION_PATTERN}) ([vt])\\n')
  if version then
    return version, kind, '', 39
  end
  local expiresAt
  version, kind, expiresAt = string.match(s, '^qkv1 (${LUA_VERSION_PATTERN}) ([vt]) ([1-9]%d*)\\n')
  if version and #expiresAt <= 15 then
    return version, kind, expiresAt, 40 + #expiresAt
  end
  return nil
end
`;

/**
 * The rank of a hash entry (the format before strings), from its HMGET of `value, tombstone, expiresAt`, as
 * `readEntry` in `replicaCommands.ts` reads it: a tombstone's value counts as '', and an `expiresAt` that is no
 * expiry the entry format can express (`parseHashExpiry`: 1 to 15 digits, no leading zero) as none.
 */
const LUA_HASH_RANK_FUNCTION = `
local function hashRank(value, tombstone, expiresAt)
  if expiresAt and (#expiresAt > 15 or not string.match(expiresAt, '^[1-9]%d*$')) then
    expiresAt = nil
  end
  if tombstone == '1' then
    return 't' .. redis.sha1hex('|' .. (expiresAt or ''))
  end
  return 'v' .. redis.sha1hex((value or '') .. '|' .. (expiresAt or ''))
end
`;

/**
 * `seedKeyOf(key)` and `displacedSeedKeyOf(key)`: where the seed stored the user key that `key` stores, when that is
 * another key, and where a seed string found at `key` belongs, when not to `key`'s own user key; exactly as
 * `storageLayout.ts` has them (nil where it has undefined). Only a `!!` key has either: for `!!x` (user key `!x`)
 * they are `!x` (unless under the internal prefix) and `!!!x`. The scripts touch those keys without being given them:
 * the replicas are standalone Redis servers, never a Redis Cluster, and the keys follow from the layout.
 */
const LUA_SEED_KEYS_FUNCTIONS = `
local function seedKeyOf(key)
  if string.sub(key, 1, 2) ~= '!!' then
    return nil
  end
  local seedKey = string.sub(key, 2)
  if string.sub(seedKey, 1, ${INTERNAL_PREFIX.length}) == '${INTERNAL_PREFIX}' then
    return nil
  end
  return seedKey
end
local function displacedSeedKeyOf(key)
  if string.sub(key, 1, 2) == '!!' then
    return '!' .. key
  end
  return nil
end
`;

/**
 * `applyIfNewer`
 * - KEYS: 1 = the key
 * - ARGV: 1 = the entry as stored (`encodeEntry` in `entryFormat.ts`: header line, then the value), 2 = when Redis
 *   removes it (epoch ms, `removalTime`), or '' for never
 *
 * Stores the entry only if the replica holds no version of the key or an older one (for an equal version, a lower
 * rank). Whatever K holds is compared: an entry string; a hash, the format before strings (its `version` field and
 * rank); a plain string without a header, written by the seed coordinator, which counts as the seed version, the
 * oldest of all. Returns `{1, ''}` when applied, `{2, version}` when the replica already held this very entry,
 * `{0, heldVersion}` when it holds a newer one (a write refused this way is re-issued above it by the coordinator).
 *
 * Seed data under `!` keys (`storageLayout.ts`): for a `!!` key, a plain string at it is another user key's seed
 * data and is not compared; the key holds nothing of its own then, and a plain string at its seed key (`!x` for
 * `!!x`) counts as what it holds, at the seed version. Storing an entry moves such a displaced seed string to where
 * its user key is stored (`!!!x`, as an entry at the seed version, unless something is there already) and deletes
 * the plain string at the seed key; that plain string is deleted too whenever the key holds an entry of its own
 * (it is hidden behind that entry, and must not come back when the entry expires).
 *
 * Upgrade: applying writes the string form with `SET` (which replaces a hash), so any write or repair that reaches a
 * key converts a hash or seed string there; a hash or seed string that already holds this very entry is rewritten
 * as a string too (and `{2, …}` returned). With `ENTRY_WRITE_FORMAT=hash` ({@link APPLY_IF_NEWER_WRITING_HASHES_LUA},
 * the first step of an upgrade from a version before strings) it compares the same way and writes the hash form.
 *
 * Expiry: `SET … PXAT`, so the key's Redis expiry is set, or cleared, with the entry: a tombstone is removed at its
 * `expiresAt` (the end of its grace), a value with a TTL at `expiresAt` + grace (it reads as deleted from `expiresAt`
 * on, so an older copy on a replica that missed the write loses to it in reads, repair and anti-entropy, and an
 * expired key can never come back).
 *
 * Kept lean on purpose: it runs for every write on every replica. In the common case it reads only the held
 * header (`GETRANGE`, not the whole value), compares two version strings and runs one `SET`; the held value is read
 * only to break a tie. A hash is recognised by the WRONGTYPE error rather than a TYPE call, and a missing key by an
 * empty `GETRANGE` (`EXISTS` tells it from an empty seed string).
 */
export const APPLY_IF_NEWER_LUA = applyIfNewerLua('string');

/**
 * `applyIfNewer` as {@link APPLY_IF_NEWER_LUA}, writing the hash form that versions before issue 12 read and write
 * (`value`/`tombstone`, `version`, `expiresAt`, `PEXPIREAT`): what a coordinator runs with `ENTRY_WRITE_FORMAT=hash`,
 * so that it can share the replicas with containers of such a version during an upgrade. It reads and ranks every
 * form as the string-writing script does, and never rewrites an entry it already holds.
 */
export const APPLY_IF_NEWER_WRITING_HASHES_LUA = applyIfNewerLua('hash');

function applyIfNewerLua(writes: EntryWriteFormat): string {
  const store =
    writes === 'string'
      ? `
clearSeedStrings()
if ARGV[2] == '' then
  redis.call('SET', key, entry)
else
  redis.call('SET', key, entry, 'PXAT', ARGV[2])
end
return reply
`
      : `
if reply[1] == 2 then
  return reply
end
clearSeedStrings()
local _, kind, expiresAt, valueAt = header(entry)
redis.call('DEL', key)
if kind == 't' then
  redis.call('HSET', key, 'version', version, 'tombstone', '1')
else
  redis.call('HSET', key, 'value', string.sub(entry, valueAt), 'version', version)
end
if expiresAt ~= '' then
  redis.call('HSET', key, 'expiresAt', expiresAt)
  redis.call('PEXPIREAT', key, ARGV[2])
end
return reply
`;
  const storeDisplaced =
    writes === 'string'
      ? `redis.call('SET', displacedTo, '${ENTRY_MAGIC}${SEED_VERSION} v\\n' .. redis.call('GET', key))`
      : `redis.call('HSET', displacedTo, 'value', redis.call('GET', key), 'version', '${SEED_VERSION}')`;
  return `
local key = KEYS[1]
local entry = ARGV[1]
${LUA_HEADER_FUNCTION}
${LUA_HASH_RANK_FUNCTION}
${LUA_SEED_KEYS_FUNCTIONS}
local version = string.sub(entry, 6, 35)
local seedKey = seedKeyOf(key)
local displacedTo = displacedSeedKeyOf(key)
local heldVersion, heldRank
local legacy = false
local displaced = false
local seedString = false
local held = redis.pcall('GETRANGE', key, 0, ${ENTRY_HEADER_MAX_BYTES - 1})
if type(held) == 'table' then
  legacy = true
  local fields = redis.call('HMGET', key, 'version', 'value', 'tombstone', 'expiresAt')
  if fields[1] then
    heldVersion = fields[1]
    if heldVersion == version then
      heldRank = hashRank(fields[2], fields[3], fields[4])
    end
  elseif fields[2] then
    heldVersion = '${SEED_VERSION}'
    heldRank = 'v' .. redis.sha1hex(fields[2] .. '|')
  end
elseif held ~= '' or redis.call('EXISTS', key) == 1 then
  local heldAt, heldKind, heldExpiresAt, valueAt = header(held)
  if heldAt then
    heldVersion = heldAt
  elseif displacedTo then
    displaced = true
  else
    legacy = true
    heldVersion = '${SEED_VERSION}'
  end
  if heldVersion == version then
    local stored = redis.call('GET', key)
    if heldAt then
      heldRank = heldKind .. redis.sha1hex(string.sub(stored, valueAt) .. '|' .. heldExpiresAt)
    else
      heldRank = 'v' .. redis.sha1hex(stored .. '|')
    end
  end
end
if seedKey then
  local seed = redis.pcall('GET', seedKey)
  if type(seed) == 'string' and not header(seed) then
    if heldVersion then
      redis.call('DEL', seedKey)
    else
      seedString = true
      legacy = true
      heldVersion = '${SEED_VERSION}'
      if heldVersion == version then
        heldRank = 'v' .. redis.sha1hex(seed .. '|')
      end
    end
  end
end
local function clearSeedStrings()
  if displaced and redis.call('EXISTS', displacedTo) == 0 then
    ${storeDisplaced}
  end
  if seedString then
    redis.call('DEL', seedKey)
  end
end
local reply = {1, ''}
if heldVersion then
  if heldVersion > version then
    return {0, heldVersion}
  end
  if heldVersion == version then
    local _, kind, expiresAt, valueAt = header(entry)
    local rank = kind .. redis.sha1hex(string.sub(entry, valueAt) .. '|' .. expiresAt)
    if heldRank > rank then
      return {0, heldVersion}
    end
    if heldRank == rank then
      if not legacy then
        return {2, heldVersion}
      end
      reply = {2, heldVersion}
    end
  end
end
${store}`;
}

/**
 * `versionsOf KEYS=keys`
 *
 * Returns, for each key, what identifies the entry the replica holds: `version:rank` (the rank as in
 * `applyIfNewer`), '' when it holds nothing. All three forms give the same id for the same entry: an entry string,
 * a hash (the format before strings), and a seed string (the seed version and the value's rank), so replicas that
 * hold one entry in different forms compare equal. A `!!` key's seed data is found as `applyIfNewer` finds it: a
 * plain string at its seed key counts when the key holds no entry, a plain string at the key itself never does. One round trip per batch lets anti-entropy compare replicas,
 * equal versions with different values included, before moving any value.
 */
export const VERSIONS_OF_LUA = `
${LUA_HEADER_FUNCTION}
${LUA_HASH_RANK_FUNCTION}
${LUA_SEED_KEYS_FUNCTIONS}
local versions = {}
for i, key in ipairs(KEYS) do
  local id = ''
  local stored = redis.pcall('GET', key)
  if type(stored) == 'table' then
    local fields = redis.call('HMGET', key, 'version', 'value', 'tombstone', 'expiresAt')
    if fields[1] then
      id = fields[1] .. ':' .. hashRank(fields[2], fields[3], fields[4])
    elseif fields[2] then
      id = '${SEED_VERSION}:v' .. redis.sha1hex(fields[2] .. '|')
    end
  elseif stored then
    local version, kind, expiresAt, valueAt = header(stored)
    if version then
      id = version .. ':' .. kind .. redis.sha1hex(string.sub(stored, valueAt) .. '|' .. expiresAt)
    elseif not displacedSeedKeyOf(key) then
      id = '${SEED_VERSION}:v' .. redis.sha1hex(stored .. '|')
    end
  end
  local seedKey = seedKeyOf(key)
  if id == '' and seedKey then
    local seed = redis.pcall('GET', seedKey)
    if type(seed) == 'string' and not header(seed) then
      id = '${SEED_VERSION}:v' .. redis.sha1hex(seed .. '|')
    end
  end
  versions[i] = id
end
return versions
`;

/**
 * `recordHint KEYS=[hints key of each missed replica] ARGV=[key, keep ms]`
 *
 * Hints `key` in each sorted set of KEYS and keeps each set for `keep ms` more (`PEXPIRE`). The score is set here,
 * on the replica, never by a coordinator's clock: the replica's `TIME` in microseconds, or the member's current
 * score + 1 if that is not below it, so recording a member again always raises its score on this replica, whatever
 * the clocks of the containers that record it. That is what {@link CLEAR_REPLAYED_HINTS_LUA} relies on. Hints
 * scored in milliseconds by versions before this script sort below every microsecond score, and are raised the
 * same way when hinted again. Returns how many sets it wrote.
 *
 * Scores are written with `%.0f`: Lua turns a number into a string with 14 significant digits, too few for
 * microseconds (doubles hold them exactly up to 2^53, which the replica's clock reaches in the year 2255).
 */
export const RECORD_HINT_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
for _, hints in ipairs(KEYS) do
  local score = now
  local held = redis.call('ZSCORE', hints, ARGV[1])
  if held and tonumber(held) >= score then
    score = tonumber(held) + 1
  end
  redis.call('ZADD', hints, string.format('%.0f', score), ARGV[1])
  redis.call('PEXPIRE', hints, ARGV[2])
end
return #KEYS
`;

/**
 * `clearReplayedHints KEYS=[hints key] ARGV=[key1, score1, key2, score2, ...]`
 *
 * Removes each replayed key from this replica's hints, given the score this same replica returned when the replay
 * read it, unless its score changed since: a key hinted anew during the replay ({@link RECORD_HINT_LUA} raised its
 * score) keeps its hint. Scores of two replicas are never compared. Returns how many were removed.
 */
export const CLEAR_REPLAYED_HINTS_LUA = `
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`;
