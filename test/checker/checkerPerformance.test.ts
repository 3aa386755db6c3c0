import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker';
import type { Operation } from './history';
import { plansArbitrary, simulate, withAnsweredUnknownWrites, type SimulationShape } from './support/simulatedHistory';

const SLACK_MS = 2;

/** A history recorded from a sequential register, the same for every run of the test. */
function recorded(shape: SimulationShape, seed: number): Operation[] {
  return simulate(fc.sample(plansArbitrary(shape), { seed, numRuns: 1 })[0]!, shape.keys, SLACK_MS);
}

/**
 * A chaos-sized history (6 clients x 830 operations over 16 keys) whose indefinite writes are all answered unknown,
 * from a register that keeps the promise that such a write never lands above a later write, or breaks it.
 */
function chaosSized(keepPromise: boolean): Operation[] {
  const shape = { clients: 6, operationsPerClient: 830, keys: 16, indefiniteShare: 0.05, ttlShare: 0.1 };
  return simulate(withAnsweredUnknownWrites(fc.sample(plansArbitrary(shape), { seed: 1, numRuns: 1 })[0]!), shape.keys, SLACK_MS, 0, keepPromise);
}

/** A read after everything returned, of a put that a later acknowledged write overwrote: never linearizable. */
function staleReadAfter(history: readonly Operation[], key: string): Operation {
  const end = Math.max(...history.map((operation) => operation.returnMs ?? operation.invokeMs)) + 100;
  const onKey = history.filter((operation) => operation.key === key);
  const overwritten = onKey.find(
    (p) => p.kind === 'put' && p.outcome === 'ok' && onKey.some((w) => w.kind !== 'get' && w.outcome === 'ok' && w.invokeMs > p.returnMs!),
  )!;
  return { id: history.length, client: 'reader', kind: 'get', key, value: overwritten.value, invokeMs: end, returnMs: end + 1, outcome: 'ok' };
}

// Budgets far above the times measured (see the report each test prints), so that a shared CI machine never flakes,
// yet low enough to catch an accidental exponential blow-up.
describe('Function: checkHistory, on run-sized histories', () => {
  it('checks a few thousand operations over many keys in well under a second', () => {
    // Prepare: 6 clients x 500 operations over 100 keys, 5% of writes unknown or failed, 10% of puts with a TTL.
    const history = recorded({ clients: 6, operationsPerClient: 500, keys: 100, indefiniteShare: 0.05, ttlShare: 0.1 }, 1);

    // Act
    const result = checkHistory(history, { ttlSlackMs: SLACK_MS });

    // Assess
    console.log(`${history.length} operations on ${result.keys.length} keys: ${result.verdict} in ${result.elapsedMs.toFixed(1)} ms`);
    expect(result.verdict).toBe('linearizable');
    expect(result.elapsedMs).toBeLessThan(1_000);
  });

  it('checks a chaos-sized run of five thousand operations on 16 keys in well under a second', () => {
    // Prepare
    const history = chaosSized(true);

    // Act
    const result = checkHistory(history, { ttlSlackMs: SLACK_MS });

    // Assess
    console.log(`chaos-sized, ${history.length} operations (${result.outcomes.unknown} unknown): ${result.verdict} in ${result.elapsedMs.toFixed(1)} ms`);
    expect(result.verdict).toBe('linearizable');
    expect(result.elapsedMs).toBeLessThan(1_000);
  });

  it('finds unknown writes that landed above a later write in a chaos-sized run, in well under a second', () => {
    // Prepare
    const history = chaosSized(false);

    // Act
    const result = checkHistory(history, { ttlSlackMs: SLACK_MS });

    // Assess
    console.log(`chaos-sized, promise broken: ${result.verdict} (${result.failures.length} keys) in ${result.elapsedMs.toFixed(1)} ms`);
    expect(result.verdict).toBe('not linearizable');
    for (const failure of result.failures) expect(failure.stuck?.ruledOut.length).toBeGreaterThan(0);
    expect(checkHistory(history, { ttlSlackMs: SLACK_MS, unknownWritesPrecedeLaterWrites: false }).verdict).toBe('linearizable');
    expect(result.elapsedMs).toBeLessThan(1_000);
  });

  it('checks a hot key of six hundred operations from six clients in well under a second', () => {
    // Prepare
    const history = recorded({ clients: 6, operationsPerClient: 100, keys: 1, indefiniteShare: 0.05, ttlShare: 0.1 }, 7);

    // Act
    const result = checkHistory(history, { ttlSlackMs: SLACK_MS });

    // Assess
    const [key] = result.keys;
    console.log(`hot key, ${history.length} operations: ${result.verdict}, ${key?.exploredStates} states in ${result.elapsedMs.toFixed(1)} ms`);
    expect(result.verdict).toBe('linearizable');
    expect(result.elapsedMs).toBeLessThan(1_000);
  });

  it('proves a stale read at the end of the same hot key not linearizable, exploring the whole history', () => {
    // Prepare
    const history = recorded({ clients: 6, operationsPerClient: 100, keys: 1, indefiniteShare: 0.05, ttlShare: 0.1 }, 7);
    const stale = staleReadAfter(history, 'k0');

    // Act
    const result = checkHistory([...history, stale], { ttlSlackMs: SLACK_MS });

    // Assess
    const [key] = result.keys;
    console.log(`hot key + stale read: ${result.verdict}, ${key?.exploredStates} states in ${result.elapsedMs.toFixed(1)} ms`);
    expect(result.verdict).toBe('not linearizable');
    expect(key?.stuck?.couldNotLinearize).toEqual([stale]);
    expect(result.elapsedMs).toBeLessThan(2_000);
  });
});
