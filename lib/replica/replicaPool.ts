import { BrokenCircuitError, CircuitState } from 'cockatiel';
import type { Cluster, Redis } from 'ioredis';
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
  connectTimeoutOf,
  type ConnectionSettings,
  type RedisCredentials,
  type ReplicaAddress,
  type ReplicaClient,
} from './connection';
import { classifyCommandError, ConnectionDownError, failureMessage, NotReadyInTimeError } from './failures';
import { slotOf } from './hashSlots';
import { withinNodeTimeout } from './nodeTimeout';
import type { CallOptions, ReplicaCallResult, ReplicaSet } from './replicaSet';

/**
 * One replica: its address, its long-lived connection and the circuit breaker guarding it; a cluster replica also
 * has one breaker per master (`host:port`), guarding the calls made for a key of that master's slots.
 */
export interface Replica extends GuardedReplica {
  readonly name: string;
  readonly client: ReplicaClient;
  readonly masterGuards: Map<string, GuardedReplica>;
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
  /** The bound on any one call to a replica (`NODE_TIMEOUT_MS`). */
  readonly nodeTimeoutMs: number;
  private reconnectHandler: ReconnectHandler | undefined;
  private breakerSettings: BreakerSettings = { breakerFailures: 3, breakerHalfOpenMs: 1_000 };
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
        masterGuards: new Map(),
      };
      this.breakerSettings = breakerSettings;
      // "Back": ready after being down, also on the first connect of a container that started while it was down.
      whenBack(replica.client, () => {
        replica.breaker = newBreaker(breakerSettings, opened);
        replica.failuresSinceSuccess = 0;
        this.recover(replica);
      });
      if (replica.client.isCluster) {
        // Each master's connection comes and goes on its own: the one that comes back gets a fresh breaker, and its
        // replica's hints are replayed.
        (replica.client as Cluster).on('+node', (master: Redis, masterKey: string) => {
          whenBack(master, () => {
            replica.masterGuards.delete(masterKey);
            this.recover(replica);
          });
        });
      }
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
   * Registers the catch-up to run when a replica comes back: its connection (or on a cluster, one master's) is ready
   * again after dropping (it restarted or the network healed), or a call through its breaker succeeds after failures
   * (it was hung, e.g. paused, and kept its connection). The coordinator that sees it first replays its hints,
   * without waiting for anti-entropy.
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
    const guard = options.key === undefined || !replica.client.isCluster ? replica : this.masterGuard(replica, options.key);
    const state = guard.breaker.state;
    if (!bypass && (state === CircuitState.HalfOpen || state === CircuitState.Isolated)) return SKIPPED_BREAKER_OPEN;
    const send = async (): Promise<T> => {
      const { client } = replica;
      const status = client.status;
      if (status === 'reconnecting' || status === 'close' || status === 'end') throw new ConnectionDownError();
      if (status === 'ready') return withinNodeTimeout(command(client), this.nodeTimeoutMs);
      // A cluster client holds commands while it connects and fetches its slots (and may retry): bounded by the
      // connect timeout. Whether such a command was sent cannot be known, so its failure counts as "may have run".
      if (client.isCluster) return withinNodeTimeout(command(client), connectTimeoutOf(this.nodeTimeoutMs));
      // A server's connection being opened (or remade): the command waits here for it to be ready, not in ioredis'
      // offline queue, which would send it whenever the connection comes back, even after the caller gave up. So a
      // command that was never sent fails as such (its write landed nowhere: `rolled_back` depends on it).
      const ready = await whenReady(client as Redis, this.nodeTimeoutMs);
      if (ready === 'dropped') throw new ConnectionDownError();
      if (ready === 'timeout') throw new NotReadyInTimeError();
      return withinNodeTimeout(command(client), Math.max(1, started + this.nodeTimeoutMs - performance.now()));
    };
    // Failures seen since the last success: a success now means the replica (or master) is back, also one that
    // kept its connection through the outage (paused, not restarted), which no reconnect event would tell.
    const wasFailing = !bypass && (guard.failuresSinceSuccess > 0 || state === CircuitState.Open);
    try {
      // An open breaker decides itself: skip, or let this call through as its probe.
      const value = bypass ? await send() : state === CircuitState.Open ? await guard.breaker.execute(send) : await closedCall(guard, send);
      if (wasFailing) {
        guard.failuresSinceSuccess = 0;
        this.recover(replica);
      }
      return { ok: true, value, ms: elapsedSince(started) };
    } catch (error) {
      if (error instanceof BrokenCircuitError) return SKIPPED_BREAKER_OPEN;
      const failure = classifyCommandError(error);
      const outcome = failure.kind === 'timeout' ? 'timeout' : 'error';
      // A node that did not answer in time, also one that never finished the handshake (the command was not sent).
      if (outcome === 'timeout' || error instanceof NotReadyInTimeError) this.observer.record({ type: 'node-timeout', replica: replica.name });
      return { ok: false, outcome, failure: failure.kind, error: failure.message, ms: elapsedSince(started) };
    }
  }

  /** The breaker of the master that serves `key` on a cluster replica (the replica's own until its slots are known). */
  private masterGuard(replica: Replica, key: string): GuardedReplica {
    const master = (replica.client as Cluster).slots[slotOf(key)]?.[0];
    if (master === undefined) return replica;
    let guard = replica.masterGuards.get(master);
    if (guard === undefined) {
      const opened = (): void => this.observer.record({ type: 'breaker-opened', replica: replica.name });
      guard = { breaker: newBreaker(this.breakerSettings, opened), failuresSinceSuccess: 0 };
      replica.masterGuards.set(master, guard);
    }
    return guard;
  }

  /** The breaker of each master of a cluster replica that has been called for a key (`host:port` → state). */
  masterBreakerStates(replica: Replica): ReadonlyMap<string, BreakerState> {
    return new Map([...replica.masterGuards].map(([master, guard]) => [master, breakerStateOf(guard.breaker)]));
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
          // QUIT on a connection that is not ready would wait in ioredis' offline queue: only ioredis' backstop ends it.
          if (client.status !== 'ready') throw new ConnectionDownError();
          await withinNodeTimeout(client.quit(), this.nodeTimeoutMs);
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}

/**
 * Calls `back` each time `connection` is ready after having been down, also on the first connect of a container
 * that started while it was down.
 */
function whenBack(connection: Redis | Cluster, back: () => void): void {
  let wasDown = false;
  connection.on('close', () => {
    wasDown = true;
  });
  connection.on('ready', () => {
    if (wasDown) back();
    wasDown = false;
  });
}

/** How a wait for a connection being made ended (see {@link whenReady}). */
type Readiness = 'ready' | 'dropped' | 'timeout';

/** Each server connection's wait for its next `ready` or `close`, shared by every call waiting on it. */
const readiness = new WeakMap<Redis, Promise<'ready' | 'dropped'>>();

/**
 * Resolves `ready` once `connection` is ready, `dropped` if it closes first, `timeout` if neither happens within
 * `ms`. One listener pair per connection serves every waiting call, however many a burst brings.
 */
function whenReady(connection: Redis, ms: number): Promise<Readiness> {
  let settled = readiness.get(connection);
  if (settled === undefined) {
    settled = new Promise<'ready' | 'dropped'>((resolve) => {
      const done = (how: 'ready' | 'dropped') => (): void => {
        connection.off('ready', onReady);
        connection.off('close', onClose);
        readiness.delete(connection);
        resolve(how);
      };
      const onReady = done('ready');
      const onClose = done('dropped');
      connection.once('ready', onReady);
      connection.once('close', onClose);
    });
    readiness.set(connection, settled);
  }
  return withinNodeTimeout(settled, ms).catch((): Readiness => 'timeout');
}

/** The result of a call that was not sent (shared: results are never mutated). */
function skipped(kind: 'breaker-open') {
  return { ok: false, outcome: 'skipped', failure: kind, error: failureMessage(kind), ms: 0 } as const;
}
const SKIPPED_BREAKER_OPEN = skipped('breaker-open');

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
