import { Redis } from 'ioredis';
import { slotOf } from '../../lib/replica/hashSlots';
import type { LocalClusterReplica } from '../../tools/localClusterReplica';
import type { LocalRedisNode } from '../../tools/localRedisNode';

/** The slot ranges `master` serves, as its cluster says now (`CLUSTER SLOTS`). */
async function slotRangesOf(master: LocalRedisNode): Promise<(readonly [number, number])[]> {
  const client = new Redis(master.url, { maxRetriesPerRequest: 0, lazyConnect: false });
  try {
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    return ranges.filter(([, , [, port]]) => port === master.port).map(([first, last]) => [first, last] as const);
  } finally {
    client.disconnect();
  }
}

/**
 * `count` keys (`prefix` and a number) whose hash slots `master` serves: the keys a fault of that one master
 * concerns. Local cluster replicas share one slot layout, so the same keys are served by the master of the same
 * index on every replica until a reshard.
 */
export async function keysServedBy(master: LocalRedisNode, count: number, prefix = 'key'): Promise<string[]> {
  const own = await slotRangesOf(master);
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i += 1) {
    const key = `${prefix}${i}`;
    const slot = slotOf(key);
    if (own.some(([first, last]) => slot >= first && slot <= last)) keys.push(key);
  }
  return keys;
}

/** The master of a cluster replica that serves `key` now. */
export async function masterServing(replica: LocalClusterReplica, key: string): Promise<LocalRedisNode> {
  const slot = slotOf(key);
  for (const master of replica.masters) {
    if ((await slotRangesOf(master)).some(([first, last]) => slot >= first && slot <= last)) return master;
  }
  throw new Error(`no master of the cluster on ${replica.port} serves ${key}`);
}
