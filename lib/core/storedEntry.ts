import type { Version } from './hybridLogicalClock';

/**
 * What a replica holds for one key: a value or a tombstone (a versioned delete), with its version and, when it has
 * one, the absolute time at which every replica expires it.
 */
export interface StoredEntry {
  readonly version: Version;
  /** The value, or null for a tombstone. */
  readonly value: string | null;
  /** Absolute expiry in epoch milliseconds, the same on every replica. */
  readonly expiresAt?: number;
}

/** True for a tombstone: the key was deleted at this version. */
export function isTombstone(entry: StoredEntry): boolean {
  return entry.value === null;
}

/** The newer of two entries (null = the replica holds nothing); newer versions win, as on the replicas. */
export function newerEntry(a: StoredEntry | null, b: StoredEntry | null): StoredEntry | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.version > a.version ? b : a;
}
