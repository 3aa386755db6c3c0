import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, sharedMetrics } from '../../lib';

/**
 * What every function shares around its invocation, outermost first (so their `after` and `onError` run last, also
 * after a request error has been answered): `injectLambdaContext`, so every log line carries the Lambda context; and
 * the metrics flush, which holds the store's events while the invocation runs and writes what was counted at its
 * end (`CloudWatchMetrics`, in place of Powertools' costlier `logMetrics`). Locally nothing reaches stdout unless
 * `POWERTOOLS_METRICS_DISABLED=false` (`docs/metrics.md`).
 */
export function observability(): MiddlewareObj[] {
  const metrics = sharedMetrics();
  const flushMetrics: MiddlewareObj<unknown, unknown, Error, Context> = {
    before: (request) => metrics.beginInvocation(request.context?.functionName),
    after: () => metrics.endInvocation(),
    onError: () => metrics.endInvocation(),
  };
  return [injectLambdaContext(logger), flushMetrics as MiddlewareObj];
}

/**
 * A new middy handler with {@link observability} in place: the one wrapper every function starts from (HTTP routes
 * through `http/route.ts`, the background functions directly), so no handler can forget it.
 *
 * @example
 * export const handler = observedHandler<RepairEvent, RepairResult>()
 *   .use(closeConnectionsWhenLocal())
 *   .handler(async (event) => repair(event));
 */
export function observedHandler<TEvent, TResult, TContext extends Context = Context>(): MiddyfiedHandler<TEvent, TResult, Error, TContext> {
  return middy<TEvent, TResult, Error, TContext>().use(observability());
}
