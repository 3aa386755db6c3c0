import type { Cluster, Redis } from 'ioredis';
import {
  applyEntry,
  Coordinator,
  encodeEntry,
  HybridLogicalClock,
  loadConfig,
  readEntry,
  type ReplicaClient,
  ReplicaPool,
} from '../../../lib';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { compareInterleaved, type Variant } from '../loop';
import { rowsFrom, type Row } from '../results';
import { rowSelected } from '../settings';
import { plainClient, populate } from '../workload';
import { applyHashEntry, type HashFormatClient, readHashEntry, withHashFormat } from './hashFormat';

/** Variant: one command on one node with plain ioredis, the floor every other figure is compared with. */
export const RAW = 'raw ioredis, 1 node';
/** Variant: the same command sent to all three nodes at once, without the coordinator's logic. */
export const FAN_OUT = 'bare fan-out, 3 nodes';
/** Variant: `Coordinator.set` at the default quorum. */
export const QUORUM_WRITE = 'coordinator quorum write';
/** Variant (1 in flight): `Coordinator.set` with `REDIS_AUTO_PIPELINING=false`, the request functions' setting. */
export const QUORUM_WRITE_UNPIPELINED = 'coordinator quorum write, auto-pipelining off';
/** Variant (1 in flight): `Coordinator.get` at level one with `REDIS_AUTO_PIPELINING=false`. */
export const FIRST_READ_UNPIPELINED = 'coordinator first-response read, auto-pipelining off';
/** Variant (1 in flight): the apply script through ioredis' own script command (`defineCommand`), beside ours. */
export const FAN_OUT_SCRIPT_IOREDIS = "bare fan-out, apply script via ioredis' Script";
/** Variant: `Coordinator.get` at level one. */
export const FIRST_READ = 'coordinator first-response read';
/** Variant: `Coordinator.get` at level quorum. */
export const QUORUM_READ = 'coordinator quorum read';
/** Variant: the apply-if-newer script sent to all nodes directly, to split a write's cost. */
export const FAN_OUT_SCRIPT = 'bare fan-out, apply script';
/** Variant: the apply script of the hash format before issue 12 (`hashFormat.ts`), beside today's. */
export const FAN_OUT_HASH_SCRIPT = 'bare fan-out, hash apply script';
/** Variant: the coordinator's own read command, a single GET of an entry string, sent to all nodes directly. */
export const FAN_OUT_STRING_GET = 'bare fan-out, GET of a string entry';
/** Variant: the HMGET of a hash entry (the format before issue 12, `hashFormat.ts`), beside today's GET. */
export const FAN_OUT_HMGET = 'bare fan-out, HMGET of an entry';
/** Requests in flight: one (latency) and 64 (throughput). */
export const CONCURRENCIES = [1, 64] as const;

/** The results table's group for an operation at a concurrency. */
export function groupName(operation: 'set' | 'get', concurrency: number): string {
  return `${operation}, ${concurrency} in flight`;
}

/**
 * Scenario 1: the coordinator in-process against one plain ioredis client on one of the same Redis servers (same
 * client library, same options, same concurrency), and against a bare ioredis fan-out to all three nodes (what the
 * coordinator would cost if its own logic cost nothing: write to 3, answer after 2; read from 3, answer with the
 * first value). Reads are measured at level `one` (first response) and `quorum` (newest of two replies). Two more
 * write variant splits the gap: the bare fan-out sending the coordinator's own Lua script (protocol and server cost
 * without coordinator logic); one more read variant races the coordinator's own `GET` of an entry string over the
 * bare fan-out. Beside them, the same for the hash format before issue 12 (its apply script, its `HMGET`), which
 * is what the choice of the entry string was measured against.
 */
export async function coordinatorScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, cluster, work } = context;
  const config = loadConfig(coordinatorEnv(context));
  const coordinator = new Coordinator(config);
  // The request functions' setting (serverless.yml), beside the library's default, at 1 in flight.
  const unpipelined = new Coordinator(loadConfig({ ...coordinatorEnv(context), REDIS_AUTO_PIPELINING: 'false' }));
  // The same Lua script and arguments the coordinator sends, without any of its logic: what the protocol and the
  // servers cost on their own.
  const scripted = new ReplicaPool(config);
  const clock = new HybridLogicalClock();
  const raw = plainClient(cluster.nodes[0]!.url);
  const fanOut = cluster.nodes.map((node) => plainClient(node.url));
  const rawKey = (i: number): string => `raw-${work.key(i)}`;
  // The hash format before issue 12, over the same connections, for the comparison with today's entry strings.
  const hashClients = scripted.replicas.map((replica) => withHashFormat(replica.client));
  const hashKey = (i: number): string => `hash-${work.key(i)}`;
  // The same script called as before: ioredis' script command, which builds a command class and a NOSCRIPT retry
  // per call, against `applyEntry`'s own EVALSHA by a precomputed SHA.
  for (const replica of scripted.replicas) {
    replica.client.defineCommand('applyIfNewerViaScript', { numberOfKeys: 1, lua: replica.client.applyScript.lua });
  }
  try {
    await populate(work.keys, (key) => coordinator.set(key, work.value));
    await populate(work.keys.map((_, i) => rawKey(i)), (key) => raw.set(key, work.value));
    await Promise.all(fanOut.map((client) => populate(work.keys.map((_, i) => rawKey(i)), (key) => client.set(key, work.value))));
    const hashEntry = { version: clock.next(), value: work.value };
    await Promise.all(hashClients.map((client) => populate(work.keys.map((_, i) => hashKey(i)), (key) => applyHashEntry(client, key, hashEntry, config.tombstoneGraceMs))));

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCIES) {
      const options = { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs, rounds: settings.rounds };
      const writes: Variant[] = [
        { name: RAW, operation: (i) => raw.set(rawKey(i), work.value) },
        { name: FAN_OUT, operation: (i) => quorumOf(fanOut, 2, (client) => client.set(rawKey(i), work.value)) },
        {
          name: FAN_OUT_HASH_SCRIPT,
          operation: (i) => {
            const entry = { version: clock.next(), value: work.value };
            return quorumOf(hashClients, 2, (client) => applyHashEntry(client as HashFormatClient, `hashscript-${work.key(i)}`, entry, config.tombstoneGraceMs));
          },
        },
        {
          name: FAN_OUT_SCRIPT,
          operation: (i) => {
            const entry = { version: clock.next(), value: work.value };
            return quorumOf(scripted.replicas.map((replica) => replica.client), 2, (client) =>
              applyEntry(client as ReplicaClient, `script-${work.key(i)}`, entry, config.tombstoneGraceMs),
            );
          },
        },
        ...(concurrency === 1
          ? [
              {
                name: FAN_OUT_SCRIPT_IOREDIS,
                operation: (i: number) => {
                  const entry = encodeEntry({ version: clock.next(), value: work.value });
                  return quorumOf(scripted.replicas.map((replica) => replica.client as ReplicaClient & ViaScript), 2, (client) =>
                    client.applyIfNewerViaScript(`script-${work.key(i)}`, entry, ''),
                  );
                },
              },
            ]
          : []),
        { name: QUORUM_WRITE, operation: (i) => coordinator.set(work.key(i), work.value) },
        ...(concurrency === 1 ? [{ name: QUORUM_WRITE_UNPIPELINED, operation: (i: number) => unpipelined.set(work.key(i), work.value) }] : []),
      ];
      if (rowSelected(settings, groupName('set', concurrency))) {
        context.log(`coordinator: set at ${concurrency} in flight`);
        rows.push(...rowsFrom('coordinator', groupName('set', concurrency), await compareInterleaved(writes, options), RAW));
      }
      const reads: Variant[] = [
        { name: RAW, operation: (i) => raw.get(rawKey(i)) },
        { name: FAN_OUT, operation: (i) => firstValueOf(fanOut, (client) => client.get(rawKey(i))) },
        { name: FAN_OUT_HMGET, operation: (i) => firstValueOf(hashClients, (client) => readHashEntry(client, hashKey(i))) },
        {
          name: FAN_OUT_STRING_GET,
          operation: (i) =>
            firstValueOf(scripted.replicas.map((replica) => replica.client), (client) =>
              readEntry(client as ReplicaClient, work.key(i)),
            ),
        },
        { name: FIRST_READ, operation: (i) => coordinator.get(work.key(i)) },
        { name: QUORUM_READ, operation: (i) => coordinator.get(work.key(i), { consistency: 'quorum' }) },
        ...(concurrency === 1 ? [{ name: FIRST_READ_UNPIPELINED, operation: (i: number) => unpipelined.get(work.key(i)) }] : []),
      ];
      if (rowSelected(settings, groupName('get', concurrency))) {
        context.log(`coordinator: get at ${concurrency} in flight`);
        rows.push(...rowsFrom('coordinator', groupName('get', concurrency), await compareInterleaved(reads, options), RAW));
      }
    }
    return { rows };
  } finally {
    await coordinator.close();
    await unpipelined.close();
    await scripted.close();
    raw.disconnect();
    for (const client of fanOut) client.disconnect();
  }
}

/** A client with the apply script also registered as an ioredis script command. */
interface ViaScript {
  applyIfNewerViaScript(key: string, storedEntry: string, removeAt: string): Promise<[number, string]>;
}

/** Sends `command` to every client and resolves once `quorum` of them have answered. */
function quorumOf<C extends Redis | Cluster>(clients: readonly C[], quorum: number, command: (client: C) => Promise<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let acknowledged = 0;
    let failed = 0;
    for (const client of clients) {
      command(client).then(
        () => {
          acknowledged += 1;
          if (acknowledged === quorum) resolve();
        },
        (error: unknown) => {
          failed += 1;
          if (failed > clients.length - quorum) reject(error);
        },
      );
    }
  });
}

/** A client with the apply script also registered as an ioredis script command. */
interface ViaScript {
  applyIfNewerViaScript(key: string, storedEntry: string, removeAt: string): Promise<[number, string]>;
}

/** Sends `command` to every client and resolves with the first non-null answer (null when all answer null). */
function firstValueOf<T, C extends Redis | Cluster>(clients: readonly C[], command: (client: C) => Promise<T | null>): Promise<T | null> {
  return new Promise((resolve, reject) => {
    let remaining = clients.length;
    let answered = false;
    for (const client of clients) {
      command(client).then(
        (value) => {
          remaining -= 1;
          if (value !== null) {
            answered = true;
            resolve(value);
          } else if (remaining === 0) resolve(null);
        },
        (error: unknown) => {
          remaining -= 1;
          if (remaining === 0 && !answered) reject(error);
        },
      );
    }
  });
}
