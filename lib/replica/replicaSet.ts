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
  /** Send even when the breaker is open (background work must reach every replica). */
  readonly bypassBreaker?: boolean;
  /**
   * The key the command touches. On a cluster replica it picks the breaker of the master serving the key's slot, so
   * one master down does not open the whole replica; without it, the replica's own breaker guards the call.
   */
  readonly key?: string;
}

/**
 * The replicas an operation fans out to, and the one way to call one: a call never throws, it reports an outcome.
 * An interface because the decisions over the replies do not depend on Redis: `ReplicaPool` is the real set, and
 * unit tests use a scripted fake (`test/support/fakeReplicaSet.ts`) with its own `Client`.
 */
export interface ReplicaSet<Client = ReplicaClient> {
  /** Every replica, in configuration order; reports are given in this order. */
  readonly replicas: readonly ReplicaHandle[];
  /** Runs one command against one of {@link replicas}; never rejects. */
  call<T>(replica: ReplicaHandle, command: (client: Client) => Promise<T>, options?: CallOptions): Promise<ReplicaCallResult<T>>;
}

/**
 * `pool` with every call routed by `key` ({@link CallOptions.key}): what an operation on one key passes down to
 * the fan-outs, which stay unaware of keys and masters.
 */
export function routedByKey<Client>(pool: ReplicaSet<Client>, key: string): ReplicaSet<Client> {
  const keyOnly: CallOptions = { key };
  return {
    replicas: pool.replicas,
    call: (replica, command, options) => pool.call(replica, command, options === undefined ? keyOnly : { ...options, key }),
  };
}
