import { traceOf, type Trace, type TraceNode } from './trace';

/**
 * What the console sends and how it puts the answers into words. Pure (no DOM): the page calls `fetch` with what
 * {@link httpCallFor} builds and hands the answer to {@link describeAnswer}; unit tests do the same in Node.
 */

/** The operations the console runs. */
export type OperationKind = 'set' | 'get' | 'delete';

/** What the user asked for in the form. */
export interface OperationRequest {
  readonly kind: OperationKind;
  readonly key: string;
  /** `set` only. */
  readonly value?: string;
  /** `set` only: the TTL field as typed (empty: none). Sent as a number when it is one, else as typed, for the API to judge. */
  readonly ttl?: string;
  /** `one`, `quorum`, `all`, or empty for the server's default. */
  readonly consistency?: string;
}

/** One HTTP request: method, path relative to the API's base, and a JSON body for writes. */
export interface HttpCall {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: string;
}

/** What came back: the status and parsed JSON body, or why nothing usable did. */
export interface HttpAnswer {
  /** The HTTP status; null when no answer arrived (network error, timeout). */
  readonly status: number | null;
  readonly body?: unknown;
  /** Set when no answer arrived, or the answer was not JSON. */
  readonly problem?: string;
}

/** How an answer reads: a level for its colour, a sentence, and the trace it carried, if any. */
export interface AnswerDescription {
  readonly level: 'ok' | 'warn' | 'error';
  readonly words: string;
  readonly trace?: Trace;
}

/**
 * The request for an operation, always with `trace=1`: the REST routes (`/kv/{key}`), or the seed's `/set` and
 * `/get?key=` for a key containing `/` (which a path cannot carry). A delete has only the REST route.
 */
export function httpCallFor(request: OperationRequest): HttpCall {
  const query = new URLSearchParams({ trace: '1' });
  if (request.consistency) query.set('consistency', request.consistency);
  const slash = request.key.includes('/');
  const rest = `kv/${encodeURIComponent(request.key)}?${query}`;
  switch (request.kind) {
    case 'set': {
      const ttl = ttlOf(request.ttl);
      const fields = { value: request.value ?? '', ...(ttl === undefined ? {} : { ttl }) };
      return slash
        ? { method: 'POST', path: `set?${query}`, body: JSON.stringify({ key: request.key, ...fields }) }
        : { method: 'PUT', path: rest, body: JSON.stringify(fields) };
    }
    case 'get':
      if (slash) query.set('key', request.key);
      return { method: 'GET', path: slash ? `get?${query}` : rest };
    case 'delete':
      return { method: 'DELETE', path: rest };
  }
}

function ttlOf(typed: string | undefined): number | string | undefined {
  const text = (typed ?? '').trim();
  if (text === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : text;
}

/** Puts a data route's answer into words, with what each replica did when the trace says so. */
export function describeAnswer(request: OperationRequest, answer: HttpAnswer, hadKey: boolean): AnswerDescription {
  const trace = traceOf(answer.body);
  const described = describe(request, answer, hadKey, trace);
  return trace === undefined ? described : { ...described, trace };
}

function describe(request: OperationRequest, answer: HttpAnswer, hadKey: boolean, trace: Trace | undefined): AnswerDescription {
  const common = describeCommon(answer, hadKey);
  if (common !== undefined) return common;
  const body = answer.body as Record<string, unknown>;
  const status = answer.status!;
  const key = JSON.stringify(request.key);
  if (status === 200 && request.kind === 'get') {
    return { level: 'ok', words: `Found ${key} = ${JSON.stringify(body.value)}${expiry(body)}; ${timing(trace)}.` };
  }
  if (status === 200) {
    const what = request.kind === 'delete' ? 'Deleted (a tombstone)' : 'Written';
    const total = trace?.nodes.length;
    const acks = `${String(body.success_nodes)}${total === undefined ? '' : ` of ${total}`}`;
    return { level: 'ok', words: `${what}: ${key} committed on ${acks} replicas; ${timing(trace)}.` };
  }
  if (status === 404 && body.status === 'NOT_FOUND') {
    return { level: 'warn', words: `Not found: no replica holds ${key} (never written, deleted or expired); ${timing(trace)}.` };
  }
  if (status === 503 && body.status === 'FAIL') {
    const nodes = trace === undefined ? '' : ` Replicas: ${outcomeList(trace.nodes)}.`;
    if (request.kind === 'get') return { level: 'error', words: `Read failed (503): ${String(body.error)}.${nodes}` };
    const fate =
      body.rolled_back === true
        ? 'It landed nowhere and never takes effect.'
        : 'It may still take effect: a later read or repair can complete it, it is never undone.';
    return { level: 'error', words: `Write failed (503): ${String(body.error)}. ${fate}${nodes}` };
  }
  return { level: 'error', words: `Unexpected answer (${status}): ${JSON.stringify(body).slice(0, 300)}` };
}

/**
 * The answers every route can give: no answer, not JSON, refused for the API key, refused as invalid, a bug.
 * Undefined for the answers only the route itself can put into words. Also used for `/health`.
 */
export function describeCommon(answer: HttpAnswer, hadKey: boolean): AnswerDescription | undefined {
  if (answer.status === null) return { level: 'error', words: `Network error: ${answer.problem ?? 'no answer'}. Is the service running?` };
  if (answer.problem !== undefined) return { level: 'error', words: `Unexpected answer (${answer.status}): ${answer.problem}.` };
  const body = (typeof answer.body === 'object' && answer.body !== null ? answer.body : {}) as Record<string, unknown>;
  const status = answer.status;
  if (status === 401 || status === 403) {
    const said = typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : 'Forbidden';
    const why = hadKey
      ? 'the API key was refused: check it (npm run dev prints it; a deployed stage has its own)'
      : 'no API key given: type it into the API key field (npm run dev prints it; a deployed stage has its own)';
    return { level: 'error', words: `${said} (${status}): ${why}. Stages in IAM mode need signed requests, which this page cannot make.` };
  }
  if (body.status === 'ERROR') {
    const requestId = typeof body.requestId === 'string' ? ` (request id ${body.requestId})` : '';
    if (status === 500) {
      const quote = typeof body.requestId === 'string' ? `; quote request id ${body.requestId} when reporting it` : '';
      return { level: 'error', words: `Internal error (500): a bug in the service${quote}.` };
    }
    const kind = status === 503 ? 'Unavailable' : 'Refused';
    return { level: 'error', words: `${kind} (${status}): ${String(body.error)}${requestId}.` };
  }
  return undefined;
}

/** `answered at 1.2 ms, quorum at 0.9 ms` (what the server measured), as far as the trace says. */
function timing(trace: Trace | undefined): string {
  if (trace?.elapsedMs === undefined) return 'no timing in the answer';
  const quorum = trace.quorumMs === undefined ? '' : `, quorum reached at ${formatMs(trace.quorumMs)}`;
  const attempts = trace.attempts !== undefined && trace.attempts > 1 ? `, after ${trace.attempts} attempts` : '';
  return `the coordinator answered at ${formatMs(trace.elapsedMs)}${quorum}${attempts}`;
}

function expiry(body: Record<string, unknown>): string {
  return typeof body.expires_at === 'string' ? ` (expires ${body.expires_at})` : '';
}

/** `127.0.0.1:6379 applied, 127.0.0.1:6380 timeout (timed out)`. */
export function outcomeList(nodes: readonly TraceNode[]): string {
  return nodes.map((node) => `${node.node} ${node.outcome}${node.error === undefined ? '' : ` (${node.error})`}`).join(', ');
}

/** Milliseconds for people: `0.42 ms`, `12.3 ms`, `310 ms`. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0 ms';
  const digits = ms < 10 ? 2 : ms < 100 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}
