import type { Replica, ReplicaClient, ReplicaPool } from './replicaPool';
import type { ReplicaReport } from './replicaOutcome';
import type { StoredEntry } from './storedEntry';

/** One replica's successful answer to a read: the entry it holds, or null when it holds nothing. */
export interface ReplicaRead {
  readonly replica: Replica;
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

/** The state of a read when its policy decided to answer, plus every replica's final outcome. */
export interface ReadRound extends ReadProgress {
  /** Each replica's outcome at answer time; slower replicas show as `pending`. */
  readonly reports: readonly ReplicaReport[];
  /** Every replica's final outcome, once all have answered or timed out; never rejects. */
  readonly settled: Promise<readonly ReplicaReport[]>;
}

/**
 * Sends one read to every replica in parallel and resolves as soon as `isDecided` says the replies so far are enough
 * (or every replica has answered).
 *
 * Why: first-response reads, quorum reads and repair's read-everything differ only in when they stop waiting; this
 * is the one fan-out they share. Before resolving it lets the current round of I/O finish, so replies that arrived
 * in the same instant are included (they are what reveals a stale replica) at the cost of one event-loop turn.
 */
export function readFanOut(
  pool: ReplicaPool,
  read: (client: ReplicaClient) => Promise<StoredEntry | null>,
  isDecided: (progress: ReadProgress) => boolean,
): Promise<ReadRound> {
  const replicas = pool.replicas;
  const reports: ReplicaReport[] = replicas.map((replica) => ({ node: replica.name, outcome: 'pending', ms: 0 }));
  const replies: ReplicaRead[] = [];
  let failed = 0;
  let pending = replicas.length;

  return new Promise<ReadRound>((resolve) => {
    let decided = false;
    const settled = Promise.all(
      replicas.map(async (replica, index) => {
        const result = await pool.call(replica, read);
        let report: ReplicaReport;
        if (!result.ok) {
          report = { node: replica.name, outcome: result.outcome, ms: result.ms, error: result.error };
          failed += 1;
        } else {
          const entry = result.value;
          report =
            entry === null
              ? { node: replica.name, outcome: 'missing', ms: result.ms }
              : entry.value === null
                ? { node: replica.name, outcome: 'found', ms: result.ms, version: entry.version, deleted: true }
                : { node: replica.name, outcome: 'found', ms: result.ms, version: entry.version };
          replies.push({ replica, entry });
        }
        reports[index] = report;
        pending -= 1;
        if (!decided && (pending === 0 || isDecided({ replies, failed, pending }))) {
          decided = true;
          setImmediate(() =>
            resolve({ replies: replies.slice(), failed, pending, reports: reports.slice(), settled }),
          );
        }
        return report;
      }),
    );
  });
}
