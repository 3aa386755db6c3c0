import middy from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator } from '../lib';
import { requestSchemas } from './contract/schemas';
import { jsonResponse, type HttpEvent, type HttpResult } from './http/events';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { validateRequest } from './middleware/validateRequest';

// Read the configuration and connect at cold start: a bad setting fails the container at once.
const config = sharedConfig();
connectAtColdStart();

/**
 * `GET /health`: each replica's reachability, breaker state and round trip; 200 `{"status":"OK"}` when a write
 * quorum is reachable, 503 `{"status":"FAIL"}` when it is not.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(validateRequest(requestSchemas(config).health))
  .handler(async () => {
    const health = await (await sharedCoordinator()).health();
    return jsonResponse(health.writeQuorumReachable ? 200 : 503, {
      status: health.writeQuorumReachable ? 'OK' : 'FAIL',
      ...health,
    });
  });
