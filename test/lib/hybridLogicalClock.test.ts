import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, parseVersion, SEED_VERSION } from '../../lib/core/hybridLogicalClock';

describe('Class: HybridLogicalClock', () => {
  describe('Method: next', () => {
    it('carries the wall-clock time, the counter and the coordinator id in a fixed-width version', () => {
      // Prepare
      const clock = new HybridLogicalClock(12345, () => 1_700_000_000_000);

      // Act
      const version = clock.next();

      // Assess
      expect(version).toBe('1700000000000.00000.0000012345');
      expect(parseVersion(version)).toEqual({ ms: 1_700_000_000_000, counter: 0, coordinatorId: 12345 });
    });

    it('keeps increasing when the wall clock stands still or goes backwards', () => {
      // Prepare
      const times = [1000, 1000, 999, 500, 1001];
      const clock = new HybridLogicalClock(1, () => times.shift() ?? 0);

      // Act
      const versions = [clock.next(), clock.next(), clock.next(), clock.next(), clock.next()];

      // Assess
      expect([...versions].sort()).toEqual(versions);
      expect(new Set(versions).size).toBe(versions.length);
    });

    it('moves to the next millisecond when the counter is exhausted', () => {
      // Prepare
      const clock = new HybridLogicalClock(1, () => 5);
      const versions: string[] = [];

      // Act
      for (let i = 0; i < 100_001; i += 1) versions.push(clock.next());

      // Assess
      expect(parseVersion(versions.at(-1)!)).toMatchObject({ ms: 6, counter: 0 });
      expect(versions.at(-1)! > versions.at(-2)!).toBe(true);
    });

    it('orders every version after the seed version', () => {
      // Act
      const version = new HybridLogicalClock(0, () => 0).next();

      // Assess
      expect(version > SEED_VERSION).toBe(true);
    });
  });

  describe('Method: observe', () => {
    it('issues versions newer than one observed from a coordinator whose clock runs ahead', () => {
      // Prepare
      const ahead = new HybridLogicalClock(2, () => 2_000).next();
      const clock = new HybridLogicalClock(1, () => 1_000);

      // Act
      clock.observe(ahead);
      const next = clock.next();

      // Assess
      expect(next > ahead).toBe(true);
    });

    it('ignores versions implausibly far in the future', () => {
      // Prepare
      const clock = new HybridLogicalClock(1, () => 1_000);

      // Act
      clock.observe('9999999999999.00000.0000000001');
      const next = clock.next();

      // Assess
      expect(parseVersion(next)?.ms).toBe(1_000);
    });
  });
});
