import { QuorumNotReachedError, type QuorumNotReachedDetails } from '../core/errors';
import type { Version } from '../core/hybridLogicalClock';
import type { ApplyReply } from '../replica/replicaCommands';
import type { ReplicaClient } from '../replica/connection';
import { failedCallReport, type ReplicaCallResult, type ReplicaSet } from '../replica/replicaSet';
import { isWriteAcknowledged, type ReplicaFailureKind, type ReplicaReport } from '../core/replicaOutcome';
import type { WriteResult } from '../core/results';

/**
 * One write attempt: sends a versioned write to every replica in parallel and answers the moment the outcome is
 * decided, `quorum` acknowledgements or too many failures for them, so its latency is the quorum-th fastest
 * replica's and a hung replica costs at most the node timeout. Replicas not heard from by then show as `pending`
 * (their outcome comes in `settled`); a refusal (`newer`) is no acknowledgement.
 *
 * @throws {WriteQuorumMissed} when fewer than `quorum` replicas can acknowledge.
 */
export function writeFanOut<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  quorum: number,
  version: Version,
  apply: (client: Client) => Promise<ApplyReply>,
): Promise<WriteResult> {
  const replicas = pool.replicas;
  // Every command is sent in the synchronous loop below: one timestamp serves them all.
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
 * The {@link QuorumNotReachedError} of one write attempt, with a way to wait for the replicas still pending: their
 * final outcomes say whether it may still land, or may be re-issued.
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
