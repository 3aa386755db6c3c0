import type { BreakerState } from './breaker';
import type { ReplicaPool } from './replicaPool';

/** One replica's health as `/health` reports it. */
export interface ReplicaHealth {
  readonly node: string;
  /** Answered a PING within the node timeout. */
  readonly up: boolean;
  /** This container's circuit breaker for the replica. */
  readonly breaker: BreakerState;
  /** PING round trip in ms (or time until it failed). */
  readonly ms: number;
  readonly error?: string;
}

/** The store's health: each replica, and whether a write could gather its quorum right now. */
export interface StoreHealth {
  readonly writeQuorumReachable: boolean;
  readonly writeQuorum: number;
  readonly nodes: readonly ReplicaHealth[];
}

/**
 * PINGs every replica in parallel, even one whose breaker is open (the answer reflects the replica, not this
 * container's memory of it), and says whether a write quorum is reachable: one cheap call for whoever must know.
 */
export async function checkHealth(pool: ReplicaPool, writeQuorum: number): Promise<StoreHealth> {
  const nodes = await Promise.all(
    pool.replicas.map(async (replica): Promise<ReplicaHealth> => {
      const result = await pool.unguarded.call(replica, (client) => client.ping());
      const breaker = pool.breakerState(replica);
      return result.ok
        ? { node: replica.name, up: true, breaker, ms: result.ms }
        : { node: replica.name, up: false, breaker, ms: result.ms, error: result.error };
    }),
  );
  return { writeQuorumReachable: nodes.filter((node) => node.up).length >= writeQuorum, writeQuorum, nodes };
}
