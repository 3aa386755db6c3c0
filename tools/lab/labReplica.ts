import type { LocalRedisNode } from '../localRedisNode';
import { TcpProxy } from '../tcpProxy';

/** The faults the lab applies to one replica (the names its page and its HTTP route use). */
export const FAULTS = [
  'pause',
  'resume',
  'kill',
  'restart-keep',
  'restart-empty',
  'restart-snapshot',
  'snapshot',
  'slow',
  'fast',
  'cut',
  'heal',
] as const;

/** One of {@link FAULTS}. */
export type Fault = (typeof FAULTS)[number];

/** Tells a fault's name from any other string. */
export function isFault(name: unknown): name is Fault {
  return typeof name === 'string' && (FAULTS as readonly string[]).includes(name);
}

/** How many ms a `slow` replica's link delays each chunk, each way: a round trip gains at least twice this. */
export const SLOW_LINK_MS = 150;

/** The faults of one process (a standalone replica's redis-server, or one master of a cluster replica). */
export const PROCESS_FAULTS = ['pause', 'resume', 'kill', 'restart-keep', 'restart-empty', 'snapshot', 'restart-snapshot'] as const satisfies readonly Fault[];

/** What the lab knows of one redis-server process it owns. */
export interface LabProcessState {
  /** The redis-server's own port (the lab reads it there, bypassing any proxy). */
  readonly port: number;
  readonly process: 'running' | 'paused' | 'killed';
  /** Whether a snapshot was taken, to restart from. */
  readonly snapshot: boolean;
}

/** What the lab knows of one replica's faults: its process(es), its link to the coordinator, and its snapshot. */
export interface LabReplicaState {
  /** The name the coordinator knows it by (as in `REDIS_NODES` and traces: the proxy's, or a cluster's seed). */
  readonly name: string;
  readonly kind: 'standalone' | 'cluster';
  /** The redis-server's own port (a cluster replica: its first master's). */
  readonly redisPort: number;
  /** For a cluster: running only when every master runs, killed only when every master is killed. */
  readonly process: 'running' | 'paused' | 'killed';
  /** A cluster replica has no proxy: always `ok`. */
  readonly link: 'ok' | 'slow' | 'cut';
  /** Whether a snapshot was taken, to restart from. */
  readonly snapshot: boolean;
  /** The faults the lab can apply to the whole replica. */
  readonly faults: readonly Fault[];
  /** A cluster replica's masters, each with its own faults ({@link PROCESS_FAULTS}). */
  readonly masters?: readonly LabProcessState[];
}

/**
 * A replica the lab owns, standalone or a cluster: what the lab server shows of it and the faults it applies.
 * `master` names one master of a cluster replica (its index); without it a fault applies to the whole replica.
 */
export interface LabTarget {
  readonly name: string;
  readonly url: string;
  readonly state: LabReplicaState;
  /** Every redis-server port of the replica, masters in order (one for a standalone replica). */
  readonly ports: readonly number[];
  apply(fault: Fault, master?: number): Promise<void>;
  /** Back to normal: every process running, linked, no delay (the data kept). */
  heal(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One replica of `npm run dev`'s lab: a local redis-server, served to the coordinator through a {@link TcpProxy}, so
 * that cutting or slowing the link is a real network fault between the coordinator and this replica only, while
 * pausing or killing is a real fault of the process (SIGSTOP, SIGKILL).
 */
export class LabReplica implements LabTarget {
  private process: LabReplicaState['process'] = 'running';
  private link: LabReplicaState['link'] = 'ok';
  private snapshotDir: string | undefined;

  private constructor(
    readonly node: LocalRedisNode,
    private proxy: TcpProxy,
  ) {}

  /** Puts a proxy on 127.0.0.1 (on `port`, or a free one) in front of `node`. */
  static async start(node: LocalRedisNode, port?: number): Promise<LabReplica> {
    const proxy = await TcpProxy.start({ targetHost: '127.0.0.1', targetPort: node.port, ...(port === undefined ? {} : { port }) });
    return new LabReplica(node, proxy);
  }

  /** The name the coordinator knows this replica by: `127.0.0.1:<proxy port>`. */
  get name(): string {
    return `${this.proxy.host}:${this.proxy.port}`;
  }

  /** The URL the coordinator is given (`REDIS_NODES`): the proxy's. */
  get url(): string {
    return `redis://${this.name}`;
  }

  /** What the lab did to it. */
  get state(): LabReplicaState {
    return {
      name: this.name,
      kind: 'standalone',
      redisPort: this.node.port,
      process: this.process,
      link: this.link,
      snapshot: this.snapshotDir !== undefined,
      faults: FAULTS,
    };
  }

  get ports(): readonly number[] {
    return [this.node.port];
  }

  /** Applies one fault (a standalone replica has no masters: `master` must be absent); rejects a restart from a snapshot when none was taken. */
  async apply(fault: Fault, master?: number): Promise<void> {
    if (master !== undefined) throw new Error('a standalone replica has no masters');
    switch (fault) {
      case 'pause':
        if (this.process === 'running') this.node.pause();
        if (this.process !== 'killed') this.process = 'paused';
        return;
      case 'resume':
        this.node.resume();
        if (this.process === 'paused') this.process = 'running';
        return;
      case 'kill':
        await this.node.kill();
        // A dead server's port refuses connections: a proxy still listening would accept one, take a command and only
        // then find no server behind it, and the coordinator could not tell that the command reached no replica.
        if (this.process !== 'killed') await this.proxy.close();
        this.process = 'killed';
        return;
      case 'restart-keep':
      case 'restart-empty':
      case 'restart-snapshot': {
        if (fault === 'restart-snapshot' && this.snapshotDir === undefined) throw new Error('take a snapshot first');
        this.node.resume();
        const data = fault === 'restart-keep' ? 'keep' : fault === 'restart-empty' ? 'empty' : { snapshot: this.snapshotDir! };
        await this.node.restart(data);
        if (this.process === 'killed') this.proxy = await TcpProxy.start({ targetHost: '127.0.0.1', targetPort: this.node.port, port: this.proxy.port });
        this.process = 'running';
        this.restoreLink();
        return;
      }
      case 'snapshot':
        // The append-only file is written after every command (it reaches the file, if not yet the disk), so a copy
        // of a running node holds every write it acknowledged.
        this.snapshotDir = await this.node.snapshot();
        return;
      case 'slow':
        this.link = 'slow';
        this.restoreLink();
        return;
      case 'fast':
      case 'heal':
        this.link = 'ok';
        this.restoreLink();
        return;
      case 'cut':
        this.link = 'cut';
        this.restoreLink();
        return;
    }
  }

  /** Sets the proxy to what the link is (a killed replica has no proxy listening until it restarts). */
  private restoreLink(): void {
    if (this.process === 'killed') return;
    if (this.link === 'slow') this.proxy.delay(SLOW_LINK_MS);
    else if (this.link === 'cut') this.proxy.blackhole('deliver');
    else this.proxy.pass();
  }

  async heal(): Promise<void> {
    if (this.process === 'killed') await this.apply('restart-keep');
    await this.apply('resume');
    await this.apply('heal');
  }

  /** Closes the proxy (the node is its cluster's to stop). */
  close(): Promise<void> {
    return this.proxy.close();
  }
}
