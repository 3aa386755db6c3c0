import { Redis } from 'ioredis';
import type { LocalRedisCluster, LocalReplica } from '../../tools/localCluster';
import type { LocalRedisNode } from '../../tools/localRedisNode';

/** One Redis server of a run: a standalone replica, or one master of a cluster replica. */
export interface MasterRef {
  /** The quorum-kv replica it belongs to (its `REDIS_NODES` position: `a`, `b`, `c`). */
  readonly replica: string;
  readonly port: number;
}

/** What one server had done at one moment: `INFO commandstats`, `INFO cpu` and `INFO clients` in one reply. */
export interface ServerSnapshot {
  /** Per command (lower case): calls and microseconds spent executing it, since the server started. */
  readonly commands: ReadonlyMap<string, { readonly calls: number; readonly usec: number }>;
  /** `used_cpu_user` + `used_cpu_sys` (main thread and I/O), in µs. */
  readonly cpuUs: number;
  readonly connectedClients: number;
}

/** One server's share of the load of one measured variant. */
export interface MasterLoad extends MasterRef {
  /** Commands it executed (this bench's own `INFO` left out). */
  readonly calls: number;
  /** Microseconds of command execution (`INFO commandstats` `usec`). */
  readonly commandUs: number;
  /** Process CPU time (`INFO cpu`): command execution plus parsing, networking and the server's own timers. */
  readonly cpuUs: number;
}

/** The load one variant (a mode and an operation at a concurrency) put on every server of its replicas. */
export interface ServerLoad {
  /** The results table's group and variant this load belongs to. */
  readonly group: string;
  readonly name: string;
  readonly mode: 'standalone' | 'cluster';
  /** Operations the client issued while the servers were watched (warm-up included). */
  readonly clientOps: number;
  readonly masters: readonly MasterLoad[];
  /** Calls per command summed over every server of the mode (commands run by Lua scripts count too). */
  readonly commands: Readonly<Record<string, number>>;
  /** The cost of one client operation to every server of the mode together. */
  readonly work: ReplicaWork;
}

/**
 * What one client operation cost the replicas, summed over every server of the mode: the commands the client sent
 * and their execution time, a script's inner commands counted once, inside the script.
 */
export interface ReplicaWork {
  /** Commands the client sent per operation (a script call is one, whatever it runs). */
  readonly commandsPerOp: number;
  /** Microseconds of command execution per operation (`INFO commandstats` `usec`; a script's includes its inner calls). */
  readonly commandUsPerOp: number;
  /** Server process CPU per operation (`INFO cpu`): execution plus parsing, networking and timers. */
  readonly cpuUsPerOp: number;
}

/** Commands that run a script: the commands such a call runs are counted by Redis too, and are inside its time. */
const SCRIPT_COMMANDS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Connections one coordinator holds open on each server, counted as `connected_clients` deltas. */
export interface ConnectionCount {
  readonly mode: 'standalone' | 'cluster';
  /** When it was counted: after one write and one read, and after writes that reached every master. */
  readonly after: string;
  readonly masters: readonly (MasterRef & { readonly connections: number })[];
}

/** Each server's CPU time per second with no load but a connected, idle coordinator (timers, cluster bus). */
export interface IdleCpu {
  readonly mode: 'standalone' | 'cluster';
  readonly masters: readonly (MasterRef & { readonly cpuUsPerS: number })[];
}

/** Commands this bench sends itself to watch the servers: left out of every count. */
const OWN_COMMANDS = new Set(['info']);

/** Every server of a run, each with a quorum-kv replica name `a`, `b`, `c`... in `REDIS_NODES` order. */
export function mastersOfRun(cluster: LocalRedisCluster): MasterRef[] {
  return cluster.nodes.flatMap((replica, index) =>
    serversOf(replica).map((server) => ({ replica: String.fromCharCode(97 + index), port: server.port })),
  );
}

function serversOf(replica: LocalReplica): readonly LocalRedisNode[] {
  return 'masters' in replica ? replica.masters : [replica];
}

/**
 * A watcher of a set of servers: one plain connection to each (opened once, so it counts the same in every
 * `connected_clients` reading), reading `INFO commandstats`, `cpu` and `clients` on demand.
 */
export class ServerWatch {
  private readonly clients: Redis[];

  constructor(readonly masters: readonly MasterRef[]) {
    this.clients = masters.map((master) => {
      const client = new Redis({ host: '127.0.0.1', port: master.port, maxRetriesPerRequest: 0, lazyConnect: false });
      client.on('error', () => {});
      return client;
    });
  }

  /** Every server's counters now, in the order of {@link masters}. */
  snapshot(): Promise<ServerSnapshot[]> {
    return Promise.all(this.clients.map(async (client) => parseInfo(await client.info('commandstats', 'cpu', 'clients'))));
  }

  /** The load on every server between two snapshots, for `clientOps` operations of one variant. */
  static load(
    masters: readonly MasterRef[],
    before: readonly ServerSnapshot[],
    after: readonly ServerSnapshot[],
  ): MasterLoad[] {
    return masters.map((master, i) => {
      let calls = 0;
      let commandUs = 0;
      for (const [command, stats] of after[i]!.commands) {
        if (OWN_COMMANDS.has(command)) continue;
        const earlier = before[i]!.commands.get(command);
        calls += stats.calls - (earlier?.calls ?? 0);
        commandUs += stats.usec - (earlier?.usec ?? 0);
      }
      return { ...master, calls, commandUs, cpuUs: after[i]!.cpuUs - before[i]!.cpuUs };
    });
  }

  /**
   * What each of `clientOps` operations cost every server together between two snapshots ({@link ReplicaWork}). When
   * scripts ran, the other commands are taken as the scripts' own (their time is inside the scripts'): true of every
   * variant measured here, since a write sends only the apply script and a read only `GET`s.
   */
  static work(before: readonly ServerSnapshot[], after: readonly ServerSnapshot[], clientOps: number): ReplicaWork {
    let scriptCalls = 0;
    let scriptUs = 0;
    let otherCalls = 0;
    let otherUs = 0;
    let cpuUs = 0;
    after.forEach((server, i) => {
      cpuUs += server.cpuUs - before[i]!.cpuUs;
      for (const [command, stats] of server.commands) {
        if (OWN_COMMANDS.has(command)) continue;
        const earlier = before[i]!.commands.get(command);
        const calls = stats.calls - (earlier?.calls ?? 0);
        const usec = stats.usec - (earlier?.usec ?? 0);
        if (SCRIPT_COMMANDS.has(command)) {
          scriptCalls += calls;
          scriptUs += usec;
        } else {
          otherCalls += calls;
          otherUs += usec;
        }
      }
    });
    const ops = Math.max(1, clientOps);
    const scripted = scriptCalls > 0;
    return {
      commandsPerOp: (scripted ? scriptCalls : otherCalls) / ops,
      commandUsPerOp: (scripted ? scriptUs : otherUs) / ops,
      cpuUsPerOp: cpuUs / ops,
    };
  }

  /** Calls per command summed over every server between two snapshots (this bench's own `INFO` left out). */
  static commands(before: readonly ServerSnapshot[], after: readonly ServerSnapshot[]): Record<string, number> {
    const totals: Record<string, number> = {};
    after.forEach((server, i) => {
      for (const [command, stats] of server.commands) {
        if (OWN_COMMANDS.has(command)) continue;
        const calls = stats.calls - (before[i]!.commands.get(command)?.calls ?? 0);
        if (calls > 0) totals[command] = (totals[command] ?? 0) + calls;
      }
    });
    return totals;
  }

  /** Each server's CPU time per second over `ms` of no load from this bench. */
  async idleCpu(ms: number): Promise<number[]> {
    const before = await this.snapshot();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = await this.snapshot();
    const seconds = (performance.now() - started) / 1_000;
    return after.map((server, i) => (server.cpuUs - before[i]!.cpuUs) / seconds);
  }

  /**
   * `connected_clients` on every server once it has stopped changing (three equal readings 100 ms apart, within 5 s),
   * so connections being opened or closed in the background are not caught half way.
   */
  async settledClients(): Promise<number[]> {
    let previous: number[] | undefined;
    let stable = 0;
    const deadline = performance.now() + 5_000;
    for (;;) {
      const now = (await this.snapshot()).map((server) => server.connectedClients);
      stable = previous !== undefined && now.every((count, i) => count === previous![i]) ? stable + 1 : 0;
      if (stable >= 2 || performance.now() > deadline) return now;
      previous = now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    for (const client of this.clients) client.disconnect();
  }
}

/** Parses the `INFO` sections this bench reads (commandstats, cpu, clients). */
export function parseInfo(info: string): ServerSnapshot {
  const commands = new Map<string, { calls: number; usec: number }>();
  let cpuUs = 0;
  let connectedClients = 0;
  for (const line of info.split(/\r?\n/)) {
    const stat = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (stat !== null) {
      commands.set(stat[1]!.toLowerCase(), { calls: Number(stat[2]), usec: Number(stat[3]) });
      continue;
    }
    const field = /^(used_cpu_user|used_cpu_sys|connected_clients):([\d.]+)/.exec(line);
    if (field === null) continue;
    if (field[1] === 'connected_clients') connectedClients = Number(field[2]);
    else cpuUs += Math.round(Number(field[2]) * 1_000_000);
  }
  return { commands, cpuUs, connectedClients };
}
