import type { CoordinatorConfig } from './config';
import { HybridLogicalClock, SEED_VERSION } from './hybridLogicalClock';
import { logger } from './logger';
import { writeQuorum, type WriteResult } from './quorumWrite';
import { raceRead, type ReadResult, type StoredEntry } from './raceRead';
import { ReplicaPool, type ReplicaClient } from './replicaPool';
import type { ReplicaReport } from './replicaOutcome';
import { storageKey } from './storageLayout';

/**
 * Makes several independent Redis servers behave as one replicated key-value store.
 *
 * This is where "what happens on a write" and "what happens on a read" can be read top to bottom; the mechanics
 * (parallel fan-out, quorum counting, racing) live in `quorumWrite` and `raceRead`.
 */
export class Coordinator {
  constructor(
    private readonly config: CoordinatorConfig,
    private readonly pool: ReplicaPool = new ReplicaPool(config),
    private readonly clock: HybridLogicalClock = new HybridLogicalClock(),
  ) {}

  /**
   * Writes `value` under `key`: stamps it with a new version and commits once the write quorum has acknowledged.
   *
   * Each replica applies the write only if it is newer than what it holds, so a delayed or retried copy of this write
   * can never overwrite a newer one.
   *
   * @throws {QuorumNotReachedError} when too few replicas acknowledged.
   */
  async set(key: string, value: string): Promise<WriteResult> {
    const version = this.clock.next();
    const redisKey = storageKey(key);
    try {
      const result = await writeQuorum(this.pool, this.config.writeQuorum, version, async (client) => {
        const [applied, held] = await client.setIfNewer(redisKey, version, value, SEED_VERSION);
        return applied === 1 ? { applied: true } : { applied: false, heldVersion: held };
      });
      void result.settled.then((replicas) => this.observeAndLog('set', key, replicas));
      return result;
    } catch (error) {
      logger.warn('write quorum not reached', { operation: 'set', error: (error as Error).message });
      throw error;
    }
  }

  /**
   * Reads `key` from whichever replica answers first with a value.
   *
   * @returns the entry (null when every answering replica said "missing") and each replica's outcome.
   * @throws {ReplicasUnavailableError} when no replica answered.
   */
  async get(key: string): Promise<ReadResult> {
    const redisKey = storageKey(key);
    const result = await raceRead(this.pool, (client) => readEntry(client, redisKey));
    void result.settled.then((replicas) => this.observeAndLog('get', key, replicas));
    return result;
  }

  /** Closes the connections to every replica. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Keeps the clock ahead of every version seen and logs each replica's final outcome as one structured line. */
  private observeAndLog(operation: string, key: string, replicas: readonly ReplicaReport[]): void {
    for (const replica of replicas) {
      if (replica.version !== undefined) this.clock.observe(replica.version);
    }
    logger.info('replica outcomes', { operation, replicas });
    logger.debug('replica outcomes key', { operation, key });
  }
}

/**
 * Reads one stored entry from one replica with a single `HMGET`; a plain string left by the seed coordinator is read
 * as the oldest version.
 */
async function readEntry(client: ReplicaClient, redisKey: string): Promise<StoredEntry> {
  try {
    const [value, version] = await client.hmget(redisKey, 'value', 'version');
    if (value === null || value === undefined) return null;
    return { value, version: version ?? SEED_VERSION };
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('WRONGTYPE')) throw error;
    const value = await client.get(redisKey);
    return value === null ? null : { value, version: SEED_VERSION };
  }
}
