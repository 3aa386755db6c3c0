import { SEED_VERSION, type Version } from '../core/hybridLogicalClock';
import type { ReplicaClient } from './connection';
import { isNoScriptReply, isWrongTypeReply } from './failures';
import type { StoredEntry } from '../core/storedEntry';
import { decodeStoredString, encodeEntry, isEntryString, parseHashExpiry, removalTime } from './entryFormat';
import { groupBySlot } from './hashSlots';
import { displacedSeedKeyOf, FIELDS, seedKeyOf } from './storageLayout';

/** What a replica did with an entry it was asked to apply. */
export type ApplyReply =
  /** Stored: the replica now holds this entry. */
  | { readonly kind: 'applied' }
  /** The replica already held this very entry (a retried or repeated write): it holds it, as if applied. */
  | { readonly kind: 'same' }
  /** Refused: the replica holds a newer entry, at `heldVersion`. */
  | { readonly kind: 'newer'; readonly heldVersion: Version };

/**
 * Reads one key's entry from one replica with one `GET`, in any form (a hash on the WRONGTYPE error, a seed string
 * at the seed version). For a `!!` key the seed's location is read in the same round trip, by the rules of
 * `storageLayout.ts`, as the Lua scripts do.
 */
export async function readEntry(client: ReplicaClient, redisKey: string): Promise<StoredEntry | null> {
  // A cluster holds no seed data (the seed wrote to one server): its `!!` keys are read like any other.
  if (client.isCluster || displacedSeedKeyOf(redisKey) === undefined) return readStoredEntry(client, redisKey, true);
  const seedKey = seedKeyOf(redisKey);
  const [own, seed] = await Promise.all([
    readStoredEntry(client, redisKey, false),
    seedKey === undefined ? null : readSeedString(client, seedKey),
  ]);
  return own ?? seed;
}

/** The entry at `redisKey` in any form; a plain (seed) string counts only when `seedStringsAreOwn`. */
async function readStoredEntry(client: ReplicaClient, redisKey: string, seedStringsAreOwn: boolean): Promise<StoredEntry | null> {
  let stored: string | null;
  try {
    stored = await client.get(redisKey);
  } catch (error) {
    if (!isWrongTypeReply(error)) throw error;
    return readHashEntry(client, redisKey);
  }
  if (stored === null) return null;
  return seedStringsAreOwn || isEntryString(stored) ? decodeStoredString(stored) : null;
}

/** The seed entry a plain string at `seedKey` holds; null for anything else there (nothing, an entry, a hash). */
async function readSeedString(client: ReplicaClient, seedKey: string): Promise<StoredEntry | null> {
  let stored: string | null;
  try {
    stored = await client.get(seedKey);
  } catch (error) {
    if (!isWrongTypeReply(error)) throw error;
    return null;
  }
  return stored === null || isEntryString(stored) ? null : { value: stored, version: SEED_VERSION };
}

/** Reads an entry in the hash form (a value without a version is seed data). */
async function readHashEntry(client: ReplicaClient, redisKey: string): Promise<StoredEntry | null> {
  const [value, version, tombstone, expiresAt] = await client.hmget(redisKey, FIELDS.value, FIELDS.version, FIELDS.tombstone, FIELDS.expiresAt);
  if (version === null || version === undefined) {
    return value === null || value === undefined ? null : { value, version: SEED_VERSION };
  }
  const expiry = expiresAt === null || expiresAt === undefined ? undefined : parseHashExpiry(expiresAt);
  const expiryField = expiry === undefined ? {} : { expiresAt: expiry };
  if (tombstone === '1') return { value: null, version, ...expiryField };
  return { value: value ?? '', version, ...expiryField };
}

/**
 * Applies an entry to one replica if it is newer than what it holds, atomically (`applyIfNewer` in `luaScripts.ts`).
 * One `EVALSHA` by the script's precomputed SHA; a replica that does not hold the script yet (a new or restarted
 * server) answers `NOSCRIPT` without running anything, and gets the whole script once (`EVAL`, which also caches it).
 *
 * @param graceMs the tombstone grace: how long after its expiry a value with a TTL is kept (reading as deleted).
 */
export async function applyEntry(client: ReplicaClient, redisKey: string, entry: StoredEntry, graceMs: number): Promise<ApplyReply> {
  const removeAt = removalTime(entry, graceMs);
  const stored = encodeEntry(entry);
  const removal = removeAt === undefined ? '' : String(removeAt);
  const script = client.applyScript;
  let reply: [number, string];
  try {
    reply = (await client.evalsha(script.sha, 1, redisKey, stored, removal)) as [number, string];
  } catch (error) {
    if (!isNoScriptReply(error)) throw error;
    reply = (await client.eval(script.lua, 1, redisKey, stored, removal)) as [number, string];
  }
  const [applied, held] = reply;
  if (applied === 1) return APPLIED;
  if (applied === 2) return SAME;
  return { kind: 'newer', heldVersion: held };
}

const APPLIED: ApplyReply = { kind: 'applied' };
const SAME: ApplyReply = { kind: 'same' };

/**
 * What identifies the entry one replica holds for each key (`version:rank`), in one round trip (`versionsOf`); on a
 * cluster, one script call per hash slot (a script may only touch one slot), all sent at once.
 */
export async function entryIdsOf(client: ReplicaClient, redisKeys: readonly string[]): Promise<(string | undefined)[]> {
  if (redisKeys.length === 0) return [];
  if (!client.isCluster) return idsOf(await client.versionsOf(redisKeys.length, ...redisKeys));
  const ids: (string | undefined)[] = new Array(redisKeys.length);
  await Promise.all(
    groupBySlot(redisKeys).map(async (group) => {
      const groupIds = idsOf(await client.versionsOf(group.keys.length, ...group.keys));
      group.positions.forEach((position, i) => {
        ids[position] = groupIds[i];
      });
    }),
  );
  return ids;
}

function idsOf(replies: readonly string[]): (string | undefined)[] {
  return replies.map((id) => (id === '' ? undefined : id));
}
