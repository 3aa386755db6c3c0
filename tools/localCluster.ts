import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalClusterReplica, type LocalClusterReplicaOptions } from './localClusterReplica';
import { freePorts, LocalRedisNode, type LocalTlsFiles } from './localRedisNode';

/** Options for {@link LocalRedisCluster.start}. */
export interface LocalClusterOptions {
  /** Number of nodes (default 3). Ignored when `ports` is given. */
  readonly count?: number;
  /** Fixed ports; default: free ports chosen at random. */
  readonly ports?: readonly number[];
  /** Parent folder for the nodes' data; default: a fresh temporary folder, removed on stop. */
  readonly dataDir?: string;
  /** Append-only persistence (default true), so a killed node restarts with the data it had. */
  readonly appendOnly?: boolean;
  /** Pass the servers' log lines through to this process's output. */
  readonly verbose?: boolean;
  /** Serve TLS only, on the node's port, with these PEM files; the nodes' URLs become `rediss://`. */
  readonly tls?: LocalTlsFiles;
  /** Extra `redis-server` arguments for every node, e.g. ACL users: `['--user', 'app', 'on', '>pw', '~*', '+@all']`. */
  readonly serverArgs?: readonly string[];
  /**
   * `standalone`: each replica is one `redis-server`. `cluster`: each is a Redis Cluster of
   * {@link mastersPerReplica} masters, listed in `REDIS_NODES` with `?cluster=true`.
   * @default 'standalone'
   */
  readonly mode?: ReplicaMode;
  /** Masters of each cluster replica. @default 3 */
  readonly mastersPerReplica?: number;
  /** Cluster replicas only: `cluster-require-full-coverage yes` (see {@link LocalClusterReplicaOptions}). */
  readonly fullCoverage?: boolean;
  /** Cluster replicas only: the host name masters announce (see {@link LocalClusterReplicaOptions}). */
  readonly announceHostname?: string;
}

/** What a replica is: one Redis server, or a Redis Cluster reached through a seed endpoint. */
export type ReplicaMode = 'standalone' | 'cluster';

/** A local replica of either mode: the same faults, applied to the whole replica; {@link LocalReplica.masters} for one master's. */
export type LocalReplica = LocalRedisNode | LocalClusterReplica;

/** A set of replicas of real `redis-server` processes on loopback: the local stand-in for the store's replicas. */
export class LocalRedisCluster {
  private constructor(
    readonly nodes: readonly LocalReplica[],
    readonly mode: ReplicaMode,
    private readonly ownedDataDir: string | undefined,
  ) {}

  /** Starts the replicas (in parallel) and resolves once all accept connections (clusters: once healthy). */
  static async start(options: LocalClusterOptions = {}): Promise<LocalRedisCluster> {
    const mode = options.mode ?? 'standalone';
    const perReplica = mode === 'cluster' ? (options.mastersPerReplica ?? 3) : 1;
    const ports = options.ports ?? (await freePorts((options.count ?? 3) * perReplica));
    // A cluster's masters also listen on a bus port: chosen free as well, unless the ports were fixed (then + 10000).
    const busPorts = mode === 'cluster' && options.ports === undefined ? await freePorts(ports.length, ports) : ports.map((port) => port + 10_000);
    const ownedDataDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'quorum-kv-')) : undefined;
    const parent = options.dataDir ?? ownedDataDir!;
    const extras = {
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.serverArgs === undefined ? {} : { serverArgs: options.serverArgs }),
    };
    const appendOnly = options.appendOnly ?? true;
    const verbose = options.verbose ?? false;
    const started: LocalReplica[] = [];
    const cluster = new LocalRedisCluster(started, mode, ownedDataDir);
    try {
      if (mode === 'standalone') {
        started.push(...ports.map((port) => new LocalRedisNode(port, join(parent, `node-${port}`), appendOnly, verbose, extras)));
        await Promise.all(started.map((node) => node.start()));
      } else {
        const groups = Array.from({ length: ports.length / perReplica }, (_, i) => ports.slice(i * perReplica, (i + 1) * perReplica));
        const replicas = await Promise.allSettled(
          groups.map((group) =>
            LocalClusterReplica.start({
              ports: group,
              busPorts: group.map((port) => busPorts[ports.indexOf(port)]!),
              dataDir: join(parent, `cluster-${group[0]}`),
              appendOnly,
              verbose,
              ...(options.fullCoverage === undefined ? {} : { fullCoverage: options.fullCoverage }),
              ...(options.tls === undefined ? {} : { tls: options.tls }),
              ...(options.announceHostname === undefined ? {} : { announceHostname: options.announceHostname }),
              ...(options.serverArgs === undefined ? {} : { serverArgs: options.serverArgs }),
            }),
          ),
        );
        for (const replica of replicas) if (replica.status === 'fulfilled') started.push(replica.value);
        const failed = replicas.find((replica) => replica.status === 'rejected');
        if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
      }
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The value for `REDIS_NODES`. */
  get redisNodes(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  /** Kills every node and removes data the cluster created itself. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    if (this.ownedDataDir !== undefined) await rm(this.ownedDataDir, { recursive: true, force: true });
  }
}

