import type { StoreClient } from '../client/storeClient';

/** Somewhere to print: stdout or stderr, or a test's buffer. */
export interface Output {
  write(text: string): void;
  /** True when it is a terminal: live views (progress bar, live histogram) are drawn only there. */
  readonly isTTY?: boolean;
  /** The terminal's width in columns, when known. */
  readonly columns?: number;
  /** The stream itself, for a terminal progress bar (cli-progress moves the cursor through it). */
  readonly stream?: NodeJS.WritableStream;
}

/** What every command gets: where to print, whether to print JSON, and the client for the chosen target. */
export interface CommandContext {
  readonly stdout: Output;
  readonly stderr: Output;
  /** `--json`: one JSON document on stdout, for scripts. */
  readonly json: boolean;
  /** The client for `--url` or `--lambda`, made on first use (so `--help` and usage errors need no target). */
  client(): StoreClient;
  /** Reads a file, or stdin for `-` (for `trace show`). */
  readInput(path: string): Promise<string>;
}

/** Prints one line of JSON on stdout. */
export function printJson(context: CommandContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Prints text and a newline. */
export function println(output: Output, text: string): void {
  output.write(`${text}\n`);
}
