import type { History, Operation, OperationKind, Outcome } from './history';

/** Options of a {@link HistoryRecorder}. */
export interface HistoryRecorderOptions {
  /**
   * The clock of invocations and returns, in epoch ms.
   *
   * Wall-clock time because TTL expiry is wall-clock time: the coordinator computes `expiresAt` from `Date.now()`
   * and Redis expires keys by its own wall clock, and the checker compares the two on one time line. A monotonic
   * clock (`performance.now()`) would drift from that line over a long run.
   *
   * @default Date.now
   */
  readonly now?: () => number;
}

/** How long a put's value lives: an absolute instant, or a duration from the invocation. */
export interface PutTtl {
  /** Absolute epoch ms at which the value expires, as the store computed it (use this when its clock is skewed). */
  readonly expiresAt?: number;
  /** Milliseconds from the recorded invocation; ignored when `expiresAt` is given. */
  readonly ttlMs?: number;
}

/** Ends a recorded put or delete: call exactly one method once the store has answered (or not). */
export interface PendingWrite {
  /** The store acknowledged the write. */
  ok(): Operation;
  /** The store said the write certainly never takes effect (`rolled_back: true`). */
  failed(): Operation;
  /**
   * The store answered without a definite outcome (a 503 with `rolled_back: false`): the write may take effect at any
   * time from its invocation on, or never, but (the store's promise, checked by default) never above a write invoked
   * after this answer. The answer's instant is recorded as the return. When no answer came (a client-side timeout,
   * the request possibly still in flight), leave the handle open instead: the operation stays unknown with no return.
   */
  unknown(): Operation;
}

/** Ends a recorded get: call exactly one method once the store has answered (or not). */
export interface PendingRead {
  /** The store answered `valueRead`; `null` means NOT_FOUND. */
  ok(valueRead: string | null): Operation;
  /** The store answered with an error. */
  failed(): Operation;
  /** No definite answer (a timeout). */
  unknown(): Operation;
}

/** A thing the recorder keeps for an invoked operation until it ends. */
interface Slot {
  operation: Operation;
  done: boolean;
}

/**
 * Records what a workload does as a {@link History} for the linearizability checker.
 *
 * Each call is bracketed: `invoke` stamps the invocation, and the returned handle stamps the return and the outcome.
 * An operation whose handle is never completed (the test stopped while it was in flight) appears in
 * {@link history} as `unknown`, which is what it is.
 *
 * @example
 * ```ts
 * const recorder = new HistoryRecorder();
 * const write = recorder.invoke('A/1', 'put', 'k', 'v1', { ttlMs: 1_000 });
 * try { await coordinator.set('k', 'v1', { ttlSeconds: 1 }); write.ok(); }
 * catch (error) { isRolledBack(error) ? write.failed() : write.unknown(); }
 *
 * const read = recorder.invoke('A/1', 'get', 'k');
 * try { read.ok((await coordinator.get('k')).value); } catch { read.unknown(); }
 *
 * const result = checkHistory(recorder.history());
 * ```
 */
export class HistoryRecorder {
  private readonly now: () => number;
  private readonly slots: Slot[] = [];

  constructor(options: HistoryRecorderOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Starts recording a put of `value` under `key`, optionally with a TTL. */
  invoke(client: string, kind: 'put', key: string, value: string, ttl?: PutTtl): PendingWrite;
  /** Starts recording a delete of `key`. */
  invoke(client: string, kind: 'delete', key: string): PendingWrite;
  /** Starts recording a get of `key`. */
  invoke(client: string, kind: 'get', key: string): PendingRead;
  invoke(client: string, kind: OperationKind, key: string, value?: string, ttl?: PutTtl): PendingWrite | PendingRead {
    const invokeMs = this.now();
    const expiresAt = kind !== 'put' ? undefined : (ttl?.expiresAt ?? (ttl?.ttlMs === undefined ? undefined : invokeMs + ttl.ttlMs));
    const operation: Operation = {
      id: this.slots.length,
      client,
      kind,
      key,
      value: kind === 'put' ? (value ?? '') : null,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      invokeMs,
      outcome: 'unknown',
    };
    const slot: Slot = { operation, done: false };
    this.slots.push(slot);
    const end = (outcome: Outcome, valueRead?: string | null): Operation => this.end(slot, outcome, valueRead);
    if (kind === 'get') {
      return { ok: (valueRead) => end('ok', valueRead), failed: () => end('failed'), unknown: () => end('unknown') };
    }
    return { ok: () => end('ok'), failed: () => end('failed'), unknown: () => end('unknown') };
  }

  /** Every operation recorded so far, in invocation order; those still in flight as `unknown`. */
  history(): History {
    return this.slots.map((slot) => slot.operation);
  }

  /** How many operations were invoked. */
  get size(): number {
    return this.slots.length;
  }

  private end(slot: Slot, outcome: Outcome, valueRead?: string | null): Operation {
    if (slot.done) throw new Error(`operation ${slot.operation.id} (${slot.operation.kind} ${slot.operation.key}) ended twice`);
    slot.done = true;
    const { operation } = slot;
    // The clock is the wall clock and may step back; a return never precedes its own invocation.
    const returnMs = Math.max(this.now(), operation.invokeMs);
    const value = operation.kind !== 'get' ? operation.value : outcome === 'ok' ? (valueRead ?? null) : null;
    slot.operation = { ...operation, value, returnMs, outcome };
    return slot.operation;
  }
}
