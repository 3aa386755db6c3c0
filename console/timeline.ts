import { answeredMs, type Outcome, type Trace } from './trace';
import { formatMs } from './requests';

/**
 * Where each part of a trace's timeline goes: pure geometry (no DOM), so the drawing code only places what this
 * computes, and the layout is unit-tested in Node.
 *
 * One lane per replica: a bar from when it was sent its command to when it answered (a pending replica's bar runs
 * dashed to the coordinator's answer; a skipped replica has none), markers for the quorum and the answer, and a
 * shaded band before the last attempt of a re-issued write.
 */

/** The drawing's fixed frame, in SVG user units (the SVG scales to its container). */
export const FRAME = { width: 900, labelWidth: 150, notesWidth: 250, laneHeight: 36, top: 30, bottom: 14 } as const;

/** One replica's lane. */
export interface Lane {
  readonly node: string;
  readonly outcome: Outcome;
  readonly y: number;
  /** Where the command was sent; null when it never was (skipped). */
  readonly sentX: number | null;
  /** Where the answer came; null while pending (then the bar ends at `endX`, dashed) or when never sent. */
  readonly answerX: number | null;
  readonly endX: number | null;
  readonly first: boolean;
  /** The outcome in a few words, for the lane's note. */
  readonly note: string;
  /** Every detail, for the lane's tooltip. */
  readonly detail: string;
}

/** A vertical marker across the lanes (quorum, answer). */
export interface Marker {
  readonly x: number;
  readonly ms: number;
  readonly label: string;
}

/** The whole drawing. */
export interface TimelineLayout {
  readonly width: number;
  readonly height: number;
  readonly plotLeft: number;
  readonly plotRight: number;
  readonly ticks: readonly Marker[];
  readonly lanes: readonly Lane[];
  readonly quorum?: Marker;
  readonly answered?: Marker;
  /** Before the last attempt of a re-issued write: where earlier attempts were refused. */
  readonly earlier?: { readonly x0: number; readonly x1: number; readonly label: string };
}

/** Lays a trace out on the frame, its time axis from 0 to a little past the last event. */
export function layoutTimeline(trace: Trace): TimelineLayout {
  const plotLeft = FRAME.labelWidth;
  const plotRight = FRAME.width - FRAME.notesWidth;
  const events = trace.nodes.flatMap((node) => [node.sentMs ?? 0, answeredMs(node) ?? 0]);
  const last = Math.max(trace.elapsedMs ?? 0, trace.quorumMs ?? 0, ...events);
  // Four round steps (0.25 ms, 60 ms, …) that reach a little past the last event.
  const step = niceCeiling(Math.max(last * 1.05, 0.05) / 4);
  const span = step * 4;
  const x = (ms: number): number => plotLeft + (Math.min(Math.max(ms, 0), span) / span) * (plotRight - plotLeft);
  const end = trace.elapsedMs ?? last;
  const lanes = trace.nodes.map((node, index): Lane => {
    const answered = answeredMs(node);
    return {
      node: node.node,
      outcome: node.outcome,
      y: FRAME.top + index * FRAME.laneHeight,
      sentX: node.sentMs === null ? null : x(node.sentMs),
      answerX: answered === null ? null : x(answered),
      endX: node.sentMs === null ? null : x(answered ?? end),
      first: node.first,
      note: noteOf(node.outcome, node.version, node.deleted, node.ms, node.error) + (node.hedgedAtMs === undefined ? '' : `, hedged at ${formatMs(node.hedgedAtMs)}`),
      detail: [
        `${node.node}: ${node.outcome}`,
        node.sentMs === null ? 'never sent' : node.hedgedAtMs !== undefined ? `hedged at ${formatMs(node.hedgedAtMs)}` : `sent at ${formatMs(node.sentMs)}`,
        answered === null ? (node.outcome === 'pending' ? 'no answer when the coordinator answered' : '') : `answered at ${formatMs(answered)} (${formatMs(node.ms)})`,
        node.version === null ? '' : `version ${node.version}${node.deleted ? ' (tombstone)' : ''}`,
        node.error ?? '',
        node.first ? 'its reply was the answer' : '',
      ]
        .filter((line) => line !== '')
        .join('\n'),
    };
  });
  const ticks = [0, 1, 2, 3, 4].map((i) => ({ x: x(i * step), ms: i * step, label: formatMs(i * step) }));
  const firstSent = Math.min(...trace.nodes.map((node) => node.sentMs ?? Infinity));
  const attempts = trace.attempts ?? 1;
  return {
    width: FRAME.width,
    height: FRAME.top + lanes.length * FRAME.laneHeight + FRAME.bottom,
    plotLeft,
    plotRight,
    ticks,
    lanes,
    ...(trace.quorumMs === undefined ? {} : { quorum: { x: x(trace.quorumMs), ms: trace.quorumMs, label: 'quorum' } }),
    ...(trace.elapsedMs === undefined ? {} : { answered: { x: x(trace.elapsedMs), ms: trace.elapsedMs, label: 'answered' } }),
    ...(attempts > 1 && Number.isFinite(firstSent)
      ? { earlier: { x0: x(0), x1: x(firstSent), label: `${attempts - 1} earlier attempt${attempts > 2 ? 's' : ''} refused` } }
      : {}),
  };
}

/** The lane's note: the outcome and the version in a few words. */
function noteOf(outcome: Outcome, version: string | null, deleted: boolean, ms: number, error: string | undefined): string {
  const at = version === null ? '' : ` ${shortVersion(version)}${deleted ? ' (tombstone)' : ''}`;
  switch (outcome) {
    case 'applied':
      return `applied${at}`;
    case 'newer':
      return `refused: holds newer${at}`;
    case 'found':
      return `found${at}`;
    case 'stale':
      return `stale: holds${at}`;
    case 'repaired':
      return `repaired to${at}`;
    case 'missing':
      return 'missing: holds nothing';
    case 'error':
      return `error: ${error ?? 'failed'}`;
    case 'timeout':
      return `timeout after ${formatMs(ms)}`;
    case 'skipped':
      return 'skipped: breaker open, not sent';
    case 'pending':
      return 'pending: no answer yet';
    case 'not-sent':
      return 'not sent: the read was answered first';
  }
}

/**
 * A version (`<ms>.<counter>.<coordinator>`) for a lane's note: its wall-clock time of day and counter, e.g.
 * `v21:04:05.123#0`; the full version is in the tooltip and the table.
 */
export function shortVersion(version: string): string {
  const [ms, counter] = version.split('.');
  const time = Number(ms);
  if (!Number.isFinite(time) || counter === undefined) return version;
  return `v${new Date(time).toISOString().slice(11, 23)}#${Number(counter)}`;
}

/** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10ⁿ) that is at least `value`: a tick step. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8]) if (factor * power >= value - 1e-12) return factor * power;
  return 10 * power;
}
