import { QuorumKvError } from '../../lib';

/**
 * The errors of a malformed or refused request, each with the HTTP status it answers. Only `functions/` throws
 * them; `httpErrorResponse` turns every one into `{"status":"ERROR","error":...,"requestId":...}` with its status.
 * Their messages are safe to show to the client: they say what is wrong and, where there is one, which field.
 */
export abstract class HttpError extends QuorumKvError {
  /** The status this error answers with. */
  abstract readonly statusCode: number;

  /** Headers the response must carry besides the JSON content type (none unless a subclass says so). */
  get headers(): Record<string, string> {
    return {};
  }
}

/**
 * The client's request is malformed (missing field, wrong type, invalid JSON). Maps to HTTP 400.
 * The message is safe to show to the client: it says what is wrong and, where there is one, which field.
 */
export class InvalidRequestError extends HttpError {
  readonly statusCode = 400;

  constructor(
    message: string,
    /** The request field at fault, when there is one. */
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}

/**
 * A request is larger than the configured limits (`MAX_VALUE_BYTES`, or a body that could not hold a value within
 * them). Maps to HTTP 413. The message names the limit and is safe to show to the client.
 */
export class PayloadTooLargeError extends HttpError {
  readonly statusCode = 413;

  constructor(
    message: string,
    /** The request field over its limit, when there is one. */
    public readonly field?: string,
  ) {
    super(message);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * The request declares a body that is not JSON (`Content-Type: text/plain`, a form, a non-UTF-8 charset). Maps to
 * HTTP 415. A request without a content type is read as JSON, because `serverless invoke local --data` sends none.
 */
export class UnsupportedMediaTypeError extends HttpError {
  readonly statusCode = 415;

  constructor(
    /** The content type the request declared. */
    public readonly contentType: string,
  ) {
    super(`Content-Type ${JSON.stringify(contentType)} is not supported: send application/json (UTF-8)`);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/**
 * No route serves this method and path (an unknown path, or `/kv/` with an empty key). Maps to HTTP 404 with the
 * ERROR shape; the message lists the routes there are, so a typo explains itself.
 */
export class RouteNotFoundError extends HttpError {
  readonly statusCode = 404;

  constructor(
    /** The method the request used. */
    public readonly method: string,
    /** The path the request asked for. */
    public readonly path: string,
    /** Every route, as `METHOD /path`. */
    routes: readonly string[],
  ) {
    super(`no route for ${method} ${path}; routes: ${routes.join(', ')}`);
    this.name = 'RouteNotFoundError';
  }
}

/**
 * The route exists but not with this HTTP method. Maps to HTTP 405 with an `Allow` header listing `allowed`.
 */
export class MethodNotAllowedError extends HttpError {
  readonly statusCode = 405;

  constructor(
    /** The method the request used. */
    public readonly method: string,
    /** The route's path (`/kv/{key}`) or the request's. */
    public readonly path: string,
    /** The methods the path accepts. */
    public readonly allowed: readonly string[],
  ) {
    super(`method ${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
    this.name = 'MethodNotAllowedError';
  }

  override get headers(): Record<string, string> {
    return { Allow: this.allowed.join(', ') };
  }
}
