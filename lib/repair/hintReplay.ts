import type { HintReplayReport, RepairReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import type { ReplicaSet } from '../replica/replicaSet';
import { clearHints, hintedKeys, type Hint } from './hintedHandoff';
import { repairRedisKey } from './keyRepair';

/**
 * Hinted hand-off, second half: brings the replica `target` up to date on every key it is hinted to have missed,
 * and forgets the hints of the keys it is now up to date on. Does nothing while `target` is unreachable: its hints
 * stay for the next attempt.
 *
 * It reads the hints in batches (`HINT_REPLAY_BATCH`) and goes on, batch after batch, until none remain: `replayed`
 * means that the last read found no hint left for `target`. It reports `down`, with its hints kept, as soon as
 * `target` cannot be reached for a key (the replica went away again), a repair write to `target` failed, or a batch
 * forgot no hint (each was recorded again meanwhile, or the replicas that hold them could not be told): some hints
 * remain, and the next attempt replays them.
 *
 * A hint is forgotten only once `target` provably holds the newest entry (repaired, or already there), on each
 * replica only if it was not recorded again there meanwhile (`clearHints`).
 *
 * Runs in the background of the coordinator that recorded the hints and of one that sees `target` reconnect
 * (`hintReplayScheduler.ts`), in the repair function, and in anti-entropy.
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

/** One batch of a replay: the hints of the keys `target` is now up to date on, and whether that is all of them. */
interface ReplayedBatch {
  readonly upToDate: readonly Hint[];
  readonly repaired: number;
  /** False when it stopped early (`target` unreachable) or a key's repair write to `target` failed. */
  readonly complete: boolean;
}

const UP_TO_DATE: ReadonlySet<RepairReport['outcome']> = new Set(['repaired', 'same', 'newer']);

async function replayBatch(pool: ReplicaSet, target: string, hints: readonly Hint[], graceMs: number): Promise<ReplayedBatch> {
  const upToDate: Hint[] = [];
  let repaired = 0;
  for (const hint of hints) {
    const report = await repairRedisKey(pool, hint.redisKey, graceMs);
    // The replica went away again: its remaining hints are still needed.
    if (report.unreachable.includes(target)) return { upToDate, repaired, complete: false };
    const onTarget = report.repairs.find((r) => r.node === target);
    // Not behind (no repair needed), repaired, holding it or something newer already: up to date. Anything else
    // (the write failed or timed out) keeps the hint.
    if (onTarget === undefined || UP_TO_DATE.has(onTarget.outcome)) {
      if (onTarget?.outcome === 'repaired') repaired += 1;
      upToDate.push(hint);
    }
  }
  return { upToDate, repaired, complete: upToDate.length === hints.length };
}
