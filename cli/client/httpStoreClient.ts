import { EXIT, QkvError } from '../exitCodes';
import type { AnswerBody, AntiEntropyPage, KvOperation, StoreAnswer, StoreClient } from './storeClient';
import { innermostMessage, networkError } from './transportErrors';

/** How to reach the service over HTTP. */
export interface HttpTarget {
  /** The API's base URL, e.g. `http://127.0.0.1:3000` or `https://abc.execute-api.eu-west-1.amazonaws.com/dev`. */
  readonly url: string;
  /** Sent as `x-api-key` when given. */
  readonly apiKey?: string;
  /** Longest wait for one answer, in ms. */
  readonly timeoutMs: number;
}

/**
 * The service's HTTP API (openapi.yaml) as `qkv` uses it: `POST /set`, `GET /get?key=` (so any key works, `/`
 * included), `DELETE /kv/{key}`, `GET /health`, every data route with `?trace=1`.
 */
export class HttpStoreClient implements StoreClient {
  readonly description: string;
  private readonly base: string;

  constructor(private readonly target: HttpTarget) {
    this.base = target.url.replace(/\/+$/, '');
    this.description = this.base;
  }

  run(operation: KvOperation): Promise<StoreAnswer> {
    const query = new URLSearchParams({ trace: '1' });
    if (operation.consistency !== undefined) query.set('consistency', operation.consistency);
    switch (operation.op) {
      case 'set': {
        const body = { key: operation.key, value: operation.value, ...(operation.ttl === undefined ? {} : { ttl: operation.ttl }) };
        return this.request('POST', `/set?${query}`, JSON.stringify(body));
      }
      case 'get':
        query.set('key', operation.key);
        return this.request('GET', `/get?${query}`);
      case 'del':
        return this.request('DELETE', `/kv/${encodeURIComponent(operation.key)}?${query}`);
    }
  }

  health(): Promise<StoreAnswer> {
    return this.request('GET', '/health');
  }

  antiEntropy(): Promise<AntiEntropyPage> {
    return Promise.reject(
      new QkvError(EXIT.usage, 'repair runs the antiEntropy function, which has no HTTP route: use --lambda (and --endpoint for serverless offline)'),
    );
  }

  close(): void {
    // fetch keeps no connection that would hold the process open.
  }

  private async request(method: string, path: string, body?: string): Promise<StoreAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.target.apiKey !== undefined) headers['x-api-key'] = this.target.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}`, { method, headers, body, signal: AbortSignal.timeout(this.target.timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw networkError(error, this.base, this.target.timeoutMs) ?? new QkvError(EXIT.network, `cannot reach ${this.base}: ${innermostMessage(error)}`);
    }
    const roundTripMs = performance.now() - started;
    return { status: response.status, body: parseBody(text, response.status), roundTripMs };
  }
}

/** The answer's JSON object; an answer that is not one (an HTML error page of a proxy) becomes an error body. */
export function parseBody(text: string, status: number): AnswerBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as AnswerBody;
  } catch {
    // Not JSON: described below.
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  return { status: 'ERROR', error: `HTTP ${status} with a body that is not a JSON object${excerpt === '' ? '' : `: ${excerpt}`}`, unparsed: true };
}
