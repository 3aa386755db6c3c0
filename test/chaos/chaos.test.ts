import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HybridLogicalClock, type Coordinator } from '../../lib';
import { HASH_SLOTS, slotOf } from '../../lib/replica/hashSlots';
import type { LocalClusterOptions, LocalRedisCluster } from '../../tools/localCluster';
import { LocalClusterReplica } from '../../tools/localClusterReplica';
import { ChaosWorkload, type WorkloadCoordinator } from '../support/chaosWorkload';
import { CoordinatorLinks } from '../support/coordinatorLinks';
import { createCoordinator, sleep } from '../support/coordinators';
import { checkHistory } from '../checker/checker';
import { describeCheck } from '../checker/describeResult';
import { writeHistoryPicture } from '../checker/historyPicture';
import { directClient, useRedisCluster } from '../support/redisCluster';
import { divergentEntries, entriesByNode } from '../support/replicaState';

const NODE_TIMEOUT_MS = 200;
/** "About one node timeout", twice for a write re-issued above a newer version, plus slack for two shared cores. */
const LATENCY_BOUND_MS = 2 * NODE_TIMEOUT_MS + 300;
const KEYS_PER_PHASE = 16;
/** How long each state of a flapping partition lasts (cut, then healed). */
const FLAP_MS = 250;
/** How far TTL expiry may be judged off: half a round trip of each container's clock measurement, plus scheduling. */
const TTL_SLACK_MS = 150;
/** Slots moved by the resharding phase: enough that the migration outlasts many operations on its keys. */
const RESHARDED_SLOTS = 300;

/** One fault: how to cause it, how long it lasts, how it heals, and whether every request should still succeed. */
interface Fault {
  readonly name: string;
  /** True when every coordinator still reaches a quorum: then no request may fail or wait past the bound. */
  readonly quorumStaysReachable: boolean;
  readonly holdMs: number;
  /** A container that joins the workload for this phase only (e.g. one whose clock is minutes ahead). */
  readonly extraCoordinator?: { readonly name: string; readonly skewMs: number };
  /** The phase's keys, from its key prefix, when they must lie somewhere in particular (default: any 16). */
  keys?(prefix: string): string[];
  /**
   * Keys written to every replica before the fault and never touched by the workload, so that only anti-entropy can
   * bring back a copy the fault destroys; compared with the workload's keys afterwards.
   */
  untouchedKeys?(prefix: string): string[];
  /**
   * True for a replica error naming a redirection that the fault itself explains (see the killed master's phase),
   * rather than one the cluster client failed to follow.
   */
  explainsRoutingError?(error: string): boolean;
  inject(): Promise<void>;
  heal(): Promise<void>;
}

/** What one fault phase proved, printed so a reader sees what was checked. */
interface PhaseSummary {
  readonly fault: string;
  readonly operations: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  readonly verdict: string;
  readonly slowestMs: number;
  readonly failuresDuringFault: number;
  readonly racesLost: number;
  readonly picture: string;
}

/** A container taking part in every phase: its clock skew, and (standalone replicas) its own proxies. */
interface Member {
  readonly name: string;
  readonly skewMs: number;
  /** How its reads ask the replicas (`READ_STRATEGY`): one container reads hedged, so quorum reads are checked both ways. */
  readonly readStrategy: 'race' | 'hedged';
  /**
   * `REDIS_AUTO_PIPELINING`: off as the deployed request functions run (`serverless.yml`), on as the library's
   * default (tests, repair, anti-entropy): both are checked.
   */
  readonly autoPipelining: boolean;
  coordinator?: Coordinator;
  links?: CoordinatorLinks;
}

/** The replicas and containers one part of the suite runs its phases on, and the table its phases fill in. */
interface ChaosStage {
  readonly title: string;
  readonly cluster: () => LocalRedisCluster;
  readonly members: readonly Member[];
  readonly summaries: PhaseSummary[];
}

/**
 * Starts the replicas, and three containers with clocks that disagree (0, +50 ms, -50 ms), the second reading hedged
 * (`READ_STRATEGY=hedged`), the others racing; the first two without auto-pipelining, as the deployed request
 * functions run, the third with it; with `ownLinks` each
 * reaches the replicas through its own proxies, so one can be cut off alone. Prints the phases' table at the end.
 */
function useChaosStage(title: string, options: LocalClusterOptions, ownLinks: boolean): ChaosStage {
  const cluster = useRedisCluster(options);
  const stage: ChaosStage = {
    title,
    cluster,
    members: [
      { name: 'c0', skewMs: 0, readStrategy: 'race', autoPipelining: false },
      { name: 'c1', skewMs: 50, readStrategy: 'hedged', autoPipelining: false },
      { name: 'c2', skewMs: -50, readStrategy: 'race', autoPipelining: true },
    ],
    summaries: [],
  };
  beforeAll(async () => {
    for (const member of stage.members) {
      if (ownLinks) member.links = await CoordinatorLinks.open(cluster().nodes);
      member.coordinator = createCoordinator(
        {
          REDIS_NODES: member.links?.redisNodes ?? cluster().redisNodes,
          NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS),
          READ_STRATEGY: member.readStrategy,
          REDIS_AUTO_PIPELINING: String(member.autoPipelining),
        },
        new HybridLogicalClock(undefined, () => Date.now() + member.skewMs),
      );
      await member.coordinator.whenClockCalibrated();
    }
  });
  afterAll(async () => {
    await Promise.all(stage.members.map(async (member) => {
      await member.coordinator?.close();
      await member.links?.close();
    }));
    console.log(`\nChaos suite, ${title}: linearizability per fault (quorum writes, quorum reads; c1 hedged; c0, c1 without auto-pipelining)\n${formatSummaries(stage.summaries)}`);
  });
  return stage;
}

/**
 * One phase: the workload runs, the fault comes and heals, then (1) the history is checked for linearizability key
 * by key, (2) where a quorum stayed reachable nothing failed or waited past the latency bound, and no replica passed
 * on a slot routing error, (3) anti-entropy brings every replica to the very same entries.
 */
async function runPhase(stage: ChaosStage, fault: Fault, index: number): Promise<void> {
  // Prepare: fresh keys for this phase, so its history stands alone.
  const prefix = `${stage.cluster().mode === 'cluster' ? 'c' : 'p'}${index}`;
  const keys = fault.keys?.(prefix) ?? Array.from({ length: KEYS_PER_PHASE }, (_, k) => `${prefix}-k${k}`);
  const untouched = fault.untouchedKeys?.(prefix) ?? [];
  const first = stage.members[0]!.coordinator!;
  for (const key of untouched) await first.set(key, `${key}-value`, { consistency: 'all' });
  const participants: WorkloadCoordinator[] = stage.members.map((member) => ({
    name: member.name,
    coordinator: member.coordinator!,
    skewMs: member.skewMs,
    ttlWrites: true,
  }));
  let extra: Coordinator | undefined;
  if (fault.extraCoordinator !== undefined) {
    const { name, skewMs } = fault.extraCoordinator;
    extra = createCoordinator(
      { REDIS_NODES: stage.cluster().redisNodes, NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS) },
      new HybridLogicalClock(undefined, () => Date.now() + skewMs),
    );
    // It writes TTLs too: expiry is judged on the replicas' clock, which it measures before it starts.
    await extra.whenClockCalibrated();
    participants.push({ name, coordinator: extra, skewMs, ttlWrites: true });
  }
  const workload = new ChaosWorkload(participants, keys);

  // Act
  workload.start();
  await sleep(300);
  workload.markFault(true);
  await fault.inject();
  await sleep(fault.holdMs);
  await fault.heal();
  workload.markFault(false);
  await sleep(700);
  await workload.stop();
  await extra?.close();

  // Assess: 1. the history is linearizable, key by key (a picture of the first failing key otherwise).
  const history = workload.recorder.history();
  const result = checkHistory(history, { ttlSlackMs: TTL_SLACK_MS, maxStatesPerKey: 2_000_000 });
  const failing = result.keys.find((key) => key.verdict !== 'linearizable');
  const picture = failing === undefined ? '' : writeHistoryPicture(failing, { fileName: `chaos-${prefix}-${failing.key}.html` });
  if (failing !== undefined) console.log(`${describeCheck(result)}\npicture of ${failing.key}: ${picture}`);
  stage.summaries.push({
    fault: fault.name,
    operations: history.length,
    ok: history.filter((op) => op.outcome === 'ok').length,
    failed: history.filter((op) => op.outcome === 'failed').length,
    unknown: history.filter((op) => op.outcome === 'unknown').length,
    verdict: failing === undefined ? 'linearizable' : `${failing.verdict} (${failing.key})`,
    slowestMs: Math.round(workload.slowestDuringFaultMs),
    failuresDuringFault: workload.failuresDuringFault.length,
    racesLost: workload.racesLostDuringFault.length,
    picture: picture || '-',
  });
  expect(failing?.key ?? 'every key linearizable', picture).toBe('every key linearizable');

  // 2. Where every coordinator kept a quorum, nothing failed and nothing waited past about one node timeout, but for
  // writes that lost a race with a concurrent write of the same key (counted in the summary). No replica, in any
  // phase, answered with a redirection or a cross-slot refusal: the cluster client follows or avoids those.
  if (fault.quorumStaysReachable) {
    expect(workload.failuresDuringFault).toEqual([]);
    expect(workload.slowestDuringFaultMs).toBeLessThan(LATENCY_BOUND_MS);
  }
  expect(workload.slotRoutingErrors.filter((error) => fault.explainsRoutingError?.(error) !== true)).toEqual([]);

  // 3. Anti-entropy over every replica brings them together once the fault is healed: they hold the same entries
  // (same version and the same value) for every key of the phase.
  const antiEntropy = await vi.waitFor(
    async () => {
      const report = await first.antiEntropy({ budgetMs: 30_000, fromStart: true });
      expect(report.passComplete).toBe(true);
      return report;
    },
    { timeout: 10_000, interval: 200 },
  );
  expect(antiEntropy.unreachable).toEqual([]);
  expect(divergentEntries(await entriesByNode(stage.cluster(), [...keys, ...untouched]))).toEqual([]);
}

describe('Chaos: linearizability of quorum writes and quorum reads under faults', () => {
  describe('with standalone replicas', () => {
    const stage = useChaosStage('standalone replicas', { count: 3 }, true);
    const { cluster } = stage;
    const links = (index: number): CoordinatorLinks => stage.members[index]!.links!;
    let slowLoop: { client: Redis | Cluster; running: boolean; done: Promise<void> } | undefined;
    let snapshot = '';

    /**
     * A partition that comes and goes: member `index` is cut off from replicas 1 and 2 (bytes held, delivered when the
     * link heals) and healed again every {@link FLAP_MS}, so replies a write or read waits for arrive late, within its
     * node timeout, in every state of the protocol.
     */
    function flappingPartition(name: string, index: number): Fault {
      let flapping: { running: boolean; done: Promise<void> } | undefined;
      return {
        name,
        quorumStaysReachable: false,
        holdMs: 2_000,
        inject: async () => {
          const loop = { running: true, done: Promise.resolve() };
          loop.done = (async () => {
            while (loop.running) {
              links(index).cut(1);
              links(index).cut(2);
              await sleep(FLAP_MS);
              links(index).healAll();
              if (loop.running) await sleep(FLAP_MS);
            }
          })();
          flapping = loop;
        },
        heal: async () => {
          if (flapping === undefined) return;
          flapping.running = false;
          await flapping.done;
          links(index).healAll();
        },
      };
    }

    const faults: Fault[] = [
      {
        name: 'none (baseline)',
        quorumStaysReachable: true,
        holdMs: 1_000,
        inject: async () => undefined,
        heal: async () => undefined,
      },
      {
        name: 'kill one node, restart it empty',
        quorumStaysReachable: true,
        holdMs: 1_500,
        inject: () => cluster().nodes[0]!.kill(),
        heal: () => cluster().nodes[0]!.restart('empty'),
      },
      {
        name: 'kill one node, restart it from an old snapshot (stale)',
        quorumStaysReachable: true,
        holdMs: 1_500,
        inject: async () => {
          await cluster().nodes[1]!.kill();
          snapshot = await cluster().nodes[1]!.snapshot();
          await cluster().nodes[1]!.start();
        },
        heal: () => cluster().nodes[1]!.restart({ snapshot }),
      },
      {
        name: 'pause one node (SIGSTOP) for 2 s',
        quorumStaysReachable: true,
        holdMs: 2_000,
        inject: async () => cluster().nodes[2]!.pause(),
        heal: async () => cluster().nodes[2]!.resume(),
      },
      {
        name: 'slow one node (DEBUG SLEEP 0.05 in a loop)',
        quorumStaysReachable: true,
        holdMs: 2_000,
        inject: async () => {
          const client = directClient(cluster().nodes[0]!);
          const loop = { client, running: true, done: Promise.resolve() };
          loop.done = (async () => {
            while (loop.running) await client.call('DEBUG', 'SLEEP', '0.05');
          })();
          slowLoop = loop;
        },
        heal: async () => {
          if (slowLoop === undefined) return;
          slowLoop.running = false;
          await slowLoop.done;
          slowLoop.client.disconnect();
        },
      },
      {
        name: 'partition: c0 cut off from two replicas, the others reach all',
        quorumStaysReachable: false,
        holdMs: 1_500,
        inject: async () => {
          links(0).cut(1);
          links(0).cut(2);
        },
        heal: async () => links(0).healAll(),
      },
      flappingPartition('flapping partition: c2 (clock 50 ms behind) cut off from two replicas and healed every 250 ms', 2),
      flappingPartition('flapping partition: c1 (clock 50 ms ahead) cut off from two replicas and healed every 250 ms', 1),
      {
        name: 'one way: replies from one replica to c1 dropped',
        quorumStaysReachable: true,
        holdMs: 1_500,
        inject: async () => links(1).dropReplies(0),
        heal: async () => links(1).healAll(),
      },
      {
        name: 'kill two nodes for 1 s (no quorum: writes fail, may still take effect)',
        quorumStaysReachable: false,
        holdMs: 1_000,
        inject: async () => {
          await Promise.all([cluster().nodes[0]!.kill(), cluster().nodes[1]!.kill()]);
        },
        heal: async () => {
          await Promise.all([cluster().nodes[0]!.start(), cluster().nodes[1]!.start()]);
        },
      },
      {
        name: 'clock: a container 3 minutes ahead writes too',
        quorumStaysReachable: true,
        holdMs: 1_500,
        extraCoordinator: { name: 'ahead', skewMs: 3 * 60_000 },
        inject: async () => undefined,
        heal: async () => undefined,
      },
    ];

    it.each(faults.map((fault, index) => [fault.name, fault, index] as const))(
      'keeps every key linearizable under "%s", and the replicas converge',
      (_name, fault, index) => runPhase(stage, fault, index),
      90_000,
    );
  });

  describe('with replicas that are Redis Clusters of 3 masters', () => {
    const stage = useChaosStage('cluster replicas (3 masters each)', { mode: 'cluster' }, false);
    const replica = (index: number): LocalClusterReplica => {
      const node = stage.cluster().nodes[index];
      if (!(node instanceof LocalClusterReplica)) throw new Error(`replica ${index} is not a cluster`);
      return node;
    };

    const faults: Fault[] = [
      {
        name: 'kill one master of one replica (SIGKILL), restart it empty',
        quorumStaysReachable: true,
        holdMs: 1_500,
        // It keeps its slots (no failover), so the other masters redirect them to it, and ioredis follows them to a
        // master that refuses connections until it gives up: the replica misses that command, as it misses any for
        // that master, and the master's breaker soon skips them.
        explainsRoutingError: (error) =>
          new RegExp(`^\\S+: Too many Cluster redirections\\. Last error: ReplyError: MOVED \\d+ 127\\.0\\.0\\.1:${replica(0).masters[0]!.port}$`).test(error),
        inject: () => replica(0).masters[0]!.kill(),
        heal: async () => {
          await replica(0).masters[0]!.restart('empty');
          await replica(0).waitUntilHealthy();
        },
      },
      {
        name: 'pause a whole replica cluster (SIGSTOP on every master) for 2 s',
        quorumStaysReachable: true,
        holdMs: 2_000,
        inject: async () => replica(1).pause(),
        heal: async () => {
          replica(1).resume();
          await replica(1).waitUntilHealthy();
        },
      },
      {
        name: `reshard ${RESHARDED_SLOTS} slots from one master to another in one replica while writes run`,
        quorumStaysReachable: true,
        holdMs: 500,
        // Most keys in the slots that move (redis-cli moves the source's lowest ones), a few elsewhere.
        keys: (prefix) => [...keysInSlots(prefix, 12, (slot) => slot < RESHARDED_SLOTS), `${prefix}-a`, `${prefix}-b`, `${prefix}-c`, `${prefix}-d`],
        inject: async () => {
          const target = replica(2);
          expect((await target.slotsOf(0))[0]?.[0], 'the source master serves the lowest slots').toBe(0);
          await target.reshard(0, 1, RESHARDED_SLOTS);
          expect(await target.slotsOf(1)).toContainEqual([0, RESHARDED_SLOTS - 1]);
        },
        heal: async () => undefined,
      },
      {
        name: 'flush one master of one replica (FLUSHALL), repaired by anti-entropy',
        quorumStaysReachable: true,
        holdMs: 1_000,
        // Keys on the flushed master (the third range of slots) that no client reads: only anti-entropy restores them.
        untouchedKeys: (prefix) => keysInSlots(`${prefix}-untouched`, 8, (slot) => slot >= Math.floor((2 * HASH_SLOTS) / 3)),
        inject: async () => {
          const master = directClient(replica(1).masters[2]!);
          try {
            await master.flushall();
          } finally {
            master.disconnect();
          }
        },
        heal: async () => undefined,
      },
    ];

    it.each(faults.map((fault, index) => [fault.name, fault, index] as const))(
      'keeps every key linearizable under "%s", and the replicas converge',
      (_name, fault, index) => runPhase(stage, fault, index),
      90_000,
    );
  });
});

/** The first `count` keys `<prefix>-s<n>` whose hash slot satisfies `wanted`. */
function keysInSlots(prefix: string, count: number, wanted: (slot: number) => boolean): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n += 1) if (wanted(slotOf(`${prefix}-s${n}`))) keys.push(`${prefix}-s${n}`);
  return keys;
}

function formatSummaries(summaries: readonly PhaseSummary[]): string {
  const header = ['fault', 'ops', 'ok', 'failed', 'unknown', 'checker', 'slowest ms during fault', 'failures during fault', 'races lost', 'picture'];
  const rows = summaries.map((s) => [s.fault, s.operations, s.ok, s.failed, s.unknown, s.verdict, s.slowestMs, s.failuresDuringFault, s.racesLost, s.picture]);
  const total = summaries.reduce((sum, s) => sum + s.operations, 0);
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n') + `\nfaults: ${summaries.length}, operations: ${total}`;
}
