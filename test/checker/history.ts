/**
 * The format of a recorded history: what a test run did, operation by operation, as the linearizability checker
 * reads it. Times are wall-clock epoch milliseconds (`Date.now()` by default, see {@link HistoryRecorder}), the same
 * clock that Redis and the coordinator compare TTL expiry with.
 *
 * @module
 */

/** What an operation did to one key. */
export type OperationKind = 'put' | 'delete' | 'get';

/**
 * How an operation ended, as far as the client knows.
 *
 * - `ok`: the store acknowledged it (for a get: it returned {@link Operation.value}).
 * - `failed`: the store said it certainly did not and never will take effect (a write answered
 *   `rolled_back: true`); the checker drops it. A failed get is dropped too (a read has no effect).
 * - `unknown`: no definite answer (a 503 that may still take effect, a timeout, a client that gave up): a write may
 *   have taken effect at any moment after its invocation, or never; a get with an unknown outcome is dropped. When
 *   the store did answer (it has {@link Operation.returnMs}), the checker by default also holds the store to its
 *   promise that the write never takes effect above a write invoked after that answer (see `CheckOptions`).
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

/** One operation of a history, from its invocation to its return. */
export interface Operation {
  /** Unique in the history; the recorder numbers operations in invocation order. */
  readonly id: number;
  /** Who issued it: a sequential client (one lane in the picture), e.g. `coordinatorA/worker2`. */
  readonly client: string;
  readonly kind: OperationKind;
  readonly key: string;
  /**
   * For a put, the value written. For a get with outcome `ok`, the value returned, `null` meaning NOT_FOUND.
   * `null` for a delete and for a get without a definite answer.
   */
  readonly value: string | null;
  /** For a put with a TTL: when the value expires, in absolute epoch ms (the instant the store itself uses). */
  readonly expiresAt?: number;
  /** When the client called the store (epoch ms). */
  readonly invokeMs: number;
  /**
   * When the answer came back (epoch ms). For an `unknown` outcome: when the store answered that the write may still
   * take effect, or undefined when no answer came (a timeout, a client that gave up, still in flight at the end).
   */
  readonly returnMs?: number;
  readonly outcome: Outcome;
}

/** A whole test run's operations, over any number of keys, in any order. */
export type History = readonly Operation[];
