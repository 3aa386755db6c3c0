import type { ReplicaRead } from './readFanOut';
import type { ReplicaClient } from '../replica/connection';
import { applyEntry, type ApplyReply } from '../replica/replicaCommands';
import { routedByKey, type ReplicaHandle, type ReplicaSet } from '../replica/replicaSet';
import type { RepairReport } from '../core/results';
import { compareEntries, newerEntry, type StoredEntry } from '../core/storedEntry';

/** Which replicas are behind, and the entry that brings them up to date. */
export interface RepairPlan {
  readonly newest: StoredEntry;
  /** Replicas that answered with nothing or with an older version. */
  readonly behind: readonly ReplicaHandle[];
}

/** The replicas among a read's replies missing the newest entry; undefined when the replies agree. */
export function planRepair(replies: readonly ReplicaRead[]): RepairPlan | undefined {
  let newest: StoredEntry | null = null;
  for (const reply of replies) newest = newerEntry(newest, reply.entry);
  if (newest === null) return undefined;
  const target = newest;
  const behind = replies.filter((reply) => compareEntries(reply.entry, target) < 0).map((reply) => reply.replica);
  return behind.length === 0 ? undefined : { newest: target, behind };
}

/**
 * Brings the replicas behind to the newest entry with the writes' set-if-newer script, so repair never clobbers a
 * newer write; the entry travels unchanged, absolute expiry included.
 */
export async function applyRepair(
  pool: ReplicaSet,
  redisKey: string,
  plan: RepairPlan,
  graceMs: number,
): Promise<RepairReport[]> {
  const apply = (client: ReplicaClient): Promise<ApplyReply> => applyEntry(client, redisKey, plan.newest, graceMs);
  const routed = routedByKey(pool, redisKey);
  return Promise.all(plan.behind.map((replica) => repairReplica(routed, replica, apply)));
}

/** Writes an entry to one replica with `apply` (set-if-newer) and reports what that did, `repaired` if it took it. */
export async function repairReplica<Client>(
  pool: ReplicaSet<Client>,
  replica: ReplicaHandle,
  apply: (client: Client) => Promise<ApplyReply>,
): Promise<RepairReport> {
  const result = await pool.call(replica, apply);
  if (!result.ok) return { node: replica.name, outcome: result.outcome, ms: result.ms };
  return { node: replica.name, outcome: result.value.kind === 'applied' ? 'repaired' : result.value.kind, ms: result.ms };
}
