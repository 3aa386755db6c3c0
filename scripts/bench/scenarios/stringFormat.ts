import type { Redis } from 'ioredis';
import type { StoredEntry } from '../../../lib';

/**
 * The candidate replica format of issue 12, measured against today's hash before anything is built on it: one
 * string per entry, a header line then the value bytes, so `redis-cli GET K` shows both plainly:
 *
 * ```
 * qkv1 1795808440933.00000.6441806726 v 1795808500000\n<value bytes>
 * ```
 *
 * `qkv1 `, the fixed-width version, the kind (`v` value, `t` tombstone), ` <expiresAt>` (epoch ms) when it has one,
 * a newline, the value. Read with a single `GET`, written by a short script (one `GETRANGE` of the header, string
 * comparisons, one `SET … PXAT`). Hash entries and seed strings at K are still recognised by the script.
 */

/** The seed version (`core/hybridLogicalClock.ts`). */
const SEED = '0000000000000.00000.0000000000';
/** A header line, exactly as both sides accept it. */
const HEADER = /^qkv1 (\d{13}\.\d{5}\.\d{10}) ([vt])(?: ([1-9]\d{0,14}))?\n/;
const LUA_VERSION = `${'%d'.repeat(13)}%.${'%d'.repeat(5)}%.${'%d'.repeat(10)}`;

/** The stored string of an entry. */
export function encodeStringEntry(entry: StoredEntry): string {
  const kind = entry.value === null ? 't' : 'v';
  const expiry = entry.expiresAt === undefined ? '' : ` ${entry.expiresAt}`;
  return `qkv1 ${entry.version} ${kind}${expiry}\n${entry.value ?? ''}`;
}

/** The absolute time at which Redis should drop an entry ('' for never). */
export function dropAtOf(entry: StoredEntry, graceMs: number): string {
  if (entry.expiresAt === undefined) return '';
  return String(entry.value === null ? entry.expiresAt : entry.expiresAt + graceMs);
}

/** Reads one entry with a single GET (a hash falls back to HMGET; a plain string is a seed value). */
export async function readStringEntry(client: Redis, redisKey: string): Promise<StoredEntry | null> {
  let stored: string | null;
  try {
    stored = await client.get(redisKey);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('WRONGTYPE'))) throw error;
    const [value, version, tombstone, expiresAt] = await client.hmget(redisKey, 'value', 'version', 'tombstone', 'expiresAt');
    if (version === null || version === undefined) return value === null || value === undefined ? null : { value, version: SEED };
    const expiry = expiresAt === null || expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) };
    return tombstone === '1' ? { value: null, version, ...expiry } : { value: value ?? '', version, ...expiry };
  }
  if (stored === null) return null;
  const header = HEADER.exec(stored);
  if (header === null) return { value: stored, version: SEED };
  const expiry = header[3] === undefined ? {} : { expiresAt: Number(header[3]) };
  return { value: header[2] === 't' ? null : stored.slice(header[0].length), version: header[1]!, ...expiry };
}

/**
 * The candidate apply script. KEYS[1] = the key; ARGV[1] = the encoded entry, ARGV[2] = when Redis drops it ('' for
 * never). Same replies as `applyIfNewer`.
 */
export const APPLY_STRING_ENTRY_LUA = `
local key = KEYS[1]
local entry = ARGV[1]
local function header(s)
  local version, kind = string.match(s, '^qkv1 (${LUA_VERSION}) ([vt])\\n')
  if version then
    return version, kind, '', 39
  end
  local expiresAt
  version, kind, expiresAt = string.match(s, '^qkv1 (${LUA_VERSION}) ([vt]) ([1-9]%d*)\\n')
  if version and #expiresAt <= 15 then
    return version, kind, expiresAt, 40 + #expiresAt
  end
  return nil
end
local version = string.sub(entry, 6, 35)
local heldVersion, heldRank
local legacy = false
local held = redis.pcall('GETRANGE', key, 0, 63)
if type(held) == 'table' then
  local f = redis.call('HMGET', key, 'version', 'value', 'tombstone', 'expiresAt')
  legacy = true
  if f[1] then
    heldVersion = f[1]
    if f[3] == '1' then
      heldRank = 't' .. redis.sha1hex('|' .. (f[4] or ''))
    else
      heldRank = 'v' .. redis.sha1hex((f[2] or '') .. '|' .. (f[4] or ''))
    end
  elseif f[2] then
    heldVersion = '${SEED}'
    heldRank = 'v' .. redis.sha1hex(f[2] .. '|')
  end
elseif held ~= '' or redis.call('EXISTS', key) == 1 then
  local v, k, e, at = header(held)
  if v then
    heldVersion = v
    if v == version then
      heldRank = k .. redis.sha1hex(string.sub(redis.call('GET', key), at) .. '|' .. e)
    end
  else
    legacy = true
    heldVersion = '${SEED}'
    if heldVersion == version then
      heldRank = 'v' .. redis.sha1hex(redis.call('GET', key) .. '|')
    end
  end
end
local reply = {1, ''}
if heldVersion then
  if heldVersion > version then
    return {0, heldVersion}
  end
  if heldVersion == version then
    local _, k, e, at = header(entry)
    local rank = k .. redis.sha1hex(string.sub(entry, at) .. '|' .. e)
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
if ARGV[2] == '' then
  redis.call('SET', key, entry)
else
  redis.call('SET', key, entry, 'PXAT', ARGV[2])
end
return reply
`;

/** A client with the candidate script registered. */
export interface StringFormatClient extends Redis {
  applyStringEntry(key: string, entry: string, dropAt: string): Promise<[number, string]>;
}

/** Registers the candidate script on `client`. */
export function withStringFormat(client: Redis): StringFormatClient {
  client.defineCommand('applyStringEntry', { numberOfKeys: 1, lua: APPLY_STRING_ENTRY_LUA });
  return client as StringFormatClient;
}

/** Applies an entry with the candidate script; same meaning as `applyEntry`'s reply. */
export async function applyStringEntry(client: StringFormatClient, redisKey: string, entry: StoredEntry, graceMs: number): Promise<number> {
  const [applied] = await client.applyStringEntry(redisKey, encodeStringEntry(entry), dropAtOf(entry, graceMs));
  return applied;
}
