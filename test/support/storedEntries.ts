import type { Cluster, Redis } from 'ioredis';

/**
 * What a Redis key holds, as the fields of an entry, read independently of the coordinator's own decoder (a second
 * reading of the format in `lib/replica/entryFormat.ts`, so tests check the format rather than trust it).
 *
 * Why one shape for every form: tests say what a replica holds (`{ value, version }`, `{ version, tombstone: '1' }`,
 * with `expiresAt` when there is one) whether it is an entry string, a hash written before the string format, or
 * an internal hash (`!qkv:antientropy`); a plain string without a header (seed data) is `{ value }`; nothing is `{}`.
 */
export async function storedFields(client: Redis | Cluster, redisKey: string): Promise<Record<string, string>> {
  const type = await client.type(redisKey);
  if (type === 'none') return {};
  if (type === 'hash') return client.hgetall(redisKey);
  if (type !== 'string') throw new Error(`${redisKey} holds a ${type}, not an entry`);
  return fieldsOfEntryString((await client.get(redisKey)) ?? '');
}

/** The fields of an entry string (`qkv1 <version> <v|t>[ <expiresAt>]\n<value>`), or `{ value }` for a seed string. */
export function fieldsOfEntryString(stored: string): Record<string, string> {
  const match = /^qkv1 (\d{13}\.\d{5}\.\d{10}) ([vt])(?: ([1-9]\d*))?\n/.exec(stored);
  if (match === null) return { value: stored };
  const [header, version, kind, expiresAt] = match;
  return {
    ...(kind === 't' ? { tombstone: '1' } : { value: stored.slice(header.length) }),
    version: version!,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}
