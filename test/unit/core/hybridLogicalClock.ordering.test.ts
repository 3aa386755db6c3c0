import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridLogicalClock, parseVersion, SEED_VERSION, type Version } from '../../../lib/core/hybridLogicalClock';

/** A version at `ms` and `counter` from coordinator `id`, written out in full, as a replica would hold it. */
function version(ms: number, counter: number, id: number): Version {
  return `${String(ms).padStart(13, '0')}.${String(counter).padStart(5, '0')}.${String(id).padStart(10, '0')}`;
}

describe('Class: HybridLogicalClock (ordering)', () => {
  describe('Constructor', () => {
    it.each([-1, 1.5, 10_000_000_000, Number.NaN])('refuses coordinator id %d: it would not fit the version\'s 10 digits', (id) => {
      // Act & Assess
      expect(() => new HybridLogicalClock(id, () => 0)).toThrow(new RangeError('coordinatorId must be an integer from 0 to 9999999999'));
    });

    it('accepts the smallest and the largest ids, each written in full in the version', () => {
      // Act
      const smallest = new HybridLogicalClock(0, () => 1_000).next();
      const largest = new HybridLogicalClock(9_999_999_999, () => 1_000).next();

      // Assess
      expect(smallest).toBe('0000000001000.00000.0000000000');
      expect(largest).toBe('0000000001000.00000.9999999999');
    });
  });

  describe('Method: next', () => {
    it('counts within one millisecond and starts the counter again when the wall clock moves on', () => {
      // Prepare
      const times = [1_000, 1_000, 1_000, 1_001];
      const clock = new HybridLogicalClock(3, () => times.shift()!);

      // Act
      const versions = [clock.next(), clock.next(), clock.next(), clock.next()];

      // Assess
      expect(versions).toEqual([version(1_000, 0, 3), version(1_000, 1, 3), version(1_000, 2, 3), version(1_001, 0, 3)]);
    });

    it('stamps versions with the replicas\' time once adjusted, and never goes back when the offset shrinks', () => {
      // Prepare: the replicas' clock runs 5 s ahead of this container's, then (remeasured) only 2 s.
      const clock = new HybridLogicalClock(3, () => 1_000);

      // Act
      clock.adjust(5_000);
      const ahead = clock.next();
      clock.adjust(2_000);
      const after = clock.next();

      // Assess
      expect(ahead).toBe(version(6_000, 0, 3));
      expect(after).toBe(version(6_000, 1, 3));
    });
  });

  describe('Methods: now and wallTime', () => {
    it('reads the replicas\' time as the wall clock plus the measured offset, and the wall clock alone as it is', () => {
      // Prepare
      const clock = new HybridLogicalClock(3, () => 1_000);

      // Act
      clock.adjust(-250);

      // Assess
      expect(clock.now()).toBe(750);
      expect(clock.wallTime()).toBe(1_000);
    });
  });

  describe('Method: nextAbove', () => {
    it('gives its own next version when that is already above the held one', () => {
      // Prepare
      const clock = new HybridLogicalClock(7, () => 5_000);

      // Act
      const above = clock.nextAbove(version(1_000, 4, 42));

      // Assess
      expect(above).toBe(version(5_000, 0, 7));
    });

    it('moves to the next millisecond above a held version whose counter is full', () => {
      // Prepare: the held version is 3 minutes ahead (too far to adopt), at the last counter of its millisecond.
      const clock = new HybridLogicalClock(7, () => 1_000);

      // Act
      const above = clock.nextAbove(version(181_000, 99_999, 42));

      // Assess
      expect(above).toBe(version(181_001, 0, 7));
    });

    it('gives its own next version when the held one is not a version at all', () => {
      // Prepare
      const clock = new HybridLogicalClock(7, () => 5_000);

      // Act
      const above = clock.nextAbove('not a version');

      // Assess
      expect(above).toBe(version(5_000, 0, 7));
    });
  });

  describe('Method: observe', () => {
    it('continues from a version of the same millisecond with a higher counter', () => {
      // Prepare
      const clock = new HybridLogicalClock(1, () => 1_000);
      clock.next();

      // Act
      clock.observe(version(1_000, 5, 2));

      // Assess
      expect(clock.next()).toBe(version(1_000, 6, 1));
    });

    it('adopts a version up to a minute ahead of its time, and none further', () => {
      // Prepare
      const atTheEdge = new HybridLogicalClock(1, () => 1_000);
      const beyond = new HybridLogicalClock(1, () => 1_000);

      // Act
      atTheEdge.observe(version(61_000, 0, 2));
      beyond.observe(version(61_001, 0, 2));

      // Assess
      expect(atTheEdge.next()).toBe(version(61_000, 1, 1));
      expect(beyond.next()).toBe(version(1_000, 0, 1));
    });

    it('ignores what is not a version, and keeps counting where it was', () => {
      // Prepare
      const clock = new HybridLogicalClock(1, () => 1_000);
      clock.next();

      // Act
      clock.observe('zzzz: not a version');

      // Assess
      expect(clock.next()).toBe(version(1_000, 1, 1));
    });

    it('issues strictly increasing versions, above every plausible version observed, whatever the wall clock does', () => {
      // Prepare: steps that move the wall clock (back or forth), observe a version near it, or issue one.
      const step = fc.oneof(
        fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: -5_000, max: 5_000 }) }),
        fc.record({ kind: fc.constant('observe' as const), ms: fc.integer({ min: -90_000, max: 90_000 }), counter: fc.integer({ min: 0, max: 99_999 }) }),
        fc.record({ kind: fc.constant('next' as const) }),
      );

      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          let wall = 1_000_000;
          const clock = new HybridLogicalClock(1, () => wall);
          let last: Version = SEED_VERSION;
          let floor: Version = SEED_VERSION;
          for (const s of steps) {
            // Act
            if (s.kind === 'tick') wall += s.ms;
            else if (s.kind === 'observe') {
              const seen = version(wall + s.ms, s.counter, 2);
              clock.observe(seen);
              // A version more than a minute ahead of the clock is not adopted (one bad clock must not drag it along).
              if (s.ms <= 60_000 && seen > floor) floor = seen;
            } else {
              const issued = clock.next();

              // Assess
              expect(issued > last).toBe(true);
              expect(issued > floor).toBe(true);
              last = issued;
            }
          }
        }),
      );
    });
  });
});

describe('Function: parseVersion', () => {
  it('reads the seed version as time 0, counter 0, coordinator 0: the shape of every other version', () => {
    // Assess
    expect(parseVersion(SEED_VERSION)).toEqual({ ms: 0, counter: 0, coordinatorId: 0 });
  });

  it.each([
    ['a character before it', `x${version(1_000, 0, 1)}`],
    ['a character after it', `${version(1_000, 0, 1)}x`],
    ['a time one digit short', '000000001000.00000.0000000001'],
    ['letters for digits', '000000000100a.00000.0000000001'],
    ['nothing at all', ''],
  ])('refuses a version with %s', (_what, text) => {
    // Assess
    expect(parseVersion(text)).toBeUndefined();
  });
});
