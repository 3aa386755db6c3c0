import { InvalidRequestError } from '../lib/errors';

/**
 * Checks that a parsed JSON body is an object and returns it, so fields can be read safely.
 *
 * @throws {InvalidRequestError} for arrays, strings, numbers and null.
 */
export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidRequestError('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * Reads a required string field; keys must also be non-empty.
 *
 * @throws {InvalidRequestError} naming the field when it is missing or not a string.
 */
export function requireString(source: Record<string, unknown>, field: string, options: { nonEmpty?: boolean } = {}): string {
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
