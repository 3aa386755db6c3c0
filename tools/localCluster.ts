import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How a node's data directory is treated when it restarts. */
export type RestartData = 'keep' | 'empty' | { readonly snapshot: string };

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
}

/** The certificate, key and CA files of a TLS node. */
export interface LocalTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const READY_LINE = 'Ready to accept connections';
const START_TIMEOUT_MS = 15_000;

const liveProcesses = new Set<ChildProcess>();
// Never leave servers behind, even when a test run dies: kill what is still running as this process exits.
process.once('exit', () => {
  for (const child of liveProcesses) child.kill('SIGKILL');
});

/**
 * One real `redis-server` process on 127.0.0.1 that can be crashed, paused, resumed and restarted, so tests and the
 * local cluster use genuine faults rather than mocks.
 */
export class LocalRedisNode {
  private process: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly appendOnly: boolean,
    private readonly verbose: boolean,
    private readonly extras: Pick<LocalClusterOptions, 'tls' | 'serverArgs'> = {},
  ) {}

  /** The `redis://` (or, with TLS, `rediss://`) URL clients use to reach this node. */
  get url(): string {
    return `${this.extras.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Starts the server and resolves once it accepts connections. */
  async start(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true });
    const { tls } = this.extras;
    const listen = tls === undefined
      ? ['--port', String(this.port)]
      : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile,
         '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no'];
    const args = [
      ...listen,
      '--bind', '127.0.0.1',
      '--dir', this.dataDir,
      '--save', '',
      '--appendonly', this.appendOnly ? 'yes' : 'no',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      // DEBUG SLEEP is one of the real faults the tests inject.
      '--enable-debug-command', 'local',
      ...(this.extras.serverArgs ?? []),
    ];
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    liveProcesses.add(child);
    this.exited = new Promise((resolve) => {
      const gone = (): void => {
        liveProcesses.delete(child);
        resolve();
      };
      child.once('exit', gone);
      // A process that could not be spawned (no redis-server on PATH) emits 'error' and may never emit 'exit'.
      child.once('error', gone);
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`redis-server on port ${this.port} did not start in time:\n${output}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        if (this.verbose) process.stdout.write(`[redis ${this.port}] ${text}`);
        output += text;
        if (output.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      };
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) =>
        fail(
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? new Error('redis-server was not found on PATH: run scripts/ensure-redis.sh (or set REDIS_SERVER_BIN)')
            : error,
        ),
      );
      child.once('exit', (code) => fail(new Error(`redis-server on port ${this.port} exited with code ${code}:\n${output}`)));
    });
  }

  /** Crashes the node (SIGKILL): no shutdown, no final save. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.process === undefined) return;
    // SIGKILL also ends a paused (SIGSTOPped) process, without letting it run what was queued for it.
    this.process.kill('SIGKILL');
    await this.exited;
    this.process = undefined;
  }

  /** Freezes the node (SIGSTOP): it keeps its TCP connections but answers nothing until resumed. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Wakes a paused node (SIGCONT); it then runs every command queued while it slept. */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Copies the node's current data directory (stop the node first for a consistent copy); returns the copy's path. */
  async snapshot(): Promise<string> {
    const target = `${this.dataDir}.snapshot-${Date.now()}`;
    await cp(this.dataDir, target, { recursive: true });
    return target;
  }

  /**
   * Crashes and restarts the node on the same port: with its own data (`keep`), with no data (`empty`), or with an
   * older copy of its data (`{ snapshot }`), which is how a stale replica comes about.
   */
  async restart(data: RestartData = 'keep'): Promise<void> {
    await this.kill();
    if (data !== 'keep') {
      await rm(this.dataDir, { recursive: true, force: true });
      if (data !== 'empty') await cp(data.snapshot, this.dataDir, { recursive: true });
    }
    await this.start();
  }
}

/** A set of real `redis-server` processes on loopback: the local stand-in for the replicas. */
export class LocalRedisCluster {
  private constructor(
    readonly nodes: readonly LocalRedisNode[],
    private readonly ownedDataDir: string | undefined,
  ) {}

  /** Starts the nodes (in parallel) and resolves once all accept connections. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalRedisCluster> {
    const ports = options.ports ?? (await freePorts(options.count ?? 3));
    const ownedDataDir = options.dataDir === undefined ? await mkdtemp(join(tmpdir(), 'quorum-kv-')) : undefined;
    const parent = options.dataDir ?? ownedDataDir!;
    const nodes = ports.map(
      (port) =>
        new LocalRedisNode(port, join(parent, `node-${port}`), options.appendOnly ?? true, options.verbose ?? false, {
          ...(options.tls === undefined ? {} : { tls: options.tls }),
          ...(options.serverArgs === undefined ? {} : { serverArgs: options.serverArgs }),
        }),
    );
    const cluster = new LocalRedisCluster(nodes, ownedDataDir);
    try {
      await Promise.all(nodes.map((node) => node.start()));
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

/** Asks the OS for `count` distinct free TCP ports on 127.0.0.1. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
