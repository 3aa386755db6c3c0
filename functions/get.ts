import middy from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator } from '../lib';
import { requestSchemas } from './contract/schemas';
import type { HttpEvent, HttpResult } from './http/events';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { validateRequest } from './middleware/validateRequest';
import { queryKeyRequest } from './http/requests';
import { readResponse } from './http/responses';

// Read the configuration and connect at cold start: a bad setting fails the container at once, and the first request
// pays no handshake. The request schemas take their size limits from the configuration.
const config = sharedConfig();
connectAtColdStart();

/** `GET /get?key=K[&consistency=]`: a first-response (or quorum) read, compatible with the seed. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(validateRequest(requestSchemas(config).get))
  .handler(async (event) => {
    const { key, options } = queryKeyRequest(event);
    return readResponse(event, await (await sharedCoordinator()).get(key, options));
  });
