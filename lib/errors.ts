import type { ReplicaReport } from './replicaOutcome';

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
    public readonly acknowledged: number,
    public readonly required: number,
    public readonly replicas: readonly ReplicaReport[],
  ) {
    super(`write quorum not reached: ${acknowledged} of ${required} required replicas acknowledged`);
    this.name = 'QuorumNotReachedError';
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
