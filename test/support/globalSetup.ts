import { spawnSync } from 'node:child_process';

const INSTALL_HINT =
  'Run `bash scripts/ensure-redis.sh` (npm test runs it first; it installs them with apt-get or brew), or yourself:\n' +
  '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y redis-server openssl\n' +
  '  macOS:         brew install redis openssl';

/** The programs the tests start for real, with the arguments that make each print its version and exit. */
const PREREQUISITES: readonly { readonly name: string; readonly command: string; readonly args: readonly string[] }[] = [
  { name: 'redis-server', command: process.env.REDIS_SERVER_BIN ?? 'redis-server', args: ['--version'] },
  { name: 'openssl', command: 'openssl', args: ['version'] },
];

/**
 * Vitest global setup: runs once per `vitest run`, before any test file, and stops the run at once when
 * `redis-server` or `openssl` is missing, naming the exact command to run.
 *
 * Why: almost every test file starts real redis-server processes; without the binary each would fail on its own,
 * one after another. `npm test` installs both first (its `pretest` step runs `scripts/ensure-redis.sh`); this check
 * covers `npx vitest` run directly.
 */
export default function checkTestPrerequisites(): void {
  const missing = PREREQUISITES.filter(({ command, args }) => !runs(command, args)).map(({ name }) => name);
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} not found on PATH; the tests start real ones.\n${INSTALL_HINT}`);
  }
}

function runs(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 5_000 });
  return result.error === undefined && result.status === 0;
}
