import { EN } from './lessons.en';
import { KO } from './lessons.ko';
import { LESSONS, type LabAction, type LabFault, type LabText, type Lesson } from './lessons';

/**
 * The lab page's script: the lessons (set up, then one step at a time), every replica's entry for the watched key side
 * by side (polled), the faults, anti-entropy, and what changed each replica. It talks only to the lab server that
 * served it, with the token from the URL fragment (`/lab#token=…`, never sent to a server in a URL).
 */

const TEXTS: Record<string, LabText> = { en: EN, ko: KO };
const LANGUAGE_STORAGE = 'quorum-kv.lab.language';
const TOKEN_STORAGE = 'quorum-kv.lab.token';
const POLL_MS = 1_000;
/** The faults that need a proxy between the coordinator and the replica, which a cluster replica cannot have. */
const LINK_FAULTS: readonly LabFault[] = ['slow', 'fast', 'cut', 'heal'];

interface ShownEntry {
  readonly state: 'value' | 'tombstone' | 'missing' | 'unreadable';
  readonly value?: string | null;
  readonly version?: string;
  readonly ttlMs?: number | null;
  readonly reason?: string;
}
interface MasterView {
  readonly port: number;
  readonly process: string;
  readonly snapshot: boolean;
}
interface ReplicaView {
  readonly name: string;
  readonly kind: 'standalone' | 'cluster';
  readonly faults: readonly LabFault[];
  readonly masters?: readonly MasterView[];
  readonly keyMaster?: number;
  readonly process: string;
  readonly link: string;
  readonly snapshot: boolean;
  readonly entry: ShownEntry;
  readonly hints: readonly { holder: string; keys: readonly string[] }[];
}
interface ContainerView {
  readonly name: string;
  readonly skewMs: number;
  readonly ownClock: number;
  readonly lastWrite?: { key: string; value: string; status: number; version?: string; acknowledged?: number; attempts?: number; error?: string };
}
interface LabState {
  readonly replicas: readonly ReplicaView[];
  readonly containers: readonly ContainerView[];
  readonly changes: readonly { at: number; replica: string; key: string; from: string; to: string; cause: keyof LabText['ui']['causes'] }[];
  readonly antiEntropy: { running: boolean; keysScanned: number; keysTotal: number; keysCompared: number; keysDiverged: number; replicasRepaired: number; runs: number; error?: string; unreachable: readonly string[] };
}

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const token = tokenFromFragment();
let language = localStorage.getItem(LANGUAGE_STORAGE) ?? (navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en');
let lesson: Lesson | undefined;
let nextStep = 0;
let lastState: LabState | undefined;

function tokenFromFragment(): string {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment !== null && fromFragment !== '') {
    sessionStorage.setItem(TOKEN_STORAGE, fromFragment);
    window.history.replaceState(null, '', location.pathname + location.search);
    return fromFragment;
  }
  return sessionStorage.getItem(TOKEN_STORAGE) ?? '';
}

const text = (): LabText => TEXTS[language] ?? EN;

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`/lab/api/${path}`, {
    method,
    headers: { 'x-lab-token': token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
    cache: 'no-store',
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

// ---- Words ----

function render(): void {
  const t = text();
  document.documentElement.lang = language;
  byId('title').textContent = t.ui.title;
  byId<HTMLSelectElement>('lang').value = language;
  byId('lessons-title').textContent = t.ui.lessons;
  byId('key-label').textContent = t.ui.key;
  byId('ae-run').textContent = t.ui.runAntiEntropy;
  byId('changes-title').textContent = t.ui.changes;
  byId('step-do').textContent = t.ui.doStep;
  byId('lessons').replaceChildren(
    ...LESSONS.map((entry) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.lesson = entry.id;
      button.textContent = t.ui.setUp;
      button.addEventListener('click', () => void setUp(entry));
      item.append(`${t.lessons[entry.id].title} `, button);
      if (clusterMode() && needsLink(entry)) {
        button.disabled = true;
        item.dataset.unavailable = 'cluster';
        item.append(` (${t.ui.needsProxy})`);
      }
      return item;
    }),
  );
  renderLesson();
  if (lastState !== undefined) showState(lastState);
}

function renderLesson(): void {
  const panel = byId('lesson');
  panel.hidden = lesson === undefined;
  if (lesson === undefined) return;
  const words = text().lessons[lesson.id];
  panel.dataset.lesson = lesson.id;
  panel.dataset.nextStep = String(nextStep);
  byId('lesson-title').textContent = words.title;
  byId('lesson-intro').textContent = words.intro;
  const note = byId('lesson-cluster-note');
  note.hidden = !clusterMode() || words.clusterNote === undefined;
  note.textContent = note.hidden ? '' : (words.clusterNote ?? '');
  byId('steps').replaceChildren(
    ...words.steps.map((step, index) => {
      const item = document.createElement('li');
      item.textContent = step;
      item.dataset.state = index < nextStep ? 'done' : index === nextStep ? 'current' : 'later';
      return item;
    }),
  );
  const finished = nextStep >= lesson.steps.length;
  byId<HTMLButtonElement>('step-do').hidden = finished;
  const done = byId('lesson-done');
  done.hidden = !finished;
  done.textContent = text().ui.done;
}

// ---- Lessons ----

/** True when the replicas are Redis Clusters (no proxy in front of them: no cut or slow). */
function clusterMode(): boolean {
  return lastState?.replicas.some((replica) => replica.kind === 'cluster') ?? false;
}

/** Whether a lesson slows or cuts a link, which needs the proxy a standalone replica has. */
function needsLink(chosen: Lesson): boolean {
  return chosen.steps.flat().some((action) => action.do === 'fault' && LINK_FAULTS.includes(action.fault));
}

async function setUp(chosen: Lesson): Promise<void> {
  lesson = chosen;
  nextStep = 0;
  byId('lesson').dataset.ready = 'false';
  byId('answer').textContent = '';
  byId<HTMLInputElement>('view-key').value = chosen.key;
  await call('POST', 'setup', { keys: [chosen.key] });
  byId('lesson').dataset.ready = 'true';
  renderLesson();
  await refresh();
}

async function doStep(): Promise<void> {
  if (lesson === undefined || nextStep >= lesson.steps.length) return;
  const button = byId<HTMLButtonElement>('step-do');
  button.disabled = true;
  try {
    for (const action of lesson.steps[nextStep]!) await run(action, lesson.key);
    nextStep += 1;
    renderLesson();
    await refresh();
  } finally {
    button.disabled = false;
  }
}

async function run(action: LabAction, key: string): Promise<void> {
  switch (action.do) {
    case 'fault':
      await applyFault(action.replica, action.fault);
      return;
    case 'anti-entropy':
      await call('POST', 'anti-entropy');
      // The step ends when the pass does: the view shows its progress meanwhile.
      for (;;) {
        const state = await refresh();
        if (state !== undefined && !state.antiEntropy.running) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    case 'container-write': {
      const answer = await call('POST', 'container-write', { container: action.container, key, value: action.value });
      const written = answer.body as NonNullable<ContainerView['lastWrite']>;
      const name = lastState?.containers[action.container]?.name ?? String(action.container);
      const { value: _value, ...answered } = written;
      showAnswer(`${text().ui.container} ${name}: set`, { status: answer.status === 200 ? written.status : answer.status, body: { ...answered, nodes: [] } });
      return;
    }
    case 'op': {
      const answer = await call('POST', 'op', { kind: action.kind, key, value: action.value, consistency: action.consistency });
      showAnswer(action.kind, answer.body as { status: number | null; body: Record<string, unknown> });
      return;
    }
  }
}

async function applyFault(replica: number, fault: LabFault, master?: number): Promise<void> {
  const answer = await call('POST', 'fault', { replica, fault, ...(master === undefined ? {} : { master }) });
  if (answer.status !== 200) showProblem(`replica ${replica + 1}${master === undefined ? '' : ` master ${master + 1}`}: ${(answer.body as { error?: string }).error ?? answer.status}`);
}

/** The last operation's answer in one line: status, value, who answered first, how many acknowledged, rolled_back. */
function showAnswer(kind: string, answer: { status: number | null; body: Record<string, unknown> }): void {
  const line = byId('answer');
  const body = answer.body;
  const nodes = (Array.isArray(body.nodes) ? body.nodes : []) as { node: string; outcome: string; first?: boolean }[];
  const first = nodes.find((node) => node.first === true);
  const replicaNumber = (name: string): string => `${(lastState?.replicas.findIndex((replica) => replica.name === name) ?? -1) + 1}`;
  const parts = [`${kind} → ${answer.status ?? 'no answer'}`];
  if (answer.status !== null && answer.status >= 500) parts.push('FAIL');
  if (typeof body.value === 'string') parts.push(`value "${body.value}"`);
  if (typeof body.success_nodes === 'number') parts.push(`acknowledged by ${body.success_nodes} of ${nodes.length}`);
  if (typeof body.acknowledged === 'number') parts.push(`acknowledged by ${body.acknowledged}`);
  if (typeof body.rolled_back === 'boolean') parts.push(`rolled_back: ${body.rolled_back}`);
  if (first !== undefined) parts.push(`★ first: replica ${replicaNumber(first.node)}`);
  if (typeof body.repair === 'string') parts.push(`repair: ${body.repair}`);
  if (typeof body.version === 'string') parts.push(`version ${body.version}`);
  if (typeof body.attempts === 'number') parts.push(`attempts: ${body.attempts}`);
  if (typeof body.error === 'string') parts.push(body.error);
  if (nodes.length > 0) parts.push(nodes.map((node) => `${replicaNumber(node.node)}: ${node.outcome}`).join(', '));
  line.textContent = parts.join(' · ');
  line.dataset.status = String(answer.status);
  line.dataset.level = answer.status === 200 ? 'ok' : answer.status === 404 ? 'warn' : 'error';
  if (typeof body.rolled_back === 'boolean') line.dataset.rolledBack = String(body.rolled_back);
  if (first !== undefined) line.dataset.first = replicaNumber(first.node);
}

function showProblem(words: string): void {
  const problem = byId('problem');
  problem.hidden = false;
  problem.textContent = words;
}

// ---- Replicas ----

let pollTimer: ReturnType<typeof setTimeout> | undefined;

async function refresh(): Promise<LabState | undefined> {
  clearTimeout(pollTimer);
  try {
    const key = byId<HTMLInputElement>('view-key').value.trim();
    const answer = await call('GET', `state?key=${encodeURIComponent(key)}`);
    if (answer.status !== 200) {
      showProblem(answer.status === 401 ? text().ui.noToken : `lab server: ${answer.status}`);
      return undefined;
    }
    const wasCluster = clusterMode();
    lastState = answer.body as LabState;
    if (clusterMode() !== wasCluster) render();
    showState(lastState);
    return lastState;
  } catch (error) {
    showProblem(`lab server unreachable: ${(error as Error).message}`);
    return undefined;
  } finally {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(() => void refresh(), POLL_MS);
  }
}

function showState(state: LabState): void {
  const t = text();
  const readable = state.replicas.map((replica) => replica.entry).filter((entry) => entry.state !== 'unreadable');
  const newest = readable.map((entry) => entry.version ?? '').sort().at(-1) ?? '';
  const head = byId('replicas-head');
  head.replaceChildren(th(''), ...state.replicas.map((replica, i) => th(`${t.ui.replica} ${i + 1} (${replica.name})`)));
  const cells = (label: string, fill: (replica: ReplicaView, i: number, cell: HTMLTableCellElement) => void): HTMLTableRowElement => {
    const row = document.createElement('tr');
    row.append(th(label));
    state.replicas.forEach((replica, i) => {
      const cell = document.createElement('td');
      cell.dataset.replica = String(i);
      fill(replica, i, cell);
      row.append(cell);
    });
    return row;
  };
  const stateRow = cells('', (replica, _i, cell) => {
    cell.dataset.process = replica.process;
    cell.dataset.link = replica.link;
    cell.textContent = `${replica.process}${replica.link === 'ok' ? '' : `, link ${replica.link}`}${replica.snapshot ? ', snapshot ✓' : ''}`;
  });
  stateRow.className = 'process';
  const entryRow = cells(t.ui.holds, (replica, _i, cell) => {
    const entry = replica.entry;
    cell.dataset.entry = entry.state;
    const diverged = entry.state !== 'unreadable' && readable.length > 1 && (entry.version ?? '') !== newest;
    cell.dataset.diverged = String(diverged);
    if (entry.value !== undefined && entry.value !== null) cell.dataset.value = entry.value;
    cell.dataset.version = entry.version ?? '';
    const state = document.createElement('span');
    state.className = 'state';
    state.textContent =
      entry.state === 'value' ? `"${entry.value ?? ''}"` : entry.state === 'tombstone' ? t.ui.tombstone : entry.state === 'missing' ? t.ui.missing : `? (${entry.reason ?? ''})`;
    cell.append(state);
    if (entry.version !== undefined) cell.append(document.createElement('br'), `v ${entry.version}`);
    if (entry.ttlMs !== undefined && entry.ttlMs !== null) cell.append(document.createElement('br'), `TTL ${Math.round(entry.ttlMs / 1000)} s`);
    if (diverged) cell.append(document.createElement('br'), `⚠ ${t.ui.diverged}`);
  });
  entryRow.className = 'entry';
  const hintRow = cells(t.ui.hints, (replica, _i, cell) => {
    cell.dataset.hints = String(replica.hints.reduce((sum, set) => sum + set.keys.length, 0));
    cell.textContent = replica.hints.map((set) => `${set.keys.join(', ')} (on ${set.holder})`).join('; ');
  });
  hintRow.className = 'hints';
  const faultButton = (i: number, fault: LabFault, master?: number): HTMLButtonElement => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.fault = fault;
    button.dataset.replica = String(i);
    if (master !== undefined) button.dataset.master = String(master);
    button.textContent = fault;
    button.addEventListener('click', () => void applyFault(i, fault, master).then(refresh));
    return button;
  };
  const faultRow = cells(t.ui.faults, (replica, i, cell) => {
    if (replica.kind === 'cluster') {
      const whole = document.createElement('div');
      whole.className = 'whole';
      whole.append(`${t.ui.wholeReplica}: `, ...replica.faults.map((fault) => faultButton(i, fault)));
      const note = document.createElement('p');
      note.className = 'no-proxy';
      note.textContent = t.ui.noProxy;
      cell.append(whole, note);
      return;
    }
    cell.append(...replica.faults.map((fault) => faultButton(i, fault)));
  });
  const rows = [stateRow, entryRow, hintRow];
  if (state.replicas.some((replica) => replica.masters !== undefined)) {
    const masterRow = cells(t.ui.masters, (replica, i, cell) => {
      (replica.masters ?? []).forEach((master, m) => {
        const block = document.createElement('div');
        block.className = 'master';
        block.dataset.master = String(m);
        block.dataset.process = master.process;
        block.dataset.holdsKey = String(replica.keyMaster === m);
        const label = document.createElement('span');
        label.textContent = `${replica.keyMaster === m ? '★ ' : ''}${t.ui.master} ${m + 1} (:${master.port}): ${master.process}${master.snapshot ? ', snapshot ✓' : ''}${replica.keyMaster === m ? ` · ${t.ui.holdsKey}` : ''}`;
        block.append(label, document.createElement('br'), ...replica.faults.map((fault) => faultButton(i, fault, m)));
        cell.append(block);
      });
    });
    masterRow.className = 'masters';
    rows.push(masterRow);
  }
  byId('replicas-body').replaceChildren(...rows, faultRow);
  const ae = state.antiEntropy;
  const progress = byId('ae-progress');
  progress.dataset.running = String(ae.running);
  progress.dataset.repaired = String(ae.replicasRepaired);
  progress.textContent =
    ae.runs === 0 && !ae.running
      ? ''
      : `${t.ui.antiEntropy}: ${ae.running ? '…' : '✓'} ${ae.keysScanned} / ~${ae.keysTotal} keys scanned, ${ae.keysCompared} compared, ` +
        `${ae.keysDiverged} diverged, ${ae.replicasRepaired} copies repaired${ae.unreachable.length > 0 ? `, unreachable: ${ae.unreachable.join(', ')}` : ''}${ae.error === undefined ? '' : ` (${ae.error})`}`;
  showContainers(state.containers);
  byId('changes').replaceChildren(
    ...state.changes.map((change) => {
      const item = document.createElement('li');
      item.dataset.cause = change.cause;
      item.dataset.replica = change.replica;
      const number = state.replicas.findIndex((replica) => replica.name === change.replica) + 1;
      item.textContent = `${new Date(change.at).toLocaleTimeString()} ${t.ui.replica} ${number}: ${change.key} ${change.from} → ${change.to} (${t.ui.causes[change.cause]})`;
      return item;
    }),
  );
}

/** The lesson on clocks: each container's own clock, and its last write's version with the time it stamps. */
function showContainers(containers: readonly ContainerView[]): void {
  const t = text();
  const panel = byId('containers-panel');
  panel.hidden = lesson?.id !== 'clocks' && containers.every((container) => container.lastWrite === undefined);
  if (panel.hidden) return;
  byId('containers-title').textContent = t.ui.containers;
  byId('containers-head').replaceChildren(th(t.ui.container), th(t.ui.ownClock), th(t.ui.lastWrite), th(t.ui.version), th(t.ui.versionTime), th(t.ui.attempts));
  byId('containers-body').replaceChildren(
    ...containers.map((container) => {
      const row = document.createElement('tr');
      row.dataset.container = container.name;
      const written = container.lastWrite;
      if (written?.version !== undefined) row.dataset.version = written.version;
      const cell = (words: string): HTMLTableCellElement => {
        const td = document.createElement('td');
        td.textContent = words;
        return td;
      };
      row.append(
        th(container.name),
        cell(`${clockTime(container.ownClock)} (${t.ui.clockOff(Math.round(container.skewMs / 60_000))})`),
        cell(written === undefined ? '' : `"${written.value}" → ${written.status}${written.error === undefined ? '' : ` (${written.error})`}`),
        cell(written?.version ?? ''),
        cell(written?.version === undefined ? '' : clockTime(Number(written.version.split('.')[0]))),
        cell(written?.attempts === undefined ? '' : String(written.attempts)),
      );
      return row;
    }),
  );
}

/** A time of day to the millisecond, as versions carry it. */
function clockTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 23)} UTC`;
}

function th(words: string): HTMLTableCellElement {
  const cell = document.createElement('th');
  cell.textContent = words;
  return cell;
}

// ---- Wiring ----

byId<HTMLSelectElement>('lang').addEventListener('change', (event) => {
  language = (event.target as HTMLSelectElement).value;
  localStorage.setItem(LANGUAGE_STORAGE, language);
  render();
});
byId('step-do').addEventListener('click', () => void doStep());
byId('ae-run').addEventListener('click', () => void call('POST', 'anti-entropy').then(refresh));
byId('view-key').addEventListener('change', () => void refresh());
if (token === '') showProblem(text().ui.noToken);
render();
void refresh();
