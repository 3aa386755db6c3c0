import middy from '@middy/core';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import type { HttpEvent, HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { pathKey, requestedConsistency } from './requests';
import { writeResponse } from './responses';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/**
 * `DELETE /kv/{key}[?consistency=]`: writes a versioned tombstone through the quorum path; answers like a write
 * (200 OK with `success_nodes`, 503 FAIL). Deleting a key that does not exist succeeds too.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .handler(async (event) => writeResponse(event, await sharedCoordinator().delete(pathKey(event), requestedConsistency(event))));
