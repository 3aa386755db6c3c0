import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stops the run at once, with the command to run, when redis-server or openssl is missing.
    globalSetup: ['test/support/globalSetup.ts'],
    // Test files start their own redis-server processes on free ports, so they can run side by side; two at a time
    // suits the 2-core machines this runs on and keeps fault-timing assertions meaningful.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: {
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  },
});
