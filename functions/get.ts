import middy from '@middy/core';
import { InvalidRequestError } from '../lib/errors';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/**
 * `GET /get?key=K`: a first-response read, compatible with the seed.
 * 200 `{"status":"OK","value":"..."}`; 404 `{"status":"NOT_FOUND"}`; 503 when no replica answered.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .handler(async (event) => {
    const key = event.queryStringParameters?.key;
    if (key === undefined || key === null || key === '') {
      throw new InvalidRequestError('query parameter "key" is required', 'key');
    }
    const result = await sharedCoordinator().get(key);
    const nodes = wantsTrace(event) ? { nodes: result.replicas } : {};
    if (result.entry === null) return jsonResponse(404, { status: 'NOT_FOUND', ...nodes });
    return jsonResponse(200, { status: 'OK', value: result.entry.value, version: result.entry.version, ...nodes });
  });
