import { SEED_VERSION, type Version } from '../core/hybridLogicalClock';
import type { ReplicaClient } from './connection';
import { isWrongTypeReply } from './failures';
import type { RollbackReply } from '../core/results';
import type { StoredEntry } from '../core/storedEntry';
import { FIELDS, rolledBackKey, UNDO_PREFIX } from './storageLayout';

/** What a replica did with an entry it was asked to apply. */
export type ApplyReply =
  | { readonly kind: 'applied' }
  | { readonly kind: 'newer'; readonly heldVersion: Version }
  | { readonly kind: 'rolled-back' };

/**
 * Reads one key's entry from one replica with a single `HMGET`; a plain string left by the seed coordinator is read
 * as the oldest version.
 */
export async function readEntry(client: ReplicaClient, redisKey: string): Promise<StoredEntry | null> {
  let fields: (string | null)[];
  try {
    fields = await client.hmget(redisKey, FIELDS.value, FIELDS.version, FIELDS.tombstone, FIELDS.expiresAt);
  } catch (error) {
    if (!isWrongTypeReply(error)) throw error;
    const value = await client.get(redisKey);
    return value === null ? null : { value, version: SEED_VERSION };
  }
  const [value, version, tombstone, expiresAt] = fields;
  if (version === null || version === undefined) {
    return value === null || value === undefined ? null : { value, version: SEED_VERSION };
  }
  const expiry = expiresAt === null || expiresAt === undefined ? {} : { expiresAt: Number(expiresAt) };
  if (tombstone === '1') return { value: null, version, ...expiry };
  return { value: value ?? '', version, ...expiry };
}

/**
 * Applies an entry to one replica if it is newer than what the replica holds (atomically, in Lua).
 *
 * @param undoTtlMs keep what the entry replaces for this long so the write can be rolled back; 0 for repair, which
 *   is never rolled back.
 */
export async function applyEntry(
  client: ReplicaClient,
  redisKey: string,
  entry: StoredEntry,
  undoTtlMs: number,
): Promise<ApplyReply> {
  const kind = entry.value === null ? 't' : 'v';
  const [applied, held] = await client.applyIfNewer(
    redisKey,
    entry.version,
    entry.value ?? '',
    entry.expiresAt === undefined ? kind : kind + String(entry.expiresAt),
    undoTtlMs === 0 ? '0' : String(undoTtlMs),
  );
  if (applied === 1) return { kind: 'applied' };
  return held === '' ? { kind: 'rolled-back' } : { kind: 'newer', heldVersion: held };
}

/**
 * Undoes the write `version` on one replica if the replica still holds it, restoring what it replaced, and makes
 * sure that version can never be applied there again.
 */
export async function rollbackEntry(
  client: ReplicaClient,
  redisKey: string,
  version: Version,
  rememberMs: number,
): Promise<RollbackReply> {
  const reply = await client.rollbackIfCurrent(redisKey, rolledBackKey(redisKey), version, UNDO_PREFIX, String(rememberMs));
  return reply === 1 ? 'restored' : reply === 0 ? 'not-held' : 'dropped';
}

/**
 * Reads the versions one replica holds for many keys in one round trip (undefined where it holds nothing), so
 * anti-entropy can compare replicas without moving values.
 */
export async function versionsOf(client: ReplicaClient, redisKeys: readonly string[]): Promise<(Version | undefined)[]> {
  if (redisKeys.length === 0) return [];
  const versions = await client.versionsOf(redisKeys.length, ...redisKeys);
  return versions.map((version) => (version === '' ? undefined : version));
}
