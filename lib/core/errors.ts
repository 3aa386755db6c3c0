import type { OperationTiming } from './operationTiming';
import type { ReplicaFailureKind, ReplicaReport } from './replicaOutcome';

/**
 * The base of every error quorum-kv throws on purpose: one `instanceof` tells an expected failure from a bug (the
 * HTTP layer maps each subclass to a status in `functions/middleware/httpErrorResponse.ts`). `message` is safe to
 * show to a client (never a value or a secret); `cause` keeps the underlying error for the logs only.
 */
export class QuorumKvError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'QuorumKvError';
  }
}

/** A setting is missing or malformed: thrown at cold start, so the container fails loudly, naming the variable. */
export class ConfigError extends QuorumKvError {
  /** The environment variable at fault, e.g. `REDIS_NODES`. */
  readonly variable: string;

  /** @param details.expected completes "`variable` must be …"; `received` has its credentials redacted. */
  constructor({ variable, expected, received, cause }: { variable: string; expected: string; received: string; cause?: unknown }) {
    super(`${variable} must be ${expected}; got ${JSON.stringify(received)}`, cause === undefined ? undefined : { cause });
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/**
 * The Redis credentials the configuration names (`REDIS_SECRET_ARN`, `REDIS_PASSWORD_PARAMETER`) could not be
 * fetched or read: HTTP 503, and the next invocation fetches again. The message names the source, never the secret.
 */
export class CredentialsUnavailableError extends QuorumKvError {
  constructor(source: string, reason: string, options?: { readonly cause?: unknown }) {
    super(`the Redis credentials in ${source} could not be loaded: ${reason}`, options);
    this.name = 'CredentialsUnavailableError';
  }
}

/** What a {@link QuorumNotReachedError} is built from (see its fields). */
export type QuorumNotReachedDetails = Pick<QuorumNotReachedError, 'version' | 'acknowledged' | 'required' | 'replicas'> &
  Partial<Pick<QuorumNotReachedError, 'rolledBack' | 'failures' | 'timing' | 'attempts'>>;

/**
 * A write could not gather its quorum of acknowledgements (HTTP 503): which replicas failed, and what is known about
 * the write's fate (`rolledBack`).
 */
export class QuorumNotReachedError extends QuorumKvError {
  /** The version the write carried (its last attempt's, when it was re-issued above a newer version). */
  readonly version: string;
  readonly acknowledged: number;
  readonly required: number;
  /** Each replica's outcome when the write was decided. */
  readonly replicas: readonly ReplicaReport[];
  /**
   * True only when the write certainly never takes effect: no replica holds it or still may (each refused it or was
   * never sent it). False: it may still take effect, and a later quorum read or repair may complete it, like a
   * Cassandra write timeout; it is never undone. @default false
   */
  readonly rolledBack: boolean;
  /**
   * Why each replica failed, in replica order (undefined where it replied): what deciding `rolledBack` needs, such
   * as whether the write was sent at all. Not part of any response. @default []
   */
  readonly failures: readonly (ReplicaFailureKind | undefined)[];
  readonly timing: OperationTiming | undefined;
  /** How many times the write was issued (more than 1 when it was re-issued above a newer version). @default 1 */
  readonly attempts: number;

  constructor(details: QuorumNotReachedDetails) {
    const { acknowledged, required, rolledBack = false } = details;
    super(
      `write quorum not reached: ${acknowledged} of ${required} required replicas acknowledged; ` +
        (rolledBack ? 'the write landed nowhere and never takes effect' : 'the write may still take effect'),
    );
    this.name = 'QuorumNotReachedError';
    this.version = details.version;
    this.acknowledged = acknowledged;
    this.required = required;
    this.replicas = details.replicas;
    this.rolledBack = rolledBack;
    this.failures = details.failures ?? [];
    this.timing = details.timing;
    this.attempts = details.attempts ?? 1;
  }
}

/** What a {@link ReadQuorumNotReachedError} is built from (see its fields). */
export type ReadQuorumNotReachedDetails = Pick<ReadQuorumNotReachedError, 'answered' | 'required' | 'replicas'> &
  Partial<Pick<ReadQuorumNotReachedError, 'timing'>>;

/** A `quorum` or `all` read could not gather enough answers (HTTP 503, like a missed write quorum). */
export class ReadQuorumNotReachedError extends QuorumKvError {
  /** Replicas that answered (or, when the answer could not be made to sit on W replicas, that hold it). */
  readonly answered: number;
  readonly required: number;
  readonly replicas: readonly ReplicaReport[];
  readonly timing: OperationTiming | undefined;

  constructor({ answered, required, replicas, timing }: ReadQuorumNotReachedDetails) {
    super(`read quorum not reached: ${answered} of ${required} required replicas answered`);
    this.name = 'ReadQuorumNotReachedError';
    this.answered = answered;
    this.required = required;
    this.replicas = replicas;
    this.timing = timing;
  }
}

/** No replica could answer a read, so "not found" would be a guess (HTTP 503). */
export class ReplicasUnavailableError extends QuorumKvError {
  constructor(
    public readonly replicas: readonly ReplicaReport[],
    public readonly timing?: OperationTiming,
  ) {
    super(`no replica answered the read: ${replicas.map((r) => `${r.node} ${r.outcome}`).join(', ')}`);
    this.name = 'ReplicasUnavailableError';
  }
}
