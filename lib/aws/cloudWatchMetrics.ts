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
 * The metric every store event is counted as (unit Count): the one list the adapter, `serverless.yml`'s dashboard
 * and alarm, and their test agree on. Only per-replica metrics carry a `replica` dimension besides `service`.
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
 * The value `POWERTOOLS_METRICS_DISABLED` must have: the one given (empty counts as unset), else EMF on in AWS Lambda
 * (`AWS_LAMBDA_INITIALIZATION_TYPE` set) and off elsewhere, so local requests print no JSON blobs.
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
 * Counts the store's events as CloudWatch metrics (EMF, Powertools Metrics), one per container: one Powertools
 * instance for the service-wide metrics and one per replica, since EMF gives every metric of a line the same
 * dimensions. {@link endInvocation} writes one line per instance that counted something (an event outside any
 * invocation is written at once); Powertools' `logMetrics` would serialize every instance, empty or not, on every
 * invocation, which costs more than all the rest of a handler.
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

  /** An invocation starts: events are held until its end. The first one also writes Powertools' `ColdStart`. */
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
 * Where Powertools Metrics' own messages go: warnings to DEBUG, errors to ERROR. Its usual warning, "No application
 * metrics to publish", would otherwise be a line on stderr per request (the maintainers advise a custom logger).
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
