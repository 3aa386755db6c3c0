import { Coordinator, loadConfig } from '../../../lib';
import { LocalRedisCluster } from '../../../tools/localCluster';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { compareInterleaved, type Variant } from '../loop';
import { rowsFrom, type Row } from '../results';
import { mastersOfRun, ServerWatch, type ConnectionCount, type IdleCpu, type MasterRef, type ServerLoad } from '../serverLoad';
import { rowSelected } from '../settings';
import { populate } from '../workload';
import { CONCURRENCIES } from './coordinator';

/** What a replica is in this scenario's variants. */
export type Mode = 'standalone' | 'cluster';
/** Masters of each cluster replica. */
export const MASTERS_PER_REPLICA = 3;
/** Variant: the coordinator over three standalone replicas (the run's trio); the baseline of each group. */
export const STANDALONE = 'standalone replicas';
/** Variant: the same coordinator over three cluster replicas of {@link MASTERS_PER_REPLICA} masters each. */
export const CLUSTER = `cluster replicas (${MASTERS_PER_REPLICA} masters each)`;
/** How long each mode's servers are watched with no load, for their idle CPU time. */
const IDLE_MS = 1_000;
const VARIANT_OF: Record<Mode, string> = { standalone: STANDALONE, cluster: CLUSTER };

/** The main rows measured in both modes: the quorum write, the first-response read and the quorum read. */
const OPERATIONS = [
  { label: 'quorum write', run: (c: Coordinator, key: string, value: string) => c.set(key, value) },
  { label: 'first-response read', run: (c: Coordinator, key: string) => c.get(key) },
  { label: 'quorum read', run: (c: Coordinator, key: string) => c.get(key, { consistency: 'quorum' }) },
] as const;

/** The results table's group for one of the main operations, compared across modes, at a concurrency. */
export function modesGroup(operation: string, concurrency: number): string {
  return `by mode: ${operation}, ${concurrency} in flight`;
}

/** One mode's replicas, its coordinator and the watcher of its servers. */
interface Side {
  readonly mode: Mode;
  readonly coordinator: Coordinator;
  readonly watch: ServerWatch;
}

/**
 * Scenario 6: the main write and read rows (quorum write, first-response read, quorum read; 1 and 64 in flight),
 * measured in one run against the run's three standalone replicas and against three cluster replicas of three
 * masters each, interleaved. Beside the client's figures it reads every Redis server's `INFO commandstats` and
 * `INFO cpu` before and after each comparison, for the server cost per operation on each master and the way the
 * calls divide over a replica's masters. First, in each mode, it counts the connections one new coordinator opens
 * on each server (`connected_clients`) after one write and one read, and after writes that reached every master.
 */
export async function modesScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, work } = context;
  context.log(`by mode: starting 3 cluster replicas of ${MASTERS_PER_REPLICA} masters`);
  const clusters = await LocalRedisCluster.start({ mode: 'cluster', mastersPerReplica: MASTERS_PER_REPLICA, appendOnly: false });
  const sides: Side[] = [];
  const connections: ConnectionCount[] = [];
  const idleCpu: IdleCpu[] = [];
  try {
    for (const [mode, trio] of [['standalone', context.cluster], ['cluster', clusters]] as const) {
      const watch = new ServerWatch(mastersOfRun(trio));
      const idle = await watch.settledClients();
      const coordinator = new Coordinator(loadConfig({ ...coordinatorEnv(context), REDIS_NODES: trio.redisNodes }));
      sides.push({ mode, coordinator, watch });
      await coordinator.set(work.key(0), work.value);
      await coordinator.get(work.key(0));
      connections.push(countOf(mode, 'one write and one read', watch.masters, idle, await watch.settledClients()));
      await populate(work.keys, (key) => coordinator.set(key, work.value));
      await populate(work.keys, (key) => coordinator.get(key));
      connections.push(countOf(mode, `${work.keys.length} writes and reads (every master reached)`, watch.masters, idle, await watch.settledClients()));
      const cpu = await watch.idleCpu(IDLE_MS);
      idleCpu.push({ mode, masters: watch.masters.map((master, i) => ({ ...master, cpuUsPerS: cpu[i]! })) });
    }

    const rows: Row[] = [];
    const serverLoad: ServerLoad[] = [];
    for (const concurrency of CONCURRENCIES) {
      for (const operation of OPERATIONS) {
        const group = modesGroup(operation.label, concurrency);
        if (!rowSelected(settings, group)) continue;
        const issued = new Map<Mode, number>(sides.map((side) => [side.mode, 0]));
        const variants: Variant[] = sides.map((side) => ({
          name: VARIANT_OF[side.mode],
          operation: (i) => {
            issued.set(side.mode, issued.get(side.mode)! + 1);
            return operation.run(side.coordinator, work.key(i), work.value);
          },
        }));
        context.log(`by mode: ${operation.label} at ${concurrency} in flight`);
        const before = await Promise.all(sides.map((side) => side.watch.snapshot()));
        const results = await compareInterleaved(variants, { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs, rounds: settings.rounds });
        const after = await Promise.all(sides.map((side) => side.watch.snapshot()));
        rows.push(...rowsFrom('modes', group, results, STANDALONE));
        sides.forEach((side, i) => {
          serverLoad.push({
            group,
            name: VARIANT_OF[side.mode],
            mode: side.mode,
            clientOps: issued.get(side.mode)!,
            masters: ServerWatch.load(side.watch.masters, before[i]!, after[i]!),
            commands: ServerWatch.commands(before[i]!, after[i]!),
            work: ServerWatch.work(before[i]!, after[i]!, issued.get(side.mode)!),
          });
        });
      }
    }
    return { rows, serverLoad, connections, idleCpu };
  } finally {
    for (const side of sides) {
      await side.coordinator.close();
      side.watch.close();
    }
    await clusters.stop();
  }
}

function countOf(mode: Mode, after: string, masters: readonly MasterRef[], idle: readonly number[], now: readonly number[]): ConnectionCount {
  return { mode, after, masters: masters.map((master, i) => ({ ...master, connections: now[i]! - idle[i]! })) };
}
