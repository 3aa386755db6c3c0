import type { HintReplayReport, RepairReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import type { ReplicaSet } from '../replica/replicaSet';
import { clearHints, hintedKeys, type Hint } from './hintedHandoff';
import { repairRedisKey } from './keyRepair';

/**
 * Hinted hand-off, second half: brings `target` up to date on every key it is hinted to have missed, batch after
 * batch until none remain (`replayed`). It stops with `down`, hints kept for the next attempt, as soon as `target`
 * is unreachable, a repair write to it failed, or a batch forgot no hint. A hint is forgotten only once `target`
 * provably holds the newest entry, and on each replica only if not recorded again there meanwhile (`clearHints`).
 *
 * @param pool the replicas as background work sees them (`ReplicaPool.unguarded`).
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
  let keys = 0;
  let repaired = 0;
  let status: HintReplayReport['status'] = 'down';
  for (;;) {
    const hints = await hintedKeys(pool, target);
    if (hints.length === 0) {
      status = 'replayed';
      break;
    }
    const batch = await replayBatch(pool, target, hints, graceMs);
    const cleared = await clearHints(pool, target, batch.upToDate);
    keys += batch.upToDate.length;
    repaired += batch.repaired;
    if (!batch.complete || cleared === 0) break;
  }
  if (keys > 0) observer.record({ type: 'hints-replayed', replica: target, keys });
  return { target, status, keys, repaired };
}

/** One batch of a replay: the hints of the keys `target` is now up to date on. */
interface ReplayedBatch {
  readonly upToDate: readonly Hint[];
  readonly repaired: number;
  /** False when it stopped early or a repair write to `target` failed. */
  readonly complete: boolean;
}

const UP_TO_DATE: ReadonlySet<RepairReport['outcome']> = new Set(['repaired', 'same', 'newer']);

async function replayBatch(pool: ReplicaSet, target: string, hints: readonly Hint[], graceMs: number): Promise<ReplayedBatch> {
  const upToDate: Hint[] = [];
  let repaired = 0;
  for (const hint of hints) {
    const report = await repairRedisKey(pool, hint.redisKey, graceMs);
    if (report.unreachable.includes(target)) return { upToDate, repaired, complete: false };
    const onTarget = report.repairs.find((r) => r.node === target);
    // Up to date unless the repair write to it failed: that keeps the hint.
    if (onTarget === undefined || UP_TO_DATE.has(onTarget.outcome)) {
      if (onTarget?.outcome === 'repaired') repaired += 1;
      upToDate.push(hint);
    }
  }
  return { upToDate, repaired, complete: upToDate.length === hints.length };
}
