import type { MiddlewareObj } from '@middy/core';
import {
  CredentialsUnavailableError,
  logger,
  QuorumNotReachedError,
  ReadQuorumNotReachedError,
  ReplicasUnavailableError,
} from '../../lib';
import type { TraceFields } from '../contract/trace';
import { HttpError } from '../http/errors';
import { jsonResponse, requestIdOf, wantsTrace, type HttpEvent, type HttpResult } from '../http/events';
import { failureTrace } from '../http/responses';

/**
 * Turns every error into a JSON response: the one place where errors become HTTP statuses.
 *
 * Client errors answer `{"status":"ERROR","error":...,"requestId":...}`:
 * - every `HttpError` with its own status (`http/errors.ts`): `InvalidRequestError` → 400, `MethodNotAllowedError`
 *   → 405 (with `Allow`), `RouteNotFoundError` → 404, `PayloadTooLargeError` → 413, `UnsupportedMediaTypeError` → 415;
 * - `CredentialsUnavailableError` → 503.
 *
 * The store's answers keep the seed's shapes:
 * - `QuorumNotReachedError` → 503 `{"status":"FAIL","success_nodes":n,"error":...}` (the seed answered 500)
 * - `ReadQuorumNotReachedError`, `ReplicasUnavailableError` → 503 `{"status":"FAIL","error":...}`
 *
 * With `?trace=1` both FAIL shapes carry the trace a success would (`nodes` with `sent_ms`, `elapsed_ms`, and a
 * write's `attempts`), so a client can see which replicas failed and when.
 *
 * Anything else is a bug → 500 `{"status":"ERROR","error":"internal error","requestId":...}`: the error is logged
 * with the request id, its message and stack are never sent.
 */
export function httpErrorResponse(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const { error, event } = request;
      const requestId = requestIdOf(event, request.context?.awsRequestId);
      const clientError = (statusCode: number, headers: Record<string, string> = {}): HttpResult =>
        jsonResponse(statusCode, { status: 'ERROR', error: (error as Error).message, requestId }, headers);
      const trace = event !== undefined && wantsTrace(event);
      if (error instanceof HttpError) {
        request.response = clientError(error.statusCode, error.headers);
      } else if (error instanceof CredentialsUnavailableError) {
        logger.error('redis credentials unavailable', { error: error.message, requestId });
        request.response = clientError(503);
      } else if (error instanceof QuorumNotReachedError) {
        request.response = jsonResponse(503, {
          status: 'FAIL',
          success_nodes: error.acknowledged,
          error: error.message,
          version: error.version,
          rolled_back: error.rolledBack,
          ...(trace ? ({ ...failureTrace(error.replicas, error.timing), attempts: error.attempts } satisfies TraceFields) : {}),
        });
      } else if (error instanceof ReplicasUnavailableError || error instanceof ReadQuorumNotReachedError) {
        request.response = jsonResponse(503, {
          status: 'FAIL',
          error: error.message,
          ...(trace ? failureTrace(error.replicas, error.timing) : {}),
        });
      } else {
        logger.error('unhandled error', { error: error as Error, requestId, awsRequestId: request.context?.awsRequestId });
        request.response = jsonResponse(500, { status: 'ERROR', error: 'internal error', requestId });
      }
    },
  };
}
