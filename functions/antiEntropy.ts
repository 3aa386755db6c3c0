import { type AntiEntropyReport, logger, sharedCoordinator } from '../lib';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { observedHandler } from './middleware/observability';

/** Optional settings of one run, e.g. `serverless invoke -f antiEntropy --data '{"fromStart":true}'`. */
export interface AntiEntropyEvent {
  /** Start a new pass instead of resuming where the last run stopped. */
  readonly fromStart?: boolean;
  /** Keep going after a full pass until the time budget is spent. */
  readonly continuous?: boolean;
}

/** Time kept in reserve before the Lambda timeout, to save the position and answer. */
const SAFETY_MARGIN_MS = 5_000;
/** Budget when there is no Lambda deadline (invoke local without a context deadline). */
const DEFAULT_BUDGET_MS = 60_000;

/**
 * The `antiEntropy` function: on a schedule (see `serverless.yml`) and on demand, walks every key on every replica,
 * repairs what differs and replays hints. Stops before the Lambda timeout and resumes on the next run.
 */
export const handler = observedHandler<AntiEntropyEvent | undefined, AntiEntropyReport>()
  .use(closeConnectionsWhenLocal())
  .handler(async (event, context) => {
    const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
    const budgetMs = remaining > 0 ? Math.max(1_000, remaining - SAFETY_MARGIN_MS) : DEFAULT_BUDGET_MS;
    const report = await (await sharedCoordinator()).antiEntropy({
      budgetMs,
      fromStart: event?.fromStart === true,
      singlePass: event?.continuous !== true,
    });
    logger.info('anti-entropy', { ...report });
    return report;
  });
