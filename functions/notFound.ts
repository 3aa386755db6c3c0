import { routeList } from './contract/routes';
import { RouteNotFoundError } from './http/errors';
import type { HttpEvent, HttpResult } from './http/events';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { observedHandler } from './middleware/observability';

/**
 * Answers 404 `{"status":"ERROR","error":"no route for PUT /kv/; routes: …","requestId":…}` for any method and path
 * that no route serves: an unknown path, or `/kv/` with an empty key.
 *
 * Why a function: without it API Gateway answers an unknown path with 403 "Missing Authentication Token" and
 * serverless offline with its own `{"error":"Serverless-offline: route not found."}`. `serverless.yml` maps
 * `ANY /` and `ANY /{proxy+}` here; both API Gateway and serverless offline rank those below the explicit routes, so
 * only requests no other route takes arrive. It touches no Redis.
 */
export const handler = observedHandler<HttpEvent, HttpResult>()
  .use(httpErrorResponse())
  .handler(async (event) => {
    throw new RouteNotFoundError(event.httpMethod, event.path, routeList());
  });
