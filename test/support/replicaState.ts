import { SEED_VERSION } from '../../lib/core/hybridLogicalClock';
import type { LocalRedisCluster, LocalReplica } from '../../tools/localCluster';
import { userKeyOf } from '../../lib/replica/storageLayout';
import { directClient } from './redisCluster';
import { storedFields } from './storedEntries';

/**
 * Every user key each node holds, with its version (tombstones included), read directly from the nodes: what
 * "all replicas hold identical data" is checked against.
 */
export async function versionsByNode(cluster: Pick<LocalRedisCluster, 'nodes'>): Promise<Map<string, string>[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = directClient(node);
      try {
        const versions = new Map<string, string>();
        for (const key of await allUserKeys(node)) versions.set(key, (await storedFields(client, key)).version ?? 'seed');
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

/**
 * Every user key each node holds, as `version|kind|value|expiresAt` (a plain string left by the seed at the seed version),
 * read directly from the nodes: two replicas agree on a key only if they hold the very same entry, so equal versions
 * with different values count as divergence.
 *
 * @param only when given, just these keys (e.g. the keys of one chaos phase).
 */
export async function entriesByNode(cluster: Pick<LocalRedisCluster, 'nodes'>, only?: readonly string[]): Promise<Map<string, string>[]> {
  return Promise.all(
    cluster.nodes.map(async (node) => {
      const client = directClient(node);
      try {
        const keys = only ?? (await allUserKeys(node));
        const entries = new Map<string, string>();
        for (const key of keys) {
          // Entry strings and hashes (the format before strings) alike, so one entry held in two forms agrees.
          const fields = await storedFields(client, key);
          if (Object.keys(fields).length === 0) continue;
          if (fields.version === undefined && fields.tombstone === undefined) {
            // A plain string left by the seed is the seed version's entry: the same as its upgraded form.
            entries.set(key, `${SEED_VERSION}|v|${fields.value ?? ''}|`);
            continue;
          }
          const kind = fields.tombstone === '1' ? 't' : 'v';
          entries.set(key, `${fields.version ?? ''}|${kind}|${fields.value ?? ''}|${fields.expiresAt ?? ''}`);
        }
        return entries;
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** The keys whose entry is not the same on every node (missing counts as different), with what each node holds. */
export function divergentEntries(perNode: readonly Map<string, string>[]): { key: string; entries: (string | undefined)[] }[] {
  const keys = new Set(perNode.flatMap((entries) => [...entries.keys()]));
  return [...keys]
    .filter((key) => new Set(perNode.map((entries) => entries.get(key) ?? '')).size > 1)
    .map((key) => ({ key, entries: perNode.map((entries) => entries.get(key)) }));
}

async function allUserKeys(node: LocalReplica): Promise<string[]> {
  const keys = new Set<string>();
  // SCAN on a cluster client reaches one master: scan each.
  for (const master of node.masters) {
    const client = directClient(master);
    try {
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'COUNT', 500);
        cursor = next;
        for (const key of batch) if (userKeyOf(key) !== undefined) keys.add(key);
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  }
  return [...keys];
}
