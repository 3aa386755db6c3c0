import { createHash } from 'node:crypto';
import type { Version } from './hybridLogicalClock';

/** What a replica holds for one key: a value or a tombstone (a versioned delete), with its version. */
export interface StoredEntry {
  readonly version: Version;
  /** The value, or null for a tombstone. */
  readonly value: string | null;
  /**
   * Absolute expiry (epoch ms), the same on every replica: a value's TTL (it then reads as deleted but keeps its
   * version, so nothing older comes back), a tombstone's end of grace.
   */
  readonly expiresAt?: number;
}

/** True for a tombstone: the key was deleted at this version. */
export function isTombstone(entry: StoredEntry): boolean {
  return entry.value === null;
}

/** True when the entry reads as "no value" at `now`: a tombstone, or a value whose TTL has passed. */
export function readsAsDeleted(entry: StoredEntry, now: number): boolean {
  return entry.value === null || (entry.expiresAt !== undefined && entry.expiresAt <= now);
}

/**
 * What orders two different entries with the same version (seed strings, or two containers that drew the same id):
 * `t` or `v` and the hex SHA-1 of value and expiry. The Lua scripts compute the same rank, so every replica and
 * coordinator breaks the tie alike and the replicas converge.
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

/** Orders entries as every replica does, by version then {@link tieRank}; nothing sorts lowest. Negative: `a` older. */
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
