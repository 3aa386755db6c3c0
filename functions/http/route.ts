import type { MiddyfiedHandler } from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator, type Coordinator } from '../../lib';
import type { CompiledContract } from '../contract/requestValidator';
import { maxBodyBytes, requestSchemas } from '../contract/schemas';
import { closeConnectionsWhenLocal } from '../middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from '../middleware/httpErrorResponse';
import { jsonBody } from '../middleware/jsonBody';
import { observedHandler } from '../middleware/observability';
import { validateRequest } from '../middleware/validateRequest';
import type { HttpEvent, HttpResult } from './events';

/**
 * What a route does once its request has passed validation: turn the event into a call to the coordinator, and the
 * coordinator's answer into a response. It may throw the store's errors; `httpErrorResponse` answers them.
 */
export type RouteAnswer = (event: HttpEvent, coordinator: Coordinator) => Promise<HttpResult>;

/**
 * Builds the Lambda handler of one HTTP route: the wiring every route shares, so a route file holds only what is its
 * own (which operation, what to call, how to answer).
 *
 * At cold start (when the route's module is loaded) it reads the configuration and starts connecting: a bad setting
 * fails the container at once, and the first request pays no handshake. The request schemas take their size limits
 * from the configuration. Each request then goes through, in this order:
 * 1. `observability` (`observedHandler`): the Lambda context in every log line, metrics flushed per invocation;
 * 2. `closeConnectionsWhenLocal`: closes the connections after the invocation under `serverless invoke local`;
 * 3. `httpErrorResponse`: the one place where errors become HTTP statuses;
 * 4. `jsonBody`, for routes that take a body: content type, size, base64, UTF-8 and JSON checks;
 * 5. `validateRequest`: the route's declared schemas (`contract/schemas.ts`);
 * 6. `answer`, with the container's coordinator.
 *
 * @example
 * export const handler = route(contracts.getKey, async (event, coordinator) => {
 *   const { key, options } = pathKeyRequest(event);
 *   return readResponse(event, await coordinator.get(key, options));
 * });
 */
export function route(contract: CompiledContract, answer: RouteAnswer): MiddyfiedHandler<HttpEvent, HttpResult> {
  const config = sharedConfig();
  connectAtColdStart();
  const schemas = requestSchemas(config)[contract.operationId];
  const handler = observedHandler<HttpEvent, HttpResult>().use(closeConnectionsWhenLocal()).use(httpErrorResponse());
  if (schemas.body !== undefined) handler.use(jsonBody({ maxBodyBytes: maxBodyBytes(config) }));
  return handler.use(validateRequest(contract, schemas)).handler(async (event) => answer(event, await sharedCoordinator()));
}
