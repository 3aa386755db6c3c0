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
 * The connections to every replica, opened once per Lambda container and reused by every invocation.
 *
 * Why: a TCP (and TLS) handshake per request would cost more than the Redis command itself, and Lambda keeps module
 * scope alive between invocations of a warm container.
 */
export class ReplicaPool implements ReplicaSet<ReplicaClient> {
  readonly replicas: readonly Replica[];
  /**
   * Where this pool, and the coordinator built on it, report the store's events (node timeouts and breaker openings
   * here; quorum failures, repairs and hints in the coordinator). One per container, so every layer reports to the
   * same one.
   */
  readonly observer: StoreObserver;
  private readonly nodeTimeoutMs: number;
  private reconnectHandler: ReconnectHandler | undefined;
  private bypassAllBreakers = false;
  private unguardedView: ReplicaPool | undefined;

  /**
   * @param credentials the Redis user and password when they come from a secret rather than the URLs.
   * @param observer receives the store's events (see {@link observer}); by default they are ignored.
   */
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
      // A replica is "back" when its connection becomes ready after having been down: after a disconnect, or on the
      // first connect of a container that started while it was down (its first attempts failed).
      let wasDown = false;
      replica.client.on('close', () => {
        wasDown = true;
      });
      replica.client.on('ready', () => {
        if (wasDown) {
          // The replica is back (it restarted, or the network healed): trust it again, and let it catch up.
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
   * The same replicas and connections, with calls that ignore the circuit breakers.
   *
   * Why: breakers protect the latency of client requests; background work (repair, hint replay, anti-entropy) must
   * try every replica, bounded by the node timeout, or it would never reach a replica whose breaker opened.
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
   * Registers the catch-up to run when a replica's connection comes back (the replica restarted or the network
   * healed). Requests use the replica at once; the coordinator's handler replays its hints in the background.
   *
   * Why: a replica that was away missed writes; the coordinator that sees it come back is the first to know, so it
   * replays the hints the other replicas keep for it, without waiting for anti-entropy.
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
   * Runs one command against one replica and never throws: failures become an `error`, `timeout` or `skipped`
   * result.
   *
   * Why: the quorum logic counts outcomes; a replica that is down is an expected event, not an exception. Each
   * replica has a circuit breaker: after a few consecutive failures its calls are `skipped` at once instead of each
   * paying the node timeout, and after a pause one call is let through as a probe; while that probe is out, other
   * calls are skipped rather than made to wait for it. A replica whose connection is known to be down fails at once.
   * On a ready connection, a call that got no reply within the node timeout from when it was issued is a `timeout`,
   * even if its command is still waiting to be sent: ioredis times a command from when it writes it, and with
   * auto-pipelining a command waits unsent while the connection's previous pipeline waits for a hung replica (up to
   * its own timeout). A command issued while the connection is being made is timed from when it is sent. A
   * timeout is reported to the {@link observer} (`node-timeout`), whichever work made the call.
   *
   * @param options.bypassBreaker send even when the breaker is open (see {@link CallOptions}).
   */
  async call<T>(replica: Replica, command: (client: ReplicaClient) => Promise<T>, options: CallOptions = {}): Promise<ReplicaCallResult<T>> {
    const started = performance.now();
    const bypass = options.bypassBreaker === true || this.bypassAllBreakers;
    const state = replica.breaker.state;
    if (!bypass && (state === CircuitState.HalfOpen || state === CircuitState.Isolated)) return SKIPPED_BREAKER_OPEN;
    const send = (): Promise<T> => {
      const status = replica.client.status;
      if (status === 'reconnecting' || status === 'close' || status === 'end') throw new ConnectionDownError();
      // While the connection is being made, commands wait in ioredis' offline queue, bounded by its connect timeout,
      // and are timed from when they are sent, as before.
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
