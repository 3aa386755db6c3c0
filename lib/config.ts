import { ConfigError } from './errors';

/** One Redis replica as configured: where it is and how to name it in logs and traces. */
export interface ReplicaAddress {
  /** Stable, password-free name used in logs, traces and responses (`host:port`). */
  readonly name: string;
  /** The full connection URL, possibly with credentials; never logged. */
  readonly url: string;
  /** True for `rediss://` URLs: the connection uses TLS. */
  readonly tls: boolean;
}

/** The coordinator's settings, parsed and validated once per container at cold start. */
export interface CoordinatorConfig {
  readonly replicas: readonly ReplicaAddress[];
  /** How many replicas must acknowledge a write before it commits. */
  readonly writeQuorum: number;
  /** Upper bound for any single call to one replica, in milliseconds. */
  readonly nodeTimeoutMs: number;
}

/** The seed's three local nodes, used when `REDIS_NODES` is not set. */
export const DEFAULT_REDIS_NODES = 'redis://127.0.0.1:6379,redis://127.0.0.1:6380,redis://127.0.0.1:6381';

/** Default per-node timeout: well above a healthy round trip (<1 ms locally, a few ms in a VPC), well below a human's patience. */
export const DEFAULT_NODE_TIMEOUT_MS = 300;

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the coordinator's configuration from environment variables.
 *
 * Called once at cold start so that a bad setting fails the container immediately with a message naming the
 * variable and what it expects, instead of failing requests one by one later.
 *
 * @example
 * const config = loadConfig({ REDIS_NODES: 'redis://10.0.0.1:6379,redis://10.0.0.2:6379,redis://10.0.0.3:6379' });
 * config.writeQuorum; // 2
 */
export function loadConfig(env: Environment = process.env): CoordinatorConfig {
  const replicas = parseReplicaList(env.REDIS_NODES ?? DEFAULT_REDIS_NODES);
  const majority = Math.floor(replicas.length / 2) + 1;
  const writeQuorum = parseInteger(env, 'WRITE_QUORUM', majority, 1, replicas.length);
  const nodeTimeoutMs = parseInteger(env, 'NODE_TIMEOUT_MS', DEFAULT_NODE_TIMEOUT_MS, 1, 60_000);
  return { replicas, writeQuorum, nodeTimeoutMs };
}

/**
 * Parses `REDIS_NODES`: a comma-separated list of `redis://` or `rediss://` URLs.
 *
 * Names must be unique, because the coordinator identifies replicas by name in traces and repair.
 */
export function parseReplicaList(list: string): ReplicaAddress[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw new ConfigError('REDIS_NODES', 'at least one redis:// or rediss:// URL', list);
  }
  const replicas = entries.map(parseReplicaUrl);
  const names = new Set(replicas.map((replica) => replica.name));
  if (names.size !== replicas.length) {
    throw new ConfigError('REDIS_NODES', 'distinct host:port pairs (each replica listed once)', redactList(entries));
  }
  return replicas;
}

function parseReplicaUrl(entry: string): ReplicaAddress {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new ConfigError('REDIS_NODES', 'comma-separated redis://host:port or rediss://host:port URLs', redact(entry));
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_NODES', 'URLs with the redis:// or rediss:// scheme', redact(entry));
  }
  if (url.hostname === '') {
    throw new ConfigError('REDIS_NODES', 'a host in every URL', redact(entry));
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { name: `${host}:${port}`, url: entry, tls: url.protocol === 'rediss:' };
}

function parseInteger(env: Environment, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(variable, `a whole number from ${min} to ${max}`, raw);
  }
  return value;
}

/** Hides credentials before a URL appears in an error message. */
function redact(entry: string): string {
  return entry.replace(/\/\/[^@/]*@/, '//***@');
}

function redactList(entries: string[]): string {
  return entries.map(redact).join(',');
}
