import type { ReplicaFailureKind, ReplicaReport } from '../core/replicaOutcome';

/**
 * What a write does after one attempt missed its quorum:
 * - `reissue`: the attempt landed nowhere and never will (every replica refused it as older, or was never sent it),
 *   and some replica refused it: issue the write again above the newest version refused with.
 * - `await-pending`: nothing is known to hold the attempt yet, but some replicas have not answered: their answers
 *   decide between the other two.
 * - `give-up`: some replica holds the attempt, or may (it applied it, timed out with it in flight, or failed with it
 *   sent), or nobody refused it: the write fails.
 */
export type MissedAttemptVerdict = 'reissue' | 'await-pending' | 'give-up';

/**
 * Decides what to do with a write attempt that missed its quorum, from each replica's outcome (and, for failures,
 * why it failed), in replica order.
 *
 * The invariant it keeps: **a write takes effect at most once.** An attempt that landed on one replica may already
 * have been read there (a quorum read writes what it returns back to a quorum), and then overwritten by a later
 * write; issuing the same value again above that later write would bring it back. So an attempt is re-issued only
 * when no replica can hold it, now or later; any other miss fails the write, saying it may still take effect.
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
 * True when a replica may hold a write attempt, now or later: it applied it, has not answered yet, timed out with
 * the write in flight (a hung node runs its queued commands when it wakes), or failed with the write sent (a Redis
 * error, or a connection that broke while the write was in flight). False when it refused the write as older, or
 * the write was never sent to it (connection known down, breaker open).
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
