import middy from '@middy/core';
import type { KeyRepairReport } from '../lib/coordinator';
import { InvalidRequestError } from '../lib/errors';
import { logger } from '../lib/logger';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';

/** The event the coordinator sends (asynchronously) when a read finds replicas behind. */
export interface RepairEvent {
  readonly keys: readonly string[];
  readonly reason?: string;
}

/** What the repair did, key by key. */
export interface RepairResult {
  readonly keys: number;
  readonly repaired: number;
  readonly reports: readonly KeyRepairReport[];
}

const MAX_KEYS_PER_EVENT = 1_000;

/** Raised when some replica could not be reached, so that Lambda retries the (idempotent) repair later. */
export class RepairIncompleteError extends Error {
  constructor(public readonly unreachable: readonly string[]) {
    super(`repair incomplete: unreachable replicas ${unreachable.join(', ')}; Lambda will retry`);
    this.name = 'RepairIncompleteError';
  }
}

/**
 * The `repair` function: reads each key from every replica and brings every replica to the newest version.
 *
 * Invoked asynchronously by reads that find replicas behind (`READ_REPAIR=async`), and by hand:
 * `serverless invoke local -f repair --data '{"keys":["k"]}'`. Idempotent (set-if-newer), so Lambda's retries are
 * harmless; it fails (and is retried, then sent to the on-failure queue) when a replica could not be reached.
 */
export const handler = middy<RepairEvent, RepairResult>()
  .use(closeConnectionsWhenLocal())
  .handler(async (event) => {
    const keys = parseKeys(event);
    const coordinator = await sharedCoordinator();
    const reports: KeyRepairReport[] = [];
    for (const key of keys) reports.push(await coordinator.repairKey(key));
    const repaired = reports.reduce((sum, report) => sum + report.repairs.filter((r) => r.outcome === 'repaired').length, 0);
    const unreachable = [...new Set(reports.flatMap((report) => report.unreachable))];
    logger.info('repair', { reason: event.reason ?? 'manual', keys: keys.length, repaired, unreachable });
    if (unreachable.length > 0) throw new RepairIncompleteError(unreachable);
    return { keys: keys.length, repaired, reports };
  });

function parseKeys(event: RepairEvent): readonly string[] {
  const keys = (event as Partial<RepairEvent> | null)?.keys;
  if (!Array.isArray(keys) || keys.length > MAX_KEYS_PER_EVENT || !keys.every((k) => typeof k === 'string' && k !== '')) {
    throw new InvalidRequestError(`the event must be {"keys": [...]} with 1 to ${MAX_KEYS_PER_EVENT} non-empty strings`);
  }
  return keys;
}
