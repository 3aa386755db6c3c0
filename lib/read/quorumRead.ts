import { quorumProgress, quorumReadStep, type ReadTally } from '../core/consistency';
import { ReadQuorumNotReachedError } from '../core/errors';
import type { ReplicaReport } from '../core/replicaOutcome';
import type { RepairReport } from '../core/results';
import { compareEntries, sameEntry, type StoredEntry } from '../core/storedEntry';
import type { ReplicaClient } from '../replica/connection';
import type { ApplyReply } from '../replica/replicaCommands';
import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { fanOutBy, RACE, type ReadPath } from './hedgedFanOut';
import type { FanOutOptions, ReadResult, ReplicaRead } from './readFanOut';
import { repairReplica } from './repairPlan';

/** What a quorum read needs: its quorum sizes, and how to read and write one replica. */
export interface QuorumReadSettings<Client = ReplicaClient> {
  /** Replies to wait for (R, `requiredReadReplies`). */
  readonly required: number;
  /** Replicas that must hold the entry answered (W): what makes it safe to hand out. */
  readonly writeQuorum: number;
  readonly read: (client: Client) => Promise<StoredEntry | null>;
  /** Writes an entry back to one replica, set-if-newer. */
  readonly writeBack: (client: Client, entry: StoredEntry) => Promise<ApplyReply>;
  /** Rounds to try (a newer write racing the read starts another). @default 5 */
  readonly rounds?: number;
  /** Race (every replica at once) or hedged (the R fastest first, the others after the hedge delay). @default RACE */
  readonly path?: ReadPath;
}

/** A quorum read's answer, and what was written back to make it safe. */
export interface QuorumReadResult extends ReadResult {
  /** The write-backs answered by the read's answer (those in flight go on, unlisted); empty when W replies held it. */
  readonly writeBacks: readonly RepairReport[];
}

const DEFAULT_ROUNDS = 5;

/**
 * Consistency `quorum` or `all`: ABD's read with write-back, linearizable with quorum writes for every N and W. It
 * takes the newest entry among R replies and answers once W replicas hold it (`quorumReadStep`): at once when W
 * replies do, else after writing it back (set-if-newer) to every replica not known to hold it, replied or not.
 *
 * Without the write-back a value that sits on one replica only (a write in flight, or one that failed) could be
 * returned, then an older one by a later read: a new-old inversion. Writing back to all N, not only the R that
 * replied, is what lets W > R work. A write-back refused as older means a newer write races the read: it reads again.
 * A hedged read only changes when replicas are asked: `quorumReadStep` still judges every round.
 *
 * @throws {ReadQuorumNotReachedError} when fewer than R replicas answer, or the entry could not be made to sit on W.
 */
export async function quorumRead<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  settings: QuorumReadSettings<Client>,
  options: FanOutOptions = {},
): Promise<QuorumReadResult> {
  const { required, writeQuorum, read, writeBack } = settings;
  const rounds = settings.rounds ?? DEFAULT_ROUNDS;
  const isDecided = (progress: { readonly replies: readonly ReplicaRead[]; readonly pending: number }): boolean =>
    quorumReadStep(tallyOf(progress.replies, progress.pending).tally, required, writeQuorum) !== 'wait';
  let failure: ReadQuorumNotReachedError | undefined;
  for (let attempt = 0; attempt < rounds; attempt += 1) {
    // Only the first round carries read repair's options.
    const round = await fanOutBy(settings.path ?? RACE, required, pool, read, isDecided, attempt === 0 ? options : {});
    const { newest, answeredBy, tally } = tallyOf(round.replies, round.pending);
    const step = quorumReadStep(tally, required, writeQuorum);
    if (step === 'unreachable') throw new ReadQuorumNotReachedError({ answered: round.replies.length, required, replicas: round.reports });
    const result = { entry: newest, round, ...(answeredBy === undefined ? {} : { answeredBy }) };
    if (step === 'answer' || newest === null) return { ...result, writeBacks: [] };

    const entry = newest;
    const holders = new Set(round.replies.filter((reply) => sameEntry(reply.entry, entry)).map((reply) => reply.replica));
    const targets = pool.replicas.filter((replica) => !holders.has(replica));
    const written = await writeBackQuorum(pool, targets, entry, writeBack, writeQuorum - holders.size);
    if (written.won) return { ...result, writeBacks: written.reports };
    failure = new ReadQuorumNotReachedError({
      answered: holders.size + written.held,
      required: writeQuorum,
      replicas: withWriteBacks(round.reports, written.reports),
    });
    if (!written.refusedAsNewer) throw failure;
  }
  throw failure ?? new ReadQuorumNotReachedError({ answered: 0, required, replicas: [] });
}

/** The newest entry among the replies, the replica that answered it first, and the counts `quorumReadStep` needs. */
function tallyOf(replies: readonly ReplicaRead[], pending: number): { newest: StoredEntry | null; answeredBy: string | undefined; tally: ReadTally } {
  let newest: StoredEntry | null = null;
  let answeredBy: string | undefined;
  for (const reply of replies) {
    if (answeredBy === undefined || compareEntries(reply.entry, newest) > 0) {
      newest = reply.entry;
      answeredBy = reply.replica.name;
    }
  }
  let holders = 0;
  for (const reply of replies) if (sameEntry(reply.entry, newest)) holders += 1;
  return { newest, answeredBy, tally: { replies: replies.length, holders, pending, found: newest !== null } };
}

/** How a write-back ended, and what each replica that answered did. */
interface WriteBackOutcome {
  readonly won: boolean;
  /** Replicas that took the entry, or already held it. */
  readonly held: number;
  /** True when a replica refused it as older (a write racing the read). */
  readonly refusedAsNewer: boolean;
  readonly reports: readonly RepairReport[];
}

/** Writes `entry` back to `targets` in parallel; resolves once `needed` of them hold it, or cannot. */
function writeBackQuorum<Client>(
  pool: ReplicaSet<Client>,
  targets: readonly ReplicaHandle[],
  entry: StoredEntry,
  writeBack: (client: Client, entry: StoredEntry) => Promise<ApplyReply>,
  needed: number,
): Promise<WriteBackOutcome> {
  return new Promise((resolve) => {
    const reports: RepairReport[] = [];
    let held = 0;
    let pending = targets.length;
    let refusedAsNewer = false;
    let decided = false;
    const decide = (): void => {
      const progress = quorumProgress(held, pending, needed);
      // A refusal means a newer write races the read: the next round reads it at once rather than wait on replicas
      // that may take a node timeout to answer (their write-backs carry on, set-if-newer).
      if (decided || (progress === 'pending' && !refusedAsNewer)) return;
      decided = true;
      resolve({ won: progress === 'won', held, refusedAsNewer, reports: reports.slice() });
    };
    for (const replica of targets) {
      void repairReplica(pool, replica, (client) => writeBack(client, entry)).then((report) => {
        reports.push(report);
        pending -= 1;
        if (report.outcome === 'repaired' || report.outcome === 'same') held += 1;
        if (report.outcome === 'newer') refusedAsNewer = true;
        decide();
      });
    }
    decide();
  });
}

/** The read's reports, with the outcome of each write-back that failed or was refused in place of the read's. */
function withWriteBacks(reports: readonly ReplicaReport[], writeBacks: readonly RepairReport[]): ReplicaReport[] {
  const refused = new Map(writeBacks.filter((r) => r.outcome !== 'repaired' && r.outcome !== 'same').map((r) => [r.node, r]));
  return reports.map((report) => {
    const writeBack = refused.get(report.node);
    return writeBack === undefined ? report : { node: report.node, outcome: writeBack.outcome as ReplicaReport['outcome'], ms: writeBack.ms };
  });
}

