import type { MiddlewareObj } from '@middy/core';
import { InvalidRequestError } from '../../lib/errors';
import type { HttpEvent, HttpResult } from '../http';

/** An HTTP event whose body has been parsed from JSON. */
export type ParsedBodyEvent = Omit<HttpEvent, 'body'> & { body: unknown };

/**
 * Parses the request body as JSON, answering 400 (through the error middleware) when it is absent or malformed.
 *
 * Why not `@middy/http-json-body-parser`: it answers 415 for malformed JSON and for a missing body, and refuses
 * bodies without a JSON content type (which `serverless invoke local --data` never sends); our contract is 400 for
 * both, as the seed's clients expect.
 */
export function jsonBody(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === null || body === undefined || body === '') {
        throw new InvalidRequestError('request body is required: a JSON object');
      }
      const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      try {
        (request.event as unknown as ParsedBodyEvent).body = JSON.parse(text);
      } catch (error) {
        throw new InvalidRequestError(`request body is not valid JSON: ${(error as Error).message}`);
      }
    },
  };
}
