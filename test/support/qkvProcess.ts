import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const QKV_BIN = join(ROOT, 'bin', 'qkv.js');
const RUN_TIMEOUT_MS = 90_000;

/** What one run of the real `qkv` process did. */
export interface QkvRun {
  /** Its exit code (null if a signal ended it). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How {@link runQkvProcess} starts qkv. */
export interface QkvProcessOptions {
  /**
   * `bin`: `node bin/qkv.js` (the package's bin, as npm links it); `npx`: `npx qkv` from the repository, as the
   * README says; `npm`: `npm run -s qkv --`.
   */
  readonly via?: 'bin' | 'npx' | 'npm';
  /**
   * Run it on a pseudo-terminal (util-linux/BSD `script`), so that it draws what it draws only on a terminal
   * (progress bar, live histogram). stdout and stderr then arrive together, in `stdout`.
   */
  readonly tty?: boolean;
}

/**
 * Runs the real `qkv` command line as a separate process, from the repository, with only `PATH`, `HOME` and `env` in
 * its environment (so nothing of the test's own environment leaks in, `QKV_API_KEY` in particular), and resolves
 * when it exits. Never rejects on a non-zero exit: the test judges the code.
 */
export function runQkvProcess(args: readonly string[], env: Record<string, string> = {}, options: QkvProcessOptions = {}): Promise<QkvRun> {
  const command = options.via === 'npx' ? ['npx', 'qkv', ...args] : options.via === 'npm' ? ['npm', 'run', '-s', 'qkv', '--', ...args] : [process.execPath, QKV_BIN, ...args];
  const [file, ...rest] = options.tty === true ? onPseudoTerminal(command) : command;
  return new Promise((resolve, reject) => {
    const child = spawn(file!, rest, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, COLUMNS: '120', LINES: '40', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`qkv ${args.join(' ')} did not exit within ${RUN_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command run on a pseudo-terminal by `script` (util-linux on Linux, BSD on macOS), its exit code passed on. */
function onPseudoTerminal(command: readonly string[]): string[] {
  const line = command.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  return process.platform === 'darwin' ? ['script', '-q', '/dev/null', 'sh', '-c', line] : ['script', '-qfec', line, '/dev/null'];
}

/** The lines of a replica's row in a table or trace picture (they start with its name). */
export function rowOf(output: string, node: string): string {
  const row = output.split('\n').find((line) => line.startsWith(`${node} `));
  if (row === undefined) throw new Error(`no row for ${node} in:\n${output}`);
  return row;
}
