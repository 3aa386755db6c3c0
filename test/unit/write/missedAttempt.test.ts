import { describe, expect, it } from 'vitest';
import type { ReplicaFailureKind, ReplicaOutcome, ReplicaReport } from '../../../lib/core/replicaOutcome';
import { mayHoldWrite, missedAttemptVerdict, newestRefusal, type MissedAttemptVerdict } from '../../../lib/write/missedAttempt';

/** One replica's part in a missed attempt, as `outcome` or `outcome/failure`. */
type Cell = `${ReplicaOutcome}` | `${'error' | 'timeout' | 'skipped'}/${ReplicaFailureKind}`;

function attempt(cells: readonly Cell[]): { reports: ReplicaReport[]; failures: (ReplicaFailureKind | undefined)[] } {
  const reports = cells.map((cell, i): ReplicaReport => {
    const [outcome] = cell.split('/') as [ReplicaOutcome];
    return { node: `r${i}`, outcome, ms: 1, ...(outcome === 'newer' ? { version: `v${i}` } : {}) };
  });
  const failures = cells.map((cell) => cell.split('/')[1] as ReplicaFailureKind | undefined);
  return { reports, failures };
}

/**
 * Whether a missed attempt may be issued again, as a table (like etcd raft's quorum tests): one row per way N = 1..5
 * replicas can have answered. The rule does not depend on N or W: an attempt is re-issued only if no replica can
 * hold it, now or later, and someone refused it.
 */
const TABLE: readonly (readonly [readonly Cell[], MissedAttemptVerdict])[] = [
  [['newer'], 'reissue'],
  [['applied'], 'give-up'],
  [['timeout/timeout'], 'give-up'],
  [['pending'], 'await-pending'],
  [['newer', 'newer'], 'reissue'],
  [['newer', 'skipped/breaker-open'], 'reissue'],
  [['newer', 'error/connection-down'], 'reissue'],
  [['newer', 'error/command-error'], 'give-up'],
  [['newer', 'applied'], 'give-up'],
  [['newer', 'pending'], 'await-pending'],
  [['newer', 'newer', 'newer'], 'reissue'],
  [['newer', 'newer', 'applied'], 'give-up'],
  [['newer', 'newer', 'timeout/timeout'], 'give-up'],
  [['newer', 'newer', 'pending'], 'await-pending'],
  [['applied', 'newer', 'pending'], 'give-up'],
  [['skipped/breaker-open', 'error/connection-down', 'skipped/breaker-open'], 'give-up'],
  [['newer', 'skipped/breaker-open', 'error/connection-down', 'newer'], 'reissue'],
  [['newer', 'newer', 'newer', 'applied'], 'give-up'],
  [['newer', 'newer', 'pending', 'pending', 'newer'], 'await-pending'],
  [['newer', 'newer', 'newer', 'newer', 'newer'], 'reissue'],
  [['newer', 'newer', 'newer', 'newer', 'timeout/timeout'], 'give-up'],
];

describe('Function: missedAttemptVerdict', () => {
  it.each(TABLE.map(([cells, verdict]) => [cells.join(', '), cells, verdict] as const))('answers %s with the verdict of the table', (_name, cells, verdict) => {
    // Prepare
    const { reports, failures } = attempt(cells);

    // Act
    const answer = missedAttemptVerdict(reports, failures);

    // Assess
    expect(answer).toBe(verdict);
  });

  it('never re-issues an attempt that some replica may hold, whatever the others said (every N = 1..5)', () => {
    const outcomes: Cell[] = ['newer', 'applied', 'pending', 'timeout/timeout', 'error/command-error', 'error/connection-down', 'skipped/breaker-open'];
    for (let n = 1; n <= 5; n += 1) {
      for (let code = 0; code < outcomes.length ** n; code += 1) {
        // Prepare: every combination of outcomes over n replicas.
        const cells = Array.from({ length: n }, (_, i) => outcomes[Math.floor(code / outcomes.length ** i) % outcomes.length]!);
        const { reports, failures } = attempt(cells);

        // Act
        const verdict = missedAttemptVerdict(reports, failures);

        // Assess
        const mayHold = reports.some((report, i) => report.outcome !== 'pending' && mayHoldWrite(report, failures[i]));
        if (verdict === 'reissue') expect(mayHold || reports.some((r) => r.outcome === 'pending')).toBe(false);
        if (verdict === 'reissue') expect(newestRefusal(reports)).toBeDefined();
        if (mayHold) expect(verdict).toBe('give-up');
      }
    }
  });
});
