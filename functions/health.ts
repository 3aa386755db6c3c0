import middy from '@middy/core';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import { jsonResponse, type HttpEvent, type HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/**
 * `GET /health`: each replica's reachability, breaker state and round trip; 200 `{"status":"OK"}` when a write
 * quorum is reachable, 503 `{"status":"FAIL"}` when it is not.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .handler(async () => {
    const health = await sharedCoordinator().health();
    return jsonResponse(health.writeQuorumReachable ? 200 : 503, {
      status: health.writeQuorumReachable ? 'OK' : 'FAIL',
      ...health,
    });
  });
