import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../functions/http/events';

/** The parts of an API Gateway proxy event a test cares about. */
export interface HttpEventParts {
  readonly method?: string;
  readonly path?: string;
  readonly body?: string | null;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
}

/** Builds an API Gateway (REST, proxy integration) event as Lambda would deliver it. */
export function httpEvent(parts: HttpEventParts = {}): HttpEvent {
  return {
    httpMethod: parts.method ?? 'GET',
    path: parts.path ?? '/',
    resource: parts.path ?? '/',
    body: parts.body ?? null,
    isBase64Encoded: parts.isBase64Encoded ?? false,
    headers: parts.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: parts.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: parts.pathParameters ?? null,
    stageVariables: null,
    requestContext: { requestId: 'test-request' } as HttpEvent['requestContext'],
  };
}

/** A Lambda context with the fields middy and our middlewares read. */
export function lambdaContext(): Context {
  return {
    awsRequestId: 'test-aws-request',
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
    memoryLimitInMB: '512',
    logGroupName: 'test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
