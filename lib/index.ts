/**
 * quorum-kv's public entry: everything `functions/`, `cli/`, `tools/` and `scripts/` may use, and the only path they
 * import `lib/` by (the dependency check in `npm test` refuses any other). Inside `lib/`, dependencies point one way:
 *
 * ```
 * index → coordinator, sharedCoordinator, config → write → repair → read → replica → core
 *                                            aws ↗ (adapters: Lambda dispatch, Redis credentials, metrics)
 * ```
 *
 * Start reading at {@link Coordinator}: `set`/`delete` (a write), `get` (a read), `repairKey` (a repair).
 */

/** The store, and the container's shared instance of it and of its configuration and metrics (the composition root). */
export { Coordinator, type ReadOptions, type WriteOptions } from './coordinator';
export { closeSharedCoordinator, connectAtColdStart, sharedConfig, sharedCoordinator, sharedMetrics } from './sharedCoordinator';
export {
  DEFAULT_MAX_KEY_BYTES,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_NODE_TIMEOUT_MS,
  DEFAULT_REDIS_NODES,
  DEFAULT_TOMBSTONE_GRACE_S,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  loadConfig,
  type CoordinatorConfig,
} from './config';
export { infoEnabled, logger } from './logger';

/** What the store takes, returns, reports and throws. */
export {
  CONSISTENCY_LEVELS,
  isConsistencyLevel,
  isReadStrategy,
  READ_STRATEGIES,
  type ConsistencyLevel,
  type ReadStrategy,
} from './core/consistency';
export type { Version } from './core/hybridLogicalClock';
export type { ReplicaOutcome, ReplicaReport } from './core/replicaOutcome';
export type { OperationTiming } from './core/operationTiming';
export type {
  HintReplayReport,
  KeyRepairReport,
  ReadOutcome,
  ReadRepairOutcome,
  RepairReport,
  WriteResult,
} from './core/results';
export type { StoredEntry } from './core/storedEntry';
export type { AntiEntropyOptions, AntiEntropyPosition, AntiEntropyReport } from './repair/antiEntropy';
export type { RepairDispatcher, RepairRequest } from './repair/repairDispatcher';
export {
  NO_OBSERVER,
  type StoreEvent,
  type StoreEventType,
  type StoreObserver,
} from './core/storeEvents';
export {
  CloudWatchMetrics,
  DEFAULT_METRICS_NAMESPACE,
  metricsDisabledSetting,
  STORE_METRICS,
  type CloudWatchMetricsOptions,
  type StoreMetric,
} from './aws/cloudWatchMetrics';
export type { MasterHealth, ReplicaHealth, ReplicaStatus, StoreHealth } from './replica/health';

export {
  ConfigError,
  CredentialsUnavailableError,
  QuorumKvError,
  QuorumNotReachedError,
  ReadQuorumNotReachedError,
  ReplicasUnavailableError,
} from './core/errors';

/** The parts a coordinator is built from, for scripts that build their own and for the bench's bare-Redis baselines. */
export { HybridLogicalClock } from './core/hybridLogicalClock';
export { ReplicaPool, type ReplicaPoolSettings } from './replica/replicaPool';
export type { ReplicaClient } from './replica/connection';
export { applyEntry, readEntry } from './replica/replicaCommands';
export { encodeEntry } from './replica/entryFormat';
export { applyIfNewerLua } from './replica/luaScripts';
export { LambdaRepairDispatcher } from './aws/lambdaRepairDispatcher';
