import type { ReadOutcome, ReplicaReport, StoreHealth, WriteResult } from '../../lib';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from './events';

/** One replica's entry in a trace (`nodes`): always `node`, `outcome`, `ms` and `version`, plus the reason if any. */
export interface TraceEntry {
  readonly node: string;
  readonly outcome: ReplicaReport['outcome'];
  readonly ms: number;
  /** The version the replica holds, took or reported; null where it has none (`missing`, `pending`, `error`, …). */
  readonly version: string | null;
  /** True when what the replica holds is a tombstone. */
  readonly deleted?: boolean;
  /** A short reason, for `error` and `timeout`. */
  readonly error?: string;
}

/**
 * Every replica's outcome as a trace shows it: the same keys for every entry (`version` null where there is none),
 * so a client can rely on one shape.
 */
export function traceEntries(reports: readonly ReplicaReport[]): TraceEntry[] {
  return reports.map(({ node, outcome, ms, version, deleted, error }) => ({
    node,
    outcome,
    ms,
    version: version ?? null,
    ...(deleted === undefined ? {} : { deleted }),
    ...(error === undefined ? {} : { error }),
  }));
}

/**
 * 200 `{"status":"OK","success_nodes":n,"version":"..."}` for a committed write (the seed's shape plus the version),
 * with every replica's outcome under `nodes` when the request asked for a trace.
 */
export function writeResponse(event: HttpEvent, result: WriteResult): HttpResult {
  return jsonResponse(200, {
    status: 'OK',
    success_nodes: result.acknowledged,
    version: result.version,
    ...(wantsTrace(event) ? { nodes: traceEntries(result.replicas) } : {}),
  });
}

/**
 * 200 `{"status":"OK","value":"..."}` or 404 `{"status":"NOT_FOUND"}` (the seed's shapes), plus the version,
 * expiry, and with a trace every replica's outcome and what read repair did.
 */
export function readResponse(event: HttpEvent, outcome: ReadOutcome): HttpResult {
  const trace = wantsTrace(event) ? { consistency: outcome.consistency, repair: outcome.repair, nodes: traceEntries(outcome.replicas) } : {};
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
