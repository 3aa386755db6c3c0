import type { HintReplayReport } from '../core/results';
import { logger } from '../logger';
import { rollbackEntry } from '../replica/replicaCommands';
import type { ReplicaSet } from '../replica/replicaSet';
import { clearHints, clearRollbackHints, hintedKeys, rollbackHints } from './hintedHandoff';
import { repairRedisKey } from './keyRepair';

/**
 * Hinted hand-off, second half: brings the replica `target` up to date on every key it is hinted to have missed,
 * and forgets those hints. Does nothing while `target` is unreachable: its hints stay for the next attempt.
 *
 * Why it stops at the first key `target` misses: the replica went away again, and its remaining hints are still
 * needed.
 *
 * @param pool the replicas as background work sees them (breakers ignored: `ReplicaPool.unguarded`).
 * @param undoTtlMs the rollback window, for the repair writes (see {@link repairRedisKey}).
 */
export async function replayHints(pool: ReplicaSet, target: string, undoTtlMs: number): Promise<HintReplayReport> {
  const replica = pool.replicas.find((candidate) => candidate.name === target);
  if (replica === undefined) return { target, status: 'down', keys: 0, repaired: 0 };
  const ping = await pool.call(replica, (client) => client.ping());
  if (!ping.ok) return { target, status: 'down', keys: 0, repaired: 0 };
  const keys = await hintedKeys(pool, target);
  const done: string[] = [];
  let repaired = 0;
  for (const redisKey of keys) {
    const report = await repairRedisKey(pool, redisKey, undoTtlMs);
    if (report.unreachable.includes(target)) break;
    repaired += report.repairs.filter((r) => r.node === target && r.outcome === 'repaired').length;
    done.push(redisKey);
  }
  await clearHints(pool, target, done);
  return { target, status: done.length === keys.length ? 'replayed' : 'down', keys: done.length, repaired };
}

/**
 * Applies on `target` the rollbacks it could not be sent while it was unreachable (it may have applied those
 * writes just before it crashed), then forgets them. Runs when a coordinator reconnects to a replica, before the
 * replica serves requests again, and at the start of every anti-entropy run.
 *
 * @param pool the replicas as background work sees them (breakers ignored: `ReplicaPool.unguarded`).
 * @param rememberMs how long the replica remembers each version as rolled back (the rollback window).
 * @returns how many rollbacks were applied.
 */
export async function replayRollbacks(pool: ReplicaSet, target: string, rememberMs: number): Promise<number> {
  const replica = pool.replicas.find((candidate) => candidate.name === target);
  if (replica === undefined) return 0;
  const hints = await rollbackHints(pool, target);
  const applied = [];
  for (const hint of hints) {
    const result = await pool.call(replica, (client) => rollbackEntry(client, hint.redisKey, hint.version, rememberMs));
    if (result.ok) applied.push(hint);
  }
  await clearRollbackHints(pool, target, applied);
  if (hints.length > 0) logger.info('rollbacks replayed', { target, rollbacks: applied.length });
  return applied.length;
}
