import { describe, expect, it } from 'vitest';
import { INTERNAL_PREFIX, storageKey, userKeyOf } from '../../lib/replica/storageLayout';

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
});
