import { createHash } from 'node:crypto';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { EntryWriteFormat } from './entryFormat';
import { applyIfNewerLua, CLEAR_REPLAYED_HINTS_LUA, RECORD_HINT_LUA, versionsOfLua } from './luaScripts';

/** One Redis replica as configured. */
export interface ReplicaAddress {
  /** Stable, password-free name for logs, traces and hints (`host:port`, or the URL's `#name`). */
  readonly name: string;
  /** The connection URL, possibly with credentials: never logged. */
  readonly url: string;
  /** `rediss://`. */
  readonly tls: boolean;
  /** A Redis Cluster reached through this seed (configuration) endpoint (`?cluster=true`). @default false */
  readonly cluster?: boolean;
}

/** A Redis user (`default` when absent) and password from a secret rather than the URLs. Never logged. */
export interface RedisCredentials {
  readonly username?: string;
  readonly password: string;
}

/** How every connection to a replica behaves (from the configuration). */
export interface ConnectionSettings {
  /** Upper bound for any single command to one replica (`NODE_TIMEOUT_MS`). */
  readonly nodeTimeoutMs: number;
  /** ioredis' `enableAutoPipelining` for standalone replicas (`REDIS_AUTO_PIPELINING`). @default true */
  readonly autoPipelining?: boolean;
  /**
   * ioredis' `enableAutoPipelining` for cluster replicas (`REDIS_CLUSTER_AUTO_PIPELINING`). Off by default: ioredis
   * follows MOVED and ASK for an auto-pipelined batch as a whole, so while slots migrate commands of a batch fail
   * with them (measured in `docs/performance.md`, which also finds off faster at one in flight).
   * @default false
   */
  readonly clusterAutoPipelining?: boolean;
  /** PEM certificates trusted for `rediss://` instead of the default CAs (`REDIS_TLS_CA`). */
  readonly tlsCa?: string;
  /** The form `applyIfNewer` writes (`ENTRY_WRITE_FORMAT`). @default 'string' */
  readonly entryWriteFormat?: EntryWriteFormat;
}

/** A Lua script and its SHA-1, computed once: called with `EVALSHA`, and sent whole (`EVAL`) only on `NOSCRIPT`. */
export interface LuaScript {
  readonly lua: string;
  readonly sha: string;
}

/** A {@link LuaScript} for `lua`. */
export function luaScript(lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * The Lua scripts of `luaScripts.ts` on every replica client. `applyIfNewer`, which every write runs on every
 * replica, is called directly by its SHA (`replicaCommands.ts`), without ioredis' per-call script command; the
 * others are registered as ioredis commands (loaded once, called by SHA).
 */
export interface ReplicaScripts {
  /** The `applyIfNewer` script this client's replica runs (its entry form and seed rules). */
  readonly applyScript: LuaScript;
  versionsOf(numberOfKeys: number, ...keys: string[]): Promise<string[]>;
  recordHint(numberOfKeys: number, ...hintsKeysThenKeyAndKeepMs: string[]): Promise<number>;
  clearReplayedHints(hintsKey: string, ...keysAndScores: string[]): Promise<number>;
}

/**
 * An ioredis client for one replica, with the Lua scripts registered: a `Redis` for one server, or a `Cluster` for
 * a Redis Cluster (`isCluster`), which routes each keyed command to the master serving its slot. Commands without a
 * key (SCAN, PING, DBSIZE) reach only one master of a cluster: run them on each of {@link mastersOf}. Use the
 * scripts through `replicaCommands.ts` and `repair/hintedHandoff.ts`.
 */
export type ReplicaClient = (Redis | Cluster) & ReplicaScripts;

/** The connection to each master of a replica: the client itself for one server, each master's for a cluster. */
export function mastersOf(client: ReplicaClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/**
 * Opens the long-lived connection to one replica, with the Lua scripts registered. Every command is bounded by the
 * node timeout and a dropped connection fails its commands at once, never replaying them later, so the quorum logic
 * sees each failure as it happens; reconnection goes on in the background.
 */
export function connectReplica(address: ReplicaAddress, settings: ConnectionSettings, credentials: RedisCredentials | undefined): ReplicaClient {
  const { nodeTimeoutMs, tlsCa, autoPipelining = true, clusterAutoPipelining = false, entryWriteFormat = 'string' } = settings;
  const options: RedisOptions = {
    // Only a backstop: the pool bounds every call by the node timeout itself (`withinNodeTimeout`), letting a reply
    // that arrived during an event-loop stall win. ioredis' timer would reject such a command before its reply is
    // read, so it must never fire first.
    commandTimeout: backstopTimeoutOf(nodeTimeoutMs),
    connectTimeout: connectTimeoutOf(nodeTimeoutMs),
    // Fail in-flight and queued commands as soon as a connection drops instead of replaying them later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // At least every 250 ms, so a restarted node is back quickly (a refused connection costs next to nothing).
    retryStrategy: reconnectDelay,
    keepAlive: 10_000,
    // TLS always verifies the server's certificate and host name; REDIS_TLS_CA only changes which CAs are trusted.
    ...(address.tls ? { tls: { rejectUnauthorized: true, ...(tlsCa === undefined ? {} : { ca: [tlsCa] }) } } : {}),
    // The config refuses URLs with credentials when a secret is configured, so these never compete with the URL's.
    ...(credentials === undefined
      ? {}
      : { password: credentials.password, ...(credentials.username === undefined ? {} : { username: credentials.username }) }),
  };
  const client = (
    address.cluster === true
      ? connectCluster(address, options, nodeTimeoutMs, clusterAutoPipelining)
      : new Redis(address.url, { ...options, enableAutoPipelining: autoPipelining, lazyConnect: false })
  ) as ReplicaClient;
  // Without a listener ioredis prints every connection error; the outcome of each call already reports them.
  client.on('error', () => {});
  // The seed only ever wrote to one server: a cluster has no seed data, and its scripts may touch only their KEYS.
  const seedKeys = address.cluster !== true;
  Object.assign(client, { applyScript: luaScript(applyIfNewerLua(entryWriteFormat, seedKeys)) });
  client.defineCommand('versionsOf', { lua: versionsOfLua(seedKeys) });
  client.defineCommand('recordHint', { lua: RECORD_HINT_LUA });
  client.defineCommand('clearReplayedHints', { numberOfKeys: 1, lua: CLEAR_REPLAYED_HINTS_LUA });
  return client;
}

/**
 * A Redis Cluster client through the seed endpoint in `address`. Each master gets `options` (timeouts, TLS, the
 * user and password, also those of the URL, since masters found later are reached by address); it reconnects to a
 * master that restarts, so its return is seen. Redirections (MOVED, ASK) are followed; CLUSTERDOWN and TRYAGAIN are
 * retried briefly, within about one node timeout, after which the call has already timed out for the caller.
 */
function connectCluster(address: ReplicaAddress, options: RedisOptions, nodeTimeoutMs: number, autoPipelining: boolean): Cluster {
  const seed = new URL(address.url);
  const fromUrl: RedisOptions = {
    ...(seed.username === '' ? {} : { username: decodeURIComponent(seed.username) }),
    ...(seed.password === '' ? {} : { password: decodeURIComponent(seed.password) }),
  };
  const retryDelayMs = Math.max(10, Math.round(nodeTimeoutMs / 5));
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...options, ...fromUrl },
    clusterRetryStrategy: reconnectDelay,
    clusterNodeRetryStrategy: reconnectDelay,
    // ElastiCache's TLS certificates name the endpoints, not their addresses: connect by the name as given.
    dnsLookup: (hostname, callback) => callback(null, hostname),
    enableAutoPipelining: autoPipelining,
    maxRedirections: 5,
    retryDelayOnClusterDown: retryDelayMs,
    retryDelayOnTryAgain: retryDelayMs,
    retryDelayOnFailover: retryDelayMs,
    slotsRefreshTimeout: Math.max(1_000, nodeTimeoutMs * 2),
    lazyConnect: false,
  };
  return new Cluster([{ host: seed.hostname.replace(/^\[|\]$/g, ''), port: seed.port === '' ? 6379 : Number(seed.port) }], clusterOptions);
}

/** How long a command may wait for a connection that is still being opened: ioredis' connect timeout. */
export function connectTimeoutOf(nodeTimeoutMs: number): number {
  return Math.max(1_000, nodeTimeoutMs * 3);
}

/** ioredis' own command timeout: far past the node timeout, for a command that somehow escaped the pool's bound. */
function backstopTimeoutOf(nodeTimeoutMs: number): number {
  return Math.max(10_000, nodeTimeoutMs * 10);
}

/** Reconnection delay after `attempt` failures: at least every 250 ms, so a restarted node is back quickly. */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 25, 250);
}
