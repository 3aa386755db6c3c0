import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEED_VERSION, parseVersion } from '../../../lib/core/hybridLogicalClock';
import type { StoredEntry } from '../../../lib/core/storedEntry';
import {
  decodeStoredString,
  encodeEntry,
  ENTRY_HEADER_MAX_BYTES,
  isEntryString,
  LUA_VERSION_PATTERN,
  parseHashExpiry,
  removalTime,
} from '../../../lib/replica/entryFormat';

const V = '1795808440933.00000.6441806726';

describe('Format: the entry string\'s header line', () => {
  describe('Function: encodeEntry', () => {
    it.each([
      ['a value', { version: V, value: 'Seoul' }, `qkv1 ${V} v\nSeoul`],
      ['a value with a TTL', { version: V, value: 'Seoul', expiresAt: 1_795_808_500_000 }, `qkv1 ${V} v 1795808500000\nSeoul`],
      ['an empty value', { version: V, value: '' }, `qkv1 ${V} v\n`],
      ['a tombstone', { version: V, value: null }, `qkv1 ${V} t\n`],
      ['a tombstone with its end of grace', { version: V, value: null, expiresAt: 1 }, `qkv1 ${V} t 1\n`],
    ] as const)('writes %s as the header line and then the value as it is', (_what, entry, stored) => {
      // Act
      const encoded = encodeEntry(entry);

      // Assess
      expect(encoded).toBe(stored);
      expect(decodeStoredString(encoded)).toEqual(entry);
    });

    it('accepts the smallest and the largest expiry the header holds (1 to 15 digits)', () => {
      // Assess
      expect(encodeEntry({ version: V, value: 'x', expiresAt: 1 })).toBe(`qkv1 ${V} v 1\nx`);
      expect(encodeEntry({ version: V, value: 'x', expiresAt: 999_999_999_999_999 })).toBe(`qkv1 ${V} v 999999999999999\nx`);
    });

    it('names the expiry it refuses', () => {
      // Assess
      expect(() => encodeEntry({ version: V, value: 'x', expiresAt: 0 })).toThrow(
        'expiresAt must be a whole number of milliseconds from 1 to 15 digits; got 0',
      );
    });

    it('never writes a header longer than the scripts read (ENTRY_HEADER_MAX_BYTES, the longest one exactly)', () => {
      // Act
      const longest = encodeEntry({ version: V, value: '\n', expiresAt: 999_999_999_999_999 });

      // Assess
      expect(longest.indexOf('\n') + 1).toBe(ENTRY_HEADER_MAX_BYTES);
    });

    it('reads back every entry it writes, whatever the value holds (newlines, a header of its own)', () => {
      // Prepare
      const entries = fc.record(
        {
          version: fc.constantFrom(V, SEED_VERSION, '0000000000001.99999.9999999999'),
          value: fc.option(fc.oneof(fc.string(), fc.constant(`qkv1 ${V} v\ninner`)), { nil: null }),
          expiresAt: fc.integer({ min: 1, max: 999_999_999_999_999 }),
        },
        { requiredKeys: ['version', 'value'] },
      );

      // Assess
      fc.assert(
        fc.property(entries, (entry: StoredEntry) => {
          expect(decodeStoredString(encodeEntry(entry))).toEqual(entry);
        }),
      );
    });
  });

  describe('Function: decodeStoredString', () => {
    it.each([
      ['no header at all', 'Seoul'],
      ['something before the magic', `xqkv1 ${V} v\nSeoul`],
      ['a version one digit short', `qkv1 ${V.slice(1)} v\nSeoul`],
      ['an unknown kind', `qkv1 ${V} x\nSeoul`],
      ['an expiry with a leading zero', `qkv1 ${V} v 0123\nSeoul`],
      ['an expiry of 16 digits', `qkv1 ${V} v 1000000000000000\nSeoul`],
      ['an expiry with a letter', `qkv1 ${V} v 12a\nSeoul`],
      ['no newline after the header', `qkv1 ${V} v`],
    ])('reads a string with %s as a seed value, whole, at the seed version', (_what, stored) => {
      // Act
      const entry = decodeStoredString(stored);

      // Assess
      expect(entry).toEqual({ value: stored, version: SEED_VERSION });
      expect(isEntryString(stored)).toBe(false);
    });

    it('reads an expiry of 15 digits, the most the header holds', () => {
      // Act
      const entry = decodeStoredString(`qkv1 ${V} v 123456789012345\nSeoul`);

      // Assess
      expect(entry).toEqual({ value: 'Seoul', version: V, expiresAt: 123_456_789_012_345 });
    });

    it('takes everything after the header line as the value, a newline and a header line included', () => {
      // Prepare
      const stored = `qkv1 ${V} v\nline one\nqkv1 ${V} t\n`;

      // Act
      const entry = decodeStoredString(stored);

      // Assess
      expect(entry).toEqual({ value: `line one\nqkv1 ${V} t\n`, version: V });
      expect(isEntryString(stored)).toBe(true);
    });
  });

  describe('Constant: LUA_VERSION_PATTERN', () => {
    /** The Lua pattern as a JavaScript regular expression (`%d` a digit, `%.` a dot), anchored like the scripts'. */
    const asRegExp = new RegExp(`^${LUA_VERSION_PATTERN.replaceAll('%d', '\\d').replaceAll('%.', '\\.')}$`);

    it.each([V, SEED_VERSION, '0000000000001.99999.9999999999', V.slice(1), `${V}0`, V.replace('.', ','), V.replace('9', 'a')])(
      'accepts %s exactly when TypeScript reads it as a version',
      (text) => {
        // Assess
        expect(asRegExp.test(text)).toBe(parseVersion(text) !== undefined);
      },
    );
  });
});

describe('Function: parseHashExpiry', () => {
  it.each([
    ['1', 1],
    ['1795808500000', 1_795_808_500_000],
    ['999999999999999', 999_999_999_999_999],
    ['0', undefined],
    ['0123', undefined],
    ['1000000000000000', undefined],
    ['12a', undefined],
    ['a12', undefined],
    ['-5', undefined],
    ['', undefined],
  ] as const)('reads the hash field %j as the expiry %s', (raw, expiry) => {
    // Assess
    expect(parseHashExpiry(raw)).toBe(expiry);
  });
});

describe('Function: removalTime', () => {
  it('removes a tombstone at its end of grace, a value with a TTL a grace later, and a value without one never', () => {
    // Assess
    expect(removalTime({ version: V, value: null, expiresAt: 5_000 }, 100)).toBe(5_000);
    expect(removalTime({ version: V, value: 'x', expiresAt: 5_000 }, 100)).toBe(5_100);
    expect(removalTime({ version: V, value: 'x' }, 100)).toBeUndefined();
  });
});
