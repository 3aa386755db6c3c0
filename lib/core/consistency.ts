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

/** How far a quorum stands, as etcd raft says of a vote: reached, still reachable, or out of reach. */
export type QuorumProgress = 'won' | 'pending' | 'lost';

/**
 * Whether `needed` replicas hold something, given `holders` that do and `pending` that may still: what a write and a
 * quorum read's write-back wait on.
 */
export function quorumProgress(holders: number, pending: number, needed: number): QuorumProgress {
  return holders >= needed ? 'won' : holders + pending >= needed ? 'pending' : 'lost';
}

/** The replies of a quorum read so far, counted (see {@link quorumReadStep}). */
export interface ReadTally {
  /** Replicas that answered. */
  readonly replies: number;
  /** Of those, how many hold the newest entry among the replies (all of them when none holds any entry). */
  readonly holders: number;
  /** Replicas that have not answered yet (neither replied nor failed). */
  readonly pending: number;
  /** True when some reply holds an entry (a value or a tombstone), false when every reply holds nothing. */
  readonly found: boolean;
}

/**
 * What a quorum read does next: `wait` for more replies, `answer` with the newest entry, `write-back` that entry
 * first, or give up (`unreachable`: too few replicas can still answer).
 */
export type QuorumReadStep = 'wait' | 'answer' | 'write-back' | 'unreachable';

/**
 * The decision of an ABD read over N replicas with write quorum W, after each reply. It needs `required` replies
 * (R = N − W + 1 for `quorum`, N for `all`), then answers with the newest entry among them once W replicas hold it:
 * an answer that sits on W replicas is seen by every later read (R + W > N), so no later read returns older.
 *
 * - `answer` at once when W of the replies hold the newest entry, or none holds any entry and W said so (or no more
 *   replies can say otherwise: then there is nothing to write back, and no acknowledged write is missed, since any
 *   W replicas overlap the R that answered).
 * - `wait` while fewer than W replicas answered and the replies still to come could make W holders: when W > R, a
 *   healthy read then answers on W agreeing replies, in one round trip, instead of writing back on every read.
 *   A hung replica is waited for at most the node timeout.
 * - `write-back` otherwise: W replies are in (or no more can come) and fewer than W hold the newest entry.
 */
export function quorumReadStep(tally: ReadTally, required: number, writeQuorum: number): QuorumReadStep {
  const { replies, holders, pending, found } = tally;
  if (replies + pending < required) return 'unreachable';
  if (replies < required) return 'wait';
  if (holders >= writeQuorum) return 'answer';
  if (replies < writeQuorum && holders + pending >= writeQuorum) return 'wait';
  return found ? 'write-back' : 'answer';
}
