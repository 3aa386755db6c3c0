/**
 * The Lua scripts that run inside each Redis replica. Each runs atomically on its replica, which is what makes
 * "apply only if newer" and "undo only if still current" safe against concurrent writers, repair and rollback
 * (the approach of Dynomite's repair scripts). The storage layout they maintain is described in `storageLayout.ts`:
 * like it, these scripts are part of the persisted format, and changing what they store needs a migration.
 *
 * Versions are fixed-width digit strings, so Lua's string comparison orders them correctly.
 */
import { SEED_VERSION } from '../core/hybridLogicalClock';
import { ROLLED_BACK_PREFIX, UNDO_PREFIX } from './storageLayout';

/**
 * `applyIfNewer`
 * - KEYS: 1 = the key
 * - ARGV: 1 = version, 2 = value ('' for a tombstone), 3 = 'v' for a value or 't' for a tombstone, followed by the
 *   absolute expiry in ms if there is one, 4 = how long to keep the undo record in ms ('0': keep none)
 *
 * Stores the entry only if the replica holds no version of the key or an older one, and never a version that was
 * rolled back. A plain string (written by the seed coordinator) counts as the seed version, the oldest of all.
 * When asked, it first moves what it replaces into the undo record, so a failed write can be undone exactly.
 * Returns `{1, previousVersion or ''}` when applied, `{0, heldVersion}` when it already held this version or a newer
 * one, `{0, ''}` when the version was rolled back.
 *
 * Kept lean on purpose: it runs for every write on every replica (one HGET decides, and a plain-string key is
 * recognised by the WRONGTYPE error rather than a TYPE call).
 */
export const APPLY_IF_NEWER_LUA = `
local key = KEYS[1]
if redis.call('HEXISTS', '${ROLLED_BACK_PREFIX}' .. key, ARGV[1]) == 1 then
  return {0, ''}
end
local held = redis.pcall('HGET', key, 'version')
local exists = true
if type(held) == 'table' then
  held = '${SEED_VERSION}'
elseif not held then
  exists = false
end
if exists and held >= ARGV[1] then
  return {0, held}
end
local undoTtl = tonumber(ARGV[4])
if undoTtl > 0 then
  local undo = '${UNDO_PREFIX}' .. ARGV[1] .. ':' .. key
  if exists then
    redis.call('RENAME', key, undo)
  else
    redis.call('HSET', undo, 'none', '1')
  end
  redis.call('PEXPIRE', undo, undoTtl)
elseif exists then
  redis.call('DEL', key)
end
local kind = string.sub(ARGV[3], 1, 1)
if kind == 't' then
  redis.call('HSET', key, 'version', ARGV[1], 'tombstone', '1')
else
  redis.call('HSET', key, 'value', ARGV[2], 'version', ARGV[1])
end
local expiresAt = string.sub(ARGV[3], 2)
if expiresAt ~= '' then
  redis.call('HSET', key, 'expiresAt', expiresAt)
  redis.call('PEXPIREAT', key, expiresAt)
end
if exists then
  return {1, held}
end
return {1, ''}
`;

/**
 * `rollbackIfCurrent`
 * - KEYS: 1 = the key, 2 = the key's rolled-back-versions record
 * - ARGV: 1 = the version to roll back, 2 = the undo-record prefix, 3 = how long to remember the rollback in ms
 *
 * Remembers that the version was rolled back (so neither a queued copy of the write nor repair can bring it back),
 * then, only if the replica still holds that version, puts back what the write replaced: the previous entry with
 * its expiry, or nothing if there was none. If the previous entry was itself rolled back it goes further back.
 * Returns 1 when restored, 0 when the replica did not hold the version (nothing to undo), 2 when the undo record
 * had expired and the version was simply removed (repair then restores the previous entry from other replicas).
 */
export const ROLLBACK_IF_CURRENT_LUA = `
redis.call('HSET', KEYS[2], ARGV[1], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' or redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then
  return 0
end
local target = ARGV[1]
for _ = 1, 32 do
  local undo = ARGV[2] .. target .. ':' .. KEYS[1]
  local kind = redis.call('TYPE', undo)['ok']
  if kind == 'none' then
    redis.call('DEL', KEYS[1])
    return 2
  end
  if kind == 'hash' and redis.call('HEXISTS', undo, 'none') == 1 then
    redis.call('DEL', KEYS[1], undo)
    return 1
  end
  local previous = false
  if kind == 'hash' then
    previous = redis.call('HGET', undo, 'version')
  end
  if previous and redis.call('HEXISTS', KEYS[2], previous) == 1 then
    target = previous
  else
    redis.call('RENAME', undo, KEYS[1])
    local expiresAt = false
    if kind == 'hash' then
      expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
    end
    if expiresAt then
      redis.call('PEXPIREAT', KEYS[1], expiresAt)
    else
      redis.call('PERSIST', KEYS[1])
    end
    return 1
  end
end
redis.call('DEL', KEYS[1])
return 2
`;

/**
 * `versionsOf KEYS=keys`
 *
 * Returns, for each key, the version the replica holds: '' when it holds nothing, the seed version for a plain
 * string. One round trip per batch lets anti-entropy compare compact versions before moving any value.
 */
export const VERSIONS_OF_LUA = `
local versions = {}
for i, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'hash' then
    versions[i] = redis.call('HGET', key, 'version') or ''
  elseif kind == 'none' then
    versions[i] = ''
  else
    versions[i] = '${SEED_VERSION}'
  end
end
return versions
`;
