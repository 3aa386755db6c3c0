import type { CoordinatorConfig } from './config';
import { requiredReadReplies, requiredWriteAcks, type ConsistencyLevel } from './core/consistency';
import { QuorumNotReachedError, ReadQuorumNotReachedError, ReplicasUnavailableError } from './core/errors';
import { HybridLogicalClock, parseVersion, type Version } from './core/hybridLogicalClock';
import type { OperationTiming } from './core/operationTiming';
import { isWriteAcknowledged, isWriteMissed, loggedReplicas, type ReplicaReport } from './core/replicaOutcome';
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
import { quorumRead } from './read/quorumRead';
import { raceRead } from './read/raceRead';
import type { ReadResult } from './read/readFanOut';
import { ReadRepair, type ReadRepairSettings } from './read/readRepair';
import type { RepairPlan } from './read/repairPlan';
import { runAntiEntropy, type AntiEntropyOptions, type AntiEntropyReport } from './repair/antiEntropy';
import { recordHints } from './repair/hintedHandoff';
import { replayHints } from './repair/hintReplay';
import { HintReplayScheduler } from './repair/hintReplayScheduler';
import { repairRedisKey } from './repair/keyRepair';
import type { RepairDispatcher } from './repair/repairDispatcher';
import type { ReplicaClient } from './replica/connection';
import { checkHealth, type StoreHealth } from './replica/health';
import { applyEntry, readEntry } from './replica/replicaCommands';
import { ReplicaPool, type Replica } from './replica/replicaPool';
import { storageKey } from './replica/storageLayout';
import { CLOCK_UNCERTAINTY_MS, StoreClock } from './replica/storeClock';
import { mayHoldWrite, missedAttemptVerdict, newestRefusal } from './write/missedAttempt';
import { writeFanOut, WriteQuorumMissed } from './write/writeFanOut';

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
}

/** How many times a write is issued at most: the first time, and again above newer versions replicas reported. */
const MAX_WRITE_ATTEMPTS = 5;
/** The longest commit wait: a failed write's version further ahead of the replicas' clock is not waited for. */
const COMMIT_WAIT_CAP_MS = 100;
/** Why every replica shows as failed when the replicas' clock could not be measured. */
const CLOCK_UNKNOWN = "no replica answered TIME within the node timeout: the replicas' clock is unknown";
/** How far above the newest refusal's time each re-issue goes, by the attempt that was refused (ms). */
const REISSUE_LEAD_MS: readonly number[] = [0, 2, 8, 32];

/** At most one hand-off per missed replica per container and interval: the repair function replays all its hints. */
const HINT_DISPATCH_INTERVAL_MS = 1_000;

/**
 * Makes several independent Redis servers behave as one replicated key-value store.
 *
 * This is where "what happens on a write" and "what happens on a read" can be read top to bottom; the mechanics
 * live in the layers it calls, each in its own folder of `lib/`:
 * - a write ({@link Coordinator.set}, {@link Coordinator.delete}): `write/writeFanOut.ts` (fan-out, quorum
 *   counting, fail-fast; a refused write is re-issued above the newer version here, in `write`); for replicas that missed it
 *   `repair/hintedHandoff.ts` and the repair dispatcher;
 * - a read ({@link Coordinator.get}): `read/raceRead.ts` (level one) or `read/quorumRead.ts`, both over
 *   `read/readFanOut.ts`, then `read/readRepair.ts` for what `READ_REPAIR` does with replicas found behind;
 * - a repair ({@link Coordinator.repairKey}, {@link Coordinator.replayHints}, {@link Coordinator.antiEntropy}):
 *   `repair/`;
 * - one replica, for all of them: `replica/` (connection, breaker, commands, Lua scripts, storage layout).
 *
 * What it does is reported as events (`core/storeEvents.ts`) to the observer its pool was built with: failed
 * quorums and hints here, repairs in `read/readRepair.ts`, hint replays and anti-entropy in `repair/`, node
 * timeouts and breaker openings in `replica/replicaPool.ts`. Metrics are an adapter's business (`aws/`).
 */
export class Coordinator {
  private readonly observer: StoreObserver;
  /** When (`performance.now()`) this container last handed each missed replica to the repair function. */
  private readonly lastHintDispatch = new Map<string, number>();
  private readonly hintReplays: HintReplayScheduler;
  private readonly readRepairSettings: ReadRepairSettings;
  private readonly storeClock: StoreClock;
  private readonly storeClockReady: Promise<void>;

  constructor(
    private readonly config: CoordinatorConfig,
    private readonly pool: ReplicaPool = new ReplicaPool(config),
    private readonly clock: HybridLogicalClock = new HybridLogicalClock(),
    /** Where hints are handed off to (the repair function); without one they are replayed in-process only. */
    private readonly dispatcher?: RepairDispatcher,
  ) {
    this.observer = pool.observer;
    this.readRepairSettings = { mode: config.readRepair, pool, graceMs: config.tombstoneGraceMs, observer: this.observer };
    // Versions and TTLs follow the replicas' clock, measured in the background (see StoreClock); the first request
    // waits for it if it has to.
    this.storeClock = new StoreClock(() => clock.wallTime(), (offsetMs) => clock.adjust(offsetMs));
    this.storeClockReady = this.storeClock.calibrate(pool.unguarded);
    // Hints this container records are replayed in its background until they are gone (also after a pause, which
    // drops no connection), and a replica it reconnects to (it restarted, or the network healed) gets the writes it
    // missed at once, from the hints the others keep: no waiting for anti-entropy or a repair function.
    this.hintReplays = new HintReplayScheduler(async (target) => {
      const report = await this.replayHints(target);
      if (report.keys > 0) logger.info('hints replayed in the background', { ...report });
      return report;
    });
    pool.onReconnect((replica) => this.hintReplays.schedule(replica.name, { now: true }));
  }

  /**
   * Writes `value` under `key`.
   *
   * @throws {QuorumNotReachedError} when too few replicas acknowledged; its `rolledBack` says whether the write may
   *   still take effect.
   */
  set(key: string, value: string, options: WriteOptions = {}): Promise<WriteResult> {
    return this.write('set', key, value, options.ttlSeconds === undefined ? undefined : options.ttlSeconds * 1000, options.consistency);
  }

  /**
   * Deletes `key` by writing a versioned tombstone through the same quorum path as a value, so that a replica that
   * missed the delete cannot bring the key back: repair spreads the tombstone like any newer entry. The tombstone
   * expires after `TOMBSTONE_GRACE_S`.
   *
   * @throws {QuorumNotReachedError} when too few replicas acknowledged (see {@link set}).
   */
  delete(key: string, options: Pick<WriteOptions, 'consistency'> = {}): Promise<WriteResult> {
    return this.write('delete', key, null, this.config.tombstoneGraceMs, options.consistency);
  }

  /**
   * Reads `key` at the requested consistency: the first entry to arrive (`one`), or the newest among a read quorum
   * or all replicas. Replicas found behind in the replies available are repaired as `READ_REPAIR` says.
   *
   * @throws {ReplicasUnavailableError} when no replica answered a `one` read, or the replicas' clock, which TTLs are
   *   judged by, could not be measured.
   * @throws {ReadQuorumNotReachedError} when too few replicas answered a `quorum` or `all` read.
   */
  async get(key: string, options: ReadOptions = {}): Promise<ReadOutcome> {
    const startedAt = performance.now();
    const consistency = options.consistency ?? this.config.readConsistency;
    // TTLs are judged on the replicas' clock: a cold container measures it while the read's fan-out runs.
    const measured = this.storeClock.whenMeasured(this.pool.unguarded, this.config.nodeTimeoutMs);
    const redisKey = storageKey(key);
    const read = (client: ReplicaClient): Promise<StoredEntry | null> => readEntry(client, redisKey);
    // Read repair decides how the fan-out ends (see ReadRepair): it must see the replies it is to compare.
    const readRepair = new ReadRepair(this.readRepairSettings, redisKey);
    let result: ReadResult;
    let writeBacks: readonly RepairReport[] = [];
    try {
      if (consistency === 'one') {
        result = await raceRead(this.pool, read, readRepair.fanOut);
      } else {
        const required = requiredReadReplies(consistency, this.config.writeQuorum, this.pool.replicas.length);
        const graceMs = this.config.tombstoneGraceMs;
        const certified = await quorumRead(
          this.pool,
          { required, writeQuorum: this.config.writeQuorum, read, writeBack: (client, entry) => applyEntry(client, redisKey, entry, graceMs) },
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

  /**
   * Reads `key` from every replica (waiting for all, each bounded by the node timeout) and brings every replica that
   * answered to the newest entry. Idempotent: the repair function and anti-entropy call it, and retries are harmless.
   */
  async repairKey(key: string): Promise<KeyRepairReport> {
    return this.repairRedisKey(storageKey(key));
  }

  /** {@link repairKey} for a key already mapped to its Redis key (as hints and anti-entropy hold them). */
  repairRedisKey(redisKey: string): Promise<KeyRepairReport> {
    return repairRedisKey(this.pool.unguarded, redisKey, this.config.tombstoneGraceMs);
  }

  /**
   * Hinted hand-off, second half: brings the replica `target` up to date on every key it is hinted to have missed,
   * and forgets those hints (see `lib/repair/hintReplay.ts`).
   */
  replayHints(target: string): Promise<HintReplayReport> {
    return replayHints(this.pool.unguarded, target, this.config.tombstoneGraceMs, this.observer);
  }

  /**
   * Resolves once this container has measured the replicas' clock (what TTLs are judged by), or given up; requests
   * never wait for it. For tests and scripts that start with skewed clocks.
   */
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
   * The write path shared by `set` and `delete`: stamp a version, send it to every replica, answer on the quorum.
   *
   * A replica that holds a newer version refuses the write. When refusals leave an attempt short of its quorum, it
   * is issued again above the newest version refused with (at most {@link MAX_WRITE_ATTEMPTS} times, within about
   * one node timeout), but only if that attempt landed nowhere and never will (`write/missedAttempt.ts`): an attempt
   * that landed anywhere may have been read, and issuing it again could bring it back above a later write. So **a
   * write takes effect at most once**.
   *
   * A write that misses its quorum is not undone (see README "Guarantees"): the error says whether it may still
   * take effect (`rolledBack: false`: it landed somewhere, or a replica timed out with it in flight) or certainly
   * never will (`rolledBack: true`). Before saying it may, it waits until the replicas' clock has passed its version
   * by the clocks' uncertainty (a commit wait of a few ms, only on this path): every write started after this answer
   * then carries a higher version, so **a failed write never takes effect above a write that came after it**.
   *
   * @param expiresInMs the entry's expiry, in ms from now on the replicas' clock (a TTL, or a tombstone's grace).
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
      throw new QuorumNotReachedError({
        version: this.clock.next(),
        acknowledged: 0,
        required,
        replicas: this.clockUnknownReports(),
        rolledBack: true,
        timing: this.timingSince(startedAt),
        attempts: 0,
      });
    }
    const expiresAt = expiresInMs === undefined ? undefined : this.storeClock.now() + expiresInMs;
    const redisKey = storageKey(key);
    const graceMs = this.config.tombstoneGraceMs;
    const reissueUntil = startedAt + this.config.nodeTimeoutMs;
    const missedAttempts: WriteQuorumMissed[] = [];
    let version = this.clock.next();
    for (let attempt = 1; ; attempt += 1) {
      const entry: StoredEntry = { version, value, ...(expiresAt === undefined ? {} : { expiresAt }) };
      try {
        const result = await writeFanOut(this.pool, required, version, (client) => applyEntry(client, redisKey, entry, graceMs));
        if (infoEnabled()) {
          logger.info('write', { operation, consistency, attempt, acknowledged: result.acknowledged, replicas: loggedReplicas(result.replicas) });
          logger.debug('write key', { key });
        }
        // The hints are stored before answering (Redis, bounded by the node timeout), so they outlive a container
        // frozen right after the answer; the hand-off to the repair function (an AWS call) is not waited for.
        if (result.replicas.some((report) => isWriteMissed(report.outcome))) await this.handOffMissed(redisKey, result.replicas);
        // Replicas still pending at the answer may fail later: hint them too, as far as this container stays awake.
        void result.settled.then((reports) => {
          this.observe(reports);
          const late = reports.filter((report, i) => isWriteMissed(report.outcome) && result.replicas[i]?.outcome === 'pending');
          if (late.length > 0) void this.handOffMissed(redisKey, reports, late.map((r) => r.node));
        });
        return {
          ...result,
          attempts: attempt,
          startedAt,
          answeredAt: performance.now(),
          ...(expiresAt === undefined || value === null ? {} : { expiresAt }),
        };
      } catch (error) {
        if (!(error instanceof WriteQuorumMissed)) throw error;
        missedAttempts.push(error);
        const mayReissue = (): boolean => attempt < MAX_WRITE_ATTEMPTS && performance.now() < reissueUntil;
        let reports = error.replicas;
        let verdict = missedAttemptVerdict(reports, error.failures);
        if (verdict === 'await-pending' && mayReissue()) {
          const settled = await error.settled();
          reports = settled.reports;
          verdict = missedAttemptVerdict(reports, settled.failures);
        }
        const newer = newestRefusal(reports);
        if (verdict === 'reissue' && newer !== undefined && mayReissue()) {
          // Just above the first time; then further each time, in case a writer keeps writing the key within every
          // round trip.
          version = this.clock.nextAbove(newer, REISSUE_LEAD_MS[attempt - 1] ?? 0);
          continue;
        }
        throw await this.failedWrite(operation, consistency, version, error, missedAttempts, startedAt, attempt);
      }
    }
  }

  /**
   * The error a write that missed its quorum answers with, once what is known about it is known: it waits (at most
   * a node timeout) for the replicas still pending, to say whether any attempt may land, and if one may, for the
   * commit wait (see {@link write}).
   */
  private async failedWrite(
    operation: 'set' | 'delete',
    consistency: ConsistencyLevel,
    version: Version,
    error: WriteQuorumMissed,
    missedAttempts: readonly WriteQuorumMissed[],
    startedAt: number,
    attempts: number,
  ): Promise<QuorumNotReachedError> {
    const settled = await Promise.all(missedAttempts.map((missed) => missed.settled()));
    const mayLand = settled.some(({ reports, failures }) => reports.some((report, i) => mayHoldWrite(report, failures[i])));
    for (const { reports } of settled) this.observe(reports);
    if (mayLand) await this.commitWait(version);
    logger.warn('write failed', { operation, consistency, attempts, mayStillTakeEffect: mayLand, replicas: loggedReplicas(error.replicas) });
    this.observer.record({
      type: 'write-quorum-failed',
      operation,
      consistency,
      acknowledged: error.acknowledged,
      required: error.required,
      rolledBack: !mayLand,
    });
    return new QuorumNotReachedError({
      version,
      acknowledged: error.acknowledged,
      required: error.required,
      replicas: error.replicas,
      rolledBack: !mayLand,
      failures: error.failures,
      timing: this.timingSince(startedAt),
      attempts,
    });
  }

  /**
   * Waits until every container reads the replicas' clock past `version`'s time: this one's reading minus both
   * containers' uncertainty. A write started anywhere after that stamps a later millisecond, so it orders above
   * `version`. A version further ahead than {@link COMMIT_WAIT_CAP_MS} (stamped above a version from the future, see
   * README "Versions") is not waited for.
   */
  private async commitWait(version: Version): Promise<void> {
    const parsed = parseVersion(version);
    if (parsed === undefined) return;
    await this.storeClock.waitUntil(parsed.ms + 1 + 2 * CLOCK_UNCERTAINTY_MS, COMMIT_WAIT_CAP_MS);
  }

  /** Every replica reported as unusable because no replica answered `TIME` (see {@link StoreClock}). */
  private clockUnknownReports(): ReplicaReport[] {
    return this.pool.replicas.map((replica) => ({ node: replica.name, outcome: 'error', ms: 0, error: CLOCK_UNKNOWN }));
  }

  private timingSince(startedAt: number): OperationTiming {
    return { startedAt, answeredAt: performance.now() };
  }

  /**
   * Hinted hand-off, first half: when a committed write missed some replicas (error, timeout, breaker open), stores
   * durable hints on the replicas that took it, schedules their replay in this container's background (until the
   * hints are gone, see `HintReplayScheduler`), and hands the missed replicas to the repair function when one is
   * configured (at most once a second per replica and container; the repair function replays all their hints at
   * once). No request waits on the hand-off (an AWS API call) or the replay.
   */
  private async handOffMissed(redisKey: string, reports: readonly ReplicaReport[], only?: readonly string[]): Promise<void> {
    const missed = only ?? reports.filter((report) => isWriteMissed(report.outcome)).map((report) => report.node);
    if (missed.length === 0) return;
    const holders: Replica[] = this.pool.replicas.filter((_, i) => isWriteAcknowledged(reports[i]?.outcome ?? 'pending'));
    const stored = await recordHints(this.pool, redisKey, missed, holders).catch(() => 0);
    logger.info('hints recorded', { missed, storedOn: stored });
    if (stored > 0) {
      for (const replica of missed) {
        this.observer.record({ type: 'hint-queued', replica });
        this.hintReplays.schedule(replica);
      }
    }
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) return;
    const now = performance.now();
    const due = missed.filter((target) => {
      const last = this.lastHintDispatch.get(target);
      return last === undefined || now - last >= HINT_DISPATCH_INTERVAL_MS;
    });
    if (due.length === 0) return;
    for (const target of due) this.lastHintDispatch.set(target, now);
    // Not awaited: no request waits on an AWS API. A failed hand-off loses nothing: the replay scheduled above runs
    // in this container's background anyway.
    void dispatcher.dispatch({ hintsFor: due, reason: 'hints' }).then((handed) => {
      if (!handed) logger.warn('hint hand-off failed; replaying in-process only', { hintsFor: due });
    });
  }

  /** Keeps the clock ahead of every version seen on a replica. */
  private observe(reports: readonly ReplicaReport[]): void {
    for (const report of reports) if (report.version !== undefined) this.clock.observe(report.version);
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

/**
 * The read errors a client sees, given the read's timing for traces (the fan-outs that throw them do not know when
 * the operation started); any other error unchanged.
 */
function withReadTiming(error: unknown, startedAt: number): unknown {
  const timing = { startedAt, answeredAt: performance.now() };
  if (error instanceof ReadQuorumNotReachedError) {
    return new ReadQuorumNotReachedError({ answered: error.answered, required: error.required, replicas: error.replicas, timing });
  }
  if (error instanceof ReplicasUnavailableError) return new ReplicasUnavailableError(error.replicas, timing);
  return error;
}

/**
 * Shapes a read's answer: live value or nothing, each replica's outcome with stale and repaired ones marked, and
 * when it started, reached its quorum (levels quorum and all) and answered (now).
 */
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
