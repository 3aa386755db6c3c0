import type { CoordinatorConfig } from './config';
import { requiredReadReplies, requiredWriteAcks, type ConsistencyLevel, type ReadStrategy } from './core/consistency';
import { QuorumNotReachedError, ReadQuorumNotReachedError, ReplicasUnavailableError } from './core/errors';
import { HybridLogicalClock } from './core/hybridLogicalClock';
import type { OperationTiming } from './core/operationTiming';
import { isWriteMissed, loggedReplicas, type ReplicaReport } from './core/replicaOutcome';
import type {
  HintReplayReport,
  KeyRepairReport,
  ReadOutcome,
  ReadRepairOutcome,
  RepairReport,
  WriteResult,
} from './core/results';
import type { StoreObserver } from './core/storeEvents';
import { readsAsDeleted, type StoredEntry } from './core/storedEntry';
import { infoEnabled, logger } from './logger';
import type { ReadPath } from './read/hedgedFanOut';
import { quorumRead } from './read/quorumRead';
import { raceRead } from './read/raceRead';
import type { ReadResult } from './read/readFanOut';
import { ReadRepair, type ReadRepairSettings } from './read/readRepair';
import type { RepairPlan } from './read/repairPlan';
import { LatencyRecord } from './read/replicaLatency';
import { runAntiEntropy, type AntiEntropyOptions, type AntiEntropyReport } from './repair/antiEntropy';
import { HintRecorder } from './repair/hintRecorder';
import { replayHints } from './repair/hintReplay';
import { HintReplayScheduler } from './repair/hintReplayScheduler';
import { repairRedisKey } from './repair/keyRepair';
import type { RepairDispatcher } from './repair/repairDispatcher';
import type { ReplicaClient } from './replica/connection';
import { checkHealth, type StoreHealth } from './replica/health';
import { applyEntry, readEntry } from './replica/replicaCommands';
import { ReplicaPool } from './replica/replicaPool';
import { routedByKey } from './replica/replicaSet';
import { storageKey } from './replica/storageLayout';
import { StoreClock } from './replica/storeClock';
import { issueWrite, mayStillTakeEffect, observeVersions } from './write/writeAttempts';
import type { WriteQuorumMissed } from './write/writeFanOut';

/** Options of a write (`set` or `delete`). */
export interface WriteOptions {
  /** Replicas that must acknowledge; default from `WRITE_CONSISTENCY`. */
  readonly consistency?: ConsistencyLevel;
  /** Expire the key this many seconds from now, at the same absolute time on every replica. */
  readonly ttlSeconds?: number;
}

/** Options of a read. */
export interface ReadOptions {
  /** Replicas that must answer; default from `READ_CONSISTENCY`. */
  readonly consistency?: ConsistencyLevel;
  /** How to ask them: `race` (all at once) or `hedged` (the fastest first); default from `READ_STRATEGY`. */
  readonly strategy?: ReadStrategy;
}

/** Why every replica shows as failed when the replicas' clock could not be measured. */
const CLOCK_UNKNOWN = "no replica answered TIME within the node timeout: the replicas' clock is unknown";

/**
 * Makes several independent Redis servers behave as one replicated key-value store. "What happens on a write" and
 * "on a read" start here, each step in its own folder of `lib/`:
 * - a write ({@link Coordinator.set}, {@link Coordinator.delete}): `write/writeAttempts.ts` (attempts, re-issues,
 *   whether a failed write may still take effect), `write/writeFanOut.ts` (one attempt), `write/missedAttempt.ts`
 *   (when an attempt may be re-issued); `repair/hintRecorder.ts` for replicas that missed it;
 * - a read ({@link Coordinator.get}): `read/raceRead.ts` (level one) or `read/quorumRead.ts`, both over
 *   `read/readFanOut.ts`, then `read/readRepair.ts`;
 * - a repair: `repair/`; one replica, for all of them: `replica/`.
 *
 * What it does is reported as events (`core/storeEvents.ts`) to the observer its pool was built with: failed
 * quorums and hints here, repairs in `read/readRepair.ts`, hint replays and anti-entropy in `repair/`, node
 * timeouts and breaker openings in `replica/replicaPool.ts`. Metrics are an adapter's business (`aws/`).
 */
export class Coordinator {
  private readonly observer: StoreObserver;
  private readonly hintReplays: HintReplayScheduler;
  private readonly hints: HintRecorder;
  private readonly readRepairSettings: ReadRepairSettings;
  private readonly storeClock: StoreClock;
  private readonly storeClockReady: Promise<void>;
  /** The replicas' recent round trips, kept by every read, for hedged reads' order and delays. */
  private readonly latency: LatencyRecord;
  /** The two read paths, built once: a read picks one and allocates nothing for it. */
  private readonly readPaths: Readonly<Record<ReadStrategy, ReadPath>>;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly pool: ReplicaPool = new ReplicaPool(config),
    private readonly clock: HybridLogicalClock = new HybridLogicalClock(),
    /** Where hints are handed off to (the repair function); without one they are replayed in-process only. */
    dispatcher?: RepairDispatcher,
  ) {
    this.observer = pool.observer;
    this.readRepairSettings = { mode: config.readRepair, pool, graceMs: config.tombstoneGraceMs, observer: this.observer };
    this.latency = new LatencyRecord(pool.replicas.length, config.nodeTimeoutMs);
    this.readPaths = { race: { strategy: 'race', latency: this.latency }, hedged: { strategy: 'hedged', latency: this.latency } };
    // Versions and TTLs follow the replicas' clock, measured in the background (see StoreClock); the first request
    // waits for it if it has to.
    this.storeClock = new StoreClock(() => clock.wallTime(), (offsetMs) => clock.adjust(offsetMs));
    this.storeClockReady = this.storeClock.calibrate(pool.unguarded);
    // Hints are replayed in this container's background until gone, and at once for a replica it reconnects to.
    this.hintReplays = new HintReplayScheduler(async (target) => {
      const report = await this.replayHints(target);
      if (report.keys > 0) logger.info('hints replayed in the background', { ...report });
      return report;
    });
    pool.onReconnect((replica) => this.hintReplays.schedule(replica.name, { now: true }));
    this.hints = new HintRecorder(pool, this.hintReplays, this.observer, dispatcher);
  }

  /**
   * Writes `value` under `key`.
   *
   * @throws {QuorumNotReachedError} when too few replicas acknowledged; `rolledBack` says whether it may still land.
   */
  set(key: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write('set', key, value, options.ttlSeconds === undefined ? undefined : options.ttlSeconds * 1000, options.consistency);
  }

  /**
   * Deletes `key` by writing a versioned tombstone (kept `TOMBSTONE_GRACE_S`) through the write path, so a replica
   * that missed the delete cannot bring the key back: repair spreads the tombstone like any newer entry.
   *
   * @throws {QuorumNotReachedError} as {@link set}.
   */
  delete(key: string, options: Pick<WriteOptions, 'consistency'> = {}): Promise<WriteResult> {
    return this.write('delete', key, null, this.config.tombstoneGraceMs, options.consistency);
  }

  /**
   * Reads `key`: the first entry to arrive (`one`), or the newest among a read quorum or all replicas, asking every
   * replica at once (`race`) or the fastest first (`hedged`, `read/hedgedFanOut.ts`). Replicas found behind are
   * repaired as `READ_REPAIR` says.
   *
   * @throws {ReplicasUnavailableError} when no replica answered a `one` read, or the replicas' clock (what TTLs are
   *   judged by) is unknown.
   * @throws {ReadQuorumNotReachedError} when too few replicas answered a `quorum` or `all` read.
   */
  async get(key: string, options: ReadOptions = {}): Promise<ReadOutcome> {
    const startedAt = performance.now();
    const consistency = options.consistency ?? this.config.readConsistency;
    const path = this.readPaths[options.strategy ?? this.config.readStrategy];
    // TTLs are judged on the replicas' clock: a cold container measures it while the read's fan-out runs.
    const measured = this.storeClock.whenMeasured(this.pool.unguarded, this.config.nodeTimeoutMs);
    const redisKey = storageKey(key);
    const read = (client: ReplicaClient): Promise<StoredEntry | null> => readEntry(client, redisKey);
    // Read repair decides how the fan-out ends: it must see the replies it is to compare.
    const readRepair = new ReadRepair(this.readRepairSettings, redisKey);
    let result: ReadResult;
    let writeBacks: readonly RepairReport[] = [];
    try {
      if (consistency === 'one') {
        result = await raceRead(routedByKey(this.pool, redisKey), read, readRepair.fanOut, path);
      } else {
        const required = requiredReadReplies(consistency, this.config.writeQuorum, this.pool.replicas.length);
        const graceMs = this.config.tombstoneGraceMs;
        const certified = await quorumRead(
          routedByKey(this.pool, redisKey),
          { required, writeQuorum: this.config.writeQuorum, read, writeBack: (client, entry) => applyEntry(client, redisKey, entry, graceMs), path },
          readRepair.fanOut,
        );
        result = certified;
        writeBacks = certified.writeBacks;
      }
    } catch (error) {
      if (error instanceof ReadQuorumNotReachedError) {
        this.observer.record({ type: 'read-quorum-failed', consistency, answered: error.answered, required: error.required });
      } else if (error instanceof ReplicasUnavailableError) {
        this.observer.record({ type: 'read-quorum-failed', consistency, answered: 0, required: 1 });
      }
      throw withReadTiming(error, startedAt);
    }

    if (measured !== true && !(await measured)) throw new ReplicasUnavailableError(this.clockUnknownReports(), this.timingSince(startedAt));
    for (const reply of result.round.replies) if (reply.entry !== null) this.clock.observe(reply.entry.version);
    // A quorum read that wrote the newest entry back has repaired the replicas it heard from already.
    const { plan, repair, repairs } =
      writeBacks.length > 0 ? readRepair.afterWriteBack(result.round, writeBacks) : await readRepair.atAnswer(result.round);
    const outcome = toReadOutcome(result, consistency, plan, repairs, repair, this.storeClock.now(), startedAt);
    if (infoEnabled()) {
      logger.info('read', { operation: 'get', consistency, found: outcome.value !== null, repair, replicas: loggedReplicas(outcome.replicas) });
      logger.debug('read key', { key });
    }
    return outcome;
  }

  /** Brings every replica that answers to the newest entry of `key` (`repair/keyRepair.ts`); idempotent. */
  async repairKey(key: string): Promise<KeyRepairReport> {
    return this.repairRedisKey(storageKey(key));
  }

  /** {@link repairKey} for a key already mapped to its Redis key (as hints and anti-entropy hold them). */
  repairRedisKey(redisKey: string): Promise<KeyRepairReport> {
    return repairRedisKey(this.pool.unguarded, redisKey, this.config.tombstoneGraceMs);
  }

  /** Hinted hand-off, second half: brings `target` up to date on the keys hinted for it (`repair/hintReplay.ts`). */
  replayHints(target: string): Promise<HintReplayReport> {
    return replayHints(this.pool.unguarded, target, this.config.tombstoneGraceMs, this.observer);
  }

  /** Resolves once the replicas' clock is measured or given up on: for tests and scripts with skewed clocks. */
  whenClockCalibrated(): Promise<void> {
    return this.storeClockReady;
  }

  /** Each replica's reachability and breaker state, and whether a write quorum is reachable now. */
  health(): Promise<StoreHealth> {
    return checkHealth(this.pool, this.config.writeQuorum);
  }

  /** One anti-entropy run (see `runAntiEntropy`): compares every key on every replica and repairs what differs. */
  antiEntropy(options: Partial<AntiEntropyOptions> & Pick<AntiEntropyOptions, 'budgetMs'>): Promise<AntiEntropyReport> {
    return runAntiEntropy(
      this.pool.unguarded,
      { batch: this.config.antiEntropyBatch, ...options },
      this.config.tombstoneGraceMs,
      this.observer,
    );
  }

  /** Stops the background hint replays and closes the connections to every replica. */
  async close(): Promise<void> {
    this.hintReplays.close();
    await this.pool.close();
  }

  /**
   * The write path of `set` and `delete`: wait for the replicas' clock, which stamps versions and expiries; issue the
   * write, re-issued above newer versions only while no replica can hold it (a write takes effect at most once); if
   * every attempt missed its quorum, fail, saying whether it may still take effect, after a commit wait if it may (a
   * failed write never takes effect above a later one); else hint the replicas that missed it, and answer.
   *
   * @param expiresInMs the entry's expiry, in ms from now (a TTL, or a tombstone's grace).
   */
  private async write(
    operation: 'set' | 'delete',
    key: string,
    value: string | null,
    expiresInMs: number | undefined,
    level: ConsistencyLevel | undefined,
  ): Promise<WriteResult> {
    const startedAt = performance.now();
    const consistency = level ?? this.config.writeConsistency;
    const required = requiredWriteAcks(consistency, this.config.writeQuorum, this.pool.replicas.length);
    const measured = this.storeClock.whenMeasured(this.pool.unguarded, this.config.nodeTimeoutMs);
    if (measured !== true && !(await measured)) {
      const replicas = this.clockUnknownReports();
      const timing = this.timingSince(startedAt);
      throw new QuorumNotReachedError({ version: this.clock.next(), acknowledged: 0, required, replicas, rolledBack: true, timing, attempts: 0 });
    }
    const expiresAt = expiresInMs === undefined ? undefined : this.storeClock.now() + expiresInMs;
    const redisKey = storageKey(key);
    const graceMs = this.config.tombstoneGraceMs;
    const issued = await issueWrite(routedByKey(this.pool, redisKey), {
      required,
      clock: this.clock,
      deadlines: { awaitPendingUntil: startedAt + this.config.nodeTimeoutMs, reissueUntil: startedAt + 2 * this.config.nodeTimeoutMs },
      applyAt: (version) => {
        const entry: StoredEntry = { version, value, ...(expiresAt === undefined ? {} : { expiresAt }) };
        return (client) => applyEntry(client, redisKey, entry, graceMs);
      },
    });
    if (!issued.committed) throw await this.failedWrite(operation, consistency, issued.missed, startedAt);

    const { result, attempts } = issued;
    if (infoEnabled()) {
      logger.info('write', { operation, consistency, attempt: attempts, acknowledged: result.acknowledged, replicas: loggedReplicas(result.replicas) });
      logger.debug('write key', { key });
    }
    await this.hintMissed(redisKey, result);
    return {
      ...result,
      attempts,
      startedAt,
      answeredAt: performance.now(),
      ...(expiresAt === undefined || value === null ? {} : { expiresAt }),
    };
  }

  /**
   * Hints for the replicas a committed write missed: stored before the answer, so they outlive a container frozen
   * right after it; replicas still pending then that fail later are hinted as long as this container is awake.
   */
  private async hintMissed(redisKey: string, result: WriteResult): Promise<void> {
    if (result.replicas.some((report) => isWriteMissed(report.outcome))) await this.hints.record(redisKey, result.replicas);
    void result.settled.then((reports) => {
      observeVersions(this.clock, reports);
      const late = reports.filter((report, i) => isWriteMissed(report.outcome) && result.replicas[i]?.outcome === 'pending');
      if (late.length > 0) void this.hints.record(redisKey, reports, late.map((r) => r.node));
    });
  }

  /** The error of a write whose every attempt missed its quorum, once it is known whether it may still land. */
  private async failedWrite(
    operation: 'set' | 'delete',
    consistency: ConsistencyLevel,
    missed: readonly WriteQuorumMissed[],
    startedAt: number,
  ): Promise<QuorumNotReachedError> {
    const last = missed[missed.length - 1]!;
    const mayLand = await mayStillTakeEffect(missed, this.clock, this.storeClock);
    const { acknowledged, required, replicas, failures } = last;
    logger.warn('write failed', { operation, consistency, attempts: missed.length, mayStillTakeEffect: mayLand, replicas: loggedReplicas(replicas) });
    this.observer.record({ type: 'write-quorum-failed', operation, consistency, acknowledged, required, rolledBack: !mayLand });
    return new QuorumNotReachedError({
      version: last.version,
      acknowledged,
      required,
      replicas,
      rolledBack: !mayLand,
      failures,
      timing: this.timingSince(startedAt),
      attempts: missed.length,
    });
  }

  /** Every replica reported as unusable because no replica answered `TIME` (see {@link StoreClock}). */
  private clockUnknownReports(): ReplicaReport[] {
    return this.pool.replicas.map((replica) => ({ node: replica.name, outcome: 'error', ms: 0, error: CLOCK_UNKNOWN }));
  }

  private timingSince(startedAt: number): OperationTiming {
    return { startedAt, answeredAt: performance.now() };
  }
}

/** Marks the replicas a read found behind as `stale`, or `repaired` once repair brought them up to date. */
function markBehind(reports: readonly ReplicaReport[], plan: RepairPlan, repairs: readonly RepairReport[]): ReplicaReport[] {
  const behind = new Set(plan.behind.map((replica) => replica.name));
  const repaired = new Set(repairs.filter((r) => r.outcome === 'repaired').map((r) => r.node));
  return reports.map((report): ReplicaReport =>
    repaired.has(report.node)
      ? { ...report, outcome: 'repaired', version: plan.newest.version }
      : behind.has(report.node) && report.outcome === 'found'
        ? { ...report, outcome: 'stale' }
        : report,
  );
}

/** A read error with the read's timing, which the fan-outs that threw it do not know; any other error unchanged. */
function withReadTiming(error: unknown, startedAt: number): unknown {
  const timing = { startedAt, answeredAt: performance.now() };
  if (error instanceof ReadQuorumNotReachedError) {
    return new ReadQuorumNotReachedError({ answered: error.answered, required: error.required, replicas: error.replicas, timing });
  }
  if (error instanceof ReplicasUnavailableError) return new ReplicasUnavailableError(error.replicas, timing);
  return error;
}

/** Shapes a read's answer: live value or nothing, each replica's outcome (stale and repaired marked), its timing. */
function toReadOutcome(
  result: ReadResult,
  consistency: ConsistencyLevel,
  plan: RepairPlan | undefined,
  repairs: readonly RepairReport[],
  repair: ReadRepairOutcome,
  now: number,
  startedAt: number,
): ReadOutcome {
  const replicas = plan === undefined ? result.round.reports : markBehind(result.round.reports, plan, repairs);
  const entry = result.entry;
  const deleted = entry === null || readsAsDeleted(entry, now);
  return {
    value: deleted ? null : entry.value,
    ...(entry === null ? {} : { version: entry.version }),
    ...(!deleted && entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}),
    consistency,
    replicas,
    repair,
    answeredBy: consistency === 'one' ? result.answeredBy : undefined,
    startedAt,
    quorumAt: consistency === 'one' ? undefined : result.round.decidedAt,
    answeredAt: performance.now(),
  };
}
