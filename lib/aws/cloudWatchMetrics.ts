import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConfigError } from '../core/errors';
import type { StoreEvent, StoreEventType, StoreObserver } from '../core/storeEvents';
import { logger } from '../logger';

/** What one kind of event is counted as: a CloudWatch metric name, and whether it has a `replica` dimension. */
export interface StoreMetric {
  readonly name: string;
  readonly perReplica: boolean;
}

/**
 * The metric every store event is counted as (unit Count): the one list the adapter, the dashboard and alarm in
 * `serverless.yml` and their template test agree on. Per-replica metrics carry the dimensions `service` and
 * `replica`; the others `service` only (so one alarm covers every write function).
 */
export const STORE_METRICS = {
  'write-quorum-failed': { name: 'WriteQuorumFailures', perReplica: false },
  'read-quorum-failed': { name: 'ReadQuorumFailures', perReplica: false },
  'divergence-found': { name: 'DivergenceFound', perReplica: true },
  'read-repaired': { name: 'ReadRepairs', perReplica: true },
  'hint-queued': { name: 'HintsQueued', perReplica: true },
  'hints-replayed': { name: 'HintsReplayed', perReplica: true },
  'node-timeout': { name: 'NodeTimeouts', perReplica: true },
  'breaker-opened': { name: 'BreakerOpenings', perReplica: true },
} as const satisfies Readonly<Record<StoreEventType, StoreMetric>>;

/** The namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set (`serverless.yml` sets `quorum-kv/<stage>`). */
export const DEFAULT_METRICS_NAMESPACE = 'quorum-kv';

/** The `service` dimension when `POWERTOOLS_SERVICE_NAME` is not set: the logger's service name. */
const DEFAULT_SERVICE_NAME = 'quorum-kv';

const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 'y']);
const FALSE_VALUES = new Set(['false', '0', 'no', 'off', 'n']);

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The value `POWERTOOLS_METRICS_DISABLED` (Powertools' own switch) must have for this process: the one it was given
 * when it is set, and otherwise `false` (EMF on) in AWS Lambda and `true` (silent) everywhere else: under
 * `serverless offline` (`IS_OFFLINE=true`), `serverless invoke local` (`IS_LOCAL=true`), tests and scripts.
 *
 * Why: Powertools writes EMF whenever it is not disabled, so without this every local request that counted something
 * would print a JSON blob. "In AWS Lambda" is Powertools' own test (`AWS_LAMBDA_INITIALIZATION_TYPE` is set, which
 * only the Lambda runtime does). An empty value counts as unset (`serverless.yml` passes `''` for "not given").
 *
 * @throws {ConfigError} when it is set to something that is not a boolean Powertools accepts.
 */
export function metricsDisabledSetting(env: Environment = process.env): 'true' | 'false' {
  const given = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase() ?? '';
  if (TRUE_VALUES.has(given)) return 'true';
  if (FALSE_VALUES.has(given)) return 'false';
  if (given !== '') {
    throw new ConfigError({
      variable: 'POWERTOOLS_METRICS_DISABLED',
      expected: 'true or false (or unset)',
      received: env.POWERTOOLS_METRICS_DISABLED ?? '',
    });
  }
  const inLambda = (env.AWS_LAMBDA_INITIALIZATION_TYPE ?? '') !== '' && env.IS_OFFLINE !== 'true' && env.IS_LOCAL !== 'true';
  return inLambda ? 'false' : 'true';
}

/** Options of {@link CloudWatchMetrics}; each defaults to its Powertools environment variable. */
export interface CloudWatchMetricsOptions {
  /** @default `POWERTOOLS_METRICS_NAMESPACE`, else {@link DEFAULT_METRICS_NAMESPACE} */
  readonly namespace?: string;
  /** The `service` dimension. @default `POWERTOOLS_SERVICE_NAME`, else `quorum-kv` */
  readonly serviceName?: string;
}

/**
 * Counts the store's events as CloudWatch metrics in the Embedded Metric Format (EMF), with Powertools Metrics: the
 * adapter between the coordinator's {@link StoreObserver} and CloudWatch. One per container.
 *
 * EMF gives every metric of one blob the same dimension values, so the counts live in one Powertools instance for
 * the service-wide metrics (dimension `service`) and one per replica (dimensions `service` and `replica`), created
 * when the replica's first event comes.
 *
 * When they are written: the handler wrapper (`functions/middleware/observability.ts`) brackets every invocation
 * with {@link beginInvocation} and {@link endInvocation}, which writes one EMF line per instance that counted
 * something in it (Powertools' `publishStoredMetrics`, its manual flush). An event that comes while no invocation
 * is running (background work after the response: async read repair, late replies of a write, hints replayed on
 * reconnect) is written at once. In Lambda such work usually finishes before the container is frozen, or resumes
 * when it thaws for the next invocation and is written with it; it is lost only if the container is never invoked
 * again before it is shut down.
 *
 * Why not Powertools' `logMetrics` middleware: it flushes every instance at the end of every invocation, and
 * Powertools serializes an empty instance all the same (reading the environment a dozen times on the way). Measured
 * with `npm run bench -- --only=handler`, that alone took the handlers' cost from within the 50 µs target to 56 to
 * 117 µs for `get`; writing only what was counted keeps a healthy invocation's cost at a few µs.
 *
 * Whether anything reaches stdout is Powertools' `POWERTOOLS_METRICS_DISABLED`, whose default the composition
 * root sets from {@link metricsDisabledSetting} before this is built.
 */
export class CloudWatchMetrics implements StoreObserver {
  private readonly service: Metrics;
  private readonly replicas = new Map<string, Metrics>();
  /** The instances that counted something in the running invocation(s), to write at the end. */
  private readonly pending = new Set<Metrics>();
  private readonly namespace: string;
  private readonly serviceName: string;
  private invocations = 0;

  constructor(options: CloudWatchMetricsOptions = {}) {
    this.namespace = options.namespace ?? nonEmpty(process.env.POWERTOOLS_METRICS_NAMESPACE) ?? DEFAULT_METRICS_NAMESPACE;
    this.serviceName = options.serviceName ?? nonEmpty(process.env.POWERTOOLS_SERVICE_NAME) ?? DEFAULT_SERVICE_NAME;
    this.service = this.newMetrics({});
  }

  /** Counts one event; never throws (a metric that cannot be recorded is logged and dropped). */
  record(event: StoreEvent): void {
    try {
      const metric: StoreMetric = STORE_METRICS[event.type];
      const target = 'replica' in event && metric.perReplica ? this.replicaMetrics(event.replica) : this.service;
      target.addMetric(metric.name, MetricUnit.Count, event.type === 'hints-replayed' ? event.keys : 1);
      if (this.invocations === 0) target.publishStoredMetrics();
      else this.pending.add(target);
    } catch (error) {
      logger.warn('metric not recorded', { event: event.type, error: (error as Error).message });
    }
  }

  /**
   * An invocation starts: events are held until its end. On a container's first invocation this also writes
   * Powertools' `ColdStart` metric (dimensions `service` and `function_name`).
   *
   * @param functionName the Lambda function's name (`context.functionName`).
   */
  beginInvocation(functionName?: string): void {
    this.invocations += 1;
    this.service.captureColdStartMetric(functionName);
  }

  /** An invocation ends: writes what was counted during it, one EMF line per instance; nothing when nothing was. */
  endInvocation(): void {
    this.invocations = Math.max(0, this.invocations - 1);
    if (this.pending.size === 0) return;
    for (const metrics of this.pending) if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    this.pending.clear();
  }

  private replicaMetrics(replica: string): Metrics {
    let metrics = this.replicas.get(replica);
    if (metrics === undefined) {
      metrics = this.newMetrics({ replica });
      this.replicas.set(replica, metrics);
    }
    return metrics;
  }

  private newMetrics(defaultDimensions: Record<string, string>): Metrics {
    return new Metrics({ namespace: this.namespace, serviceName: this.serviceName, defaultDimensions, logger: POWERTOOLS_WARNINGS });
  }
}

/**
 * Where Powertools Metrics' own messages go: its warnings to our logger's DEBUG, its errors to ERROR. Its usual
 * warning is "No application metrics to publish", on every invocation that counted nothing (the common case), which
 * would otherwise be a line on stderr per request (the maintainers' advice is a custom logger:
 * aws-powertools/powertools-lambda-typescript#2036).
 */
const POWERTOOLS_WARNINGS = {
  debug: (...content: unknown[]): void => logger.debug('powertools metrics', { content }),
  info: (...content: unknown[]): void => logger.debug('powertools metrics', { content }),
  warn: (...content: unknown[]): void => logger.debug('powertools metrics warning', { content }),
  error: (...content: unknown[]): void => logger.error('powertools metrics error', { content }),
};

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
