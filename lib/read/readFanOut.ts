import type { ReplicaClient } from '../replica/connection';
import { failedCallReport, type ReplicaHandle, type ReplicaSet } from '../replica/replicaSet';
import type { ReplicaReport } from '../core/replicaOutcome';
import type { StoredEntry } from '../core/storedEntry';
import type { LatencyRecord } from './replicaLatency';

/** One replica's answer to a read: the entry it holds, or null. */
export interface ReplicaRead {
  readonly replica: ReplicaHandle;
  readonly entry: StoredEntry | null;
}

/** What is known about a read while replies come in (`replies` in arrival order). */
export interface ReadProgress {
  readonly replies: readonly ReplicaRead[];
  readonly failed: number;
  readonly pending: number;
}

/** The state of a read when its policy decided to answer. */
export interface ReadRound extends ReadProgress {
  /** Each replica's outcome at answer time; slower replicas show as `pending`. */
  readonly reports: readonly ReplicaReport[];
  readonly decidedAt: number;
}

/** The answer to a read (first-response or quorum) and the replies it was based on. */
export interface ReadResult {
  /** The entry answered (a value or a tombstone), or null when every answering replica held nothing. */
  readonly entry: StoredEntry | null;
  readonly answeredBy?: string;
  readonly round: ReadRound;
}

/** How a fan-out ends. */
export interface FanOutOptions {
  /**
   * Let the current round of I/O finish before answering, so replies that arrived in the same instant are included
   * (what reveals a stale replica to a repair before the answer). It costs an event-loop turn: only blocking read
   * repair asks for it.
   */
  readonly drain?: boolean;
  /** Called once every replica has answered or failed, with all replies, also those that came after the answer. */
  readonly onSettled?: (round: ReadRound) => void;
}

/**
 * Sends one read to every replica in parallel and resolves once `isDecided` says the replies so far are enough (or
 * all are in): the one fan-out first-response reads, quorum reads and repair share, as they differ only in when they
 * stop. It runs on every read, so it allocates little (no per-replica async closure, no promise for late replies).
 * With `latency`, every reply (also those after the answer) updates the replica's estimate for hedged reads.
 */
export function readFanOut<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  read: (client: Client) => Promise<StoredEntry | null>,
  isDecided: (progress: ReadProgress) => boolean,
  options: FanOutOptions = {},
  latency?: LatencyRecord,
): Promise<ReadRound> {
  const { drain = false, onSettled } = options;
  const replicas = pool.replicas;
  const count = replicas.length;
  const reports = new Array<ReplicaReport>(count);
  const replies: ReplicaRead[] = [];
  let failed = 0;
  let pending = count;
  let decidedAt = 0;
  // Every command is sent in the synchronous loop below: one timestamp serves them all.
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
        if (latency !== undefined) {
          if (result.ok) latency.recordReply(index, result.ms);
          else latency.recordFailure(index);
        }
        if (answered && onSettled === undefined) return;
        if (!result.ok) {
          reports[index] = failedCallReport(replica.name, result, sentAt);
          failed += 1;
        } else {
          const entry = result.value;
          reports[index] = readReport(replica.name, entry, result.ms, sentAt);
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

/** What one replica's answer to a read shows in its report: `missing`, or `found` with its version (and a tombstone). */
export function readReport(node: string, entry: StoredEntry | null, ms: number, sentAt: number): ReplicaReport {
  if (entry === null) return { node, outcome: 'missing', ms, sentAt };
  return entry.value === null
    ? { node, outcome: 'found', ms, version: entry.version, deleted: true, sentAt }
    : { node, outcome: 'found', ms, version: entry.version, sentAt };
}
