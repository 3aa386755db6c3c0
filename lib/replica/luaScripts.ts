/**
 * The Lua scripts that run inside each Redis replica. Each runs atomically on its replica, which is what makes
 * "apply only if newer" safe against concurrent writers and repair (the approach of Dynomite's repair scripts).
 * The storage layout they maintain is described in `storageLayout.ts`: like it, these scripts are part of the
 * persisted format, and changing what they store needs a migration.
 *
 * Versions are fixed-width digit strings, so Lua's string comparison orders them correctly. Equal versions (seed
 * strings, or two containers that drew the same id) are ordered by a rank: `t` or `v` then the SHA-1 of
 * `value|expiresAt` in hex, computed the same way by `core/storedEntry.ts` (`tieRank`).
 */
import { SEED_VERSION } from '../core/hybridLogicalClock';

/**
 * `applyIfNewer`
 * - KEYS: 1 = the key
 * - ARGV: 1 = version, 2 = value ('' for a tombstone), 3 = 'v' for a value or 't' for a tombstone, followed by the
 *   absolute expiry in ms if there is one, 4 = the tombstone grace in ms
 *
 * Stores the entry only if the replica holds no version of the key or an older one (for an equal version, a lower
 * rank). A plain string (written by the seed coordinator) counts as the seed version, the oldest of all.
 * Returns `{1, ''}` when applied, `{2, version}` when the replica already held this very entry, `{0, heldVersion}`
 * when it holds a newer one (a write refused this way is re-issued above it by the coordinator).
 *
 * Expiry: a tombstone is removed at its `expiresAt` (the end of its grace). A value with a TTL is kept, with its
 * version, until `expiresAt` + grace and reads as deleted from `expiresAt` on: so an older copy on a replica that
 * missed the write loses to it in reads, repair and anti-entropy, and an expired key can never come back.
 *
 * Kept lean on purpose: it runs for every write on every replica (one HGET decides in the common case, and a
 * plain-string key is recognised by the WRONGTYPE error rather than a TYPE call).
 */
export const APPLY_IF_NEWER_LUA = `
local key = KEYS[1]
local version = ARGV[1]
local held = redis.pcall('HGET', key, 'version')
local plain = type(held) == 'table'
if plain then
  held = '${SEED_VERSION}'
end
if held then
  if held > version then
    return {0, held}
  end
  if held == version then
    local heldRank
    if plain then
      heldRank = 'v' .. redis.sha1hex(redis.call('GET', key) .. '|')
    else
      local fields = redis.call('HMGET', key, 'value', 'tombstone', 'expiresAt')
      local heldKind = 'v'
      if fields[2] == '1' then
        heldKind = 't'
      end
      heldRank = heldKind .. redis.sha1hex((fields[1] or '') .. '|' .. (fields[3] or ''))
    end
    local rank = string.sub(ARGV[3], 1, 1) .. redis.sha1hex(ARGV[2] .. '|' .. string.sub(ARGV[3], 2))
    if heldRank == rank then
      return {2, held}
    end
    if heldRank > rank then
      return {0, held}
    end
  end
  redis.call('DEL', key)
end
local kind = string.sub(ARGV[3], 1, 1)
if kind == 't' then
  redis.call('HSET', key, 'version', version, 'tombstone', '1')
else
  redis.call('HSET', key, 'value', ARGV[2], 'version', version)
end
local expiresAt = string.sub(ARGV[3], 2)
if expiresAt ~= '' then
  redis.call('HSET', key, 'expiresAt', expiresAt)
  if kind == 't' then
    redis.call('PEXPIREAT', key, expiresAt)
  else
    redis.call('PEXPIREAT', key, tonumber(expiresAt) + tonumber(ARGV[4]))
  end
end
return {1, ''}
`;

/**
 * `versionsOf KEYS=keys`
 *
 * Returns, for each key, what identifies the entry the replica holds: `version:rank` (the rank as in
 * `applyIfNewer`), '' when it holds nothing, the seed version and the value's rank for a plain string. One round
 * trip per batch lets anti-entropy compare replicas, equal versions with different values included, before moving
 * any value.
 */
export const VERSIONS_OF_LUA = `
local versions = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'hash' then
    local fields = redis.call('HMGET', key, 'version', 'value', 'tombstone', 'expiresAt')
    if fields[1] then
      local entryKind = 'v'
      if fields[3] == '1' then
        entryKind = 't'
      end
      versions[i] = fields[1] .. ':' .. entryKind .. redis.sha1hex((fields[2] or '') .. '|' .. (fields[4] or ''))
    else
      versions[i] = ''
    end
  elseif kind == 'none' then
    versions[i] = ''
  else
    versions[i] = '${SEED_VERSION}:v' .. redis.sha1hex(redis.call('GET', key) .. '|')
  end
end
return versions
`;

/**
 * `clearReplayedHints KEYS=[hints key] ARGV=[key1, score1, key2, score2, ...]`
 *
 * Removes each replayed key from a replica's hints unless its hint was recorded again after the replay read it
 * (a newer score), so a key hinted anew during a replay is not forgotten. Returns how many were removed.
 */
export const CLEAR_REPLAYED_HINTS_LUA = `
local removed = 0
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= tonumber(ARGV[i + 1]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`;
