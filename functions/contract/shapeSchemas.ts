import type { OperationId } from './routes';
import { MAX_UTF8_BYTES_KEYWORD, requestSchemas, type JsonSchema, type RouteSchemas } from './schemas';

/**
 * The part of each route's request schema that does not depend on the configured limits: every keyword but the
 * string size bounds (`maxLength` and `x-maxUtf8Bytes`). These are what the build compiles ahead of time into
 * `generated/shapeValidators.js` (`npm run generate:validators`), so a container never runs a schema compiler at
 * cold start; the size bounds, which follow `MAX_KEY_BYTES` and `MAX_VALUE_BYTES` at run time, are checked by
 * `sizeLimits.ts`. Together they validate exactly what `requestSchemas` declares (a test compares them with Ajv
 * compiling the full schemas, on generated inputs).
 */
export function shapeSchemas(): Readonly<Record<OperationId, RouteSchemas>> {
  // Any limits do: they are stripped.
  const full = requestSchemas({ maxKeyBytes: 1, maxValueBytes: 1 });
  return Object.fromEntries(
    Object.entries(full).map(([operationId, route]) => [
      operationId,
      {
        query: withoutSizeBounds(route.query),
        ...(route.path === undefined ? {} : { path: withoutSizeBounds(route.path) }),
        ...(route.body === undefined ? {} : { body: withoutSizeBounds(route.body) }),
      },
    ]),
  ) as Record<OperationId, RouteSchemas>;
}

/** The name under which the generated module exports the validator of one part of one route. */
export function shapeValidatorName(operationId: OperationId, part: keyof RouteSchemas): string {
  return `${operationId}_${part}`;
}

const SIZE_KEYWORDS = new Set(['maxLength', MAX_UTF8_BYTES_KEYWORD]);

function withoutSizeBounds(schema: JsonSchema): JsonSchema {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const stripped = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, Object.fromEntries(Object.entries(property).filter(([keyword]) => !SIZE_KEYWORDS.has(keyword)))]),
  );
  return { ...schema, properties: stripped };
}
