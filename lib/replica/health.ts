import type { Redis } from 'ioredis';
import type { BreakerState } from './breaker';
import { mastersOf, type ReplicaClient } from './connection';
import { classifyCommandError } from './failures';
import { HASH_SLOTS } from './hashSlots';
import { withinNodeTimeout } from './nodeTimeout';
import type { Replica, ReplicaPool } from './replicaPool';

/**
 * What a replica can take right now: `up` serves every key, `degraded` (a cluster replica only) serves the keys of
 * some hash slots but not all (a master down, or a slot no master serves), `down` serves none.
 */
export type ReplicaStatus = 'up' | 'degraded' | 'down';

/** One master of a cluster replica as `/health` reports it. */
export interface MasterHealth {
  /** `host:port`, as the cluster announces it (the key of its breaker). */
  readonly master: string;
  /** Answered within the node timeout, and its cluster serves keys (`cluster_state:ok`, not CLUSTERDOWN). */
  readonly up: boolean;
  /** Round trip in ms (or time until it failed). */
  readonly ms: number;
  /** How many of the 16384 hash slots the client routes to it. */
  readonly slots: number;
  /** This container's breaker for the keys of its slots (`closed` until a key of its slots has been called). */
  readonly breaker: BreakerState;
  readonly error?: string;
}

/** One replica's health as `/health` reports it. */
export interface ReplicaHealth {
  readonly node: string;
  /** Serves every key: answered within the node timeout, and for a cluster, every slot's master did (`status: 'up'`). */
  readonly up: boolean;
  /** `up`, `degraded` (a cluster replica serving only part of its slots) or `down`. */
  readonly status: ReplicaStatus;
  /** This container's circuit breaker for the replica (a cluster's calls without a key). */
  readonly breaker: BreakerState;
  /** Round trip in ms (or time until it failed); a cluster's slowest master. */
  readonly ms: number;
  readonly error?: string;
  /** A cluster replica's masters (absent for one server). */
  readonly masters?: readonly MasterHealth[];
}

/** The store's health: each replica, and whether a write could gather its quorum right now. */
export interface StoreHealth {
  /**
   * A write of any key could gather its quorum: every hash slot is served by at least `writeQuorum` replicas (a
   * standalone replica serves every slot or none; a degraded cluster replica counts for the slots it serves).
   */
  readonly writeQuorumReachable: boolean;
  readonly writeQuorum: number;
  readonly nodes: readonly ReplicaHealth[];
}

/**
 * Asks every replica in parallel, even one whose breaker is open (the answer reflects the replica, not this
 * container's memory of it), and says whether a write quorum is reachable for every key: one cheap call for whoever
 * must know. A cluster replica is asked master by master (`CLUSTER INFO`, whose answer also tells a cluster that
 * refuses keys with CLUSTERDOWN), each bounded by the node timeout, so one hung master delays the answer by at most
 * about one node timeout.
 */
export async function checkHealth(pool: ReplicaPool, writeQuorum: number): Promise<StoreHealth> {
  const checked = await Promise.all(
    pool.replicas.map((replica) => (replica.client.isCluster ? clusterHealth(pool, replica) : serverHealth(pool, replica))),
  );
  const servedBy = new Uint8Array(HASH_SLOTS);
  for (const { served } of checked) {
    for (let slot = 0; slot < HASH_SLOTS; slot += 1) if (served(slot)) servedBy[slot] = servedBy[slot]! + 1;
  }
  return { writeQuorumReachable: servedBy.every((count) => count >= writeQuorum), writeQuorum, nodes: checked.map(({ health }) => health) };
}

/** A replica's health, and which hash slots it serves. */
interface Checked {
  readonly health: ReplicaHealth;
  readonly served: (slot: number) => boolean;
}

async function serverHealth(pool: ReplicaPool, replica: Replica): Promise<Checked> {
  const result = await pool.unguarded.call(replica, (client) => client.ping());
  const breaker = pool.breakerState(replica);
  const health: ReplicaHealth = result.ok
    ? { node: replica.name, up: true, status: 'up', breaker, ms: result.ms }
    : { node: replica.name, up: false, status: 'down', breaker, ms: result.ms, error: result.error };
  return { health, served: () => result.ok };
}

async function clusterHealth(pool: ReplicaPool, replica: Replica): Promise<Checked> {
  const breaker = pool.breakerState(replica);
  let connections = mastersOf(replica.client);
  if (connections.length === 0) {
    // The slots are not known yet (still connecting, or every master unreachable): the client's own attempt tells.
    const first = await pool.unguarded.call(replica, (client) => client.ping());
    connections = mastersOf(replica.client);
    if (connections.length === 0) {
      const error = first.ok ? 'no master serves any slot' : first.error;
      return { health: { node: replica.name, up: false, status: 'down', breaker, ms: first.ms, error, masters: [] }, served: () => false };
    }
  }
  const routes = (replica.client as ReplicaClient & { slots: string[][] }).slots;
  const slotsOf = new Map<string, number>();
  for (const route of routes) if (route?.[0] !== undefined) slotsOf.set(route[0], (slotsOf.get(route[0]) ?? 0) + 1);
  const breakers = pool.masterBreakerStates(replica);
  const masters = await Promise.all(
    connections.map(async (connection): Promise<MasterHealth> => {
      const master = `${connection.options.host ?? '127.0.0.1'}:${connection.options.port ?? 6379}`;
      const probe = await askMaster(connection, pool.nodeTimeoutMs);
      return {
        master,
        up: probe.error === undefined,
        ms: probe.ms,
        slots: slotsOf.get(master) ?? 0,
        breaker: breakers.get(master) ?? 'closed',
        ...(probe.error === undefined ? {} : { error: probe.error }),
      };
    }),
  );
  masters.sort((a, b) => a.master.localeCompare(b.master));
  const upMasters = new Set(masters.filter((master) => master.up).map((master) => master.master));
  const served = (slot: number): boolean => {
    const master = routes[slot]?.[0];
    return master !== undefined && upMasters.has(master);
  };
  let servedSlots = 0;
  for (let slot = 0; slot < HASH_SLOTS; slot += 1) if (served(slot)) servedSlots += 1;
  const status: ReplicaStatus = servedSlots === HASH_SLOTS ? 'up' : servedSlots === 0 ? 'down' : 'degraded';
  const ms = Math.max(...masters.map((master) => master.ms));
  const down = masters.filter((master) => !master.up);
  const error =
    status === 'up'
      ? undefined
      : down.length === 0
        ? `${HASH_SLOTS - servedSlots} of ${HASH_SLOTS} slots served by no master`
        : `${down.length} of ${masters.length} masters down (${HASH_SLOTS - servedSlots} of ${HASH_SLOTS} slots unserved): ${down[0]!.error ?? ''}`;
  const health: ReplicaHealth = { node: replica.name, up: status === 'up', status, breaker, ms, ...(error === undefined ? {} : { error }), masters };
  return { health, served };
}

/**
 * `CLUSTER INFO` to one master, bounded by `timeoutMs` from now (ioredis would time a command queued on a connection
 * still being made only from its send). A master whose cluster is in `fail` state answers, but refuses keys with
 * CLUSTERDOWN: it counts as down. A server that refuses the command itself still answered, so it counts as up.
 */
async function askMaster(connection: Redis, timeoutMs: number): Promise<{ ms: number; error?: string }> {
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
  const status = connection.status;
  if (status === 'reconnecting' || status === 'close' || status === 'end') return { ms: 0, error: 'connection down' };
  try {
    const info = await withinNodeTimeout(
      connection.call('CLUSTER', 'INFO').then(String, (error: unknown) => {
        if (error instanceof Error && error.name === 'ReplyError') return '';
        throw error;
      }),
      timeoutMs,
    );
    if (info.includes('cluster_state:fail')) return { ms: elapsed(), error: 'cluster down (cluster_state:fail): keys refused with CLUSTERDOWN' };
    return { ms: elapsed() };
  } catch (error) {
    return { ms: elapsed(), error: classifyCommandError(error).message };
  }
}
