/**
 * `npx tsx scripts/clusterAutoPipelining.ts [--rounds=3] [--writers=16] [--slots=1000] [--ops=1000]`: decides by
 * measurement whether ioredis' auto-pipelining should be on for cluster replicas (`clusterAutoPipelining`).
 *
 * Starts three local cluster replicas of 3 masters each. Each round, for auto-pipelining off and on in turn (the
 * order alternating), one coordinator writes at quorum from `--writers` concurrent loops over keys in the lowest
 * `--slots` slots while `redis-cli --cluster reshard` moves those slots between two masters in two of the replicas
 * at once (so a write can miss its quorum), and counts writes that failed, and replica errors in every write's
 * final report, by their first word. Then, with no migration, the latency of a quorum write and a level-`one` read
 * at one in flight, interleaved in blocks of `--ops`.
 */
import { parseArgs } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { Coordinator, loadConfig, ReplicaPool, type CoordinatorConfig, type ReplicaReport } from '../lib';
import { LocalRedisCluster } from '../tools/localCluster';
import { LocalClusterReplica } from '../tools/localClusterReplica';

const NODE_TIMEOUT_MS = 300;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    writers: { type: 'string', default: '16' },
    slots: { type: 'string', default: '1000' },
    ops: { type: 'string', default: '1000' },
  },
});
const rounds = Number(values.rounds);
const writers = Number(values.writers);
const slots = Number(values.slots);
const opsPerBlock = Number(values.ops);

/** What one setting saw while slots moved: writes, failed writes, and replica errors by their first word. */
interface ReshardTally {
  writes: number;
  failed: number;
  failures: Map<string, number>;
  writesWithReplicaError: number;
  replicaErrors: Map<string, number>;
  reshardMs: number;
}

function newTally(): ReshardTally {
  return { writes: 0, failed: 0, failures: new Map(), writesWithReplicaError: 0, replicaErrors: new Map(), reshardMs: 0 };
}

function coordinatorWith(cluster: LocalRedisCluster, autoPipelining: boolean): Coordinator {
  const config: CoordinatorConfig & { clusterAutoPipelining: boolean } = {
    ...loadConfig({ REDIS_NODES: cluster.redisNodes, NODE_TIMEOUT_MS: String(NODE_TIMEOUT_MS) }),
    clusterAutoPipelining: autoPipelining,
  };
  return new Coordinator(config, new ReplicaPool(config));
}

/** Counts a replica error under a short label: the Redis error's first word, or what an ioredis or pool message says. */
function count(map: Map<string, number>, message: string): void {
  const label = message.startsWith('Too many Cluster redirections')
    ? 'too many redirections'
    : message.startsWith('All the keys in a pipeline') || message.startsWith('All keys in the pipeline')
      ? 'batch across slots or masters (ioredis)'
      : message.startsWith('circuit open')
        ? 'breaker open'
        : (message.split(' ')[0] ?? message);
  map.set(label, (map.get(label) ?? 0) + 1);
}

/** Writes from `writers` loops while `move` runs, then 100 ms more. */
async function writeWhileResharding(coordinator: Coordinator, keys: readonly string[], move: () => Promise<void>, tally: ReshardTally): Promise<void> {
  let running = true;
  const settling: Promise<unknown>[] = [];
  const loop = async (writer: number): Promise<void> => {
    for (let n = 0; running; n += 1) {
      const key = keys[Math.floor(Math.random() * keys.length)]!;
      tally.writes += 1;
      try {
        const result = await coordinator.set(key, `w${writer}-${n}`, { consistency: 'quorum' });
        settling.push(result.settled.then((reports: readonly ReplicaReport[]) => {
          const errors = reports.filter((report) => report.error !== undefined);
          if (errors.length > 0) tally.writesWithReplicaError += 1;
          for (const report of errors) count(tally.replicaErrors, report.error!);
        }));
      } catch (error) {
        tally.failed += 1;
        count(tally.failures, (error as Error).name);
        for (const report of (error as { replicas?: readonly ReplicaReport[] }).replicas ?? []) {
          if (report.error !== undefined) count(tally.replicaErrors, report.error);
        }
      }
    }
  };
  const loops = Array.from({ length: writers }, (_, writer) => loop(writer));
  const started = performance.now();
  await move();
  tally.reshardMs += performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 100));
  running = false;
  await Promise.all(loops);
  await Promise.all(settling);
}

/** Resolves once a write reaches every replica (at most 10 s). */
async function untilEveryReplicaAcknowledges(coordinator: Coordinator, key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await coordinator.set(key, 'probe', { consistency: 'all' });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Microseconds of each of `ops` sequential calls. */
async function oneInFlight(ops: number, call: (n: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let n = 0; n < ops; n += 1) {
    const started = performance.now();
    await call(n);
    samples.push((performance.now() - started) * 1000);
  }
  return samples;
}

function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function formatMap(map: Map<string, number>): string {
  return [...map].map(([word, n]) => `${word} ${n}`).join(', ') || '-';
}

async function main(): Promise<void> {
  const cluster = await LocalRedisCluster.start({ mode: 'cluster', appendOnly: false });
  try {
    const replicas = cluster.nodes.filter((node): node is LocalClusterReplica => node instanceof LocalClusterReplica);
    const keys: string[] = [];
    for (let n = 0; keys.length < 1_000; n += 1) if (calculateSlot(`k${n}`) < slots) keys.push(`k${n}`);
    const tallies = { off: newTally(), on: newTally() };
    const latency = { off: { set: [] as number[], get: [] as number[] }, on: { set: [] as number[], get: [] as number[] } };
    // The moved slots go back and forth between masters 0 and 1: redis-cli takes the source's lowest slots.
    let direction: [number, number] = [0, 1];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      for (const setting of order) {
        const coordinator = coordinatorWith(cluster, setting === 'on');
        try {
          await coordinator.whenClockCalibrated();
          const [from, to] = direction;
          await writeWhileResharding(coordinator, keys, async () => {
            await Promise.all(replicas.slice(0, 2).map((replica) => replica.reshard(from, to, slots)));
          }, tallies[setting]);
          direction = [to, from];
          // Breakers opened by the migration's errors close again before the latency is measured.
          await untilEveryReplicaAcknowledges(coordinator, keys[0]!);
          latency[setting].set.push(...(await oneInFlight(opsPerBlock, (n) => coordinator.set(keys[n % keys.length]!, `l${n}`, { consistency: 'quorum' }))));
          latency[setting].get.push(...(await oneInFlight(opsPerBlock, (n) => coordinator.get(keys[n % keys.length]!, { consistency: 'one' }))));
        } finally {
          await coordinator.close();
        }
        console.error(`[round ${round + 1}/${rounds}] auto-pipelining ${setting} done`);
      }
    }
    console.log(`Resharding ${slots} slots in 2 of 3 replicas at once, ${writers} concurrent quorum writers, ${rounds} rounds per setting:`);
    console.log('| auto-pipelining | writes | failed (missed quorum) | writes with a replica error | replica errors | reshard s |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const setting of ['off', 'on'] as const) {
      const t = tallies[setting];
      console.log(`| ${setting} | ${t.writes} | ${t.failed} (${formatMap(t.failures)}) | ${t.writesWithReplicaError} | ${formatMap(t.replicaErrors)} | ${(t.reshardMs / 1000).toFixed(1)} |`);
    }
    console.log(`\nOne in flight, no migration, ${rounds} x ${opsPerBlock} calls each (µs):`);
    console.log('| auto-pipelining | quorum write p50 | p99 | level-one read p50 | p99 |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const setting of ['off', 'on'] as const) {
      const { set, get } = latency[setting];
      console.log(`| ${setting} | ${quantile(set, 0.5).toFixed(0)} | ${quantile(set, 0.99).toFixed(0)} | ${quantile(get, 0.5).toFixed(0)} | ${quantile(get, 0.99).toFixed(0)} |`);
    }
  } finally {
    await cluster.stop();
  }
}

void main();
