import autocannon from 'autocannon';
import { Coordinator, loadConfig } from '../../../lib';
import { startServerlessOffline } from '../../serverlessOffline';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { LatencyHistogram } from '../histogram';
import type { VariantResult } from '../loop';
import { rowsFrom, type Row } from '../results';
import { populate } from '../workload';

/** HTTP connections kept open by the load generator. */
export const HTTP_CONNECTIONS = [1, 16] as const;
/** The seed coordinator's measured HTTP figures, the targets the README's table compares with. */
export const SEED = { set16: 779, get16: 586, set1: 1015, get1: 279, getP90Ms1: 11.7 } as const;

/** The results table's group for an HTTP operation. */
export function httpGroup(operation: 'set' | 'get'): string {
  return `HTTP ${operation === 'set' ? 'POST /set' : 'GET /get'}`;
}

/**
 * Scenario 3: HTTP through `serverless offline` (started on free ports for this run) with autocannon at 1 and 16
 * connections, for `POST /set` and `GET /get`. Every response latency is recorded into our own histogram (autocannon
 * rounds to whole milliseconds); anything but HTTP 200 counts as an error.
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
  try {
    const bodies = work.keys.map((key) => JSON.stringify({ key, value: work.value }));
    const requests = {
      set: (i: number) => ({
        method: 'POST' as const,
        path: '/set',
        headers: { 'content-type': 'application/json', 'x-api-key': offline.apiKey },
        body: bodies[i % bodies.length]!,
      }),
      get: (i: number) => ({
        method: 'GET' as const,
        path: `/get?key=${encodeURIComponent(work.key(i))}`,
        headers: { 'x-api-key': offline.apiKey },
      }),
    };
    const rows: Row[] = [];
    for (const operation of ['set', 'get'] as const) {
      const results: VariantResult[] = [];
      for (const connections of HTTP_CONNECTIONS) {
        context.log(`http: ${operation} at ${connections} connection(s)`);
        await load(offline.baseUrl, connections, settings.warmupMs, requests[operation]);
        results.push(await load(offline.baseUrl, connections, settings.durationMs, requests[operation]));
      }
      const seedOps = operation === 'set' ? SEED.set16 : SEED.get16;
      rows.push(
        ...rowsFrom('http', httpGroup(operation), results, undefined, {
          [`${HTTP_CONNECTIONS[1]} connections`]: `seed (Flask): ${seedOps} req/s at 16 connections`,
        }),
      );
    }
    return { rows };
  } finally {
    await offline.stop();
  }
}

/** One autocannon run; its latencies go to a histogram, its 200s count as operations. */
async function load(
  baseUrl: string,
  connections: number,
  durationMs: number,
  request: (i: number) => autocannon.Request,
): Promise<VariantResult> {
  const latency = new LatencyHistogram();
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
    requests: [{ setupRequest: (req) => ({ ...req, ...request(issued++) }) }],
    },
    (error, result) => finish(error, result),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200) {
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
  return {
    name: connections === 1 ? '1 connection' : `${connections} connections`,
    concurrency: connections,
    opsPerSec: (ok / elapsedMs) * 1_000,
    errors,
    latency,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
