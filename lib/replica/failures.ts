import { QuorumKvError } from '../core/errors';
import type { ReplicaFailureKind } from '../core/replicaOutcome';

/**
 * The one place that reads the text of ioredis's and Redis's errors. Everything else works with the typed
 * {@link ReplicaFailureKind} this module derives, and with the client-safe messages it gives each kind.
 */

/** ioredis's message for a command that got no reply within `commandTimeout`. */
const IOREDIS_TIMEOUT_MESSAGE = 'Command timed out';

/** The client-safe message traces show for each kind that has a fixed one (`command-error` shows the error's). */
const MESSAGES: Readonly<Record<Exclude<ReplicaFailureKind, 'command-error'>, string>> = {
  timeout: 'timed out',
  'connection-down': 'connection down',
  'breaker-open': 'circuit open: replica skipped',
};

/**
 * Thrown instead of sending a command on a connection known to be down (reconnecting or closed): the command was
 * never sent, so the replica cannot hold its effect.
 */
export class ConnectionDownError extends QuorumKvError {
  constructor() {
    super(MESSAGES['connection-down']);
    this.name = 'ConnectionDownError';
  }
}

/**
 * Thrown when a call to a replica got no reply within the node timeout counted from when it was issued (the pool's
 * own deadline, `ReplicaPool.call`), whether or not its command had been sent by then.
 */
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

/** The message traces show for a failure of this kind, for the kinds whose message is always the same. */
export function failureMessage(kind: Exclude<ReplicaFailureKind, 'command-error'>): string {
  return MESSAGES[kind];
}

const TIMEOUT: ClassifiedFailure = { kind: 'timeout', message: MESSAGES.timeout };
const CONNECTION_DOWN: ClassifiedFailure = { kind: 'connection-down', message: MESSAGES['connection-down'] };

/**
 * Classifies what a command to a replica threw: `timeout` (ioredis or the pool gave up waiting), `connection-down` (never sent),
 * or `command-error` (a Redis error reply, or a connection that broke while the command was in flight).
 */
export function classifyCommandError(error: unknown): ClassifiedFailure {
  if (error instanceof ConnectionDownError) return CONNECTION_DOWN;
  if (error instanceof NodeTimeoutError) return TIMEOUT;
  const message = error instanceof Error ? error.message : String(error);
  if (message === IOREDIS_TIMEOUT_MESSAGE) return TIMEOUT;
  return { kind: 'command-error', message };
}

/** True for Redis's reply to a hash command on a key that holds another type (a plain string left by the seed). */
export function isWrongTypeReply(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}
