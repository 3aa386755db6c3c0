import type { ReplicaClient } from '../replica/connection';
import { failedCallReport, type ReplicaHandle, type ReplicaSet } from '../replica/replicaSet';
import type { ReplicaReport } from '../core/replicaOutcome';
import type { StoredEntry } from '../core/storedEntry';

/** One replica's successful answer to a read: the entry it holds, or null when it holds nothing. */
export interface ReplicaRead {
  readonly replica: ReplicaHandle;
  readonly entry: StoredEntry | null;
}

/** What is known about a read while replies come in. */
export interface ReadProgress {
  /** Successful answers, in arrival order. */
  readonly replies: readonly ReplicaRead[];
  /** Replicas that failed or timed out. */
  readonly failed: number;
  /** Replicas that have not answered yet. */
  readonly pending: number;
}

/** The state of a read when its policy decided to answer. */
export interface ReadRound extends ReadProgress {
  /** Each replica's outcome at answer time; slower replicas show as `pending`. */
  readonly reports: readonly ReplicaReport[];
  /**
   * When the policy decided (`performance.now()`, see `OperationTiming`): for a quorum read that got its replies,
   * the reply that decided it (the R-th, or a later one up to the W-th when W > R); for a first-response read, the
   * first entry (or the last reply, when none had the key).
   */
  readonly decidedAt: number;
}

/** The answer to a read (first-response or quorum) and the replies it was based on. */
export interface ReadResult {
  /** The entry answered (a value or a tombstone), or null when every answering replica held nothing. */
  readonly entry: StoredEntry | null;
  /** The replica whose entry was answered. */
  readonly answeredBy?: string;
  /** The replies and per-replica outcomes available when the coordinator answered. */
  readonly round: ReadRound;
}

/** How a fan-out ends. */
export interface FanOutOptions {
  /**
   * Let the current round of I/O finish before answering, so replies that arrived in the same instant are included
   * (they are what reveals a stale replica to a repair that must happen before the answer). Costs one event-loop
   * turn, measured at about 30 µs on an otherwise idle connection, so only blocking read repair asks for it.
   */
  readonly drain?: boolean;
  /** Called once every replica has answered or failed, with all replies, also those that came after the answer. */
  readonly onSettled?: (round: ReadRound) => void;
}

/**
 * Sends one read to every replica in parallel and resolves as soon as `isDecided` says the replies so far are enough
 * (or every replica has answered).
 *
 * Why: first-response reads, quorum reads and repair's read-everything differ only in when they stop waiting; this
 * is the one fan-out they share. It runs on every read, so it allocates little: no per-replica async closures, and
 * late replies are handed to `onSettled` rather than to a promise.
 */
export function readFanOut<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  read: (client: Client) => Promise<StoredEntry | null>,
  isDecided: (progress: ReadProgress) => boolean,
  options: FanOutOptions = {},
): Promise<ReadRound> {
  const { drain = false, onSettled } = options;
  const replicas = pool.replicas;
  const count = replicas.length;
  const reports = new Array<ReplicaReport>(count);
  const replies: ReplicaRead[] = [];
  let failed = 0;
  let pending = count;
  let decidedAt = 0;
  // Every command is sent in the loop below, within microseconds: one timestamp serves them all.
  const sentAt = performance.now();

  return new Promise<ReadRound>((resolve) => {
    let decided = false;
    // Without `onSettled`, replies are recorded until the answer is sent, and the arrays then belong to the caller;
    // with it, the caller gets copies and recording goes on until every replica has answered.
    let answered = false;
    const answer = (): void => {
      answered = true;
      const snapshot = new Array<ReplicaReport>(count);
      for (let i = 0; i < count; i += 1) snapshot[i] = reports[i] ?? { node: replicas[i]!.name, outcome: 'pending', ms: 0, sentAt };
      resolve({ replies: onSettled === undefined ? replies : replies.slice(), failed, pending, reports: snapshot, decidedAt });
    };
    for (let index = 0; index < count; index += 1) {
      const replica = replicas[index]!;
      void pool.call(replica, read).then((result) => {
        if (answered && onSettled === undefined) return;
        if (!result.ok) {
          reports[index] = failedCallReport(replica.name, result, sentAt);
          failed += 1;
        } else {
          const entry = result.value;
          reports[index] =
            entry === null
              ? { node: replica.name, outcome: 'missing', ms: result.ms, sentAt }
              : entry.value === null
                ? { node: replica.name, outcome: 'found', ms: result.ms, version: entry.version, deleted: true, sentAt }
                : { node: replica.name, outcome: 'found', ms: result.ms, version: entry.version, sentAt };
          replies.push({ replica, entry });
        }
        pending -= 1;
        if (!decided && (pending === 0 || isDecided({ replies, failed, pending }))) {
          decided = true;
          decidedAt = performance.now();
          if (drain) setImmediate(answer);
          else answer();
        }
        if (pending === 0 && onSettled !== undefined) {
          const settle = (): void => onSettled({ replies, failed, pending, reports: reports as ReplicaReport[], decidedAt });
          if (answered) settle();
          else setImmediate(settle);
        }
      });
    }
  });
}
