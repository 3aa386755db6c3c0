/**
 * What one replica did for one operation, as traces, logs and error responses show it: `applied` (it holds the
 * write), `newer` (it refused the write, holding a newer version: no acknowledgement), `found`, `stale` (older than
 * the newest seen), `missing`, `repaired` (a read brought it up to date), `error`, `timeout` (no answer within the
 * node timeout), `skipped` (not asked: its breaker is open), `pending` (no answer yet at the coordinator's answer),
 * `not-sent` (a hedged read answered before it needed to ask this replica).
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
  | 'pending'
  | 'not-sent';

/** One replica's part in one operation. */
export interface ReplicaReport {
  /** The replica's name (`host:port`). */
  readonly node: string;
  readonly outcome: ReplicaOutcome;
  /** Milliseconds from sending the command to its answer (0 while pending). */
  readonly ms: number;
  /** The version the replica holds (reads, and a refused write's `newer`). */
  readonly version?: string;
  /** True when it holds a tombstone at `version`. */
  readonly deleted?: boolean;
  /** A short, client-safe reason for `error` and `timeout`. */
  readonly error?: string;
  /** When the command was sent (`performance.now()`); undefined when never sent (`skipped`, `not-sent`). */
  readonly sentAt?: number;
  /** True when a hedged read asked this replica late (after its first request), at `sentAt`. */
  readonly hedged?: true;
}

/** True when the replica acknowledged a write: it holds this very entry (`newer` is a refusal, not one). */
export function isWriteAcknowledged(outcome: ReplicaOutcome): boolean {
  return outcome === 'applied';
}

/** True for outcomes that mean the replica did not take a write (so it needs a hint). */
export function isWriteMissed(outcome: ReplicaOutcome): boolean {
  return outcome === 'error' || outcome === 'timeout' || outcome === 'skipped';
}

/**
 * Why a call got no reply, as decisions need it: `timeout` (the command may still run), `connection-down` and
 * `breaker-open` (never sent, so it cannot have run), `command-error` (a Redis error, or a connection that broke
 * with the command in flight: it may have run).
 */
export type ReplicaFailureKind = 'timeout' | 'connection-down' | 'breaker-open' | 'command-error';

/** Reports for a log line: without `sentAt`, a `performance.now()` reading meaningless outside the process. */
export function loggedReplicas(reports: readonly ReplicaReport[]): Omit<ReplicaReport, 'sentAt'>[] {
  return reports.map(({ sentAt: _sentAt, ...report }) => report);
}
