import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KeyCheckResult, KeyVerdict, LinearizedStep, StuckPoint } from './checker';
import { describeKeyResult, operationLabel, showValue } from './describeResult';
import type { Operation } from './history';

/** What a picture shows: one key's operations, and optionally a (partial) linearization and where it got stuck. */
export interface HistoryPictureInput {
  /** A heading, e.g. the key and the fault under test. */
  readonly title: string;
  readonly operations: readonly Operation[];
  /** Steps in linearization order: a whole linearization, or the longest linearizable prefix. */
  readonly order?: readonly LinearizedStep[];
  /** For a failure: what could not be linearized after {@link order}. */
  readonly stuck?: StuckPoint;
  readonly verdict?: KeyVerdict;
  /** Text shown under the picture (for a checked key: its description). */
  readonly notes?: string;
  /** Only draw operations overlapping [from, to] (epoch ms); all by default. */
  readonly timeRange?: readonly [fromMs: number, toMs: number];
}

/** Where and how {@link writeHistoryPicture} writes. */
export interface WriteHistoryPictureOptions {
  /**
   * Folder for the file, created if missing; relative paths are from the working directory.
   *
   * @default 'test-results/histories'
   */
  readonly folder?: string;
  /** File name; by default from the title and the time, e.g. `k42-2024-05-01T10-00-00-000Z.html`. */
  readonly fileName?: string;
}

/** The picture of a checked key: its operations, its linearization or longest prefix, and where it broke. */
export function historyPictureInput(result: KeyCheckResult, title = `key ${result.key}`): HistoryPictureInput {
  const order = result.linearization ?? result.longestPrefix;
  return {
    title,
    operations: result.operations,
    ...(order === undefined ? {} : { order }),
    ...(result.stuck === undefined ? {} : { stuck: result.stuck }),
    verdict: result.verdict,
    notes: describeKeyResult(result, Infinity),
  };
}

const LANE_LABEL_WIDTH = 150;
const ROW_HEIGHT = 30;
const BOX_HEIGHT = 18;
const AXIS_HEIGHT = 34;
const CHAR_WIDTH = 6.3;
const SMALL_CHAR_WIDTH = 4.6;

/**
 * Renders a history as a self-contained HTML page with an inline SVG, for a person to see why a key is (not)
 * linearizable: one lane per client (operations of one client that overlap, e.g. after a timeout, stack in
 * sub-rows), one box per operation from invocation to return, labelled `put "v"`, `get → "v"`, `del`. Operations
 * with an unknown outcome extend to the end of the picture, dashed, with a tick where the store answered (if it
 * did); failed ones are grey. Linearized operations are green with their position in the order (`#3`); TTL expiries
 * are diamonds at `expiresAt`; the reads that could not be linearized next are red, and the call whose return closed
 * the window is outlined in orange; the note under the picture names the unknown writes ruled out there (answered
 * before a linearized write was invoked). Hovering a box shows the operation in full. No external resources: the
 * file can be attached to a CI run.
 */
export function renderHistoryPicture(input: HistoryPictureInput): string {
  const [from, to] = input.timeRange ?? [-Infinity, Infinity];
  // An unknown write may take effect after its answer: its box runs to the end of the picture.
  const boxEnd = (operation: Operation): number => (operation.outcome === 'unknown' ? Infinity : (operation.returnMs ?? Infinity));
  const operations = input.operations.filter((operation) => operation.invokeMs <= to && boxEnd(operation) >= from);
  const positions = new Map<number, number>();
  const expiryPositions = new Map<number, number>();
  input.order?.forEach((step, i) => (step.expiry ? expiryPositions : positions).set(step.operation.id, i + 1));
  const stuckIds = new Set((input.stuck?.couldNotLinearize ?? []).map((operation) => operation.id));
  const deadline = input.stuck?.deadline;

  // Time scale: the median operation gets about 90 px (room for its label), within a page of 900 to 30,000 px.
  let first = Infinity;
  let lastEvent = -Infinity;
  for (const operation of operations) {
    first = Math.min(first, operation.invokeMs);
    lastEvent = Math.max(lastEvent, operation.invokeMs, operation.returnMs ?? -Infinity, operation.expiresAt ?? -Infinity);
  }
  const t0 = Math.max(from, first === Infinity ? 0 : first);
  lastEvent = Math.max(lastEvent, t0 + 1);
  const t1 = Math.min(to, lastEvent + Math.max(1, (lastEvent - t0) * 0.03));
  const durations = operations
    .flatMap((operation) => (boxEnd(operation) === Infinity ? [] : [boxEnd(operation) - operation.invokeMs]))
    .sort((a, b) => a - b);
  const median = Math.max(0.5, durations[Math.floor(durations.length / 2)] ?? 1);
  const span = t1 - t0;
  const plotWidth = Math.min(30_000, Math.max(900, (span * 90) / median));
  const scale = plotWidth / span;
  const x = (t: number): number => LANE_LABEL_WIDTH + (Math.min(Math.max(t, t0), t1) - t0) * scale;

  // Lanes and sub-rows.
  const clients = [...new Set(operations.map((operation) => operation.client))].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  const rowOf = new Map<number, number>();
  const laneTop = new Map<string, number>();
  let y = AXIS_HEIGHT;
  const lanes: string[] = [];
  for (const [laneIndex, client] of clients.entries()) {
    const mine = operations.filter((operation) => operation.client === client).sort((a, b) => a.invokeMs - b.invokeMs);
    const rowEnds: number[] = [];
    for (const operation of mine) {
      const end = boxEnd(operation);
      let row = rowEnds.findIndex((rowEnd) => rowEnd < x(operation.invokeMs) - 2);
      if (row < 0) row = rowEnds.push(0) - 1;
      rowEnds[row] = end === Infinity ? Infinity : Math.max(x(end), x(operation.invokeMs) + 3);
      rowOf.set(operation.id, row);
    }
    const height = Math.max(1, rowEnds.length) * ROW_HEIGHT;
    laneTop.set(client, y);
    lanes.push(
      `<g class="lane"><rect class="lane-bg${laneIndex % 2 === 0 ? '' : ' odd'}" x="0" y="${y}" width="${LANE_LABEL_WIDTH + plotWidth + 20}" height="${height}"/>` +
        `<text class="lane-label" x="8" y="${y + ROW_HEIGHT / 2 + 4}">${escapeXml(client)}</text></g>`,
    );
    y += height;
  }
  const totalHeight = y + 10;
  const width = LANE_LABEL_WIDTH + plotWidth + 20;

  // Time axis: about one tick per 100 px, on a round step.
  const step = niceStep(100 / scale);
  const ticks: string[] = [];
  for (let t = 0; t <= span; t += step) {
    const tx = x(t0 + t);
    ticks.push(
      `<line class="tick" x1="${tx}" y1="${AXIS_HEIGHT - 6}" x2="${tx}" y2="${totalHeight}"/>` +
        `<text class="tick-label" x="${tx}" y="${AXIS_HEIGHT - 10}">+${formatMs(t)}</text>`,
    );
  }

  const boxes = operations.map((operation) => {
    const top = laneTop.get(operation.client)! + rowOf.get(operation.id)! * ROW_HEIGHT + (ROW_HEIGHT - BOX_HEIGHT) / 2;
    const left = x(operation.invokeMs);
    const right = boxEnd(operation) === Infinity ? x(t1) : x(boxEnd(operation));
    const boxWidth = Math.max(3, right - left);
    const position = positions.get(operation.id);
    const classes = ['op', operation.outcome];
    if (position !== undefined) classes.push('linearized');
    if (stuckIds.has(operation.id)) classes.push('stuck');
    if (deadline !== undefined && !deadline.expiry && deadline.operation.id === operation.id) classes.push('deadline');
    // The diamond shows the TTL; the box keeps the label short.
    const label = operationLabel(operation, false);
    const tooltip =
      `op ${operation.id} · ${operation.client} · ${label} · ${operation.outcome} · ` +
      `invoked +${formatMs(operation.invokeMs - t0)}, ` +
      (operation.returnMs === undefined
        ? 'no return'
        : `${operation.outcome === 'unknown' ? 'answered' : 'returned'} +${formatMs(operation.returnMs - t0)}`) +
      (operation.expiresAt === undefined ? '' : ` · expires +${formatMs(operation.expiresAt - t0)}`) +
      (position === undefined ? '' : ` · linearized #${position}`);
    const parts = [
      `<g class="${classes.join(' ')}"${stuckIds.has(operation.id) ? ` id="stuck-${operation.id}"` : ''} data-op="${operation.id}">`,
      `<title>${escapeXml(tooltip)}</title>`,
      `<rect x="${left.toFixed(1)}" y="${top}" width="${boxWidth.toFixed(1)}" height="${BOX_HEIGHT}" rx="3"/>`,
    ];
    if (label.length * CHAR_WIDTH + 6 <= boxWidth) {
      parts.push(`<text class="op-label" x="${(left + 4).toFixed(1)}" y="${top + BOX_HEIGHT - 5}">${escapeXml(label)}</text>`);
    } else if (label.length * SMALL_CHAR_WIDTH + 3 <= boxWidth) {
      parts.push(`<text class="op-label small" x="${(left + 2).toFixed(1)}" y="${top + BOX_HEIGHT - 6}">${escapeXml(label)}</text>`);
    }
    if (position !== undefined) {
      parts.push(`<text class="order" x="${left.toFixed(1)}" y="${top - 1}">#${position}</text>`);
    }
    if (operation.outcome === 'unknown' && operation.returnMs !== undefined && operation.returnMs >= t0 && operation.returnMs <= t1) {
      const ax = x(operation.returnMs).toFixed(1);
      parts.push(`<line class="answer" x1="${ax}" y1="${top - 2}" x2="${ax}" y2="${top + BOX_HEIGHT + 2}"/>`);
    }
    const expiryPosition = expiryPositions.get(operation.id);
    if (operation.expiresAt !== undefined && operation.expiresAt >= t0 && operation.expiresAt <= t1) {
      const ex = x(operation.expiresAt);
      const cy = top + BOX_HEIGHT / 2;
      const expiryDeadline = deadline?.expiry === true && deadline.operation.id === operation.id;
      parts.push(
        `<path class="expiry${expiryPosition === undefined ? '' : ' linearized'}${expiryDeadline ? ' deadline' : ''}" ` +
          `d="M${ex.toFixed(1)} ${cy - 7} l6 7 l-6 7 l-6 -7 z"><title>expiry of op ${operation.id}` +
          `${expiryPosition === undefined ? '' : `, linearized #${expiryPosition}`}</title></path>`,
      );
      if (expiryPosition !== undefined) parts.push(`<text class="order" x="${(ex + 7).toFixed(1)}" y="${top - 1}">#${expiryPosition}</text>`);
    }
    parts.push('</g>');
    return parts.join('');
  });

  const verdictClass = input.verdict === 'linearizable' ? 'good' : input.verdict === undefined ? '' : 'bad';
  const stuckNote =
    input.stuck === undefined
      ? ''
      : `<p>After the longest linearizable prefix (${input.order?.length ?? 0} steps) the register held ` +
        `<code>${escapeXml(showValue(input.stuck.registerValue))}</code>; could not linearize next: ` +
        `${input.stuck.couldNotLinearize.map((operation) => `<code>op ${operation.id} ${escapeXml(operationLabel(operation))}</code>`).join(', ') || 'none'}.` +
        input.stuck.ruledOut
          .map(
            ({ write, laterWrite }) =>
              ` Could not take effect any more: <code>op ${write.id} ${escapeXml(operationLabel(write))}</code> (answered before ` +
              `<code>op ${laterWrite.id} ${escapeXml(operationLabel(laterWrite))}</code> was invoked, which is linearized).`,
          )
          .join('') +
        '</p>';
  const steps = (input.order ?? [])
    .map(
      (s, i) =>
        `<tr><td>#${i + 1}</td><td>${s.expiry ? `expiry of op ${s.operation.id}` : `op ${s.operation.id}`}</td>` +
        `<td>${escapeXml(s.operation.client)}</td><td>${escapeXml(s.expiry ? 'expire' : operationLabel(s.operation))}</td>` +
        `<td>${escapeXml(showValue(s.registerAfter))}</td></tr>`,
    )
    .join('\n');
  const firstStuck = input.stuck?.couldNotLinearize[0];

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeXml(input.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
  h1 { font-size: 18px; margin: 0 0 4px; }
  .verdict.good { color: #1a7f37; } .verdict.bad { color: #cf222e; }
  .legend span { display: inline-block; margin-right: 14px; }
  .swatch { display: inline-block; width: 22px; height: 12px; vertical-align: middle; margin-right: 4px; border: 1px solid #555; border-radius: 2px; }
  .scroll { overflow-x: auto; border: 1px solid #ddd; margin: 10px 0; }
  svg text { font: 11px ui-monospace, monospace; }
  .lane-bg { fill: #fff; } .lane-bg.odd { fill: #f6f8fa; }
  .lane-label { font-weight: bold; fill: #333; }
  .tick { stroke: #e4e4e4; } .tick-label { fill: #666; text-anchor: middle; }
  .op rect { fill: #dbe9ff; stroke: #4a6fa5; stroke-width: 1; }
  .op.unknown rect { fill: #f3f6fb; stroke-dasharray: 5 3; }
  .op .answer { stroke: #57606a; stroke-width: 2; }
  .op.failed rect { fill: #e6e6e6; stroke: #aaa; }
  .op.failed .op-label { fill: #999; }
  .op.linearized rect { fill: #b7e4c0; stroke: #1a7f37; }
  .op.stuck rect { fill: #ffb3b3; stroke: #cf222e; stroke-width: 2; }
  .op.deadline rect { stroke: #e36209; stroke-width: 2.5; }
  .op-label { fill: #111; } .op-label.small { font-size: 8px; }
  .order { font-size: 9px; fill: #1a7f37; font-weight: bold; }
  .expiry { fill: #fff; stroke: #8250df; stroke-width: 1.5; }
  .expiry.linearized { fill: #b7e4c0; stroke: #1a7f37; }
  .expiry.deadline { stroke: #e36209; stroke-width: 2.5; }
  table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
  td { border-bottom: 1px solid #eee; padding: 1px 10px 1px 0; }
  pre { background: #f6f8fa; padding: 8px; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<p>${input.verdict === undefined ? '' : `<strong class="verdict ${verdictClass}">${escapeXml(input.verdict)}</strong> · `}${operations.length} operations, ${clients.length} clients · times in ms from the first invocation</p>
<p class="legend"><span><i class="swatch" style="background:#dbe9ff"></i>ok</span><span><i class="swatch" style="background:#f3f6fb;border-style:dashed"></i>unknown (may take effect any time after its call; | where the store answered, and never above a write invoked after that)</span><span><i class="swatch" style="background:#e6e6e6;border-color:#aaa"></i>failed (rolled_back: true, or a read answered 503)</span><span><i class="swatch" style="background:#b7e4c0;border-color:#1a7f37"></i>linearized (#order)</span><span><i class="swatch" style="background:#ffb3b3;border-color:#cf222e"></i>could not be linearized next</span><span><i class="swatch" style="border-color:#e36209;border-width:2px"></i>returns first among the rest</span><span>◇ TTL expiry</span></p>
${stuckNote}
<div class="scroll">
<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${totalHeight}" viewBox="0 0 ${width.toFixed(0)} ${totalHeight}">
${lanes.join('\n')}
${ticks.join('\n')}
${boxes.join('\n')}
</svg>
</div>
${input.notes === undefined ? '' : `<pre>${escapeXml(input.notes)}</pre>`}
${steps === '' ? '' : `<details${input.stuck === undefined ? '' : ' open'}><summary>${input.stuck === undefined ? 'Linearization' : 'Longest linearizable prefix'} (${input.order!.length} steps)</summary>
<table><tr><td>step</td><td>call</td><td>client</td><td>operation</td><td>register after</td></tr>
${steps}
</table></details>`}
${firstStuck === undefined ? '' : `<script>document.getElementById('stuck-${firstStuck.id}')?.scrollIntoView({ block: 'center', inline: 'center' });</script>`}
</body>
</html>
`;
}

/**
 * Writes the picture of a checked key (or of any history) to an HTML file and returns its absolute path, for a test
 * to print next to its verdict.
 */
export function writeHistoryPicture(source: KeyCheckResult | HistoryPictureInput, options: WriteHistoryPictureOptions = {}): string {
  const input = 'exploredStates' in source ? historyPictureInput(source) : source;
  const folder = resolve(options.folder ?? join('test-results', 'histories'));
  mkdirSync(folder, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const fileName = options.fileName ?? `${input.title.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80)}-${stamp}.html`;
  const path = join(folder, fileName);
  writeFileSync(path, renderHistoryPicture(input));
  return path;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function formatMs(ms: number): string {
  return Math.abs(ms) >= 10_000 ? `${(ms / 1000).toFixed(1)}s` : Number.isInteger(ms) ? `${ms}` : ms.toFixed(1);
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
}
