/**
 * The Lua scripts that run inside each Redis replica. Each runs atomically there, which is what makes "apply only if
 * newer" safe against concurrent writers and repair (as in Dynomite's repair scripts). Part of the persisted format
 * (`storageLayout.ts`): changing what they store needs a migration.
 *
 * Versions are fixed-width digit strings, so Lua's string comparison orders them. Equal versions (seed strings, or
 * two containers that drew the same id) are ordered by a rank, `t` or `v` then the hex SHA-1 of `value|expiresAt`,
 * computed alike here and in `core/storedEntry.ts` (`tieRank`) for every form an entry can take at K.
 */
import { SEED_VERSION } from '../core/hybridLogicalClock';
import { ENTRY_HEADER_MAX_BYTES, ENTRY_MAGIC, type EntryWriteFormat, LUA_VERSION_PATTERN } from './entryFormat';
import { INTERNAL_PREFIX } from './storageLayout';

/**
 * `header(s)`: parses a header line exactly as `decodeStoredString` does: version, kind, expiry ('' for none) and
 * where the value starts; nil for a seed string. `s` may be cut after the header (`GETRANGE`).
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

/** The rank of a hash entry, read as `readEntry` reads it (an expiry `parseHashExpiry` refuses counts as none). */
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
 * `seedKeyOf(key)` and `displacedSeedKeyOf(key)`, exactly as in `storageLayout.ts` (nil for undefined). The scripts
 * touch those keys without being given them in KEYS, which only a standalone server allows: on a Redis Cluster
 * (`seedKeys` false) they are in other slots, and both are nil. The seed never wrote to a cluster.
 */
function luaSeedKeysFunctions(seedKeys: boolean): string {
  if (!seedKeys) {
    return `
local function seedKeyOf(key)
  return nil
end
local function displacedSeedKeyOf(key)
  return nil
end
`;
  }
  return `
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
}

/**
 * `applyIfNewer KEYS=[key] ARGV=[entry string, removal time (epoch ms) or '']`: stores the entry only if the replica
 * holds nothing there, or an older entry in any form (for an equal version, a lower rank). Returns `{1, ''}` when
 * applied, `{2, version}` when it held this very entry, `{0, heldVersion}` when it holds a newer one. For a `!!` key
 * it applies the seed rules of `storageLayout.ts`.
 *
 * It always writes the string form (`SET … PXAT`, setting or clearing the expiry with it), so any write or repair
 * converts an older form. Kept lean, as it runs for every write on every replica: it reads the held header only
 * (`GETRANGE`), the held value only to break a tie, and tells a hash by the WRONGTYPE error, not a `TYPE` call.
 */
export const APPLY_IF_NEWER_LUA = applyIfNewerLua('string', true);

/**
 * {@link APPLY_IF_NEWER_LUA} writing the older hash form (`ENTRY_WRITE_FORMAT=hash`), so that a coordinator can share
 * the replicas with containers that read only hashes during an upgrade; it never rewrites an entry it already holds.
 */
export const APPLY_IF_NEWER_WRITING_HASHES_LUA = applyIfNewerLua('hash', true);

/**
 * The `applyIfNewer` script for a replica: writing `writes`, and with the seed rules only where seed data can be
 * (`seedKeys`: a standalone server; a Redis Cluster has none, see {@link luaSeedKeysFunctions}).
 */
export function applyIfNewerLua(writes: EntryWriteFormat, seedKeys: boolean): string {
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
${luaSeedKeysFunctions(seedKeys)}
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
 * `versionsOf KEYS=keys`: for each key, `version:rank` of the entry the replica holds ('' for none), the same id
 * for one entry in any form and with the seed rules of `applyIfNewer`. One round trip per batch lets anti-entropy
 * compare replicas, equal versions with different values included, before moving any value.
 */
export const VERSIONS_OF_LUA = versionsOfLua(true);

/** The `versionsOf` script, with the seed rules only where seed data can be (see {@link applyIfNewerLua}). */
export function versionsOfLua(seedKeys: boolean): string {
  return `
${LUA_HEADER_FUNCTION}
${LUA_HASH_RANK_FUNCTION}
${luaSeedKeysFunctions(seedKeys)}
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
}

/**
 * `recordHint KEYS=[hints key of each missed replica] ARGV=[key, keep ms]`: hints `key` in each set and keeps the set
 * `keep ms` more; returns how many sets it wrote. The score is the replica's `TIME` in µs, or the held score + 1 if
 * that is not below it, so hinting a key again always raises its score on this replica whatever the containers'
 * clocks: what {@link CLEAR_REPLAYED_HINTS_LUA} relies on (older versions' millisecond scores sort below). `%.0f`,
 * because Lua's default 14 significant digits are too few for microseconds.
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
 * `clearReplayedHints KEYS=[hints key] ARGV=[key1, score1, ...]`: removes each replayed key whose score on this
 * replica is still the one it returned to the replay, so a key hinted anew meanwhile keeps its hint; returns how
 * many were removed.
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
