import type { KeyRepairReport } from '../core/results';
import { NO_OBSERVER, type StoreObserver } from '../core/storeEvents';
import type { Cluster, Redis } from 'ioredis';
import { mastersOf, type ReplicaClient } from '../replica/connection';
import { HASH_SLOTS } from '../replica/hashSlots';
import { entryIdsOf } from '../replica/replicaCommands';
import type { ReplicaCallResult, ReplicaHandle, ReplicaSet } from '../replica/replicaSet';
import { ANTI_ENTROPY_STATE_KEY, comparedKeysOf } from '../replica/storageLayout';
import { replayHints } from './hintReplay';
import { repairRedisKey } from './keyRepair';
import { expireHintsOfUnconfiguredReplicas } from './hintedHandoff';
import { replicaCursorOf, slotCursor, slotsOfBatch } from './antiEntropyCursor';

/**
 * Where a pass over every replica's keys stands: the replica being walked (index), where within it (`cursor`: a SCAN
 * cursor on a standalone replica, the next slot `slot:<n>` on a cluster replica, `0` at its start; see
 * `antiEntropyCursor.ts`), passes done.
 */
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
  /** Keys SCAN (or GETKEYSINSLOT) returned, internal ones included: with `replicaKeys`, how far a pass got. */
  readonly keysScanned: number;
  /**
   * Each replica's DBSIZE as the run started, summed over a cluster's masters (null: some did not answer): the size of
   * a pass, for showing progress.
   */
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
  /** Keys per batch: the SCAN COUNT, or on a cluster the keys of the slots one batch takes (at least one slot). */
  readonly batch: number;
  /** Stop after one full pass even if time remains. @default true */
  readonly singlePass?: boolean;
  /** Start a new pass from the first replica instead of resuming. */
  readonly fromStart?: boolean;
}

const START: AntiEntropyPosition = { node: 0, cursor: '0', pass: 0 };

/**
 * Anti-entropy: walks every key on every replica in batches (SCAN on a standalone replica; on a cluster replica slot
 * by slot, asking every master, see {@link clusterPage}), compares what every replica holds (version and
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
    const page = await nextPage(pool, scanned, position.cursor, options.batch);
    if (!page.ok) {
      // The next run resumes its scan from the same cursor.
      unreachable.add(scanned.name);
      await save(position);
      break;
    } else {
      const { nextCursor, keys } = page.value;
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
  const perReplica = await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => batchEntryIds(client, redisKeys))));
  const answers = perReplica.flatMap((result, i) => {
    if (result.ok) return [result.value];
    unreachable.add(pool.replicas[i]!.name);
    return [];
  });
  return redisKeys.filter((_, k) => new Set(answers.map((versions) => versions[k] ?? '')).size > 1);
}

/**
 * Each key's entry id on one replica: one script call for a standalone replica; one per key on a cluster replica. A
 * script over several keys of a slot being migrated is refused (TRYAGAIN) while its keys are split between the two
 * masters, which would stop every pass at that slot until the migration ends; one key is redirected (ASK) to wherever
 * it is. A batch's keys are spread over slots anyway, mostly one per slot, so this costs about what grouping by slot
 * would.
 */
async function batchEntryIds(client: ReplicaClient, redisKeys: readonly string[]): Promise<(string | undefined)[]> {
  if (!client.isCluster) return entryIdsOf(client, redisKeys);
  return Promise.all(redisKeys.map(async (key) => (await entryIdsOf(client, [key]))[0]));
}

function advance(position: AntiEntropyPosition, nextCursor: string, replicaCount: number): AntiEntropyPosition {
  if (nextCursor !== '0') return { ...position, cursor: nextCursor };
  const node = position.node + 1;
  return node >= replicaCount ? { node: 0, cursor: '0', pass: position.pass + 1 } : { node, cursor: '0', pass: position.pass };
}

/** Each replica's DBSIZE (every master's, summed), in replica order (null where it did not answer). */
async function keyCounts(pool: ReplicaSet): Promise<AntiEntropyReport['replicaKeys']> {
  const sizes = await Promise.all(
    pool.replicas.map((replica) =>
      pool.call(replica, async (client) => (await Promise.all(mastersOf(client).map((master) => master.dbsize()))).reduce((sum, keys) => sum + keys, 0)),
    ),
  );
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
  const saved = await Promise.all(pool.replicas.map((replica) => pool.call(replica, (client) => client.hgetall(ANTI_ENTROPY_STATE_KEY), STATE_ROUTING)));
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
  await Promise.all(pool.replicas.map((replica: ReplicaHandle) => pool.call(replica, (client) => client.hset(ANTI_ENTROPY_STATE_KEY, fields), STATE_ROUTING)));
}

const STATE_ROUTING = { key: ANTI_ENTROPY_STATE_KEY };

/** One batch of a replica's keys, and the cursor after it (`0` once the replica is walked through). */
interface Page {
  readonly keys: readonly string[];
  readonly nextCursor: string;
}

/** The next batch of `replica`'s keys from `cursor`: a SCAN page on a standalone replica, a run of slots on a cluster. */
async function nextPage(pool: ReplicaSet, replica: ReplicaHandle, cursor: string, batch: number): Promise<ReplicaCallResult<Page>> {
  const mode = await pool.call(replica, async (client) => client.isCluster);
  if (!mode.ok) return mode;
  const at = replicaCursorOf(cursor, mode.value);
  if (at.kind === 'scan') {
    const page = await pool.call(replica, (client) => client.scan(at.cursor, 'COUNT', batch));
    return page.ok ? { ...page, value: { keys: page.value[1], nextCursor: page.value[0] } } : page;
  }
  const page = await clusterPage(pool, replica, at.slot, batch);
  return page.ok ? { ...page, value: { keys: page.value.keys, nextCursor: page.value.next >= HASH_SLOTS ? '0' : slotCursor(page.value.next) } } : page;
}

/** Slots whose key counts one call asks each master for (pipelined): an empty cluster takes 16 such calls a pass. */
const COUNT_WINDOW = 1_024;

/**
 * The keys of the slots from `from` that fit in one batch (at least one slot), from every master of a cluster replica:
 * COUNTKEYSINSLOT for a window of slots on each master, then GETKEYSINSLOT on each master holding keys of a taken
 * slot. Every master is asked, not only the one the client's slot map names: while a slot is being migrated its keys
 * are split between the migrating and the importing master, and after a resharding the map may be stale; a key is
 * compared wherever it is. A master that does not answer fails the page, and the next run resumes at `from`.
 */
async function clusterPage(pool: ReplicaSet, replica: ReplicaHandle, from: number, batch: number): Promise<ReplicaCallResult<{ keys: string[]; next: number }>> {
  const started = performance.now();
  const keys: string[] = [];
  let slot = from;
  let keysSoFar = 0;
  while (slot < HASH_SLOTS) {
    const window = slot;
    const end = Math.min(window + COUNT_WINDOW, HASH_SLOTS);
    const counted = await pool.call(replica, (client) => countKeysInSlots(client, window, end));
    if (!counted.ok) return counted;
    const totals = Array.from({ length: end - window }, (_, i) => [...counted.value.values()].reduce((sum, counts) => sum + counts[i]!, 0));
    const { taken, next, keys: total } = slotsOfBatch(window, totals, batch, keysSoFar);
    if (taken.length > 0) {
      const fetched = await pool.call(replica, (client) => keysInSlots(client, counted.value, window, taken, batch));
      if (!fetched.ok) return fetched;
      keys.push(...fetched.value);
    }
    keysSoFar = total;
    slot = next;
    if (next < end) break;
  }
  return { ok: true, value: { keys, next: slot }, ms: Math.round(performance.now() - started) };
}

/** A master's `host:port`, as the cluster's slot map names it. */
function masterName(master: Redis): string {
  return `${master.options.host}:${master.options.port}`;
}

/**
 * Each master's key count of every slot in `[from, end)`, by master name. Fails unless the master that the client's
 * slot map names for each slot is among those asked (a client still connecting knows no masters: nothing was seen).
 */
async function countKeysInSlots(client: ReplicaClient, from: number, end: number): Promise<Map<string, number[]>> {
  const slots = Array.from({ length: end - from }, (_, i) => String(from + i));
  const masters = mastersOf(client);
  const names = new Set(masters.map(masterName));
  const slotMap = (client as Cluster).slots;
  for (let slot = from; slot < end; slot += 1) {
    const owner = slotMap[slot]?.[0];
    if (owner === undefined || !names.has(owner)) throw new Error(`slot ${slot} has no master the client reaches`);
  }
  const counts = await Promise.all(
    masters.map(async (master) => {
      const replies = await master.pipeline(slots.map((slot) => ['cluster', 'countkeysinslot', slot])).exec();
      return [masterName(master), (replies ?? []).map(([error, count]) => {
        if (error !== null) throw error;
        return Number(count);
      })] as const;
    }),
  );
  return new Map(counts);
}

/**
 * The keys of `taken` slots on every master that counted some (`counts`, by master name, from slot `from`), asking for
 * `margin` more than counted so keys written since are compared too. A master gone from the client since the count
 * fails the call (its keys would go unseen).
 */
async function keysInSlots(client: ReplicaClient, counts: ReadonlyMap<string, readonly number[]>, from: number, taken: readonly number[], margin: number): Promise<string[]> {
  const masters = new Map(mastersOf(client).map((master) => [masterName(master), master]));
  const lists = await Promise.all(
    [...counts].map(async ([name, perSlot]) => {
      const asked = taken.filter((slot) => perSlot[slot - from]! > 0);
      if (asked.length === 0) return [];
      const master = masters.get(name);
      if (master === undefined) throw new Error(`master ${name} left the cluster client during the walk`);
      const replies = await master.pipeline(asked.map((slot) => ['cluster', 'getkeysinslot', String(slot), String(perSlot[slot - from]! + margin)])).exec();
      return (replies ?? []).flatMap(([error, found]) => {
        if (error !== null) throw error;
        return found as string[];
      });
    }),
  );
  return lists.flat();
}
