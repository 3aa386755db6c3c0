import { readFanOut } from '../read/readFanOut';
import { applyRepair, planRepair } from '../read/repairPlan';
import type { KeyRepairReport } from '../core/results';
import { readEntry } from '../replica/replicaCommands';
import { routedByKey, type ReplicaSet } from '../replica/replicaSet';
import { userKeyOf } from '../replica/storageLayout';

/**
 * Reads one key from every replica, waiting for all, and brings those that answered to the newest entry (the unit
 * of work of the repair function, hint replay and anti-entropy); the others are reported `unreachable`.
 *
 * @param pool the replicas as background work sees them (`ReplicaPool.unguarded`).
 */
export async function repairRedisKey(pool: ReplicaSet, redisKey: string, graceMs: number): Promise<KeyRepairReport> {
  const key = userKeyOf(redisKey) ?? redisKey;
  const round = await readFanOut(routedByKey(pool, redisKey), (client) => readEntry(client, redisKey), () => false);
  const plan = planRepair(round.replies);
  const repairs = plan === undefined ? [] : await applyRepair(pool, redisKey, plan, graceMs);
  const newest = plan?.newest ?? round.replies.find((reply) => reply.entry !== null)?.entry ?? undefined;
  const unreachable = round.reports.filter((r) => r.outcome === 'error' || r.outcome === 'timeout').map((r) => r.node);
  return { key, ...(newest ? { newestVersion: newest.version } : {}), repairs, unreachable };
}
