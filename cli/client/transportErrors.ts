import { EXIT, QkvError } from '../exitCodes';

/** Error codes of Node's sockets and DNS that mean "could not reach it" rather than "it answered". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first `code` found on an error or the chain of its causes (fetch wraps the socket's error in `cause`). */
export function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for an abort by `AbortSignal.timeout` (a `TimeoutError`), however it was wrapped. */
export function isTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const name = (current as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * A `QkvError` with exit code 5 (network) when the error is a timeout or a socket/DNS failure reaching `where`, or
 * undefined when it is something else.
 */
export function networkError(error: unknown, where: string, timeoutMs: number): QkvError | undefined {
  if (isTimeout(error)) return new QkvError(EXIT.network, `no answer from ${where} within ${timeoutMs} ms (--timeout)`);
  const code = errorCode(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return new QkvError(EXIT.network, `cannot reach ${where}: ${code}`);
  return undefined;
}

/** The message of the deepest cause (fetch says only "fetch failed"; its cause says why, e.g. "bad port"). */
export function innermostMessage(error: unknown): string {
  let message = String((error as Error)?.message ?? error);
  for (let current = (error as { cause?: unknown })?.cause, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    if (typeof (current as Error).message === 'string') message = (current as Error).message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}
