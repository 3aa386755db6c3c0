import type { LocalRedisCluster } from '../../tools/localCluster';
import type { ColdStart, Row } from './results';
import type { ConnectionCount, IdleCpu, ServerLoad } from './serverLoad';
import type { BenchSettings } from './settings';
import type { Workload } from './workload';

/** What every scenario gets: the settings, the Redis trio started for this run, and the shared keys and value. */
export interface ScenarioContext {
  readonly settings: BenchSettings;
  readonly cluster: LocalRedisCluster;
  readonly work: Workload;
  /** Progress lines for the operator (stderr, so stdout keeps only the report). */
  log(message: string): void;
}

/** What a scenario measured. */
export interface ScenarioOutput {
  readonly rows: Row[];
  readonly coldStart?: ColdStart[];
  readonly skipped?: { scenario: string; reason: string }[];
  /** The Redis servers' own cost of each measured variant, where the scenario read it. */
  readonly serverLoad?: ServerLoad[];
  /** Connections one coordinator opens on each server, where the scenario counted them. */
  readonly connections?: ConnectionCount[];
  /** Each server's CPU time per second with no load, where the scenario measured it. */
  readonly idleCpu?: IdleCpu[];
}

/** Environment for any coordinator under test: this run's trio, its timeout, and no logging. */
export function coordinatorEnv(context: ScenarioContext): Record<string, string> {
  return {
    REDIS_NODES: context.cluster.redisNodes,
    NODE_TIMEOUT_MS: String(context.settings.nodeTimeoutMs),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}
