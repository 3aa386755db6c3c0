import type { KeyRepairReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import { entryIdsOf } from '../replica/replicaCommands';
import type { ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { ANTI_ENTROPY_STATE_KEY, comparedKeysOf } from '../replica/storageLayout';
import { replayHints } from './hintReplay';
import { repairRedisKey } from './keyRepair';
import { expireHintsOfUnconfiguredReplicas } from './hintedHandoff';

/** Where a pass over every replica's keys stands: the replica being scanned (index), its SCAN cursor, passes done. */
export interface AntiEntropyPosition {
  readonly node: number;
  readonly cursor: string;
  readonly pass: number;
}

/** What one anti-entropy run did, for its logs, its caller and the chaos suite. */
export interface AntiEntropyReport {
  readonly passComplete: boolean;
  /** `time-budget` or `unreachable` (a replica could not be scanned, compared or repaired): the next run resumes. */
  readonly stoppedBecause: 'pass-complete' | 'time-budget' | 'unreachable';
  readonly startedAt: AntiEntropyPosition;
  readonly stoppedAt: AntiEntropyPosition;
  readonly hintsReplayed: number;
  /** User keys compared across every replica. */
  readonly keysCompared: number;
  /** Keys SCAN returned, internal ones included: with `replicaKeys`, how far a pass got. */
  readonly keysScanned: number;
  /** Each replica's DBSIZE as the run started (null: no answer): the size of a pass, for showing progress. */
  readonly replicaKeys: readonly { readonly node: string; readonly keys: number | null }[];
  readonly keysDiverged: number;
  /** Replica copies brought to the newest entry. */
  readonly replicasRepaired: number;
  /** Replicas that could not be scanned, compared, read or repaired in this run. */
  readonly unreachable: readonly string[];
  readonly ms: number;
}

/** Options of one run. */
export interface AntiEntropyOptions {
  /** Stop (the position saved) once this many ms have passed; the next run resumes. */
  readonly budgetMs: number;
  /** Keys per SCAN batch. */
  readonly batch: number;
  /** Stop after one full pass even if time remains. @default true */
  readonly singlePass?: boolean;
  /** Start a new pass from the first replica instead of resuming. */
  readonly fromStart?: boolean;
}

const START: AntiEntropyPosition = { node: 0, cursor: '0', pass: 0 };

/**
 * Anti-entropy: walks every key on every replica in SCAN batches, compares what every replica holds (version and
 * rank, no values) and brings each key that differs to its newest entry everywhere, set-if-newer, while writes go on.
 * Read repair heals only keys that are read and hints can be lost: this refills a replica that restarted empty and
 * spreads tombstones before they expire (a pass must complete within `TOMBSTONE_GRACE_S`).
 *
 * It first replays every replica's hints. A replica that cannot be scanned, compared or repaired ends the run before
 * that batch. The position is saved on every replica after each batch with a sequence number, and a run resumes
 * from the highest: no container's clock decides it.
 *
 * @param pool the replicas as background work sees them (`ReplicaPool.unguarded`).
 */
export async function runAntiEntropy(
  pool: ReplicaSet,
  options: AntiEntropyOptions,
  graceMs: number,
  observer: StoreObserver = NO_OBSERVER,
): Promise<AntiEntropyReport> {
  const started = performance.now();
  const replicas = pool.replicas;
  const saved = await loadPosition(pool);
  const startedAt = options.fromStart === true ? { ...START, pass: saved.position.pass } : saved.position;
  let seq = saved.seq;
  const save = (at: AntiEntropyPosition): Promise<void> => {
    seq += 1;
    return savePosition(pool, at, seq);
  };
  const replicaKeys = await keyCounts(pool);
  let position = startedAt;
  let keysCompared = 0;
  let keysScanned = 0;
  let keysDiverged = 0;
  let replicasRepaired = 0;
  const unreachable = new Set<string>();

  let hintsReplayed = 0;
  await expireHintsOfUnconfiguredReplicas(pool);
  for (const replica of replicas) {
    const replay = await replayHints(pool, replica.name, graceMs, observer);
    hintsReplayed += replay.keys;
    replicasRepaired += replay.repaired;
  }

  const outOfTime = (): boolean => performance.now() - started >= options.budgetMs;
  let passComplete = false;
  // At least one batch per run, so even a run that starts with little time left makes progress.
  do {
    const scanned = replicas[position.node]!;
    const page = await pool.call(scanned, (client) => client.scan(position.cursor, 'COUNT', options.batch));
    if (!page.ok) {
      // The next run resumes its scan from the same cursor.
      unreachable.add(scanned.name);
      await save(position);
      break;
    } else {
      const [nextCursor, keys] = page.value;
      keysScanned += keys.length;
      const userKeys = comparedKeysOf(keys);
      keysCompared += userKeys.length;
      const failedBefore = unreachable.size;
      const diverged = await divergentKeys(pool, userKeys, unreachable);
      keysDiverged += diverged.length;
      for (const redisKey of diverged) {
        const report = await repairRedisKey(pool, redisKey, graceMs);
        for (const repair of report.repairs) observer.record({ type: 'divergence-found', replica: repair.node, seenBy: 'anti-entropy' });
        replicasRepaired += report.repairs.filter((repair) => repair.outcome === 'repaired').length;
        for (const node of notRepaired(report)) unreachable.add(node);
      }
      if (unreachable.size > failedBefore) {
        // Stop before this batch, not after it: the next run compares and repairs it again.
        await save(position);
        break;
      }
      position = advance(position, nextCursor, replicas.length);
    }
    await save(position);
    if (position.pass > startedAt.pass) {
      passComplete = unreachable.size === 0;
      if (options.singlePass !== false) break;
    }
  } while (!outOfTime());

  return {
    passComplete,
    stoppedBecause: passComplete ? 'pass-complete' : unreachable.size > 0 ? 'unreachable' : 'time-budget',
    startedAt,
    stoppedAt: position,
    hintsReplayed,
    keysCompared,
    keysScanned,
    replicaKeys,
    keysDiverged,
    replicasRepaired,
    unreachable: [...unreachable],
    ms: Math.round(performance.now() - started),
  };
}

/** The replicas a key's repair did not bring to its newest entry (`newer` and `same` did not need it). */
function notRepaired(report: KeyRepairReport): string[] {
  const failedWrites = report.repairs.filter((repair) => repair.outcome !== 'repaired' && repair.outcome !== 'same' && repair.outcome !== 'newer');
  return [...report.unreachable, ...failedWrites.map((repair) => repair.node)];
}

/** The keys of a batch whose versions differ between the replicas that answered (missing counts as different). */
async function divergentKeys(pool: ReplicaSet, redisKeys: readonly string[], unreachable: Set<string>): Promise<string[]> {
  if (redisKeys.length === 0) return [];
  const perReplica = await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => entryIdsOf(client, redisKeys))));
  const answers = perReplica.flatMap((result, i) => {
    if (result.ok) return [result.value];
    unreachable.add(pool.replicas[i]!.name);
    return [];
  });
  return redisKeys.filter((_, k) => new Set(answers.map((versions) => versions[k] ?? '')).size > 1);
}

function advance(position: AntiEntropyPosition, nextCursor: string, replicaCount: number): AntiEntropyPosition {
  if (nextCursor !== '0') return { ...position, cursor: nextCursor };
  const node = position.node + 1;
  return node >= replicaCount ? { node: 0, cursor: '0', pass: position.pass + 1 } : { node, cursor: '0', pass: position.pass };
}

/** Each replica's DBSIZE, in replica order (null where it did not answer). */
async function keyCounts(pool: ReplicaSet): Promise<AntiEntropyReport['replicaKeys']> {
  const sizes = await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => client.dbsize())));
  return sizes.map((size, i) => ({ node: pool.replicas[i]!.name, keys: size.ok ? size.value : null }));
}

/** A saved position and its sequence number (0 for none, or for an older version's position). */
interface SavedPosition {
  readonly position: AntiEntropyPosition;
  readonly seq: number;
}

/**
 * The saved position with the highest sequence number among the reachable replicas (one restarted empty has none,
 * from an older copy a lower one); older versions' positions are chosen by `savedAt` only when none has a `seq`.
 */
async function loadPosition(pool: ReplicaSet): Promise<SavedPosition> {
  const saved = await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => client.hgetall(ANTI_ENTROPY_STATE_KEY))));
  let best: { saved: SavedPosition; rank: readonly [number, number] } | undefined;
  for (const result of saved) {
    if (!result.ok) continue;
    const { seq, savedAt, node, cursor, pass } = result.value;
    if (seq === undefined && savedAt === undefined) continue;
    const rank = seq === undefined ? ([0, Number(savedAt)] as const) : ([1, Number(seq)] as const);
    const position = {
      node: Math.min(Number(node ?? 0), pool.replicas.length - 1),
      cursor: cursor ?? '0',
      pass: Number(pass ?? 0),
    };
    if (best === undefined || rank[0] > best.rank[0] || (rank[0] === best.rank[0] && rank[1] > best.rank[1])) {
      best = { saved: { position, seq: seq === undefined ? 0 : Number(seq) }, rank };
    }
  }
  return best?.saved ?? { position: START, seq: 0 };
}

/** Saves `position` with `seq` on every replica; `savedAt` only for older versions, which choose by it. */
async function savePosition(pool: ReplicaSet, position: AntiEntropyPosition, seq: number): Promise<void> {
  const fields = { node: position.node, cursor: position.cursor, pass: position.pass, seq, savedAt: Date.now() };
  await Promise.all(pool.replicas.map((replica: ReplicaHandle) => pool.call(replica, (client) => client.hset(ANTI_ENTROPY_STATE_KEY, fields))));
}
