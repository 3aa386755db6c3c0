/**
 * The trace a data route adds to its JSON answer with `?trace=1` (openapi.yaml's `NodeReport`, `ElapsedMs`,
 * `QuorumMs`, `Attempts`), declared once for the three places that meet on the wire: the handlers write it
 * (`functions/http/responses.ts`), the `qkv` command line (`cli/`) and the console page (`console/trace.ts`) read it.
 *
 * Types only, importing nothing but the store's outcome type (which imports nothing itself), so the browser page and
 * the command line can use it without the rest of lib/; the layering check keeps it that way. Readers treat every
 * field but `nodes` as optional: a server older than a field does not send it.
 */
import type { ReplicaOutcome } from '../../lib/core/replicaOutcome';

/** One replica's entry in a trace (`nodes`): always `node`, `outcome`, `ms` and `version`, plus the reason if any. */
export interface TraceEntry {
  /** The replica's `host:port`. */
  readonly node: string;
  readonly outcome: ReplicaOutcome;
  /** Milliseconds from sending the command to the replica's answer (0 while pending). */
  readonly ms: number;
  /** The version the replica holds, took or reported; null where it has none (`missing`, `pending`, `error`, …). */
  readonly version: string | null;
  /**
   * When the command was sent to the replica, in ms since the operation started (it answered at `sent_ms + ms`);
   * null when it was never sent (`skipped`, `not-sent`).
   */
  readonly sent_ms?: number | null;
  /** On a hedged read, for a replica asked late (after the read's first request): when, as `sent_ms`. */
  readonly hedged_at_ms?: number;
  /** True when what the replica holds is a tombstone. */
  readonly deleted?: boolean;
  /** A short reason, for `error` and `timeout`. */
  readonly error?: string;
  /** On a first-response read (level `one`): true on the replica whose reply was answered; absent elsewhere. */
  readonly first?: true;
}

/** The top-level timing fields of a trace: `elapsed_ms` and, when the quorum was reached, `quorum_ms`. */
export interface TraceTiming {
  /** When the coordinator answered, in ms since the operation started. */
  readonly elapsed_ms: number;
  /** When the quorum was reached (a write's W-th acknowledgement, a quorum read's deciding reply), in ms since the start. */
  readonly quorum_ms?: number;
}

/** What `?trace=1` adds to a data route's answer, a 503 included (which has no timing when nothing timed it). */
export interface TraceFields extends Partial<TraceTiming> {
  readonly nodes: readonly TraceEntry[];
  /** Writes: how many times the write was issued (more than 1: re-issued above a newer version a replica held). */
  readonly attempts?: number;
  /** Reads: the level the read was made at (`one`, `quorum`, `all`). */
  readonly consistency?: string;
  /** Reads: what read repair did (`none`, `repaired`, `scheduled`, `failed`, `off`). */
  readonly repair?: string;
}

/** A traced answer as trace readers show it: the trace, and what became of a write beside it. */
export interface TracedAnswer extends TraceFields {
  /** Writes: the replicas that acknowledged it when the coordinator answered. */
  readonly success_nodes?: number;
  /** Failed writes (503): true only when the write landed nowhere and never takes effect. */
  readonly rolled_back?: boolean;
}
