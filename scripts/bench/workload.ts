import { loadConfig } from '../../lib';
import { Redis, type RedisOptions } from 'ioredis';

/** The keys and value every scenario uses, so a read always finds a key that was written. */
export interface Workload {
  readonly keys: readonly string[];
  readonly value: string;
  key(i: number): string;
}

/** The keys and value for a run: `keyCount` keys, and a value of `valueBytes` bytes. */
export function workload(keyCount: number, valueBytes: number): Workload {
  const keys = Array.from({ length: keyCount }, (_, i) => `bench-k${i}`);
  const value = 'v'.repeat(valueBytes);
  return { keys, value, key: (i) => keys[i % keys.length]! };
}

/**
 * A plain ioredis client with the options the coordinator's replica pool uses by default (auto-pipelining as
 * `REDIS_AUTO_PIPELINING` says, no retries), so baselines differ from the coordinator only in what the coordinator adds.
 */
export function plainClient(url: string): Redis {
  const options: RedisOptions = { enableAutoPipelining: loadConfig({}).autoPipelining, maxRetriesPerRequest: 0, lazyConnect: false };
  const client = new Redis(url, options);
  client.on('error', () => {});
  return client;
}

/** Writes every key once through `write`, a few at a time. */
export async function populate(keys: readonly string[], write: (key: string) => Promise<unknown>): Promise<void> {
  const batch = 64;
  for (let start = 0; start < keys.length; start += batch) {
    await Promise.all(keys.slice(start, start + batch).map(write));
  }
}
