import { allowedMethods } from './contract/routes';
import { MethodNotAllowedError } from './http/errors';
import type { HttpEvent, HttpResult } from './http/events';
import { httpErrorResponse } from './middleware/httpErrorResponse';
import { observedHandler } from './middleware/observability';

/**
 * Answers 405 with an `Allow` header for a method a route does not serve, e.g. `DELETE /set`.
 *
 * Why a function: API Gateway REST APIs answer a method they do not know with 403 "Missing Authentication Token".
 * `serverless.yml` adds an `ANY` method to every path, served by this handler; API Gateway prefers the explicit
 * methods, so only the others arrive here. It touches no Redis, so it has no cold start cost beyond middy.
 */
export const handler = observedHandler<HttpEvent, HttpResult>()
  .use(httpErrorResponse())
  .handler(async (event) => {
    const path = event.resource && event.resource !== '/' ? event.resource : event.path;
    throw new MethodNotAllowedError(event.httpMethod, path, allowedMethods(path));
  });
