import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from './historyRecorder';

/** A clock that returns the given instants in turn, then keeps the last. */
const clockOf = (...instants: number[]) => () => (instants.length > 1 ? instants.shift()! : instants[0]!);

describe('Class: HistoryRecorder', () => {
  describe('Method: invoke', () => {
    it('records a put from invocation to acknowledgement', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(100, 107) });

      // Act
      recorder.invoke('A/1', 'put', 'k', 'v1').ok();

      // Assess
      expect(recorder.history()).toEqual([{ id: 0, client: 'A/1', kind: 'put', key: 'k', value: 'v1', invokeMs: 100, returnMs: 107, outcome: 'ok' }]);
    });

    it('records the value a get returned, null meaning NOT_FOUND', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(1, 2, 3, 4) });

      // Act
      recorder.invoke('A/1', 'get', 'k').ok('v1');
      recorder.invoke('A/1', 'get', 'k').ok(null);

      // Assess
      expect(recorder.history().map((operation) => operation.value)).toEqual(['v1', null]);
    });

    it('stamps expiresAt from a TTL relative to the invocation, or takes the absolute instant given', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(1_000, 1_005, 2_000, 2_005) });

      // Act
      recorder.invoke('A/1', 'put', 'k', 'v1', { ttlMs: 500 }).ok();
      recorder.invoke('A/1', 'put', 'k', 'v2', { expiresAt: 9_999, ttlMs: 500 }).ok();

      // Assess
      expect(recorder.history().map((operation) => operation.expiresAt)).toEqual([1_500, 9_999]);
    });

    it('records a failed write and an unknown one with the instant the store answered', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(1, 2, 3, 4) });

      // Act
      recorder.invoke('A/1', 'put', 'k', 'x').failed();
      recorder.invoke('A/1', 'delete', 'k').unknown();

      // Assess
      const [failed, unknown] = recorder.history();
      expect(failed).toMatchObject({ outcome: 'failed', returnMs: 2, value: 'x' });
      expect(unknown).toMatchObject({ kind: 'delete', outcome: 'unknown', returnMs: 4, value: null });
    });

    it('keeps no value for a get without a definite answer', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(1, 2) });

      // Act
      recorder.invoke('A/1', 'get', 'k').failed();

      // Assess
      expect(recorder.history()[0]).toMatchObject({ outcome: 'failed', value: null });
    });

    it('never stamps a return before its invocation when the wall clock steps back', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(100, 90) });

      // Act
      recorder.invoke('A/1', 'put', 'k', 'v').ok();

      // Assess
      expect(recorder.history()[0]?.returnMs).toBe(100);
    });

    it('throws when an operation is ended twice', () => {
      // Prepare
      const recorder = new HistoryRecorder();
      const pending = recorder.invoke('A/1', 'put', 'k', 'v');
      pending.ok();

      // Act & Assess
      expect(() => pending.unknown()).toThrow(/ended twice/);
    });
  });

  describe('Method: history', () => {
    it('lists operations still in flight as unknown without a return time, numbered in invocation order', () => {
      // Prepare
      const recorder = new HistoryRecorder({ now: clockOf(1, 2, 3) });
      const first = recorder.invoke('A/1', 'put', 'k', 'v1');
      recorder.invoke('B/1', 'get', 'k');
      first.ok();

      // Act
      const history = recorder.history();

      // Assess
      expect(history.map((operation) => [operation.id, operation.outcome])).toEqual([
        [0, 'ok'],
        [1, 'unknown'],
      ]);
      expect(history[1]).not.toHaveProperty('returnMs');
      expect(recorder.size).toBe(2);
    });

    it('uses Date.now by default', () => {
      // Prepare
      const before = Date.now();
      const recorder = new HistoryRecorder();

      // Act
      recorder.invoke('A/1', 'get', 'k').ok(null);

      // Assess
      const [operation] = recorder.history();
      expect(operation!.invokeMs).toBeGreaterThanOrEqual(before);
      expect(operation!.returnMs).toBeLessThanOrEqual(Date.now());
    });
  });
});
