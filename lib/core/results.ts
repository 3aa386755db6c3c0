import type { ConsistencyLevel } from './consistency';
import type { Version } from './hybridLogicalClock';
import type { OperationTiming } from './operationTiming';
import type { ReplicaReport } from './replicaOutcome';

/**
 * What the coordinator's operations return: one type per operation, all here, so a caller (the HTTP handlers, the
 * repair function, a script) finds every answer's shape in one file. They are plain data; the layers that produce
 * them live in `lib/write`, `lib/read` and `lib/repair`.
 */

/**
 * A committed write: how many replicas acknowledged before the answer, what each one did, and when (its quorum was
 * reached at the W-th acknowledgement of its last attempt).
 */
export interface WriteResult extends OperationTiming {
  readonly quorumAt: number;
  /** The version the write was stamped with (the same on every replica). */
  readonly version: Version;
  /** Replicas that acknowledged by the time the coordinator answered (at least the quorum). */
  readonly acknowledged: number;
  /** Acknowledgements the write's consistency level needed. */
  readonly required: number;
  /** Each replica's outcome when the coordinator answered; slow replicas show as `pending`. */
  readonly replicas: readonly ReplicaReport[];
  /** Every replica's final outcome, once all have answered or timed out; never rejects. */
  readonly settled: Promise<readonly ReplicaReport[]>;
  /** When the value expires (epoch ms, on the writing container's clock), for a write with a TTL. */
  readonly expiresAt?: number;
  /** How many times the write was issued: more than 1 when a replica held a newer version and it went above it. */
  readonly attempts: number;
}

/**
 * What the read did about replicas it found behind: nothing to do (`none`), brought them up to date before answering
 * (`repaired`), started that in the background right after the answer (`scheduled`, `READ_REPAIR=async`), could
 * not (`failed`), or only reported them (`off`).
 */
export type ReadRepairOutcome = 'none' | 'repaired' | 'scheduled' | 'failed' | 'off';

/** The answer to a read, with what every replica said, what was done to heal disagreements, and when. */
export interface ReadOutcome extends OperationTiming {
  /** The live value, or null when the key does not exist (never written, deleted or expired). */
  readonly value: string | null;
  /** The version of the entry answered (also for a deletion). */
  readonly version?: Version;
  /** When the key expires (epoch ms), if it has a TTL. */
  readonly expiresAt?: number;
  /** The level the read was made at (the request's, or `READ_CONSISTENCY`). */
  readonly consistency: ConsistencyLevel;
  /** Each replica's outcome when the coordinator answered: `stale` or `repaired` for replicas found behind. */
  readonly replicas: readonly ReplicaReport[];
  /** What read repair did about the replicas found behind. */
  readonly repair: ReadRepairOutcome;
  /** The replica whose reply was answered, for a first-response read (level `one`) that found an entry. */
  readonly answeredBy?: string | undefined;
}

/** What one repair write did on one replica. */
export interface RepairReport {
  /** The replica's `host:port` name. */
  readonly node: string;
  /** `repaired`; `same` when it already held the entry; `newer` when it refused it, holding a newer one. */
  readonly outcome: 'repaired' | 'same' | 'newer' | 'error' | 'timeout' | 'skipped';
  /** Milliseconds the repair write took. */
  readonly ms: number;
}

/** The result of repairing one key across all replicas. */
export interface KeyRepairReport {
  /** The user key repaired. */
  readonly key: string;
  /** The newest version found, if any replica holds the key. */
  readonly newestVersion?: Version;
  /** What each repair write did (only replicas found behind get one). */
  readonly repairs: readonly RepairReport[];
  /** Replicas that could not be read (they are caught by a later repair or anti-entropy). */
  readonly unreachable: readonly string[];
}

/** The result of replaying the hints stored for one replica. */
export interface HintReplayReport {
  /** The replica whose hints were replayed. */
  readonly target: string;
  /**
   * `replayed`: no hint is left for the replica. `down`: some stay for a later replay: the replica is unreachable,
   * or a repair write to it failed.
   */
  readonly status: 'replayed' | 'down';
  /** Hinted keys handled (and forgotten). */
  readonly keys: number;
  /** Of those, how many the replica was actually behind on. */
  readonly repaired: number;
}
