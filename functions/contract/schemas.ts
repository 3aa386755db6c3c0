import { CONSISTENCY_LEVELS, READ_STRATEGIES, type CoordinatorConfig } from '../../lib';
import type { OperationId } from './routes';

/** A JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it), kept as plain data so `openapi.yaml` can be compared. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The declared input of one route: an object schema for each part of the request that carries input. */
export interface RouteSchemas {
  /** The JSON body, for routes that take one. */
  readonly body?: JsonSchema;
  /** The query string parameters, as an object of strings (unknown parameters are refused). */
  readonly query: JsonSchema;
  /** The path parameters, for `/kv/{key}`. */
  readonly path?: JsonSchema;
}

/** The limits the schemas enforce, from the configuration (`MAX_KEY_BYTES`, `MAX_VALUE_BYTES`). */
export type RequestLimits = Pick<CoordinatorConfig, 'maxKeyBytes' | 'maxValueBytes'>;

/**
 * Longest accepted `ttl`: ten years. Without a bound, a huge integer would overflow the absolute expiry time that
 * every replica stores.
 */
export const MAX_TTL_SECONDS = 315_360_000;

/**
 * The extension keyword that bounds a string's length in bytes of UTF-8 and requires well-formed Unicode (no lone
 * surrogate, which could not be stored byte for byte). JSON Schema's `maxLength` counts code points, not bytes.
 */
export const MAX_UTF8_BYTES_KEYWORD = 'x-maxUtf8Bytes';

/**
 * The request schemas of every route: one declaration used both to validate requests (`validateRequest`) and to
 * document them (`openapi.yaml`, checked equal by a test for the default limits).
 *
 * `maxLength` equals the byte limit because a string of N bytes has at most N code points: it lets generic tools
 * (API Gateway, client generators) reject most oversized strings, and `x-maxUtf8Bytes` makes the bound exact.
 */
export function requestSchemas(limits: RequestLimits): Readonly<Record<OperationId, RouteSchemas>> {
  const key = utf8String(1, limits.maxKeyBytes);
  const value = utf8String(0, limits.maxValueBytes);
  const ttl = { type: 'integer', minimum: 1, maximum: MAX_TTL_SECONDS };
  const options = { consistency: { type: 'string', enum: [...CONSISTENCY_LEVELS] }, trace: { type: 'string', enum: ['0', '1', 'true', 'false'] } };
  // Reads also choose how the replicas are asked (`race` or `hedged`).
  const readOptions = { ...options, strategy: { type: 'string', enum: [...READ_STRATEGIES] } };
  const pathKey = objectOf({ key }, ['key']);
  return {
    set: { body: objectOf({ key, value, ttl }, ['key', 'value']), query: objectOf(options) },
    get: { query: objectOf({ key, ...readOptions }, ['key']) },
    putKey: { path: pathKey, body: objectOf({ value, ttl }, ['value']), query: objectOf(options) },
    getKey: { path: pathKey, query: objectOf(readOptions) },
    deleteKey: { path: pathKey, query: objectOf(options) },
    health: { query: objectOf({}) },
  };
}

function utf8String(minLength: number, maxBytes: number): JsonSchema {
  return { type: 'string', ...(minLength > 0 ? { minLength } : {}), maxLength: maxBytes, [MAX_UTF8_BYTES_KEYWORD]: maxBytes };
}

function objectOf(properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return { type: 'object', properties, ...(required.length > 0 ? { required: [...required] } : {}), additionalProperties: false };
}

/**
 * The longest request body that can hold a valid request: JSON may escape each byte of a key or value as `\uXXXX`
 * (6 bytes), plus room for field names, `ttl` and whitespace. Anything longer is refused with 413 before parsing.
 */
export function maxBodyBytes(limits: RequestLimits): number {
  return 6 * (limits.maxKeyBytes + limits.maxValueBytes) + 1_024;
}
