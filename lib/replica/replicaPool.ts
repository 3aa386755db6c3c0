import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';
import { Redis, type RedisOptions } from 'ioredis';
import type { CoordinatorConfig, ReplicaAddress } from '../config';
import { APPLY_IF_NEWER_LUA, ROLLBACK_IF_CURRENT_LUA, VERSIONS_OF_LUA } from './luaScripts';
import type { RedisCredentials } from '../aws/redisCredentials';

/** An ioredis client with the coordinator's Lua scripts registered as commands (called by SHA, loaded once). */
export interface ReplicaClient extends Redis {
  /** See `APPLY_IF_NEWER_LUA`; use `applyEntry` from `replicaCommands` rather than calling it directly. */
  applyIfNewer(key: string, version: string, value: string, kindAndExpiry: string, undoTtlMs: string): Promise<[number, string]>;
  /** See `ROLLBACK_IF_CURRENT_LUA`; use `rollbackEntry` from `replicaCommands`. */
  rollbackIfCurrent(key: string, rolledBackKey: string, version: string, undoPrefix: string, rememberMs: string): Promise<number>;
  /** See `VERSIONS_OF_LUA`; use `versionsOf` from `replicaCommands`. */
  versionsOf(numberOfKeys: number, ...keys: string[]): Promise<string[]>;
}

/** One replica: its address, its long-lived connection and the circuit breaker guarding it. */
export interface Replica {
  readonly name: string;
  readonly client: ReplicaClient;
  /** Replaced by a closed one when the connection comes back. */
  breaker: CircuitBreakerPolicy;
  /** True between a reconnection and the end of the catch-up that runs before the replica is used again. */
  recovering: boolean;
  /** Failures reported to the closed breaker since the last success: whether a success must be reported too. */
  failuresSinceSuccess: number;
}

/** Work to do on a replica whose connection came back, before requests use it again. */
export type ReconnectHandler = (replica: Replica) => Promise<void>;

/** The outcome of one call to one replica: its reply, or why there was none, and how long it took. */
export type ReplicaCallResult<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly outcome: 'error' | 'timeout' | 'skipped'; readonly error: string; readonly ms: number };

/** A replica's circuit breaker as reported by `/health`: `closed` (in use), `open` (skipped), `half-open` (probing). */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** Settings of the per-replica circuit breakers. */
export interface BreakerSettings {
  /** Consecutive failures (errors or timeouts) that open the breaker. */
  readonly breakerFailures: number;
  /** Wait before a probe is let through to a replica whose breaker opened. */
  readonly breakerHalfOpenMs: number;
}

const TIMEOUT_MESSAGE = 'Command timed out';
/** The error of a call refused because the connection was down: the command was never sent. */
export const CONNECTION_DOWN = 'connection down';
const BREAKER_OPEN = 'circuit open: replica skipped';
const RECOVERING = 'reconnected: catching up before use';

/**
 * The connections to every replica, opened once per Lambda container and reused by every invocation.
 *
 * Why: a TCP (and TLS) handshake per request would cost more than the Redis command itself, and Lambda keeps module
 * scope alive between invocations of a warm container.
 */
export class ReplicaPool {
  readonly replicas: readonly Replica[];
  private reconnectHandler: ReconnectHandler | undefined;
  private bypassAllBreakers = false;
  private unguardedView: ReplicaPool | undefined;

  /**
   * @param credentials the Redis user and password when they come from a secret rather than the URLs.
   */
  constructor(
    config: Pick<CoordinatorConfig, 'replicas' | 'nodeTimeoutMs' | 'tlsCa'> & Partial<BreakerSettings>,
    credentials?: RedisCredentials,
  ) {
    const breakerFailures = config.breakerFailures ?? 3;
    const breakerHalfOpenMs = config.breakerHalfOpenMs ?? 1_000;
    // A probe is a real request whose quorum never waits for it, so probing at a steady pace costs clients nothing
    // and lets a recovered replica back within about one interval.
    const newBreaker = (): CircuitBreakerPolicy =>
      circuitBreaker(handleAll, { breaker: new ConsecutiveBreaker(breakerFailures), halfOpenAfter: breakerHalfOpenMs });
    this.replicas = config.replicas.map((address) => {
      const replica: Replica = {
        name: address.name,
        client: connectReplica(address, config, credentials),
        breaker: newBreaker(),
        recovering: false,
        failuresSinceSuccess: 0,
      };
      let connectedBefore = false;
      replica.client.on('ready', () => {
        if (connectedBefore) {
          // The replica is back (it restarted, or the network healed): trust it again once it has caught up.
          replica.breaker = newBreaker();
          replica.failuresSinceSuccess = 0;
          void this.recover(replica);
        }
        connectedBefore = true;
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
   * healed): until it has run, requests skip the replica.
   *
   * Why: a replica that crashed may come back holding a write that was rolled back everywhere else while it was
   * down; the catch-up undoes such writes before any read can see them.
   */
  onReconnect(handler: ReconnectHandler): void {
    this.reconnectHandler = handler;
  }

  private async recover(replica: Replica): Promise<void> {
    if (this.reconnectHandler === undefined) return;
    replica.recovering = true;
    try {
      await this.reconnectHandler(replica);
    } catch {
      // The catch-up is best effort; anti-entropy replays the same records.
    } finally {
      replica.recovering = false;
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
   *
   * @param options.bypassBreaker send even when the breaker is open: a rollback must follow its write onto the
   *   connection whatever the breaker says meanwhile.
   */
  async call<T>(
    replica: Replica,
    command: (client: ReplicaClient) => Promise<T>,
    options: { readonly bypassBreaker?: boolean } = {},
  ): Promise<ReplicaCallResult<T>> {
    const started = performance.now();
    const bypass = options.bypassBreaker === true || this.bypassAllBreakers;
    const state = replica.breaker.state;
    if (!bypass && replica.recovering) return { ok: false, outcome: 'skipped', error: RECOVERING, ms: 0 };
    if (!bypass && (state === CircuitState.HalfOpen || state === CircuitState.Isolated)) {
      return { ok: false, outcome: 'skipped', error: BREAKER_OPEN, ms: 0 };
    }
    const send = (): Promise<T> => {
      const status = replica.client.status;
      if (status === 'reconnecting' || status === 'close' || status === 'end') throw new Error(CONNECTION_DOWN);
      return command(replica.client);
    };
    try {
      // An open breaker decides itself: skip, or let this call through as its probe.
      const value = bypass ? await send() : state === CircuitState.Open ? await replica.breaker.execute(send) : await closedCall(replica, send);
      return { ok: true, value, ms: elapsedSince(started) };
    } catch (error) {
      if (error instanceof BrokenCircuitError) return { ok: false, outcome: 'skipped', error: BREAKER_OPEN, ms: 0 };
      const message = error instanceof Error ? error.message : String(error);
      const outcome = message === TIMEOUT_MESSAGE ? 'timeout' : 'error';
      return { ok: false, outcome, error: outcome === 'timeout' ? 'timed out' : message, ms: elapsedSince(started) };
    }
  }

  /** The state of a replica's circuit breaker, for `/health`. */
  breakerState(replica: Replica): BreakerState {
    switch (replica.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
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

function connectReplica(
  address: ReplicaAddress,
  { nodeTimeoutMs, tlsCa }: Pick<CoordinatorConfig, 'nodeTimeoutMs' | 'tlsCa'>,
  credentials: RedisCredentials | undefined,
): ReplicaClient {
  const options: RedisOptions = {
    // Bounds every command, including one stuck on a paused (SIGSTOPped) node that still accepts TCP connections.
    commandTimeout: nodeTimeoutMs,
    connectTimeout: Math.max(1_000, nodeTimeoutMs * 3),
    // Fail in-flight and queued commands as soon as a connection drops instead of replaying them later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Keep reconnecting in the background, at least every 250 ms, so a restarted node is back in use quickly (a
    // refused connection costs next to nothing).
    retryStrategy: (attempt) => Math.min(attempt * 25, 250),
    // Commands issued in the same tick share one write to the socket.
    enableAutoPipelining: true,
    keepAlive: 10_000,
    lazyConnect: false,
    // TLS always verifies the server's certificate and host name; REDIS_TLS_CA only changes which CAs are trusted.
    ...(address.tls ? { tls: { rejectUnauthorized: true, ...(tlsCa === undefined ? {} : { ca: [tlsCa] }) } } : {}),
    // The config refuses URLs with credentials when a secret is configured, so these never compete with the URL's.
    ...(credentials === undefined
      ? {}
      : { password: credentials.password, ...(credentials.username === undefined ? {} : { username: credentials.username }) }),
  };
  const client = new Redis(address.url, options) as ReplicaClient;
  // Without a listener ioredis prints every connection error; the outcome of each call already reports them.
  client.on('error', () => {});
  client.defineCommand('applyIfNewer', { numberOfKeys: 1, lua: APPLY_IF_NEWER_LUA });
  client.defineCommand('rollbackIfCurrent', { numberOfKeys: 2, lua: ROLLBACK_IF_CURRENT_LUA });
  // Variable number of keys: the key count is passed as the first argument.
  client.defineCommand('versionsOf', { lua: VERSIONS_OF_LUA });
  return client;
}

/**
 * A call through a closed breaker. The breaker only needs to hear what can change its state, a failure, or the first
 * success after failures, so a healthy replica's calls skip its bookkeeping (measured at ~10% of a read's cost at 64
 * in flight); the outcome for the breaker is the same as running every call through it.
 */
async function closedCall<T>(replica: Replica, send: () => Promise<T>): Promise<T> {
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

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
