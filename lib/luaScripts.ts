/**
 * The Lua scripts that run inside each Redis replica. Each one is atomic on its replica, which is what makes
 * "apply only if newer" safe against concurrent writers and repair (the approach of Dynomite's repair scripts).
 *
 * Versions are fixed-width digit strings, so Lua's string comparison orders them correctly.
 */

/**
 * `setIfNewer KEYS[1]=key ARGV[1]=version ARGV[2]=value ARGV[3]=seedVersion`
 *
 * Stores value and version only if the replica holds no version of the key or an older one. A plain string (written
 * by the seed coordinator) counts as `seedVersion`, the oldest possible version.
 * Returns `{1, previousVersion|''}` when applied, `{0, heldVersion}` when the replica already held this version or a
 * newer one.
 */
export const SET_IF_NEWER_LUA = `
local kind = redis.call('TYPE', KEYS[1])['ok']
local held = false
if kind == 'hash' then
  held = redis.call('HGET', KEYS[1], 'version')
elseif kind ~= 'none' then
  held = ARGV[3]
end
if held and held >= ARGV[1] then
  return {0, held}
end
if kind ~= 'none' then
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'version', ARGV[1])
return {1, held or ''}
`;
