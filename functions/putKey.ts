import middy from '@middy/core';
import { connectAtColdStart, sharedConfig, sharedCoordinator } from '../lib';
import { maxBodyBytes, requestSchemas } from './contract/schemas';
import type { HttpEvent, HttpResult } from './http/events';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { jsonBody, type ParsedBodyEvent } from './middleware/jsonBody';
import { validateRequest } from './middleware/validateRequest';
import { putRequest } from './http/requests';
import { writeResponse } from './http/responses';

// Read the configuration and connect at cold start: a bad setting fails the container at once, and the first request
// pays no handshake. The request schemas take their size limits from the configuration.
const config = sharedConfig();
connectAtColdStart();

/** `PUT /kv/{key}` with `{"value", "ttl"?}`: the REST form of `POST /set`, same answers. */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(jsonBody({ maxBodyBytes: maxBodyBytes(config) }))
  .use(validateRequest(requestSchemas(config).putKey))
  .handler(async (event) => {
    const { key, value, options } = putRequest(event as unknown as ParsedBodyEvent);
    return writeResponse(event, await (await sharedCoordinator()).set(key, value, options));
  });
