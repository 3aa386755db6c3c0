import { CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';

/** Settings of the per-replica circuit breakers. */
export interface BreakerSettings {
  /** Consecutive failures that open the breaker (`BREAKER_FAILURES`). @default 3 */
  readonly breakerFailures: number;
  /** Wait before a probe goes through an open breaker (`BREAKER_HALF_OPEN_MS`). @default 1000 */
  readonly breakerHalfOpenMs: number;
}

/** A replica's circuit breaker as reported by `/health`: `closed` (in use), `open` (skipped), `half-open` (probing). */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A replica's breaker (replaced by a closed one when its connection comes back) and failures since a success. */
export interface GuardedReplica {
  breaker: CircuitBreakerPolicy;
  failuresSinceSuccess: number;
}

/**
 * A new, closed breaker: it opens after `breakerFailures` consecutive failures and lets a probe through
 * `breakerHalfOpenMs` later. A probe is a real request whose quorum never waits for it, so probing costs clients
 * nothing and lets a recovered replica back within about one interval.
 *
 * @param onOpened called each time it opens from closed, not when a failed probe keeps it open.
 */
export function newBreaker({ breakerFailures, breakerHalfOpenMs }: BreakerSettings, onOpened?: () => void): CircuitBreakerPolicy {
  const breaker = circuitBreaker(handleAll, { breaker: new ConsecutiveBreaker(breakerFailures), halfOpenAfter: breakerHalfOpenMs });
  if (onOpened !== undefined) {
    // cockatiel reports a break also when a half-open probe fails: only a break from closed is an opening.
    let closed = true;
    breaker.onBreak(() => {
      if (closed) onOpened();
      closed = false;
    });
    breaker.onReset(() => {
      closed = true;
    });
  }
  return breaker;
}

/**
 * A call through a closed breaker, which only hears what can change its state (a failure, or the first success
 * after failures): a healthy replica's calls skip its bookkeeping, with the same outcome for the breaker.
 */
export async function closedCall<T>(replica: GuardedReplica, send: () => Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await send();
  } catch (error) {
    replica.failuresSinceSuccess += 1;
    await replica.breaker.execute(() => Promise.reject(error)).catch(() => undefined);
    throw error;
  }
  if (replica.failuresSinceSuccess > 0) {
    replica.failuresSinceSuccess = 0;
    await replica.breaker.execute(() => Promise.resolve()).catch(() => undefined);
  }
  return value;
}

/** The state of a breaker as `/health` names it. */
export function breakerStateOf(breaker: CircuitBreakerPolicy): BreakerState {
  switch (breaker.state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    default:
      return 'open';
  }
}
