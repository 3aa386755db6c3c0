/**
 * When one operation started, reached its quorum and answered, on `performance.now()`'s clock (as each report's
 * `sentAt`). Instants rather than durations, so the hot path only stamps them; a trace makes them relative.
 */
export interface OperationTiming {
  readonly startedAt: number;
  /**
   * A write's W-th acknowledgement, or the reply that decided a quorum read's last round; undefined when not reached
   * and for level `one`.
   */
  readonly quorumAt?: number | undefined;
  /** When the coordinator had its answer (after any blocking read repair, or a write's hints). */
  readonly answeredAt: number;
}
