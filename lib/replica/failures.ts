import { QuorumKvError } from '../core/errors';
import type { ReplicaFailureKind } from '../core/replicaOutcome';

/** The one place that reads ioredis's and Redis's error texts; the rest works with {@link ReplicaFailureKind}. */

/** ioredis's message for a command that got no reply within `commandTimeout`. */
const IOREDIS_TIMEOUT_MESSAGE = 'Command timed out';

/** The client-safe message traces show for each kind that has a fixed one (`command-error` shows the error's). */
const MESSAGES: Readonly<Record<Exclude<ReplicaFailureKind, 'command-error'>, string>> = {
  timeout: 'timed out',
  'connection-down': 'connection down',
  'breaker-open': 'circuit open: replica skipped',
};

/** Thrown instead of sending on a connection known to be down: the replica cannot hold the command's effect. */
export class ConnectionDownError extends QuorumKvError {
  constructor() {
    super(MESSAGES['connection-down']);
    this.name = 'ConnectionDownError';
  }
}

/** The message of a {@link NotReadyInTimeError}, as traces show it. */
const NOT_READY_MESSAGE = 'timed out connecting';

/**
 * Thrown when a connection being made (or remade) was not ready within the node timeout, e.g. to a paused node that
 * accepts TCP but never answers the handshake. The node timed out, but the command was never sent: like a connection
 * down, the replica cannot hold its effect.
 */
export class NotReadyInTimeError extends QuorumKvError {
  constructor() {
    super(NOT_READY_MESSAGE);
    this.name = 'NotReadyInTimeError';
  }
}

/** The pool's own deadline: no reply within the node timeout from when the call was issued, sent or not. */
export class NodeTimeoutError extends QuorumKvError {
  constructor() {
    super(MESSAGES.timeout);
    this.name = 'NodeTimeoutError';
  }
}

/** A failed call as the pool reports it: the typed kind, and the short message traces show. */
export interface ClassifiedFailure {
  readonly kind: ReplicaFailureKind;
  readonly message: string;
}

/** The fixed message traces show for a failure of this kind. */
export function failureMessage(kind: Exclude<ReplicaFailureKind, 'command-error'>): string {
  return MESSAGES[kind];
}

const TIMEOUT: ClassifiedFailure = { kind: 'timeout', message: MESSAGES.timeout };
const CONNECTION_DOWN: ClassifiedFailure = { kind: 'connection-down', message: MESSAGES['connection-down'] };
const NOT_READY_IN_TIME: ClassifiedFailure = { kind: 'connection-down', message: NOT_READY_MESSAGE };

/** Classifies what a command to a replica threw (see {@link ReplicaFailureKind}). */
export function classifyCommandError(error: unknown): ClassifiedFailure {
  if (error instanceof ConnectionDownError) return CONNECTION_DOWN;
  if (error instanceof NotReadyInTimeError) return NOT_READY_IN_TIME;
  if (error instanceof NodeTimeoutError) return TIMEOUT;
  const message = error instanceof Error ? error.message : String(error);
  if (message === IOREDIS_TIMEOUT_MESSAGE) return TIMEOUT;
  return { kind: 'command-error', message };
}

/** True for Redis's WRONGTYPE reply (e.g. `GET` of a hash entry). */
export function isWrongTypeReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

/** True for Redis's NOSCRIPT reply: the server does not hold the script (it did not run), so `EVAL` it. */
export function isNoScriptReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
