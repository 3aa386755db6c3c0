/** How many replicas an operation needs, as in Cassandra: the fastest one, a quorum, or every replica. */
export type ConsistencyLevel = 'one' | 'quorum' | 'all';

/** The accepted levels, in order of strength. */
export const CONSISTENCY_LEVELS: readonly ConsistencyLevel[] = ['one', 'quorum', 'all'];

/** True when `value` names a consistency level. */
export function isConsistencyLevel(value: unknown): value is ConsistencyLevel {
  return typeof value === 'string' && (CONSISTENCY_LEVELS as readonly string[]).includes(value);
}

/** Replicas that must acknowledge a write at this level: 1, the write quorum W, or all N. */
export function requiredWriteAcks(level: ConsistencyLevel, writeQuorum: number, replicaCount: number): number {
  return level === 'one' ? 1 : level === 'quorum' ? writeQuorum : replicaCount;
}

/**
 * Replicas that must answer a read at this level. `quorum` is R = N − W + 1, the smallest read set that overlaps
 * every write quorum (R + W > N), so it sees every write a quorum acknowledged.
 */
export function requiredReadReplies(level: ConsistencyLevel, writeQuorum: number, replicaCount: number): number {
  return level === 'one' ? 1 : level === 'quorum' ? replicaCount - writeQuorum + 1 : replicaCount;
}

/** How far a quorum stands, as etcd raft says of a vote: reached, still reachable, or out of reach. */
export type QuorumProgress = 'won' | 'pending' | 'lost';

/** Whether `needed` replicas hold something, given `holders` that do and `pending` that still may. */
export function quorumProgress(holders: number, pending: number, needed: number): QuorumProgress {
  return holders >= needed ? 'won' : holders + pending >= needed ? 'pending' : 'lost';
}

/** The replies of a quorum read so far, counted (see {@link quorumReadStep}). */
export interface ReadTally {
  readonly replies: number;
  /** Replies holding the newest entry among them (all of them when none holds one). */
  readonly holders: number;
  /** Replicas that have neither replied nor failed yet. */
  readonly pending: number;
  /** True when some reply holds an entry (a value or a tombstone). */
  readonly found: boolean;
}

/** What a quorum read does next; `unreachable`: too few replicas can still answer. */
export type QuorumReadStep = 'wait' | 'answer' | 'write-back' | 'unreachable';

/**
 * The decision of an ABD read after each reply: with R = `required` replies in, it answers the newest entry once W
 * replicas hold it, since an answer on W replicas is seen by every later read (R + W > N). `answer` when W replies
 * hold it, or none holds any (any W replicas overlap the R that answered); `wait` while more replies could make W
 * holders (so a healthy read with W > R needs no write-back); else `write-back`.
 */
export function quorumReadStep(tally: ReadTally, required: number, writeQuorum: number): QuorumReadStep {
  const { replies, holders, pending, found } = tally;
  if (replies + pending < required) return 'unreachable';
  if (replies < required) return 'wait';
  if (holders >= writeQuorum) return 'answer';
  if (replies < writeQuorum && holders + pending >= writeQuorum) return 'wait';
  return found ? 'write-back' : 'answer';
}

/**
 * How a read asks the replicas: `race`, every replica at once (the first entry wins); `hedged`, the replica with the
 * best recent latency first and the next only after a measured delay or at once when an answer cannot decide (Dean
 * and Barroso's hedged requests), for about one replica command per read.
 */
export type ReadStrategy = 'race' | 'hedged';

/** The accepted read strategies, the default first. */
export const READ_STRATEGIES: readonly ReadStrategy[] = ['race', 'hedged'];

/** True when `value` names a read strategy. */
export function isReadStrategy(value: unknown): value is ReadStrategy {
  return typeof value === 'string' && (READ_STRATEGIES as readonly string[]).includes(value);
}
