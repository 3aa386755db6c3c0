import fc from 'fast-check';
import type { Operation, Outcome } from '../support/linearizability/history';

/** What one client does next, as fast-check draws it (so that failing cases shrink to small histories). */
export interface OperationPlan {
  readonly kind: Operation['kind'];
  /** Which key, as an index into the simulation's keys. */
  readonly keyIndex: number;
  /** Idle ms before the invocation. */
  readonly gapMs: number;
  /** Ms from invocation to return (for an unknown outcome: until the client gives up and moves on). */
  readonly durationMs: number;
  /** Where in [invoke, return] the operation takes effect, as a fraction. */
  readonly point: number;
  readonly outcome: Outcome;
  /** For an unknown write: whether it takes effect at all, and how many ms after its invocation. */
  readonly unknownTakesEffect: boolean;
  readonly unknownDelayMs: number;
  /** For a put: a TTL in ms from the invocation, if any. */
  readonly ttlMs: number | undefined;
  /** Where within [expiresAt - slack, expiresAt + slack] the store expires it, from -1 to 1. */
  readonly expiryJitter: number;
}

/** A random change to a history that may make it non-linearizable. */
export interface Mutation {
  readonly kind: 'read another value' | 'roll back a write' | 'move a read later';
  readonly pick: number;
  readonly shiftMs: number;
}

/** Sizes of a simulated history. */
export interface SimulationShape {
  readonly clients: number;
  /** Operations per client: exactly this many, or a range. */
  readonly operationsPerClient: number | readonly [number, number];
  readonly keys: number;
  /** Share of writes with an unknown or failed outcome, 0..1 (each half of it). */
  readonly indefiniteShare: number;
  /** Share of puts with a TTL, 0..1. */
  readonly ttlShare: number;
  /**
   * Longest idle time between a client's operations and longest operation, in ms: their ratio sets how much
   * operations overlap.
   *
   * @default [3, 8]
   */
  readonly timing?: readonly [maxGapMs: number, maxDurationMs: number];
}

/** Plans for `shape.clients` clients, each a sequence of `shape.operationsPerClient` operations. */
export function plansArbitrary(shape: SimulationShape): fc.Arbitrary<OperationPlan[][]> {
  const [maxGapMs, maxDurationMs] = shape.timing ?? [3, 8];
  const share = (p: number) => fc.noBias(fc.integer({ min: 0, max: 999 })).map((x) => x < p * 1000);
  const plan = fc.record({
    kind: fc.constantFrom<Operation['kind']>('put', 'put', 'delete', 'get', 'get', 'get'),
    keyIndex: fc.integer({ min: 0, max: shape.keys - 1 }),
    gapMs: fc.integer({ min: 0, max: maxGapMs }),
    durationMs: fc.integer({ min: 0, max: maxDurationMs }),
    point: fc.double({ min: 0, max: 1, noNaN: true }),
    indefinite: share(shape.indefiniteShare),
    unknown: fc.boolean(),
    unknownTakesEffect: fc.boolean(),
    unknownDelayMs: fc.integer({ min: 0, max: 25 }),
    ttl: share(shape.ttlShare),
    ttlMs: fc.integer({ min: 0, max: 2 * (maxGapMs + maxDurationMs) }),
    expiryJitter: fc.double({ min: -1, max: 1, noNaN: true }),
  }).map(({ indefinite, unknown, ttl, ttlMs, ...rest }): OperationPlan => ({
    ...rest,
    outcome: indefinite ? (unknown ? 'unknown' : 'failed') : 'ok',
    ttlMs: ttl && rest.kind === 'put' ? ttlMs : undefined,
  }));
  const [minLength, maxLength] =
    typeof shape.operationsPerClient === 'number' ? [shape.operationsPerClient, shape.operationsPerClient] : shape.operationsPerClient;
  return fc.array(fc.array(plan, { minLength, maxLength, size: 'max' }), { minLength: shape.clients, maxLength: shape.clients });
}

/** A mutation, or none. */
export const mutationArbitrary: fc.Arbitrary<Mutation | undefined> = fc.option(
  fc.record({
    kind: fc.constantFrom<Mutation['kind']>('read another value', 'roll back a write', 'move a read later'),
    pick: fc.nat(),
    shiftMs: fc.integer({ min: 1, max: 20 }),
  }),
  { nil: undefined },
);

/**
 * Runs the plans against a sequential register (put, delete, get, TTL expiry) and records what each client saw, so
 * that the history is linearizable by construction: every operation takes effect at one instant inside its window
 * (an unknown write at some instant after its invocation, or never; a failed write never), and gets return the
 * register's value at theirs. Expiry happens at `expiresAt + jitter * slack`; a put taking effect after its own expiry
 * instant leaves NOT_FOUND, as the store's already-expired entry would. Values are unique per put.
 */
export function simulate(plans: readonly (readonly OperationPlan[])[], keys: number, ttlSlackMs: number, originMs = 0): Operation[] {
  interface Effect {
    readonly at: number;
    readonly order: number;
    readonly apply: () => void;
  }
  const operations: Operation[] = [];
  const effects: Effect[] = [];
  const register = Array.from({ length: keys }, () => ({ value: null as string | null, writer: -1 }));
  const readResults = new Map<number, string | null>();
  let id = 0;
  plans.forEach((clientPlans, client) => {
    let cursor = originMs;
    for (const plan of clientPlans) {
      const invokeMs = cursor + plan.gapMs;
      const returnMs = invokeMs + plan.durationMs;
      cursor = returnMs;
      const opId = id++;
      const key = `k${plan.keyIndex}`;
      const slot = register[plan.keyIndex]!;
      const outcome: Outcome = plan.kind === 'get' && plan.outcome === 'failed' ? 'failed' : plan.outcome;
      const value = plan.kind === 'put' ? `v${opId}` : null;
      const expiresAt = plan.kind === 'put' && plan.ttlMs !== undefined ? invokeMs + plan.ttlMs : undefined;
      operations.push({
        id: opId,
        client: `c${client}`,
        kind: plan.kind,
        key,
        value,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        invokeMs,
        ...(outcome === 'unknown' ? {} : { returnMs }),
        outcome,
      });
      const takesEffect = plan.kind === 'get' ? outcome === 'ok' : outcome === 'ok' || (outcome === 'unknown' && plan.unknownTakesEffect);
      if (!takesEffect) continue;
      const at =
        outcome === 'unknown' ? invokeMs + plan.unknownDelayMs * plan.point + plan.point : invokeMs + plan.point * plan.durationMs;
      const expiryAt = expiresAt === undefined ? Infinity : expiresAt + plan.expiryJitter * ttlSlackMs;
      if (plan.kind === 'get') effects.push({ at, order: opId, apply: () => readResults.set(opId, slot.value) });
      else if (plan.kind === 'delete') effects.push({ at, order: opId, apply: () => Object.assign(slot, { value: null, writer: -1 }) });
      else {
        const lands = at <= expiryAt;
        effects.push({ at, order: opId, apply: () => Object.assign(slot, lands ? { value, writer: opId } : { value: null, writer: -1 }) });
        if (expiryAt !== Infinity) {
          effects.push({
            at: expiryAt,
            order: opId,
            apply: () => {
              if (slot.writer === opId) Object.assign(slot, { value: null, writer: -1 });
            },
          });
        }
      }
    }
  });
  effects.sort((a, b) => a.at - b.at || a.order - b.order);
  for (const effect of effects) effect.apply();
  return operations.map((operation) => (readResults.has(operation.id) ? { ...operation, value: readResults.get(operation.id)! } : operation));
}

/** Applies a mutation to a history (returns it unchanged when nothing fits). */
export function mutate(history: readonly Operation[], mutation: Mutation | undefined): Operation[] {
  const result = [...history];
  if (mutation === undefined) return result;
  const pickFrom = (indices: number[]): number | undefined => (indices.length === 0 ? undefined : indices[mutation.pick % indices.length]);
  const indicesOf = (test: (operation: Operation) => boolean) => result.flatMap((operation, i) => (test(operation) ? [i] : []));
  if (mutation.kind === 'roll back a write') {
    const i = pickFrom(indicesOf((operation) => operation.kind !== 'get' && operation.outcome !== 'failed'));
    if (i === undefined) return result;
    const operation = result[i]!;
    result[i] = { ...operation, outcome: 'failed', returnMs: operation.returnMs ?? operation.invokeMs + mutation.shiftMs };
    return result;
  }
  const i = pickFrom(indicesOf((operation) => operation.kind === 'get' && operation.outcome === 'ok'));
  if (i === undefined) return result;
  const read = result[i]!;
  if (mutation.kind === 'move a read later') {
    result[i] = { ...read, invokeMs: read.invokeMs + mutation.shiftMs, returnMs: read.returnMs! + mutation.shiftMs };
    return result;
  }
  const values = [null, ...result.filter((operation) => operation.kind === 'put').map((operation) => operation.value)];
  const others = values.filter((value) => value !== read.value);
  result[i] = { ...read, value: others[mutation.shiftMs % others.length] ?? null };
  return result;
}
