import middy from '@middy/core';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import type { HttpEvent, HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { jsonBody, type ParsedBodyEvent } from './middleware/jsonBody';
import { parseSetRequest } from './requests';
import { writeResponse } from './responses';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/** `POST /set` with `{"key", "value", "ttl"?}`: a quorum write, compatible with the seed. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(jsonBody())
  .handler(async (event) => {
    const { key, value, options } = parseSetRequest(event, (event as ParsedBodyEvent).body);
    return writeResponse(event, await sharedCoordinator().set(key, value, options));
  });
