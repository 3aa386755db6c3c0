import { readFanOut } from '../read/readFanOut';
import { applyRepair, planRepair } from '../read/repairPlan';
import type { KeyRepairReport } from '../core/results';
import { readEntry } from '../replica/replicaCommands';
import type { ReplicaSet } from '../replica/replicaSet';
import { userKeyOf } from '../replica/storageLayout';

/**
 * Reads one key from every replica (waiting for all, each bounded by the node timeout) and brings every replica that
 * answered to the newest entry: the repair function's unit of work, and what hint replay and anti-entropy do for each
 * key they find.
 *
 * Why wait for every replica: unlike a read, repair is not in a hurry, and a replica that did not answer cannot be
 * repaired; it is reported as `unreachable` so the caller can retry later. Idempotent (set-if-newer), so retries
 * are harmless.
 *
 * @param pool the replicas as background work sees them (breakers ignored: `ReplicaPool.unguarded`).
 * @param redisKey the key as stored (see `storageKey`), as hints and anti-entropy hold it.
 * @param graceMs the tombstone grace, for the repair writes (see `applyEntry`).
 */
export async function repairRedisKey(pool: ReplicaSet, redisKey: string, graceMs: number): Promise<KeyRepairReport> {
  const key = userKeyOf(redisKey) ?? redisKey;
  const round = await readFanOut(pool, (client) => readEntry(client, redisKey), () => false);
  const plan = planRepair(round.replies);
  const repairs = plan === undefined ? [] : await applyRepair(pool, redisKey, plan, graceMs);
  const newest = plan?.newest ?? round.replies.find((reply) => reply.entry !== null)?.entry ?? undefined;
  const unreachable = round.reports.filter((r) => r.outcome === 'error' || r.outcome === 'timeout').map((r) => r.node);
  return { key, ...(newest ? { newestVersion: newest.version } : {}), repairs, unreachable };
}
