import { loadConfig, type CoordinatorConfig } from './config';
import { Coordinator } from './coordinator';
import { CloudWatchMetrics, metricsDisabledSetting } from './aws/cloudWatchMetrics';
import { LambdaRepairDispatcher } from './aws/lambdaRepairDispatcher';
import { fetchRedisCredentials } from './aws/redisCredentials';
import { ReplicaPool } from './replica/replicaPool';

let config: CoordinatorConfig | undefined;
let shared: Promise<Coordinator> | undefined;
let metrics: CloudWatchMetrics | undefined;

/**
 * The container's configuration, read from the environment once (at cold start) and shared by the coordinator and
 * the request contract (whose size limits come from it).
 *
 * @throws {ConfigError} synchronously, so a bad setting fails the container's initialisation.
 */
export function sharedConfig(): CoordinatorConfig {
  config ??= loadConfig();
  return config;
}

/**
 * The container's metrics: the observer its coordinator reports to, and what the handlers flush once per invocation
 * (`functions/middleware/observability.ts`). Created once per container; needs no configuration, so handlers that
 * never touch Redis (405, 404) share it too.
 *
 * Before creating it, this sets Powertools' own switch, `POWERTOOLS_METRICS_DISABLED`, to what it was given, or by
 * default to EMF on in AWS Lambda and off everywhere else (see {@link metricsDisabledSetting}): locally nothing is
 * printed unless `POWERTOOLS_METRICS_DISABLED=false` asks for it.
 *
 * @throws {ConfigError} when `POWERTOOLS_METRICS_DISABLED` is not a boolean.
 */
export function sharedMetrics(): CloudWatchMetrics {
  if (metrics === undefined) {
    process.env.POWERTOOLS_METRICS_DISABLED = metricsDisabledSetting(process.env);
    metrics = new CloudWatchMetrics();
  }
  return metrics;
}

/**
 * The container's coordinator: configured from the environment and connected on first use, then reused by every
 * invocation the container serves.
 *
 * Why: connections and the version clock must outlive a single invocation; creating them per request would add a
 * handshake to every call and break the clock's monotonicity. It is a promise because credentials named by
 * `REDIS_SECRET_ARN` / `REDIS_PASSWORD_PARAMETER` are fetched (once) before connecting; without them it resolves at
 * once. A failed fetch is forgotten, so the next invocation tries again.
 *
 * @throws {ConfigError} synchronously when the configuration is invalid.
 */
export function sharedCoordinator(): Promise<Coordinator> {
  if (shared === undefined) {
    const creating = createCoordinator(sharedConfig());
    shared = creating;
    creating.catch(() => {
      if (shared === creating) shared = undefined;
    });
  }
  return shared;
}

/**
 * Starts creating the coordinator at cold start (handlers call it at module scope): a bad configuration fails the
 * container at once, and the first request pays no handshake. A failed credentials fetch is reported by the first
 * request instead (503), which retries it.
 */
export function connectAtColdStart(): void {
  sharedCoordinator().catch(() => undefined);
}

/**
 * Closes the container's connections so the process can exit (used by `serverless invoke local`). The next call to
 * {@link sharedCoordinator} connects afresh.
 */
export async function closeSharedCoordinator(): Promise<void> {
  const closing = shared;
  shared = undefined;
  const coordinator = await closing?.catch(() => undefined);
  await coordinator?.close();
}

async function createCoordinator(settings: CoordinatorConfig): Promise<Coordinator> {
  const credentials =
    settings.credentialsSource === undefined ? undefined : await fetchRedisCredentials(settings.credentialsSource);
  const dispatcher =
    settings.repairFunctionName === undefined ? undefined : new LambdaRepairDispatcher(settings.repairFunctionName, settings.lambdaEndpoint);
  return new Coordinator(settings, new ReplicaPool(settings, credentials, sharedMetrics()), undefined, dispatcher);
}
