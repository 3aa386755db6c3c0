import type { APIGatewayProxyResult } from 'aws-lambda';
import { CONSOLE_CSP, CONSOLE_HTML } from './console/page.generated';

/**
 * `GET /console`: the console page, one self-contained HTML document (built from `console/` by
 * `npm run build:console`). The page is public, as it holds no secrets; the API calls it makes carry the API key
 * the user types into it.
 *
 * Why it imports nothing of `lib/`: it serves a constant, so its bundle stays a few kilobytes, with none of the
 * coordinator's dependencies and no Redis connection at cold start.
 */
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': CONSOLE_CSP,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  },
  body: CONSOLE_HTML,
});
