import type { Redis } from 'ioredis';
import {
  applyEntry,
  Coordinator,
  HybridLogicalClock,
  loadConfig,
  readEntry,
  type ReplicaClient,
  ReplicaPool,
} from '../../../lib';
import { coordinatorEnv, type ScenarioContext, type ScenarioOutput } from '../context';
import { compareInterleaved, type Variant } from '../loop';
import { rowsFrom, type Row } from '../results';
import { plainClient, populate } from '../workload';
import { applyStringEntry, encodeStringEntry, readStringEntry, type StringFormatClient, withStringFormat } from './stringFormat';

/** Variant: one command on one node with plain ioredis, the floor every other figure is compared with. */
export const RAW = 'raw ioredis, 1 node';
/** Variant: the same command sent to all three nodes at once, without the coordinator's logic. */
export const FAN_OUT = 'bare fan-out, 3 nodes';
/** Variant: `Coordinator.set` at the default quorum. */
export const QUORUM_WRITE = 'coordinator quorum write';
/** Variant: `Coordinator.get` at level one. */
export const FIRST_READ = 'coordinator first-response read';
/** Variant: `Coordinator.get` at level quorum. */
export const QUORUM_READ = 'coordinator quorum read';
/** Variant: the apply-if-newer script sent to all nodes directly, to split a write's cost. */
export const FAN_OUT_SCRIPT = 'bare fan-out, apply script';
/** Variant: an entry's HMGET sent to all nodes directly, to split a read's cost. */
export const FAN_OUT_HMGET = 'bare fan-out, HMGET of an entry';
/** Variant: the candidate string format's apply script sent to all nodes directly (issue 12, see `stringFormat.ts`). */
export const FAN_OUT_STRING_SCRIPT = 'bare fan-out, string apply script';
/** Variant: a single GET of a string-format entry sent to all nodes directly (issue 12, see `stringFormat.ts`). */
export const FAN_OUT_STRING_GET = 'bare fan-out, GET of a string entry';
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
 * without coordinator logic); one more read variant races the coordinator's own `HMGET` of an entry over the bare
 * fan-out.
 */
export async function coordinatorScenario(context: ScenarioContext): Promise<ScenarioOutput> {
  const { settings, cluster, work } = context;
  const config = loadConfig(coordinatorEnv(context));
  const coordinator = new Coordinator(config);
  // The same Lua script and arguments the coordinator sends, without any of its logic: what the protocol and the
  // servers cost on their own.
  const scripted = new ReplicaPool(config);
  const clock = new HybridLogicalClock();
  const raw = plainClient(cluster.nodes[0]!.url);
  const fanOut = cluster.nodes.map((node) => plainClient(node.url));
  const rawKey = (i: number): string => `raw-${work.key(i)}`;
  // The candidate string format (issue 12) over the same connections as the scripted hash variants.
  const stringClients = scripted.replicas.map((replica) => withStringFormat(replica.client));
  const stringKey = (i: number): string => `str-${work.key(i)}`;
  try {
    await populate(work.keys, (key) => coordinator.set(key, work.value));
    await populate(work.keys.map((_, i) => rawKey(i)), (key) => raw.set(key, work.value));
    await Promise.all(fanOut.map((client) => populate(work.keys.map((_, i) => rawKey(i)), (key) => client.set(key, work.value))));
    const stringEntry = encodeStringEntry({ version: clock.next(), value: work.value });
    await Promise.all(fanOut.map((client) => populate(work.keys.map((_, i) => stringKey(i)), (key) => client.set(key, stringEntry))));

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCIES) {
      const options = { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs, rounds: settings.rounds };
      const writes: Variant[] = [
        { name: RAW, operation: (i) => raw.set(rawKey(i), work.value) },
        { name: FAN_OUT, operation: (i) => quorumOf(fanOut, 2, (client) => client.set(rawKey(i), work.value)) },
        {
          name: FAN_OUT_SCRIPT,
          operation: (i) => {
            const entry = { version: clock.next(), value: work.value };
            return quorumOf(scripted.replicas.map((replica) => replica.client), 2, (client) =>
              applyEntry(client as ReplicaClient, `script-${work.key(i)}`, entry, config.tombstoneGraceMs),
            );
          },
        },
        {
          name: FAN_OUT_STRING_SCRIPT,
          operation: (i) => {
            const entry = { version: clock.next(), value: work.value };
            return quorumOf(stringClients, 2, (client) => applyStringEntry(client as StringFormatClient, `strscript-${work.key(i)}`, entry, config.tombstoneGraceMs));
          },
        },
        { name: QUORUM_WRITE, operation: (i) => coordinator.set(work.key(i), work.value) },
      ];
      context.log(`coordinator: set at ${concurrency} in flight`);
      rows.push(...rowsFrom('coordinator', groupName('set', concurrency), await compareInterleaved(writes, options), RAW));
      const reads: Variant[] = [
        { name: RAW, operation: (i) => raw.get(rawKey(i)) },
        { name: FAN_OUT, operation: (i) => firstValueOf(fanOut, (client) => client.get(rawKey(i))) },
        {
          name: FAN_OUT_HMGET,
          operation: (i) =>
            firstValueOf(scripted.replicas.map((replica) => replica.client), (client) =>
              readEntry(client as ReplicaClient, work.key(i)),
            ),
        },
        { name: FAN_OUT_STRING_GET, operation: (i) => firstValueOf(stringClients, (client) => readStringEntry(client, stringKey(i))) },
        { name: FIRST_READ, operation: (i) => coordinator.get(work.key(i)) },
        { name: QUORUM_READ, operation: (i) => coordinator.get(work.key(i), { consistency: 'quorum' }) },
      ];
      context.log(`coordinator: get at ${concurrency} in flight`);
      rows.push(...rowsFrom('coordinator', groupName('get', concurrency), await compareInterleaved(reads, options), RAW));
    }
    return { rows };
  } finally {
    await coordinator.close();
    await scripted.close();
    raw.disconnect();
    for (const client of fanOut) client.disconnect();
  }
}

/** Sends `command` to every client and resolves once `quorum` of them have answered. */
function quorumOf(clients: readonly Redis[], quorum: number, command: (client: Redis) => Promise<unknown>): Promise<void> {
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

/** Sends `command` to every client and resolves with the first non-null answer (null when all answer null). */
function firstValueOf<T>(clients: readonly Redis[], command: (client: Redis) => Promise<T | null>): Promise<T | null> {
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
