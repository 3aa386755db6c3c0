import type { ErrorObject } from 'ajv';
import { MAX_UTF8_BYTES_KEYWORD, type JsonSchema } from './schemas';

/** The size bound of one string property: at most `limit` code points (`maxLength`) and bytes of UTF-8. */
interface SizeBound {
  readonly property: string;
  readonly limit: number;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Checks the size bounds of a request schema (`maxLength` and `x-maxUtf8Bytes` on string properties) against data,
 * the part of the schema that follows the configured limits and so is not compiled ahead of time (see
 * `shapeSchemas.ts`). Its errors have the shape and keywords Ajv gives them, so the request validator maps both to
 * the same messages.
 */
export class SizeLimits {
  private readonly bounds: readonly SizeBound[];

  constructor(schema: JsonSchema) {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    this.bounds = Object.entries(properties)
      .filter(([, property]) => typeof property[MAX_UTF8_BYTES_KEYWORD] === 'number')
      .map(([property, declared]) => ({ property, limit: declared[MAX_UTF8_BYTES_KEYWORD] as number }));
  }

  /** The errors of the bounded string properties of `data`, per property in the schema's order; empty when none. */
  errorsOf(data: unknown): Map<string, ErrorObject[]> | undefined {
    if (data === null || typeof data !== 'object') return undefined;
    let found: Map<string, ErrorObject[]> | undefined;
    for (const { property, limit } of this.bounds) {
      const text = (data as Record<string, unknown>)[property];
      if (typeof text !== 'string') continue;
      const errors = boundErrors(property, limit, text);
      if (errors.length > 0) (found ??= new Map()).set(property, errors);
    }
    return found;
  }
}

/**
 * What Ajv reported for a string over its bounds, in its order: `maxLength` when it has more code points than the
 * limit, then `x-maxUtf8Bytes` for a lone surrogate or too many bytes. Code points are counted only for a string
 * over the byte limit: a string has at most as many code points as bytes of UTF-8.
 */
function boundErrors(property: string, limit: number, text: string): ErrorObject[] {
  const instancePath = `/${property.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const errors: ErrorObject[] = [];
  const surrogate = LONE_SURROGATE.test(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limit && codePoints(text) > limit) {
    errors.push({ instancePath, schemaPath: `#/properties/${property}/maxLength`, keyword: 'maxLength', params: { limit } });
  }
  if (surrogate) {
    errors.push({ instancePath, schemaPath: `#/properties/${property}/${MAX_UTF8_BYTES_KEYWORD}`, keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'surrogate', limit } });
  } else if (bytes > limit) {
    errors.push({ instancePath, schemaPath: `#/properties/${property}/${MAX_UTF8_BYTES_KEYWORD}`, keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'bytes', limit, bytes } });
  }
  return errors;
}

/** Code points in a string (what JSON Schema's `maxLength` counts): UTF-16 units less the surrogate pairs. */
function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count;
}
