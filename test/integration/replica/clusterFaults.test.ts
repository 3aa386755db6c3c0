import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { healthResponse } from '../../../functions/http/responses';
import { type Coordinator, loadConfig, ReplicaPool, type StoreHealth } from '../../../lib';
import { slotOf } from '../../../lib/replica/hashSlots';
import { storageKey } from '../../../lib/replica/storageLayout';
import type { LocalRedisCluster } from '../../../tools/localCluster';
import type { LocalClusterReplica } from '../../../tools/localClusterReplica';
import type { LocalRedisNode } from '../../../tools/localRedisNode';
import { keysServedBy, masterServing } from '../../support/clusterKeys';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../../support/coordinators';
import { loadOpenApi, responseChecker } from '../../support/openApi';
import { timed, useRedisCluster } from '../../support/redisCluster';

/**
 * A call to one replica may take the node timeout and the timer lateness of a busy two-core machine (its event loop
 * lags by up to about 100 ms under load), far below what retrying CLUSTERDOWN or a slot refresh would add.
 */
const CALL_BOUND_MS = TEST_NODE_TIMEOUT_MS + 250;
/** A request whose quorum waits for a failing replica: one node timeout, and its own work. */
const REQUEST_BOUND_MS = TEST_NODE_TIMEOUT_MS + 300;
/** Longer than `cluster-node-timeout` (1000 ms locally) and the failure report after it, so the fault is seen through. */
const FAULT_WINDOW_MS = 3_000;
/** Breakers that never open: every request pays the full path to the failing master, the worst case measured here. */
const NO_BREAKER = { BREAKER_FAILURES: '1000' };

const checkResponse = responseChecker(loadOpenApi());

/** What the requests of a fault window took, at worst. */
interface Worst {
  /** The slowest request (writes at the default quorum, reads at `all`, which need the faulty replica). */
  requestMs: number;
  /** The slowest answer of the faulty replica to one write. */
  faultyReplicaMs: number;
  /** Outcomes of the faulty replica for the keys of its failed master, and for the others. */
  readonly failedMasterOutcomes: Set<string>;
  readonly otherOutcomes: Set<string>;
  requests: number;
}

/**
 * Writes and reads (`all`) `failedKeys` and `otherKeys` one after another for `windowMs`, and records the slowest
 * request, the slowest answer of replica `faulty`, and its outcomes for each group of keys.
 */
async function worstDuring(coordinator: Coordinator, faulty: number, failedKeys: string[], otherKeys: string[], windowMs: number): Promise<Worst> {
  const worst: Worst = { requestMs: 0, faultyReplicaMs: 0, failedMasterOutcomes: new Set(), otherOutcomes: new Set(), requests: 0 };
  const until = performance.now() + windowMs;
  for (let round = 0; performance.now() < until; round += 1) {
    for (const key of [...failedKeys, ...otherKeys]) {
      const write = await timed(async () => (await coordinator.set(key, `v${round}`)).settled);
      const read = await timed(() => coordinator.get(key, { consistency: 'all' }).catch((error: Error) => error));
      const report = write.result[faulty]!;
      worst.requestMs = Math.max(worst.requestMs, write.ms, read.ms);
      worst.faultyReplicaMs = Math.max(worst.faultyReplicaMs, report.ms);
      (failedKeys.includes(key) ? worst.failedMasterOutcomes : worst.otherOutcomes).add(report.outcome);
      worst.requests += 2;
    }
  }
  return worst;
}

/** `/health` as the handler answers it, checked against `openapi.yaml`. */
function expectHealthMatchesContract(health: StoreHealth): void {
  const response = healthResponse(health);
  expect(checkResponse('health', response.statusCode, JSON.parse(response.body))).toBe('');
}

/** A plain connection to one master, for cluster administration commands. */
function adminOf(master: LocalRedisNode): Redis {
  return new Redis(master.url, { maxRetriesPerRequest: 0, lazyConnect: false });
}

function replicaOf(cluster: LocalRedisCluster, index: number): LocalClusterReplica {
  return cluster.nodes[index] as LocalClusterReplica;
}

describe('Cluster faults are answered within about one node timeout (cluster-require-full-coverage no)', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
  const newCoordinator = useCoordinators(cluster);

  it.each(['killed', 'paused'] as const)(
    'answers every request within one node timeout while a master is %s, and writes the keys of its other masters on every replica',
    async (fault) => {
      // Prepare: master 0 of replica 1 fails; the same slots are served by master 0 of every replica.
      const coordinator = newCoordinator(NO_BREAKER);
      const replica1 = replicaOf(cluster(), 1);
      const failedKeys = await keysServedBy(replica1.masters[0]!, 2, 'failed-');
      const otherKeys = [...(await keysServedBy(replica1.masters[1]!, 1, 'other-')), ...(await keysServedBy(replica1.masters[2]!, 1, 'other-'))];
      for (const key of [...failedKeys, ...otherKeys]) await (await coordinator.set(key, 'before')).settled;
      if (fault === 'killed') await replica1.masters[0]!.kill();
      else replica1.masters[0]!.pause();

      // Act: through the cluster's failure detection and slot refreshes.
      const worst = await worstDuring(coordinator, 1, failedKeys, otherKeys, FAULT_WINDOW_MS);
      const health = await timed(() => coordinator.health());

      // Assess
      expect(worst.requests).toBeGreaterThan(8);
      expect(worst.requestMs).toBeLessThan(REQUEST_BOUND_MS);
      expect(worst.faultyReplicaMs).toBeLessThan(CALL_BOUND_MS);
      expect([...worst.failedMasterOutcomes].every((outcome) => outcome === 'error' || outcome === 'timeout')).toBe(true);
      expect([...worst.otherOutcomes]).toEqual(['applied']);
      expect(health.ms).toBeLessThan(REQUEST_BOUND_MS);
      expect(health.result.nodes[1]).toMatchObject({ up: false, status: 'degraded' });
      const failed = `127.0.0.1:${replica1.masters[0]!.port}`;
      expect(health.result.nodes[1]!.masters!.map(({ master, up }) => [master, up])).toEqual(
        replica1.masters.map(({ port }) => [`127.0.0.1:${port}`, `127.0.0.1:${port}` !== failed]).sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
      expect(health.result.writeQuorumReachable).toBe(true);
      expectHealthMatchesContract(health.result);
    },
  );

  it('says a write quorum is reachable only when every slot is served by a quorum of replicas', async () => {
    // Prepare: replicas 1 and 2 each lose a master; different slots first, then the same slots.
    const coordinator = newCoordinator();
    await coordinator.get('warm-up');
    await replicaOf(cluster(), 1).masters[0]!.kill();
    await replicaOf(cluster(), 2).masters[1]!.kill();

    // Act
    const differentSlots = await coordinator.health();
    await replicaOf(cluster(), 2).masters[1]!.start();
    await replicaOf(cluster(), 2).masters[0]!.kill();
    const sameSlots = await coordinator.health();

    // Assess: every slot keeps two replicas in the first case; master 0's slots have one left in the second.
    expect(differentSlots.nodes.map((node) => node.status)).toEqual(['up', 'degraded', 'degraded']);
    expect(differentSlots.writeQuorumReachable).toBe(true);
    expect(sameSlots.nodes.map((node) => node.status)).toEqual(['up', 'degraded', 'degraded']);
    expect(sameSlots.writeQuorumReachable).toBe(false);
    expect(healthResponse(sameSlots).statusCode).toBe(503);
    expectHealthMatchesContract(differentSlots);
    expectHealthMatchesContract(sameSlots);
  });

  it('follows ASK and bounds TRYAGAIN by the node timeout while a slot migrates between two masters', async () => {
    // Prepare: replica 1 moves the slot of the {migrating} keys from the master serving it to another, one key moved.
    const coordinator = newCoordinator(NO_BREAKER);
    const pool = new ReplicaPool(loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS) }));
    const replica1 = replicaOf(cluster(), 1);
    const [moved, stayed, fresh] = ['{migrating}moved', '{migrating}stayed', '{migrating}fresh'] as const;
    const slot = slotOf(storageKey(moved));
    expect([stayed, fresh].map((key) => slotOf(storageKey(key)))).toEqual([slot, slot]);
    const source = await masterServing(replica1, storageKey(moved));
    const target = replica1.masters.find((master) => master !== source)!;
    const [sourceAdmin, targetAdmin] = [adminOf(source), adminOf(target)];
    for (const key of [moved, stayed]) await (await coordinator.set(key, 'before')).settled;
    const sourceId = String(await sourceAdmin.call('CLUSTER', 'MYID'));
    const targetId = String(await targetAdmin.call('CLUSTER', 'MYID'));
    await targetAdmin.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
    await sourceAdmin.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
    await sourceAdmin.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', storageKey(moved));

    // Act: single-key commands get ASK for the moved and the new key; a command on both keys is refused (TRYAGAIN,
    // or redirections between the two masters until ioredis gives up).
    const writes = await Promise.all([moved, stayed, fresh].map((key) => timed(async () => (await coordinator.set(key, 'during')).settled)));
    const reads = await Promise.all([moved, stayed, fresh].map((key) => timed(() => coordinator.get(key, { consistency: 'all' }))));
    const straddling = await timed(() => pool.call(pool.replicas[1]!, (client) => client.exists(storageKey(moved), storageKey(stayed))));
    await pool.close();

    // Put the slot on its target, as a finished reshard would.
    await sourceAdmin.call('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', storageKey(stayed));
    for (const master of replica1.masters) {
      const admin = adminOf(master);
      await admin.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
      admin.disconnect();
    }
    sourceAdmin.disconnect();
    targetAdmin.disconnect();
    await replica1.waitUntilHealthy();
    const after = await (await coordinator.set(moved, 'after')).settled;

    // Assess
    for (const { result, ms } of writes) {
      expect(result.map((report) => report.outcome)).toEqual(['applied', 'applied', 'applied']);
      expect(ms).toBeLessThan(REQUEST_BOUND_MS);
    }
    for (const { result, ms } of reads) {
      expect(result.value).toBe('during');
      expect(ms).toBeLessThan(REQUEST_BOUND_MS);
    }
    expect(straddling.result).toMatchObject({ ok: false });
    expect(straddling.result.ok ? '' : straddling.result.error).toMatch(/TRYAGAIN|MOVED|ASK|timed out/);
    expect(straddling.ms).toBeLessThan(CALL_BOUND_MS);
    expect(after.map((report) => report.outcome)).toEqual(['applied', 'applied', 'applied']);
  });
});

describe('Cluster faults are answered within about one node timeout (cluster-require-full-coverage yes)', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster', fullCoverage: true });
  const newCoordinator = useCoordinators(cluster);

  it('answers every request within one node timeout while a master is killed and its whole replica answers CLUSTERDOWN', async () => {
    // Prepare
    const coordinator = newCoordinator(NO_BREAKER);
    const replica1 = replicaOf(cluster(), 1);
    const failedKeys = await keysServedBy(replica1.masters[0]!, 2, 'failed-');
    const otherKeys = [...(await keysServedBy(replica1.masters[1]!, 1, 'other-')), ...(await keysServedBy(replica1.masters[2]!, 1, 'other-'))];
    for (const key of [...failedKeys, ...otherKeys]) await (await coordinator.set(key, 'before')).settled;
    await replica1.masters[0]!.kill();

    // Act: once the cluster marks the master failed, the other masters refuse every key.
    await vi.waitFor(
      async () => {
        const admin = adminOf(replica1.masters[1]!);
        try {
          expect(String(await admin.call('CLUSTER', 'INFO'))).toContain('cluster_state:fail');
        } finally {
          admin.disconnect();
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    const worst = await worstDuring(coordinator, 1, failedKeys, otherKeys, FAULT_WINDOW_MS);
    const health = await timed(() => coordinator.health());

    // Assess
    expect(worst.requests).toBeGreaterThan(8);
    expect(worst.requestMs).toBeLessThan(REQUEST_BOUND_MS);
    expect(worst.faultyReplicaMs).toBeLessThan(CALL_BOUND_MS);
    expect(worst.otherOutcomes.has('applied')).toBe(false);
    expect(health.ms).toBeLessThan(REQUEST_BOUND_MS);
    expect(health.result.nodes[1]).toMatchObject({ up: false, status: 'down' });
    expect(health.result.nodes[1]!.masters!.filter((master) => master.error?.includes('cluster_state:fail'))).toHaveLength(2);
    expect(health.result.writeQuorumReachable).toBe(true);
    expectHealthMatchesContract(health.result);
  });
});
