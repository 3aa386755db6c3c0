import { vi } from 'vitest';
import { HybridLogicalClock } from '../../lib';

/** This machine's own wall clock, whatever a test does to `Date.now` meanwhile. */
export const machineNow: () => number = Date.now.bind(Date);

/** The coordinator clock of a container whose wall clock is `skewMs` off (positive: ahead). */
export function skewedClock(skewMs: number, coordinatorId?: number): HybridLogicalClock {
  return new HybridLogicalClock(coordinatorId, () => machineNow() + skewMs);
}

/**
 * Runs `action` as a container whose wall clock is `skewMs` off would: `Date.now()` reads `skewMs` off in this
 * process until `action` settles, as it does everywhere in such a container (give its coordinator
 * {@link skewedClock} too). For steps a test runs one at a time: anything else running meanwhile sees the same clock.
 */
export async function onContainerClock<T>(skewMs: number, action: () => Promise<T>): Promise<T> {
  const skewed = vi.spyOn(Date, 'now').mockImplementation(() => machineNow() + skewMs);
  try {
    return await action();
  } finally {
    skewed.mockRestore();
  }
}
