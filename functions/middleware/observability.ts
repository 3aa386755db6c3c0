import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, sharedMetrics } from '../../lib';

/**
 * What every function shares around its invocation, outermost first (middy runs `after` and `onError` in the
 * reverse order, so these run last, also after a request error has been answered):
 * 1. `injectLambdaContext` (Powertools Logger): every log line of the invocation carries its Lambda context:
 *    `function_request_id`, `cold_start`, `function_name`, `function_arn`, `function_memory_size`.
 * 2. The metrics flush (the container's `sharedMetrics()`): events are held while the invocation runs and written at
 *    its end, one EMF line per instance that counted something (`CloudWatchMetrics.endInvocation`), and a `ColdStart`
 *    metric (dimension `function_name`) on a container's first invocation. It replaces Powertools' `logMetrics`
 *    middleware, which would serialize every instance on every invocation: measured, that took the handlers past the
 *    bench's 50 µs middleware target (see `CloudWatchMetrics`).
 *
 * Nothing reaches stdout unless `POWERTOOLS_METRICS_DISABLED` allows it (in AWS Lambda by default; locally only when
 * set to `false`, see README "Metrics and alarms").
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
