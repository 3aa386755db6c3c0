import { isWriteAcknowledged, isWriteMissed, type ReplicaReport } from '../core/replicaOutcome';
import type { StoreObserver } from '../core/storeEvents';
import { logger } from '../logger';
import type { ReplicaSet } from '../replica/replicaSet';
import { recordHints } from './hintedHandoff';
import type { HintReplayScheduler } from './hintReplayScheduler';
import type { RepairDispatcher } from './repairDispatcher';

/** At most one hand-off per missed replica per container and interval: the repair function replays all its hints. */
const HINT_DISPATCH_INTERVAL_MS = 1_000;

/**
 * Hinted hand-off, first half: for a committed write that missed some replicas, stores durable hints on those that
 * took it, schedules their replay in this container's background, and hands the missed replicas to the repair
 * function if there is one. Nothing waits on the hand-off, and losing it loses nothing: the replay runs anyway.
 */
export class HintRecorder {
  /** When (`performance.now()`) this container last handed each missed replica to the repair function. */
  private readonly lastDispatch = new Map<string, number>();

  constructor(
    private readonly pool: ReplicaSet,
    private readonly replays: HintReplayScheduler,
    private readonly observer: StoreObserver,
    private readonly dispatcher: RepairDispatcher | undefined,
  ) {}

  /** Records, on the replicas that acknowledged the write, hints for those that missed it (or those in `only`). */
  async record(redisKey: string, reports: readonly ReplicaReport[], only?: readonly string[]): Promise<void> {
    const missed = only ?? reports.filter((report) => isWriteMissed(report.outcome)).map((report) => report.node);
    if (missed.length === 0) return;
    const holders = this.pool.replicas.filter((_, i) => isWriteAcknowledged(reports[i]?.outcome ?? 'pending'));
    const stored = await recordHints(this.pool, redisKey, missed, holders).catch(() => 0);
    logger.info('hints recorded', { missed, storedOn: stored });
    if (stored > 0) {
      for (const replica of missed) {
        this.observer.record({ type: 'hint-queued', replica });
        this.replays.schedule(replica);
      }
    }
    this.dispatch(missed);
  }

  /** Hands the replicas not handed off within the interval to the repair function, without waiting. */
  private dispatch(missed: readonly string[]): void {
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) return;
    const now = performance.now();
    const due = missed.filter((target) => {
      const last = this.lastDispatch.get(target);
      return last === undefined || now - last >= HINT_DISPATCH_INTERVAL_MS;
    });
    if (due.length === 0) return;
    for (const target of due) this.lastDispatch.set(target, now);
    void dispatcher.dispatch({ hintsFor: due, reason: 'hints' }).then((handed) => {
      if (!handed) logger.warn('hint hand-off failed; replaying in-process only', { hintsFor: due });
    });
  }
}
