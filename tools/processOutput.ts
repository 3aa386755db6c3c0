import type { ChildProcess } from 'node:child_process';

/**
 * Collects everything a child process prints and resolves with the first match of `ready` in it: how the tools and
 * tests know that a server they started (serverless offline, `npm run dev`) is serving. Rejects, with the output so
 * far, when the process exits first or `timeoutMs` pass.
 *
 * @param what names the process in the error messages.
 * @returns the match, and a function giving the whole output so far (it keeps growing).
 */
export function awaitOutput(
  child: ChildProcess,
  ready: RegExp,
  timeoutMs: number,
  what: string,
): Promise<{ readonly match: RegExpExecArray; readonly output: () => string }> {
  let output = '';
  const all = (): string => output;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ match, output: all });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with code ${code}:\n${output}`));
    });
  });
}
