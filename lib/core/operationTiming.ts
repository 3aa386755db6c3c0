/**
 * When one operation (a write or a read) started, reached its quorum and answered: milliseconds on the clock of
 * `performance.now()`, the same clock as each replica report's `sentAt`.
 *
 * Why absolute times rather than durations: the fan-outs stamp them as they happen, with one `performance.now()`
 * each and no arithmetic or allocation on the hot path; whoever shows a trace (the HTTP layer's `?trace=1`) makes
 * them relative to `startedAt`, so a request's fan-out can be drawn as a timeline.
 */
export interface OperationTiming {
  /** When the coordinator started the operation. */
  readonly startedAt: number;
  /**
   * When the quorum was reached: a write's W-th acknowledgement, a quorum read's deciding reply (of its last round:
   * the R-th, or a later one up to the W-th when W > R).
   * Undefined when it was not reached, and for first-response reads (level `one`), which need no quorum.
   */
  readonly quorumAt?: number | undefined;
  /** When the coordinator had its answer (after any blocking read repair, or the hints of a write that missed some). */
  readonly answeredAt: number;
}
