import { TcpProxy, type HealAction } from './tcpProxy';

/** A replica as the links need it: its URL (`redis://127.0.0.1:PORT`), or anything with a `url`, like a LocalRedisNode. */
export type ReplicaEndpoint = string | { readonly url: string };

/**
 * One coordinator's own network links to the replicas: a {@link TcpProxy} per replica, so faults can be injected
 * between this coordinator and a replica while other coordinators, and direct clients, still reach it.
 *
 * Give the coordinator {@link CoordinatorLinks.redisNodes} as its `REDIS_NODES`. Replicas are addressed by their index
 * in the list the links were opened with.
 *
 * The URLs name each replica by its own `host:port` (`#…`, see `REDIS_NODES` in the README), so every coordinator knows
 * a replica by the same name whichever proxy it goes through, and hints recorded by one are found by the others.
 *
 * @example
 * ```ts
 * const links = await CoordinatorLinks.open(cluster.nodes);
 * const coordinator = newCoordinator({ REDIS_NODES: links.redisNodes });
 * links.cut(1);          // this coordinator's commands to replica 1 time out; other coordinators are unaffected
 * links.heal(1);
 * links.dropReplies(2);  // writes to replica 2 are applied but never acknowledged
 * await links.close();
 * ```
 */
export class CoordinatorLinks {
  private constructor(
    /** The proxies, in the order of the replicas. */
    readonly proxies: readonly TcpProxy[],
    private readonly proxiedUrls: readonly string[],
  ) {}

  /** Starts one proxy per replica, forwarding to that replica's host and port. */
  static async open(replicas: readonly ReplicaEndpoint[]): Promise<CoordinatorLinks> {
    const targets = replicas.map((replica) => new URL(typeof replica === 'string' ? replica : replica.url));
    const started = await Promise.allSettled(
      targets.map((target) =>
        TcpProxy.start({ targetHost: hostOf(target), targetPort: target.port === '' ? 6379 : Number(target.port) }),
      ),
    );
    const proxies = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(proxies.map((proxy) => proxy.close()));
      throw failure.reason;
    }
    const proxiedUrls = targets.map((target, i) => {
      // Same scheme, credentials and database as the replica's URL; only the address changes. The replica keeps its
      // own name (`#host:port`), so hints recorded through one coordinator's proxies are found by every other one.
      const proxied = new URL(target.href);
      proxied.host = `${proxies[i]!.host}:${proxies[i]!.port}`;
      proxied.hash = `${target.hostname}:${target.port === '' ? '6379' : target.port}`;
      return proxied.href;
    });
    return new CoordinatorLinks(proxies, proxiedUrls);
  }

  /**
   * The value for the coordinator's `REDIS_NODES`: the proxies' URLs, in the order of the replicas, each naming its
   * replica by the replica's own `host:port` (`#…`).
   */
  get redisNodes(): string {
    return this.proxiedUrls.join(',');
  }

  /** The proxy in front of replica `replica`, for finer control or its counters. */
  proxy(replica: number): TcpProxy {
    const proxy = this.proxies[replica];
    if (proxy === undefined) throw new RangeError(`no replica ${replica}: the links have ${this.proxies.length}`);
    return proxy;
  }

  /** Partitions this coordinator from the replica (a `blackhole`); `onHeal` says what heal does with held bytes. */
  cut(replica: number, onHeal: HealAction = 'deliver'): void {
    this.proxy(replica).blackhole(onHeal);
  }

  /** Restores the link to the replica (`pass`). */
  heal(replica: number): void {
    this.proxy(replica).pass();
  }

  /** Lets this coordinator's requests reach the replica but loses the replies. */
  dropReplies(replica: number): void {
    this.proxy(replica).dropReplies();
  }

  /** Loses this coordinator's requests to the replica. */
  dropRequests(replica: number): void {
    this.proxy(replica).dropRequests();
  }

  /** Adds `ms` milliseconds of latency each way between this coordinator and the replica. */
  delay(replica: number, ms: number): void {
    this.proxy(replica).delay(ms);
  }

  /** Resets this coordinator's connections to the replica, and its reconnections, until healed. */
  reset(replica: number): void {
    this.proxy(replica).reset();
  }

  /** Restores every link. */
  healAll(): void {
    for (const proxy of this.proxies) proxy.pass();
  }

  /** Closes every proxy and its connections. */
  async close(): Promise<void> {
    await Promise.all(this.proxies.map((proxy) => proxy.close()));
  }
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
