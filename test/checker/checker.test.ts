import { describe, expect, it } from 'vitest';
import { checkHistory, checkKey } from './checker';
import type { Operation } from './history';
import { del, get, put } from './support/handMadeHistory';

const verdictOf = (operations: readonly Operation[], options = {}) => checkKey('k', operations, options).verdict;
const orderOf = (operations: readonly Operation[]) =>
  (checkKey('k', operations).linearization ?? []).map((step) => (step.expiry ? `expire ${step.operation.id}` : step.operation.id));

describe('Function: checkKey', () => {
  describe('sequential histories', () => {
    it('accepts a sequential history and linearizes it in its own order', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), get('A', 'a', 2, 3), put('B', 'b', 4, 5), get('A', 'b', 6, 7), del('B', 8, 9), get('A', null, 10, 11)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('linearizable');
      expect(orderOf(history)).toEqual(history.map((operation) => operation.id));
      expect(result.linearization?.map((step) => step.registerAfter)).toEqual(['a', 'a', 'b', 'b', null, null]);
    });

    it('accepts an empty history', () => {
      expect(verdictOf([])).toBe('linearizable');
    });

    it('rejects a read of a value that was never written', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), get('B', 'z', 2, 3)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.stuck?.couldNotLinearize).toEqual([history[1]]);
      expect(result.stuck?.registerValue).toBe('a');
    });

    it('reads NOT_FOUND before any write, or the initial value when one is given', () => {
      // Prepare
      const history = [get('A', 'seed', 0, 1)];

      // Act & Assess
      expect(verdictOf([get('A', null, 0, 1)])).toBe('linearizable');
      expect(verdictOf(history)).toBe('not linearizable');
      expect(verdictOf(history, { initialValue: 'seed' })).toBe('linearizable');
      expect(checkHistory(history, { initialValue: (key: string) => (key === 'k' ? 'seed' : null) }).verdict).toBe('linearizable');
    });
  });

  describe('concurrent writes', () => {
    it.each(['a', 'b'])('accepts a read of %s after two overlapping puts of a and b', (seen) => {
      // Prepare
      const history = [put('A', 'a', 0, 10), put('B', 'b', 1, 9), get('C', seen, 11, 12)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('accepts two readers seeing a write before and after it takes effect while it is in flight', () => {
      // Prepare: old is read, then new, both during the put of new.
      const history = [put('A', 'old', 0, 1), put('A', 'new', 2, 100), get('B', 'old', 10, 20), get('C', 'new', 30, 40)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('rejects the new-old inversion: a reader sees the old value after another reader saw the new one', () => {
      // Prepare: both reads overlap the put of new, but the read of old starts after the read of new ended.
      const history = [put('A', 'old', 0, 1), put('A', 'new', 2, 100), get('B', 'new', 10, 20), get('C', 'old', 30, 40)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.stuck?.couldNotLinearize).toEqual([history[3]]);
      expect(result.stuck?.registerValue).toBe('new');
      expect(result.longestPrefix?.map((step) => step.operation.id)).toEqual([history[0]!.id, history[1]!.id, history[2]!.id]);
    });

    it('rejects a stale read after a completed write', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), put('A', 'b', 2, 3), get('B', 'a', 4, 5)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.longestPrefix?.map((step) => step.operation.value)).toEqual(['a', 'b']);
      expect(result.stuck).toMatchObject({ registerValue: 'b', couldNotLinearize: [history[2]], deadline: { operation: history[2] } });
    });

    it('counts operations that share a millisecond boundary as concurrent', () => {
      // Prepare: the put of b returns in the millisecond the read starts, so the read may come first.
      const history = [put('A', 'a', 0, 1), put('A', 'b', 2, 5), get('B', 'a', 5, 6)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });
  });

  describe('deletes', () => {
    it('accepts NOT_FOUND after a delete', () => {
      expect(verdictOf([put('A', 'a', 0, 1), del('A', 2, 3), get('B', null, 4, 5)])).toBe('linearizable');
    });

    it('rejects the deleted value after the delete completed', () => {
      expect(verdictOf([put('A', 'a', 0, 1), del('A', 2, 3), get('B', 'a', 4, 5)])).toBe('not linearizable');
    });

    it('accepts a value written after the delete', () => {
      expect(verdictOf([put('A', 'a', 0, 1), del('A', 2, 3), put('B', 'b', 4, 5), get('B', 'b', 6, 7)])).toBe('linearizable');
    });
  });

  describe('failed writes (certainly rolled back)', () => {
    it('rejects a read of a failed write, even one that overlapped it', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), put('A', 'x', 2, 20, { outcome: 'failed' }), get('B', 'x', 5, 10)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.dropped).toEqual([{ operation: history[1], reason: 'failed write' }]);
    });

    it('accepts the previous value while and after a write fails', () => {
      expect(verdictOf([put('A', 'a', 0, 1), put('A', 'x', 2, 20, { outcome: 'failed' }), get('B', 'a', 5, 10), get('B', 'a', 30, 31)])).toBe(
        'linearizable',
      );
    });

    it('rejects NOT_FOUND after a failed delete', () => {
      expect(verdictOf([put('A', 'a', 0, 1), del('A', 2, 3, { outcome: 'failed' }), get('B', null, 4, 5)])).toBe('not linearizable');
    });

    it('ignores reads that failed or have no answer', () => {
      expect(verdictOf([put('A', 'a', 0, 1), get('B', 'z', 2, 3, { outcome: 'failed' }), get('B', 'z', 4, undefined)])).toBe('linearizable');
    });
  });

  describe('writes with an unknown outcome', () => {
    it('accepts a read of an unknown write, even long after the writer gave up', () => {
      expect(verdictOf([put('A', 'a', 0, 1), put('A', 'u', 2), get('B', 'a', 10, 11), get('B', 'u', 500, 501)])).toBe('linearizable');
    });

    it('accepts an unknown write that never takes effect', () => {
      expect(verdictOf([put('A', 'a', 0, 1), put('A', 'u', 2), del('A', 3), get('B', 'a', 10, 11)])).toBe('linearizable');
    });

    it('rejects an unknown write that appears and then disappears', () => {
      // Prepare: once u was read it had taken effect, and nothing wrote a again.
      const history = [put('A', 'a', 0, 1), put('A', 'u', 2), get('B', 'u', 3, 4), get('C', 'a', 5, 6)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.stuck?.couldNotLinearize).toEqual([history[3]]);
    });

    it('accepts the old value again when a later write of it explains the read', () => {
      expect(verdictOf([put('A', 'a', 0, 1), put('A', 'u', 2), get('B', 'u', 3, 4), put('C', 'a', 5, 6), get('C', 'a', 7, 8)])).toBe(
        'linearizable',
      );
    });

    it('rejects an unknown write read before it was invoked', () => {
      expect(verdictOf([put('A', 'a', 0, 1), get('B', 'u', 2, 3), put('A', 'u', 4)])).toBe('not linearizable');
    });

    it('uses each unknown delete at most once, wherever a NOT_FOUND needs one', () => {
      // Prepare: two NOT_FOUND reads separated by an acknowledged put need two deletes.
      const reads = [get('B', null, 10, 11), put('C', 'b', 12, 13), get('B', null, 14, 15)];
      const oneDelete = [put('A', 'a', 0, 1), del('A', 2), ...reads];
      const twoDeletes = [put('A', 'a', 0, 1), del('A', 2), del('D', 3), ...reads];

      // Act & Assess
      expect(verdictOf(oneDelete)).toBe('not linearizable');
      expect(verdictOf(twoDeletes)).toBe('linearizable');
    });

    it('leaves unknown writes nobody read out of the search', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), put('A', 'u', 2), get('B', 'a', 10, 11)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.dropped).toEqual([{ operation: history[1], reason: 'unknown write never read' }]);
    });
  });

  describe('unknown writes answered before a later write was invoked', () => {
    // An unknown write with a return time: the store answered, at that instant, that it may still take effect.
    const answered = { outcome: 'unknown' } as const;

    it('rejects an unknown write that takes effect above a write invoked after its answer, once that write was read', () => {
      // Prepare: x is answered at 1, y is invoked at 2 and read, then x is read.
      const history = [put('A', 'x', 0, 1, answered), put('B', 'y', 2, 3), get('C', 'y', 4, 5), get('C', 'x', 6, 7)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.stuck?.couldNotLinearize).toEqual([history[3]]);
      expect(result.stuck?.ruledOut).toEqual([{ write: history[0], laterWrite: history[1] }]);
    });

    it('accepts the same history when the rule is turned off', () => {
      // Prepare
      const history = [put('A', 'x', 0, 1, answered), put('B', 'y', 2, 3), get('C', 'y', 4, 5), get('C', 'x', 6, 7)];

      // Act & Assess
      expect(verdictOf(history, { unknownWritesPrecedeLaterWrites: false })).toBe('linearizable');
    });

    it('accepts an unknown write read before the later write was invoked, then only the later write', () => {
      // Prepare
      const history = [put('A', 'x', 0, 1, answered), get('C', 'x', 2, 3), put('B', 'y', 4, 5), get('C', 'y', 6, 7), get('D', 'y', 8, 9)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
      expect(orderOf(history)).toEqual(history.map((operation) => operation.id));
    });

    it('accepts an unknown write nobody read, put or delete', () => {
      // Prepare
      const unreadPut = [put('A', 'a', 0, 1), put('A', 'x', 2, 3, answered), put('B', 'y', 4, 5), get('C', 'y', 6, 7)];
      const unreadDelete = [put('A', 'a', 0, 1), del('A', 2, 3, answered), put('B', 'y', 4, 5), get('C', 'y', 6, 7)];

      // Act & Assess
      expect(verdictOf(unreadPut)).toBe('linearizable');
      expect(verdictOf(unreadDelete)).toBe('linearizable');
    });

    it('lets reads after the answer see the old value and then the unknown write, before a later write', () => {
      // Prepare: a read invoked after x's answer still sees a, a later one sees x, then y is written and read.
      const history = [
        put('A', 'a', 0, 1),
        put('A', 'x', 2, 3, answered),
        get('B', 'a', 4, 5),
        get('B', 'x', 6, 7),
        put('C', 'y', 8, 9),
        get('B', 'y', 10, 11),
      ];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('rejects an unknown delete that takes effect above a put invoked after its answer', () => {
      // Prepare
      const history = [put('A', 'a', 0, 1), del('A', 2, 3, answered), put('B', 'y', 4, 5), get('C', 'y', 6, 7), get('C', null, 8, 9)];

      // Act & Assess
      expect(verdictOf(history)).toBe('not linearizable');
      expect(verdictOf(history, { unknownWritesPrecedeLaterWrites: false })).toBe('linearizable');
    });

    it('rejects an unknown put that takes effect above a delete invoked after its answer', () => {
      // Prepare
      const history = [put('A', 'x', 0, 1, answered), del('B', 2, 3), get('C', null, 4, 5), get('C', 'x', 6, 7)];

      // Act & Assess
      expect(verdictOf(history)).toBe('not linearizable');
      expect(verdictOf(history, { unknownWritesPrecedeLaterWrites: false })).toBe('linearizable');
    });

    it('rejects an unknown put that takes effect above a later unknown write that did take effect', () => {
      // Prepare: y was read, so it took effect; x, answered before y was invoked, cannot come after it.
      const history = [put('A', 'x', 0, 1, answered), put('B', 'y', 2, 3, answered), get('C', 'y', 4, 5), get('C', 'x', 6, 7)];

      // Act & Assess
      expect(verdictOf(history)).toBe('not linearizable');
    });

    it('lets an unknown write take effect above a later unknown write that never took effect', () => {
      // Prepare: the delete invoked after x's answer may never take effect, so x may still land.
      const history = [put('A', 'a', 0, 1), put('A', 'x', 2, 3, answered), del('B', 4, 5, answered), get('C', 'a', 6, 7), get('C', 'x', 8, 9)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('does not constrain an unknown write by a write invoked before or at its answer', () => {
      // Prepare: y is invoked at 4 (and at 5), while x is still waiting for its answer at 5.
      const overlapping = [put('A', 'x', 0, 5, answered), put('B', 'y', 4, 10), get('C', 'y', 11, 12), get('C', 'x', 13, 14)];
      const sameMillisecond = [put('A', 'x', 0, 5, answered), put('B', 'y', 5, 10), get('C', 'y', 11, 12), get('C', 'x', 13, 14)];

      // Act & Assess
      expect(verdictOf(overlapping)).toBe('linearizable');
      expect(verdictOf(sameMillisecond)).toBe('linearizable');
    });

    it('does not constrain an unknown write that never got an answer', () => {
      expect(verdictOf([put('A', 'x', 0), put('B', 'y', 2, 3), get('C', 'y', 4, 5), get('C', 'x', 6, 7)])).toBe('linearizable');
    });

    it('does not count a TTL expiry as a later write', () => {
      // Prepare: a expires in [15, 25], after x's answer; x lands after the expiry and is read.
      const history = [put('A', 'a', 0, 1, { expiresAt: 20 }), put('B', 'x', 2, 3, answered), get('C', null, 30, 31), get('C', 'x', 40, 41)];

      // Act & Assess
      expect(verdictOf(history, { ttlSlackMs: 5 })).toBe('linearizable');
    });

    it('counts an unknown put landing after its own expiry as a write, ruled out above a later write', () => {
      // Prepare: NOT_FOUND after y needs x to land after its own expiry (acting as a delete), i.e. above y.
      const history = [put('A', 'x', 0, 1, { ...answered, expiresAt: 10 }), put('B', 'y', 2, 3), get('C', 'y', 4, 5), get('C', null, 30, 31)];

      // Act & Assess
      expect(verdictOf(history, { ttlSlackMs: 5 })).toBe('not linearizable');
      expect(verdictOf(history, { ttlSlackMs: 5, unknownWritesPrecedeLaterWrites: false })).toBe('linearizable');
    });

    it('spends the unknown delete that lapses first when either could explain a NOT_FOUND', () => {
      // Prepare: d1 (never answered) and d2 (answered at 2) could each explain the first NOT_FOUND; the second one,
      // after y, needs a delete that can still land after y, which only d1 can.
      const history = [
        put('A', 'a', 0, 1),
        del('B', 1),
        del('C', 1.5, 2, answered),
        get('D', null, 3, 4),
        put('A', 'y', 5, 6),
        get('D', 'y', 7, 8),
        get('D', null, 9, 10),
      ];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('still lets an unknown write ruled out on one path explain a read on another', () => {
      // Prepare: y and z overlap; x can land only if z (invoked after x's answer) comes after the read of x.
      const history = [
        put('A', 'a', 0, 1),
        put('A', 'x', 2, 3, answered),
        put('B', 'y', 4, 20),
        put('C', 'z', 5, 20),
        get('D', 'x', 6, 21),
        get('D', 'z', 22, 23),
      ];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });
  });

  describe('TTL expiry', () => {
    it('accepts NOT_FOUND after the value expired', () => {
      expect(verdictOf([put('A', 'a', 0, 1, { expiresAt: 100 }), get('B', 'a', 10, 11), get('B', null, 200, 201)])).toBe('linearizable');
    });

    it('rejects the value read after it expired', () => {
      expect(verdictOf([put('A', 'a', 0, 1, { expiresAt: 100 }), get('B', 'a', 200, 201)])).toBe('not linearizable');
    });

    it('rejects the older value coming back when the value that overwrote it expires', () => {
      // Prepare
      const history = [put('A', 'old', 0, 1), put('A', 'new', 2, 3, { expiresAt: 100 }), get('B', 'old', 200, 201)];

      // Act
      const result = checkKey('k', history);

      // Assess
      expect(result.verdict).toBe('not linearizable');
      expect(result.stuck?.registerValue).toBeNull();
      expect(result.longestPrefix?.at(-1)).toMatchObject({ expiry: true, operation: history[1], registerAfter: null });
    });

    it('rejects NOT_FOUND before the expiry window opens', () => {
      expect(verdictOf([put('A', 'a', 0, 1, { expiresAt: 100 }), get('B', null, 10, 11)])).toBe('not linearizable');
    });

    it('allows the expiry anywhere within the slack around expiresAt', () => {
      // Prepare: read at 120-121, after expiresAt 100 but inside a 50 ms slack.
      const history = [put('A', 'a', 0, 1, { expiresAt: 100 }), get('B', 'a', 120, 121)];

      // Act & Assess
      expect(verdictOf(history, { ttlSlackMs: 50 })).toBe('linearizable');
      expect(verdictOf(history, { ttlSlackMs: 10 })).toBe('not linearizable');
    });

    it('does not let an expiry clear a value that overwrote the expiring one', () => {
      expect(verdictOf([put('A', 'a', 0, 1, { expiresAt: 100 }), put('B', 'b', 50, 51), get('B', 'b', 200, 201)])).toBe('linearizable');
    });

    it('accepts an unknown put with a TTL taking effect after its expiry as a delete', () => {
      // Prepare: the late put writes an entry already expired, so the key reads NOT_FOUND.
      const history = [put('A', 'old', 0, 1), put('A', 'new', 2, undefined, { expiresAt: 50 }), get('B', 'old', 100, 101), get('B', null, 300, 301)];

      // Act & Assess
      expect(verdictOf(history)).toBe('linearizable');
    });

    it('rejects the value of an unknown put with a TTL read after its expiry', () => {
      expect(verdictOf([put('A', 'old', 0, 1), put('A', 'new', 2, undefined, { expiresAt: 50 }), get('B', 'new', 300, 301)])).toBe(
        'not linearizable',
      );
    });
  });

  describe('malformed histories', () => {
    it('throws a RangeError naming an ok operation without a return time', () => {
      // Prepare
      const broken: Operation = { id: 7, client: 'A', kind: 'get', key: 'k', value: null, invokeMs: 0, outcome: 'ok' };

      // Act & Assess
      expect(() => checkKey('k', [broken])).toThrow(/operation 7 .*returnMs/);
    });

    it('throws a RangeError for an operation on another key', () => {
      expect(() => checkKey('k', [put('A', 'a', 0, 1, { key: 'other' })])).toThrow(RangeError);
    });
  });

  describe('search limits', () => {
    // Sixteen concurrent puts and a read of a value none wrote: every subset of puts is a distinct configuration.
    const hard = [...Array.from({ length: 16 }, (_, i) => put(`W${i}`, `v${i}`, 0, 100)), get('R', 'never', 200, 201)];

    it('answers unknown (search limit) when the state budget is spent', () => {
      // Act
      const result = checkKey('k', hard, { maxStatesPerKey: 1_000 });

      // Assess
      expect(result).toMatchObject({ verdict: 'unknown (search limit)', limit: 'states' });
      expect(result.exploredStates).toBe(1_000);
      expect(result.longestPrefix?.length).toBeGreaterThan(0);
    });

    it('answers unknown (search limit) when the time budget is spent', () => {
      expect(checkKey('k', hard, { maxMsPerKey: 0 })).toMatchObject({ verdict: 'unknown (search limit)', limit: 'time' });
    });

    it('finishes a smaller search of the same shape within the default limits', () => {
      // Prepare: twelve puts, 12 x 2^11 configurations.
      const smaller = [...Array.from({ length: 12 }, (_, i) => put(`W${i}`, `v${i}`, 0, 100)), get('R', 'never', 200, 201)];

      // Act & Assess
      expect(checkKey('k', smaller).verdict).toBe('not linearizable');
    });
  });
});

describe('Function: checkHistory', () => {
  it('checks every key on its own and reports the failing ones', () => {
    // Prepare
    const history = [
      put('A', 'a', 0, 1, { key: 'good' }),
      put('A', 'a', 0, 1, { key: 'bad' }),
      get('B', 'a', 2, 3, { key: 'good' }),
      get('B', 'z', 2, 3, { key: 'bad' }),
      put('C', 'x', 4, 5, { key: 'bad', outcome: 'failed' }),
      put('C', 'y', 4, undefined, { key: 'good' }),
    ];

    // Act
    const result = checkHistory(history);

    // Assess
    expect(result.verdict).toBe('not linearizable');
    expect(result.keys.map((key) => [key.key, key.verdict])).toEqual([
      ['good', 'linearizable'],
      ['bad', 'not linearizable'],
    ]);
    expect(result.failures.map((key) => key.key)).toEqual(['bad']);
    expect(result.outcomes).toEqual({ ok: 4, failed: 1, unknown: 1 });
  });

  it('answers unknown (search limit) when no key fails but one hit the limit', () => {
    // Prepare
    const history = [...Array.from({ length: 12 }, (_, i) => put(`W${i}`, `v${i}`, 0, 100)), get('R', 'v3', 200, 201), get('R', 'v4', 202, 203)];

    // Act & Assess
    expect(checkHistory(history, { maxStatesPerKey: 10 }).verdict).toBe('unknown (search limit)');
    expect(checkHistory(history).verdict).toBe('not linearizable');
  });
});
