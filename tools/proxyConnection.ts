import { connect, type Socket } from 'node:net';
import { ProxyPipe, type DirectionPolicy, type PipeCounters } from './proxyPipe';

/** The policy of each direction of a connection: client to target (`requests`) and target to client (`replies`). */
export interface ConnectionPolicies {
  readonly requests: DirectionPolicy;
  readonly replies: DirectionPolicy;
}

/** Where a proxied connection goes, and what it reports back to its proxy. */
export interface ConnectionContext {
  readonly targetHost: string;
  readonly targetPort: number;
  readonly requestCounters: PipeCounters;
  readonly replyCounters: PipeCounters;
  /** Called each time a connection to the target is opened. */
  readonly onTargetConnection: () => void;
  /** Called once, when both sockets are gone. */
  readonly onFinished: (connection: ProxiedConnection) => void;
}

/**
 * One client connection accepted by a proxy and its connection to the target, joined by two {@link ProxyPipe}s.
 *
 * The connection to the target is opened only once requests may flow: a connection accepted during a partition
 * reaches the server only when the partition heals, as a SYN would. End of stream (FIN) travels through the pipes
 * like data, so it is held, delayed or dropped with the bytes before it; a socket error tears down both sides at once.
 */
export class ProxiedConnection {
  private upstream: Socket | undefined;
  private readonly requests: ProxyPipe;
  private replies: ProxyPipe | undefined;
  private finished = false;

  constructor(
    private readonly client: Socket,
    private policies: ConnectionPolicies,
    private readonly context: ConnectionContext,
  ) {
    this.requests = new ProxyPipe(client, () => this.upstream, policies.requests, context.requestCounters);
    client.on('error', () => this.destroy());
    client.on('close', () => this.checkFinished());
    if (policies.requests.action === 'forward') this.openUpstream();
  }

  /** True once both sockets are gone. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Bytes read from either side and not delivered yet. */
  get pendingBytes(): number {
    return this.requests.pendingBytes + (this.replies?.pendingBytes ?? 0);
  }

  /**
   * Switches both directions to new policies; resets the connection instead when a direction that lost or
   * reset-held bytes would flow again (see {@link ProxyPipe.setPolicy}).
   *
   * @returns `false` when the connection was reset.
   */
  setPolicies(policies: ConnectionPolicies): boolean {
    this.policies = policies;
    const requestsKept = this.requests.setPolicy(policies.requests);
    const repliesKept = this.replies?.setPolicy(policies.replies) ?? true;
    if (!requestsKept || !repliesKept) {
      this.reset();
      return false;
    }
    if (policies.requests.action === 'forward') this.openUpstream();
    return true;
  }

  /** Resets both sockets (RST where the socket is connected), losing whatever was queued. */
  reset(): void {
    resetSocket(this.client);
    if (this.upstream !== undefined) resetSocket(this.upstream);
    this.destroy();
  }

  /** Destroys both sockets and forgets queued bytes. */
  destroy(): void {
    this.requests.dispose();
    this.replies?.dispose();
    this.client.destroy();
    this.upstream?.destroy();
    this.checkFinished();
  }

  private openUpstream(): void {
    if (this.upstream !== undefined || (this.client.destroyed && this.requests.idle)) return;
    const upstream = connect({ host: this.context.targetHost, port: this.context.targetPort, allowHalfOpen: true });
    upstream.setNoDelay(true);
    this.upstream = upstream;
    this.context.onTargetConnection();
    this.replies = new ProxyPipe(upstream, () => this.client, this.policies.replies, this.context.replyCounters);
    // A refused or failed connection to the target closes the client's: ioredis then reconnects, as it would to a
    // node that went down.
    upstream.on('error', () => this.destroy());
    upstream.on('close', () => this.checkFinished());
    this.requests.pump();
  }

  private checkFinished(): void {
    if (this.finished) return;
    const clientGone = this.client.destroyed;
    const upstreamGone = this.upstream === undefined ? this.requests.idle : this.upstream.destroyed;
    if (!clientGone || !upstreamGone) return;
    this.finished = true;
    this.requests.dispose();
    this.replies?.dispose();
    this.context.onFinished(this);
  }
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // An RST needs a connected socket; one still connecting is simply abandoned.
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}
