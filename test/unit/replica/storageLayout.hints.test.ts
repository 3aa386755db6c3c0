import { describe, expect, it } from 'vitest';
import { HASH_SLOTS, slotOf } from '../../../lib/replica/hashSlots';
import {
  bucketedHintsKey,
  HINT_BUCKETS,
  hintBucketOf,
  hintBucketSlice,
  hintsKey,
  hintsKeyFor,
  hintsKeysOf,
  hintTargetOf,
} from '../../../lib/replica/storageLayout';

describe('Module: storageLayout, hint sets', () => {
  it('gives every bucket a hash tag in its own slice of the slots, the slices covering every slot once', () => {
    // Act
    const slots = Array.from({ length: HINT_BUCKETS }, (_, bucket) => slotOf(bucketedHintsKey('127.0.0.1:7000', bucket)));

    // Assess
    slots.forEach((slot, bucket) => {
      const { first, end } = hintBucketSlice(bucket);
      expect(slot).toBeGreaterThanOrEqual(first);
      expect(slot).toBeLessThan(end);
    });
    expect(hintBucketSlice(0).first).toBe(0);
    expect(hintBucketSlice(HINT_BUCKETS - 1).end).toBe(HASH_SLOTS);
    for (let bucket = 1; bucket < HINT_BUCKETS; bucket += 1) expect(hintBucketSlice(bucket).first).toBe(hintBucketSlice(bucket - 1).end);
  });

  it('puts a key\'s hints in the bucket whose slice holds the key\'s own slot', () => {
    // Prepare
    const keys = Array.from({ length: 500 }, (_, i) => `user:${i}`);

    // Act
    const buckets = keys.map(hintBucketOf);

    // Assess
    keys.forEach((key, i) => {
      const { first, end } = hintBucketSlice(buckets[i]!);
      expect(slotOf(key)).toBeGreaterThanOrEqual(first);
      expect(slotOf(key)).toBeLessThan(end);
    });
    expect(new Set(buckets).size).toBeGreaterThan(HINT_BUCKETS / 2);
  });

  it('keeps the hints of one key for every missed replica in one slot', () => {
    // Act
    const slots = ['10.0.0.1:6379', '10.0.0.2:6379', 'replica-c'].map((target) => slotOf(hintsKeyFor(target, 'user:42', true)));

    // Assess
    expect(new Set(slots).size).toBe(1);
  });

  it('keeps one unbucketed set per target on a standalone holder, the form earlier versions wrote', () => {
    // Assess
    expect(hintsKeyFor('10.0.0.1:6379', 'user:42', false)).toBe('!qkv:hints:10.0.0.1:6379');
    expect(hintsKeysOf('10.0.0.1:6379', false)).toEqual([hintsKey('10.0.0.1:6379')]);
    expect(hintsKeysOf('10.0.0.1:6379', true)).toHaveLength(HINT_BUCKETS);
  });

  it.each(['10.0.0.1:6379', 'replica-a', 'name:with:colons'])('reads the target %j back from either form of its hint sets', (target) => {
    // Assess
    expect(hintTargetOf(hintsKey(target))).toBe(target);
    expect(hintTargetOf(bucketedHintsKey(target, 17))).toBe(target);
  });

  it('reads no target from a key that is no hint set', () => {
    // Assess
    expect(hintTargetOf('!qkv:antientropy')).toBeUndefined();
    expect(hintTargetOf('user:1')).toBeUndefined();
  });
});
