import { describe, expect, it } from 'vitest';
import { comparedKeysOf, displacedSeedKeyOf, INTERNAL_PREFIX, seedKeyOf, storageKey, userKeyOf } from '../../../lib/replica/storageLayout';

describe('Module: storageLayout', () => {
  it.each(['plain', 'user:1', '!', '!qkv:hint', '!!x', 'ключ', ' '])('maps user key %j to a Redis key and back', (key) => {
    // Act
    const redisKey = storageKey(key);

    // Assess
    expect(userKeyOf(redisKey)).toBe(key);
  });

  it.each(['!qkv:hint', `${INTERNAL_PREFIX}cursor`, '!'])('keeps user key %j out of the internal namespace', (key) => {
    // Act
    const redisKey = storageKey(key);

    // Assess
    expect(redisKey.startsWith(INTERNAL_PREFIX)).toBe(false);
  });

  it('recognises internal keys as no user key', () => {
    // Assess
    expect(userKeyOf(`${INTERNAL_PREFIX}hints`)).toBeUndefined();
  });

  it.each([
    ['plain', undefined, undefined],
    ['!x', '!x', '!!!x'],
    ['!!y', '!!y', '!!!!y'],
    ['!', '!', '!!!'],
    [`${INTERNAL_PREFIX}x`, undefined, `!!${INTERNAL_PREFIX}x`],
  ])('for user key %j, finds the seed\'s copy at %j and puts a seed string found at its own Redis key at %j', (key, seedKey, displacedTo) => {
    // Act
    const redisKey = storageKey(key);

    // Assess: the seed stored every user key verbatim, at the key itself.
    expect(seedKeyOf(redisKey)).toBe(seedKey);
    expect(displacedSeedKeyOf(redisKey)).toBe(displacedTo);
    if (displacedTo !== undefined) expect(userKeyOf(displacedTo)).toBe(redisKey);
  });

  it('compares each scanned key as the user keys it may hold an entry or seed data of, never internal keys', () => {
    // Act
    const compared = comparedKeysOf(['plain', '!x', '!!x', '!!y', `${INTERNAL_PREFIX}hints:a`, '!']);

    // Assess
    expect(compared).toEqual(['plain', '!!x', '!!!x', '!!y', '!!!y', '!!']);
  });
});
