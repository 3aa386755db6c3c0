/**
 * Writes `functions/contract/generated/shapeValidators.js`: the request validators compiled ahead of time with
 * Ajv's standalone code generation, so Lambda containers load plain functions instead of Ajv and its compiler
 * (about 120 KB and 15-20 ms of every cold start). Run it after changing a request schema:
 *
 *     npm run generate:validators
 *
 * A test (`test/contract/generatedValidators.test.ts`) fails when the checked-in file differs from what this
 * script would write, so a stale validator cannot ship.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedValidatorSource, generatedValidatorTypes, GENERATED_TYPES_PATH, GENERATED_VALIDATORS_PATH } from '../tools/validatorSource';

const root = join(__dirname, '..');
writeFileSync(join(root, GENERATED_VALIDATORS_PATH), generatedValidatorSource());
writeFileSync(join(root, GENERATED_TYPES_PATH), generatedValidatorTypes());
process.stdout.write(`wrote ${GENERATED_VALIDATORS_PATH} and ${GENERATED_TYPES_PATH}\n`);
