import middy from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator } from '../lib';
import { maxBodyBytes, requestSchemas } from './contract/schemas';
import type { HttpEvent, HttpResult } from './http/events';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { jsonBody, type ParsedBodyEvent } from './middleware/jsonBody';
import { validateRequest } from './middleware/validateRequest';
import { setRequest } from './http/requests';
import { writeResponse } from './http/responses';

// Read the configuration and connect at cold start: a bad setting fails the container at once, and the first request
// pays no handshake. The request schemas take their size limits from the configuration.
const config = sharedConfig();
connectAtColdStart();

/** `POST /set` with `{"key", "value", "ttl"?}`: a quorum write, compatible with the seed. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(jsonBody({ maxBodyBytes: maxBodyBytes(config) }))
  .use(validateRequest(requestSchemas(config).set))
  .handler(async (event) => {
    const { key, value, options } = setRequest(event as unknown as ParsedBodyEvent);
    return writeResponse(event, await (await sharedCoordinator()).set(key, value, options));
  });
