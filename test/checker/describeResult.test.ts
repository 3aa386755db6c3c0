import { describe, expect, it } from 'vitest';
import { checkHistory, checkKey } from './checker';
import { describeCheck, describeKeyResult, operationLabel } from './describeResult';
import { del, get, put } from './support/handMadeHistory';

describe('Function: operationLabel', () => {
  it('labels puts, gets and deletes the way the picture shows them', () => {
    expect(operationLabel(put('A', 'v', 0, 1, { expiresAt: 5 }))).toBe('put "v" (ttl)');
    expect(operationLabel(put('A', 'v', 0, 1, { expiresAt: 5 }), false)).toBe('put "v"');
    expect(operationLabel(get('A', null, 0, 1))).toBe('get → NOT_FOUND');
    expect(operationLabel(get('A', null, 0, 1, { outcome: 'failed' }))).toBe('get');
    expect(operationLabel(del('A', 0, 1))).toBe('del');
  });
});

describe('Function: describeKeyResult', () => {
  it('says where a failing key broke: the prefix, the register and the read that could not follow', () => {
    // Prepare
    const history = [put('A', 'a', 100, 101), put('A', 'b', 102, 103), get('B', 'a', 104, 105)];

    // Act
    const text = describeKeyResult(checkKey('k', history));

    // Assess
    expect(text).toContain('key k: not linearizable — 3 operations (3 ok, 0 failed, 0 unknown)');
    expect(text).toContain('longest linearizable prefix: 2 steps:');
    expect(text).toContain('#2 put "b" by A [+2.0 .. +3.0 ms]');
    expect(text).toContain('then the register held "b"; could not linearize next:');
    expect(text).toContain(`get → "a" by B [+4.0 .. +5.0 ms] (op ${history[2]!.id}, ok)`);
  });

  it('names the unknown write the store promised would not land above a later write, and that write', () => {
    // Prepare: x answered at +1, y invoked at +2 and read, then x read.
    const history = [put('A', 'x', 100, 101, { outcome: 'unknown' }), put('B', 'y', 102, 103), get('C', 'y', 104, 105), get('C', 'x', 106, 107)];

    // Act
    const text = describeKeyResult(checkKey('k', history));

    // Assess
    expect(text).toContain('could not take effect any more (an unknown write never lands above a write invoked after its answer):');
    expect(text).toContain(
      `put "x" by A [+0.0 .. +1.0 ms] (op ${history[0]!.id}, unknown): answered before put "y" by B [+2.0 .. +3.0 ms] ` +
        `(op ${history[1]!.id}, ok) was invoked, which is linearized at #1`,
    );
  });

  it('says nothing about ruled-out writes when none would have helped', () => {
    // Prepare
    const history = [put('A', 'a', 100, 101), put('A', 'b', 102, 103), get('B', 'a', 104, 105)];

    // Act & Assess
    expect(describeKeyResult(checkKey('k', history))).not.toContain('could not take effect');
  });

  it('shows only the last steps of a long prefix', () => {
    // Prepare
    const history = [...Array.from({ length: 10 }, (_, i) => put('A', `v${i}`, 2 * i, 2 * i + 1)), get('B', 'v0', 30, 31)];

    // Act
    const text = describeKeyResult(checkKey('k', history), 3);

    // Assess
    expect(text).toContain('longest linearizable prefix: 10 steps, the last 3:');
    expect(text).not.toContain('#7 ');
    expect(text).toContain('#8 ');
  });

  it('is one line for a linearizable key', () => {
    expect(describeKeyResult(checkKey('k', [put('A', 'a', 0, 1)])).split('\n')).toHaveLength(1);
  });
});

describe('Function: describeCheck', () => {
  it('sums up the history and describes each failing key', () => {
    // Prepare
    const history = [put('A', 'a', 0, 1, { key: 'x' }), get('B', 'z', 2, 3, { key: 'y' }), put('C', 'u', 4, undefined, { key: 'x' })];

    // Act
    const text = describeCheck(checkHistory(history));

    // Assess
    expect(text).toMatch(/^not linearizable: 3 operations \(2 ok, 0 failed, 1 unknown\) on 2 keys/);
    expect(text).toContain('key y: not linearizable');
    expect(text).not.toContain('key x');
  });
});
