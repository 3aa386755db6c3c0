import { describe, expect, it } from 'vitest';
import { replicaCursorOf, slotCursor, slotsOfBatch } from '../../../lib/repair/antiEntropyCursor';

describe('Module: antiEntropyCursor', () => {
  it.each([1, 42, 16_383])('reads back the slot %i it saved for a cluster replica', (slot) => {
    // Assess
    expect(replicaCursorOf(slotCursor(slot), true)).toEqual({ kind: 'slot', slot });
  });

  it('starts either kind of replica at 0', () => {
    // Assess
    expect(slotCursor(0)).toBe('0');
    expect(replicaCursorOf('0', true)).toEqual({ kind: 'slot', slot: 0 });
    expect(replicaCursorOf('0', false)).toEqual({ kind: 'scan', cursor: '0' });
  });

  it('reads a SCAN cursor as one for a standalone replica', () => {
    // Assess
    expect(replicaCursorOf('917504', false)).toEqual({ kind: 'scan', cursor: '917504' });
  });

  it('starts a replica over when the cursor was saved for the other mode or is out of range', () => {
    // Assess: a replica migrated to a cluster (or back) between two runs, and corrupt values.
    expect(replicaCursorOf('917504', true)).toEqual({ kind: 'slot', slot: 0 });
    expect(replicaCursorOf('slot:42', false)).toEqual({ kind: 'scan', cursor: '0' });
    expect(replicaCursorOf('slot:16384', true)).toEqual({ kind: 'slot', slot: 0 });
    expect(replicaCursorOf('garbage', false)).toEqual({ kind: 'scan', cursor: '0' });
  });

  it('takes slots in order while their keys fit in the batch, listing only those with keys', () => {
    // Act
    const batch = slotsOfBatch(100, [0, 3, 0, 4, 5, 1], 8);

    // Assess
    expect(batch).toEqual({ taken: [101, 103], next: 104, keys: 7 });
  });

  it('always takes the first slot, even one with more keys than a batch', () => {
    // Act
    const batch = slotsOfBatch(7, [50, 1], 10);

    // Assess
    expect(batch).toEqual({ taken: [7], next: 8, keys: 50 });
  });

  it('takes a whole window of empty slots, and counts the keys of earlier windows against the batch', () => {
    // Assess
    expect(slotsOfBatch(0, [0, 0, 0], 10)).toEqual({ taken: [], next: 3, keys: 0 });
    expect(slotsOfBatch(3, [2, 1], 10, 9)).toEqual({ taken: [], next: 3, keys: 9 });
  });
});
