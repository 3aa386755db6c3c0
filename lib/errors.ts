import type { ReplicaReport } from './replicaOutcome';
import type { RollbackReport } from './rollback';

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
