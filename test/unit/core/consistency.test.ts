import { describe, expect, it } from 'vitest';
import {
  CONSISTENCY_LEVELS,
  quorumProgress,
  quorumReadStep,
  requiredReadReplies,
  requiredWriteAcks,
  type QuorumReadStep,
} from '../../../lib/core/consistency';

/**
 * The quorum arithmetic as data, one row per configuration (N replicas, write quorum W), in the way of etcd raft's
 * `quorum/testdata`: what each level's write waits for (acknowledgements), what each level's read waits for
 * (replies), and after how many agreeing replies a healthy `quorum` and `all` read answers (no write-back).
 */
const SIZES = `
  N W | write: one quorum all | read: one quorum all | healthy read answers after: quorum all
  1 1 |        1   1      1   |       1   1      1   |                             1      1
  2 1 |        1   1      2   |       1   2      2   |                             2      2
  2 2 |        1   2      2   |       1   1      2   |                             2      2
  3 1 |        1   1      3   |       1   3      3   |                             3      3
  3 2 |        1   2      3   |       1   2      3   |                             2      3
  3 3 |        1   3      3   |       1   1      3   |                             3      3
  4 1 |        1   1      4   |       1   4      4   |                             4      4
  4 2 |        1   2      4   |       1   3      4   |                             3      4
  4 3 |        1   3      4   |       1   2      4   |                             3      4
  4 4 |        1   4      4   |       1   1      4   |                             4      4
  5 1 |        1   1      5   |       1   5      5   |                             5      5
  5 2 |        1   2      5   |       1   4      5   |                             4      5
  5 3 |        1   3      5   |       1   3      5   |                             3      5
  5 4 |        1   4      5   |       1   2      5   |                             4      5
  5 5 |        1   5      5   |       1   1      5   |                             5      5
`;

/**
 * What a quorum read does next, given its replies so far: `replies` received, `holders` of them holding the newest
 * entry (`-` when no reply holds any entry: then every reply holds "nothing"), `pending` still to come.
 */
const STEPS = `
  N W R | replies holders pending | step
  3 2 2 |    0       0       3    | wait
  3 2 2 |    1       1       2    | wait
  3 2 2 |    2       2       1    | answer
  3 2 2 |    2       1       1    | write-back
  3 2 2 |    2       -       1    | answer
  3 2 2 |    1       1       0    | unreachable
  3 2 3 |    2       2       1    | wait
  3 2 3 |    3       1       0    | write-back
  3 3 1 |    1       1       2    | wait
  3 3 1 |    2       2       1    | wait
  3 3 1 |    3       3       0    | answer
  3 3 1 |    2       1       1    | write-back
  3 3 1 |    2       2       0    | write-back
  3 3 1 |    1       -       2    | wait
  3 3 1 |    2       -       0    | answer
  3 3 1 |    0       0       0    | unreachable
  2 2 1 |    1       1       1    | wait
  2 2 1 |    1       1       0    | write-back
  4 3 2 |    2       2       2    | wait
  4 3 2 |    3       2       1    | write-back
  4 3 2 |    3       3       1    | answer
  5 4 2 |    2       1       3    | wait
  5 4 2 |    3       1       2    | write-back
  5 4 2 |    4       3       1    | write-back
  5 1 5 |    4       1       1    | wait
  5 1 5 |    5       1       0    | answer
`;

/** The rows of a table above: its lines after the header, split into cells at spaces and `|`. */
function rows(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/[\s|]+/).filter((cell) => cell !== ''));
}

/** The replies after which a healthy read (every reply holding the same entry) answers, following the steps. */
function healthyAnswerAfter(replicaCount: number, writeQuorum: number, required: number): number {
  for (let replies = 0; replies <= replicaCount; replies += 1) {
    const step = quorumReadStep({ replies, holders: replies, pending: replicaCount - replies, found: true }, required, writeQuorum);
    if (step === 'answer') return replies;
    if (step !== 'wait') throw new Error(`a healthy read stepped to ${step} after ${replies} replies`);
  }
  throw new Error('a healthy read never answered');
}

describe('Module: consistency (the quorum arithmetic)', () => {
  describe('Function: requiredWriteAcks and requiredReadReplies', () => {
    it.each(rows(SIZES).map((cells) => cells.map(Number)))(
      'with N=%i and W=%i: writes wait for %i, %i, %i acks and reads for %i, %i, %i replies; healthy reads answer after %i and %i',
      (n, w, ...expected) => {
        // Act
        const acks = CONSISTENCY_LEVELS.map((level) => requiredWriteAcks(level, w!, n!));
        const replies = CONSISTENCY_LEVELS.map((level) => requiredReadReplies(level, w!, n!));
        const healthy = [healthyAnswerAfter(n!, w!, replies[1]!), healthyAnswerAfter(n!, w!, replies[2]!)];

        // Assess
        expect([...acks, ...replies, ...healthy]).toEqual(expected);
      },
    );

    it('covers every N from 1 to 5 with every W from 1 to N, and every quorum read overlaps every quorum write', () => {
      // Prepare
      const sizes = rows(SIZES).map(([n, w]) => [Number(n), Number(w)] as const);

      // Assess
      expect(sizes).toEqual([1, 2, 3, 4, 5].flatMap((n) => Array.from({ length: n }, (_, i) => [n, i + 1] as const)));
      for (const [n, w] of sizes) expect(requiredReadReplies('quorum', w, n) + requiredWriteAcks('quorum', w, n)).toBeGreaterThan(n);
    });
  });

  describe('Function: quorumReadStep', () => {
    it.each(rows(STEPS))('with N=%s, W=%s, R=%s after %s replies (%s holding the newest) and %s pending: %s', (n, w, r, replies, holders, pending, step) => {
      // Prepare
      const tally = { replies: Number(replies), holders: holders === '-' ? Number(replies) : Number(holders), pending: Number(pending), found: holders !== '-' };
      expect(tally.replies + tally.pending).toBeLessThanOrEqual(Number(n));

      // Act
      const next = quorumReadStep(tally, Number(r), Number(w));

      // Assess
      expect(next).toBe(step as QuorumReadStep);
    });

    it('for every N, W and tally: answers only with W holders or nothing to write back, writes back only an entry, waits only for replies that can come', () => {
      for (let n = 1; n <= 5; n += 1) {
        for (let w = 1; w <= n; w += 1) {
          for (const required of [requiredReadReplies('quorum', w, n), n]) {
            for (let replies = 0; replies <= n; replies += 1) {
              for (let pending = 0; replies + pending <= n; pending += 1) {
                for (let holders = 0; holders <= replies; holders += 1) {
                  for (const found of [true, false]) {
                    if (!found && holders !== replies) continue;
                    // Act
                    const step = quorumReadStep({ replies, holders, pending, found }, required, w);

                    // Assess
                    const where = `N=${n} W=${w} R=${required} replies=${replies} holders=${holders} pending=${pending} found=${found}`;
                    if (replies + pending < required) expect(step, where).toBe('unreachable');
                    else if (step === 'answer') expect(replies >= required && (holders >= w || !found), where).toBe(true);
                    else if (step === 'write-back') expect(replies >= required && found && holders < w, where).toBe(true);
                    else expect([step, pending > 0], where).toEqual(['wait', true]);
                    // Waits only while waiting can still avoid a write-back, and never past W replies.
                    if (step === 'wait' && replies >= required) expect(replies < w && holders + pending >= w, where).toBe(true);
                  }
                }
              }
            }
          }
        }
      }
    });
  });

  describe('Function: quorumProgress', () => {
    it.each([
      [2, 0, 2, 'won'],
      [1, 1, 2, 'pending'],
      [1, 0, 2, 'lost'],
      [0, 3, 3, 'pending'],
      [0, 2, 3, 'lost'],
      [3, 0, 3, 'won'],
    ] as const)('with %i holders and %i pending of a quorum of %i: %s', (holders, pending, needed, progress) => {
      // Assess
      expect(quorumProgress(holders, pending, needed)).toBe(progress);
    });
  });
});
