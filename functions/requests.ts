import { parseConsistency, type ConsistencyLevel } from '../lib/consistency';
import { InvalidRequestError } from '../lib/errors';
import type { ReadOptions, WriteOptions } from '../lib/coordinator';
import type { HttpEvent } from './http';

/** A parsed write: what to store, and how. */
export interface WriteRequest {
  readonly key: string;
  readonly value: string;
  readonly options: WriteOptions;
}

/**
 * Reads `POST /set`'s body: `{"key": "...", "value": "...", "ttl": 60}` (ttl optional, seconds), plus
 * `?consistency=` from the query string.
 *
 * @throws {InvalidRequestError} naming the field that is missing or malformed.
 */
export function parseSetRequest(event: HttpEvent, body: unknown): WriteRequest {
  const fields = requireObjectBody(body);
  const key = requireString(fields, 'key', { nonEmpty: true });
  return { key, value: requireString(fields, 'value'), options: writeOptions(event, fields) };
}

/**
 * Reads `PUT /kv/{key}`: the key from the path, `{"value": "...", "ttl": 60}` from the body, `?consistency=`.
 *
 * @throws {InvalidRequestError} naming the field that is missing or malformed.
 */
export function parsePutRequest(event: HttpEvent, body: unknown): WriteRequest {
  const fields = requireObjectBody(body);
  return { key: pathKey(event), value: requireString(fields, 'value'), options: writeOptions(event, fields) };
}

/** Reads the consistency a request asks for (`?consistency=one|quorum|all`); undefined means the default. */
export function requestedConsistency(event: HttpEvent): ReadOptions {
  const consistency: ConsistencyLevel | undefined = event.queryStringParameters?.consistency
    ? parseConsistency(event.queryStringParameters.consistency, 'one')
    : undefined;
  return consistency === undefined ? {} : { consistency };
}

/**
 * The key named in the path of `/kv/{key}`.
 *
 * @throws {InvalidRequestError} when it is missing or empty.
 */
export function pathKey(event: HttpEvent): string {
  const key = event.pathParameters?.key;
  if (key === undefined || key === '') throw new InvalidRequestError('the key in the path must not be empty', 'key');
  return key;
}

/**
 * The key of `GET /get?key=K`.
 *
 * @throws {InvalidRequestError} when the query has no non-empty `key`.
 */
export function queryKey(event: HttpEvent): string {
  const key = event.queryStringParameters?.key;
  if (key === undefined || key === '') throw new InvalidRequestError('query parameter "key" is required', 'key');
  return key;
}

function writeOptions(event: HttpEvent, fields: Record<string, unknown>): WriteOptions {
  const ttl = fields.ttl;
  if (ttl !== undefined && ttl !== null && (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0)) {
    throw new InvalidRequestError('"ttl" must be a positive whole number of seconds', 'ttl');
  }
  return { ...requestedConsistency(event), ...(typeof ttl === 'number' ? { ttlSeconds: ttl } : {}) };
}

function requireObjectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function requireString(source: Record<string, unknown>, field: string, options: { nonEmpty?: boolean } = {}): string {
  const value = source[field];
  if (value === undefined || value === null) {
    throw new InvalidRequestError(`"${field}" is required`, field);
  }
  if (typeof value !== 'string') {
    throw new InvalidRequestError(`"${field}" must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`, field);
  }
  if (options.nonEmpty === true && value.length === 0) {
    throw new InvalidRequestError(`"${field}" must not be empty`, field);
  }
  return value;
}
