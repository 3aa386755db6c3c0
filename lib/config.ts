import { readFileSync } from 'node:fs';
import { CONSISTENCY_LEVELS, READ_STRATEGIES, type ConsistencyLevel, type ReadStrategy } from './core/consistency';
import { ConfigError } from './core/errors';
import type { CredentialsSource } from './aws/redisCredentials';
import type { ReadRepairMode } from './read/readRepair';
import type { ReplicaAddress } from './replica/connection';
import type { EntryWriteFormat } from './replica/entryFormat';

/**
 * The coordinator's settings, parsed and validated once per container at cold start, each from the environment
 * variable `loadConfig` reads it from (`docs/configuration.md`).
 */
export interface CoordinatorConfig {
  readonly replicas: readonly ReplicaAddress[];
  /** Acknowledgements a `quorum` write needs (W, `WRITE_QUORUM`). */
  readonly writeQuorum: number;
  /** Upper bound for any single call to one replica, in ms (`NODE_TIMEOUT_MS`). */
  readonly nodeTimeoutMs: number;
  /**
   * ioredis' auto-pipelining (`REDIS_AUTO_PIPELINING`): on, commands issued in one event-loop turn share one socket
   * write per replica. On by default, for bursts (repair, anti-entropy, the CLI): off, each command of a burst is its
   * own socket write inside the turn that issues it, and every reply waits for that turn to end while the node
   * timeout runs. Off suits one request at a time (about half the client CPU per request): `serverless.yml` sets it
   * off for the request functions.
   */
  readonly autoPipelining: boolean;
  /**
   * ioredis' auto-pipelining for cluster replicas (`REDIS_CLUSTER_AUTO_PIPELINING`). Off by default: with it on, a
   * slot that moved behind the client's back made writes fail with MOVED (measured; a known ioredis issue).
   */
  readonly clusterAutoPipelining: boolean;
  /** For a read that does not choose a level. */
  readonly readConsistency: ConsistencyLevel;
  /** For a write that does not choose a level. */
  readonly writeConsistency: ConsistencyLevel;
  /** How a read that does not choose asks the replicas (`READ_STRATEGY`): `race`, all at once (default), or `hedged`. */
  readonly readStrategy: ReadStrategy;
  readonly readRepair: ReadRepairMode;
  /**
   * How long a tombstone, and a value past its TTL, is kept (ms, `TOMBSTONE_GRACE_S`): the window in which a replica
   * that missed the delete or the write can still be caught up.
   */
  readonly tombstoneGraceMs: number;
  /** The function hints are handed to (`REPAIR_FUNCTION_NAME`); unset: replayed in-process only. */
  readonly repairFunctionName?: string;
  /** `LAMBDA_ENDPOINT`, or under serverless offline its own (`OFFLINE_LAMBDA_ENDPOINT`, set by serverless.yml). */
  readonly lambdaEndpoint?: string;
  readonly breakerFailures: number;
  readonly breakerHalfOpenMs: number;
  readonly antiEntropyBatch: number;
  /** Bytes of UTF-8. */
  readonly maxKeyBytes: number;
  /** Bytes of UTF-8: a longer value is refused with 413. */
  readonly maxValueBytes: number;
  /** `REDIS_TLS_CA`: PEM certificates trusted for `rediss://` instead of the default CAs (verification always on). */
  readonly tlsCa?: string;
  /** Where the Redis user and password come from when they are not in the URLs. */
  readonly credentialsSource?: CredentialsSource;
  readonly entryWriteFormat: EntryWriteFormat;
}

/** Cassandra's default gc_grace_seconds: anti-entropy must run at least this often, or a delete can come back. */
export const DEFAULT_TOMBSTONE_GRACE_S = 864_000;

/** Three local nodes, used when `REDIS_NODES` is not set. */
export const DEFAULT_REDIS_NODES = 'redis://127.0.0.1:6379,redis://127.0.0.1:6380,redis://127.0.0.1:6381';

/** Default `MAX_KEY_BYTES`. */
export const DEFAULT_MAX_KEY_BYTES = 512;
/** Default `MAX_VALUE_BYTES`: 1 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 1_048_576;

/** Lambda's limit for a synchronous invocation's request and response (6 MB): it bounds `MAX_VALUE_BYTES`. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6_291_456;

/** Default `NODE_TIMEOUT_MS`: well above a healthy round trip (a few ms in a VPC), well below a human's patience. */
export const DEFAULT_NODE_TIMEOUT_MS = 300;

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads the coordinator's configuration from environment variables, once at cold start, so a bad setting fails the
 * container at once, naming the variable and what it expects.
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
  const lambdaEndpoint =
    optionalString(env, 'LAMBDA_ENDPOINT') ??
    (env.IS_OFFLINE === 'true' ? optionalString(env, 'OFFLINE_LAMBDA_ENDPOINT') : undefined);
  // `serverless invoke local` has no Lambda service to hand repair to: repair in-process there.
  const invokedLocally = env.IS_LOCAL === 'true' && lambdaEndpoint === undefined;
  const repairFunctionName = invokedLocally ? undefined : optionalString(env, 'REPAIR_FUNCTION_NAME');
  return {
    replicas,
    writeQuorum,
    nodeTimeoutMs,
    autoPipelining: parseChoice(env, 'REDIS_AUTO_PIPELINING', ['true', 'false'] as const, 'true') === 'true',
    clusterAutoPipelining: parseChoice(env, 'REDIS_CLUSTER_AUTO_PIPELINING', ['true', 'false'] as const, 'false') === 'true',
    readConsistency: parseLevel(env, 'READ_CONSISTENCY', 'one'),
    writeConsistency: parseLevel(env, 'WRITE_CONSISTENCY', 'quorum'),
    readStrategy: parseChoice(env, 'READ_STRATEGY', READ_STRATEGIES, 'race'),
    readRepair: parseChoice(env, 'READ_REPAIR', ['async', 'blocking', 'off'] as const, 'async'),
    tombstoneGraceMs: parseInteger(env, 'TOMBSTONE_GRACE_S', DEFAULT_TOMBSTONE_GRACE_S, 1, 10 * 365 * 86_400) * 1000,
    breakerFailures: parseInteger(env, 'BREAKER_FAILURES', 3, 1, 1_000),
    breakerHalfOpenMs: parseInteger(env, 'BREAKER_HALF_OPEN_MS', 1_000, 10, 600_000),
    antiEntropyBatch: parseInteger(env, 'ANTI_ENTROPY_BATCH', 200, 1, 10_000),
    entryWriteFormat: parseChoice(env, 'ENTRY_WRITE_FORMAT', ['string', 'hash'] as const, 'string'),
    ...(repairFunctionName === undefined ? {} : { repairFunctionName }),
    ...(lambdaEndpoint === undefined ? {} : { lambdaEndpoint }),
    maxKeyBytes: parseInteger(env, 'MAX_KEY_BYTES', DEFAULT_MAX_KEY_BYTES, 1, 65_536),
    maxValueBytes: parseInteger(env, 'MAX_VALUE_BYTES', DEFAULT_MAX_VALUE_BYTES, 1, LAMBDA_PAYLOAD_LIMIT_BYTES),
    ...parseTlsCa(env, replicas),
    ...parseCredentialsSource(env, replicas),
  };
}

/**
 * Reads `REDIS_TLS_CA`: PEM text, or the path of a PEM file. It is an error to set it when no replica uses
 * `rediss://`, so that a forgotten scheme cannot silently turn TLS off.
 */
function parseTlsCa(env: Environment, replicas: readonly ReplicaAddress[]): { tlsCa?: string } {
  const raw = optionalString(env, 'REDIS_TLS_CA');
  if (raw === undefined) return {};
  if (!replicas.some((replica) => replica.tls)) {
    throw new ConfigError({
      variable: 'REDIS_TLS_CA',
      expected: 'set only when REDIS_NODES uses rediss:// (TLS) URLs',
      received: '(a CA certificate)',
    });
  }
  let pem = raw;
  if (!raw.includes('-----BEGIN')) {
    try {
      pem = readFileSync(raw, 'utf8');
    } catch (error) {
      throw new ConfigError({
        variable: 'REDIS_TLS_CA',
        expected: `PEM text or the path of a readable PEM file (${(error as Error).message})`,
        received: raw,
        cause: error,
      });
    }
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError({
      variable: 'REDIS_TLS_CA',
      expected: 'one or more PEM certificates (-----BEGIN CERTIFICATE-----)',
      received: raw.slice(0, 64),
    });
  }
  return { tlsCa: pem };
}

/**
 * Reads `REDIS_SECRET_ARN` / `REDIS_PASSWORD_PARAMETER`. At most one may be set, and then the URLs must carry no
 * credentials: two sources of one password would leave it unclear which one is used.
 */
function parseCredentialsSource(
  env: Environment,
  replicas: readonly ReplicaAddress[],
): { credentialsSource?: CredentialsSource } {
  const secret = optionalString(env, 'REDIS_SECRET_ARN');
  const parameter = optionalString(env, 'REDIS_PASSWORD_PARAMETER');
  if (secret === undefined && parameter === undefined) return {};
  if (secret !== undefined && parameter !== undefined) {
    throw new ConfigError({
      variable: 'REDIS_SECRET_ARN',
      expected: 'unset when REDIS_PASSWORD_PARAMETER is set (choose one source of credentials)',
      received: secret,
    });
  }
  if (replicas.some((replica) => hasCredentials(replica.url))) {
    const variable = secret === undefined ? 'REDIS_PASSWORD_PARAMETER' : 'REDIS_SECRET_ARN';
    throw new ConfigError({
      variable,
      expected: 'used with REDIS_NODES URLs that carry no user or password',
      received: redactList(replicas.map((r) => r.url)),
    });
  }
  if (secret !== undefined) {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secret)) {
      throw new ConfigError({
        variable: 'REDIS_SECRET_ARN',
        expected: 'the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
        received: secret,
      });
    }
    return { credentialsSource: { kind: 'secretsManager', name: secret } };
  }
  if (!parameter!.startsWith('/')) {
    throw new ConfigError({
      variable: 'REDIS_PASSWORD_PARAMETER',
      expected: 'an SSM parameter name starting with / (serverless.yml builds its ARN from it)',
      received: parameter!,
    });
  }
  return { credentialsSource: { kind: 'ssmParameter', name: parameter! } };
}

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** Parses `REDIS_NODES`: comma-separated `redis://` or `rediss://` URLs, with unique names (hints are kept by name). */
export function parseReplicaList(list: string): ReplicaAddress[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) {
    throw new ConfigError({
      variable: 'REDIS_NODES',
      expected: 'at least one redis:// or rediss:// URL',
      received: list,
    });
  }
  const replicas = entries.map(parseReplicaUrl);
  const names = new Set(replicas.map((replica) => replica.name));
  if (names.size !== replicas.length) {
    throw new ConfigError({
      variable: 'REDIS_NODES',
      expected: 'distinct host:port pairs (each replica listed once)',
      received: redactList(entries),
    });
  }
  return replicas;
}

function parseReplicaUrl(entry: string): ReplicaAddress {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new ConfigError({
      variable: 'REDIS_NODES',
      expected: 'comma-separated redis://host:port or rediss://host:port URLs',
      received: redact(entry),
    });
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError({
      variable: 'REDIS_NODES',
      expected: 'URLs with the redis:// or rediss:// scheme',
      received: redact(entry),
    });
  }
  if (url.hostname === '') {
    throw new ConfigError({ variable: 'REDIS_NODES', expected: 'a host in every URL', received: redact(entry) });
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // `#name`: one name for a replica reached through different addresses (hints are kept under its name).
  const name = url.hash.length > 1 ? decodeURIComponent(url.hash.slice(1)) : `${host}:${port}`;
  const cluster = parseClusterFlag(url, entry);
  let address = url.hash === '' ? entry : entry.slice(0, entry.indexOf('#'));
  if (url.searchParams.has('cluster')) {
    // ioredis reads a URL's query as connection options: `cluster` is ours, so it is taken out.
    url.searchParams.delete('cluster');
    url.hash = '';
    address = url.toString().replace(/\?$/, '');
  }
  return { name, url: address, tls: url.protocol === 'rediss:', ...(cluster ? { cluster } : {}) };
}

/**
 * The `cluster` query flag of a `REDIS_NODES` URL: `true` makes the replica a Redis Cluster reached through that
 * seed (configuration) endpoint, `false` or no flag one Redis server.
 */
function parseClusterFlag(url: URL, entry: string): boolean {
  const flags = url.searchParams.getAll('cluster');
  if (flags.length === 0) return false;
  if (flags.length === 1 && (flags[0] === 'true' || flags[0] === 'false')) return flags[0] === 'true';
  throw new ConfigError({
    variable: 'REDIS_NODES',
    expected: '?cluster=true (a Redis Cluster configuration endpoint) or ?cluster=false, once per URL',
    received: redact(entry),
  });
}

function parseInteger(env: Environment, variable: string, fallback: number, min: number, max: number): number {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError({ variable, expected: `a whole number from ${min} to ${max}`, received: raw });
  }
  return value;
}

function parseChoice<T extends string>(env: Environment, variable: string, choices: readonly T[], fallback: T): T {
  const raw = env[variable];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError({ variable, expected: `one of ${choices.join(', ')}`, received: raw });
  }
  return value as T;
}

function parseLevel(env: Environment, variable: string, fallback: ConsistencyLevel): ConsistencyLevel {
  return parseChoice(env, variable, CONSISTENCY_LEVELS, fallback);
}

function optionalString(env: Environment, variable: string): string | undefined {
  const raw = env[variable]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Hides credentials before a URL appears in an error message. */
function redact(entry: string): string {
  return entry.replace(/\/\/[^@/]*@/, '//***@');
}

function redactList(entries: string[]): string {
  return entries.map(redact).join(',');
}
