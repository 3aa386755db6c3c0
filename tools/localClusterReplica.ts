import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CLUSTER_CONFIG_FILE, LocalRedisNode, type RestartData } from './localRedisNode';

/** How many hash slots a Redis Cluster has. */
const SLOTS = 16_384;
const HEALTHY_TIMEOUT_MS = 20_000;

/** Options for {@link LocalClusterReplica.start}. */
export interface LocalClusterReplicaOptions {
  /** Ports of its masters (one each). */
  readonly ports: readonly number[];
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
  ) {}

  /** Starts the masters, gives each an equal range of slots, joins them and resolves once the cluster is healthy. */
  static async start(options: LocalClusterReplicaOptions): Promise<LocalClusterReplica> {
    const clusterArgs = [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', CLUSTER_CONFIG_FILE,
      '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1_000),
      '--cluster-require-full-coverage', options.fullCoverage === true ? 'yes' : 'no',
      ...(options.serverArgs ?? []),
    ];
    const masters = options.ports.map(
      (port) => new LocalRedisNode(port, join(options.dataDir, `node-${port}`), options.appendOnly, options.verbose, { serverArgs: clusterArgs }),
    );
    const replica = new LocalClusterReplica(masters, options.dataDir);
    await Promise.all(masters.map((master) => master.start()));
    await replica.assignSlots();
    await replica.waitUntilHealthy();
    return replica;
  }

  /** The `REDIS_NODES` entry: the first master as the seed endpoint, with `cluster=true`. */
  get url(): string {
    return `${this.masters[0]!.url}?cluster=true`;
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

  /** Resolves once every master is up, knows every other and sees every slot served. */
  async waitUntilHealthy(timeoutMs = HEALTHY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const states = await Promise.all(this.masters.map((master) => clusterInfo(master.port).catch((error: Error) => error.message)));
      const healthy = states.every(
        (info) => info.includes('cluster_state:ok') && info.includes(`cluster_slots_ok:${SLOTS}`) && info.includes(`cluster_known_nodes:${this.masters.length}`),
      );
      if (healthy) return;
      last = states.join(' | ').replace(/\s+/g, ' ').slice(0, 400);
      if (Date.now() > deadline) throw new Error(`the local Redis Cluster on ${this.masters.map((m) => m.port).join(',')} is not healthy: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Gives each master an equal range of slots and introduces them to each other. A master started over a data folder
   * of an earlier run already holds its slots and peers (its `nodes.conf`): it keeps them.
   */
  private async assignSlots(): Promise<void> {
    const count = this.masters.length;
    await Promise.all(
      this.masters.map((master, i) =>
        withClient(master.port, async (client) => {
          if (/^cluster_slots_assigned:[1-9]/m.test(String(await client.call('CLUSTER', 'INFO')))) return;
          const first = Math.floor((SLOTS * i) / count);
          const last = Math.floor((SLOTS * (i + 1)) / count) - 1;
          await client.call('CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
        }),
      ),
    );
    await withClient(this.masters[0]!.port, async (client) => {
      for (const other of this.masters.slice(1)) await client.call('CLUSTER', 'MEET', '127.0.0.1', String(other.port));
    });
  }
}

async function clusterInfo(port: number): Promise<string> {
  return withClient(port, async (client) => String(await client.call('CLUSTER', 'INFO')));
}

async function withClient<T>(port: number, action: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await action(client);
  } finally {
    client.disconnect();
  }
}
