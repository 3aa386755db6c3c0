import type { ErrorObject, ValidateFunction } from 'ajv';
import { InvalidRequestError, PayloadTooLargeError } from '../http/errors';
import type { OperationId } from './routes';
import { MAX_TTL_SECONDS, MAX_UTF8_BYTES_KEYWORD, type JsonSchema, type RouteSchemas } from './schemas';
import { SizeLimits } from './sizeLimits';

/** The parts of a request a route schema describes, each as a plain object (a missing part is `{}`). */
export interface RequestParts {
  readonly path: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly body?: unknown;
}

type Part = keyof RequestParts;

/**
 * One route's validators as the build compiled them (`compiledContracts.ts`): the shape of each request part it
 * takes, without the size bounds, which follow the configuration.
 */
export interface CompiledContract {
  readonly operationId: OperationId;
  readonly path?: ValidateFunction;
  readonly query: ValidateFunction;
  readonly body?: ValidateFunction;
}

interface PartValidator {
  readonly shape: ValidateFunction;
  readonly sizes: SizeLimits;
  readonly schema: JsonSchema;
}

/**
 * Validates requests against one route's declared schemas and turns the first problem into an error that says what
 * is wrong and which field: `InvalidRequestError` (400), or `PayloadTooLargeError` (413) for a value over
 * `MAX_VALUE_BYTES`.
 *
 * Nothing is compiled at cold start: the shape of each part (types, required and unknown fields, enums, ranges) is
 * checked by code Ajv generated at build time (`generated/shapeValidators.js`), and the size bounds, which follow the
 * configured limits, by `SizeLimits`. Their errors are merged in the order Ajv reports them for the whole schema
 * (`allErrors`), so messages are what the full schema gives (a test compares them on generated inputs).
 *
 * Why not `@middy/validator`: that middleware reports every failure as one 400 "Event object failed validation"
 * with Ajv's raw errors as the cause; the contract needs 413 for size and messages that name the field.
 */
export class RequestValidator {
  private readonly validators: { readonly [P in Part]?: PartValidator };

  /**
   * @param contract the route's validators compiled at build time.
   * @param schemas the route's schemas with the configured limits (`requestSchemas(config)[operationId]`).
   */
  constructor(contract: CompiledContract, private readonly schemas: RouteSchemas) {
    const validatorOf = (part: Part): PartValidator | undefined => {
      const schema = schemas[part];
      if (schema === undefined) return undefined;
      const shape = contract[part];
      if (shape === undefined) throw new Error(`no compiled validator for ${contract.operationId} ${part}: run npm run generate:validators`);
      return { shape, sizes: new SizeLimits(schema), schema };
    };
    this.validators = { path: validatorOf('path'), query: validatorOf('query'), body: validatorOf('body') };
  }

  /**
   * @throws {InvalidRequestError} for anything that does not match the schema (400).
   * @throws {PayloadTooLargeError} for a value longer than the limit (413).
   */
  validate(parts: RequestParts): void {
    for (const part of ['path', 'query', 'body'] as const) {
      const errors = this.errorsOf(part, parts[part]);
      if (errors.length > 0) throw toRequestError(part, parts[part], errors, this.schemas[part]!);
    }
  }

  /**
   * Every problem with one part of a request, in the order Ajv reports them for the full schema (empty when it is
   * valid): what `validate` turns into its message, and what a test compares with the full schema's errors.
   */
  errorsOf(part: Part, data: unknown): ErrorObject[] {
    const validator = this.validators[part];
    if (validator === undefined) return [];
    const shaped = validator.shape(data);
    const sizeErrors = validator.sizes.errorsOf(data);
    if (shaped && sizeErrors === undefined) return [];
    return mergeInSchemaOrder(validator.schema, shaped ? [] : (validator.shape.errors ?? []), sizeErrors);
  }
}

/**
 * Ajv (with `allErrors`) reports an object's own errors (type, required, unknown fields) first, then each declared
 * property's in the schema's order, a string's size bounds after its other keywords: the size errors go where the
 * full schema would have put them.
 */
function mergeInSchemaOrder(schema: JsonSchema, shapeErrors: readonly ErrorObject[], sizeErrors: Map<string, ErrorObject[]> | undefined): ErrorObject[] {
  if (sizeErrors === undefined) return [...shapeErrors];
  const merged = shapeErrors.filter((error) => error.instancePath === '');
  for (const property of Object.keys((schema.properties ?? {}) as object)) {
    const path = `/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    merged.push(...shapeErrors.filter((error) => error.instancePath === path || error.instancePath.startsWith(`${path}/`)));
    merged.push(...(sizeErrors.get(property) ?? []));
  }
  return merged;
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
