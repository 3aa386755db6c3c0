import { BrokenCircuitError, CircuitState } from 'cockatiel';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import {
  breakerStateOf,
  closedCall,
  newBreaker,
  type BreakerSettings,
  type BreakerState,
  type GuardedReplica,
} from './breaker';
import {
  connectReplica,
  type ConnectionSettings,
  type RedisCredentials,
  type ReplicaAddress,
  type ReplicaClient,
} from './connection';
import { classifyCommandError, ConnectionDownError, failureMessage, NodeTimeoutError } from './failures';
import type { CallOptions, ReplicaCallResult, ReplicaSet } from './replicaSet';

/** One replica: its address, its long-lived connection and the circuit breaker guarding it. */
export interface Replica extends GuardedReplica {
  readonly name: string;
  readonly client: ReplicaClient;
}

/** Work to start when a replica's connection comes back (it runs in the background; requests do not wait). */
export type ReconnectHandler = (replica: Replica) => void;

/** What a pool is built from: the replicas' addresses, how to connect, and its breakers' settings. */
export type ReplicaPoolSettings = ConnectionSettings & { readonly replicas: readonly ReplicaAddress[] } & Partial<BreakerSettings>;

/**
 * The connections to every replica, opened once per Lambda container and reused by every invocation: a handshake per
 * request would cost more than the command itself.
 */
export class ReplicaPool implements ReplicaSet<ReplicaClient> {
  readonly replicas: readonly Replica[];
  /** Where this pool and the coordinator built on it report the store's events: one per container. */
  readonly observer: StoreObserver;
  private readonly nodeTimeoutMs: number;
  private reconnectHandler: ReconnectHandler | undefined;
  private bypassAllBreakers = false;
  private unguardedView: ReplicaPool | undefined;

  /** @param credentials the Redis user and password, when they come from a secret rather than the URLs. */
  constructor(config: ReplicaPoolSettings, credentials?: RedisCredentials, observer: StoreObserver = NO_OBSERVER) {
    this.observer = observer;
    this.nodeTimeoutMs = config.nodeTimeoutMs;
    const breakerSettings = { breakerFailures: config.breakerFailures ?? 3, breakerHalfOpenMs: config.breakerHalfOpenMs ?? 1_000 };
    this.replicas = config.replicas.map((address) => {
      const opened = (): void => observer.record({ type: 'breaker-opened', replica: address.name });
      const replica: Replica = {
        name: address.name,
        client: connectReplica(address, config, credentials),
        breaker: newBreaker(breakerSettings, opened),
        failuresSinceSuccess: 0,
      };
      // "Back": ready after being down, also on the first connect of a container that started while it was down.
      let wasDown = false;
      replica.client.on('close', () => {
        wasDown = true;
      });
      replica.client.on('ready', () => {
        if (wasDown) {
          replica.breaker = newBreaker(breakerSettings, opened);
          replica.failuresSinceSuccess = 0;
          this.recover(replica);
        }
        wasDown = false;
      });
      return replica;
    });
  }

  /**
   * The same replicas and connections, ignoring the breakers: they protect requests' latency, but background work
   * (repair, hint replay, anti-entropy) must reach a replica whose breaker opened.
   */
  get unguarded(): ReplicaPool {
    if (this.unguardedView === undefined) {
      const view = Object.create(this) as ReplicaPool;
      view.bypassAllBreakers = true;
      this.unguardedView = view;
    }
    return this.unguardedView;
  }

  /**
   * Registers the catch-up to run when a replica's connection comes back (it restarted or the network healed): the
   * coordinator that sees it first replays its hints, without waiting for anti-entropy.
   */
  onReconnect(handler: ReconnectHandler): void {
    this.reconnectHandler = handler;
  }

  private recover(replica: Replica): void {
    try {
      this.reconnectHandler?.(replica);
    } catch {
      // The catch-up is best effort; anti-entropy replays the same records.
    }
  }

  /**
   * Runs one command against one replica and never throws: the quorum logic counts outcomes, and a replica down is
   * expected. After a few consecutive failures the breaker skips calls at once instead of each paying the node
   * timeout, then lets one probe through (others are skipped meanwhile). A connection known to be down fails at once.
   * On a ready connection a call is timed from when it was issued, not sent: with auto-pipelining a command waits
   * unsent behind a pipeline stuck on a hung replica, and ioredis would time it only from its send.
   */
  async call<T>(replica: Replica, command: (client: ReplicaClient) => Promise<T>, options: CallOptions = {}): Promise<ReplicaCallResult<T>> {
    const started = performance.now();
    const bypass = options.bypassBreaker === true || this.bypassAllBreakers;
    const state = replica.breaker.state;
    if (!bypass && (state === CircuitState.HalfOpen || state === CircuitState.Isolated)) return SKIPPED_BREAKER_OPEN;
    const send = (): Promise<T> => {
      const status = replica.client.status;
      if (status === 'reconnecting' || status === 'close' || status === 'end') throw new ConnectionDownError();
      // While connecting, commands wait in ioredis' offline queue, bounded by the connect timeout.
      const reply = command(replica.client);
      return status === 'ready' ? withinNodeTimeout(reply, this.nodeTimeoutMs) : reply;
    };
    try {
      // An open breaker decides itself: skip, or let this call through as its probe.
      const value = bypass ? await send() : state === CircuitState.Open ? await replica.breaker.execute(send) : await closedCall(replica, send);
      return { ok: true, value, ms: elapsedSince(started) };
    } catch (error) {
      if (error instanceof BrokenCircuitError) return SKIPPED_BREAKER_OPEN;
      const failure = classifyCommandError(error);
      const outcome = failure.kind === 'timeout' ? 'timeout' : 'error';
      if (outcome === 'timeout') this.observer.record({ type: 'node-timeout', replica: replica.name });
      return { ok: false, outcome, failure: failure.kind, error: failure.message, ms: elapsedSince(started) };
    }
  }

  /** The state of a replica's circuit breaker, for `/health`. */
  breakerState(replica: Replica): BreakerState {
    return breakerStateOf(replica.breaker);
  }

  /** Closes every connection; used when a local invocation ends so the process can exit. */
  async close(): Promise<void> {
    await Promise.all(
      this.replicas.map(async ({ client }) => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}

/** `reply`, or a {@link NodeTimeoutError} once `ms` have passed, whichever comes first. */
function withinNodeTimeout<T>(reply: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new NodeTimeoutError()), ms);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The result of a call that was not sent (shared: results are never mutated). */
function skipped(kind: 'breaker-open') {
  return { ok: false, outcome: 'skipped', failure: kind, error: failureMessage(kind), ms: 0 } as const;
}
const SKIPPED_BREAKER_OPEN = skipped('breaker-open');

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
