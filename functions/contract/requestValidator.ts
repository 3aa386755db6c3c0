import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { InvalidRequestError, PayloadTooLargeError } from '../http/errors';
import { MAX_TTL_SECONDS, MAX_UTF8_BYTES_KEYWORD, type JsonSchema, type RouteSchemas } from './schemas';

/** The parts of a request a route schema describes, each as a plain object (a missing part is `{}`). */
export interface RequestParts {
  readonly path: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body?: unknown;
}

type Part = keyof RequestParts;

const LONE_SURROGATE = /\p{Cs}/u;

/** Checks `x-maxUtf8Bytes`: well-formed Unicode, at most N bytes once encoded as UTF-8. */
function checkUtf8Bytes(limit: number, data: string): boolean {
  if (LONE_SURROGATE.test(data)) {
    checkUtf8Bytes.errors = [{ keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'surrogate', limit } }];
    return false;
  }
  const bytes = Buffer.byteLength(data, 'utf8');
  if (bytes > limit) {
    checkUtf8Bytes.errors = [{ keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'bytes', limit, bytes } }];
    return false;
  }
  return true;
}
checkUtf8Bytes.errors = [] as Partial<ErrorObject>[];

/**
 * One shared Ajv: schemas are compiled once per container, at cold start. `allErrors` so that every unknown field
 * is named, not just the first. The schemas are not checked against the JSON Schema meta-schema here (that check
 * compiles the meta-schema first and costs ~15 ms of every cold start); a test checks them instead
 * (`test/contract/openapi.test.ts`).
 */
const ajv = new Ajv({ allErrors: true, strict: true, validateSchema: false });
ajv.addKeyword({ keyword: MAX_UTF8_BYTES_KEYWORD, type: 'string', schemaType: 'number', errors: true, validate: checkUtf8Bytes });

/**
 * Validates requests against one route's declared schemas and turns the first problem into an error that says what
 * is wrong and which field: `InvalidRequestError` (400), or `PayloadTooLargeError` (413) for a value over
 * `MAX_VALUE_BYTES`.
 *
 * Why Ajv directly rather than `@middy/validator`: that middleware reports every failure as one 400 "Event object
 * failed validation" with Ajv's raw errors as the cause; the contract needs 413 for size, field-naming messages and
 * the seed's wording, so the mapping from Ajv errors is ours either way.
 */
export class RequestValidator {
  private readonly validators: { readonly [P in Part]?: ValidateFunction };

  constructor(private readonly schemas: RouteSchemas) {
    this.validators = {
      path: schemas.path === undefined ? undefined : ajv.compile(schemas.path),
      query: ajv.compile(schemas.query),
      body: schemas.body === undefined ? undefined : ajv.compile(schemas.body),
    };
  }

  /**
   * @throws {InvalidRequestError} for anything that does not match the schema (400).
   * @throws {PayloadTooLargeError} for a value longer than the limit (413).
   */
  validate(parts: RequestParts): void {
    for (const part of ['path', 'query', 'body'] as const) {
      const validator = this.validators[part];
      if (validator === undefined) continue;
      const data = parts[part];
      if (!validator(data)) throw toRequestError(part, data, validator.errors ?? [], this.schemas[part]!);
    }
  }
}

function toRequestError(part: Part, data: unknown, errors: readonly ErrorObject[], schema: JsonSchema): Error {
  const fields = (data ?? {}) as Record<string, unknown>;
  const tooLarge = errors.find((error) => part === 'body' && fieldOf(error) === 'value' && isSizeError(error));
  if (tooLarge !== undefined) return new PayloadTooLargeError(sizeMessage(part, 'value', tooLarge, fields), 'value');

  const typeOfRoot = errors.find((error) => error.instancePath === '' && error.keyword === 'type');
  if (typeOfRoot !== undefined) return new InvalidRequestError('request body must be a JSON object');

  const unknown = errors.filter((error) => error.keyword === 'additionalProperties').map((error) => String(error.params.additionalProperty));
  if (unknown.length > 0) {
    const allowed = Object.keys((schema.properties ?? {}) as object).join(', ');
    const what = part === 'body' ? `field${unknown.length > 1 ? 's' : ''} in the body` : `${part} parameter${unknown.length > 1 ? 's' : ''}`;
    const names = [...new Set(unknown)].map((name) => JSON.stringify(name)).join(', ');
    return new InvalidRequestError(`unknown ${what}: ${names}; allowed: ${allowed}`, unknown[0]);
  }

  const first = errors[0];
  if (first === undefined) return new InvalidRequestError(`${part === 'body' ? 'request body' : `${part} parameters`} are invalid`);
  const field = fieldOf(first);
  const name = label(part, field);
  if (field === 'ttl') return new InvalidRequestError(`${name} must be a positive whole number of seconds, at most ${MAX_TTL_SECONDS}`, field);
  switch (first.keyword) {
    case 'required':
      return new InvalidRequestError(`${name} is required`, field);
    case 'type':
      return new InvalidRequestError(`${name} must be a ${String(first.params.type)}, got ${jsonTypeOf(fields[field])}`, field);
    case 'enum':
      return new InvalidRequestError(`${name} must be one of ${(first.params.allowedValues as unknown[]).join(', ')}`, field);
    case 'minLength':
      return new InvalidRequestError(`${name} must not be empty`, field);
    case 'maxLength':
    case MAX_UTF8_BYTES_KEYWORD:
      return new InvalidRequestError(sizeMessage(part, field, first, fields), field);
    default:
      return new InvalidRequestError(`${name} ${first.message ?? 'is invalid'}`, field);
  }
}

/** The top-level field an error is about: the missing or unknown one, or the one its path points at. */
function fieldOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  if (error.keyword === 'additionalProperties') return String(error.params.additionalProperty);
  return decodeURIComponent(error.instancePath.split('/')[1] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
}

function isSizeError(error: ErrorObject): boolean {
  return error.keyword === 'maxLength' || (error.keyword === MAX_UTF8_BYTES_KEYWORD && error.params.reason === 'bytes');
}

function sizeMessage(part: Part, field: string, error: ErrorObject, fields: Record<string, unknown>): string {
  const name = label(part, field);
  if (error.params.reason === 'surrogate') {
    return `${name} must be valid Unicode text: it contains an unpaired surrogate (U+D800 to U+DFFF)`;
  }
  const value = fields[field];
  const bytes = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
  return `${name} must be at most ${String(error.params.limit)} bytes of UTF-8, got ${bytes}`;
}

function label(part: Part, field: string): string {
  return part === 'body' ? JSON.stringify(field) : `${part} parameter ${JSON.stringify(field)}`;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
