/**
 * `node --cpu-prof --import tsx scripts/profileWriteLoop.ts [--variant=script] [--ops=20000] [--pipelining=off]
 * [--rounds=1]`: one write at a time, for a CPU profile of the client side of a write on its own (`--cpu-prof`), on
 * three local standalone replicas. Prints the process's CPU time and the latency per write.
 *
 * Variants: `set` (a plain `SET` to the three replicas, answered at two, as the bench's bare fan-out), `script` (the
 * coordinator's apply script, `applyEntry`, the same way), `script-ioredis` (the same script through ioredis' own
 * script command, `defineCommand`), `coordinator` (`Coordinator.set`). Several, comma-separated, run interleaved in
 * `--rounds` blocks of `--ops` writes each, in a rotating order.
 */
import './bench/silentLogs';
import { parseArgs } from 'node:util';
import { applyEntry, Coordinator, encodeEntry, HybridLogicalClock, loadConfig, ReplicaPool } from '../lib';
import { LocalRedisCluster } from '../tools/localCluster';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'script' },
    ops: { type: 'string', default: '20000' },
    pipelining: { type: 'string', default: 'off' },
    rounds: { type: 'string', default: '1' },
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
  for (const client of clients) client.defineCommand('applyViaScript', { numberOfKeys: 1, lua: client.applyScript.lua });
  const viaScript = clients as unknown as { applyViaScript(key: string, entry: string, removeAt: string): Promise<unknown> }[];
  const write: Record<string, (i: number) => Promise<unknown>> = {
    set: (i) => quorumOf(clients.map((client) => client.set(`set-${i % 1000}`, value)), 2),
    script: (i) => {
      const entry = { version: clock.next(), value };
      return quorumOf(clients.map((client) => applyEntry(client, `script-${i % 1000}`, entry, config.tombstoneGraceMs)), 2);
    },
    'script-ioredis': (i) => {
      const entry = encodeEntry({ version: clock.next(), value });
      return quorumOf(viaScript.map((client) => client.applyViaScript(`script-${i % 1000}`, entry, '')), 2);
    },
    coordinator: (i) => coordinator.set(`coordinator-${i % 1000}`, value),
  };
  const names = values.variant.split(',');
  for (const name of names) if (write[name] === undefined) throw new Error(`--variant must be among ${Object.keys(write).join(', ')}`);
  const rounds = Number(values.rounds);
  const totals = new Map(names.map((name) => [name, { cpuUs: 0, ms: 0, samples: [] as number[] }]));
  try {
    for (const name of names) for (let i = 0; i < 2_000; i += 1) await write[name]!(i);
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < names.length; k += 1) {
        const name = names[(round + k) % names.length]!;
        const run = write[name]!;
        const total = totals.get(name)!;
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let i = 0; i < ops; i += 1) {
          const before = performance.now();
          await run(i);
          total.samples.push(performance.now() - before);
        }
        total.ms += performance.now() - started;
        const used = process.cpuUsage(cpu);
        total.cpuUs += used.user + used.system;
      }
    }
    for (const [name, total] of totals) {
      const count = total.samples.length;
      const sorted = total.samples.sort((a, b) => a - b);
      console.log(
        `${name}, auto-pipelining ${values.pipelining}: ${count} writes, CPU ${(total.cpuUs / count).toFixed(1)} µs/write, ` +
          `p50 ${(sorted[Math.floor(count / 2)]! * 1000).toFixed(0)} µs, ${((count / total.ms) * 1000).toFixed(0)} writes/s`,
      );
    }
  } finally {
    await coordinator.close();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
