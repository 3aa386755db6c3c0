import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Coordinator, loadConfig } from '../../../lib';
import { LatencyHistogram } from '../../../tools/latencyHistogram';
import { startServerlessOffline } from '../../../tools/serverlessOffline';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import type { VariantResult } from '../loop';
import { rowsFrom, type Row } from '../results';
import { mastersOfRun, ServerWatch } from '../serverLoad';
import { populate } from '../workload';

/** HTTP connections kept open by the load generator. */
export const HTTP_CONNECTIONS = [1, 16] as const;
/** The seed coordinator's measured HTTP figures, the targets the README's table compares with. */
export const SEED = { set16: 779, get16: 586, set1: 1015, get1: 279, getP90Ms1: 11.7 } as const;

/** Variant: a trivial handler served by the same offline process: the service's 404 route, which touches no Redis. */
export const TRIVIAL = 'trivial handler (404 route)';
/** Variant: the same trivial handler sent what `POST /set` is sent (method, headers, body), for the write's ratio. */
export const TRIVIAL_POST = 'trivial handler, POST with a body';
/** Variant names of the two data routes. */
export const HTTP_SET = 'POST /set';
export const HTTP_GET = 'GET /get';

/** The results table's group for HTTP at a number of connections. */
export function httpGroup(connections: number): string {
  return `HTTP, ${connections} connection${connections === 1 ? '' : 's'}`;
}

/**
 * Scenario 3: HTTP through `serverless offline` (started on free ports for this run) with autocannon at 1 and 16
 * connections: `POST /set`, `GET /get`, and a trivial handler served by the same offline process (the 404 route,
 * which answers without Redis; sent a GET, and a POST with the body `POST /set` gets), interleaved in rounds like
 * the in-process comparisons. The trivial handler is the baseline: what the emulator costs on its own, so the ratios are quorum-kv's cost, not serverless offline's. Every
 * response latency is recorded into our own histogram (autocannon rounds to whole milliseconds); any status but the
 * expected one counts as an error.
 */
export async function httpScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, work } = context;
  const seeder = new Coordinator(loadConfig(coordinatorEnv(context)));
  try {
    await populate(work.keys, (key) => seeder.set(key, work.value));
  } finally {
    await seeder.close();
  }
  context.log('http: starting serverless offline');
  const offline = await startServerlessOffline(coordinatorEnv(context));
  // The CPU each request costs in every process on the machine (the offline process with its handlers, the Redis
  // servers, this process's load generator): at 16 connections they share the cores, so req/s follows their sum.
  const watch = new ServerWatch(mastersOfRun(context.cluster));
  try {
    const bodies = work.keys.map((key) => JSON.stringify({ key, value: work.value }));
    // The same POST for the write and for the trivial handler it is compared with.
    const postBody = (path: string, i: number): autocannon.Request => ({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', 'x-api-key': offline.apiKey },
      body: bodies[i % bodies.length]!,
    });
    const variants: HttpVariant[] = [
      { name: TRIVIAL, status: 404, request: () => ({ method: 'GET', path: '/bench/trivial', headers: { 'x-api-key': offline.apiKey } }) },
      { name: TRIVIAL_POST, status: 404, request: (i) => postBody('/bench/trivial', i) },
      { name: HTTP_SET, status: 200, request: (i) => postBody('/set', i) },
      { name: HTTP_GET, status: 200, request: (i) => ({ method: 'GET', path: `/get?key=${encodeURIComponent(work.key(i))}`, headers: { 'x-api-key': offline.apiKey } }) },
    ];
    const rows: Row[] = [];
    for (const connections of HTTP_CONNECTIONS) {
      context.log(`http: ${variants.map((variant) => variant.name).join(', ')} at ${connections} connection(s)`);
      const totals = variants.map(() => ({
        ok: 0,
        errors: 0,
        elapsedMs: 0,
        latency: new LatencyHistogram(),
        firstError: undefined as string | undefined,
        cpu: { offlineUs: 0, redisUs: 0, generatorUs: 0 },
      }));
      for (const variant of variants) await load(offline.baseUrl, connections, settings.warmupMs, variant, new LatencyHistogram());
      const slice = settings.durationMs / settings.rounds;
      for (let round = 0; round < settings.rounds; round += 1) {
        for (let k = 0; k < variants.length; k += 1) {
          const index = (round + k) % variants.length;
          const total = totals[index]!;
          const before = await cpuNow(offline.pid, watch);
          const run = await load(offline.baseUrl, connections, slice, variants[index]!, total.latency);
          const after = await cpuNow(offline.pid, watch);
          total.cpu.offlineUs += after.offlineUs - before.offlineUs;
          total.cpu.redisUs += after.redisUs - before.redisUs;
          total.cpu.generatorUs += after.generatorUs - before.generatorUs;
          total.ok += run.ok;
          total.errors += run.errors;
          total.elapsedMs += run.elapsedMs;
          total.firstError ??= run.firstError;
        }
      }
      const results: VariantResult[] = variants.map((variant, index) => {
        const total = totals[index]!;
        return {
          name: variant.name,
          concurrency: connections,
          opsPerSec: (total.ok / total.elapsedMs) * 1_000,
          errors: total.errors,
          latency: total.latency,
          cpuUsPerOp: total.cpu.offlineUs / Math.max(1, total.ok),
          ...(total.firstError === undefined ? {} : { firstError: total.firstError }),
        };
      });
      const seed: Record<string, string> = connections === 16 ? { [HTTP_SET]: `seed (Flask): ${SEED.set16} req/s; `, [HTTP_GET]: `seed (Flask): ${SEED.get16} req/s; ` } : {};
      const notes: Record<string, string> = {};
      variants.forEach((variant, index) => {
        const { ok, cpu, firstError } = totals[index]!;
        const perRequest = (us: number): string => `${(us / Math.max(1, ok)).toFixed(0)} µs`;
        notes[variant.name] =
          `${seed[variant.name] ?? ''}CPU per request: offline ${perRequest(cpu.offlineUs)}, Redis servers ${perRequest(cpu.redisUs)}, load generator ${perRequest(cpu.generatorUs)}${firstError === undefined ? '' : `; first error: ${firstError}`}`;
      });
      rows.push(...rowsFrom('http', httpGroup(connections), results, TRIVIAL, notes));
    }
    return { rows };
  } finally {
    watch.close();
    await offline.stop();
  }
}

/** CPU time so far (µs): of the offline process (`/proc/<pid>/stat`), of every Redis server, of this process. */
async function cpuNow(offlinePid: number, watch: ServerWatch): Promise<{ offlineUs: number; redisUs: number; generatorUs: number }> {
  const servers = await watch.snapshot();
  const usage = process.cpuUsage();
  return {
    offlineUs: processCpuUs(offlinePid),
    redisUs: servers.reduce((sum, server) => sum + server.cpuUs, 0),
    generatorUs: usage.user + usage.system,
  };
}

/** User + system CPU time of a process (µs), from `/proc/<pid>/stat` (clock ticks of 10 ms). */
function processCpuUs(pid: number): number {
  // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_S;
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_S = 100;

/** One HTTP request kind under load, and the status that counts as success. */
interface HttpVariant {
  readonly name: string;
  readonly status: number;
  readonly request: (i: number) => autocannon.Request;
}

/** One autocannon run; its latencies go to `latency`, its responses with the expected status count as operations. */
async function load(
  baseUrl: string,
  connections: number,
  durationMs: number,
  variant: HttpVariant,
  latency: LatencyHistogram,
): Promise<{ ok: number; errors: number; elapsedMs: number; firstError?: string }> {
  let issued = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  let finish: (error: Error | null, result: autocannon.Result) => void = () => {};
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error === null || error === undefined ? resolve(result) : reject(error));
  });
  const instance = autocannon(
    {
      url: baseUrl,
      connections,
      pipelining: 1,
      duration: durationMs / 1_000,
      timeout: 10,
      requests: [{ setupRequest: (req) => ({ ...req, ...variant.request(issued++) }) }],
    },
    (error, result) => finish(error, result),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === variant.status) {
      ok += 1;
      latency.recordMs(responseTime);
    } else {
      errors += 1;
      firstError ??= `HTTP ${statusCode}`;
    }
  });
  const result = await done;
  const elapsedMs = performance.now() - started;
  errors += result.errors + result.timeouts;
  return { ok, errors, elapsedMs, ...(firstError === undefined ? {} : { firstError }) };
}
