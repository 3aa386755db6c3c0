import type { ReadStrategy } from '../core/consistency';
import type { ReplicaReport } from '../core/replicaOutcome';
import type { StoredEntry } from '../core/storedEntry';
import type { ReplicaClient } from '../replica/connection';
import { failedCallReport, type ReplicaCallResult, type ReplicaSet } from '../replica/replicaSet';
import { readFanOut, readReport, type FanOutOptions, type ReadProgress, type ReadRound, type ReplicaRead } from './readFanOut';
import type { LatencyRecord } from './replicaLatency';

/** What a hedged fan-out needs beside what every fan-out takes. */
export interface HedgeSettings {
  /** The container's latency estimates, indexed like the pool's replicas; every reply updates them. */
  readonly latency: LatencyRecord;
  /** Replicas asked at once: 1 for level `one`, R for a quorum read. */
  readonly initial: number;
}

/** How a read asks the replicas, and the estimates both strategies keep up to date (hedged reads need them). */
export interface ReadPath {
  readonly strategy: ReadStrategy;
  readonly latency?: LatencyRecord;
}

/** The seed's way, every replica at once, recording no latency: what a read without a {@link ReadPath} does. */
export const RACE: ReadPath = { strategy: 'race' };

/**
 * One read round as `path` says: `readFanOut` for a race, {@link hedgedFanOut} asking `initial` replicas first for a
 * hedged read (a race when no latency record is given).
 */
export function fanOutBy<Client>(
  path: ReadPath,
  initial: number,
  pool: ReplicaSet<Client>,
  read: (client: Client) => Promise<StoredEntry | null>,
  isDecided: (progress: ReadProgress) => boolean,
  options: FanOutOptions,
): Promise<ReadRound> {
  const { latency } = path;
  if (path.strategy === 'hedged' && latency !== undefined) return hedgedFanOut(pool, read, isDecided, options, { latency, initial });
  return readFanOut(pool, read, isDecided, options, latency);
}

/**
 * The hedged form of `readFanOut`, with the same contract (`isDecided` says when the replies suffice; the round's
 * reports are given in replica order): it asks the `initial` replicas with the best recent latency, and one more
 *
 * - after the hedge delay of the replica asked last (`replicaLatency.ts`: its `srtt + 4·rttvar`, bounded), while no
 *   decision is made; that replica is then recorded as late, so a hung replica stops being asked first at once;
 * - at once, as many as it takes to have `max(1, initial − replies)` in flight, when an answer cannot decide: a
 *   `missing` reply at level `one`, or any failed call (error, timeout, breaker open).
 *
 * A replica never asked shows as `not-sent`, one asked late as `hedged` at its `sentAt`. The decision is the same
 * function as for a race (a quorum read's `quorumReadStep` included), counting unasked replicas as pending since they
 * can still be asked, so a quorum read keeps its guarantees. Once a replica has been asked late, the read decides with
 * what it has by one node timeout after it started (replicas still in flight then count as failed), as a race would.
 */
export function hedgedFanOut<Client = ReplicaClient>(
  pool: ReplicaSet<Client>,
  read: (client: Client) => Promise<StoredEntry | null>,
  isDecided: (progress: ReadProgress) => boolean,
  options: FanOutOptions,
  hedge: HedgeSettings,
): Promise<ReadRound> {
  const { drain = false, onSettled } = options;
  const { latency } = hedge;
  const replicas = pool.replicas;
  const count = replicas.length;
  const { order, delaysMs } = latency.plan();
  const reports = new Array<ReplicaReport>(count);
  const sentAts = new Array<number | undefined>(count);
  const replies: ReplicaRead[] = [];
  const startedAt = performance.now();
  let failed = 0;
  let inFlight = 0;
  let next = 0;
  let decidedAt = 0;
  let decided = false;
  let answered = false;
  let settled = false;
  let forced = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  return new Promise<ReadRound>((resolve) => {
    const pendingCount = (): number => (forced ? 0 : count - replies.length - failed);
    const reportOf = (i: number): ReplicaReport => {
      const known = reports[i];
      if (known !== undefined) return known;
      const node = replicas[i]!.name;
      const sentAt = sentAts[i];
      if (sentAt === undefined) return { node, outcome: 'not-sent', ms: 0 };
      return sentAt === startedAt ? { node, outcome: 'pending', ms: 0, sentAt } : { node, outcome: 'pending', ms: 0, sentAt, hedged: true };
    };
    const snapshot = (): ReplicaReport[] => {
      const all = new Array<ReplicaReport>(count);
      for (let i = 0; i < count; i += 1) all[i] = reportOf(i);
      return all;
    };
    const answer = (): void => {
      answered = true;
      resolve({ replies: onSettled === undefined ? replies : replies.slice(), failed, pending: pendingCount(), reports: snapshot(), decidedAt });
      settle();
    };
    const settle = (): void => {
      if (settled || onSettled === undefined || !answered || inFlight > 0) return;
      settled = true;
      onSettled({ replies, failed, pending: 0, reports: snapshot(), decidedAt });
    };
    const decide = (): void => {
      decided = true;
      decidedAt = performance.now();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (drain) setImmediate(answer);
      else answer();
    };
    const launch = (late: boolean): void => {
      const index = order[next]!;
      next += 1;
      const replica = replicas[index]!;
      const sentAt = late ? performance.now() : startedAt;
      sentAts[index] = sentAt;
      inFlight += 1;
      void pool.call(replica, read).then((result) => onResult(index, sentAt, late, result));
    };
    // The next hedge after the delay of the replica asked last; once every replica is asked, the read's deadline.
    let waitingOn = -1;
    const arm = (lastAsked: number): void => {
      if (timer !== undefined) clearTimeout(timer);
      if (next < count) {
        waitingOn = lastAsked;
        timer = setTimeout(onHedge, delaysMs[lastAsked]!);
      } else {
        timer = setTimeout(onDeadline, Math.max(0, startedAt + latency.failureMs - performance.now()));
      }
    };
    const onHedge = (): void => {
      timer = undefined;
      if (decided || next >= count) return;
      // The replica waited on is late: what it costs later reads is a place at the back, not another wait.
      if (reports[waitingOn] === undefined) latency.recordLate(waitingOn, performance.now() - sentAts[waitingOn]!);
      const index = order[next]!;
      launch(true);
      arm(index);
    };
    const onDeadline = (): void => {
      timer = undefined;
      if (decided) return;
      forced = true;
      decide();
    };
    const topUp = (): void => {
      const wanted = Math.max(1, hedge.initial - replies.length);
      let last = -1;
      while (inFlight < wanted && next < count) {
        last = order[next]!;
        launch(true);
      }
      if (last >= 0) arm(last);
    };
    const onResult = (index: number, sentAt: number, late: boolean, result: ReplicaCallResult<StoredEntry | null>): void => {
      inFlight -= 1;
      if (result.ok) latency.recordReply(index, result.ms);
      else latency.recordFailure(index);
      if (answered && onSettled === undefined) return;
      const replica = replicas[index]!;
      let report: ReplicaReport;
      if (!result.ok) {
        report = failedCallReport(replica.name, result, sentAt);
        failed += 1;
      } else {
        const entry = result.value;
        report = readReport(replica.name, entry, result.ms, sentAt);
        replies.push({ replica, entry });
      }
      reports[index] = late && report.outcome !== 'skipped' ? { ...report, hedged: true } : report;
      if (!decided) {
        const pending = count - replies.length - failed;
        if (pending === 0 || isDecided({ replies, failed, pending })) decide();
        else topUp();
      }
      settle();
    };

    const initial = Math.min(Math.max(1, hedge.initial), count);
    let last = -1;
    for (let i = 0; i < initial; i += 1) {
      last = order[next]!;
      launch(false);
    }
    // Every replica asked at once (level `all`): each call is bounded by the node timeout, no timer is needed.
    if (next < count) arm(last);
  });
}
