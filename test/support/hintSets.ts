import { Redis } from 'ioredis';
import { HINTS_PREFIX, hintsKey } from '../../lib/replica/storageLayout';
import type { LocalReplica } from '../../tools/localCluster';
import type { LocalRedisNode } from '../../tools/localRedisNode';

/**
 * The hint sets for `target` on one master, read without the library's layout functions, so a test reads what any
 * version wrote: `!qkv:hints:<target>`, or a bucket `!qkv:hints:{<tag>}:<target>`.
 */
export async function hintSetsOn(master: LocalRedisNode, target: string): Promise<string[]> {
  const client = new Redis(master.url, { maxRetriesPerRequest: 0 });
  try {
    const sets: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${HINTS_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      sets.push(...keys.filter((key) => key === hintsKey(target) || key.endsWith(`}:${target}`)));
    } while (cursor !== '0');
    return sets;
  } finally {
    client.disconnect();
  }
}

/** The keys hinted for `target` on one master (each once, sorted), from every hint set of `target` there. */
export async function hintedOnMaster(master: LocalRedisNode, target: string): Promise<string[]> {
  const client = new Redis(master.url, { maxRetriesPerRequest: 0 });
  try {
    const keys = await Promise.all((await hintSetsOn(master, target)).map((set) => client.zrange(set, '0', '-1')));
    return [...new Set(keys.flat())].sort();
  } finally {
    client.disconnect();
  }
}

/** The keys hinted for `target` on a replica, every master together (each once, sorted). */
export async function hintedOnReplica(replica: LocalReplica, target: string): Promise<string[]> {
  const perMaster = await Promise.all(replica.masters.map((master) => hintedOnMaster(master, target)));
  return [...new Set(perMaster.flat())].sort();
}

/** Deletes every hint set for `target` on a replica (hints lost). */
export async function dropHints(replica: LocalReplica, target: string): Promise<void> {
  for (const master of replica.masters) {
    const sets = await hintSetsOn(master, target);
    if (sets.length === 0) continue;
    const client = new Redis(master.url, { maxRetriesPerRequest: 0 });
    // One DEL per set: a cluster master refuses a DEL of keys in several slots (CROSSSLOT), and each bucket has its own.
    await Promise.all(sets.map((set) => client.del(set)));
    client.disconnect();
  }
}
