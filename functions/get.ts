import middy from '@middy/core';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import type { HttpEvent, HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { queryKey, requestedConsistency } from './requests';
import { readResponse } from './responses';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/** `GET /get?key=K[&consistency=]`: a first-response (or quorum) read, compatible with the seed. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .handler(async (event) => readResponse(event, await sharedCoordinator().get(queryKey(event), requestedConsistency(event))));
