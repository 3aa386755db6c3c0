import type { Cluster, Redis } from 'ioredis';
import type { StoredEntry } from '../../../lib';

/**
 * The replica format before issue 12, kept here only so the bench can go on comparing it with the entry string the
 * coordinator now writes (`lib/replica/entryFormat.ts`): a hash per entry (`value`/`tombstone`, `version`,
 * `expiresAt`), read with `HMGET` and written by the apply script of that version, copied verbatim (it read a hash
 * with HGET and wrote it with DEL, HSET and PEXPIREAT). Nothing in `lib/` runs this script any more; the coordinator
 * still reads hashes it finds (see `storageLayout.ts`).
 */

/** The seed version (`core/hybridLogicalClock.ts`). */
const SEED = '0000000000000.00000.0000000000';

/** `applyIfNewer` before issue 12: KEYS[1] = the key; ARGV = version, value, kind and expiry, grace in ms. */
export const APPLY_HASH_ENTRY_LUA = `
local key = KEYS[1]
local version = ARGV[1]
local held = redis.pcall('HGET', key, 'version')
local plain = type(held) == 'table'
if plain then
  held = '${SEED}'
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

/** A client with the hash-format apply script registered. */
export interface HashFormatClient extends Redis {
  applyHashEntry(key: string, version: string, value: string, kindAndExpiry: string, graceMs: string): Promise<[number, string]>;
}

/** Registers the hash-format apply script on `client` (alongside the coordinator's own scripts). */
export function withHashFormat(client: Redis | Cluster): HashFormatClient {
  client.defineCommand('applyHashEntry', { numberOfKeys: 1, lua: APPLY_HASH_ENTRY_LUA });
  return client as HashFormatClient;
}

/** Applies an entry as the coordinator did before issue 12 (same arguments; the reply's first element). */
export async function applyHashEntry(client: HashFormatClient, redisKey: string, entry: StoredEntry, graceMs: number): Promise<number> {
  const kind = entry.value === null ? 't' : 'v';
  const [applied] = await client.applyHashEntry(
    redisKey,
    entry.version,
    entry.value ?? '',
    entry.expiresAt === undefined ? kind : kind + String(entry.expiresAt),
    String(graceMs),
  );
  return applied;
}

/** Reads an entry as the coordinator did before issue 12: one HMGET of its four fields. */
export async function readHashEntry(client: Redis | Cluster, redisKey: string): Promise<StoredEntry | null> {
  const [value, version, tombstone, expiresAt] = await client.hmget(redisKey, 'value', 'version', 'tombstone', 'expiresAt');
  if (version === null || version === undefined) return value === null || value === undefined ? null : { value, version: SEED };
  const expiry = expiresAt === null || expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) };
  return tombstone === '1' ? { value: null, version, ...expiry } : { value: value ?? '', version, ...expiry };
}
