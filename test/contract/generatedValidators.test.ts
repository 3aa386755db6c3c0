import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as contracts from '../../functions/contract/compiledContracts';
import { RequestValidator } from '../../functions/contract/requestValidator';
import { ROUTES, type OperationId } from '../../functions/contract/routes';
import { MAX_UTF8_BYTES_KEYWORD, requestSchemas, type JsonSchema } from '../../functions/contract/schemas';
import { DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES } from '../../lib';
import { generatedValidatorSource, generatedValidatorTypes, GENERATED_TYPES_PATH, GENERATED_VALIDATORS_PATH } from '../../tools/validatorSource';
import { requestArbitraries } from '../support/fuzzArbitraries';

const ROOT = join(__dirname, '..', '..');
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The reference: Ajv compiling the full schemas at run time, with `x-maxUtf8Bytes` as the handlers implemented it
 * before the validators were generated at build time. The generated validators plus the run-time size limits must
 * report exactly its errors, in its order.
 */
function referenceAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, validateSchema: false });
  function checkUtf8Bytes(limit: number, data: string): boolean {
    if (LONE_SURROGATE.test(data)) {
      checkUtf8Bytes.errors = [{ keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'surrogate', limit } }];
      return false;
    }
    if (Buffer.byteLength(data, 'utf8') > limit) {
      checkUtf8Bytes.errors = [{ keyword: MAX_UTF8_BYTES_KEYWORD, params: { reason: 'bytes', limit } }];
      return false;
    }
    return true;
  }
  checkUtf8Bytes.errors = [] as Partial<ErrorObject>[];
  ajv.addKeyword({ keyword: MAX_UTF8_BYTES_KEYWORD, type: 'string', schemaType: 'number', errors: true, validate: checkUtf8Bytes });
  return ajv;
}

/** What identifies an error for the comparison: where, which keyword, and for the size keyword why. */
function identity(errors: readonly ErrorObject[]): string[] {
  return errors.map((error) => `${error.instancePath} ${error.keyword}${error.params.reason === undefined ? '' : `:${String(error.params.reason)}`}`);
}

describe('Contract: the validators generated at build time', () => {
  it('are the code the current schemas generate (run `npm run generate:validators` after changing a schema)', () => {
    // Act
    const checkedIn = readFileSync(join(ROOT, GENERATED_VALIDATORS_PATH), 'utf8');
    const types = readFileSync(join(ROOT, GENERATED_TYPES_PATH), 'utf8');

    // Assess
    expect(checkedIn).toBe(generatedValidatorSource());
    expect(types).toBe(generatedValidatorTypes());
  });

  it('load no schema compiler: the generated module needs nothing of Ajv but its small runtime helpers', () => {
    // Act
    const source = readFileSync(join(ROOT, GENERATED_VALIDATORS_PATH), 'utf8');
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);

    // Assess
    expect(required.length).toBeGreaterThan(0);
    for (const module of required) expect(module).toMatch(/^ajv\/dist\/runtime\//);
  });

  describe.each([
    ['the default limits', { maxKeyBytes: DEFAULT_MAX_KEY_BYTES, maxValueBytes: DEFAULT_MAX_VALUE_BYTES }],
    ['small configured limits', { maxKeyBytes: 12, maxValueBytes: 40 }],
  ])('with %s', (_, limits) => {
    const schemas = requestSchemas(limits);
    const ajv = referenceAjv();
    const arbitraries = requestArbitraries(limits);
    const anyPart = fc.oneof(fc.jsonValue(), arbitraries.writeBody, fc.record({ key: arbitraries.key }, { requiredKeys: [] }), arbitraries.query.map((query) => query ?? {}));

    it.each(ROUTES.map((route) => route.operationId))('report for %s exactly the errors the full schemas give, in the same order', (operationId: OperationId) => {
      // Prepare
      const validator = new RequestValidator(contracts[operationId], schemas[operationId]);
      const parts = (['path', 'query', 'body'] as const).filter((part) => schemas[operationId][part] !== undefined);
      const references = new Map(parts.map((part) => [part, ajv.compile(schemas[operationId][part] as JsonSchema)]));
      let invalid = 0;

      // Act + Assess
      fc.assert(
        fc.property(fc.constantFrom(...parts), anyPart, (part, data) => {
          const reference = references.get(part)!;
          const expected = reference(data) ? [] : identity(reference.errors ?? []);
          const actual = identity(validator.errorsOf(part, data));
          if (expected.length > 0) invalid += 1;
          expect(actual).toEqual(expected);
        }),
        { numRuns: 1_500 },
      );
      expect(invalid).toBeGreaterThan(100);
    });
  });
});
