import type { ReadRepairOutcome, RepairReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import { infoEnabled, logger } from '../logger';
import type { ReplicaSet } from '../replica/replicaSet';
import type { FanOutOptions, ReadRound } from './readFanOut';
import { applyRepair, planRepair, type RepairPlan } from './repairPlan';

/** `blocking`: repair before answering; `async`: right after answering, in the background; `off`: only report. */
export type ReadRepairMode = 'blocking' | 'async' | 'off';

/** What read repair needs, the same for every read. */
export interface ReadRepairSettings {
  readonly mode: ReadRepairMode;
  /** The replicas, with their breakers: repair inside a request must not wait on a replica known to be down. */
  readonly pool: ReplicaSet;
  readonly graceMs: number;
  /** Told of every replica found behind (`divergence-found`) and every one repaired (`read-repaired`). */
  readonly observer?: StoreObserver;
}

/** What read repair did with the replies a read answered from. */
export interface ReadRepairResult {
  /** The replicas found behind and the entry that brings them up to date; undefined when the replies agree. */
  readonly plan: RepairPlan | undefined;
  readonly repair: ReadRepairOutcome;
  /** The repair writes made before answering (blocking). */
  readonly repairs: readonly RepairReport[];
}

const NO_REPAIR: ReadRepairResult = { plan: undefined, repair: 'none', repairs: [] };
/** Blocking repair must see the replies that arrive with the answer (see `FanOutOptions.drain`). */
const DRAIN: FanOutOptions = { drain: true };
const ANSWER_AT_ONCE: FanOutOptions = {};

/**
 * Read repair for one read, as `READ_REPAIR` says: the one place where the modes differ, over the warm Redis
 * connections (never an AWS API). 1. {@link fanOut} tells the fan-out how to end. 2. {@link atAnswer} compares the
 * replies and reports (`off`), repairs before answering (`blocking`) or starts repairing (`async`) the replicas
 * behind; a quorum read's write-back was its repair ({@link afterWriteBack}). 3. With `async`, the late replies are
 * compared and repaired in the background, best effort: hints and anti-entropy catch what a frozen container misses.
 */
export class ReadRepair {
  readonly fanOut: FanOutOptions;
  /** True once the answer found replicas behind: the late replies then need no second look. */
  private handled = false;
  /** Replicas already reported behind by this read. */
  private reported: Set<string> | undefined;
  private readonly observer: StoreObserver;

  /** @param redisKey the key as stored (what repair writes). */
  constructor(
    private readonly settings: ReadRepairSettings,
    private readonly redisKey: string,
  ) {
    this.observer = settings.observer ?? NO_OBSERVER;
    this.fanOut =
      settings.mode === 'blocking'
        ? DRAIN
        : settings.mode === 'async'
          ? { onSettled: (round: ReadRound) => setImmediate(() => this.afterAnswer(round)) }
          : ANSWER_AT_ONCE;
  }

  /** Step 2: compares the replies the answer is based on and heals the replicas behind, as the mode says. */
  async atAnswer(round: ReadRound): Promise<ReadRepairResult> {
    const plan = planRepair(round.replies);
    this.handled = plan !== undefined;
    if (plan === undefined) return NO_REPAIR;
    this.reportBehind(plan.behind.map((replica) => replica.name));
    const { mode, pool, graceMs } = this.settings;
    if (mode === 'off') return { plan, repair: 'off', repairs: [] };
    if (mode === 'async') {
      void applyRepair(pool, this.redisKey, plan, graceMs).then((repairs) => this.reportRepaired(repairs));
      return { plan, repair: 'scheduled', repairs: [] };
    }
    const repairs = await applyRepair(pool, this.redisKey, plan, graceMs);
    this.reportRepaired(repairs);
    return { plan, repair: repairs.some((r) => r.outcome === 'repaired') ? 'repaired' : 'failed', repairs };
  }

  /**
   * Step 2 for a quorum read that wrote its answer back: the write-backs were its repair, whatever the mode. Behind
   * were the replies that lagged and the replicas a write-back brought up to date.
   */
  afterWriteBack(round: ReadRound, writeBacks: readonly RepairReport[]): ReadRepairResult {
    this.handled = true;
    const plan = planRepair(round.replies);
    const repaired = writeBacks.filter((report) => report.outcome === 'repaired').map((report) => report.node);
    this.reportBehind([...(plan?.behind ?? []).map((replica) => replica.name), ...repaired]);
    this.reportRepaired(writeBacks);
    const repair = repaired.length > 0 ? 'repaired' : plan === undefined ? 'none' : 'failed';
    return { plan, repair, repairs: writeBacks };
  }

  /** Step 3 (`async`): every replica has replied; repairs what the late replies show, if the answer did not. */
  private afterAnswer(round: ReadRound): void {
    if (this.handled) return;
    const plan = planRepair(round.replies);
    if (plan === undefined) return;
    const behind = plan.behind.map((replica) => replica.name);
    if (infoEnabled()) logger.info('read repair after the answer', { behind });
    this.reportBehind(behind);
    void applyRepair(this.settings.pool, this.redisKey, plan, this.settings.graceMs).then((repairs) => this.reportRepaired(repairs));
  }

  /** Reports the replicas found behind, each once per read. */
  private reportBehind(replicas: readonly string[]): void {
    this.reported ??= new Set();
    for (const replica of replicas) {
      if (this.reported.has(replica)) continue;
      this.reported.add(replica);
      this.observer.record({ type: 'divergence-found', replica, seenBy: 'read' });
    }
  }

  /** Reports the repair writes that brought a replica up to date (not those it refused or that failed). */
  private reportRepaired(repairs: readonly RepairReport[]): void {
    for (const report of repairs) {
      if (report.outcome === 'repaired') this.observer.record({ type: 'read-repaired', replica: report.node });
    }
  }
}
