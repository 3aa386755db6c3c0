import type { Operation } from './history';
import { REJECTED, type SearchProblem } from './wglSearch';

/** Options of the register model. */
export interface RegisterModelOptions {
  /** What the key holds before the history starts; `null` is NOT_FOUND. */
  readonly initialValue: string | null;
  /**
   * Half-width of the window in which a TTL expiry may be linearized: the value of a put with `expiresAt` E
   * disappears at some instant in [E - slack, E + slack], covering clock granularity between the recorder, the
   * coordinator that computed E and the replicas that expire it.
   */
  readonly ttlSlackMs: number;
  /**
   * The store's promise for a write it answered without a definite outcome (a 503 with `rolled_back: false`): it
   * takes effect at most once, and never above a write that came after it. An unknown put or delete answered at r,
   * if it takes effect at all, is linearized before every put or delete (acknowledged, or unknown and linearized)
   * invoked after r. Reads are not constrained: one invoked after r may still see the value before the unknown write
   * and a later one its value, as long as no write invoked after r came between. TTL expiries are not writes here.
   * An unknown write without a return time (no answer ever came) is not constrained.
   */
  readonly unknownWritesPrecedeLaterWrites: boolean;
}

/**
 * A call the search can linearize: a recorded operation, or the virtual expiry of a put with a TTL (which clears the
 * register only if that put's write is still what it holds).
 */
export interface ModelCall {
  readonly operation: Operation;
  readonly expiry: boolean;
}

/** Why a recorded operation takes no part in the search. */
export type DropReason = 'failed write' | 'read without a definite answer' | 'unknown write never read';

/** One key's history translated into a {@link SearchProblem}, with the means to read its states back. */
export interface RegisterProblem extends SearchProblem {
  readonly calls: readonly ModelCall[];
  /** Operations left out of the search, and why. */
  readonly dropped: readonly { readonly operation: Operation; readonly reason: DropReason }[];
  /** The register's value in a model state; `null` is NOT_FOUND. */
  valueOf(state: number): string | null;
}

/** The register holds nothing (never written, deleted, or expired). */
const NOT_FOUND_STATE = -1;
/** The register holds the initial value. */
const INITIAL_STATE = -2;

const PUT = 0;
const DELETE = 1;
const GET = 2;
const EXPIRE = 3;

/**
 * Builds the search problem for one key's operations, with the semantics of a register under put, delete, get and
 * TTL expiry. A state is the index of the put call whose write the register holds, or NOT_FOUND, or the initial
 * value: tracking the write (not only its value) is what lets an expiry clear exactly its own put's value.
 *
 * - put/delete `ok`: mandatory, linearized once between invocation and return.
 * - put/delete `failed`: dropped, as if never issued (a rolled-back write must never be seen, even by an overlapping
 *   read).
 * - put/delete `unknown`: optional, window from the invocation to infinity: it may take effect at any later point,
 *   or never. With `unknownWritesPrecedeLaterWrites`, one answered at r (it has a `returnMs`) may take effect only
 *   before every put or delete linearized that was invoked after r: once the search linearizes such a write, the
 *   unknown write is ruled out for the rest of that path (the search's cut-off: a put or delete raises it to its
 *   invocation, an answered unknown write lapses at its answer; gets and expiries raise nothing).
 * - get `ok`: mandatory; its value must equal the register's at its linearization point. Other gets are dropped.
 * - put with `expiresAt` E (ok or unknown): adds a mandatory expiry call with window [E - slack, E + slack] that sets
 *   NOT_FOUND if the register still holds that put's write. A put linearized after its own expiry acts as a delete:
 *   the store then writes an entry whose expiry has passed, which Redis removes at once. This is the approximation
 *   for late unknown puts: the expiry instant is chosen in its window independently of where the put lands, and a
 *   put landing after it is taken to overwrite whatever was there with nothing (the store might instead have refused
 *   it as older, which the search covers by leaving an unknown put out).
 *
 * The search places an unknown write only right before a get that needs it (see `SearchProblem.mandatory`). That
 * loses nothing here: take any linearization using an unknown write W. If a put or delete follows W before any get,
 * W changed nothing anyone saw, so drop it. Otherwise move W later, to just before the first get after it: W's window
 * never ends, and the calls it crosses are expiries, whose effect W overwrites (or, for W's own expiry, W then acts
 * as a delete, leaving NOT_FOUND as before). If that get would have answered the same without W, move W past it too,
 * and so on. The model's steps never look at whether an unknown write is linearized, only at expiries. Moving W later
 * or dropping it never breaks `unknownWritesPrecedeLaterWrites` either: W crosses no put or delete, so it stays before
 * the same writes, and the writes it was required to follow stay before it.
 *
 * Two reductions keep the search small without changing the verdict:
 * - an unknown put without TTL whose value no successful get returned is dropped: in any linearization that uses it,
 *   no get observes it before the next write, so leaving it out changes no read;
 * - an expiry whose window opens after every successful get returned is dropped: nothing can observe it.
 *
 * @throws {RangeError} when an operation is malformed (an `ok` or `failed` one without a return time, a return
 *   that is not finite or precedes the invocation, a put without a value).
 */
export function registerProblem(operations: readonly Operation[], options: RegisterModelOptions): RegisterProblem {
  for (const operation of operations) validate(operation);
  const readValues = new Set<string | null>();
  let lastReadReturn = -Infinity;
  for (const operation of operations) {
    if (operation.kind === 'get' && operation.outcome === 'ok') {
      readValues.add(operation.value);
      lastReadReturn = Math.max(lastReadReturn, operation.returnMs!);
    }
  }

  const calls: ModelCall[] = [];
  const dropped: { operation: Operation; reason: DropReason }[] = [];
  for (const operation of operations) {
    if (operation.kind === 'get') {
      if (operation.outcome === 'ok') calls.push({ operation, expiry: false });
      else dropped.push({ operation, reason: 'read without a definite answer' });
    } else if (operation.outcome === 'failed') {
      dropped.push({ operation, reason: 'failed write' });
    } else if (
      operation.kind === 'put' &&
      operation.outcome === 'unknown' &&
      operation.expiresAt === undefined &&
      !readValues.has(operation.value)
    ) {
      dropped.push({ operation, reason: 'unknown write never read' });
    } else {
      calls.push({ operation, expiry: false });
    }
  }
  const writes = calls.length;
  for (let c = 0; c < writes; c += 1) {
    const { operation } = calls[c]!;
    if (operation.kind === 'put' && operation.expiresAt !== undefined && operation.expiresAt - options.ttlSlackMs <= lastReadReturn) {
      calls.push({ operation, expiry: true });
    }
  }

  const n = calls.length;
  const callMs = new Float64Array(n);
  const returnMs = new Float64Array(n);
  const mandatory = new Uint8Array(n);
  const kind = new Uint8Array(n);
  const valueId = new Int32Array(n);
  const expiryOf = new Int32Array(n).fill(-1);
  const putOf = new Int32Array(n).fill(-1);
  const cutoffMs = new Float64Array(n).fill(-Infinity);
  const lapseMs = new Float64Array(n).fill(Infinity);
  const ids = new Map<string | null, number>([[null, 0]]);
  const idOf = (value: string | null): number => {
    let id = ids.get(value);
    if (id === undefined) {
      id = ids.size;
      ids.set(value, id);
    }
    return id;
  };
  const putCallOf = new Map<number, number>();
  calls.forEach(({ operation, expiry }, c) => {
    if (expiry) {
      const put = putCallOf.get(operation.id)!;
      kind[c] = EXPIRE;
      callMs[c] = operation.expiresAt! - options.ttlSlackMs;
      returnMs[c] = operation.expiresAt! + options.ttlSlackMs;
      mandatory[c] = 1;
      putOf[c] = put;
      expiryOf[put] = c;
      return;
    }
    kind[c] = operation.kind === 'put' ? PUT : operation.kind === 'delete' ? DELETE : GET;
    if (operation.kind === 'put') putCallOf.set(operation.id, c);
    valueId[c] = operation.kind === 'delete' ? 0 : idOf(operation.value);
    callMs[c] = operation.invokeMs;
    returnMs[c] = operation.outcome === 'ok' ? operation.returnMs! : Infinity;
    mandatory[c] = operation.outcome === 'ok' ? 1 : 0;
    if (operation.kind !== 'get') {
      cutoffMs[c] = operation.invokeMs;
      if (operation.outcome === 'unknown' && operation.returnMs !== undefined) lapseMs[c] = operation.returnMs;
    }
  });
  const initialState = options.initialValue === null ? NOT_FOUND_STATE : INITIAL_STATE;
  const initialId = idOf(options.initialValue);
  const valueIdOf = (state: number): number => (state >= 0 ? valueId[state]! : state === INITIAL_STATE ? initialId : 0);

  return {
    count: n,
    callMs,
    returnMs,
    mandatory: Array.from(mandatory, (m) => m === 1),
    readOnly: Array.from(kind, (k) => k === GET),
    ...(options.unknownWritesPrecedeLaterWrites ? { cutoffMs, lapseMs } : {}),
    initialState,
    calls,
    dropped,
    valueOf: (state) => (state >= 0 ? calls[state]!.operation.value : state === INITIAL_STATE ? options.initialValue : null),
    step(state, call, isLinearized) {
      switch (kind[call]) {
        case PUT: {
          const expiry = expiryOf[call]!;
          return expiry >= 0 && isLinearized(expiry) ? NOT_FOUND_STATE : call;
        }
        case DELETE:
          return NOT_FOUND_STATE;
        case GET:
          return valueIdOf(state) === valueId[call] ? state : REJECTED;
        default:
          return state === putOf[call] ? NOT_FOUND_STATE : state;
      }
    },
  };
}

function validate(operation: Operation): void {
  const name = `operation ${operation.id} (${operation.kind} ${operation.key} by ${operation.client})`;
  if (!Number.isFinite(operation.invokeMs)) throw new RangeError(`${name}: invokeMs must be a finite number`);
  if (operation.outcome !== 'unknown' && operation.returnMs === undefined) {
    throw new RangeError(`${name}: an '${operation.outcome}' operation needs a finite returnMs`);
  }
  if (operation.returnMs !== undefined) {
    if (!Number.isFinite(operation.returnMs)) throw new RangeError(`${name}: returnMs must be a finite number`);
    if (operation.returnMs < operation.invokeMs) throw new RangeError(`${name}: returnMs precedes invokeMs`);
  }
  if (operation.kind === 'put' && typeof operation.value !== 'string') throw new RangeError(`${name}: a put needs a string value`);
  if (operation.expiresAt !== undefined && !Number.isFinite(operation.expiresAt)) {
    throw new RangeError(`${name}: expiresAt must be a finite number`);
  }
}
