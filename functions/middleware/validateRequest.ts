import type { MiddlewareObj } from '@middy/core';
import { InvalidRequestError } from '../http/errors';
import { RequestValidator, type CompiledContract } from '../contract/requestValidator';
import type { RouteSchemas } from '../contract/schemas';
import type { HttpEvent, HttpResult } from '../http/events';
import type { ParsedBodyEvent } from './jsonBody';

/**
 * Checks the path parameters, query string and (parsed) body against the route's declared schemas before the
 * handler runs, so a handler only ever sees valid input. Failures become 400 or 413 through the error middleware.
 *
 * A query parameter given more than once (`?key=a&key=b`) is refused: API Gateway would silently keep the last one.
 */
export function validateRequest(contract: CompiledContract, schemas: RouteSchemas): MiddlewareObj<HttpEvent, HttpResult> {
  const validator = new RequestValidator(contract, schemas);
  return {
    before: (request) => {
      const event = request.event as unknown as ParsedBodyEvent;
      for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
        if ((values?.length ?? 0) > 1) throw new InvalidRequestError(`query parameter ${JSON.stringify(name)} must be given once`, name);
      }
      validator.validate({
        path: { ...(event.pathParameters ?? {}) },
        query: { ...(event.queryStringParameters ?? {}) },
        ...(schemas.body === undefined ? {} : { body: event.body }),
      });
    },
  };
}
