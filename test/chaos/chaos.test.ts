import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator, loadConfig, ReplicaPool } from '../../lib';
import { sleep } from '../support/coordinators';
import { directClient, useRedisCluster } from '../support/redisCluster';
import { divergentKeys, versionsByNode } from '../support/replicaState';
import { Traffic, type WriteRecord } from '../support/traffic';

const NODE_TIMEOUT_MS = 200;
/** "About one node timeout": the timeout plus slack for a shared 2-core machine running client and servers. */
const LATENCY_BOUND_MS = NODE_TIMEOUT_MS + 300;
const KEYS = 40;

/** One fault: how to cause it, how long it lasts, how it heals, and whether a quorum stays reachable meanwhile. */
interface Fault {
  readonly name: string;
  /** True when only one node is affected: then no request may fail or wait past the bound. */
  readonly quorumStaysReachable: boolean;
  readonly holdMs: number;
  inject(): Promise<void>;
  heal(): Promise<void>;
}

/** What one fault phase proved, printed so a reader sees what was checked. */
interface PhaseSummary {
  fault: string;
  operations: number;
  writesAcknowledged: number;
  writesFailed: number;
  readsChecked: number;
  duringFaultMaxMs: number;
  duringFaultFailures: number;
  antiEntropyRepairs: number;
  keysChecked: number;
}

describe('Chaos: faults under a steady mix of writes and reads', () => {
  const cluster = useRedisCluster({ count: 3 });
  const coordinators: Coordinator[] = [];
  let traffic: Traffic;
  const summaries: PhaseSummary[] = [];

  beforeAll(() => {
    // Two coordinators, as two Lambda containers would be, each with its own connections, breakers and clock.
    for (let i = 0; i < 2; i += 1) {
      const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS) });
      coordinators.push(new Coordinator(config, new ReplicaPool(config)));
    }
    traffic = new Traffic(coordinators, KEYS, 3);
  });

  afterAll(async () => {
    await Promise.all(coordinators.map((coordinator) => coordinator.close()));
    console.log(`\nChaos suite: what was proved\n${formatSummaries(summaries)}`);
  });

  let slowLoop: { client: Redis; running: boolean; done: Promise<void> } | undefined;
  const faults: Fault[] = [
    {
      name: 'kill one node, restart it empty',
      quorumStaysReachable: true,
      holdMs: 2_000,
      inject: () => cluster().nodes[0]!.kill(),
      heal: () => cluster().nodes[0]!.restart('empty'),
    },
    {
      name: 'kill one node, restart it with its old data',
      quorumStaysReachable: true,
      holdMs: 2_000,
      inject: () => cluster().nodes[1]!.kill(),
      heal: () => cluster().nodes[1]!.restart('keep'),
    },
    {
      name: 'pause one node (SIGSTOP) for 3 s',
      quorumStaysReachable: true,
      holdMs: 3_000,
      inject: async () => cluster().nodes[2]!.pause(),
      heal: async () => cluster().nodes[2]!.resume(),
    },
    {
      name: 'slow one node (DEBUG SLEEP 0.1 in a loop)',
      quorumStaysReachable: true,
      holdMs: 3_000,
      inject: async () => {
        const client = directClient(cluster().nodes[0]!);
        const loop = { client, running: true, done: Promise.resolve() };
        loop.done = (async () => {
          while (loop.running) await client.call('DEBUG', 'SLEEP', '0.1');
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
      name: 'kill two nodes for 1 s',
      quorumStaysReachable: false,
      holdMs: 1_000,
      inject: async () => {
        await Promise.all([cluster().nodes[0]!.kill(), cluster().nodes[1]!.kill()]);
      },
      heal: async () => {
        await Promise.all([cluster().nodes[0]!.start(), cluster().nodes[1]!.start()]);
      },
    },
  ];

  it.each(faults)(
    'rides through "$name": nothing acknowledged is lost, no rolled-back value is read, replicas converge',
    async (fault) => {
      // Prepare
      const firstWrite = traffic.writes.length;
      const firstRead = traffic.reads.length;
      traffic.start();
      await sleep(500);

      // Act
      const faultStart = performance.now();
      await fault.inject();
      await sleep(fault.holdMs);
      await fault.heal();
      const healed = performance.now();
      await sleep(1_500);
      await traffic.stop();
      const antiEntropy = await coordinators[0]!.antiEntropy({ budgetMs: 60_000, fromStart: true });

      // Assess
      const phaseWrites = traffic.writes.slice(firstWrite);
      const phaseReads = traffic.reads.slice(firstRead);
      const duringFault = [...phaseWrites, ...phaseReads].filter((op) => op.start >= faultStart && op.start <= healed);
      const failuresDuringFault = duringFault.filter((op) => op.outcome !== 'ok');
      const slowest = Math.max(0, ...duringFault.map((op) => op.end - op.start));

      // 4. While one node was down, paused or slow: no request failed (a quorum was reachable) and none waited
      //    longer than about one node timeout. With two nodes down, failures come fast and clearly.
      expect(antiEntropy).toMatchObject({ passComplete: true, unreachable: [] });
      expect(phaseWrites.filter((write) => write.outcome === 'error')).toEqual([]);
      expect(slowest).toBeLessThan(LATENCY_BOUND_MS);
      if (fault.quorumStaysReachable) expect(failuresDuringFault.map((op) => JSON.stringify(op))).toEqual([]);
      else expect(failuresDuringFault.length).toBeGreaterThan(0);

      // 3. All replicas hold identical data: every key's version is the same on every node.
      const perNode = await versionsByNode(cluster());
      expect(divergentKeys(perNode)).toEqual([]);

      // 1. Every acknowledged write is readable with its value or a newer one.
      const byVersion = new Map(traffic.writes.filter((w) => w.version !== undefined).map((w) => [w.version!, w]));
      const newestAcknowledged = new Map<string, WriteRecord>();
      for (const write of traffic.writes) {
        if (write.outcome !== 'ok') continue;
        const known = newestAcknowledged.get(write.key);
        if (known === undefined || write.version! > known.version!) newestAcknowledged.set(write.key, write);
      }
      const stored = await Promise.all(
        [...newestAcknowledged.keys()].map(async (key) => ({ key, entry: await storedEntry(cluster().nodes[0]!, key) })),
      );
      for (const { key, entry } of stored) {
        const acknowledged = newestAcknowledged.get(key)!;
        expect(entry.version >= acknowledged.version!, `${key} lost ${acknowledged.value}`).toBe(true);
        const origin = byVersion.get(entry.version);
        expect(origin?.value, `${key} holds a value no write produced`).toBe(entry.value);
        expect(origin?.outcome, `${key} holds a rolled-back write`).toBe('ok');
      }

      // 2. No read returned a value that was never written, or a rolled-back value after its rollback.
      const writesByValue = traffic.writesByValue();
      for (const read of phaseReads) {
        if (read.outcome !== 'ok' || read.value === null || read.value === undefined) continue;
        const origin = writesByValue.get(read.value);
        expect(origin, `read of ${read.key} returned ${read.value}, never written`).toBeDefined();
        expect(origin!.key).toBe(read.key);
        if (origin!.outcome === 'failed') {
          expect(read.start, `read returned ${read.value} after its rollback`).toBeLessThan(origin!.end);
        }
      }

      summaries.push({
        fault: fault.name,
        operations: phaseWrites.length + phaseReads.length,
        writesAcknowledged: phaseWrites.filter((w) => w.outcome === 'ok').length,
        writesFailed: phaseWrites.filter((w) => w.outcome === 'failed').length,
        readsChecked: phaseReads.filter((r) => r.outcome === 'ok').length,
        duringFaultMaxMs: Math.round(slowest),
        duringFaultFailures: failuresDuringFault.length,
        antiEntropyRepairs: antiEntropy.replicasRepaired + antiEntropy.hintsReplayed,
        keysChecked: stored.length,
      });
    },
    60_000,
  );
});

async function storedEntry(node: Parameters<typeof directClient>[0], key: string): Promise<{ value: string; version: string }> {
  const client = directClient(node);
  try {
    const fields = await client.hgetall(key);
    return { value: fields.value ?? '', version: fields.version ?? '' };
  } finally {
    client.disconnect();
  }
}

function formatSummaries(summaries: readonly PhaseSummary[]): string {
  const header = ['fault', 'ops', 'acked writes', 'failed writes', 'reads checked', 'max ms during fault', 'failures during fault', 'anti-entropy repairs', 'keys checked'];
  const rows = summaries.map((s) => [
    s.fault,
    s.operations,
    s.writesAcknowledged,
    s.writesFailed,
    s.readsChecked,
    s.duringFaultMaxMs,
    s.duringFaultFailures,
    s.antiEntropyRepairs,
    s.keysChecked,
  ]);
  const total = summaries.reduce((sum, s) => sum + s.operations, 0);
  return [header, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n') + `\nfaults: ${summaries.length}, operations: ${total}`;
}
