import { compareEntries } from '../../lib/core/storedEntry';
import { afterEach, beforeEach, vi } from 'vitest';
import type { ReplicaClient, StoredEntry, Version } from '../../lib';
import { decodeStoredString, encodeEntry } from '../../lib/replica/entryFormat';
import type { ReplicaFailureKind } from '../../lib/core/replicaOutcome';
import { failureMessage } from '../../lib/replica/failures';
import type { CallOptions, ReplicaCallResult, ReplicaHandle, ReplicaSet } from '../../lib/replica/replicaSet';

/**
 * A small, deterministic replica set for the unit tests: the same `ReplicaSet` interface the fan-out functions take,
 * with replicas that hold entries in memory and answer after scripted delays, or fail in scripted ways.
 *
 * Why: the decisions made over replies (quorum counting, racing, fail-fast, repair planning) can then be tested in
 * milliseconds, without Redis and without timing margins. Delays run on vitest's fake timers: a test calls
 * {@link useFakeReplicaTime} and moves time with {@link advance}.
 *
 * The replicas implement the two Redis commands the read and write paths send (`GET` of an entry string, and the
 * `applyIfNewer` script's reply contract, called by `EVALSHA`), so the real `readEntry`, `applyEntry` and `applyRepair` run against them.
 * Any other command fails as a Redis error would.
 */

/** How one call to a fake replica ends. */
export interface Behaviour {
  /** Milliseconds before the call settles (on the fake clock). @default 0 */
  readonly afterMs?: number;
  /** Fail the call this way instead of running it; `breaker-open` is skipped at once. */
  readonly fails?: ReplicaFailureKind;
}

/** One fake replica: its name, what it holds, and how its next calls behave. */
export class FakeReplica implements ReplicaHandle {
  /** Calls received so far, including failed and skipped ones. */
  calls = 0;
  /** Calls that ran their command (were not failed or skipped). */
  readonly commands: string[] = [];
  private readonly entries = new Map<string, StoredEntry>();
  private script: Behaviour[] = [];
  private usual: Behaviour = {};

  constructor(readonly name: string) {}

  /** Holds `entry` for `redisKey` (or nothing, with null). */
  holds(redisKey: string, entry: StoredEntry | null): this {
    if (entry === null) this.entries.delete(redisKey);
    else this.entries.set(redisKey, entry);
    return this;
  }

  /** What the replica holds for `redisKey`, or null. */
  entry(redisKey: string): StoredEntry | null {
    return this.entries.get(redisKey) ?? null;
  }

  /** Every call behaves like this, unless {@link then} scripted it otherwise. */
  always(behaviour: Behaviour): this {
    this.usual = behaviour;
    return this;
  }

  /** The next calls behave like these, in order; later calls as {@link always} says. */
  then(...behaviours: Behaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  /** The behaviour of the next call. */
  nextBehaviour(): Behaviour {
    return this.script.shift() ?? this.usual;
  }

  /** The client commands run against: the in-memory subset of Redis the read and write paths use. */
  readonly client = {
    get: async (redisKey: string): Promise<string | null> => {
      this.commands.push('get');
      const entry = this.entries.get(redisKey);
      return entry === undefined ? null : encodeEntry(entry);
    },
    // `applyEntry` calls the script by its SHA; the fake runs the script's contract whatever the SHA.
    applyScript: { lua: '', sha: 'applyIfNewer' },
    evalsha: async (_sha: string, _numberOfKeys: number, redisKey: string, storedEntry: string): Promise<[number, string]> => {
      this.commands.push('applyIfNewer');
      const held = this.entries.get(redisKey) ?? null;
      const entry = decodeStoredString(storedEntry);
      // The script's contract: 1 applied, 2 already held this very entry, 0 holds a newer one (ties by rank).
      const order = compareEntries(entry, held);
      if (order === 0) return [2, entry.version];
      if (order < 0) return [0, held!.version];
      this.entries.set(redisKey, entry);
      return [1, ''];
    },
  };
}

/** A set of {@link FakeReplica}s behind the `ReplicaSet` interface. */
export class FakeReplicaSet implements ReplicaSet<ReplicaClient> {
  readonly replicas: readonly FakeReplica[];

  /** @param names the replicas' names, in order (default: three, `a`, `b`, `c`). */
  constructor(names: readonly string[] = ['a', 'b', 'c']) {
    this.replicas = names.map((name) => new FakeReplica(name));
  }

  /** The replica at `index`. */
  replica(index: number): FakeReplica {
    return this.replicas[index]!;
  }

  async call<T>(handle: ReplicaHandle, command: (client: ReplicaClient) => Promise<T>, _options?: CallOptions): Promise<ReplicaCallResult<T>> {
    const replica = handle as FakeReplica;
    replica.calls += 1;
    const { afterMs = 0, fails } = replica.nextBehaviour();
    if (fails === 'breaker-open') {
      return { ok: false, outcome: 'skipped', failure: fails, error: failureMessage(fails), ms: 0 };
    }
    if (afterMs > 0) await new Promise((resolve) => setTimeout(resolve, afterMs));
    if (fails !== undefined) {
      const error = fails === 'command-error' ? 'ERR scripted failure' : failureMessage(fails);
      return { ok: false, outcome: fails === 'timeout' ? 'timeout' : 'error', failure: fails, error, ms: afterMs };
    }
    try {
      // The fake client covers only the commands the read and write paths send; see the module's comment.
      const value = await command(replica.client as unknown as ReplicaClient);
      return { ok: true, value, ms: afterMs };
    } catch (error) {
      return { ok: false, outcome: 'error', failure: 'command-error', error: (error as Error).message, ms: afterMs };
    }
  }
}

/**
 * Runs each test of the calling file on vitest's fake timers, starting at time 0, so scripted delays pass only when
 * the test moves time (see {@link advance}).
 */
export function useFakeReplicaTime(): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/**
 * How much later than scheduled a `setImmediate` runs on the fake clock: the fake timers run a zero-delay timer
 * scheduled while they are running timers 1 ms later. It matters only where the code waits for the end of the
 * current round of I/O (a drained fan-out, read repair after the answer).
 */
export const IMMEDIATE_MS = 1;

/**
 * Moves the fake clock `ms` forward, running every scripted reply due by then, and lets the promise chains they
 * start run to their end (without moving the clock further).
 */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  for (let turn = 0; turn < 50; turn += 1) await Promise.resolve();
}

/**
 * Follows a promise on the fake clock: `settled` says whether it has settled yet, `at` at which fake time, and
 * `result` / `error` what it settled with.
 */
export function watch<T>(promise: Promise<T>): { readonly settled: boolean; readonly at?: number; readonly result?: T; readonly error?: unknown } {
  const state: { settled: boolean; at?: number; result?: T; error?: unknown } = { settled: false };
  promise.then(
    (result) => Object.assign(state, { settled: true, at: Date.now(), result }),
    (error: unknown) => Object.assign(state, { settled: true, at: Date.now(), error }),
  );
  return state;
}

/** A version at wall-clock time `ms` (counter 0, coordinator 1), fixed width like the clock's. */
export function versionAt(ms: number): Version {
  return `${String(ms).padStart(13, '0')}.00000.0000000001`;
}

/** A stored value at the version of time `ms`. */
export function valueAt(ms: number, value = `v${ms}`): StoredEntry {
  return { value, version: versionAt(ms) };
}
