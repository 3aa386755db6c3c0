/**
 * Mutation testing of the fast layer (`npm run test:mutation`): Stryker changes lib's decision modules one small
 * edit at a time (a `>=` to `>`, a `'same'` to `''`, a branch removed) and runs the unit tests (`test/unit`, no Redis)
 * against each change. A change no test notices (a surviving mutant) is a decision the fast layer does not pin down.
 *
 * Only the modules that decide are mutated: consistency levels and quorum sizes, versions, the entry format, read
 * and write fan-out, a write's re-issues, repair planning and read repair's modes, and the replicas' clock. The I/O
 * around them (connections, Lua scripts, the coordinator) is proven by the real-Redis tests, too slow to run once per
 * mutant.
 */
export default {
  testRunner: 'vitest',
  // The unit layer only (`test/unit`): fast and deterministic, no Redis.
  vitest: { configFile: 'stryker.vitest.config.mts' },
  mutate: [
    'lib/core/consistency.ts',
    'lib/core/hybridLogicalClock.ts',
    'lib/core/storedEntry.ts',
    'lib/replica/entryFormat.ts',
    'lib/replica/storeClock.ts',
    'lib/read/readFanOut.ts',
    'lib/read/raceRead.ts',
    'lib/read/quorumRead.ts',
    'lib/read/repairPlan.ts',
    'lib/read/readRepair.ts',
    'lib/write/writeFanOut.ts',
    'lib/write/missedAttempt.ts',
    'lib/write/writeAttempts.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machines this runs on have two cores, shared: one test runner at a time.
  concurrency: 1,
  // A mutant that makes the unit tests hang (a loop that no longer ends) is cut off after this much extra time.
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowEmojis: false, logTests: false, reportScoreTable: true },
  // Below `break` the command fails: the fast layer must keep catching at least 80% of the mutants.
  thresholds: { high: 90, low: 80, break: 80 },
  tempDirName: '.stryker-tmp',
  // Stryker rewrites the tsconfig's `extends` and `references` for its sandbox with TypeScript's JavaScript API, which
  // TypeScript 7 no longer ships. This project's tsconfig.json has neither, so naming a file that does not exist
  // skips a rewrite that would change nothing.
  tsconfigFile: 'tsconfig.none.json',
  ignorePatterns: ['reports', 'bench-results', 'coverage', '.serverless', '.data', 'test-results'],
};
