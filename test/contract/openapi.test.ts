import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/contract/routes';
import Ajv from 'ajv';
import { MAX_UTF8_BYTES_KEYWORD, requestSchemas } from '../../functions/contract/schemas';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from '../../lib';
import { loadOpenApi, operationsOf, parametersAsSchema } from '../support/openApi';

const ROOT = join(__dirname, '..', '..');

describe('Document: openapi.yaml', () => {
  const document = loadOpenApi();
  const operations = operationsOf(document);
  const schemas = requestSchemas({ maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxValueBytes: DEFAULT_MAX_VALUE_BYTES });

  it('is OpenAPI 3.1 and describes every route the handlers serve', () => {
    // Act
    const documented = operations.map(({ method, path }) => `${method} ${path}`).sort();

    // Assess
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(documented).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(ROUTES.map((route) => [route.operationId, route] as const))(
    'declares for %s exactly the request schemas the handler validates with',
    (operationId, route) => {
      // Prepare
      const found = operations.find(({ method, path }) => method === route.method && path === route.path)!;

      // Act
      const declared = {
        operationId: found.operation.operationId,
        query: parametersAsSchema(found.operation.parameters ?? [], 'query'),
        path: (found.operation.parameters ?? []).some((parameter) => parameter.in === 'path')
          ? parametersAsSchema(found.operation.parameters ?? [], 'path')
          : undefined,
        body: found.operation.requestBody?.content['application/json']?.schema,
      };

      // Assess
      expect(declared).toEqual({ operationId, query: schemas[operationId].query, path: schemas[operationId].path, body: schemas[operationId].body });
    },
  );

  it.each(ROUTES.map((route) => route.operationId))('declares valid JSON Schemas for %s (containers skip this check)', (operationId) => {
    // Prepare: a validating Ajv, as strict as the handlers' one, that also checks schemas against the meta-schema.
    const ajv = new Ajv({ strict: true, validateSchema: true });
    ajv.addKeyword({ keyword: MAX_UTF8_BYTES_KEYWORD, type: 'string', schemaType: 'number' });

    // Act
    const parts = Object.values(schemas[operationId]).filter((schema) => schema !== undefined);

    // Assess
    for (const schema of parts) expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    for (const schema of parts) expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('takes no input on GET /health, so it needs no request schema', () => {
    // Act
    const health = operations.find(({ path }) => path === '/health')!;

    // Assess
    expect(health.operation.parameters).toEqual([]);
    expect(health.operation.requestBody).toBeUndefined();
    expect(Object.keys(health.operation.responses)).toEqual(expect.arrayContaining(['200', '503']));
  });

  it('documents a JSON error response for every status a route can answer', () => {
    // Act
    const statuses = Object.fromEntries(
      operations.filter(({ path }) => path !== '/health').map(({ operation }) => [operation.operationId, Object.keys(operation.responses).sort()]),
    );

    // Assess
    for (const codes of Object.values(statuses)) expect(codes).toEqual(expect.arrayContaining(['200', '400', '403', '405', '500', '503']));
    for (const write of ['set', 'putKey']) expect(statuses[write]).toEqual(expect.arrayContaining(['413', '415']));
    for (const read of ['get', 'getKey']) expect(statuses[read]).toContain('404');
  });
});

describe('Document: openapi.yaml as YAML', () => {
  it('has no key without a value, the mark of an unquoted comma in a flow mapping ({ description: a, b })', () => {
    // Prepare: every key whose value is null, anywhere in the document.
    const nullKeys: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null) nullKeys.push(path);
      else if (typeof node === 'object') for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
    };

    // Act
    walk(loadOpenApi(), '#');

    // Assess
    expect(nullKeys).toEqual([]);
  });

  it('gives the error shape exactly the fields the handlers send', () => {
    // Act
    const error = (loadOpenApi().components.schemas as Record<string, { properties: Record<string, unknown> }>).Error!;

    // Assess
    expect(Object.keys(error.properties)).toEqual(['status', 'error', 'requestId']);
  });
});

describe.each([
  ['docs/api.md', '## Routes'],
  ['README.md', '## API at a glance'],
])('Document: the route table of %s', (document, heading) => {
  const text = readFileSync(join(ROOT, document), 'utf8');
  const apiSection = text.slice(text.indexOf(heading), text.indexOf('\n## ', text.indexOf(heading) + 1));

  it.each(operationsOf(loadOpenApi()).map(({ method, path }) => [`${method} ${path}`]))('lists %s in its route table', (route) => {
    // Act
    const tableRows = apiSection.split('\n').filter((line) => line.startsWith('| `'));

    // Assess
    expect(tableRows.some((row) => row.startsWith(`| \`${route}`))).toBe(true);
  });

  it('lists no route that openapi.yaml does not describe', () => {
    // Prepare
    const documented = new Set(operationsOf(loadOpenApi()).map(({ method, path }) => `${method} ${path}`));

    // Act
    const listed = apiSection
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((row) => /^\| `([A-Z]+ [^`?]+)/.exec(row)?.[1]);

    // Assess
    expect(listed.length).toBeGreaterThan(0);
    for (const route of listed) expect(documented.has(route!)).toBe(true);
  });
});
