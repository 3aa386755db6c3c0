import type { ConsistencyLevel } from './consistency';

/**
 * What the store reports while it works: the moments an operator wants to count and alarm on (a failed quorum, a
 * replica found behind and repaired, hints queued and replayed, a node timing out, a breaker opening).
 *
 * Why events and not metrics: the coordinator and its layers must not depend on a metrics library. They call a
 * {@link StoreObserver} at these points; an adapter turns the events into numbers (`lib/aws/cloudWatchMetrics.ts`
 * writes CloudWatch EMF with Powertools Metrics), tests record them, and the default ({@link NO_OBSERVER}) ignores
 * them. Events are plain data; `replica` is always a replica's configured name (`host:port` or its `#name`), never
 * a key, so anything that counts by it stays low-cardinality.
 */
export type StoreEvent =
  | WriteQuorumFailedEvent
  | ReadQuorumFailedEvent
  | DivergenceFoundEvent
  | ReadRepairedEvent
  | HintQueuedEvent
  | HintsReplayedEvent
  | NodeTimeoutEvent
  | BreakerOpenedEvent;

/** A write (`set` or `delete`) missed its quorum and was answered 503, after its last attempt. */
export interface WriteQuorumFailedEvent {
  readonly type: 'write-quorum-failed';
  readonly operation: 'set' | 'delete';
  readonly consistency: ConsistencyLevel;
  /** Replicas that acknowledged the last attempt. */
  readonly acknowledged: number;
  /** Acknowledgements the level needed. */
  readonly required: number;
  /** True when the write certainly never takes effect (see `QuorumNotReachedError.rolledBack`). */
  readonly rolledBack: boolean;
}

/** A read got too few answers and was answered 503: a `quorum`/`all` read short of replies, or a `one` read none. */
export interface ReadQuorumFailedEvent {
  readonly type: 'read-quorum-failed';
  readonly consistency: ConsistencyLevel;
  /** Replicas that answered. */
  readonly answered: number;
  /** Answers the level needed. */
  readonly required: number;
}

/**
 * A replica was seen holding an older entry than another (or nothing where another holds the key): by a read (at
 * its answer, or in the replies that came after it) or by anti-entropy's comparison. Reported once per replica and
 * key each time it is seen.
 */
export interface DivergenceFoundEvent {
  readonly type: 'divergence-found';
  readonly replica: string;
  readonly seenBy: 'read' | 'anti-entropy';
}

/**
 * Read repair brought a replica up to date (set-if-newer applied): before a read's answer (`blocking`, or a quorum
 * read's write-back) or after it (`async`, in the background).
 */
export interface ReadRepairedEvent {
  readonly type: 'read-repaired';
  readonly replica: string;
}

/** A committed write missed `replica` and a durable hint for it was stored on at least one replica that took it. */
export interface HintQueuedEvent {
  readonly type: 'hint-queued';
  readonly replica: string;
}

/** A hint replay for `replica` handled `keys` hinted keys (brought up to date, or already there) and forgot them. */
export interface HintsReplayedEvent {
  readonly type: 'hints-replayed';
  readonly replica: string;
  /** At least 1. */
  readonly keys: number;
}

/** A command to `replica` got no answer within the node timeout (`NODE_TIMEOUT_MS`). */
export interface NodeTimeoutEvent {
  readonly type: 'node-timeout';
  readonly replica: string;
}

/**
 * The circuit breaker of `replica` opened: it was closed and saw `BREAKER_FAILURES` consecutive failures. A probe
 * that fails while it is open does not open it again (that would count the outage's length, not the openings).
 */
export interface BreakerOpenedEvent {
  readonly type: 'breaker-opened';
  readonly replica: string;
}

/** The kinds of {@link StoreEvent}, as their `type`. */
export type StoreEventType = StoreEvent['type'];

/**
 * Receives the store's events. The store calls it synchronously, where the event happens (also in background work
 * after a response: late replies, async read repair, hint replay), so it must be cheap and must never throw.
 *
 * @example
 * const seen: StoreEvent[] = [];
 * const pool = new ReplicaPool(config, undefined, { record: (event) => seen.push(event) });
 * const coordinator = new Coordinator(config, pool); // reports through the pool's observer
 */
export interface StoreObserver {
  record(event: StoreEvent): void;
}

/** The default observer: ignores every event, so a store built without one pays nothing for them. */
export const NO_OBSERVER: StoreObserver = { record: () => undefined };
