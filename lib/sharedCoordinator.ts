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
 * The container's configuration, read once at cold start and shared by the coordinator and the request contract.
 *
 * @throws {ConfigError} synchronously, so a bad setting fails the container's initialisation.
 */
export function sharedConfig(): CoordinatorConfig {
  config ??= loadConfig();
  return config;
}

/**
 * The container's metrics, which the coordinator reports to and the handlers flush; no configuration needed. Sets
 * `POWERTOOLS_METRICS_DISABLED` first ({@link metricsDisabledSetting}), so nothing is printed locally unless asked.
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
 * The container's coordinator, created on first use and reused by every invocation: connections and the version
 * clock must outlive one invocation. A promise, because credentials from a secret are fetched before connecting; a
 * failed fetch is forgotten, so the next invocation tries again.
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
 * container at once, and the first request pays no handshake. A failed credentials fetch is the first request's 503.
 */
export function connectAtColdStart(): void {
  sharedCoordinator().catch(() => undefined);
}

/** Closes the container's connections so the process can exit (`serverless invoke local`); the next call reconnects. */
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
