import { ReplicasUnavailableError } from './errors';
import type { Version } from './hybridLogicalClock';
import type { Replica, ReplicaClient, ReplicaPool } from './replicaPool';
import type { ReplicaReport } from './replicaOutcome';

/** What one replica holds for a key: a value with its version, or nothing. */
export type StoredEntry = { readonly value: string; readonly version: Version } | null;

/** The answer to a read, plus what every replica said (for traces, logs and repair). */
export interface ReadResult {
  /** The first value that arrived, or null when every replica that answered said "missing". */
  readonly entry: StoredEntry;
  /** The replica whose value was returned. */
  readonly answeredBy?: string;
  /** Each replica's outcome when the coordinator answered; slower replicas show as `pending`. */
  readonly replicas: readonly ReplicaReport[];
  /**
   * Every replica's final outcome once all have answered or timed out, with values older than the newest one marked
   * `stale`; never rejects. This is what reveals a stale replica.
   */
  readonly settled: Promise<readonly ReplicaReport[]>;
}

/**
 * Asks every replica in parallel and answers with the first value that arrives.
 *
 * Why: the client waits only for the fastest replica that has the key, never for slow ones (no polling, unlike the
 * seed). A replica answering "missing" does not end the race, since another may hold the key; the answer is
 * NOT_FOUND only once every replica has answered missing or failed.
 *
 * @throws {ReplicasUnavailableError} when no replica answered at all, so "not found" would be a guess.
 */
export function raceRead(
  pool: ReplicaPool,
  read: (client: ReplicaClient, replica: Replica) => Promise<StoredEntry>,
): Promise<ReadResult> {
  const replicas = pool.replicas;
  const reports: ReplicaReport[] = replicas.map((replica) => ({ node: replica.name, outcome: 'pending', ms: 0 }));
  let remaining = replicas.length;

  return new Promise<ReadResult>((resolve, reject) => {
    let decided = false;

    const allReports = Promise.all(
      replicas.map(async (replica, index) => {
        const result = await pool.call(replica, (client) => read(client, replica));
        const report: ReplicaReport = !result.ok
          ? { node: replica.name, outcome: result.outcome, ms: result.ms, error: result.error }
          : result.value === null
            ? { node: replica.name, outcome: 'missing', ms: result.ms }
            : { node: replica.name, outcome: 'found', ms: result.ms, version: result.value.version };
        reports[index] = report;
        remaining -= 1;
        if (!decided && result.ok && result.value !== null) {
          decided = true;
          resolve({ entry: result.value, answeredBy: replica.name, replicas: reports.slice(), settled });
        } else if (!decided && remaining === 0) {
          decided = true;
          if (reports.some((r) => r.outcome === 'missing')) {
            resolve({ entry: null, replicas: reports.slice(), settled });
          } else {
            reject(new ReplicasUnavailableError(reports.slice()));
          }
        }
        return report;
      }),
    );
    const settled = allReports.then(markStaleReplicas);
  });
}

/** Marks every `found` report whose version is older than the newest one seen as `stale`. */
export function markStaleReplicas(reports: readonly ReplicaReport[]): ReplicaReport[] {
  const newest = newestVersion(reports);
  return reports.map((report) =>
    report.outcome === 'found' && report.version !== undefined && newest !== undefined && report.version < newest
      ? { ...report, outcome: 'stale' }
      : report,
  );
}

/** The highest version among the reports, if any replica reported one. */
export function newestVersion(reports: readonly ReplicaReport[]): Version | undefined {
  let newest: Version | undefined;
  for (const report of reports) {
    if (report.version !== undefined && (newest === undefined || report.version > newest)) newest = report.version;
  }
  return newest;
}
