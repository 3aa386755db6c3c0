import type { ReadOutcome, StoreHealth, WriteResult } from '../../lib';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from './events';

/**
 * 200 `{"status":"OK","success_nodes":n,"version":"..."}` for a committed write (the seed's shape plus the version),
 * with every replica's outcome under `nodes` when the request asked for a trace.
 */
export function writeResponse(event: HttpEvent, result: WriteResult): HttpResult {
  return jsonResponse(200, {
    status: 'OK',
    success_nodes: result.acknowledged,
    version: result.version,
    ...(wantsTrace(event) ? { nodes: result.replicas } : {}),
  });
}

/**
 * 200 `{"status":"OK","value":"..."}` or 404 `{"status":"NOT_FOUND"}` (the seed's shapes), plus the version,
 * expiry, and with a trace every replica's outcome and what read repair did.
 */
export function readResponse(event: HttpEvent, outcome: ReadOutcome): HttpResult {
  const trace = wantsTrace(event) ? { consistency: outcome.consistency, repair: outcome.repair, nodes: outcome.replicas } : {};
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
