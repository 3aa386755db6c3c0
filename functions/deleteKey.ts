import middy from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator } from '../lib';
import { requestSchemas } from './contract/schemas';
import type { HttpEvent, HttpResult } from './http/events';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { validateRequest } from './middleware/validateRequest';
import { pathKeyRequest } from './http/requests';
import { writeResponse } from './http/responses';

// Read the configuration and connect at cold start: a bad setting fails the container at once, and the first request
// pays no handshake. The request schemas take their size limits from the configuration.
const config = sharedConfig();
connectAtColdStart();

/**
 * `DELETE /kv/{key}[?consistency=]`: writes a versioned tombstone through the quorum path; answers like a write
 * (200 OK with `success_nodes`, 503 FAIL). Deleting a key that does not exist succeeds too.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(validateRequest(requestSchemas(config).deleteKey))
  .handler(async (event) => {
    const { key, options } = pathKeyRequest(event);
    return writeResponse(event, await (await sharedCoordinator()).delete(key, options));
  });
