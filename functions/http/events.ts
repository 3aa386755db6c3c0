import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** The event every HTTP handler receives (API Gateway REST API, proxy integration). */
export type HttpEvent = APIGatewayProxyEvent;
/** What every HTTP handler returns to API Gateway; build it with {@link jsonResponse}. */
export type HttpResult = APIGatewayProxyResult;

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

/** Builds an API Gateway response with a JSON body: the only way handlers and middlewares answer. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** True when the query string asks for per-replica outcomes (`?trace=1` or `?trace=true`). */
export function wantsTrace(event: Pick<HttpEvent, 'queryStringParameters'>): boolean {
  const trace = event.queryStringParameters?.trace;
  return trace === '1' || trace === 'true';
}

/** A request header by name, whatever its case (HTTP header names are case-insensitive). */
export function headerValue(event: Pick<HttpEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [header, value] of Object.entries(event.headers ?? {})) {
    if (header.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * The id a client can quote about a request: API Gateway's request id (also in gateway error bodies and access
 * logs), else the Lambda request id.
 */
export function requestIdOf(event: HttpEvent | undefined, awsRequestId: string | undefined): string {
  return event?.requestContext?.requestId ?? awsRequestId ?? 'unknown';
}
