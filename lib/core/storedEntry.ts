import { createHash } from 'node:crypto';
import type { Version } from './hybridLogicalClock';

/**
 * What a replica holds for one key: a value or a tombstone (a versioned delete), with its version and, when it has
 * one, the absolute time at which it expires (a value's TTL; a tombstone's end of grace).
 */
export interface StoredEntry {
  readonly version: Version;
  /** The value, or null for a tombstone. */
  readonly value: string | null;
  /**
   * Absolute expiry in epoch milliseconds, the same on every replica. A value reads as deleted from then on (it
   * keeps its version, so nothing older can come back); a tombstone is removed then.
   */
  readonly expiresAt?: number;
}

/** True for a tombstone: the key was deleted at this version. */
export function isTombstone(entry: StoredEntry): boolean {
  return entry.value === null;
}

/**
 * True when the entry reads as "no value" at `now`: a tombstone, or a value whose TTL has passed. An expired value
 * stays on the replicas, with its version, until the tombstone grace has passed too, so that an older copy on a
 * replica that missed the write can never come back.
 */
export function readsAsDeleted(entry: StoredEntry, now: number): boolean {
  return entry.value === null || (entry.expiresAt !== undefined && entry.expiresAt <= now);
}

/**
 * The rank that orders two entries with the same version: the kind (`t` for a tombstone, `v` for a value) and a
 * SHA-1 of the value and expiry, in hex. Equal versions normally mean the same write; they differ only for data
 * from the seed (every plain string reads as the seed version) or two containers that drew the same id. The Lua
 * scripts compute the same rank (`redis.sha1hex`), so every replica and every coordinator breaks the tie the same
 * way and the replicas converge.
 */
export function tieRank(entry: StoredEntry): string {
  const kind = entry.value === null ? 't' : 'v';
  return kind + createHash('sha1').update(`${entry.value ?? ''}|${entry.expiresAt ?? ''}`).digest('hex');
}

/** True when both hold the very same entry (or both nothing). */
export function sameEntry(a: StoredEntry | null, b: StoredEntry | null): boolean {
  if (a === null || b === null) return a === b;
  return a.version === b.version && a.value === b.value && a.expiresAt === b.expiresAt;
}

/**
 * Orders entries the way every replica does: by version, and for equal versions by {@link tieRank}; nothing sorts
 * below everything. Negative when `a` is older.
 */
export function compareEntries(a: StoredEntry | null, b: StoredEntry | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  if (a.version !== b.version) return a.version < b.version ? -1 : 1;
  if (sameEntry(a, b)) return 0;
  const rankA = tieRank(a);
  const rankB = tieRank(b);
  return rankA === rankB ? 0 : rankA < rankB ? -1 : 1;
}

/** The newer of two entries (null = the replica holds nothing), as {@link compareEntries} orders them. */
export function newerEntry(a: StoredEntry | null, b: StoredEntry | null): StoredEntry | null {
  return compareEntries(b, a) > 0 ? b : a;
}
