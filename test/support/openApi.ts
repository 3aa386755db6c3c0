import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

/** The parts of an OpenAPI operation the tests read. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: unknown }> };
  readonly responses: Record<string, unknown>;
}

/** One OpenAPI parameter. */
export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'query' | 'path' | 'header';
  readonly required?: boolean;
  readonly schema: Record<string, unknown>;
}

/** `openapi.yaml`, parsed (YAML anchors resolved). */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, unknown> & { parameters?: readonly OpenApiParameter[] }>;
  readonly components: Record<string, unknown>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Reads and parses `openapi.yaml` at the repository root. */
export function loadOpenApi(): OpenApiDocument {
  return parse(readFileSync(join(ROOT, 'openapi.yaml'), 'utf8')) as OpenApiDocument;
}

/** Every operation in the document, with its method (upper case), path and parameters (path-level ones merged in). */
export function operationsOf(document: OpenApiDocument): { method: string; path: string; operation: OpenApiOperation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]) => {
        const own = operation as OpenApiOperation;
        const parameters = [...(item.parameters ?? []), ...(own.parameters ?? [])];
        return { method: method.toUpperCase(), path, operation: { ...own, parameters } };
      }),
  );
}

/**
 * The object schema that a list of OpenAPI parameters in one location amounts to: what the handler validates
 * `queryStringParameters` or `pathParameters` with.
 */
export function parametersAsSchema(parameters: readonly OpenApiParameter[], location: 'query' | 'path'): Record<string, unknown> {
  const here = parameters.filter((parameter) => parameter.in === location);
  const required = here.filter((parameter) => parameter.required === true).map((parameter) => parameter.name);
  return {
    type: 'object',
    properties: Object.fromEntries(here.map((parameter) => [parameter.name, parameter.schema])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/**
 * Checks response bodies against the schemas `openapi.yaml` documents for an operation and status.
 *
 * @returns the validation errors as text, or an empty string when the body matches.
 */
export function responseChecker(document: OpenApiDocument): (operationId: string, status: number, body: unknown) => string {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document, 'openapi');
  const operations = operationsOf(document);
  return (operationId, status, body) => {
    const found = operations.find(({ operation }) => operation.operationId === operationId);
    if (found === undefined) return `no operation ${operationId}`;
    let response = found.operation.responses[String(status)] as Record<string, unknown> | undefined;
    if (response === undefined) return `${operationId} documents no ${status} response`;
    if (typeof response.$ref === 'string') {
      const name = response.$ref.split('/').pop()!;
      response = (document.components.responses as Record<string, Record<string, unknown>>)[name];
    }
    const schema = (response?.content as Record<string, { schema: Record<string, unknown> }> | undefined)?.['application/json']?.schema;
    if (schema === undefined) return `${operationId} ${status} has no JSON schema`;
    const ref = typeof schema.$ref === 'string' ? `openapi${schema.$ref}` : undefined;
    const validate = ref === undefined ? ajv.compile(schema) : ajv.getSchema(ref);
    if (validate === undefined) return `cannot resolve ${ref}`;
    return validate(body) ? '' : ajv.errorsText(validate.errors);
  };
}
