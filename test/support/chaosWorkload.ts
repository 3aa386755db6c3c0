import { QuorumNotReachedError, ReadQuorumNotReachedError, type Coordinator, type ReplicaReport } from '../../lib';
import { HistoryRecorder } from '../checker/historyRecorder';

/** One coordinator (a Lambda container) taking part in a chaos workload, and the clock skew it runs with. */
export interface WorkloadCoordinator {
  readonly name: string;
  readonly coordinator: Coordinator;
  /** How far this container's clock is off (ms, positive: ahead), for the record. */
  readonly skewMs: number;
  /** Whether its clients write values with a TTL. */
  readonly ttlWrites: boolean;
}

/** The mix of a workload: what fraction of operations are reads, deletes and TTL'd puts; the rest are plain puts. */
export interface WorkloadMix {
  readonly reads: number;
  readonly deletes: number;
  readonly ttlPuts: number;
  /** TTL of TTL'd puts, in whole seconds. */
  readonly ttlSeconds: number;
}

const DEFAULT_MIX: WorkloadMix = { reads: 0.45, deletes: 0.1, ttlPuts: 0.1, ttlSeconds: 1 };

/**
 * A steady, recorded mix of quorum writes, deletes and quorum reads from several sequential clients on each
 * coordinator, over a small set of keys, as a linearizability history.
 *
 * Why a history and not invariants: a checker over what every client saw (invocation, return, outcome) catches
 * stale reads, lost acknowledged writes and values that came back, with no assumption about how the store works.
 * Every put writes a value unique in the run, so a read names the write it saw.
 */
export class ChaosWorkload {
  readonly recorder = new HistoryRecorder();
  private running = false;
  private loops: Promise<void>[] = [];
  private sequence = 0;
  /** The slowest operation that returned (ok or failed) while {@link markFault} was on, in ms. */
  slowestDuringFaultMs = 0;
  /** Operations that did not return ok while the fault was on (each a short description). */
  readonly failuresDuringFault: string[] = [];
  /**
   * Writes during the fault that lost a race: a replica refused them because a concurrent write of a higher version
   * reached it first, and they had landed elsewhere, so they fail (`rolled_back: false`) rather than be issued again.
   */
  readonly racesLostDuringFault: string[] = [];
  /**
   * Replica errors, seen anywhere in the run (also in operations that succeeded, and in replies that came after the
   * answer), that a Redis Cluster client must follow or avoid rather than pass on: a redirection (`MOVED`, `ASK`) or
   * keys of one command in different slots (`CROSSSLOT`, or ioredis' own pipeline check). Each as `replica: error`.
   */
  readonly slotRoutingErrors: string[] = [];
  private readonly settling: Promise<void>[] = [];
  private faultOn = false;

  constructor(
    private readonly coordinators: readonly WorkloadCoordinator[],
    private readonly keys: readonly string[],
    private readonly clientsPerCoordinator = 2,
    private readonly mix: WorkloadMix = DEFAULT_MIX,
  ) {}

  /** Starts every client's loop. */
  start(): void {
    this.running = true;
    this.loops = this.coordinators.flatMap((member) =>
      Array.from({ length: this.clientsPerCoordinator }, (_, index) => this.clientLoop(member, `${member.name}/${index}`)),
    );
  }

  /** Stops every client after its current operation and resolves once all have returned. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.settling);
  }

  /** Marks the interval in which a fault is in force, for the latency and failure figures. */
  markFault(on: boolean): void {
    this.faultOn = on;
  }

  private async clientLoop(member: WorkloadCoordinator, client: string): Promise<void> {
    while (this.running) {
      const key = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      const draw = Math.random();
      if (draw < this.mix.reads) await this.read(member, client, key);
      else if (draw < this.mix.reads + this.mix.deletes) await this.remove(member, client, key);
      else await this.put(member, client, key, member.ttlWrites && draw < this.mix.reads + this.mix.deletes + this.mix.ttlPuts);
      // A short pause keeps the per-key histories small enough to check exhaustively.
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4));
    }
  }

  private async read(member: WorkloadCoordinator, client: string, key: string): Promise<void> {
    const started = performance.now();
    const pending = this.recorder.invoke(client, 'get', key);
    try {
      const outcome = await member.coordinator.get(key, { consistency: 'quorum' });
      pending.ok(outcome.value);
      this.noteSlotRoutingErrors(outcome.replicas);
      this.returned(started);
    } catch (error) {
      pending.failed();
      if (error instanceof ReadQuorumNotReachedError) this.noteSlotRoutingErrors(error.replicas);
      this.returned(started, `${client} get ${key}: ${(error as Error).message}`);
    }
  }

  private async put(member: WorkloadCoordinator, client: string, key: string, withTtl: boolean): Promise<void> {
    const value = `${client}#${(this.sequence += 1)}`;
    const ttlSeconds = withTtl ? this.mix.ttlSeconds : undefined;
    const started = performance.now();
    // The expiry the writing container computes on the replicas' clock (it measures their offset: see StoreClock),
    // which on this machine is the test's clock, whatever the container's own clock says.
    const pending = this.recorder.invoke(client, 'put', key, value, ttlSeconds === undefined ? undefined : { ttlMs: ttlSeconds * 1000 });
    try {
      const result = await member.coordinator.set(key, value, { consistency: 'quorum', ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
      pending.ok();
      this.settling.push(result.settled.then((reports) => this.noteSlotRoutingErrors(reports)));
      this.returned(started);
    } catch (error) {
      this.endFailedWrite(pending, error);
      this.returned(started, `${client} put ${key}: ${(error as Error).message}`, lostRace(error));
    }
  }

  private async remove(member: WorkloadCoordinator, client: string, key: string): Promise<void> {
    const started = performance.now();
    const pending = this.recorder.invoke(client, 'delete', key);
    try {
      const result = await member.coordinator.delete(key, { consistency: 'quorum' });
      pending.ok();
      this.settling.push(result.settled.then((reports) => this.noteSlotRoutingErrors(reports)));
      this.returned(started);
    } catch (error) {
      this.endFailedWrite(pending, error);
      this.returned(started, `${client} delete ${key}: ${(error as Error).message}`, lostRace(error));
    }
  }

  private noteSlotRoutingErrors(reports: readonly ReplicaReport[]): void {
    for (const report of reports) {
      if (report.error !== undefined && SLOT_ROUTING_ERROR.test(report.error)) this.slotRoutingErrors.push(`${report.node}: ${report.error}`);
    }
  }

  /** A failed write counts as never having happened only when the store said so (`rolled_back: true`). */
  private endFailedWrite(pending: { failed(): unknown; unknown(): unknown }, error: unknown): void {
    if (error instanceof QuorumNotReachedError && error.rolledBack) pending.failed();
    else pending.unknown();
    if (error instanceof QuorumNotReachedError) this.noteSlotRoutingErrors(error.replicas);
  }

  private returned(startedAt: number, failure?: string, racedLost = false): void {
    if (!this.faultOn) return;
    this.slowestDuringFaultMs = Math.max(this.slowestDuringFaultMs, performance.now() - startedAt);
    if (failure === undefined) return;
    if (racedLost) this.racesLostDuringFault.push(failure);
    else this.failuresDuringFault.push(failure);
  }
}

/** Redis' redirections and cross-slot refusals, and ioredis' own refusal of a pipeline across slots. */
const SLOT_ROUTING_ERROR = /\b(MOVED|ASK|CROSSSLOT)\b|should belong to the same slot/;

/** True for a write that failed because a replica refused it as older than a concurrent write it already held. */
function lostRace(error: unknown): boolean {
  return error instanceof QuorumNotReachedError && !error.rolledBack && error.replicas.some((report) => report.outcome === 'newer');
}
