/** How many replicas an operation needs, as in Cassandra: the fastest one, a quorum, or every replica. */
export type ConsistencyLevel = 'one' | 'quorum' | 'all';

/** The accepted levels, in order of strength. */
export const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = ['one', 'quorum', 'all'];

/** True when `value` names a consistency level. */
export function isConsistencyLevel(value: unknown): value is ConsistencyLevel {
  return typeof value === 'string' && (CONSISTENCY_LEVELS as readonly string[]).includes(value);
}

/**
 * Replicas that must acknowledge a write at this level: 1, the configured write quorum, or all of them.
 */
export function requiredWriteAcks(level: ConsistencyLevel, writeQuorum: number, replicaCount: number): number {
  return level === 'one' ? 1 : level === 'quorum' ? writeQuorum : replicaCount;
}

/**
 * Replicas that must answer a read at this level. `quorum` is `N - W + 1`, the smallest read set that overlaps every
 * write quorum (R + W > N), so quorum reads see every write acknowledged by a quorum; with the default majority
 * write quorum it is a majority too.
 */
export function requiredReadReplies(level: ConsistencyLevel, writeQuorum: number, replicaCount: number): number {
  return level === 'one' ? 1 : level === 'quorum' ? replicaCount - writeQuorum + 1 : replicaCount;
}
