import type { LocalRedisCluster } from '../../scripts/localCluster';
import { userKeyOf } from '../../lib/replica/storageLayout';
import { directClient } from './redisCluster';

/**
 * Every user key each node holds, with its version (tombstones included), read directly from the nodes: what
 * "all replicas hold identical data" is checked against.
 */
export async function versionsByNode(cluster: LocalRedisCluster): Promise<Map<string, string>[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = directClient(node);
      try {
        const versions = new Map<string, string>();
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'COUNT', 500);
          cursor = next;
          for (const key of keys) {
            if (userKeyOf(key) === undefined) continue;
            const type = await client.type(key);
            versions.set(key, type === 'hash' ? ((await client.hget(key, 'version')) ?? '') : 'seed');
          }
        } while (cursor !== '0');
        return versions;
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** The keys whose version is not the same on every node (missing counts as different). */
export function divergentKeys(perNode: readonly Map<string, string>[]): string[] {
  const keys = new Set(perNode.flatMap((versions) => [...versions.keys()]));
  return [...keys].filter((key) => new Set(perNode.map((versions) => versions.get(key) ?? '')).size > 1);
}
