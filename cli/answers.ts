import type { StoreAnswer } from './client/storeClient';
import { EXIT, type ExitCode } from './exitCodes';

/**
 * The exit code a service's answer means (see {@link EXIT}): 2xx ok; 404 NOT_FOUND not found; 401/403 auth; other
 * 4xx usage (the request was refused as invalid, or no route serves the URL); 429 and 5xx FAIL unavailable; a 500 or
 * anything else server.
 */
export function exitCodeOf(answer: Pick<StoreAnswer, 'status' | 'body'>): ExitCode {
  const { status, body } = answer;
  if (status >= 200 && status < 300) return EXIT.ok;
  if (status === 404 && body.status === 'NOT_FOUND') return EXIT.notFound;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 429) return EXIT.unavailable;
  if (status >= 400 && status < 500) return EXIT.usage;
  if (status === 502 || status === 503 || status === 504) return EXIT.unavailable;
  return EXIT.server;
}

/** What went wrong, in words, from an answer that is not a success: the service's own message, with its status. */
export function failureMessage(answer: Pick<StoreAnswer, 'status' | 'body'>): string {
  const { status, body } = answer;
  const said = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : undefined;
  const label = typeof body.status === 'string' ? `${status} ${body.status}` : `HTTP ${status}`;
  const hint = status === 401 || status === 403 ? ' (give the API key with --key or QKV_API_KEY)' : '';
  const requestId = typeof body.requestId === 'string' && status >= 500 ? ` (request id ${body.requestId})` : '';
  return `${label}${said === undefined ? '' : `: ${said}`}${hint}${requestId}`;
}
