import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, sharedMetrics } from '../../lib';

/**
 * What every function shares around its invocation, outermost first (middy runs `after` and `onError` in the
 * reverse order, so these run last, also after a request error has been answered):
 * 1. `injectLambdaContext` (Powertools Logger): every log line of the invocation carries its Lambda context:
 *    `function_request_id`, `cold_start`, `function_name`, `function_arn`, `function_memory_size`.
 * 2. The invocation's bracket for the container's metrics (`sharedMetrics()`): events are held while it runs, and at
 *    its end the per-replica counts are written (`CloudWatchMetrics.endInvocation`).
 * 3. `logMetrics` (Powertools Metrics): writes the service-wide counts as one EMF line at the end of every
 *    invocation, and a `ColdStart` metric (dimension `function_name`) on a container's first.
 *
 * Nothing reaches stdout unless `POWERTOOLS_METRICS_DISABLED` allows it (in AWS Lambda by default; locally only when
 * set to `false`, see README "Metrics and alarms").
 */
export function observability(): MiddlewareObj[] {
  const metrics = sharedMetrics();
  const invocation: MiddlewareObj = {
    before: () => metrics.beginInvocation(),
    after: () => metrics.endInvocation(),
    onError: () => metrics.endInvocation(),
  };
  return [injectLambdaContext(logger), invocation, logMetrics(metrics.service, { captureColdStartMetric: true })];
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
