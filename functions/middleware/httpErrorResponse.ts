import type { MiddlewareObj } from '@middy/core';
import {
  InvalidRequestError,
  QuorumNotReachedError,
  ReadQuorumNotReachedError,
  ReplicasUnavailableError,
} from '../../lib/errors';
import { logger } from '../../lib/logger';
import { jsonResponse, wantsTrace, type HttpEvent, type HttpResult } from '../http';

/**
 * Turns every error into a JSON response: the one place where errors become HTTP statuses.
 *
 * - `InvalidRequestError` → 400 `{"status":"ERROR","error":...}`
 * - `QuorumNotReachedError` → 503 `{"status":"FAIL","success_nodes":n,"error":...}` (the seed answered 500)
 * - `ReadQuorumNotReachedError`, `ReplicasUnavailableError` → 503 `{"status":"FAIL","error":...}`
 * - anything else is a bug → 500 with the request id and no details; the error is logged, never sent.
 */
export function httpErrorResponse(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const { error, event } = request;
      const trace = wantsTrace(event);
      if (error instanceof InvalidRequestError) {
        request.response = jsonResponse(400, { status: 'ERROR', error: error.message });
      } else if (error instanceof QuorumNotReachedError) {
        request.response = jsonResponse(503, {
          status: 'FAIL',
          success_nodes: error.acknowledged,
          error: error.message,
          version: error.version,
          ...(trace ? { nodes: error.replicas, rollback: error.rollback } : {}),
        });
      } else if (error instanceof ReplicasUnavailableError || error instanceof ReadQuorumNotReachedError) {
        request.response = jsonResponse(503, {
          status: 'FAIL',
          error: error.message,
          ...(trace ? { nodes: error.replicas } : {}),
        });
      } else {
        const requestId = request.context?.awsRequestId ?? event.requestContext?.requestId ?? 'unknown';
        logger.error('unhandled error', { error: error as Error, requestId });
        request.response = jsonResponse(500, { status: 'ERROR', error: 'internal error', requestId });
      }
    },
  };
}
