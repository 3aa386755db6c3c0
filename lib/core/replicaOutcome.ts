/**
 * What one replica did for one operation, as shown in traces, logs and error responses.
 *
 * - `applied`: the write was stored on this replica (or it already held this very entry).
 * - `newer`: the replica holds a newer version, so it kept what it had and refused the write (a delayed or retried
 *   write can never overwrite newer data). Not an acknowledgement: the coordinator re-issues the write above it.
 * - `found`: a read got a value from this replica.
 * - `stale`: a read got a value older than the newest one seen.
 * - `missing`: the replica does not hold the key.
 * - `repaired`: a read found the replica behind and brought it to the newest version.
 * - `error`: the replica refused or failed the command (connection refused, closed, Redis error).
 * - `timeout`: no answer within the node timeout (a hung or overloaded node).
 * - `skipped`: not asked, because the replica's circuit breaker is open after repeated failures.
 * - `pending`: no answer yet when the coordinator answered the client.
 */
export type ReplicaOutcome =
  | 'applied'
  | 'newer'
  | 'found'
  | 'stale'
  | 'missing'
  | 'repaired'
  | 'error'
  | 'timeout'
  | 'skipped'
  | 'pending';

/** One replica's part in one operation: who, what happened, how long it took and which version it holds or took. */
export interface ReplicaReport {
  /** The replica's `host:port` name. */
  readonly node: string;
  readonly outcome: ReplicaOutcome;
  /** Milliseconds from sending the command to its answer (0 while pending). */
  readonly ms: number;
  /** The version the replica holds (reads) or the one it already held when it refused an older write. */
  readonly version?: string;
  /** True when what the replica holds is a tombstone (the key was deleted at `version`). */
  readonly deleted?: boolean;
  /** A short, client-safe reason for `error` and `timeout`. */
  readonly error?: string;
  /**
   * When the command was sent to this replica, on `performance.now()`'s clock (see `OperationTiming`); it answered
   * `ms` later, unless `pending`. Undefined when it was never sent (`skipped`). Every replica of one fan-out round is
   * sent in the same synchronous loop, so they share the round's send time.
   */
  readonly sentAt?: number;
}

/**
 * True for outcomes that mean the replica acknowledged a write: it holds this very entry. A replica holding a newer
 * version (`newer`) refused it and does not count: the coordinator re-issues the write above that version.
 */
export function isWriteAcknowledged(outcome: ReplicaOutcome): boolean {
  return outcome === 'applied';
}

/** True for outcomes that mean the replica did not take a write (so it needs a hint). */
export function isWriteMissed(outcome: ReplicaOutcome): boolean {
  return outcome === 'error' || outcome === 'timeout' || outcome === 'skipped';
}

/**
 * Why a call to a replica produced no reply, as a typed value (traces show the outcome and a message instead):
 * - `timeout`: no reply within the node timeout; the command may still run on the replica.
 * - `connection-down`: not sent, because the connection was known to be down; the replica cannot hold its effect.
 * - `breaker-open`: not sent, because the replica's circuit breaker is open (or its probe is out).
 * - `command-error`: a Redis error reply, or a connection that broke while the command was in flight (so it may
 *   have run).
 */
export type ReplicaFailureKind = 'timeout' | 'connection-down' | 'breaker-open' | 'command-error';

/**
 * Replica reports as log lines show them: without `sentAt`, a raw `performance.now()` reading that means nothing
 * outside the process (traces turn it into milliseconds since the operation started). For log lines only: it copies.
 */
export function loggedReplicas(reports: readonly ReplicaReport[]): Omit<ReplicaReport, 'sentAt'>[] {
  return reports.map(({ sentAt: _sentAt, ...report }) => report);
}
