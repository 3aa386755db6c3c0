import { afterEach } from 'vitest';
import { Coordinator, type HybridLogicalClock, loadConfig, type RepairDispatcher, ReplicaPool } from '../../lib';
import type { LocalRedisCluster } from '../../tools/localCluster';
import { CoordinatorLinks } from './coordinatorLinks';
import { flushAll } from './redisCluster';

/** The node timeout used by tests: short, so fault tests run quickly, yet far above a healthy local round trip. */
export const TEST_NODE_TIMEOUT_MS = 200;

/**
 * A coordinator configured from `env` (with the tests' node timeout unless `env` sets one), as one Lambda container
 * would be; close it when done. For a clock with a skew, pass `clock`; for a repair function, `dispatcher`.
 */
export function createCoordinator(env: Record<string, string>, clock?: HybridLogicalClock, dispatcher?: RepairDispatcher): Coordinator {
  const config = loadConfig({ NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS), ...env });
  return new Coordinator(config, new ReplicaPool(config), clock, dispatcher);
}

/**
 * Gives each test fresh coordinators on the file's cluster (as separate Lambda containers would be), and after each
 * test closes them and puts the cluster back: paused nodes resumed, killed nodes restarted, data flushed.
 *
 * @returns `newCoordinator(env?, clock?, dispatcher?)`: `env` overrides settings such as `READ_REPAIR` or
 *   `REDIS_NODES` (e.g. a coordinator's own proxies), `clock` gives it a skewed clock.
 */
export function useCoordinators(
  cluster: () => Pick<LocalRedisCluster, 'nodes' | 'redisNodes'>,
): (env?: Record<string, string>, clock?: HybridLogicalClock, dispatcher?: RepairDispatcher) => Coordinator {
  const opened: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(cluster().nodes.map((node) => node.ensureRunning()));
    await Promise.all(opened.splice(0).map((coordinator) => coordinator.close()));
    await flushAll(cluster());
  });
  return (env = {}, clock, dispatcher) => {
    const coordinator = createCoordinator({ REDIS_NODES: cluster().redisNodes, ...env }, clock, dispatcher);
    opened.push(coordinator);
    return coordinator;
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A coordinator reaching every replica through its own proxies, and those proxies (see {@link usePartitionable}). */
export interface PartitionableCoordinator {
  readonly coordinator: Coordinator;
  readonly links: CoordinatorLinks;
}

/**
 * Gives each test coordinators whose every replica connection goes through their own TCP proxy, so one can be cut
 * off alone, as one Lambda container behind a partition; the proxies are closed after each test.
 *
 * @param newCoordinator the file's coordinator factory (see {@link useCoordinators}), which closes the coordinators.
 * @returns `partitionable(env?, clock?)`: a coordinator on its own links, its clock already measured.
 */
export function usePartitionable(
  cluster: () => LocalRedisCluster,
  newCoordinator: (env?: Record<string, string>, clock?: HybridLogicalClock) => Coordinator,
): (env?: Record<string, string>, clock?: HybridLogicalClock) => Promise<PartitionableCoordinator> {
  const openLinks: CoordinatorLinks[] = [];
  afterEach(async () => {
    await Promise.all(openLinks.splice(0).map((links) => links.close()));
  });
  return async (env = {}, clock) => {
    const links = await CoordinatorLinks.open(cluster().nodes);
    openLinks.push(links);
    const coordinator = newCoordinator({ REDIS_NODES: links.redisNodes, ...env }, clock);
    await coordinator.whenClockCalibrated();
    return { coordinator, links };
  };
}
