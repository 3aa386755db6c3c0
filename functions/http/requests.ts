import {
  CONSISTENCY_LEVELS,
  type ConsistencyLevel,
  isConsistencyLevel,
  type ReadOptions,
  type ReadStrategy,
  type WriteOptions,
} from '../../lib';
import { InvalidRequestError } from './errors';
import type { HttpEvent } from './events';
import type { ParsedBodyEvent } from '../middleware/jsonBody';

/**
 * Turns a request that `validateRequest` has accepted into what the coordinator takes. Nothing here validates: the
 * route's schema (`contract/schemas.ts`) has already guaranteed every field's presence, type and size.
 */

/** A parsed write: what to store, and how. */
export interface WriteRequest {
  readonly key: string;
  readonly value: string;
  readonly options: WriteOptions;
}

/** A parsed read or delete: which key, at which level. */
export interface KeyRequest {
  readonly key: string;
  readonly options: ReadOptions;
}

interface WriteBody {
  readonly key?: string;
  readonly value: string;
  readonly ttl?: number;
}

/** `POST /set`: `{"key", "value", "ttl"?}` and `?consistency=`. */
export function setRequest(event: ParsedBodyEvent): WriteRequest {
  const body = event.body as WriteBody & { key: string };
  return { key: body.key, value: body.value, options: writeOptions(event, body) };
}

/** `PUT /kv/{key}`: the key from the path, `{"value", "ttl"?}` and `?consistency=`. */
export function putRequest(event: ParsedBodyEvent): WriteRequest {
  const body = event.body as WriteBody;
  return { key: event.pathParameters!.key!, value: body.value, options: writeOptions(event, body) };
}

/** `GET /get?key=K&consistency=&strategy=`. */
export function queryKeyRequest(event: HttpEvent): KeyRequest {
  return { key: event.queryStringParameters!.key!, options: readOptions(event) };
}

/** `GET /kv/{key}?consistency=&strategy=`. */
export function pathKeyReadRequest(event: HttpEvent): KeyRequest {
  return { key: event.pathParameters!.key!, options: readOptions(event) };
}

/** `DELETE /kv/{key}?consistency=`. */
export function pathKeyRequest(event: HttpEvent): KeyRequest {
  return { key: event.pathParameters!.key!, options: requestedConsistency(event) };
}

/**
 * Reads a consistency level chosen by a client (`?consistency=`), or the default when absent. The route schemas
 * already refuse an unknown level; this is the same rule for input that does not pass through them.
 *
 * @throws {InvalidRequestError} naming the allowed levels.
 */
export function parseConsistency(value: string | undefined | null, fallback: ConsistencyLevel): ConsistencyLevel {
  if (value === undefined || value === null || value === '') return fallback;
  if (!isConsistencyLevel(value)) {
    throw new InvalidRequestError(`"consistency" must be one of ${CONSISTENCY_LEVELS.join(', ')}`, 'consistency');
  }
  return value;
}

function requestedConsistency(event: Pick<HttpEvent, 'queryStringParameters'>): ReadOptions {
  const consistency = event.queryStringParameters?.consistency as ConsistencyLevel | undefined;
  return consistency === undefined ? {} : { consistency };
}

/** The level and the strategy (`?strategy=race|hedged`) a read asks for; the route schema refused any other. */
function readOptions(event: Pick<HttpEvent, 'queryStringParameters'>): ReadOptions {
  const strategy = event.queryStringParameters?.strategy as ReadStrategy | undefined;
  const level = requestedConsistency(event);
  return strategy === undefined ? level : { ...level, strategy };
}

function writeOptions(event: ParsedBodyEvent, body: WriteBody): WriteOptions {
  return { ...requestedConsistency(event), ...(body.ttl === undefined ? {} : { ttlSeconds: body.ttl }) };
}
