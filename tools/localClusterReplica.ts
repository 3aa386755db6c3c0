import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { readFileSync } from 'node:fs';
import { CLUSTER_CONFIG_FILE, LocalRedisNode, type LocalTlsFiles, type RestartData } from './localRedisNode';

/** How many hash slots a Redis Cluster has. */
const SLOTS = 16_384;
const HEALTHY_TIMEOUT_MS = 20_000;
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? 'redis-cli';
const run = promisify(execFile);

/** Options for {@link LocalClusterReplica.start}. */
export interface LocalClusterReplicaOptions {
  /** Ports of its masters (one each). */
  readonly ports: readonly number[];
  /**
   * Ports of the masters' cluster bus (`cluster-port`), one each. Default: each port + 10000, as Redis does (taken,
   * maybe, by another server: tests pass free ones).
   */
  readonly busPorts?: readonly number[];
  /** Folder for the masters' data folders. */
  readonly dataDir: string;
  /** Append-only persistence, so a killed master restarts with its data. */
  readonly appendOnly: boolean;
  /** Pass the servers' log lines through to this process's output. */
  readonly verbose: boolean;
  /**
   * `cluster-require-full-coverage`: with `true` (Redis' default) the whole cluster answers CLUSTERDOWN once one
   * master is marked failed; with `false` (the default here) the other masters go on serving their slots.
   * @default false
   */
  readonly fullCoverage?: boolean;
  /** `cluster-node-timeout`: how long before the other masters mark a silent one failed. @default 1000 */
  readonly nodeTimeoutMs?: number;
  /** Extra `redis-server` arguments for every master. */
  readonly serverArgs?: readonly string[];
  /** Serve clients TLS only, with these PEM files (the bus between masters stays plain); the URL becomes `rediss://`. */
  readonly tls?: LocalTlsFiles;
  /**
   * The host name the masters announce instead of their address (`cluster-announce-hostname` with
   * `cluster-preferred-endpoint-type hostname`), as ElastiCache does with TLS: clients then reach, and verify, each
   * master by that name.
   */
  readonly announceHostname?: string;
}

/**
 * One replica that is a whole Redis Cluster of real `redis-server` masters on 127.0.0.1 (no Redis replicas: a
 * quorum-kv replica is the redundancy), the local stand-in for an ElastiCache cluster-mode cache. It offers the
 * faults of {@link LocalRedisNode} for the replica as a whole (every master at once), and each master's own through
 * {@link masters}.
 */
export class LocalClusterReplica {
  private constructor(
    readonly masters: readonly LocalRedisNode[],
    readonly dataDir: string,
    private readonly admin: RedisOptions,
    private readonly hostname: string,
    private readonly busPorts: readonly number[],
  ) {}

  /** Starts the masters, gives each an equal range of slots, joins them and resolves once the cluster is healthy. */
  static async start(options: LocalClusterReplicaOptions): Promise<LocalClusterReplica> {
    const clusterArgs = [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', CLUSTER_CONFIG_FILE,
      '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1_000),
      '--cluster-require-full-coverage', options.fullCoverage === true ? 'yes' : 'no',
      ...(options.announceHostname === undefined
        ? []
        : ['--cluster-announce-hostname', options.announceHostname, '--cluster-preferred-endpoint-type', 'hostname']),
      ...(options.serverArgs ?? []),
    ];
    const busPorts = options.ports.map((port, i) => options.busPorts?.[i] ?? port + 10_000);
    const masters = options.ports.map((port, i) => {
      const busPort = busPorts[i]!;
      // With TLS only, the plain port is 0: the masters announce their TLS port as the one clients use.
      const announced = options.tls === undefined ? [] : ['--cluster-announce-port', String(port)];
      const extras = {
        serverArgs: [...clusterArgs, '--cluster-port', String(busPort), ...announced],
        ...(options.tls === undefined ? {} : { tls: options.tls }),
      };
      return new LocalRedisNode(port, join(options.dataDir, `node-${port}`), options.appendOnly, options.verbose, extras);
    });
    const replica = new LocalClusterReplica(masters, options.dataDir, adminOptionsOf(options), options.announceHostname ?? '127.0.0.1', busPorts);
    try {
      await Promise.all(masters.map((master) => master.start()));
      await replica.assignSlots();
      await replica.waitUntilHealthy();
    } catch (error) {
      // A cluster that did not come up leaves no server behind (the caller never gets it to stop).
      await replica.kill();
      throw error;
    }
    return replica;
  }

  /** The `REDIS_NODES` entry: the first master as the seed endpoint, with `cluster=true`. */
  get url(): string {
    const seed = this.masters[0]!;
    return `${seed.url.replace('127.0.0.1', this.hostname)}?cluster=true`;
  }

  /** The first master's port (the seed endpoint's). */
  get port(): number {
    return this.masters[0]!.port;
  }

  /** Starts every master (after {@link kill}) and waits until the cluster is healthy again. */
  async start(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.start()));
    await this.waitUntilHealthy();
  }

  /** Resumes every master, starts those killed, and waits until the cluster is healthy. */
  async ensureRunning(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.ensureRunning()));
    await this.waitUntilHealthy();
  }

  /** Crashes every master (SIGKILL). */
  async kill(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.kill()));
  }

  /** Freezes every master (SIGSTOP): the whole replica hangs. */
  pause(): void {
    for (const master of this.masters) master.pause();
  }

  /** Wakes every master (SIGCONT). */
  resume(): void {
    for (const master of this.masters) master.resume();
  }

  /** Copies every master's data (stop them first for a consistent copy); returns the copy's folder. */
  async snapshot(): Promise<string> {
    const target = `${this.dataDir}.snapshot-${Date.now()}`;
    await mkdir(target, { recursive: true });
    await Promise.all(this.masters.map((master) => cp(master.dataDir, join(target, `node-${master.port}`), { recursive: true })));
    return target;
  }

  /** Crashes and restarts every master with its data, none, or a {@link snapshot}'s; each keeps its slots. */
  async restart(data: RestartData = 'keep'): Promise<void> {
    await Promise.all(
      this.masters.map((master) =>
        master.restart(typeof data === 'object' ? { snapshot: join(data.snapshot, `node-${master.port}`) } : data),
      ),
    );
    await this.waitUntilHealthy();
  }

  /**
   * Moves `slots` hash slots from master `from` to master `to` (indexes in {@link masters}) with
   * `redis-cli --cluster reshard`, as an operator rebalancing a cluster does: the keys migrate while clients go on
   * using them, who meet `ASK` and `MOVED` redirections meanwhile. redis-cli takes the lowest slots the source
   * serves. Resolves once every slot has moved and every master knows it.
   */
  async reshard(from: number, to: number, slots: number): Promise<void> {
    const [fromId, toId] = await Promise.all([from, to].map((index) => withClient(this.masterAt(index).port, this.admin, (client) => client.call('CLUSTER', 'MYID'))));
    await run(REDIS_CLI, [
      '--cluster', 'reshard', `127.0.0.1:${this.masterAt(from).port}`,
      '--cluster-from', String(fromId), '--cluster-to', String(toId), '--cluster-slots', String(slots), '--cluster-yes',
    ]);
    await this.waitUntilHealthy();
  }

  /** The ranges of slots (first and last, inclusive) that master `index` serves, as it sees them. */
  async slotsOf(index: number): Promise<[number, number][]> {
    const master = this.masterAt(index);
    const ranges = (await withClient(master.port, this.admin, (client) => client.call('CLUSTER', 'SLOTS'))) as [number, number, [string, number, ...unknown[]]][];
    return ranges.filter(([, , [, port]]) => port === master.port).map(([first, last]) => [first, last]);
  }

  /** Resolves once every master is up, knows every other and sees every slot served. */
  async waitUntilHealthy(timeoutMs = HEALTHY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const states = await Promise.all(this.masters.map((master) => clusterInfo(master.port, this.admin).catch((error: Error) => error.message)));
      const healthy = states.every(
        (info) => info.includes('cluster_state:ok') && info.includes(`cluster_slots_ok:${SLOTS}`) && info.includes(`cluster_known_nodes:${this.masters.length}`),
      );
      if (healthy) return;
      last = states.join(' | ').replace(/\s+/g, ' ').slice(0, 400);
      if (Date.now() > deadline) throw new Error(`the local Redis Cluster on ${this.masters.map((m) => m.port).join(',')} is not healthy: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private masterAt(index: number): LocalRedisNode {
    const master = this.masters[index];
    if (master === undefined) throw new RangeError(`no master ${index}: the replica has ${this.masters.length}`);
    return master;
  }

  /**
   * Gives each master an equal range of slots and introduces them to each other. A master started over a data folder
   * of an earlier run already holds its slots and peers (its `nodes.conf`): it keeps them.
   */
  private async assignSlots(): Promise<void> {
    const count = this.masters.length;
    await Promise.all(
      this.masters.map((master, i) =>
        withClient(master.port, this.admin, async (client) => {
          if (/^cluster_slots_assigned:[1-9]/m.test(String(await client.call('CLUSTER', 'INFO')))) return;
          const first = Math.floor((SLOTS * i) / count);
          const last = Math.floor((SLOTS * (i + 1)) / count) - 1;
          await client.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
        }),
      ),
    );
    await withClient(this.masters[0]!.port, this.admin, async (client) => {
      for (const [i, other] of this.masters.entries()) {
        if (i > 0) await client.call('CLUSTER', 'MEET', '127.0.0.1', String(other.port), String(this.busPorts[i]));
      }
    });
  }
}

/** How this harness reaches each master itself: over TLS trusting the test CA, by the announced name if any. */
function adminOptionsOf(options: LocalClusterReplicaOptions): RedisOptions {
  const servername = options.announceHostname;
  if (options.tls === undefined) return {};
  return { tls: { ca: [readFileSync(options.tls.caFile, 'utf8')], ...(servername === undefined ? {} : { servername }) } };
}

async function clusterInfo(port: number, admin: RedisOptions): Promise<string> {
  return withClient(port, admin, async (client) => String(await client.call('CLUSTER', 'INFO')));
}

async function withClient<T>(port: number, admin: RedisOptions, action: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null, connectTimeout: 1_000, ...admin });
  client.on('error', () => {});
  try {
    await client.connect();
    return await action(client);
  } finally {
    client.disconnect();
  }
}
