import type { LocalRedisCluster } from '../../tools/localCluster';
import { directClient } from './redisCluster';

/** Everything one node holds: each Redis key with its type and content (hash fields, or string value). */
export type NodeSnapshot = Record<string, string>;

/**
 * Reads every key of every node (internal ones included), bypassing the coordinator, to show that a request changed
 * nothing. Meant for the small stores of tests: it reads each key.
 */
export async function snapshotStore(cluster: LocalRedisCluster): Promise<NodeSnapshot[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = directClient(node);
      try {
        const keys = (await client.keys('*')).sort();
        const types = (await keys.reduce((batch, key) => batch.type(key), client.pipeline()).exec()) ?? [];
        const reads = keys.reduce((batch, key, i) => {
          const type = types[i]?.[1];
          return type === 'hash' ? batch.hgetall(key) : type === 'string' ? batch.get(key) : batch.type(key);
        }, client.pipeline());
        const contents = (await reads.exec()) ?? [];
        const snapshot: NodeSnapshot = {};
        keys.forEach((key, i) => {
          const content = contents[i]?.[1];
          const sorted = typeof content === 'object' && content !== null ? Object.keys(content).sort() : undefined;
          snapshot[key] = `${String(types[i]?.[1])} ${JSON.stringify(content, sorted)}`;
        });
        return snapshot;
      } finally {
        client.disconnect();
      }
    }),
  );
}

/**
 * A snapshot taken once the store is quiet: replies to an earlier write at level `one` may still be landing on the
 * slower replicas, so read until two snapshots in a row agree.
 */
export async function settledSnapshot(cluster: LocalRedisCluster): Promise<NodeSnapshot[]> {
  let previous = await snapshotStore(cluster);
  for (let attempt = 0; attempt < 50; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const next = await snapshotStore(cluster);
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  throw new Error('the store did not settle');
}
