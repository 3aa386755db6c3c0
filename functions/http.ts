import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** The event and result types of every HTTP handler (API Gateway REST API, proxy integration). */
export type HttpEvent = APIGatewayProxyEvent;
export type HttpResult = APIGatewayProxyResult;

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

/** Builds an API Gateway response with a JSON body: the only way handlers and middlewares answer. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>): HttpResult {
  return { statusCode, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** True when the query string asks for per-replica outcomes (`?trace=1` or `?trace=true`). */
export function wantsTrace(event: Pick<HttpEvent, 'queryStringParameters'>): boolean {
  const trace = event.queryStringParameters?.trace;
  return trace === '1' || trace === 'true';
}
