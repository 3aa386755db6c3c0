import { ReadQuorumNotReachedError } from '../core/errors';
import type { RepairReport } from '../core/results';
import { compareEntries, sameEntry, type StoredEntry } from '../core/storedEntry';
import type { ReplicaClient } from '../replica/connection';
import type { ApplyReply } from '../replica/replicaCommands';
import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { readFanOut, type FanOutOptions, type ReadResult, type ReadRound } from './readFanOut';

/** What a quorum read needs to know about the store and how to read and write one replica. */
export interface QuorumReadSettings<Client = ReplicaClient> {
  /** Replies to wait for: N − W + 1 for `quorum`, N for `all`. */
  readonly required: number;
  /** Replicas that must hold the entry answered (the write quorum W): what makes it safe to hand out. */
  readonly writeQuorum: number;
  /** Reads the key from one replica. */
  readonly read: (client: Client) => Promise<StoredEntry | null>;
  /** Writes an entry back to one replica, set-if-newer (`applyEntry`). */
  readonly writeBack: (client: Client, entry: StoredEntry) => Promise<ApplyReply>;
  /** Rounds to try before giving up (a newer write racing the read starts a new round). Default 3. */
  readonly rounds?: number;
}

/** A quorum read's answer: the entry, the round it came from, and what was written back to make it safe. */
export interface QuorumReadResult extends ReadResult {
  /** The write-backs this read made (to replicas that lagged), empty when the replies agreed. */
  readonly writeBacks: readonly RepairReport[];
}

const DEFAULT_ROUNDS = 3;

/**
 * Consistency `quorum` or `all`: a read that is linearizable with quorum writes (ABD's read, with write-back).
 *
 * It waits for `required` replies and takes the newest entry among them. It answers with it only once a write
 * quorum of replicas holds it: at once when enough of the replies agree (the common case: one round trip);
 * otherwise it first writes the entry back to the replies that lag (set-if-newer, so nothing newer is overwritten)
 * and answers once W replicas hold it (one more round trip, only on divergence).
 *
 * Why: without the write-back a read could return a value that sits on one replica only (a write still in flight,
 * or one that failed) and a later read, asking other replicas, could return an older value: a "new-old inversion".
 * Once an answered entry sits on a write quorum, every later quorum read (R + W > N) sees it or something newer.
 * A write-back refused because a replica holds a newer entry means a newer write is racing this read: it reads
 * again, at most `rounds` times.
 *
 * @throws {ReadQuorumNotReachedError} when too few replicas answer, or no round could make its answer safe.
 */
export async function quorumRead<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  settings: QuorumReadSettings<Client>,
  options: FanOutOptions = {},
): Promise<QuorumReadResult> {
  const { required, writeQuorum, read, writeBack } = settings;
  const total = pool.replicas.length;
  const rounds = settings.rounds ?? DEFAULT_ROUNDS;
  let last: ReadRound | undefined;
  for (let attempt = 0; attempt < rounds; attempt += 1) {
    // Only the first round carries read repair's options (e.g. looking at replies that come after the answer).
    const round = await readFanOut(
      pool,
      read,
      (progress) => progress.replies.length >= required || total - progress.failed < required,
      attempt === 0 ? options : {},
    );
    last = round;
    if (round.replies.length < required) throw new ReadQuorumNotReachedError(round.replies.length, required, round.reports);

    let newest: StoredEntry | null = null;
    let answeredBy: string | undefined;
    for (const reply of round.replies) {
      if (answeredBy === undefined || compareEntries(reply.entry, newest) > 0) {
        newest = reply.entry;
        answeredBy = reply.replica.name;
      }
    }
    const entry = newest;
    const holders = round.replies.filter((reply) => sameEntry(reply.entry, entry)).length;
    const result = { entry, round, ...(answeredBy === undefined ? {} : { answeredBy }) };
    // Nothing anywhere among R replies: no write was acknowledged (any W replicas overlap these R).
    if (entry === null || holders >= writeQuorum) return { ...result, writeBacks: [] };

    const lagging = round.replies.filter((reply) => !sameEntry(reply.entry, entry)).map((reply) => reply.replica);
    const writeBacks = await Promise.all(lagging.map((replica) => writeBackTo(pool, replica, entry, writeBack)));
    const held = holders + writeBacks.filter((report) => report.outcome === 'repaired' || report.outcome === 'same').length;
    if (held >= writeQuorum) return { ...result, writeBacks };
  }
  throw new ReadQuorumNotReachedError(last?.replies.length ?? 0, required, last?.reports ?? []);
}

async function writeBackTo<Client>(
  pool: ReplicaSet<Client>,
  replica: ReplicaHandle,
  entry: StoredEntry,
  writeBack: (client: Client, entry: StoredEntry) => Promise<ApplyReply>,
): Promise<RepairReport> {
  const result = await pool.call(replica, (client) => writeBack(client, entry));
  if (!result.ok) return { node: replica.name, outcome: result.outcome, ms: result.ms };
  const outcome = result.value.kind === 'applied' ? 'repaired' : result.value.kind;
  return { node: replica.name, outcome, ms: result.ms };
}
