import { type AntiEntropyReport, logger, sharedCoordinator } from '../lib';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { observedHandler } from './middleware/observability';

/** Optional settings of one run, e.g. `serverless invoke -f antiEntropy --data '{"fromStart":true}'`. */
export interface AntiEntropyEvent {
  /** Start a new pass instead of resuming where the last run stopped. */
  readonly fromStart?: boolean;
  /** Keep going after a full pass until the time budget is spent. */
  readonly continuous?: boolean;
  /**
   * Stop after this many ms (never later than the Lambda deadline allows). `0` does exactly one SCAN batch and saves
   * the position: `qkv repair` calls the function that way, page by page, to show a pass's progress.
   */
  readonly budgetMs?: number;
  /** Keys per SCAN batch in this run (default `ANTI_ENTROPY_BATCH`). */
  readonly batch?: number;
}

/** Time kept in reserve before the Lambda timeout, to save the position and answer. */
const SAFETY_MARGIN_MS = 5_000;
/** Budget when there is no Lambda deadline (invoke local without a context deadline). */
const DEFAULT_BUDGET_MS = 60_000;
/** The largest batch a run takes, as for `ANTI_ENTROPY_BATCH`. */
const MAX_BATCH = 10_000;

/**
 * The `antiEntropy` function: on a schedule (see `serverless.yml`) and on demand, walks every key on every replica,
 * repairs what differs and replays hints. Stops before the Lambda timeout and resumes on the next run.
 */
export const handler = observedHandler<AntiEntropyEvent | undefined, AntiEntropyReport>()
  .use(closeConnectionsWhenLocal())
  .handler(async (event, context) => {
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
    const deadlineBudgetMs = remaining > 0 ? Math.max(1_000, remaining - SAFETY_MARGIN_MS) : DEFAULT_BUDGET_MS;
    const asked = wholeNumber(event?.budgetMs, 'budgetMs', 0, Number.MAX_SAFE_INTEGER);
    const batch = wholeNumber(event?.batch, 'batch', 1, MAX_BATCH);
    const report = await (await sharedCoordinator()).antiEntropy({
      budgetMs: asked === undefined ? deadlineBudgetMs : Math.min(asked, deadlineBudgetMs),
      fromStart: event?.fromStart === true,
      singlePass: event?.continuous !== true,
      ...(batch === undefined ? {} : { batch }),
    });
    logger.info('anti-entropy', { ...report });
    return report;
  });

/** An optional whole-number setting of the event, refused by name when it is out of range. */
function wholeNumber(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`"${name}" must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
  }
  return value;
}
