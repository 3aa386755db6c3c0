import type { Context } from 'aws-lambda';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { HttpEvent, HttpResult } from '../../../functions/http/events';
import type { Coordinator } from '../../../lib';
import { httpEvent, lambdaContext } from '../../../tools/apiGatewayEvents';
import { deployedBundleOptions } from '../bundleOptions';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { compareInterleaved } from '../loop';
import { rowsFrom, type Row } from '../results';
import { populate } from '../workload';

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'bench-results', 'tmp', 'handlers.cjs');

/** Variant: a bundled Lambda handler called with an API Gateway event. */
export const HANDLER = 'handler (API Gateway event)';
/** Variant: the same bundle's shared coordinator called directly, so the difference is the handler layer. */
export const DIRECT = 'coordinator directly';
/** One request at a time: the handler layer's cost per request. */
export const HANDLER_CONCURRENCY = 1;

interface HandlerBundle {
  setHandler(event: HttpEvent, context: Context): Promise<HttpResult>;
  getHandler(event: HttpEvent, context: Context): Promise<HttpResult>;
  sharedCoordinator(): Promise<Coordinator>;
  closeSharedCoordinator(): Promise<void>;
}

/**
 * Scenario 2: the bundled `set`/`get` handlers invoked in-process with API Gateway events, against calling the same
 * bundle's coordinator directly. The difference of their p50s is the cost of middy, the middlewares (the Lambda
 * context for the logger and the metrics flush included), parsing and shaping the response, per request.
 */
export async function handlerScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, work } = context;
  // Metrics on, as in AWS Lambda (locally they default to off), so the handlers measured are the deployed ones. A
  // healthy run counts nothing, so nothing is printed.
  const bundle = await loadHandlerBundle({ ...coordinatorEnv(context), POWERTOOLS_METRICS_DISABLED: 'false' });
  try {
    const coordinator = await bundle.sharedCoordinator();
    await populate(work.keys, (key) => coordinator.set(key, work.value));
    const lambda = lambdaContext();
    // Request bodies arrive as strings; encode them once so the handler side does not pay for the client's work.
    const bodies = work.keys.map((key) => JSON.stringify({ key, value: work.value }));
    const options = { concurrency: HANDLER_CONCURRENCY, warmupMs: settings.warmupMs, durationMs: settings.durationMs, rounds: settings.rounds };
    const rows: Row[] = [];

    context.log('handler: set');
    const sets = await compareInterleaved(
      [
        { name: DIRECT, operation: (i) => coordinator.set(work.key(i), work.value) },
        {
          name: HANDLER,
          operation: (i) =>
            expectStatus(bundle.setHandler(setEvent(bodies[i % bodies.length]!), lambda), 200),
        },
      ],
      options,
    );
    rows.push(...rowsFrom('handler', 'set handler', sets, DIRECT));

    context.log('handler: get');
    const gets = await compareInterleaved(
      [
        { name: DIRECT, operation: (i) => coordinator.get(work.key(i)) },
        { name: HANDLER, operation: (i) => expectStatus(bundle.getHandler(getEvent(work.key(i)), lambda), 200) },
      ],
      options,
    );
    rows.push(...rowsFrom('handler', 'get handler', gets, DIRECT));
    return { rows };
  } finally {
    await bundle.closeSharedCoordinator();
  }
}

/**
 * Bundles the handlers with the esbuild options of `serverless.yml` (`deployedBundleOptions`; no source map file)
 * and loads the bundle with the handlers' environment in place (they read it at import time).
 */
async function loadHandlerBundle(env: Record<string, string>): Promise<HandlerBundle> {
  await build({
    ...deployedBundleOptions(),
    entryPoints: [join(__dirname, '..', 'handlerBundleEntry.ts')],
    outfile: BUNDLE,
    sourcemap: false,
    logLevel: 'error',
  });
  Object.assign(process.env, env);
  // Under `serverless invoke local` the handlers close their connections after every call; not here.
  delete process.env.IS_LOCAL;
  return createRequire(__filename)(BUNDLE) as HandlerBundle;
}

async function expectStatus(response: Promise<HttpResult>, status: number): Promise<void> {
  const { statusCode, body } = await response;
  if (statusCode !== status) throw new Error(`expected HTTP ${status}, got ${statusCode}: ${body}`);
}

/** A fresh event per call, since middlewares mutate it. */
function setEvent(body: string): HttpEvent {
  return httpEvent({ method: 'POST', path: '/set', body, headers: { 'content-type': 'application/json' } });
}

function getEvent(key: string): HttpEvent {
  return httpEvent({ method: 'GET', path: '/get', query: { key } });
}
