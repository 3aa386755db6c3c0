import type { MiddlewareObj } from '@middy/core';
import { InvalidRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../http/errors';
import { headerValue, type HttpEvent, type HttpResult } from '../http/events';

/** An HTTP event whose body has been parsed from JSON. */
export type ParsedBodyEvent = Omit<HttpEvent, 'body'> & { body: unknown };

/** Options of {@link jsonBody}. */
export interface JsonBodyOptions {
  /** Largest body accepted before parsing, in bytes; a larger one is refused with 413 without being parsed. */
  readonly maxBodyBytes: number;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads the request body as JSON, in this order: a declared content type that is not JSON → 415; a body over
 * `maxBodyBytes` → 413; no body, bad base64, bytes that are not UTF-8, or text that is not JSON → 400. A request
 * without a content type is read as JSON (`serverless invoke local --data` sends none, nor do some clients).
 *
 * Over HTTP every body arrives base64-encoded (`serverless.yml` lists `*\/*` as binary media types, for API Gateway
 * and serverless offline, patched in `patches/`), so the UTF-8 check sees the client's bytes, not a gateway's
 * U+FFFD; the size counted is the decoded bytes'.
 *
 * Not `@middy/http-json-body-parser`: it answers 415 for malformed JSON and a missing body, refuses bodies without a
 * JSON content type, and does not check UTF-8; the contract says 400.
 */
export function jsonBody(options: JsonBodyOptions): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      const contentType = headerValue(request.event, 'content-type');
      if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType)) {
        throw new UnsupportedMediaTypeError(contentType);
      }
      if (body === null || body === undefined || body === '') {
        throw new InvalidRequestError('request body is required: a JSON object');
      }
      const compact = isBase64Encoded ? body.replace(/\s+/g, '') : body;
      const bytes = isBase64Encoded ? base64ByteLength(compact) : Buffer.byteLength(body, 'utf8');
      if (bytes > options.maxBodyBytes) {
        throw new PayloadTooLargeError(`request body is ${bytes} bytes; at most ${options.maxBodyBytes} are accepted`);
      }
      const text = isBase64Encoded ? decodeBase64Utf8(compact) : body;
      try {
        (request.event as unknown as ParsedBodyEvent).body = JSON.parse(text);
      } catch (error) {
        throw new InvalidRequestError(`request body is not valid JSON: ${(error as Error).message}`);
      }
    },
  };
}

/** True for `application/json` and `application/<anything>+json`, in UTF-8 (the only charset JSON allows). */
export function isJsonMediaType(contentType: string): boolean {
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(mediaType)) return false;
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  return charset === undefined || ['utf-8', 'utf8', '"utf-8"'].includes(charset.slice('charset='.length));
}

/** The number of bytes that base64 text (without whitespace) decodes to: exact for well-formed base64. */
function base64ByteLength(compact: string): number {
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  return Math.floor((compact.length * 3) / 4) - padding;
}

function decodeBase64Utf8(compact: string): string {
  if (!STRICT_BASE64.test(compact)) throw new InvalidRequestError('request body is marked base64 but is not valid base64');
  try {
    return UTF8.decode(Buffer.from(compact, 'base64'));
  } catch {
    throw new InvalidRequestError('request body is not valid UTF-8');
  }
}
