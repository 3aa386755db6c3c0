import type { HintReplayReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import type { ReplicaSet } from '../replica/replicaSet';
import { clearHints, hintedKeys, type Hint } from './hintedHandoff';
import { repairRedisKey } from './keyRepair';

/**
 * Hinted hand-off, second half: brings the replica `target` up to date on every key it is hinted to have missed,
 * and forgets the hints of the keys it is now up to date on. Does nothing while `target` is unreachable: its hints
 * stay for the next attempt.
 *
 * A hint is forgotten only once `target` provably holds the newest entry (repaired, or already there) and only if
 * it was not recorded again meanwhile (`clearHints`); a key whose repair write to `target` failed keeps its hint.
 * It stops at the first key `target` cannot be reached for: the replica went away again, and its remaining hints
 * are still needed.
 *
 * Runs when a coordinator sees its connection to `target` come back, in the repair function, and in anti-entropy.
 *
 * @param pool the replicas as background work sees them (breakers ignored: `ReplicaPool.unguarded`).
 * @param graceMs the tombstone grace, for the repair writes.
 * @param observer told how many hinted keys were handled (`hints-replayed`), when there were any.
 */
export async function replayHints(
  pool: ReplicaSet,
  target: string,
  graceMs: number,
  observer: StoreObserver = NO_OBSERVER,
): Promise<HintReplayReport> {
  const replica = pool.replicas.find((candidate) => candidate.name === target);
  if (replica === undefined) return { target, status: 'down', keys: 0, repaired: 0 };
  const ping = await pool.call(replica, (client) => client.ping());
  if (!ping.ok) return { target, status: 'down', keys: 0, repaired: 0 };
  const hints = await hintedKeys(pool, target);
  const done: Hint[] = [];
  let repaired = 0;
  let reachable = true;
  for (const hint of hints) {
    const report = await repairRedisKey(pool, hint.redisKey, graceMs);
    if (report.unreachable.includes(target)) {
      reachable = false;
      break;
    }
    const onTarget = report.repairs.find((r) => r.node === target);
    // Not behind (no repair needed), repaired, or holding something newer already: up to date. Anything else
    // (the write failed or timed out) keeps the hint.
    if (onTarget === undefined || onTarget.outcome === 'repaired' || onTarget.outcome === 'newer') {
      if (onTarget?.outcome === 'repaired') repaired += 1;
      done.push(hint);
    }
  }
  await clearHints(pool, target, done);
  if (done.length > 0) observer.record({ type: 'hints-replayed', replica: target, keys: done.length });
  return { target, status: reachable && done.length === hints.length ? 'replayed' : 'down', keys: done.length, repaired };
}
