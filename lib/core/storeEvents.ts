import type { ConsistencyLevel } from './consistency';

/**
 * What the store reports while it works, the moments an operator counts and alarms on: events, so the store needs no
 * metrics library (an adapter counts them). `replica` is a configured name, never a key: counts stay low-cardinality.
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

/** A write missed its quorum on its last attempt (503). */
export interface WriteQuorumFailedEvent {
  readonly type: 'write-quorum-failed';
  readonly operation: 'set' | 'delete';
  readonly consistency: ConsistencyLevel;
  readonly acknowledged: number;
  readonly required: number;
  /** See `QuorumNotReachedError.rolledBack`. */
  readonly rolledBack: boolean;
}

/** A read got too few answers (answered 503). */
export interface ReadQuorumFailedEvent {
  readonly type: 'read-quorum-failed';
  readonly consistency: ConsistencyLevel;
  readonly answered: number;
  readonly required: number;
}

/** A replica was seen holding an older entry than another (or nothing), by a read or by anti-entropy. */
export interface DivergenceFoundEvent {
  readonly type: 'divergence-found';
  readonly replica: string;
  readonly seenBy: 'read' | 'anti-entropy';
}

/** Read repair (or a quorum read's write-back) brought a replica up to date, before or after the answer. */
export interface ReadRepairedEvent {
  readonly type: 'read-repaired';
  readonly replica: string;
}

/** A committed write missed `replica` and a durable hint for it was stored on at least one replica that took it. */
export interface HintQueuedEvent {
  readonly type: 'hint-queued';
  readonly replica: string;
}

/** A hint replay for `replica` handled `keys` (at least 1) hinted keys and forgot them. */
export interface HintsReplayedEvent {
  readonly type: 'hints-replayed';
  readonly replica: string;
  readonly keys: number;
}

/** A command to `replica` got no answer within the node timeout (`NODE_TIMEOUT_MS`). */
export interface NodeTimeoutEvent {
  readonly type: 'node-timeout';
  readonly replica: string;
}

/**
 * The breaker of `replica` opened from closed; a failed probe while open is not another opening (that would count
 * the outage's length).
 */
export interface BreakerOpenedEvent {
  readonly type: 'breaker-opened';
  readonly replica: string;
}

/** The kinds of {@link StoreEvent}, as their `type`. */
export type StoreEventType = StoreEvent['type'];

/**
 * Receives the store's events, synchronously where they happen (also in background work after a response), so it
 * must be cheap and never throw.
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
