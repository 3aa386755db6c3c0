import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** How a node's data directory is treated when it restarts. */
export type RestartData = 'keep' | 'empty' | { readonly snapshot: string };

/** What a node may serve beyond plain Redis on its port. */
export interface LocalNodeExtras {
  /** Serve TLS only, on the node's port; its URL becomes `rediss://`. */
  readonly tls?: LocalTlsFiles;
  /** Extra `redis-server` arguments. */
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
/** Where a cluster-enabled node keeps its membership (`--cluster-config-file`, relative to its data folder). */
export const CLUSTER_CONFIG_FILE = 'nodes.conf';

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
    private readonly extras: LocalNodeExtras = {},
  ) {}

  /** The `redis://` (or, with TLS, `rediss://`) URL clients use to reach this node. */
  get url(): string {
    return `${this.extras.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}`;
  }

  /** The masters of this replica: itself (a {@link LocalClusterReplica} has several). */
  get masters(): readonly LocalRedisNode[] {
    return [this];
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
      // Every acknowledged write is in the file before its reply, so a killed process (SIGKILL) loses none: with the
      // default `everysec`, Redis postpones the write(2) up to 2 s while a slow fsync runs, and a node killed then comes
      // back without writes it acknowledged (under load, a test's FLUSHALL came undone). The OS flushes the file itself:
      // what only a machine crash could lose, no test or local run needs.
      '--appendfsync', 'no',
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

  /** Resumes the node and starts it again if it was killed: back to serving, whatever a test did to it. */
  async ensureRunning(): Promise<void> {
    this.resume();
    if (this.process === undefined) await this.start();
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
      // A cluster node's identity (its id, slots and peers) is not data: it restarts as the same member, as a
      // replaced ElastiCache node rejoins its shard.
      const membership = await readFile(join(this.dataDir, CLUSTER_CONFIG_FILE)).catch(() => undefined);
      await rm(this.dataDir, { recursive: true, force: true });
      if (data !== 'empty') await cp(data.snapshot, this.dataDir, { recursive: true });
      if (membership !== undefined) {
        await mkdir(this.dataDir, { recursive: true });
        await writeFile(join(this.dataDir, CLUSTER_CONFIG_FILE), membership);
      }
    }
    await this.start();
  }
}

/**
 * Ports local servers listen on are picked from here: below the ranges operating systems hand out for outgoing
 * connections (Linux 32768-60999, macOS 49152-65535). A port the OS picked (`listen(0)`) comes from that range, and
 * between the check and the server's own listen an outgoing connection of any process could take it as its local
 * port: with hundreds of test connections opened and closed, a run once lost `serverless offline` to EADDRINUSE.
 * A cluster master given a fixed port listens on its bus port 10000 higher (`npm run dev -- --cluster`): those fall
 * in 20000-26383, outside this range and below the outgoing ones too.
 */
const LISTEN_PORTS = { from: 10_000, to: 16_383 } as const;

/** `count` distinct TCP ports free on 127.0.0.1 now, none of them in `besides` (see {@link LISTEN_PORTS}). */
export async function freePorts(count: number, besides: readonly number[] = []): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries += 1) {
    if (tries > 10_000) throw new Error(`no ${count} free ports between ${LISTEN_PORTS.from} and ${LISTEN_PORTS.to}`);
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from + 1));
    if (besides.includes(port) || ports.includes(port)) continue;
    if (await isFree(port)) ports.push(port);
  }
  return ports;
}

/** True when a server can listen on `port` on 127.0.0.1 right now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
