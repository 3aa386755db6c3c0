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

/** What the lab knows of one replica's faults: its process, its link to the coordinator, and its saved snapshot. */
export interface LabReplicaState {
  /** The name the coordinator knows it by (the proxy's `host:port`, as in `REDIS_NODES` and traces). */
  readonly name: string;
  /** The redis-server's own port (the lab reads it there, bypassing the link). */
  readonly redisPort: number;
  readonly process: 'running' | 'paused' | 'killed';
  readonly link: 'ok' | 'slow' | 'cut';
  /** Whether a snapshot was taken, to restart from. */
  readonly snapshot: boolean;
}

/**
 * One replica of `npm run dev`'s lab: a local redis-server, served to the coordinator through a {@link TcpProxy}, so
 * that cutting or slowing the link is a real network fault between the coordinator and this replica only, while
 * pausing or killing is a real fault of the process (SIGSTOP, SIGKILL).
 */
export class LabReplica {
  private process: LabReplicaState['process'] = 'running';
  private link: LabReplicaState['link'] = 'ok';
  private snapshotDir: string | undefined;

  private constructor(
    readonly node: LocalRedisNode,
    private readonly proxy: TcpProxy,
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
    return { name: this.name, redisPort: this.node.port, process: this.process, link: this.link, snapshot: this.snapshotDir !== undefined };
  }

  /** Applies one fault; rejects a restart from a snapshot when none was taken. */
  async apply(fault: Fault): Promise<void> {
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
        this.process = 'killed';
        return;
      case 'restart-keep':
      case 'restart-empty':
      case 'restart-snapshot': {
        if (fault === 'restart-snapshot' && this.snapshotDir === undefined) throw new Error('take a snapshot first');
        this.node.resume();
        const data = fault === 'restart-keep' ? 'keep' : fault === 'restart-empty' ? 'empty' : { snapshot: this.snapshotDir! };
        await this.node.restart(data);
        this.process = 'running';
        return;
      }
      case 'snapshot':
        // The append-only file is written after every command (it reaches the file, if not yet the disk), so a copy
        // of a running node holds every write it acknowledged.
        this.snapshotDir = await this.node.snapshot();
        return;
      case 'slow':
        this.proxy.delay(SLOW_LINK_MS);
        this.link = 'slow';
        return;
      case 'fast':
      case 'heal':
        this.proxy.pass();
        this.link = 'ok';
        return;
      case 'cut':
        this.proxy.blackhole('deliver');
        this.link = 'cut';
        return;
    }
  }

  /** Back to normal: running, linked, no delay (the data kept). */
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
