import { parseVersion, type HybridLogicalClock, type Version } from '../core/hybridLogicalClock';
import type { ReplicaReport } from '../core/replicaOutcome';
import type { WriteResult } from '../core/results';
import type { ReplicaClient } from '../replica/connection';
import type { ApplyReply } from '../replica/replicaCommands';
import type { ReplicaSet } from '../replica/replicaSet';
import { CLOCK_UNCERTAINTY_MS, type StoreClock } from '../replica/storeClock';
import { mayHoldWrite, missedAttemptVerdict, newestRefusal } from './missedAttempt';
import { writeFanOut, WriteQuorumMissed } from './writeFanOut';

/** How many times a write is issued at most: the first time, and again above newer versions replicas reported. */
const MAX_WRITE_ATTEMPTS = 5;
/** How far above the newest refusal's time each re-issue goes, by the attempt that was refused (ms). */
const REISSUE_LEAD_MS: readonly number[] = [0, 2, 8, 32];
/** The longest commit wait: a failed write's version further ahead of the replicas' clock is not waited for. */
const COMMIT_WAIT_CAP_MS = 100;

/** What issuing one write needs. */
export interface WriteAttemptSettings<Client = ReplicaClient> {
  /** Acknowledgements the write needs (1, W or N). */
  readonly required: number;
  /** Stamps each attempt's version. */
  readonly clock: HybridLogicalClock;
  /** The command an attempt stamped `version` sends every replica (set-if-newer). */
  readonly applyAt: (version: Version) => (client: Client) => Promise<ApplyReply>;
  /**
   * Until when (`performance.now()`) a missed attempt may wait for its pending replicas to decide whether it may be
   * re-issued, and until when it may be re-issued at all: together they bound a write to about two node timeouts.
   */
  readonly deadlines: { readonly awaitPendingUntil: number; readonly reissueUntil: number };
}

/** How a write's attempts ended: the last one gathered its quorum, or every one missed it. */
export type IssuedWrite =
  | { readonly committed: true; readonly result: WriteResult; readonly attempts: number }
  | { readonly committed: false; readonly missed: readonly WriteQuorumMissed[] };

/**
 * Issues a write until an attempt gathers its quorum or misses it for good. A replica holding a newer version
 * refuses it; an attempt refusals left short is issued again above the newest version refused with, but only if it
 * landed nowhere and never will (`missedAttemptVerdict`): one that landed anywhere may have been read, and issuing it
 * again could bring it back above a later write. So **a write takes effect at most once**.
 */
export async function issueWrite<Client>(pool: ReplicaSet<Client>, settings: WriteAttemptSettings<Client>): Promise<IssuedWrite> {
  const { required, clock, applyAt, deadlines } = settings;
  const missed: WriteQuorumMissed[] = [];
  let version = clock.next();
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await writeFanOut(pool, required, version, applyAt(version));
      return { committed: true, result, attempts: attempt };
    } catch (error) {
      if (!(error instanceof WriteQuorumMissed)) throw error;
      missed.push(error);
      const above = attempt < MAX_WRITE_ATTEMPTS ? await reissueAbove(error, deadlines) : undefined;
      if (above === undefined) return { committed: false, missed };
      // Just above the first time, then further each time: a writer may keep writing the key within every round trip.
      version = clock.nextAbove(above, REISSUE_LEAD_MS[attempt - 1] ?? 0);
    }
  }
}

/** The version to issue a missed attempt again above, or undefined; pending replicas are awaited if they decide. */
async function reissueAbove(attempt: WriteQuorumMissed, deadlines: WriteAttemptSettings['deadlines']): Promise<Version | undefined> {
  let reports = attempt.replicas;
  let verdict = missedAttemptVerdict(reports, attempt.failures);
  if (verdict === 'await-pending' && performance.now() < deadlines.awaitPendingUntil) {
    const settled = await attempt.settled();
    reports = settled.reports;
    verdict = missedAttemptVerdict(reports, settled.failures);
  }
  const newer = newestRefusal(reports);
  return verdict === 'reissue' && newer !== undefined && performance.now() < deadlines.reissueUntil ? newer : undefined;
}

/**
 * Whether a write whose every attempt missed its quorum may still take effect, once all their replicas answered:
 * true when some replica may hold an attempt (`mayHoldWrite`). Such a write is not undone; a later quorum read or
 * repair may complete it. Before saying so it waits until the replicas' clock passed the last attempt's version by
 * the clocks' uncertainty (a commit wait of a few ms, only on this path): every write started after that carries a
 * higher version, so **a failed write never takes effect above a write that came after it**.
 */
export async function mayStillTakeEffect(
  missed: readonly WriteQuorumMissed[],
  clock: HybridLogicalClock,
  storeClock: StoreClock,
): Promise<boolean> {
  const settled = await Promise.all(missed.map((attempt) => attempt.settled()));
  const mayLand = settled.some(({ reports, failures }) => reports.some((report, i) => mayHoldWrite(report, failures[i])));
  for (const { reports } of settled) observeVersions(clock, reports);
  const last = missed[missed.length - 1];
  if (mayLand && last !== undefined) await commitWait(storeClock, last.version);
  return mayLand;
}

/**
 * Waits until every container reads the replicas' clock past `version`'s millisecond (this one's reading minus both
 * containers' uncertainty), so a write started anywhere after it orders above `version`. A version further ahead
 * than {@link COMMIT_WAIT_CAP_MS} (stamped above one from the future) is not waited for.
 */
async function commitWait(storeClock: StoreClock, version: Version): Promise<void> {
  const parsed = parseVersion(version);
  if (parsed === undefined) return;
  await storeClock.waitUntil(parsed.ms + 1 + 2 * CLOCK_UNCERTAINTY_MS, COMMIT_WAIT_CAP_MS);
}

/** Keeps `clock` ahead of every version the replicas reported, so this container's next write orders after them. */
export function observeVersions(clock: HybridLogicalClock, reports: readonly ReplicaReport[]): void {
  for (const report of reports) if (report.version !== undefined) clock.observe(report.version);
}
