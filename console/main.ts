import { drawTimeline } from './drawTimeline';
import { describeAnswer, describeCommon, formatMs, httpCallFor, type AnswerDescription, type HttpAnswer, type HttpCall, type OperationKind, type OperationRequest } from './requests';
import { shortVersion } from './timeline';
import { answeredMs } from './trace';

/**
 * The console page's script: the API key field, the replicas' health (refreshed every few seconds), the operation
 * form, the drawn fan-out of the selected operation, and the list of the last operations. Everything it calls is
 * on the page's own origin, relative to where the page is served (`/console`, or `/<stage>/console` on AWS).
 */

const KEY_STORAGE = 'quorum-kv.console.apiKey';
const LAB_STORAGE = 'quorum-kv.console.lab';
const HISTORY_LENGTH = 40;
const HEALTH_EVERY_MS = 3_000;
const REQUEST_TIMEOUT_MS = 15_000;

/** One operation run from the page, as the history keeps it. */
interface RunOperation {
  readonly id: number;
  readonly at: Date;
  readonly request: OperationRequest;
  readonly call: HttpCall;
  readonly status: number | null;
  /** The browser's round trip, ms. */
  readonly roundTripMs: number;
  readonly description: AnswerDescription;
  readonly body: unknown;
}

const byId = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
};

const apiKeyInput = byId<HTMLInputElement>('api-key');
const form = byId<HTMLFormElement>('op-form');
const result = byId<HTMLElement>('result');
const timeline = byId<HTMLElement>('timeline');
const facts = byId<HTMLUListElement>('facts');
const nodesTable = byId<HTMLTableSectionElement>('nodes-body');
const historyList = byId<HTMLOListElement>('history');
const healthBody = byId<HTMLTableSectionElement>('health-body');
const healthSummary = byId<HTMLElement>('health-summary');

const history: RunOperation[] = [];
let nextId = 1;
let selectedId: number | undefined;

/** The API's base: the page's own folder, e.g. `https://…/dev/` for `https://…/dev/console`. */
function apiUrl(path: string): string {
  const base = new URL(location.href);
  base.pathname = base.pathname.replace(/\/console\/?$/, '/');
  base.search = '';
  base.hash = '';
  return new URL(path, base).toString();
}

/** Sends one request with the API key (when one is typed) and a deadline; never throws. */
async function send(call: HttpCall): Promise<{ answer: HttpAnswer; roundTripMs: number }> {
  const key = apiKeyInput.value.trim();
  const headers: Record<string, string> = {};
  if (key !== '') headers['x-api-key'] = key;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const deadline = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  const started = performance.now();
  const url = apiUrl(call.path);
  try {
    const response = await fetch(url, { method: call.method, headers, body: call.body ?? null, signal: abort.signal, cache: 'no-store' });
    const text = await response.text();
    const roundTripMs = performance.now() - started;
    try {
      return { answer: { status: response.status, body: JSON.parse(text) as unknown }, roundTripMs };
    } catch {
      return { answer: { status: response.status, problem: `not JSON (${response.headers.get('content-type') ?? 'no content type'})` }, roundTripMs };
    }
  } catch (error) {
    const problem = abort.signal.aborted ? `no answer from ${url} within ${REQUEST_TIMEOUT_MS / 1000} s` : `could not reach ${url} (${(error as Error).message})`;
    return { answer: { status: null, problem }, roundTripMs: performance.now() - started };
  } finally {
    clearTimeout(deadline);
  }
}

// ---- API key ----

showLabLink();
apiKeyInput.value = keyFromFragment() ?? localStorage.getItem(KEY_STORAGE) ?? '';

/**
 * The lab's URL (with its token), passed by `npm run dev` in the fragment (`/console#key=…&lab=…`) and kept for the
 * tab: shown as a link in the header. Only a lab on this machine is linked, so a crafted link cannot point elsewhere.
 */
function showLabLink(): void {
  const localLab = /^http:\/\/(localhost|127\.0\.0\.1):\d{1,5}\/lab(#token=[0-9a-f]{32})?$/;
  const given = new URLSearchParams(location.hash.slice(1)).get('lab');
  if (given !== null && localLab.test(given)) sessionStorage.setItem(LAB_STORAGE, given);
  const url = sessionStorage.getItem(LAB_STORAGE);
  if (url === null || !localLab.test(url)) return;
  const link = byId<HTMLAnchorElement>('lab-link');
  link.href = url;
  link.hidden = false;
}

/**
 * The API key passed in the URL fragment (`/console#key=…`, the link `npm run dev` prints): a browser never sends a
 * fragment to a server, so the key reaches no log. It is kept like a typed key, then removed from the address bar.
 */
function keyFromFragment(): string | undefined {
  const key = new URLSearchParams(location.hash.slice(1)).get('key')?.trim();
  if (key === undefined || key === '') return undefined;
  localStorage.setItem(KEY_STORAGE, key);
  window.history.replaceState(null, '', location.pathname + location.search);
  return key;
}
apiKeyInput.addEventListener('input', () => {
  localStorage.setItem(KEY_STORAGE, apiKeyInput.value.trim());
});
apiKeyInput.addEventListener('change', () => void refreshHealth());
byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void refreshHealth();
});

// ---- Health ----

let healthTimer: ReturnType<typeof setTimeout> | undefined;

/** Asks `/health` now, shows the answer, and schedules the next check. */
async function refreshHealth(): Promise<void> {
  clearTimeout(healthTimer);
  const { answer } = await send({ method: 'GET', path: 'health' });
  showHealth(answer);
  clearTimeout(healthTimer);
  healthTimer = setTimeout(() => void refreshHealth(), HEALTH_EVERY_MS);
}

/** One replica in `/health`: `status` and `masters` (a cluster replica's) come from services that report them. */
interface HealthReplica {
  readonly node: string;
  readonly up: boolean;
  readonly status?: 'up' | 'degraded' | 'down';
  readonly breaker: string;
  readonly ms: number;
  readonly error?: string;
  readonly masters?: readonly { master: string; up: boolean; ms: number; slots: number; breaker: string; error?: string }[];
}

function showHealth(answer: HttpAnswer): void {
  const body = answer.body as { writeQuorumReachable?: unknown; writeQuorum?: unknown; nodes?: unknown } | undefined;
  const time = new Date().toLocaleTimeString();
  if ((answer.status === 200 || answer.status === 503) && Array.isArray(body?.nodes)) {
    const nodes = body.nodes as HealthReplica[];
    const up = nodes.filter((node) => node.up).length;
    const degraded = nodes.filter((node) => node.status === 'degraded').length;
    const reachable = body.writeQuorumReachable === true;
    healthSummary.textContent =
      `${up} of ${nodes.length} replicas up${degraded === 0 ? '' : `, ${degraded} degraded`}; write quorum (${String(body.writeQuorum ?? '?')}) ` +
      `${reachable ? 'reachable' : 'NOT reachable: writes fail'} · checked ${time}, every ${HEALTH_EVERY_MS / 1000} s`;
    healthSummary.dataset.level = reachable ? (up === nodes.length ? 'ok' : 'warn') : 'error';
    healthBody.replaceChildren(
      ...nodes.flatMap((node) => {
        const row = document.createElement('tr');
        row.dataset.node = node.node;
        row.dataset.up = String(node.up);
        row.dataset.status = node.status ?? (node.up ? 'up' : 'down');
        row.dataset.breaker = node.breaker;
        const state = node.up ? 'up' : `${node.status === 'degraded' ? 'degraded' : 'down'}: ${node.error ?? 'no answer'}`;
        row.append(cell(node.node), cell(state, node.up ? 'up' : 'down'), cell(formatMs(node.ms)), cell(node.breaker, `breaker-${node.breaker}`));
        // A cluster replica's masters, one row each under it.
        const masters = (node.masters ?? []).map((master) => {
          const masterRow = document.createElement('tr');
          masterRow.className = 'master';
          masterRow.dataset.node = node.node;
          masterRow.dataset.master = master.master;
          masterRow.dataset.up = String(master.up);
          masterRow.dataset.breaker = master.breaker;
          masterRow.append(
            cell(`↳ master ${master.master} (${master.slots} slots)`),
            cell(master.up ? 'up' : `down: ${master.error ?? 'no answer'}`, master.up ? 'up' : 'down'),
            cell(formatMs(master.ms)),
            cell(master.breaker, `breaker-${master.breaker}`),
          );
          return masterRow;
        });
        return [row, ...masters];
      }),
    );
    return;
  }
  const described = describeCommon(answer, apiKeyInput.value.trim() !== '') ?? {
    level: 'error' as const,
    words: `Unexpected answer from /health (${String(answer.status)}).`,
  };
  healthSummary.textContent = `${described.words} · ${time}`;
  healthSummary.dataset.level = described.level;
}

function cell(content: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = content;
  if (className !== undefined) td.className = className;
  return td;
}

// ---- Operations ----

const field = (name: string): HTMLInputElement | HTMLSelectElement => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

function syncForm(): void {
  const kind = (form.elements.namedItem('kind') as RadioNodeList).value as OperationKind;
  for (const name of ['value', 'ttl']) {
    const input = field(name) as HTMLInputElement;
    input.disabled = kind !== 'set';
    input.closest('label')?.classList.toggle('off', kind !== 'set');
  }
}
form.addEventListener('change', syncForm);
syncForm();

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

async function run(): Promise<void> {
  const kind = (form.elements.namedItem('kind') as RadioNodeList).value as OperationKind;
  const request: OperationRequest = {
    kind,
    key: field('key').value,
    consistency: field('consistency').value,
    ...(kind === 'set' ? { value: field('value').value, ttl: field('ttl').value } : {}),
  };
  const call = httpCallFor(request);
  const button = byId<HTMLButtonElement>('run');
  button.disabled = true;
  result.dataset.state = 'running';
  result.textContent = `${call.method} /${call.path} …`;
  try {
    const { answer, roundTripMs } = await send(call);
    const operation: RunOperation = {
      id: nextId++,
      at: new Date(),
      request,
      call,
      status: answer.status,
      roundTripMs,
      description: describeAnswer(request, answer, apiKeyInput.value.trim() !== ''),
      body: answer.body,
    };
    history.unshift(operation);
    history.length = Math.min(history.length, HISTORY_LENGTH);
    show(operation);
  } finally {
    button.disabled = false;
  }
}

/** Shows one operation: its answer in words, its fan-out drawn, what repair/rollback/attempts did, per replica. */
function show(operation: RunOperation): void {
  selectedId = operation.id;
  const { description, call } = operation;
  result.dataset.state = 'done';
  result.dataset.status = String(operation.status ?? 'none');
  result.dataset.level = description.level;
  result.dataset.opId = String(operation.id);
  result.textContent = `${call.method} /${call.path.split('?')[0]} → ${description.words} (browser round trip ${formatMs(operation.roundTripMs)})`;
  const trace = description.trace;
  timeline.replaceChildren(...(trace === undefined || trace.nodes.length === 0 ? [] : [drawTimeline(trace)]));
  facts.replaceChildren(...factsOf(operation).map((fact) => listItem(fact)));
  nodesTable.replaceChildren(
    ...(trace?.nodes ?? []).map((node) => {
      const row = document.createElement('tr');
      row.dataset.node = node.node;
      const answered = answeredMs(node);
      row.append(
        cell(node.node),
        cell(`${node.outcome}${node.first ? ' (first)' : ''}`, `outcome-${node.outcome}`),
        cell(node.sentMs === null ? (node.outcome === 'not-sent' ? 'not sent' : 'never') : node.hedgedAtMs !== undefined ? `hedged at ${formatMs(node.hedgedAtMs)}` : formatMs(node.sentMs)),
        cell(answered === null ? '—' : formatMs(answered)),
        cell(node.version === null ? '—' : `${node.version}${node.deleted ? ' (tombstone)' : ''}`),
        cell(node.error ?? ''),
      );
      return row;
    }),
  );
  renderHistory();
}

/** What the coordinator did beyond the fan-out itself: read repair, a write's fate, re-issued attempts. */
function factsOf(operation: RunOperation): string[] {
  const trace = operation.description.trace;
  if (trace === undefined) return [];
  const out: string[] = [];
  if (trace.consistency !== undefined) out.push(`Read at consistency ${trace.consistency}.`);
  const repair: Record<string, string> = {
    none: 'Read repair: nothing to do, the replies it compared agreed.',
    repaired: 'Read repair: the replicas found behind were brought up to date before the answer.',
    scheduled: 'Read repair: the replicas found behind are repaired in the background, right after the answer.',
    failed: 'Read repair: could not bring the replicas found behind up to date (anti-entropy will).',
    off: 'Read repair is off (READ_REPAIR=off): replicas found behind are only reported.',
  };
  if (trace.repair !== undefined) out.push(repair[trace.repair] ?? `Read repair: ${trace.repair}.`);
  if (trace.attempts !== undefined) {
    out.push(
      trace.attempts > 1
        ? `Attempts: ${trace.attempts}: a replica held a newer version, so the write was re-issued above it (the lanes show the last attempt).`
        : 'Attempts: 1.',
    );
  }
  if (trace.rolledBack !== undefined) {
    out.push(trace.rolledBack ? 'Rolled back: the write landed nowhere and never takes effect.' : 'Not rolled back: the write may still take effect.');
  }
  const pending = trace.nodes.filter((node) => node.outcome === 'pending').length;
  if (pending > 0) out.push(`${pending} replica${pending > 1 ? 's' : ''} had not answered when the coordinator did (pending).`);
  const versions = new Set(trace.nodes.map((node) => node.version).filter((version): version is string => version !== null));
  if (versions.size > 0) out.push(`Versions: ${[...versions].map(shortVersion).join(', ')}.`);
  return out;
}

function listItem(content: string): HTMLLIElement {
  const item = document.createElement('li');
  item.textContent = content;
  return item;
}

function renderHistory(): void {
  historyList.replaceChildren(
    ...history.map((operation) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.opId = String(operation.id);
      button.dataset.level = operation.description.level;
      if (operation.id === selectedId) button.setAttribute('aria-current', 'true');
      const { kind, key } = operation.request;
      button.textContent = `${operation.at.toLocaleTimeString()} ${kind} ${JSON.stringify(key)} → ${operation.status ?? 'no answer'}`;
      button.addEventListener('click', () => show(operation));
      item.append(button);
      return item;
    }),
  );
}

void refreshHealth();
