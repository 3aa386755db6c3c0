import { defineConfig } from 'vitest/config';
import base from './vitest.config.mts';

/**
 * The unit layer (`test/unit`) as Stryker runs it for `npm run test:mutation`: the project's vitest settings, with
 * only the unit tests included and no check for redis-server, which they never start.
 *
 * Why a config of its own rather than Stryker's `testFiles`: with `testFiles`, Stryker 9.6 switches a mutant of a
 * module-level value on after the module is loaded, and reports it as surviving whatever the tests say.
 */
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/unit/**/*.test.ts'], globalSetup: [] },
});
