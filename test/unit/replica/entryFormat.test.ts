import { describe, expect, it } from 'vitest';
import { encodeEntry } from '../../../lib/replica/entryFormat';

const V = '1795808440933.00000.6441806726';

describe('Function: encodeEntry', () => {
  it('refuses to encode an expiry the header cannot hold, rather than store an entry that would read as a seed value', () => {
    // Assess
    for (const expiresAt of [1.5, 0, -1, 1e15, Number.NaN]) {
      expect(() => encodeEntry({ version: V, value: 'v', expiresAt })).toThrow(RangeError);
    }
  });
});
