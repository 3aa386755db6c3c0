import { type HintReplayReport, type KeyRepairReport, logger, QuorumKvError, sharedCoordinator } from '../lib';
import { InvalidRequestError } from './http/errors';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { observedHandler } from './middleware/observability';

/**
 * The event the coordinator sends (asynchronously) when a write missed replicas (`hintsFor`), or a person sends to
 * repair given keys (`keys`).
 */
export interface RepairEvent {
  readonly keys?: readonly string[];
  readonly hintsFor?: readonly string[];
  readonly reason?: string;
}

/** What the repair did, key by key and replica by replica. */
export interface RepairResult {
  readonly keys: number;
  readonly repaired: number;
  readonly reports: readonly KeyRepairReport[];
  readonly hints: readonly HintReplayReport[];
}

const MAX_KEYS_PER_EVENT = 1_000;

/** Raised when some replica could not be reached, so that Lambda retries the (idempotent) repair later. */
export class RepairIncompleteError extends QuorumKvError {
  constructor(
    /** The replicas that could not be read or written. */
    public readonly unreachable: readonly string[],
  ) {
    super(`repair incomplete: unreachable replicas ${unreachable.join(', ')}; Lambda will retry`);
    this.name = 'RepairIncompleteError';
  }
}

/**
 * The `repair` function: reads each key from every replica and brings every replica to the newest version, and
 * replays the hints stored for replicas that missed writes.
 *
 * Invoked asynchronously by writes that missed replicas (hinted hand-off), and by hand:
 * `serverless invoke local -f repair --data '{"keys":["k"]}'`. Idempotent (set-if-newer), so Lambda's retries are
 * harmless. It fails (so Lambda retries it, then sends it to the on-failure queue) when a replica could not be
 * reached: one holding a key it was given, or one whose hints it was to replay; that replica keeps its hints for the
 * retry, the coordinator that sees it reconnect, or anti-entropy.
 */
export const handler = observedHandler<RepairEvent, RepairResult>()
  .use(closeConnectionsWhenLocal())
  .handler(async (event) => {
    const keys = parseList(event, 'keys');
    const targets = parseList(event, 'hintsFor');
    if (keys.length === 0 && targets.length === 0) {
      throw new InvalidRequestError('the event must name "keys" to repair or replicas in "hintsFor"');
    }
    const coordinator = await sharedCoordinator();
    const reports: KeyRepairReport[] = [];
    for (const key of keys) reports.push(await coordinator.repairKey(key));
    const hints: HintReplayReport[] = [];
    for (const target of targets) hints.push(await coordinator.replayHints(target));
    const repaired =
      reports.reduce((sum, report) => sum + report.repairs.filter((r) => r.outcome === 'repaired').length, 0) +
      hints.reduce((sum, replay) => sum + replay.repaired, 0);
    // A replica still down when its hints were replayed is unreachable too: failing makes Lambda retry the hand-off
    // later (the replica may be back by then), and the coordinator that sees it reconnect replays them at once.
    const unreachable = [
      ...new Set([...reports.flatMap((report) => report.unreachable), ...hints.filter((h) => h.status === 'down').map((h) => h.target)]),
    ];
    logger.info('repair', { reason: event.reason ?? 'manual', keys: keys.length, hintsFor: targets, repaired, unreachable });
    if (unreachable.length > 0) {
      // serverless offline does not retry a failed asynchronous invoke, and an error thrown from one ends the whole
      // offline process: there, say so in the log instead (the coordinator that sees the replica reconnect replays its
      // hints, and anti-entropy catches the rest).
      if (process.env.IS_OFFLINE === 'true') logger.warn('repair incomplete; not retried under serverless offline', { unreachable });
      else throw new RepairIncompleteError(unreachable);
    }
    return { keys: keys.length, repaired, reports, hints };
  });

function parseList(event: RepairEvent, field: 'keys' | 'hintsFor'): readonly string[] {
  const list = (event as Partial<RepairEvent> | null)?.[field];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.length > MAX_KEYS_PER_EVENT || !list.every((k) => typeof k === 'string' && k !== '')) {
    throw new InvalidRequestError(`"${field}" must be a list of at most ${MAX_KEYS_PER_EVENT} non-empty strings`);
  }
  return list;
}
