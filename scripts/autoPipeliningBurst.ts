/**
 * `npx tsx scripts/autoPipeliningBurst.ts [--rounds=3] [--burst=300] [--timeout=200] [--fresh=true] [--only=off|on]`: what a burst
 * of concurrent quorum writes through one coordinator meets with ioredis' auto-pipelining off and on
 * (`REDIS_AUTO_PIPELINING`), on three local standalone replicas.
 *
 * Each round, for off and on in turn (the order alternating), a coordinator (new, as the anti-entropy tests' writer
 * is, unless `--fresh=false`) issues `--burst` writes at once and waits for every write to settle. It counts the
 * writes that missed their quorum, and every replica call's outcome and error message from each write's final
 * report; it samples the event loop's delay (`monitorEventLoopDelay`) and reports how long the burst took and when
 * the first replica answer arrived.
 */
import './bench/silentLogs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Coordinator, loadConfig, ReplicaPool, type ReplicaClient, type ReplicaReport } from '../lib';
import { LocalRedisCluster } from '../tools/localCluster';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    burst: { type: 'string', default: '300' },
    timeout: { type: 'string', default: '200' },
    fresh: { type: 'string', default: 'true' },
    only: { type: 'string', default: '' },
  },
});
const rounds = Number(values.rounds);
const burst = Number(values.burst);
const nodeTimeoutMs = Number(values.timeout);
const fresh = values.fresh !== 'false';
const only = values.only === 'on' ? [true] : values.only === 'off' ? [false] : undefined;

/** What one burst saw. */
interface BurstTally {
  readonly setting: string;
  writes: number;
  missedQuorum: number;
  outcomes: Map<string, number>;
  errors: Map<string, number>;
  burstMs: number;
  loopDelayMaxMs: number;
  /** Latest `ms` of any acknowledged replica call: how long the slowest answer waited. */
  slowestAckMs: number;
  /** Shortest and longest `ms` of a call that timed out: how long after its issue the timeout fired. */
  timeoutMs: [number, number];
  /** Rejections by ioredis' own `commandTimeout` ("Command timed out"), counted on the clients. */
  ioredisTimeouts: number;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function coordinatorFor(cluster: LocalRedisCluster, autoPipelining: boolean): Coordinator {
  const config = loadConfig({
    REDIS_NODES: cluster.redisNodes,
    NODE_TIMEOUT_MS: String(nodeTimeoutMs),
    REDIS_AUTO_PIPELINING: String(autoPipelining),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const pool = new CountingPool(config);
  return new Coordinator(config, pool);
}

/** ioredis' commandTimeout rejections since the counter was last reset. */
const ioredisTimeouts = { count: 0 };

/** A pool that counts the calls ioredis' own commandTimeout rejected (its reports show every timeout alike). */
class CountingPool extends ReplicaPool {
  override call<T>(replica: Parameters<ReplicaPool['call']>[0], command: (client: ReplicaClient) => Promise<T>, options?: Parameters<ReplicaPool['call']>[2]) {
    return super.call(
      replica,
      (client) =>
        command(client).catch((error: unknown) => {
          if ((error as Error).message === 'Command timed out') ioredisTimeouts.count += 1;
          throw error;
        }),
      options,
    );
  }
}

async function oneBurst(coordinator: Coordinator, setting: string, round: number): Promise<BurstTally> {
  const tally: BurstTally = { setting, writes: burst, missedQuorum: 0, outcomes: new Map(), errors: new Map(), burstMs: 0, loopDelayMaxMs: 0, slowestAckMs: 0, timeoutMs: [Infinity, 0], ioredisTimeouts: 0 };
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  ioredisTimeouts.count = 0;
  const started = performance.now();
  const record = (reports: readonly ReplicaReport[]): void => {
    for (const report of reports) {
      bump(tally.outcomes, report.outcome);
      if (report.error !== undefined) bump(tally.errors, report.error);
      if (report.outcome === 'applied') tally.slowestAckMs = Math.max(tally.slowestAckMs, report.ms);
      if (report.outcome === 'timeout') tally.timeoutMs = [Math.min(tally.timeoutMs[0], report.ms), Math.max(tally.timeoutMs[1], report.ms)];
    }
  };
  await Promise.all(
    Array.from({ length: burst }, async (_, i) => {
      try {
        const result = await coordinator.set(`burst-${round}-${i}`, `value-${i}`);
        record(await result.settled);
      } catch (error) {
        tally.missedQuorum += 1;
        record((error as { replicas?: readonly ReplicaReport[] }).replicas ?? []);
      }
    }),
  );
  tally.burstMs = performance.now() - started;
  // ioredis rejects after the write has settled (its reply promise outlives the pool's deadline).
  await new Promise((resolve) => setTimeout(resolve, nodeTimeoutMs));
  tally.ioredisTimeouts = ioredisTimeouts.count;
  delay.disable();
  tally.loopDelayMaxMs = delay.max / 1e6;
  return tally;
}

function format(map: Map<string, number>): string {
  return [...map].map(([key, n]) => `${key} ${n}`).join(', ') || '-';
}

async function main(): Promise<void> {
  const cluster = await LocalRedisCluster.start({ count: 3, appendOnly: false });
  const tallies: BurstTally[] = [];
  const kept = new Map<boolean, Coordinator>();
  try {
    for (let round = 0; round < rounds; round += 1) {
      const order = only ?? (round % 2 === 0 ? [false, true] : [true, false]);
      for (const autoPipelining of order) {
        let coordinator = kept.get(autoPipelining);
        if (coordinator === undefined || fresh) {
          coordinator = coordinatorFor(cluster, autoPipelining);
          if (!fresh) {
            kept.set(autoPipelining, coordinator);
            await coordinator.set('warm', 'up');
          }
        }
        const tally = await oneBurst(coordinator, autoPipelining ? 'on' : 'off', round);
        tallies.push(tally);
        if (fresh) await coordinator.close();
        console.error(`[round ${round + 1}/${rounds}] auto-pipelining ${tally.setting}: ${tally.missedQuorum} missed quorum, ${tally.burstMs.toFixed(0)} ms`);
      }
    }
  } finally {
    for (const coordinator of kept.values()) await coordinator.close();
    await cluster.stop();
  }
  console.log(`burst ${burst} writes, NODE_TIMEOUT_MS ${nodeTimeoutMs}, ${fresh ? 'a new coordinator per burst' : 'one warm coordinator per setting'}`);
  console.log('| auto-pipelining | round | missed quorum | replica outcomes | replica errors | burst ms | slowest ack ms | ms of the timed-out calls | of them rejected by ioredis commandTimeout | event-loop delay max ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  tallies.forEach((t, i) => {
    console.log(`| ${t.setting} | ${Math.floor(i / 2) + 1} | ${t.missedQuorum} | ${format(t.outcomes)} | ${format(t.errors)} | ${t.burstMs.toFixed(0)} | ${t.slowestAckMs.toFixed(1)} | ${t.timeoutMs[1] === 0 ? '-' : `${t.timeoutMs[0].toFixed(0)}-${t.timeoutMs[1].toFixed(0)}`} | ${t.ioredisTimeouts} | ${t.loopDelayMaxMs.toFixed(1)} |`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
