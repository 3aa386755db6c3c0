import fc from 'fast-check';
import type { Operation, Outcome } from '../history';

/** What one client does next, as fast-check draws it (so that failing cases shrink to small histories). */
export interface OperationPlan {
  readonly kind: Operation['kind'];
  /** Which key, as an index into the simulation's keys. */
  readonly keyIndex: number;
  /** Idle ms before the invocation. */
  readonly gapMs: number;
  /** Ms from invocation to return (for an unknown outcome: until the store answers, or the client gives up). */
  readonly durationMs: number;
  /** Where in [invoke, return] the operation takes effect, as a fraction. */
  readonly point: number;
  readonly outcome: Outcome;
  /** For an unknown write: whether it takes effect at all, and how many ms after its return it may still do so. */
  readonly unknownTakesEffect: boolean;
  readonly unknownDelayMs: number;
  /**
   * For an unknown outcome: whether the store answered (a 503 that may still take effect, recorded with its return
   * time) rather than the client giving up without an answer.
   */
  readonly unknownAnswered: boolean;
  /** For a put: a TTL in ms from the invocation, if any. */
  readonly ttlMs: number | undefined;
  /** Where within [expiresAt - slack, expiresAt + slack] the store expires it, from -1 to 1. */
  readonly expiryJitter: number;
}

/** A random change to a history that may make it non-linearizable. */
export interface Mutation {
  readonly kind: 'read another value' | 'roll back a write' | 'move a read later' | 'answer an unknown write sooner' | 'read an unknown write late';
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
  // A fraction in [min, max] in hundredths: `fc.double` draws evenly over the representable doubles, almost all of
  // them tiny, which would make nearly every operation take effect at its very invocation.
  const fraction = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 }).map((x) => x / 100);
  const plan = fc.record({
    kind: fc.constantFrom<Operation['kind']>('put', 'put', 'delete', 'get', 'get', 'get'),
    keyIndex: fc.integer({ min: 0, max: shape.keys - 1 }),
    gapMs: fc.integer({ min: 0, max: maxGapMs }),
    durationMs: fc.integer({ min: 0, max: maxDurationMs }),
    point: fraction(0, 1),
    indefinite: share(shape.indefiniteShare),
    unknown: fc.boolean(),
    unknownTakesEffect: fc.boolean(),
    unknownDelayMs: fc.integer({ min: 0, max: 25 }),
    unknownAnswered: fc.boolean(),
    ttl: share(shape.ttlShare),
    ttlMs: fc.integer({ min: 0, max: 2 * (maxGapMs + maxDurationMs) }),
    expiryJitter: fraction(-1, 1),
  }).map(({ indefinite, unknown, ttl, ttlMs, ...rest }): OperationPlan => ({
    ...rest,
    outcome: indefinite ? (unknown ? 'unknown' : 'failed') : 'ok',
    ttlMs: ttl && rest.kind === 'put' ? ttlMs : undefined,
  }));
  const [minLength, maxLength] =
    typeof shape.operationsPerClient === 'number' ? [shape.operationsPerClient, shape.operationsPerClient] : shape.operationsPerClient;
  return fc.array(fc.array(plan, { minLength, maxLength, size: 'max' }), { minLength: shape.clients, maxLength: shape.clients });
}

/**
 * The same plans with every write that would not be acknowledged turned into one the store answers as unknown (a
 * 503 that may still take effect): the histories in which the rule of an unknown write preceding later writes decides.
 */
export function withAnsweredUnknownWrites(plans: readonly (readonly OperationPlan[])[]): OperationPlan[][] {
  return plans.map((clientPlans) =>
    clientPlans.map((plan): OperationPlan => (plan.kind !== 'get' && plan.outcome !== 'ok' ? { ...plan, outcome: 'unknown', unknownAnswered: true } : plan)),
  );
}

/** A mutation, or none. */
export const mutationArbitrary: fc.Arbitrary<Mutation | undefined> = fc.option(
  fc.record({
    kind: fc.constantFrom<Mutation['kind']>(
      'read another value',
      'roll back a write',
      'move a read later',
      'answer an unknown write sooner',
      'read an unknown write late',
    ),
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
 *
 * Like the store, the register refuses an unknown write answered at r that arrives after a write invoked after r took
 * effect (a write never lands above a write that came after its answer), so the history also keeps that promise;
 * with `keepPromise` false it lets such writes land, as the store did before it made that promise.
 */
export function simulate(
  plans: readonly (readonly OperationPlan[])[],
  keys: number,
  ttlSlackMs: number,
  originMs = 0,
  keepPromise = true,
): Operation[] {
  interface Effect {
    readonly at: number;
    readonly order: number;
    readonly apply: () => void;
  }
  const operations: Operation[] = [];
  const effects: Effect[] = [];
  // `latestWriteInvokeMs`: the latest invocation among the writes that took effect on the key.
  const register = Array.from({ length: keys }, () => ({ value: null as string | null, writer: -1, latestWriteInvokeMs: -Infinity }));
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
        ...(outcome === 'unknown' && !plan.unknownAnswered ? {} : { returnMs }),
        outcome,
      });
      const takesEffect = plan.kind === 'get' ? outcome === 'ok' : outcome === 'ok' || (outcome === 'unknown' && plan.unknownTakesEffect);
      if (!takesEffect) continue;
      const at =
        outcome === 'unknown' ? invokeMs + plan.point * (plan.durationMs + plan.unknownDelayMs + 1) : invokeMs + plan.point * plan.durationMs;
      const expiryAt = expiresAt === undefined ? Infinity : expiresAt + plan.expiryJitter * ttlSlackMs;
      /** Whether the write is refused: answered before a write that already took effect was invoked. */
      const refused = (): boolean => keepPromise && outcome === 'unknown' && plan.unknownAnswered && slot.latestWriteInvokeMs > returnMs;
      const write = (change: { value: string | null; writer: number }) => () => {
        if (refused()) return;
        Object.assign(slot, change, { latestWriteInvokeMs: Math.max(slot.latestWriteInvokeMs, invokeMs) });
      };
      if (plan.kind === 'get') effects.push({ at, order: opId, apply: () => readResults.set(opId, slot.value) });
      else if (plan.kind === 'delete') effects.push({ at, order: opId, apply: write({ value: null, writer: -1 }) });
      else {
        const lands = at <= expiryAt;
        effects.push({ at, order: opId, apply: write(lands ? { value, writer: opId } : { value: null, writer: -1 }) });
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
  if (mutation.kind === 'answer an unknown write sooner') {
    // Writes invoked between the new answer and the old one now come after it: if it took effect late, too late.
    const i = pickFrom(indicesOf((operation) => operation.kind !== 'get' && operation.outcome === 'unknown'));
    if (i === undefined) return result;
    const operation = result[i]!;
    result[i] = { ...operation, returnMs: operation.invokeMs + ((operation.returnMs ?? operation.invokeMs) - operation.invokeMs) / 2 };
    return result;
  }
  if (mutation.kind === 'read an unknown write late') {
    // A read after an answered unknown put returns its value, as if it landed late (above any write in between).
    const j = pickFrom(indicesOf((operation) => operation.kind === 'put' && operation.outcome === 'unknown' && operation.returnMs !== undefined));
    if (j === undefined) return result;
    const write = result[j]!;
    const reads = indicesOf((operation) => operation.kind === 'get' && operation.outcome === 'ok' && operation.invokeMs > write.returnMs!);
    const i = reads.length === 0 ? undefined : reads[mutation.shiftMs % reads.length];
    if (i === undefined) return result;
    result[i] = { ...result[i]!, value: write.value };
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
