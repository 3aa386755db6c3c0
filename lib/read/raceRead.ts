import { ReplicasUnavailableError } from '../core/errors';
import { fanOutBy, RACE, type ReadPath } from './hedgedFanOut';
import type { FanOutOptions, ReadProgress, ReadResult } from './readFanOut';
import type { ReplicaClient } from '../replica/connection';
import type { ReplicaSet } from '../replica/replicaSet';
import type { StoredEntry } from '../core/storedEntry';

/**
 * Consistency `one`: asks every replica in parallel and answers with the first entry that arrives, so the client
 * waits only for the fastest replica that has the key. "Missing" does not end the race (another may hold the key):
 * the answer is "not found" only once every replica has answered missing or failed. Hedged (`path`), it asks one
 * replica, and the next after a hedge delay or at once on a `missing` or failed answer.
 *
 * @throws {ReplicasUnavailableError} when no replica answered at all, so "not found" would be a guess.
 */
export async function raceRead<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  read: (client: Client) => Promise<StoredEntry | null>,
  options: FanOutOptions = {},
  path: ReadPath = RACE,
): Promise<ReadResult> {
  const round = await fanOutBy(path, 1, pool, read, foundAny, options);
  const first = round.replies.find((reply) => reply.entry !== null);
  if (first !== undefined) return { entry: first.entry, answeredBy: first.replica.name, round };
  if (round.replies.length > 0) return { entry: null, round };
  throw new ReplicasUnavailableError(round.reports);
}

function foundAny(progress: ReadProgress): boolean {
  return progress.replies.some((reply) => reply.entry !== null);
}
