import { QuorumNotReachedError, type QuorumNotReachedDetails } from '../core/errors';
import type { Version } from '../core/hybridLogicalClock';
import type { ApplyReply } from '../replica/replicaCommands';
import type { ReplicaClient } from '../replica/connection';
import { failedCallReport, type ReplicaCallResult, type ReplicaSet } from '../replica/replicaSet';
import { isWriteAcknowledged, type ReplicaFailureKind, type ReplicaReport } from '../core/replicaOutcome';
import type { WriteResult } from '../core/results';

/**
 * Sends one versioned write to every replica in parallel and answers as soon as the outcome is decided: success once
 * `quorum` replicas have acknowledged, failure as soon as too many have failed for the quorum to be reachable.
 *
 * Why: the seed wrote sequentially (latency = sum of round trips) and waited for every node, so one hung node hung
 * every write. Here latency is that of the quorum-th fastest replica, bounded by the node timeout.
 *
 * It answers the moment the outcome is decided, without waiting for the remaining replicas: a healthy trio usually
 * reports 2 acknowledgements, the third arriving microseconds later (it shows as `pending` in the answer's outcomes
 * and as `applied` in `settled`). Waiting for the rest of that round of I/O would report 3 but cost ~30 µs a write.
 *
 * A replica that holds a newer version refuses (`newer`) and does not count: the caller re-issues the write above it.
 *
 * @throws {WriteQuorumMissed} (a {@link QuorumNotReachedError}) when fewer than `quorum` replicas can acknowledge.
 */
export function writeFanOut<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  quorum: number,
  version: Version,
  apply: (client: Client) => Promise<ApplyReply>,
): Promise<WriteResult> {
  const replicas = pool.replicas;
  // Every command is sent in the loop below, within microseconds: one timestamp serves them all.
  const sentAt = performance.now();
  const reports: ReplicaReport[] = replicas.map((replica) => ({ node: replica.name, outcome: 'pending', ms: 0, sentAt }));
  const failures = new Array<ReplicaFailureKind | undefined>(replicas.length);
  const tolerableFailures = replicas.length - quorum;
  let acknowledged = 0;
  let failed = 0;

  return new Promise<WriteResult>((resolve, reject) => {
    let decided = false;
    const decide = (): void => {
      decided = true;
      const snapshot = reports.slice();
      if (acknowledged >= quorum) {
        // Alone, the fan-out is the whole operation; the coordinator replaces startedAt and answeredAt with its own.
        const quorumAt = performance.now();
        resolve({ version, acknowledged, required: quorum, replicas: snapshot, settled, attempts: 1, startedAt: sentAt, quorumAt, answeredAt: quorumAt });
      } else {
        reject(new WriteQuorumMissed({ version, acknowledged, required: quorum, replicas: snapshot, failures: failures.slice() }, settledWithFailures));
      }
    };

    const settledWithFailures = (): Promise<SettledWrite> => settled.then((reports) => ({ reports, failures: failures.slice() }));
    const settled = Promise.all(
      replicas.map(async (replica, index) => {
        const result = await pool.call(replica, apply);
        const report = toReport(replica.name, version, result, sentAt);
        reports[index] = report;
        if (!result.ok) failures[index] = result.failure;
        if (isWriteAcknowledged(report.outcome)) acknowledged += 1;
        else failed += 1;
        if (!decided && (acknowledged >= quorum || failed > tolerableFailures)) decide();
        return report;
      }),
    );
  });
}

function toReport(node: string, version: Version, result: ReplicaCallResult<ApplyReply>, sentAt: number): ReplicaReport {
  if (!result.ok) return failedCallReport(node, result, sentAt);
  const reply = result.value;
  switch (reply.kind) {
    case 'applied':
    case 'same':
      return { node, outcome: 'applied', ms: result.ms, version, sentAt };
    case 'newer':
      return { node, outcome: 'newer', ms: result.ms, version: reply.heldVersion, sentAt };
  }
}

/** Every replica's final outcome of one write attempt, and why those that failed did. */
export interface SettledWrite {
  readonly reports: readonly ReplicaReport[];
  readonly failures: readonly (ReplicaFailureKind | undefined)[];
}

/**
 * The {@link QuorumNotReachedError} of one write attempt, with a way to wait for the replicas still pending when it
 * was decided: the coordinator needs their final outcomes to know whether the write may still land (and to re-issue
 * it above a newer version a late reply reports).
 */
export class WriteQuorumMissed extends QuorumNotReachedError {
  constructor(
    details: Omit<QuorumNotReachedDetails, 'rolledBack'>,
    /** Resolves once every replica has answered or timed out (within the node timeout); never rejects. */
    readonly settled: () => Promise<SettledWrite>,
  ) {
    super(details);
  }
}
