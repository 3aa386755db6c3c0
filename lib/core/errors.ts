import type { OperationTiming } from './operationTiming';
import type { ReplicaFailureKind, ReplicaReport } from './replicaOutcome';

/**
 * The store's errors: what a caller of the coordinator can expect to be thrown, each carrying its context. The HTTP
 * layer maps each to a status in one place (`functions/middleware/httpErrorResponse.ts`); anything that is not a
 * {@link QuorumKvError} is a bug.
 */

/**
 * The common base of every error quorum-kv throws on purpose, in `lib/` and in `functions/`.
 *
 * Why: one `instanceof` tells an expected failure (a bad setting, a missed quorum, a malformed request) from a bug,
 * and `cause` keeps the underlying error (a failed file read, a failed AWS call) for the logs without putting its
 * text in the message shown to clients.
 */
export class QuorumKvError extends Error {
  /**
   * @param message safe to show to whoever receives the error: it never holds a value or a secret.
   * @param options.cause the error that led to this one, if any.
   */
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'QuorumKvError';
  }
}

/**
 * A setting is missing or malformed. Thrown at cold start so the container fails loudly, naming the variable.
 */
export class ConfigError extends QuorumKvError {
  /**
   * @param variable the environment variable at fault, e.g. `REDIS_NODES`.
   * @param expected what it must be, completing "`variable` must be …".
   * @param received what it was (credentials already redacted).
   */
  constructor(
    public readonly variable: string,
    expected: string,
    received: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${variable} must be ${expected}; got ${JSON.stringify(received)}`, options);
    this.name = 'ConfigError';
  }
}

/**
 * The Redis credentials named in the configuration (`REDIS_SECRET_ARN`, `REDIS_PASSWORD_PARAMETER`) could not be
 * fetched or read. Maps to HTTP 503: the container retries the fetch on its next invocation. The message never
 * contains the secret, only its name and what went wrong.
 */
export class CredentialsUnavailableError extends QuorumKvError {
  /**
   * @param source the secret's or parameter's name.
   * @param reason what went wrong, without quoting the value.
   */
  constructor(source: string, reason: string, options?: { readonly cause?: unknown }) {
    super(`the Redis credentials in ${source} could not be loaded: ${reason}`, options);
    this.name = 'CredentialsUnavailableError';
  }
}

/**
 * A write could not gather its quorum of acknowledgements. Maps to HTTP 503 with the seed's FAIL shape.
 * Carries the acknowledgement count and the per-replica outcomes so the client sees which nodes failed, and says
 * what is known about the write's fate (`rolledBack`).
 */
export class QuorumNotReachedError extends QuorumKvError {
  constructor(
    /** The version the failed write carried (its last attempt's, when it was re-issued above a newer version). */
    public readonly version: string,
    /** Replicas that acknowledged before the write was decided. */
    public readonly acknowledged: number,
    /** Acknowledgements the write's consistency level needed. */
    public readonly required: number,
    /** Each replica's outcome when the write was decided, in replica order. */
    public readonly replicas: readonly ReplicaReport[],
    /**
     * True only when it is certain that the write never takes effect: no replica took it and none still may (each
     * one refused it, was never sent it, or its breaker skipped it). False means it may still take effect: it
     * landed on some replicas, or a replica timed out with it in flight. The next quorum read or repair may then
     * complete it, like a Cassandra write timeout; it is never undone (see README "Guarantees").
     */
    public readonly rolledBack: boolean = false,
    /**
     * Why each replica failed, in replica order (undefined where it replied, even with a refusal): what deciding
     * `rolledBack` needs to know, such as whether the write was sent at all. Not part of any response.
     */
    public readonly failures: readonly (ReplicaFailureKind | undefined)[] = [],
    /** When the write started and the coordinator gave up, for traces; set by the coordinator. */
    public readonly timing?: OperationTiming,
    /** How many times the write was issued (more than 1 when it was re-issued above a newer version). */
    public readonly attempts: number = 1,
  ) {
    super(
      `write quorum not reached: ${acknowledged} of ${required} required replicas acknowledged; ` +
        (rolledBack ? 'the write landed nowhere and never takes effect' : 'the write may still take effect'),
    );
    this.name = 'QuorumNotReachedError';
  }
}

/**
 * A `quorum` or `all` read could not gather enough answers. Maps to HTTP 503, like a missed write quorum.
 */
export class ReadQuorumNotReachedError extends QuorumKvError {
  constructor(
    /** Replicas that answered. */
    public readonly answered: number,
    /** Answers the read's consistency level needed. */
    public readonly required: number,
    /** Each replica's outcome when the read gave up, in replica order. */
    public readonly replicas: readonly ReplicaReport[],
    /** When the read started and gave up, for traces; set by the coordinator. */
    public readonly timing?: OperationTiming,
  ) {
    super(`read quorum not reached: ${answered} of ${required} required replicas answered`);
    this.name = 'ReadQuorumNotReachedError';
  }
}

/**
 * No replica could answer a read (all failed or timed out), so "not found" would be a guess. Maps to HTTP 503.
 */
export class ReplicasUnavailableError extends QuorumKvError {
  constructor(
    /** Each replica's outcome, all of them failures. */
    public readonly replicas: readonly ReplicaReport[],
    /** When the read started and gave up, for traces; set by the coordinator. */
    public readonly timing?: OperationTiming,
  ) {
    super(`no replica answered the read: ${replicas.map((r) => `${r.node} ${r.outcome}`).join(', ')}`);
    this.name = 'ReplicasUnavailableError';
  }
}
