import { describe, expect, it } from 'vitest';
import type { ReplicaReport } from '../../../lib/core/replicaOutcome';
import { mayHoldWrite, newestRefusal } from '../../../lib/write/missedAttempt';
import { versionAt } from '../../support/fakeReplicaSet';

describe('Function: newestRefusal', () => {
  it('picks the newest version among the refusals, not the attempt\'s own version that acknowledgements carry', () => {
    // Prepare
    const reports: ReplicaReport[] = [
      { node: 'a', outcome: 'applied', ms: 1, version: versionAt(9) },
      { node: 'b', outcome: 'newer', ms: 1, version: versionAt(5) },
      { node: 'c', outcome: 'newer', ms: 1, version: versionAt(7) },
      { node: 'd', outcome: 'newer', ms: 1, version: versionAt(6) },
      { node: 'e', outcome: 'timeout', ms: 1 },
    ];

    // Act
    const newest = newestRefusal(reports);

    // Assess
    expect(newest).toBe(versionAt(7));
  });

  it('finds none when no replica refused', () => {
    // Assess
    expect(newestRefusal([{ node: 'a', outcome: 'applied', ms: 1, version: versionAt(9) }, { node: 'b', outcome: 'error', ms: 1 }])).toBeUndefined();
  });
});

describe('Function: mayHoldWrite', () => {
  it.each(['error', 'timeout', 'skipped'] as const)('assumes a replica that failed (%s) may hold the write when why is unknown', (outcome) => {
    // Assess
    expect(mayHoldWrite({ node: 'a', outcome, ms: 1 }, undefined)).toBe(true);
  });
});
