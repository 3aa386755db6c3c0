import { describe, expect, it } from 'vitest';
import { CONSISTENCY_LEVELS, isConsistencyLevel } from '../../../lib/core/consistency';

describe('Module: consistency (the levels)', () => {
  it('lists the levels from the weakest to the strongest', () => {
    // Assess
    expect(CONSISTENCY_LEVELS).toEqual(['one', 'quorum', 'all']);
  });

  it('recognises each level by its exact name', () => {
    // Assess
    expect(CONSISTENCY_LEVELS.filter((level) => isConsistencyLevel(level))).toEqual(['one', 'quorum', 'all']);
  });

  it.each([['ALL'], ['strong'], [''], [undefined], [1], [['one']]])('refuses %j as a level', (value) => {
    // Assess
    expect(isConsistencyLevel(value)).toBe(false);
  });
});
