import type { OperationTiming, ReadOutcome, ReplicaReport, StoreHealth, WriteResult } from '../../lib';
import type { TraceEntry, TraceFields, TraceTiming } from '../contract/trace';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from './events';

/** Milliseconds from `startedAt` to `at` (both on `performance.now()`'s clock), to the microsecond, as `ms` is. */
function sinceStart(at: number, startedAt: number): number {
  return Math.round((at - startedAt) * 1000) / 1000;
}

/**
 * Every replica's outcome as a trace shows it: the same keys for every entry (`version` null where there is none),
 * so a client can rely on one shape. With the operation's start, each entry also says when its command was sent
 * (`sent_ms`), and one a hedged read asked late says so (`hedged_at_ms`, the same instant); `firstNode` marks the replica a first-response read answered with (`first: true`).
 */
export function traceEntries(reports: readonly ReplicaReport[], startedAt?: number, firstNode?: string): TraceEntry[] {
  return reports.map(({ node, outcome, ms, version, deleted, error, sentAt, hedged }) => ({
    node,
    outcome,
    ms,
    version: version ?? null,
    ...(startedAt === undefined ? {} : { sent_ms: sentAt === undefined ? null : sinceStart(sentAt, startedAt) }),
    ...(startedAt === undefined || hedged !== true || sentAt === undefined ? {} : { hedged_at_ms: sinceStart(sentAt, startedAt) }),
    ...(deleted === undefined ? {} : { deleted }),
    ...(error === undefined ? {} : { error }),
    ...(firstNode !== undefined && node === firstNode ? { first: true as const } : {}),
  }));
}

/** `elapsed_ms` and, when the quorum was reached, `quorum_ms`, both in ms since the operation started. */
export function traceTiming(timing: OperationTiming): TraceTiming {
  return {
    elapsed_ms: sinceStart(timing.answeredAt, timing.startedAt),
    ...(timing.quorumAt === undefined ? {} : { quorum_ms: sinceStart(timing.quorumAt, timing.startedAt) }),
  };
}

/**
 * The trace of a failed operation (a 503): its timing, when the coordinator timed it (it always does; an error from
 * a bare fan-out has none), and every replica's outcome.
 */
export function failureTrace(
  replicas: readonly ReplicaReport[],
  timing: OperationTiming | undefined,
): Partial<TraceTiming> & Pick<TraceFields, 'nodes'> {
  return { ...(timing === undefined ? {} : traceTiming(timing)), nodes: traceEntries(replicas, timing?.startedAt) };
}

/**
 * 200 `{"status":"OK","success_nodes":n,"version":"..."}` for a committed write, with every replica's outcome under
 * `nodes`, the timing and the number of attempts when the request asked for a trace.
 */
export function writeResponse(event: HttpEvent, result: WriteResult): HttpResult {
  return jsonResponse(200, {
    status: 'OK',
    success_nodes: result.acknowledged,
    version: result.version,
    ...(wantsTrace(event)
      ? ({ ...traceTiming(result), attempts: result.attempts, nodes: traceEntries(result.replicas, result.startedAt) } satisfies TraceFields)
      : {}),
  });
}

/**
 * 200 `{"status":"OK","value":"..."}` or 404 `{"status":"NOT_FOUND"}`, plus the version and expiry, and with a
 * trace every replica's outcome, the timing and what read repair did.
 */
export function readResponse(event: HttpEvent, outcome: ReadOutcome): HttpResult {
  const trace = wantsTrace(event)
    ? ({
        consistency: outcome.consistency,
        repair: outcome.repair,
        ...traceTiming(outcome),
        nodes: traceEntries(outcome.replicas, outcome.startedAt, outcome.answeredBy),
      } satisfies TraceFields)
    : {};
  if (outcome.value === null) return jsonResponse(404, { status: 'NOT_FOUND', ...trace });
  return jsonResponse(200, {
    status: 'OK',
    value: outcome.value,
    version: outcome.version,
    ...(outcome.expiresAt === undefined ? {} : { expires_at: new Date(outcome.expiresAt).toISOString() }),
    ...trace,
  });
}

/**
 * 200 `{"status":"OK",...}` when a write quorum is reachable, else 503 `{"status":"FAIL",...}`, with every replica's
 * health.
 */
export function healthResponse(health: StoreHealth): HttpResult {
  return jsonResponse(health.writeQuorumReachable ? 200 : 503, {
    status: health.writeQuorumReachable ? 'OK' : 'FAIL',
    ...health,
  });
}
