import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { LocalRedisCluster, type LocalClusterOptions, type LocalReplica } from '../../tools/localCluster';
import { LocalClusterReplica } from '../../tools/localClusterReplica';
import type { LocalRedisNode } from '../../tools/localRedisNode';
import { slotOf } from '../../lib/replica/hashSlots';
import { storedFields } from './storedEntries';

/**
 * Starts real redis-server processes on free ports before the file's tests and stops them afterwards.
 *
 * @returns a function that gives the running cluster (call it inside tests or hooks).
 */
export function useRedisCluster(options: LocalClusterOptions = {}): () => LocalRedisCluster {
  let cluster: LocalRedisCluster | undefined;
  beforeAll(async () => {
    cluster = await LocalRedisCluster.start(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (cluster === undefined) throw new Error('the Redis cluster has not started');
    return cluster;
  };
}

/**
 * Opens a plain connection to one replica, bypassing the coordinator, to inspect or tamper with what it holds: a
 * `Cluster` client for a cluster replica (keyed commands reach the right master; for SCAN, FLUSHALL or DEBUG use
 * each of its `masters`). Close it with `disconnect()`.
 */
export function directClient(node: LocalRedisNode): Redis;
export function directClient(node: LocalReplica): Redis | Cluster;
export function directClient(node: LocalReplica): Redis | Cluster {
  if (node instanceof LocalClusterReplica) {
    return new Cluster([{ host: '127.0.0.1', port: node.port }], { redisOptions: { maxRetriesPerRequest: 0 }, lazyConnect: false });
  }
  return new Redis(node.url, { maxRetriesPerRequest: 0, lazyConnect: false });
}

/**
 * Reads what one node stores for a key, bypassing the coordinator, as entry fields (`storedFields`: an entry string
 * decoded, a hash as it is, `{}` for nothing).
 */
export async function storedOnNode(node: LocalReplica, redisKey: string): Promise<Record<string, string>> {
  const client = directClient(node);
  try {
    return await storedFields(client, redisKey);
  } finally {
    client.disconnect();
  }
}

/**
 * Runs a keyless command (DEBUG SLEEP, SCRIPT FLUSH, CONFIG SET, SCAN) on every master of one replica, each through
 * its own plain connection: a `Cluster` client would send it to one random master. A standalone replica is its own
 * only master.
 */
export async function onEveryMaster<T>(replica: LocalReplica, action: (client: Redis) => Promise<T>): Promise<T[]> {
  return Promise.all(
    replica.masters.map(async (master) => {
      const client = directClient(master);
      try {
        return await action(client);
      } finally {
        client.disconnect();
      }
    }),
  );
}

/**
 * Makes every master of one replica busy for `seconds` (DEBUG SLEEP), as a slow command would. Resolves once each
 * master's connection is open and the command sent, with `done`, which settles when every master is awake again.
 */
export async function busyReplica(replica: LocalReplica, seconds: number): Promise<{ readonly done: Promise<void> }> {
  const clients = replica.masters.map((master) => directClient(master));
  await Promise.all(clients.map((client) => client.ping()));
  const done = Promise.all(clients.map((client) => client.call('DEBUG', 'SLEEP', String(seconds)).catch(() => undefined))).then(() => {
    for (const client of clients) client.disconnect();
  });
  return { done };
}

/**
 * Where a cluster replica keeps `key`, asked of its masters (by port) directly: the master its cluster says serves
 * the key's slot (`CLUSTER SLOTS`), and the masters holding any key of that slot (`CLUSTER COUNTKEYSINSLOT`, which
 * counts the master's own keys and never redirects). For a key alone in its slot, `heldBy` is where it is stored.
 */
export async function placementOf(masterPorts: readonly number[], key: string): Promise<{ servedBy: number | undefined; heldBy: number[] }> {
  const slot = slotOf(key);
  const ask = async <T>(port: number, action: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, lazyConnect: false });
    try {
      return await action(client);
    } finally {
      client.disconnect();
    }
  };
  const ranges = (await ask(masterPorts[0]!, (client) => client.call('CLUSTER', 'SLOTS'))) as [number, number, [string, number, ...unknown[]]][];
  const servedBy = ranges.find(([first, last]) => slot >= first && slot <= last)?.[2][1];
  const counts = await Promise.all(masterPorts.map((port) => ask(port, (client) => client.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot)))));
  return { servedBy, heldBy: masterPorts.filter((_, i) => Number(counts[i]) > 0) };
}

/** Empties every node, so each test starts from a blank store. */
export async function flushAll(cluster: Pick<LocalRedisCluster, 'nodes'>): Promise<void> {
  await Promise.all(
    cluster.nodes.flatMap((replica) => replica.masters).map(async (node) => {
      const client = directClient(node);
      try {
        await client.flushall();
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** Milliseconds taken by an async action, with its result. */
export async function timed<T>(action: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await action();
  return { result, ms: performance.now() - started };
}

/** Same as {@link timed} for an action expected to fail: resolves with the error it threw. */
export async function timedFailure(action: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await action();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected the action to fail, but it succeeded');
}
