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

/** The store: the coordinator, and what it is given to read, write and heal. */
export { Coordinator, type ReadOptions, type WriteOptions } from './coordinator';
/** The container's shared coordinator, configuration and metrics, created once at cold start (the composition root). */
export { closeSharedCoordinator, connectAtColdStart, sharedConfig, sharedCoordinator, sharedMetrics } from './sharedCoordinator';
/** Settings from the environment, validated once, with their defaults. */
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
/** The structured logger every function and script shares. */
export { infoEnabled, logger } from './logger';

/** Consistency levels, as requests choose them. */
export { CONSISTENCY_LEVELS, isConsistencyLevel, type ConsistencyLevel } from './core/consistency';
/** A write's version: fixed-width digits that order as strings (see HybridLogicalClock). */
export type { Version } from './core/hybridLogicalClock';
/** One replica's outcome in an operation, as traces and error responses show it. */
export type { ReplicaOutcome, ReplicaReport } from './core/replicaOutcome';
/** When an operation started, reached its quorum and answered (what `?trace=1` draws as a timeline). */
export type { OperationTiming } from './core/operationTiming';
/** The results of writes, reads and repairs. */
export type {
  HintReplayReport,
  KeyRepairReport,
  ReadOutcome,
  ReadRepairOutcome,
  RepairReport,
  WriteResult,
} from './core/results';
/** What a replica holds for one key (a value or a tombstone, with its version). */
export type { StoredEntry } from './core/storedEntry';
/** An anti-entropy run's options and report. */
export type { AntiEntropyOptions, AntiEntropyPosition, AntiEntropyReport } from './repair/antiEntropy';
/** How repair work is handed to the repair function (tests substitute their own dispatcher). */
export type { RepairDispatcher, RepairRequest } from './repair/repairDispatcher';
/** What the store reports as it works (failed quorums, repairs, hints, timeouts, breakers), and who listens. */
export {
  NO_OBSERVER,
  type StoreEvent,
  type StoreEventType,
  type StoreObserver,
} from './core/storeEvents';
/** The store's events as CloudWatch metrics (Powertools Metrics, EMF): names, namespace, the local switch. */
export {
  CloudWatchMetrics,
  DEFAULT_METRICS_NAMESPACE,
  metricsDisabledSetting,
  STORE_METRICS,
  type CloudWatchMetricsOptions,
  type StoreMetric,
} from './aws/cloudWatchMetrics';
/** What `/health` reports. */
export type { ReplicaHealth, StoreHealth } from './replica/health';

/** What the store throws on purpose (every one a QuorumKvError); `functions/` maps each to an HTTP status. */
export {
  ConfigError,
  CredentialsUnavailableError,
  QuorumKvError,
  QuorumNotReachedError,
  ReadQuorumNotReachedError,
  ReplicasUnavailableError,
} from './core/errors';

/**
 * The parts a coordinator is built from, for scripts that build their own (the bench, `npm run repair`) and for the
 * bench's bare-Redis baselines.
 */
export { HybridLogicalClock } from './core/hybridLogicalClock';
/** The long-lived connections to every replica. */
export { ReplicaPool, type ReplicaPoolSettings } from './replica/replicaPool';
/** An ioredis client with the coordinator's scripts, as the bench's baselines use it. */
export type { ReplicaClient } from './replica/connection';
/** The commands a coordinator sends one replica to read and write an entry. */
export { applyEntry, readEntry } from './replica/replicaCommands';
export { LambdaRepairDispatcher } from './aws/lambdaRepairDispatcher';
