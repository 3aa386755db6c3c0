import { createServer, type Server, type Socket } from 'node:net';
import { ProxiedConnection, type ConnectionContext, type ConnectionPolicies } from './proxyConnection';
import type { HealAction } from './proxyPipe';

export type { HealAction } from './proxyPipe';

/**
 * What a {@link TcpProxy} does to the traffic between its clients and its target. A new mode applies at once to the
 * connections already open and to those accepted later.
 *
 * - `pass`: forwards both ways.
 * - `blackhole`: a network partition. Nothing gets through either way; connections stay open and silent, so a
 *   client's commands time out (they are neither refused nor reset), and new connections are accepted but reach the
 *   server only when the partition heals. The bytes are held, not discarded, and what happens to them on heal is
 *   `onHeal` (see {@link HealAction}).
 * - `drop-requests`: what clients send is read and discarded; replies to what the server already got still arrive.
 * - `drop-replies`: requests reach the server and run there, but the replies are discarded: the client times out on
 *   a write that was applied, a write whose outcome it cannot know.
 * - `delay`: every chunk is delivered `ms` milliseconds after it was read, in each direction, in order (a round trip
 *   gains at least `2 × ms`).
 * - `reset`: current connections are reset (RST) and new ones are reset as soon as they are accepted, as by a
 *   firewall that rejects with a TCP reset.
 *
 * Leaving a mode that discarded bytes (`drop-requests`, `drop-replies`) resets each connection that lost some, at both
 * ends, when bytes would flow again on it: its stream has a gap, and a Redis client pairs replies with commands in
 * order, so after a lost reply every later reply would answer the wrong command. Connections that lost nothing, and
 * new ones, work normally.
 */
export type ProxyMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'blackhole'; readonly onHeal: HealAction }
  | { readonly kind: 'drop-requests' }
  | { readonly kind: 'drop-replies' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'reset' };

/** Where a {@link TcpProxy} forwards to, and where it listens. */
export interface TcpProxyOptions {
  /** The target host: loopback only (`127.0.0.1`, `localhost` or `::1`), since tests send traffic nowhere else. */
  readonly targetHost: string;
  /** The target port, e.g. a redis-server's. */
  readonly targetPort: number;
  /**
   * The port to listen on, on 127.0.0.1.
   * @default 0 (a free port chosen by the OS)
   */
  readonly port?: number;
  /**
   * The mode the proxy starts in.
   * @default { kind: 'pass' }
   */
  readonly mode?: ProxyMode;
}

/** Counters since the proxy started, for assertions such as "the reply was dropped" or "the client reconnected". */
export interface ProxyStats {
  /** Client connections accepted (including those reset at once in `reset` mode). */
  readonly connectionsAccepted: number;
  /** Connections opened to the target: one per accepted connection, once its requests may flow. */
  readonly targetConnections: number;
  /** Connections with at least one socket still open. */
  readonly connectionsOpen: number;
  /** Connections the proxy reset: in `reset` mode, or on leaving a mode that lost or reset-held their bytes. */
  readonly connectionsReset: number;
  /** Bytes delivered from clients to the target. */
  readonly requestBytesForwarded: number;
  /** Bytes delivered from the target to clients. */
  readonly replyBytesForwarded: number;
  readonly requestBytesDropped: number;
  readonly replyBytesDropped: number;
  /** Bytes read and not delivered yet, in either direction: held by a blackhole, delayed, or waiting for a socket. */
  readonly bytesPending: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
const LISTEN_HOST = '127.0.0.1';

/**
 * A TCP proxy on 127.0.0.1 in front of one target, whose traffic can be cut, dropped one way, delayed or reset at any
 * moment: the network faults between one coordinator and one replica, which process-level faults (kill, SIGSTOP)
 * cannot give because they affect every client of the node at once.
 *
 * Built on `node:net` only. Stop it with {@link TcpProxy.close}.
 *
 * @example
 * ```ts
 * const proxy = await TcpProxy.start({ targetHost: '127.0.0.1', targetPort: node.port });
 * const client = new Redis(proxy.port, '127.0.0.1', { commandTimeout: 200 });
 * proxy.blackhole();            // client.get('k') now times out; a direct client of the node still gets answers
 * proxy.pass();                 // the held bytes are delivered, the connection carries on
 * await proxy.close();
 * ```
 */
export class TcpProxy {
  private currentMode: ProxyMode;
  private readonly connections = new Set<ProxiedConnection>();
  private readonly counts = {
    connectionsAccepted: 0,
    targetConnections: 0,
    connectionsReset: 0,
    requestBytesForwarded: 0,
    replyBytesForwarded: 0,
    requestBytesDropped: 0,
    replyBytesDropped: 0,
  };
  private readonly context: ConnectionContext;
  private closing: Promise<void> | undefined;

  /** The host the proxy forwards to. */
  readonly targetHost: string;
  /** The port the proxy forwards to. */
  readonly targetPort: number;

  private constructor(
    private readonly server: Server,
    /** The port the proxy listens on, on 127.0.0.1. */
    readonly port: number,
    options: TcpProxyOptions,
  ) {
    this.targetHost = options.targetHost;
    this.targetPort = options.targetPort;
    this.currentMode = options.mode ?? { kind: 'pass' };
    this.context = {
      targetHost: options.targetHost,
      targetPort: options.targetPort,
      requestCounters: {
        forwarded: (bytes) => (this.counts.requestBytesForwarded += bytes),
        dropped: (bytes) => (this.counts.requestBytesDropped += bytes),
      },
      replyCounters: {
        forwarded: (bytes) => (this.counts.replyBytesForwarded += bytes),
        dropped: (bytes) => (this.counts.replyBytesDropped += bytes),
      },
      onTargetConnection: () => (this.counts.targetConnections += 1),
      onFinished: (connection) => this.connections.delete(connection),
    };
    server.on('connection', (client) => this.accept(client));
  }

  /** Starts listening and resolves once the proxy accepts connections. */
  static async start(options: TcpProxyOptions): Promise<TcpProxy> {
    if (!LOOPBACK_HOSTS.has(options.targetHost)) {
      throw new Error(`TcpProxy forwards to loopback only, not to ${options.targetHost}`);
    }
    if (options.mode !== undefined) validateMode(options.mode);
    // Half-open sockets let a FIN travel through the pipes like data, held or delayed with the bytes before it.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, LISTEN_HOST, () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') reject(new Error('the proxy has no TCP address'));
        else resolve(address.port);
      });
    });
    return new TcpProxy(server, port, options);
  }

  /** The host the proxy listens on: always 127.0.0.1. */
  get host(): string {
    return LISTEN_HOST;
  }

  /** The current mode. */
  get mode(): ProxyMode {
    return this.currentMode;
  }

  /** A snapshot of the counters. */
  get stats(): ProxyStats {
    let bytesPending = 0;
    for (const connection of this.connections) bytesPending += connection.pendingBytes;
    return { ...this.counts, connectionsOpen: this.connections.size, bytesPending };
  }

  /** Switches to `mode`, for open connections and new ones (see {@link ProxyMode}). */
  setMode(mode: ProxyMode): void {
    validateMode(mode);
    this.currentMode = mode;
    if (mode.kind === 'reset') {
      for (const connection of [...this.connections]) {
        connection.reset();
        this.counts.connectionsReset += 1;
      }
      return;
    }
    const policies = policiesOf(mode);
    for (const connection of [...this.connections]) {
      if (!connection.setPolicies(policies)) this.counts.connectionsReset += 1;
    }
  }

  /** Forwards both ways again: heals a partition (see {@link ProxyMode}). */
  pass(): void {
    this.setMode({ kind: 'pass' });
  }

  /** Cuts both directions, holding the bytes; `onHeal` says what the next mode does with them. */
  blackhole(onHeal: HealAction = 'deliver'): void {
    this.setMode({ kind: 'blackhole', onHeal });
  }

  /** Discards what clients send. */
  dropRequests(): void {
    this.setMode({ kind: 'drop-requests' });
  }

  /** Lets requests reach the target and discards its replies: writes with an unknown outcome. */
  dropReplies(): void {
    this.setMode({ kind: 'drop-replies' });
  }

  /** Delivers each chunk `ms` milliseconds late, in each direction. */
  delay(ms: number): void {
    this.setMode({ kind: 'delay', ms });
  }

  /** Resets current connections and every new one until the mode changes. */
  reset(): void {
    this.setMode({ kind: 'reset' });
  }

  /** Stops listening and destroys every connection; resolves once the port is free. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const connection of [...this.connections]) connection.destroy();
    });
    return this.closing;
  }

  private accept(client: Socket): void {
    this.counts.connectionsAccepted += 1;
    client.setNoDelay(true);
    if (this.closing !== undefined || this.currentMode.kind === 'reset') {
      client.on('error', () => {});
      client.resetAndDestroy();
      this.counts.connectionsReset += 1;
      return;
    }
    const connection = new ProxiedConnection(client, policiesOf(this.currentMode), this.context);
    if (!connection.isFinished) this.connections.add(connection);
  }
}

function policiesOf(mode: Exclude<ProxyMode, { kind: 'reset' }>): ConnectionPolicies {
  switch (mode.kind) {
    case 'pass':
      return { requests: { action: 'forward', delayMs: 0 }, replies: { action: 'forward', delayMs: 0 } };
    case 'delay':
      return { requests: { action: 'forward', delayMs: mode.ms }, replies: { action: 'forward', delayMs: mode.ms } };
    case 'blackhole':
      return { requests: { action: 'hold', onHeal: mode.onHeal }, replies: { action: 'hold', onHeal: mode.onHeal } };
    case 'drop-requests':
      return { requests: { action: 'drop' }, replies: { action: 'forward', delayMs: 0 } };
    case 'drop-replies':
      return { requests: { action: 'forward', delayMs: 0 }, replies: { action: 'drop' } };
  }
}

function validateMode(mode: ProxyMode): void {
  if (mode.kind === 'delay' && !(Number.isFinite(mode.ms) && mode.ms >= 0)) {
    throw new RangeError(`a proxy delay must be a finite number of milliseconds >= 0, not ${mode.ms}`);
  }
}
