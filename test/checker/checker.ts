import type { History, Operation } from './history';
import { registerProblem, type DropReason, type ModelCall } from './registerModel';
import { searchLinearization } from './wglSearch';

/** Options of {@link checkHistory}. */
export interface CheckOptions {
  /**
   * What each key holds before the history starts (`null`: NOT_FOUND), or a function of the key.
   *
   * @default null
   */
  readonly initialValue?: string | null | ((key: string) => string | null);
  /**
   * Half-width in ms of the window around `expiresAt` in which a TTL expiry may be placed (clock granularity between
   * the recorder, the coordinator and the replicas).
   *
   * @default 50
   */
  readonly ttlSlackMs?: number;
  /**
   * Holds the store to its promise for writes it answered without a definite outcome (a 503 with
   * `rolled_back: false`): such a write takes effect at most once, and never above a write that came after it. An
   * unknown put or delete with a `returnMs` r, if it takes effect at all, is linearized before every put or delete
   * (acknowledged, or unknown and linearized) invoked after r. Reads are not constrained (a read invoked after r may
   * see the old value and a later one the unknown write's), nor are TTL expiries writes here, nor is an unknown write
   * that never got an answer. Off: an unknown write may take effect at any time after its invocation.
   *
   * Why: a write that failed on all but one replica must not later beat a write issued after the client saw it fail.
   *
   * @default true
   */
  readonly unknownWritesPrecedeLaterWrites?: boolean;
  /**
   * Configurations (linearized set, state) to explore per key before giving up with `unknown (search limit)`. Each
   * costs about `4 * (calls / 32 + 1)` bytes plus a map entry (a million on a key of 300 calls: about 100 MB).
   *
   * @default 1_000_000
   */
  readonly maxStatesPerKey?: number;
  /**
   * Milliseconds of search per key before giving up with `unknown (search limit)`.
   *
   * @default 10_000
   */
  readonly maxMsPerKey?: number;
}

/** The verdict for one key (and, summed up, for a history). */
export type KeyVerdict = 'linearizable' | 'not linearizable' | 'unknown (search limit)';

/** One step of a (partial) linearization. */
export interface LinearizedStep {
  /** The operation linearized; for an expiry step, the put whose TTL expired. */
  readonly operation: Operation;
  /** `true` for the virtual expiry of {@link operation}'s TTL. */
  readonly expiry: boolean;
  /** What the register held right after this step; `null` is NOT_FOUND. */
  readonly registerAfter: string | null;
}

/** Where the longest linearizable prefix of a failing key ends, for a person to see what broke. */
export interface StuckPoint {
  /** The register after the longest prefix; `null` is NOT_FOUND. */
  readonly registerValue: string | null;
  /** Operations real time allowed next that the register refused: reads of a value it did not hold. */
  readonly couldNotLinearize: readonly Operation[];
  /**
   * The call still open that returns first: every call invoked after its return has to come after it, so one of
   * the calls invoked before that return had to be linearized next.
   */
  readonly deadline?: ModelCall;
  /**
   * Unknown writes that would have let a read of {@link couldNotLinearize} through but could no longer take effect
   * (see {@link CheckOptions.unknownWritesPrecedeLaterWrites}): each with the later write, invoked after the unknown
   * write's answer and already linearized, that ruled it out.
   */
  readonly ruledOut: readonly { readonly write: Operation; readonly laterWrite: Operation }[];
}

/** The result of checking one key. */
export interface KeyCheckResult {
  readonly key: string;
  readonly verdict: KeyVerdict;
  /** Every recorded operation on the key, in the order given, including the ones the search left out. */
  readonly operations: readonly Operation[];
  /** When linearizable: a linearization of every definite operation (and of the unknown writes it needed). */
  readonly linearization?: readonly LinearizedStep[];
  /** When not linearizable (or the limit was hit): the deepest partial linearization the search found. */
  readonly longestPrefix?: readonly LinearizedStep[];
  /**
   * When not linearizable: what could not be linearized after {@link longestPrefix}. At the search limit, where the
   * deepest attempt so far got stuck, if it did.
   */
  readonly stuck?: StuckPoint;
  /** Operations the search left out (failed writes, reads without an answer, unknown writes nobody read). */
  readonly dropped: readonly { readonly operation: Operation; readonly reason: DropReason }[];
  /** Which limit ended the search, for `unknown (search limit)`. */
  readonly limit?: 'states' | 'time';
  readonly exploredStates: number;
  readonly elapsedMs: number;
}

/** The result of checking a whole history. */
export interface HistoryCheckResult {
  /** `not linearizable` if any key is, else `unknown (search limit)` if any key is, else `linearizable`. */
  readonly verdict: KeyVerdict;
  /** Every key, in order of first appearance. */
  readonly keys: readonly KeyCheckResult[];
  /** The keys whose verdict is not `linearizable`. */
  readonly failures: readonly KeyCheckResult[];
  /** Operations in the history, by outcome. */
  readonly outcomes: { readonly ok: number; readonly failed: number; readonly unknown: number };
  readonly elapsedMs: number;
}

const DEFAULTS = { ttlSlackMs: 50, unknownWritesPrecedeLaterWrites: true, maxStatesPerKey: 1_000_000, maxMsPerKey: 10_000 } as const;

/**
 * Checks a history for linearizability against a register model (put, delete, get, TTL), key by key.
 *
 * A history is linearizable if and only if each key's sub-history is (linearizability is local), so keys are checked
 * independently, each with the Wing-Gong-Lowe search and Lowe's memoisation (see `wglSearch.ts`); semantics of each
 * outcome and of TTLs in `registerModel.ts`.
 *
 * @example
 * ```ts
 * const result = checkHistory(recorder.history(), { ttlSlackMs: 20 });
 * for (const failure of result.failures) console.log(describeKeyResult(failure), writeHistoryPicture(failure));
 * expect(result.verdict).toBe('linearizable');
 * ```
 */
export function checkHistory(history: History, options: CheckOptions = {}): HistoryCheckResult {
  const started = performance.now();
  const byKey = new Map<string, Operation[]>();
  const outcomes = { ok: 0, failed: 0, unknown: 0 };
  for (const operation of history) {
    outcomes[operation.outcome] += 1;
    let operations = byKey.get(operation.key);
    if (operations === undefined) {
      operations = [];
      byKey.set(operation.key, operations);
    }
    operations.push(operation);
  }
  const keys = [...byKey].map(([key, operations]) => checkKey(key, operations, options));
  const failures = keys.filter((result) => result.verdict !== 'linearizable');
  const verdict: KeyVerdict = failures.some((result) => result.verdict === 'not linearizable')
    ? 'not linearizable'
    : failures.length > 0
      ? 'unknown (search limit)'
      : 'linearizable';
  return { verdict, keys, failures, outcomes, elapsedMs: performance.now() - started };
}

/**
 * Checks one key's operations (all with that key) for linearizability against the register model.
 *
 * @throws {RangeError} when an operation is malformed or belongs to another key.
 */
export function checkKey(key: string, operations: readonly Operation[], options: CheckOptions = {}): KeyCheckResult {
  const stranger = operations.find((operation) => operation.key !== key);
  if (stranger !== undefined) throw new RangeError(`operation ${stranger.id} is on key ${stranger.key}, not ${key}`);
  const initialValue = typeof options.initialValue === 'function' ? options.initialValue(key) : (options.initialValue ?? null);
  const problem = registerProblem(operations, {
    initialValue,
    ttlSlackMs: options.ttlSlackMs ?? DEFAULTS.ttlSlackMs,
    unknownWritesPrecedeLaterWrites: options.unknownWritesPrecedeLaterWrites ?? DEFAULTS.unknownWritesPrecedeLaterWrites,
  });
  const outcome = searchLinearization(problem, {
    maxStates: options.maxStatesPerKey ?? DEFAULTS.maxStatesPerKey,
    maxMs: options.maxMsPerKey ?? DEFAULTS.maxMsPerKey,
  });
  const steps = outcome.order.map(
    (call, i): LinearizedStep => ({ ...problem.calls[call]!, registerAfter: problem.valueOf(outcome.statesAfter[i]!) }),
  );
  const stuck: StuckPoint | undefined =
    outcome.stuck === undefined
      ? undefined
      : {
          registerValue: problem.valueOf(outcome.stuck.state),
          couldNotLinearize: outcome.stuck.rejected.map((call) => problem.calls[call]!.operation),
          ruledOut: outcome.stuck.ruledOut.map(({ call, by }) => ({ write: problem.calls[call]!.operation, laterWrite: problem.calls[by]!.operation })),
          ...(outcome.stuck.deadline < 0 ? {} : { deadline: problem.calls[outcome.stuck.deadline]! }),
        };
  return {
    key,
    verdict: outcome.verdict,
    operations,
    ...(outcome.verdict === 'linearizable' ? { linearization: steps } : { longestPrefix: steps }),
    ...(stuck === undefined ? {} : { stuck }),
    dropped: problem.dropped,
    ...(outcome.limit === undefined ? {} : { limit: outcome.limit }),
    exploredStates: outcome.exploredStates,
    elapsedMs: outcome.elapsedMs,
  };
}
