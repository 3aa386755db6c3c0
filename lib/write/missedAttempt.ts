import type { ReplicaFailureKind, ReplicaReport } from '../core/replicaOutcome';

/**
 * What a write does after one attempt missed its quorum: `reissue` it above the newest version refused with (it
 * landed nowhere and never will, and some replica refused it), `await-pending` (the replicas yet to answer decide),
 * or `give-up` (some replica holds it or may, or nobody refused it: the write fails).
 */
export type MissedAttemptVerdict = 'reissue' | 'await-pending' | 'give-up';

/**
 * Decides what to do with a write attempt that missed its quorum. It keeps **a write takes effect at most once**: an
 * attempt that landed on one replica may have been read (and written back), then overwritten by a later write, and
 * issuing it again would bring it back; so it is re-issued only when no replica can hold it, now or later.
 */
export function missedAttemptVerdict(
  reports: readonly ReplicaReport[],
  failures: readonly (ReplicaFailureKind | undefined)[],
): MissedAttemptVerdict {
  let refused = 0;
  let pending = 0;
  for (let i = 0; i < reports.length; i += 1) {
    const report = reports[i]!;
    if (report.outcome === 'newer') refused += 1;
    else if (report.outcome === 'pending') pending += 1;
    else if (mayHoldWrite(report, failures[i])) return 'give-up';
  }
  if (pending > 0) return 'await-pending';
  return refused > 0 ? 'reissue' : 'give-up';
}

/**
 * True when a replica may hold a write attempt, now or later: it applied it, has not answered, timed out (a hung
 * node runs its queued commands when it wakes) or failed with the write sent. False when it refused it as older or
 * was never sent it.
 */
export function mayHoldWrite(report: ReplicaReport, failure: ReplicaFailureKind | undefined): boolean {
  if (report.outcome === 'applied' || report.outcome === 'pending' || report.outcome === 'timeout') return true;
  if (report.outcome === 'newer') return false;
  return failure === undefined || failure === 'timeout' || failure === 'command-error';
}

/** The newest version replicas reported holding when they refused a write, if any did. */
export function newestRefusal(reports: readonly ReplicaReport[]): string | undefined {
  let newest: string | undefined;
  for (const report of reports) {
    if (report.outcome === 'newer' && report.version !== undefined && (newest === undefined || report.version > newest)) {
      newest = report.version;
    }
  }
  return newest;
}
