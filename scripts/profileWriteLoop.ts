/**
 * `node --cpu-prof --import tsx scripts/profileWriteLoop.ts [--variant=script] [--ops=20000] [--pipelining=off]`: one
 * write at a time, for a CPU profile of the client side of a write on its own (`--cpu-prof`), on three local
 * standalone replicas. Prints the process's CPU time and the latency per write.
 *
 * Variants: `set` (a plain `SET` to the three replicas, answered at two, as the bench's bare fan-out), `script` (the
 * coordinator's apply script, `applyEntry`, the same way), `coordinator` (`Coordinator.set`).
 */
import './bench/silentLogs';
import { parseArgs } from 'node:util';
import { applyEntry, Coordinator, HybridLogicalClock, loadConfig, ReplicaPool } from '../lib';
import { LocalRedisCluster } from '../tools/localCluster';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'script' },
    ops: { type: 'string', default: '20000' },
    pipelining: { type: 'string', default: 'off' },
  },
});
const ops = Number(values.ops);

/** Resolves once `quorum` of `calls` have resolved. */
function quorumOf(calls: readonly Promise<unknown>[], quorum: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let acknowledged = 0;
    let failed = 0;
    for (const call of calls) {
      call.then(
        () => {
          acknowledged += 1;
          if (acknowledged === quorum) resolve();
        },
        (error: unknown) => {
          failed += 1;
          if (failed > calls.length - quorum) reject(error);
        },
      );
    }
  });
}

async function main(): Promise<void> {
  const cluster = await LocalRedisCluster.start({ count: 3, appendOnly: false });
  const config = loadConfig({ REDIS_NODES: cluster.redisNodes, REDIS_AUTO_PIPELINING: String(values.pipelining === 'on') });
  const pool = new ReplicaPool(config);
  const coordinator = new Coordinator(config, pool);
  const clock = new HybridLogicalClock();
  const value = 'v'.repeat(64);
  const clients = pool.replicas.map((replica) => replica.client);
  const write: Record<string, (i: number) => Promise<unknown>> = {
    set: (i) => quorumOf(clients.map((client) => client.set(`set-${i % 1000}`, value)), 2),
    script: (i) => {
      const entry = { version: clock.next(), value };
      return quorumOf(clients.map((client) => applyEntry(client, `script-${i % 1000}`, entry, config.tombstoneGraceMs)), 2);
    },
    coordinator: (i) => coordinator.set(`coordinator-${i % 1000}`, value),
  };
  const run = write[values.variant];
  if (run === undefined) throw new Error(`--variant must be one of ${Object.keys(write).join(', ')}`);
  try {
    for (let i = 0; i < 2_000; i += 1) await run(i);
    const samples = new Float64Array(ops);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < ops; i += 1) {
      const before = performance.now();
      await run(i);
      samples[i] = performance.now() - before;
    }
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpu);
    samples.sort();
    console.log(
      `${values.variant}, auto-pipelining ${values.pipelining}: ${ops} writes, CPU ${((used.user + used.system) / ops).toFixed(1)} µs/write, ` +
        `p50 ${(samples[Math.floor(ops / 2)]! * 1000).toFixed(0)} µs, ${((ops / elapsed) * 1000).toFixed(0)} writes/s`,
    );
  } finally {
    await coordinator.close();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
