import type { StoreEvent, StoreEventType, StoreObserver } from '../../lib';

/** One recorded event and when it came (`performance.now()`). */
export interface RecordedEvent {
  readonly event: StoreEvent;
  readonly at: number;
}

/**
 * A {@link StoreObserver} that keeps every event it is told of, in order, with the time it came, so tests can check
 * that the store reports each one at the right moment (before an answer, after it, after a node timeout).
 */
export class RecordingObserver implements StoreObserver {
  readonly recorded: RecordedEvent[] = [];

  record(event: StoreEvent): void {
    this.recorded.push({ event, at: performance.now() });
  }

  /** Every event so far, in order. */
  get events(): StoreEvent[] {
    return this.recorded.map(({ event }) => event);
  }

  /** The events of one type so far, optionally only those about one replica, in order. */
  ofType<T extends StoreEventType>(type: T, replica?: string): Extract<StoreEvent, { type: T }>[] {
    return this.events.filter(
      (event): event is Extract<StoreEvent, { type: T }> =>
        event.type === type && (replica === undefined || ('replica' in event && event.replica === replica)),
    );
  }

  /** When the first event of `type` (about `replica`, if given) came, or undefined. */
  firstAt(type: StoreEventType, replica?: string): number | undefined {
    return this.recorded.find(({ event }) => event.type === type && (replica === undefined || ('replica' in event && event.replica === replica)))?.at;
  }
}
