import { Redis, type RedisOptions } from 'ioredis';
import type { CoordinatorConfig, ReplicaAddress } from './config';
import { APPLY_IF_NEWER_LUA, ROLLBACK_IF_CURRENT_LUA } from './luaScripts';
import type { RedisCredentials } from './redisCredentials';

/** An ioredis client with the coordinator's Lua scripts registered as commands (called by SHA, loaded once). */
export interface ReplicaClient extends Redis {
  /** See `APPLY_IF_NEWER_LUA`; use `applyEntry` from `replicaCommands` rather than calling it directly. */
  applyIfNewer(
    key: string,
    undoKey: string,
    rolledBackKey: string,
    version: string,
    value: string,
    tombstone: '0' | '1',
    expiresAt: string,
    seedVersion: string,
    undoTtlMs: string,
  ): Promise<[number, string]>;
  /** See `ROLLBACK_IF_CURRENT_LUA`; use `rollbackEntry` from `replicaCommands`. */
  rollbackIfCurrent(key: string, rolledBackKey: string, version: string, undoPrefix: string, rememberMs: string): Promise<number>;
}

/** One replica: its address and its long-lived connection. */
export interface Replica {
  readonly name: string;
  readonly client: ReplicaClient;
}

/** The outcome of one call to one replica: its reply, or why there was none, and how long it took. */
export type ReplicaCallResult<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly outcome: 'error' | 'timeout'; readonly error: string; readonly ms: number };

const TIMEOUT_MESSAGE = 'Command timed out';

/**
 * The connections to every replica, opened once per Lambda container and reused by every invocation.
 *
 * Why: a TCP (and TLS) handshake per request would cost more than the Redis command itself, and Lambda keeps module
 * scope alive between invocations of a warm container.
 */
export class ReplicaPool {
  readonly replicas: readonly Replica[];

  /**
   * @param credentials the Redis user and password when they come from a secret rather than the URLs.
   */
  constructor(config: Pick<CoordinatorConfig, 'replicas' | 'nodeTimeoutMs' | 'tlsCa'>, credentials?: RedisCredentials) {
    this.replicas = config.replicas.map((address) => ({
      name: address.name,
      client: connectReplica(address, config, credentials),
    }));
  }

  /**
   * Runs one command against one replica and never throws: failures become an `error` or `timeout` result.
   *
   * Why: the quorum logic counts outcomes; a replica that is down is an expected event, not an exception. A replica
   * whose connection is known to be down answers `error` at once instead of queueing the command until it times out.
   */
  async call<T>(replica: Replica, command: (client: ReplicaClient) => Promise<T>): Promise<ReplicaCallResult<T>> {
    const started = performance.now();
    const status = replica.client.status;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      return { ok: false, outcome: 'error', error: 'connection down', ms: 0 };
    }
    try {
      const value = await command(replica.client);
      return { ok: true, value, ms: elapsedSince(started) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const outcome = message === TIMEOUT_MESSAGE ? 'timeout' : 'error';
      return { ok: false, outcome, error: outcome === 'timeout' ? 'timed out' : message, ms: elapsedSince(started) };
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
    // Keep reconnecting in the background, at most once a second, so a recovered node is back quickly.
    retryStrategy: (attempt) => Math.min(attempt * 50, 1_000),
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
  client.defineCommand('applyIfNewer', { numberOfKeys: 3, lua: APPLY_IF_NEWER_LUA });
  client.defineCommand('rollbackIfCurrent', { numberOfKeys: 2, lua: ROLLBACK_IF_CURRENT_LUA });
  return client;
}

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
