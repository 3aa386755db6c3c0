import type { TraceEntry } from '../../functions/contract/trace';
import type { StoreAnswer } from '../client/storeClient';
import { displayWidth, formatMs, pad, printable, quotedValue } from './text';

/** What a trace picture is about: the operation and its key (the answer carries the rest). */
export interface TracedOperation {
  readonly op: 'set' | 'get' | 'del';
  readonly key: string;
}

/** Options of {@link renderTraceDiagram}. */
export interface TraceDiagramOptions {
  /** Columns of the time axis (default 48). */
  readonly axisWidth?: number;
}

/** The mark at the end of a lane, by outcome: where the replica answered, and what it said. */
const OUTCOME_MARKS: Record<string, string> = {
  applied: '●',
  found: '●',
  repaired: '●',
  stale: '◐',
  missing: '○',
  newer: '▲',
  error: '✗',
  timeout: '⊗',
};

const LEGEND: readonly (readonly [mark: string, meaning: string, used: (node: TraceEntry) => boolean])[] = [
  ['├━', 'sent, waiting', (node) => node.outcome !== 'skipped' && node.outcome !== 'not-sent'],
  ['●', 'applied/found', (node) => ['applied', 'found', 'repaired'].includes(node.outcome)],
  ['◐', 'stale', (node) => node.outcome === 'stale'],
  ['○', 'missing', (node) => node.outcome === 'missing'],
  ['▲', 'holds a newer version', (node) => node.outcome === 'newer'],
  ['✗', 'error', (node) => node.outcome === 'error'],
  ['⊗', 'timeout', (node) => node.outcome === 'timeout'],
  ['╌▷', 'no answer yet when the coordinator answered', (node) => node.outcome === 'pending'],
];

const QUORUM_MARK = '┆';
const ANSWER_MARK = '│';

/**
 * Draws a request's fan-out as text: one lane per replica on a shared time axis (ms after the coordinator started
 * the operation), from when the command was sent (`sent_ms`) to when the replica answered (`sent_ms + ms`), ending
 * in a mark for its outcome; beside it the outcome, the replica's time, the version and notes (who answered first,
 * a tombstone, the error). Vertical marks show where the quorum was reached (`quorum_ms`) and when the coordinator
 * answered (`elapsed_ms`); below, what read repair or a failed write's rollback did, and a legend of the marks used.
 *
 * Works with today's trace too (the contract's optional fields): without `sent_ms` every lane starts at 0, without
 * `first`, `quorum_ms` or `elapsed_ms` their marks are left out, and a note says so. Pure: the same answer gives the
 * same picture.
 */
export function renderTraceDiagram(operation: TracedOperation, answer: StoreAnswer, options: TraceDiagramOptions = {}): string {
  const width = Math.max(16, options.axisWidth ?? 48);
  const { body } = answer;
  const nodes = body.nodes ?? [];
  const lines = [headline(operation, answer), timings(answer)];
  if (nodes.length === 0) {
    lines.push('', '(the answer carries no per-replica trace)');
    return lines.join('\n');
  }

  const elapsed = finite(body.elapsed_ms);
  const quorum = finite(body.quorum_ms);
  const sentOf = (node: TraceEntry): number => finite(node.sent_ms) ?? 0;
  const answeredAt = nodes.filter((node) => node.outcome !== 'pending' && node.outcome !== 'skipped' && node.outcome !== 'not-sent').map((node) => sentOf(node) + node.ms);
  const latest = Math.max(0, elapsed ?? 0, quorum ?? 0, ...answeredAt, ...nodes.map(sentOf));
  const end = niceCeiling(latest);
  const column = (ms: number): number => Math.min(width - 1, Math.max(0, Math.round((ms / end) * (width - 1))));

  const names = nodes.map((node) => printable(node.node));
  const nameWidth = Math.max(7, ...names.map(displayWidth));
  const indent = ' '.repeat(nameWidth + 2);
  const markers = [
    ...(quorum === undefined ? [] : [{ at: column(quorum), mark: QUORUM_MARK, label: `quorum ${formatMs(quorum)} ms` }]),
    ...(elapsed === undefined ? [] : [{ at: column(elapsed), mark: ANSWER_MARK, label: `answered ${formatMs(elapsed)} ms` }]),
  ];

  const lanes = nodes.map((node) => {
    const cells = lane(node, sentOf(node), column, elapsed === undefined ? undefined : column(elapsed), width);
    for (const { at, mark } of markers) if (cells[at] === ' ') cells[at] = mark;
    return cells.join('');
  });
  const withVersions = nodes.some((node) => typeof node.version === 'string');
  const details = nodes.map((node) => laneDetails(node, withVersions));
  const outcomeWidth = Math.max(...details.map((detail) => detail.outcome.length));
  const msWidth = Math.max(...details.map((detail) => detail.ms.length));

  lines.push('', `${indent}${axisLabels(end, width)}`, `${indent}${axisRule(width)}`);
  nodes.forEach((_, i) => {
    const detail = details[i]!;
    const text = [pad(detail.outcome, outcomeWidth), pad(detail.ms, msWidth, 'right'), ...detail.version, ...detail.notes].join('  ');
    lines.push(`${pad(names[i]!, nameWidth)}  ${lanes[i]!}  ${text}`.trimEnd());
  });
  for (const marker of [...markers].sort((a, b) => a.at - b.at)) lines.push(`${indent}${markerLabel(marker.at, marker.mark, marker.label, width)}`.trimEnd());

  lines.push('', ...footnotes(operation, answer, nodes));
  const legend = LEGEND.filter(([, , used]) => nodes.some(used)).map(([mark, meaning]) => `${mark} ${meaning}`);
  if (quorum !== undefined) legend.push(`${QUORUM_MARK} quorum reached`);
  if (elapsed !== undefined) legend.push(`${ANSWER_MARK} coordinator answered`);
  lines.push(`legend: ${legend.join(' · ')}`);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** The first line: operation, key, status, and the answer's essentials. */
function headline(operation: TracedOperation, answer: StoreAnswer): string {
  const { body, status } = answer;
  const parts = [`${operation.op} ${quotedValue(operation.key, 40)} → ${status} ${printable(String(body.status ?? ''))}`.trimEnd()];
  if (operation.op === 'get' && typeof body.value === 'string') parts.push(`value ${quotedValue(body.value, 40)}`);
  if (operation.op !== 'get' && typeof body.success_nodes === 'number') parts.push(`${body.success_nodes} acknowledged`);
  if (typeof body.consistency === 'string') parts.push(`consistency ${printable(body.consistency)}`);
  if (typeof body.version === 'string') parts.push(`version ${printable(body.version)}`);
  if (typeof body.error === 'string') parts.push(printable(body.error));
  return parts.join(' · ');
}

/** The second line: when the coordinator answered and reached its quorum, and the round trip qkv measured. */
function timings(answer: StoreAnswer): string {
  const { body } = answer;
  const parts: string[] = [];
  if (finite(body.elapsed_ms) !== undefined) parts.push(`answered at ${formatMs(body.elapsed_ms!)} ms`);
  if (finite(body.quorum_ms) !== undefined) parts.push(`quorum at ${formatMs(body.quorum_ms!)} ms`);
  if (typeof body.attempts === 'number') parts.push(`${body.attempts} attempt${body.attempts === 1 ? '' : 's'}`);
  if (Number.isFinite(answer.roundTripMs)) parts.push(`round trip seen by qkv ${formatMs(answer.roundTripMs)} ms`);
  return parts.join(' · ');
}

/** One lane's cells: blank, then `├` where the command was sent, `━` while waiting, and the outcome's mark. */
function lane(node: TraceEntry, sent: number, column: (ms: number) => number, answeredColumn: number | undefined, width: number): string[] {
  const cells = Array.from({ length: width }, () => ' ');
  if (node.outcome === 'skipped' || node.sent_ms === null) {
    const text = 'not sent';
    for (let i = 0; i < text.length && i < width; i += 1) cells[i] = text[i]!;
    return cells;
  }
  const from = column(sent);
  if (node.outcome === 'pending') {
    // Known to be waiting until the coordinator answered; unknown after that.
    const waitedUntil = Math.max(from, answeredColumn ?? from);
    for (let i = from; i < width - 1; i += 1) cells[i] = i <= waitedUntil ? '━' : '╌';
    cells[from] = '├';
    cells[width - 1] = '▷';
    return cells;
  }
  const to = column(sent + node.ms);
  for (let i = from; i < to; i += 1) cells[i] = '━';
  if (to > from) cells[from] = '├';
  cells[to] = OUTCOME_MARKS[node.outcome] ?? '?';
  return cells;
}

/** The columns beside a lane: outcome, the replica's time, version, notes. */
function laneDetails(node: TraceEntry, withVersions: boolean): { outcome: string; ms: string; version: string[]; notes: string[] } {
  const waiting = node.outcome === 'pending' || node.outcome === 'skipped' || node.outcome === 'not-sent';
  const notes: string[] = [];
  if (typeof node.hedged_at_ms === 'number' && Number.isFinite(node.hedged_at_ms)) notes.push(`hedged at ${formatMs(node.hedged_at_ms)} ms`);
  if (node.first === true) notes.push('← first');
  if (node.deleted === true) notes.push('(tombstone)');
  if (typeof node.error === 'string') notes.push(printable(node.error));
  if (node.outcome === 'skipped') notes.push('(breaker open)');
  if (node.outcome === 'not-sent') notes.push('(answered without it)');
  return {
    outcome: printable(node.outcome),
    ms: waiting ? '-' : `${formatMs(node.ms)} ms`,
    version: withVersions ? [typeof node.version === 'string' ? printable(node.version) : '-'] : [],
    notes,
  };
}

/** What the picture cannot show in lanes: read repair, a failed write's fate, re-issues, missing timing fields. */
function footnotes(operation: TracedOperation, answer: StoreAnswer, nodes: readonly TraceEntry[]): string[] {
  const { body } = answer;
  const notes: string[] = [];
  if (typeof body.repair === 'string') notes.push(`read repair: ${printable(body.repair)}${REPAIR_MEANINGS[body.repair] ?? ''}`);
  if (typeof body.rolled_back === 'boolean') {
    notes.push(body.rolled_back ? 'rolled back: it landed on no replica and never takes effect' : 'not rolled back: it may still take effect (retrying is safe)');
  }
  if (typeof body.attempts === 'number' && body.attempts > 1) notes.push(`re-issued ${body.attempts - 1} time(s) above a newer version a replica reported`);
  const missing: string[] = [];
  if (!nodes.some((node) => node.sent_ms !== undefined)) missing.push('send times (lanes start at 0)');
  if (finite(body.elapsed_ms) === undefined) missing.push('the answer time');
  if (finite(body.quorum_ms) === undefined && answer.status < 300 && (operation.op !== 'get' || body.consistency !== 'one')) missing.push('the quorum time');
  if (missing.length > 0) notes.push(`this server's trace lacks ${missing.join(', ')}`);
  return notes;
}

const REPAIR_MEANINGS: Record<string, string> = {
  none: ' (the replies agreed)',
  repaired: ' (replicas found behind were brought up to date before the answer)',
  scheduled: ' (replicas found behind are repaired right after the answer, in the background)',
  failed: ' (replicas found behind could not be repaired now; hints and anti-entropy will)',
  off: ' (READ_REPAIR=off: replicas found behind are only reported)',
};

/** Axis labels at 0, ¼, ½, ¾ and the end (as many as fit), the last one with the unit. */
function axisLabels(end: number, width: number): string {
  const cells = Array.from({ length: width + 6 }, () => ' ');
  const ticks = tickColumns(width);
  ticks.forEach((at, i) => {
    const label = `${formatTick((end * i) / (ticks.length - 1))}${i === ticks.length - 1 ? ' ms' : ''}`;
    const start = i === 0 ? 0 : i === ticks.length - 1 ? at : Math.max(0, at - Math.floor(label.length / 2));
    for (let j = 0; j < label.length; j += 1) cells[start + j] = label[j]!;
  });
  return cells.join('').trimEnd();
}

function axisRule(width: number): string {
  const cells = Array.from({ length: width }, () => '─');
  for (const at of tickColumns(width)) cells[at] = '┬';
  return cells.join('');
}

function tickColumns(width: number): number[] {
  const parts = width >= 32 ? 4 : 2;
  return Array.from({ length: parts + 1 }, (_, i) => Math.round((i * (width - 1)) / parts));
}

/** `┆ quorum 1.10 ms` under its column, or `quorum 1.10 ms ┆` ending there when it would run past the axis. */
function markerLabel(at: number, mark: string, label: string, width: number): string {
  const after = `${mark} ${label}`;
  if (at + after.length <= width + 12) return `${' '.repeat(at)}${after}`;
  const before = `${label} ${mark}`;
  return `${' '.repeat(Math.max(0, at - before.length + 1))}${before}`;
}

/**
 * The axis's end: the smallest of 1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8 (times a power of ten) that is at least `ms`, so that its quarters
 * are round numbers too.
 */
export function niceCeiling(ms: number): number {
  if (!(ms > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(ms));
  for (const step of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (step * power >= ms - 1e-12) return step * power;
  return 10 * power;
}

function formatTick(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : String(Number(ms.toPrecision(3)));
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
