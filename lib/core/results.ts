import type { ConsistencyLevel } from './consistency';
import type { Version } from './hybridLogicalClock';
import type { OperationTiming } from './operationTiming';
import type { ReplicaReport } from './replicaOutcome';

/** What the coordinator's operations return, one plain-data type per operation, all in one file for its callers. */

/** A committed write. */
export interface WriteResult extends OperationTiming {
  readonly quorumAt: number;
  readonly version: Version;
  /** Replicas that acknowledged by the answer (at least `required`). */
  readonly acknowledged: number;
  readonly required: number;
  /** Each replica's outcome at the answer; slow replicas show as `pending`. */
  readonly replicas: readonly ReplicaReport[];
  /** Every replica's final outcome, once all have answered or timed out; never rejects. */
  readonly settled: Promise<readonly ReplicaReport[]>;
  /** When the value expires (epoch ms, on the replicas' clock), for a write with a TTL. */
  readonly expiresAt?: number;
  /** How many times the write was issued (more than 1 when re-issued above a newer version). */
  readonly attempts: number;
}

/**
 * What a read did about replicas found behind: `none` to do, `repaired` before the answer, `scheduled` right after
 * it (`READ_REPAIR=async`), `failed`, or only reported (`off`).
 */
export type ReadRepairOutcome = 'none' | 'repaired' | 'scheduled' | 'failed' | 'off';

/** The answer to a read. */
export interface ReadOutcome extends OperationTiming {
  /** The live value, or null when the key does not exist (never written, deleted or expired). */
  readonly value: string | null;
  /** The version of the entry answered (also of a tombstone). */
  readonly version?: Version;
  /** When the key expires (epoch ms), if it has a TTL. */
  readonly expiresAt?: number;
  readonly consistency: ConsistencyLevel;
  /** Each replica's outcome at the answer, `stale` or `repaired` for replicas found behind. */
  readonly replicas: readonly ReplicaReport[];
  readonly repair: ReadRepairOutcome;
  /** The replica whose reply was answered, for a level-`one` read that found an entry. */
  readonly answeredBy?: string | undefined;
}

/** What one repair write did on one replica: `same` when it held the entry already, `newer` when it held newer. */
export interface RepairReport {
  readonly node: string;
  readonly outcome: 'repaired' | 'same' | 'newer' | 'error' | 'timeout' | 'skipped';
  readonly ms: number;
}

/** The result of repairing one key across all replicas. */
export interface KeyRepairReport {
  /** The user key. */
  readonly key: string;
  readonly newestVersion?: Version;
  /** One per replica found behind. */
  readonly repairs: readonly RepairReport[];
  /** Replicas that could not be read: a later repair or anti-entropy catches them. */
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
  /** Of those, how many the replica was behind on. */
  readonly repaired: number;
}
