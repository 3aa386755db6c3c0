import middy from '@middy/core';
import { sharedCoordinator } from '../lib/sharedCoordinator';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from './http';
import { closeConnectionsWhenLocal } from './middleware/closeConnectionsWhenLocal';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { jsonBody, type ParsedBodyEvent } from './middleware/jsonBody';
import { requireObjectBody, requireString } from './requestFields';

// Connect at cold start: a bad configuration fails the container at once, and the first request pays no handshake.
sharedCoordinator();

/**
 * `POST /set` with `{"key": "...", "value": "..."}`: a quorum write, compatible with the seed.
 * 200 `{"status":"OK","success_nodes":n,"version":"..."}`; 503 `{"status":"FAIL",...}` when the quorum is missed.
 */
export const handler = middy<HttpEvent, HttpResult>()
  .use(closeConnectionsWhenLocal())
  .use(httpErrorResponse())
  .use(jsonBody())
  .handler(async (event) => {
    const body = requireObjectBody((event as unknown as ParsedBodyEvent).body);
    const key = requireString(body, 'key', { nonEmpty: true });
    const value = requireString(body, 'value');
    const result = await sharedCoordinator().set(key, value);
    return jsonResponse(200, {
      status: 'OK',
      success_nodes: result.acknowledged,
      version: result.version,
      ...(wantsTrace(event) ? { nodes: result.replicas } : {}),
    });
  });
