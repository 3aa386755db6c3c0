/**
 * The exit codes of `qkv`, one per kind of outcome, so that a script can tell "the key is not there" from "the store
 * could not answer" from "you typed it wrong" without reading the output. Listed in `qkv --help` and the README.
 */
export const EXIT = {
  /** It worked (a write committed, a read found the key, health says a write quorum is reachable, a pass completed). */
  ok: 0,
  /** `get` (and `trace get`): the key does not exist (never written, deleted or expired). */
  notFound: 1,
  /** The command line is wrong, or the service refused the request as invalid (400, 404 no route, 405, 413, 415). */
  usage: 2,
  /**
   * The store could not do it now: a write or read missed its quorum (503 FAIL), no write quorum is reachable
   * (`health`), a replica could not be scanned (`repair`), or the service is throttling (429).
   */
  unavailable: 3,
  /** The API key (or the AWS credentials, with `--lambda`) was missing or refused (401, 403). */
  auth: 4,
  /** The service could not be reached: connection refused, DNS, or no answer within `--timeout`. */
  network: 5,
  /** The service failed (500) or answered something qkv does not understand. */
  server: 6,
} as const;

/** One of the exit codes above. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table `qkv --help` ends with: every exit code and what it means. */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  ok',
  '  1  not found (get, trace get)',
  '  2  usage error, or the service refused the request as invalid (4xx)',
  '  3  quorum not reached / store unavailable (503), no write quorum (health), a replica unreachable (repair)',
  '  4  API key or AWS credentials missing or refused (401/403)',
  '  5  network: cannot connect, or no answer within --timeout',
  '  6  the service failed (500) or gave an answer qkv does not understand',
].join('\n');

/**
 * An outcome that ends the command with a given exit code and a message for people. Commands throw it; the entry
 * point prints the message (to stderr, or as `{"status":"ERROR",...}` with `--json`) and exits with the code.
 */
export class QkvError extends Error {
  override readonly name = 'QkvError';

  /**
   * @param exitCode the process's exit code (see {@link EXIT}).
   * @param message what went wrong, in words, naming what to change where possible.
   * @param body the service's answer when there was one, printed as it is with `--json`.
   */
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}
