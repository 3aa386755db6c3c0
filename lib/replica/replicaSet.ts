import type { ReplicaFailureKind, ReplicaReport } from '../core/replicaOutcome';
import type { ReplicaClient } from './connection';

/** A replica as the fan-out functions see it: only its `host:port` name. */
export interface ReplicaHandle {
  readonly name: string;
}

/** The outcome of one call to one replica: its reply, or why there was none, and how long it took. */
export type ReplicaCallResult<T> = { readonly ok: true; readonly value: T; readonly ms: number } | ReplicaCallFailure;

/** A call to one replica that got no reply. */
export interface ReplicaCallFailure {
  readonly ok: false;
  /** The outcome a trace shows for this replica. */
  readonly outcome: 'error' | 'timeout' | 'skipped';
  /** Why, as a typed value: what decisions (whether a failed write may have landed, hints) look at. */
  readonly failure: ReplicaFailureKind;
  /** A short, client-safe reason, as traces show it. */
  readonly error: string;
  readonly ms: number;
}

/** A failed call as a fan-out reports it: sent at `sentAt`, unless it never was (`skipped`). */
export function failedCallReport(node: string, result: ReplicaCallFailure, sentAt: number): ReplicaReport {
  return result.outcome === 'skipped'
    ? { node, outcome: result.outcome, ms: result.ms, error: result.error }
    : { node, outcome: result.outcome, ms: result.ms, error: result.error, sentAt };
}

/** Options of one call. */
export interface CallOptions {
  /**
   * Send even when the breaker is open: background work (repair, hint replay, anti-entropy) must reach a replica
   * whatever the breaker says.
   */
  readonly bypassBreaker?: boolean;
}

/**
 * The replicas an operation fans out to, and the one way to call one of them: a call never throws, it reports
 * an outcome.
 *
 * Why an interface: the decisions made over the replies (quorum counting, racing, fail-fast, repair planning) do not
 * depend on Redis. `ReplicaPool` is the real set; the unit tests use a scripted fake with delays, failures and
 * replies (`test/support/fakeReplicaSet.ts`), so those decisions are tested in milliseconds. `Client` is what a
 * command is given: an ioredis client for the pool, the fake's own client in tests.
 */
export interface ReplicaSet<Client = ReplicaClient> {
  /** Every replica, in configuration order; reports are given in this order. */
  readonly replicas: readonly ReplicaHandle[];
  /**
   * Runs one command against one of this set's own replicas (one of {@link replicas}).
   *
   * @returns the reply, or an `error`, `timeout` or `skipped` outcome; never rejects.
   */
  call<T>(replica: ReplicaHandle, command: (client: Client) => Promise<T>, options?: CallOptions): Promise<ReplicaCallResult<T>>;
}
