import { Redis, type RedisOptions } from 'ioredis';
import type { EntryWriteFormat } from './entryFormat';
import {
  APPLY_IF_NEWER_LUA,
  APPLY_IF_NEWER_WRITING_HASHES_LUA,
  CLEAR_REPLAYED_HINTS_LUA,
  RECORD_HINT_LUA,
  VERSIONS_OF_LUA,
} from './luaScripts';

/** One Redis replica as configured. */
export interface ReplicaAddress {
  /** Stable, password-free name for logs, traces and hints (`host:port`, or the URL's `#name`). */
  readonly name: string;
  /** The connection URL, possibly with credentials: never logged. */
  readonly url: string;
  /** `rediss://`. */
  readonly tls: boolean;
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
  /** ioredis' `enableAutoPipelining` (`REDIS_AUTO_PIPELINING`). @default true */
  readonly autoPipelining?: boolean;
  /** PEM certificates trusted for `rediss://` instead of the default CAs (`REDIS_TLS_CA`). */
  readonly tlsCa?: string;
  /** The form `applyIfNewer` writes (`ENTRY_WRITE_FORMAT`). @default 'string' */
  readonly entryWriteFormat?: EntryWriteFormat;
}

/**
 * An ioredis client with the Lua scripts of `luaScripts.ts` registered as commands (loaded once, called by SHA);
 * use them through `replicaCommands.ts` and `repair/hintedHandoff.ts`.
 */
export interface ReplicaClient extends Redis {
  applyIfNewer(key: string, storedEntry: string, removeAt: string): Promise<[number, string]>;
  versionsOf(numberOfKeys: number, ...keys: string[]): Promise<string[]>;
  recordHint(numberOfKeys: number, ...hintsKeysThenKeyAndKeepMs: string[]): Promise<number>;
  clearReplayedHints(hintsKey: string, ...keysAndScores: string[]): Promise<number>;
}

/**
 * Opens the long-lived connection to one replica, with the Lua scripts registered. Every command is bounded by the
 * node timeout and a dropped connection fails its commands at once, never replaying them later, so the quorum logic
 * sees each failure as it happens; reconnection goes on in the background.
 */
export function connectReplica(
  address: ReplicaAddress,
  { nodeTimeoutMs, tlsCa, autoPipelining = true, entryWriteFormat = 'string' }: ConnectionSettings,
  credentials: RedisCredentials | undefined,
): ReplicaClient {
  const options: RedisOptions = {
    // Bounds every command, also one stuck on a paused node that still accepts connections.
    commandTimeout: nodeTimeoutMs,
    connectTimeout: Math.max(1_000, nodeTimeoutMs * 3),
    // Fail in-flight and queued commands as soon as a connection drops instead of replaying them later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // At least every 250 ms, so a restarted node is back quickly (a refused connection costs next to nothing).
    retryStrategy: (attempt) => Math.min(attempt * 25, 250),
    enableAutoPipelining: autoPipelining,
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
  const applyIfNewer = entryWriteFormat === 'hash' ? APPLY_IF_NEWER_WRITING_HASHES_LUA : APPLY_IF_NEWER_LUA;
  client.defineCommand('applyIfNewer', { numberOfKeys: 1, lua: applyIfNewer });
  client.defineCommand('versionsOf', { lua: VERSIONS_OF_LUA });
  client.defineCommand('recordHint', { lua: RECORD_HINT_LUA });
  client.defineCommand('clearReplayedHints', { numberOfKeys: 1, lua: CLEAR_REPLAYED_HINTS_LUA });
  return client;
}
