import { ReadQuorumNotReachedError } from '../core/errors';
import { readFanOut, type FanOutOptions, type ReadResult } from './readFanOut';
import type { ReplicaClient } from '../replica/connection';
import type { ReplicaSet } from '../replica/replicaSet';
import { newerEntry, type StoredEntry } from '../core/storedEntry';

/**
 * Consistency `quorum` or `all`: waits for `required` replicas to answer and returns the newest entry among them.
 *
 * Why: when the read and write quorums overlap (R + W > N), at least one of the replicas asked took every
 * acknowledged write, so a read that starts after a write was acknowledged returns that write or a newer one.
 *
 * @throws {ReadQuorumNotReachedError} as soon as too few replicas can answer.
 */
export async function quorumRead<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  required: number,
  read: (client: Client) => Promise<StoredEntry | null>,
  options: FanOutOptions = {},
): Promise<ReadResult> {
  const total = pool.replicas.length;
  const round = await readFanOut(
    pool,
    read,
    (progress) => progress.replies.length >= required || total - progress.failed < required,
    options,
  );
  if (round.replies.length < required) throw new ReadQuorumNotReachedError(round.replies.length, required, round.reports);
  let newest: StoredEntry | null = null;
  let answeredBy: string | undefined;
  for (const reply of round.replies) {
    const winner = newerEntry(newest, reply.entry);
    if (winner !== newest) {
      newest = winner;
      answeredBy = reply.replica.name;
    }
  }
  return { entry: newest, round, ...(answeredBy === undefined ? {} : { answeredBy }) };
}
