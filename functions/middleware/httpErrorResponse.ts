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
 * - `HttpError` (`http/errors.ts`) with its own status, and `CredentialsUnavailableError` → 503, as
 *   `{"status":"ERROR","error":...,"requestId":...}`;
 * - `QuorumNotReachedError` → 503 `{"status":"FAIL","success_nodes":n,"error":...}`, and the read errors → 503
 *   `{"status":"FAIL","error":...}`, with the trace a success would carry under `?trace=1`;
 * - anything else is a bug → 500 "internal error": logged with the request id, its message and stack never sent.
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
