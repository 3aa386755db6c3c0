/**
 * The request trace a data route answers with `?trace=1`, as the console reads it: the per-replica outcomes and the
 * timing of the trace contract (`sent_ms`, `hedged_at_ms`, `first`, `elapsed_ms`, `quorum_ms`, `attempts`).
 *
 * Why a tolerant reader: the console must also work against a server without the timing fields (an older stage),
 * so every field is optional here and falls back as the contract says: `sent_ms` 0, no `first`, no `quorum_ms`.
 * The field names it reads are those of the service's own declaration (`functions/contract/trace.ts`), checked by
 * the compiler. Pure (no DOM), so it is unit-tested in Node.
 */

import type { TracedAnswer, TraceEntry } from '../functions/contract/trace';

/** What one replica did, as `nodes[i].outcome` says: the store's own type (a type-only import, erased in the page). */
export type Outcome = TraceEntry['outcome'];

/** A JSON object as it arrives: the fields of a wire type by name, each of any type until checked. */
type Unchecked<T> = { readonly [K in keyof T]?: unknown };

/** One replica's lane of a trace. */
export interface TraceNode {
  readonly node: string;
  readonly outcome: Outcome;
  /** Milliseconds from sending to the answer (0 while pending). */
  readonly ms: number;
  /** When the command was sent, ms since the operation started; null when it was never sent (skipped, not-sent). */
  readonly sentMs: number | null;
  /** On a hedged read, when a replica asked late was asked (ms since the start); absent for those asked at once. */
  readonly hedgedAtMs?: number;
  readonly version: string | null;
  readonly deleted: boolean;
  readonly first: boolean;
  readonly error?: string;
}

/** The whole trace of one operation. */
export interface Trace {
  readonly nodes: readonly TraceNode[];
  /** When the coordinator answered, ms since it started; absent from servers without trace timing. */
  readonly elapsedMs?: number;
  /** When the quorum was reached; absent when it was not (and on level-one reads). */
  readonly quorumMs?: number;
  /** Times a write was issued (more than 1: re-issued above a newer version). */
  readonly attempts?: number;
  /** Reads: the level the read was made at, and what read repair did. */
  readonly consistency?: string;
  readonly repair?: string;
  /** Writes: acknowledgements at the answer; failed writes: whether the write never takes effect. */
  readonly successNodes?: number;
  readonly rolledBack?: boolean;
}

const OUTCOMES: readonly string[] = ['applied', 'newer', 'found', 'stale', 'missing', 'repaired', 'error', 'timeout', 'skipped', 'pending', 'not-sent'];

/** The trace in a response body, or undefined when it carries none (no `nodes` array). */
export function traceOf(body: unknown): Trace | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = body as Unchecked<TracedAnswer>;
  if (!Array.isArray(fields.nodes)) return undefined;
  const nodes = fields.nodes.filter(isObject).map(nodeOf);
  return {
    nodes,
    ...optional('elapsedMs', numberOf(fields.elapsed_ms)),
    ...optional('quorumMs', numberOf(fields.quorum_ms)),
    ...optional('attempts', numberOf(fields.attempts)),
    ...optional('consistency', stringOf(fields.consistency)),
    ...optional('repair', stringOf(fields.repair)),
    ...optional('successNodes', numberOf(fields.success_nodes)),
    ...optional('rolledBack', typeof fields.rolled_back === 'boolean' ? fields.rolled_back : undefined),
  };
}

function nodeOf(entry: Unchecked<TraceEntry>): TraceNode {
  const outcome = typeof entry.outcome === 'string' && OUTCOMES.includes(entry.outcome) ? (entry.outcome as Outcome) : 'error';
  const sent = entry.sent_ms;
  return {
    node: stringOf(entry.node) ?? '?',
    outcome,
    ms: numberOf(entry.ms) ?? 0,
    // The contract's fallback for servers without timing: sent at the start. A skipped or not-sent replica never was.
    sentMs: sent === null || outcome === 'skipped' || outcome === 'not-sent' ? null : (numberOf(sent) ?? 0),
    ...optional('hedgedAtMs', numberOf(entry.hedged_at_ms)),
    version: stringOf(entry.version) ?? null,
    deleted: entry.deleted === true,
    first: entry.first === true,
    ...optional('error', stringOf(entry.error)),
  };
}

/**
 * When the replica answered, ms since the start, or null when it has not (pending) or was never sent (skipped).
 */
export function answeredMs(node: TraceNode): number | null {
  if (node.sentMs === null || node.outcome === 'pending') return null;
  return node.sentMs + node.ms;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
