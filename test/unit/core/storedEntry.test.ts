import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compareEntries,
  isTombstone,
  newerEntry,
  readsAsDeleted,
  sameEntry,
  tieRank,
  type StoredEntry,
} from '../../../lib/core/storedEntry';

const V = '1795808440933.00000.6441806726';
const LATER = '1795808440934.00000.6441806726';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

describe('Module: storedEntry', () => {
  describe('Function: isTombstone', () => {
    it('tells a delete (no value) from a value, an empty one included', () => {
      // Assess
      expect(isTombstone({ version: V, value: null })).toBe(true);
      expect(isTombstone({ version: V, value: '' })).toBe(false);
    });
  });

  describe('Function: readsAsDeleted', () => {
    it.each([
      ['a tombstone', { version: V, value: null }, true],
      ['a value without a TTL', { version: V, value: 'x' }, false],
      ['a value whose TTL ends later', { version: V, value: 'x', expiresAt: 1_001 }, false],
      ['a value whose TTL ends now', { version: V, value: 'x', expiresAt: 1_000 }, true],
      ['a value whose TTL has passed', { version: V, value: 'x', expiresAt: 999 }, true],
    ] as const)('at time 1000, reads %s as deleted: %s', (_what, entry, deleted) => {
      // Assess
      expect(readsAsDeleted(entry, 1_000)).toBe(deleted);
    });
  });

  describe('Function: tieRank', () => {
    it('is the kind and the SHA-1 of value and expiry, as the Lua scripts compute it (`redis.sha1hex`)', () => {
      // Assess
      expect(tieRank({ version: V, value: 'Seoul' })).toBe(`v${sha1('Seoul|')}`);
      expect(tieRank({ version: V, value: 'Seoul', expiresAt: 1_700 })).toBe(`v${sha1('Seoul|1700')}`);
      expect(tieRank({ version: V, value: null, expiresAt: 1_700 })).toBe(`t${sha1('|1700')}`);
    });
  });

  describe('Function: sameEntry', () => {
    const entry: StoredEntry = { version: V, value: 'x', expiresAt: 5 };

    it('holds for the very same entry, and for nothing against nothing', () => {
      // Assess
      expect(sameEntry(entry, { ...entry })).toBe(true);
      expect(sameEntry(null, null)).toBe(true);
    });

    it.each([
      ['nothing', null],
      ['another version', { ...entry, version: LATER }],
      ['another value', { ...entry, value: 'y' }],
      ['another expiry', { ...entry, expiresAt: 6 }],
      ['no expiry', { version: V, value: 'x' }],
    ] as const)('fails against %s, either way round', (_what, other) => {
      // Assess
      expect(sameEntry(entry, other)).toBe(false);
      expect(sameEntry(other, entry)).toBe(false);
    });
  });

  describe('Function: compareEntries', () => {
    it('orders nothing below every entry, and an older version below a newer one', () => {
      // Prepare
      const older: StoredEntry = { version: V, value: 'z' };
      const newer: StoredEntry = { version: LATER, value: 'a' };

      // Assess
      expect([compareEntries(null, null), compareEntries(null, older), compareEntries(older, null)]).toEqual([0, -1, 1]);
      expect([compareEntries(older, newer), compareEntries(newer, older)]).toEqual([-1, 1]);
    });

    it('finds the very same entry equal', () => {
      // Assess
      expect(compareEntries({ version: V, value: 'x' }, { version: V, value: 'x' })).toBe(0);
    });

    it('breaks a tie of versions by the rank, the same way from either side', () => {
      // Prepare: two different entries at one version (seed data, or two containers that drew the same id).
      const a: StoredEntry = { version: V, value: 'a' };
      const b: StoredEntry = { version: V, value: 'b' };
      const higher = tieRank(a) > tieRank(b) ? a : b;
      const lower = higher === a ? b : a;

      // Assess
      expect([compareEntries(higher, lower), compareEntries(lower, higher)]).toEqual([1, -1]);
      expect(newerEntry(lower, higher)).toBe(higher);
      expect(newerEntry(higher, lower)).toBe(higher);
    });
  });

  describe('Function: newerEntry', () => {
    it('picks the newer of two entries, and an entry over nothing', () => {
      // Prepare
      const older: StoredEntry = { version: V, value: 'old' };
      const newer: StoredEntry = { version: LATER, value: null };

      // Assess
      expect(newerEntry(older, newer)).toBe(newer);
      expect(newerEntry(newer, older)).toBe(newer);
      expect(newerEntry(null, older)).toBe(older);
      expect(newerEntry(older, null)).toBe(older);
    });
  });
});
