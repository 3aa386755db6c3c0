import type { ReplicaReport } from './replicaOutcome';
import type { RollbackReport } from '../write/rollback';

/**
 * A setting is missing or malformed. Thrown at cold start so the container fails loudly, naming the variable.
 */
export class ConfigError extends Error {
  constructor(
    public readonly variable: string,
    expected: string,
    received: string,
  ) {
    super(`${variable} must be ${expected}; got ${JSON.stringify(received)}`);
    this.name = 'ConfigError';
  }
}

/**
 * The client's request is malformed (missing field, wrong type, invalid JSON). Maps to HTTP 400.
 * The message is safe to show to the client: it says what is wrong and, where there is one, which field.
 */
export class InvalidRequestError extends Error {
  constructor(
    message: string,
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/**
 * A request is larger than the configured limits (`MAX_VALUE_BYTES`, or a body that could not hold a value within
 * them). Maps to HTTP 413. The message names the limit and is safe to show to the client.
 */
export class PayloadTooLargeError extends Error {
  constructor(
    message: string,
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * The request declares a body that is not JSON (`Content-Type: text/plain`, a form, a non-UTF-8 charset). Maps to
 * HTTP 415. A request without a content type is read as JSON, because `serverless invoke local --data` sends none.
 */
export class UnsupportedMediaTypeError extends Error {
  constructor(public readonly contentType: string) {
    super(`Content-Type ${JSON.stringify(contentType)} is not supported: send application/json (UTF-8)`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/**
 * The route exists but not with this HTTP method. Maps to HTTP 405 with an `Allow` header listing `allowed`.
 */
export class MethodNotAllowedError extends Error {
  constructor(
    public readonly method: string,
    public readonly path: string,
    public readonly allowed: readonly string[],
  ) {
    super(`method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }
}

/**
 * The Redis credentials named in the configuration (`REDIS_SECRET_ARN`, `REDIS_PASSWORD_PARAMETER`) could not be
 * fetched or read. Maps to HTTP 503: the container retries the fetch on its next invocation. The message never
 * contains the secret, only its name and what went wrong.
 */
export class CredentialsUnavailableError extends Error {
  constructor(source: string, reason: string) {
    super(`the Redis credentials in ${source} could not be loaded: ${reason}`);
    this.name = 'CredentialsUnavailableError';
  }
}

/**
 * A write could not gather its quorum of acknowledgements. Maps to HTTP 503 with the seed's FAIL shape.
 * Carries the acknowledgement count and the per-replica outcomes so the client sees which nodes failed.
 */
export class QuorumNotReachedError extends Error {
  constructor(
    /** The version the failed write carried (the one rolled back). */
    public readonly version: string,
    public readonly acknowledged: number,
    public readonly required: number,
    public readonly replicas: readonly ReplicaReport[],
    /** What each replica did with the rollback of this write (empty when rollback is off). */
    public readonly rollback: readonly RollbackReport[] = [],
  ) {
    super(
      `write quorum not reached: ${acknowledged} of ${required} required replicas acknowledged` +
        (rollback.length > 0 ? '; the write was rolled back' : ''),
    );
    this.name = 'QuorumNotReachedError';
  }
}

/**
 * A `quorum` or `all` read could not gather enough answers. Maps to HTTP 503, like a missed write quorum.
 */
export class ReadQuorumNotReachedError extends Error {
  constructor(
    public readonly answered: number,
    public readonly required: number,
    public readonly replicas: readonly ReplicaReport[],
  ) {
    super(`read quorum not reached: ${answered} of ${required} required replicas answered`);
    this.name = 'ReadQuorumNotReachedError';
  }
}

/**
 * No replica could answer a read (all failed or timed out), so "not found" would be a guess. Maps to HTTP 503.
 */
export class ReplicasUnavailableError extends Error {
  constructor(public readonly replicas: readonly ReplicaReport[]) {
    super(`no replica answered the read: ${replicas.map((r) => `${r.node} ${r.outcome}`).join(', ')}`);
    this.name = 'ReplicasUnavailableError';
  }
}
