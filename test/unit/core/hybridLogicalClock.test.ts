import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, parseVersion, SEED_VERSION } from '../../../lib/core/hybridLogicalClock';

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

  describe('Method: nextAbove', () => {
    it('goes just above a held version from a clock minutes ahead, or leadMs above its time when asked', () => {
      // Prepare: this container's clock is at 1,000 ms; the held version was written at 181,000 ms (3 minutes ahead).
      const clock = new HybridLogicalClock(7, () => 1_000);
      const held = '0000000181000.00003.0000000042';

      // Act
      const justAbove = clock.nextAbove(held);
      const leaped = clock.nextAbove(held, 8);

      // Assess
      expect(parseVersion(justAbove)).toEqual({ ms: 181_000, counter: 4, coordinatorId: 7 });
      expect(parseVersion(leaped)).toEqual({ ms: 181_008, counter: 0, coordinatorId: 7 });
      expect(leaped > justAbove && justAbove > held).toBe(true);
    });

    it('uses its own next version when that is already further ahead than the lead', () => {
      // Prepare
      const clock = new HybridLogicalClock(7, () => 5_000);

      // Act
      const version = clock.nextAbove('0000000001000.00000.0000000042', 8);

      // Assess
      expect(parseVersion(version)?.ms).toBe(5_000);
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
