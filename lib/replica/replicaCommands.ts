import { SEED_VERSION, type Version } from '../core/hybridLogicalClock';
import type { ReplicaClient } from './connection';
import { isWrongTypeReply } from './failures';
import type { StoredEntry } from '../core/storedEntry';
import { decodeStoredString, encodeEntry, isEntryString, parseHashExpiry, removalTime } from './entryFormat';
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
 * Reads one key's entry from one replica with a single `GET` of its entry string (`entryFormat.ts`). What else K may
 * hold is read too: a hash, the format before strings (recognised by the WRONGTYPE error, then read with `HMGET`),
 * and a plain string left by the seed coordinator, read as the oldest version.
 *
 * For a user key that starts with `!` (stored at `!!…`) the seed's location is read too, with a second `GET` sent
 * with the first (one round trip): the entry at `redisKey` if it holds one, else a seed string at the seed's location
 * (`seedKeyOf`); a plain string at `redisKey` itself is then another user key's seed data and is not read (see
 * `storageLayout.ts`). The apply and compare scripts in `luaScripts.ts` follow the same rules.
 */
export async function readEntry(client: ReplicaClient, redisKey: string): Promise<StoredEntry | null> {
  if (displacedSeedKeyOf(redisKey) === undefined) return readStoredEntry(client, redisKey, true);
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

/**
 * Reads an entry stored as a hash (the format before strings; a hash with a value and no version is seed data). An
 * `expiresAt` that is no expiry the entry format can express reads as none (`parseHashExpiry`).
 */
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
 * Applies an entry to one replica if it is newer than what the replica holds (atomically, in Lua; equal versions
 * are ordered by their rank, see `luaScripts.ts`). The replica then holds it as an entry string, whatever form the
 * key had before (a hash or a seed string is upgraded), or as a hash on a connection opened with
 * `ENTRY_WRITE_FORMAT=hash` (`connectReplica`).
 *
 * @param graceMs the tombstone grace: how long after its expiry a value with a TTL is kept (reading as deleted).
 */
export async function applyEntry(client: ReplicaClient, redisKey: string, entry: StoredEntry, graceMs: number): Promise<ApplyReply> {
  const removeAt = removalTime(entry, graceMs);
  const [applied, held] = await client.applyIfNewer(redisKey, encodeEntry(entry), removeAt === undefined ? '' : String(removeAt));
  if (applied === 1) return APPLIED;
  if (applied === 2) return SAME;
  return { kind: 'newer', heldVersion: held };
}

const APPLIED: ApplyReply = { kind: 'applied' };
const SAME: ApplyReply = { kind: 'same' };

/**
 * Reads what identifies the entry one replica holds for many keys (`version:rank`, undefined where it holds
 * nothing) in one round trip, so anti-entropy can compare replicas, ties included, without moving values.
 */
export async function entryIdsOf(client: ReplicaClient, redisKeys: readonly string[]): Promise<(string | undefined)[]> {
  if (redisKeys.length === 0) return [];
  const ids = await client.versionsOf(redisKeys.length, ...redisKeys);
  return ids.map((id) => (id === '' ? undefined : id));
}
