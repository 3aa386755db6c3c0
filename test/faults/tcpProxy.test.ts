import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseReplicaList } from '../../lib/config';
import { ReplicaPool, type ReplicaClient } from '../../lib';
import type { ReplicaCallResult } from '../../lib/replica/replicaSet';
import { TEST_NODE_TIMEOUT_MS } from '../support/coordinators';
import { directClient, flushAll, timed, useRedisCluster } from '../support/redisCluster';
import { TcpProxy } from '../support/tcpProxy';

/** How long a test waits for a condition (a reconnection, a late write) before failing. */
const WAIT = { timeout: 3_000, interval: 10 };

describe('Class: TcpProxy', () => {
  const cluster = useRedisCluster({ count: 1 });
  const proxies: TcpProxy[] = [];
  const clients: (Redis | Cluster)[] = [];
  const sockets: Socket[] = [];

  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    for (const client of clients.splice(0)) client.disconnect();
    for (const socket of sockets.splice(0)) socket.destroy();
    await flushAll(cluster());
  });

  async function startProxy(): Promise<TcpProxy> {
    const proxy = await TcpProxy.start({ targetHost: '127.0.0.1', targetPort: cluster().nodes[0]!.port });
    proxies.push(proxy);
    return proxy;
  }

  const pools = new Map<ReplicaClient, ReplicaPool>();

  /** A client with the coordinator's own connection settings (no retries, no replay after a reconnect…). */
  async function coordinatorClientThrough(proxy: TcpProxy): Promise<ReplicaClient> {
    const pool = new ReplicaPool({ replicas: parseReplicaList(`redis://127.0.0.1:${proxy.port}`), nodeTimeoutMs: TEST_NODE_TIMEOUT_MS });
    const client = pool.replicas[0]!.client;
    pools.set(client, pool.unguarded);
    clients.push(client);
    await client.ping();
    return client;
  }

  /** `command` on `client` as the coordinator sends it: through its pool, bounded by the node timeout. */
  function callAsCoordinator<T>(client: ReplicaClient, command: (client: ReplicaClient) => Promise<T>): Promise<ReplicaCallResult<T>> {
    const pool = pools.get(client)!;
    return pool.call(pool.replicas[0]!, command);
  }

  /** A client of the node itself, not going through any proxy. */
  function direct(): Redis | Cluster {
    const client = directClient(cluster().nodes[0]!);
    clients.push(client);
    return client;
  }

  /** A raw TCP connection to the proxy, resolved once connected, with everything it receives. */
  async function rawSocketTo(proxy: TcpProxy): Promise<{ socket: Socket; received: () => string }> {
    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    sockets.push(socket);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => {});
    await once(socket, 'connect');
    return { socket, received: () => received };
  }

  async function waitUntilReady(client: Redis | Cluster): Promise<void> {
    await vi.waitFor(() => expect(client.status).toBe('ready'), WAIT);
  }

  describe('Mode: pass', () => {
    it('forwards PING, SET and GET to the target and counts the bytes both ways', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);

      // Act
      const pong = await client.ping();
      await client.set('k', 'v');
      const read = await client.get('k');

      // Assess
      expect(pong).toBe('PONG');
      expect(read).toBe('v');
      expect(await direct().get('k')).toBe('v');
      expect(proxy.stats).toMatchObject({
        connectionsAccepted: 1,
        targetConnections: 1,
        connectionsOpen: 1,
        requestBytesDropped: 0,
        replyBytesDropped: 0,
        bytesPending: 0,
      });
      expect(proxy.stats.requestBytesForwarded).toBeGreaterThan(0);
      expect(proxy.stats.replyBytesForwarded).toBeGreaterThan(0);
    });
  });

  describe('Mode: blackhole', () => {
    it('makes a command through the proxy time out, without resetting the connection, while a direct client still gets answers', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      let closes = 0;
      client.on('close', () => (closes += 1));

      // Act
      proxy.blackhole();
      const cut = await timed(() => callAsCoordinator(client, (c) => c.get('k')));
      const directPong = await direct().ping();

      // Assess
      expect(cut.result).toMatchObject({ ok: false, outcome: 'timeout' });
      expect(cut.ms).toBeGreaterThanOrEqual(TEST_NODE_TIMEOUT_MS - 5);
      expect(directPong).toBe('PONG');
      expect(client.status).toBe('ready');
      expect(closes).toBe(0);
      expect(proxy.stats.bytesPending).toBeGreaterThan(0);
    });

    it('accepts new connections while cut, yet opens nothing to the server until the partition heals', async () => {
      // Prepare
      const proxy = await startProxy();
      proxy.blackhole();

      // Act: the connection is accepted, not refused; its PING is held.
      const { socket, received } = await rawSocketTo(proxy);
      socket.write('PING\r\n');
      await vi.waitFor(() => expect(proxy.stats.bytesPending).toBe(6), WAIT);
      const duringCut = { received: received(), targetConnections: proxy.stats.targetConnections };
      proxy.pass();

      // Assess: on heal the connection reaches the server and the held PING is answered.
      expect(duringCut).toEqual({ received: '', targetConnections: 0 });
      await vi.waitFor(() => expect(received()).toBe('+PONG\r\n'), WAIT);
      expect(proxy.stats.targetConnections).toBe(1);
    });

    it('holds, rather than refuses, a client that connects during the cut: its commands wait a node timeout, never sent', async () => {
      // Prepare: the client's TCP connection is accepted, but its ready check never gets an answer.
      const proxy = await startProxy();
      proxy.blackhole();
      const pool = new ReplicaPool({ replicas: parseReplicaList(`redis://127.0.0.1:${proxy.port}`), nodeTimeoutMs: TEST_NODE_TIMEOUT_MS });
      const client = pool.replicas[0]!.client;
      clients.push(client);
      await vi.waitFor(() => expect(proxy.stats.bytesPending).toBeGreaterThan(0), WAIT);

      // Act
      const cut = await timed(() => pool.call(pool.replicas[0]!, (c) => c.get('k')));

      // Assess: the connection was never ready, so the command was never sent (not "may have run").
      expect(cut.result).toMatchObject({ ok: false, outcome: 'error', failure: 'connection-down' });
      expect(cut.ms).toBeGreaterThanOrEqual(TEST_NODE_TIMEOUT_MS - 5);
      expect(client.status).toBe('connect');
      expect(proxy.stats.connectionsAccepted).toBeGreaterThanOrEqual(1);
      expect(proxy.stats.targetConnections).toBe(0);
    });

    it('delivers the held bytes on heal with onHeal deliver: a SET that timed out is applied late and replies stay paired with commands', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      const server = direct();
      proxy.blackhole('deliver');
      expect(await callAsCoordinator(client, (c) => c.set('k', 'late'))).toMatchObject({ ok: false, outcome: 'timeout' });
      const duringCut = await server.get('k');

      // Act
      proxy.pass();

      // Assess: the server runs the held SET, and the same connection answers later commands correctly.
      expect(duringCut).toBeNull();
      await vi.waitFor(async () => expect(await server.get('k')).toBe('late'), WAIT);
      expect(await client.get('k')).toBe('late');
      expect(await client.echo('after')).toBe('after');
      expect(proxy.stats).toMatchObject({ connectionsReset: 0, connectionsAccepted: 1, bytesPending: 0 });
    });

    it('resets on heal with onHeal reset the connections that held bytes: the held SET is lost and the client reconnects', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      proxy.blackhole('reset');
      expect(await callAsCoordinator(client, (c) => c.set('k', 'lost'))).toMatchObject({ ok: false, outcome: 'timeout' });

      // Act
      proxy.pass();

      // Assess
      await vi.waitFor(() => expect(proxy.stats.connectionsAccepted).toBe(2), WAIT);
      await waitUntilReady(client);
      expect(await client.get('k')).toBeNull();
      expect(await direct().get('k')).toBeNull();
      expect(proxy.stats.connectionsReset).toBe(1);
    });

    it('keeps, on heal with onHeal reset, a connection that sent nothing during the partition', async () => {
      // Prepare
      const proxy = await startProxy();
      const { socket, received } = await rawSocketTo(proxy);
      socket.write('PING\r\n');
      await vi.waitFor(() => expect(received()).toBe('+PONG\r\n'), WAIT);
      proxy.blackhole('reset');

      // Act
      proxy.pass();
      socket.write('PING\r\n');

      // Assess
      await vi.waitFor(() => expect(received()).toBe('+PONG\r\n+PONG\r\n'), WAIT);
      expect(proxy.stats.connectionsReset).toBe(0);
    });
  });

  describe('Mode: drop-replies', () => {
    it('lets a SET reach the server but loses its reply: the client times out, yet the value is stored', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);

      // Act
      proxy.dropReplies();
      const write = await timed(() => callAsCoordinator(client, (c) => c.set('k', 'unknown-outcome')));

      // Assess
      expect(write.result).toMatchObject({ ok: false, outcome: 'timeout' });
      expect(await direct().get('k')).toBe('unknown-outcome');
      expect(proxy.stats.replyBytesDropped).toBeGreaterThan(0);
    });

    it('resets on heal a connection that lost replies, so no later reply answers the wrong command', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      proxy.dropReplies();
      expect(await callAsCoordinator(client, (c) => c.set('k', 'v'))).toMatchObject({ ok: false, outcome: 'timeout' });

      // Act
      proxy.pass();

      // Assess: a new connection serves; on the old one this GET would have received the lost SET's "OK".
      expect(proxy.stats.connectionsReset).toBe(1);
      await vi.waitFor(() => expect(proxy.stats.connectionsAccepted).toBe(2), WAIT);
      await waitUntilReady(client);
      expect(await client.get('k')).toBe('v');
      expect(await client.echo('after')).toBe('after');
    });
  });

  describe('Mode: drop-requests', () => {
    it('loses what the client sends: a SET times out and never reaches the server', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);

      // Act
      proxy.dropRequests();
      const write = await timed(() => callAsCoordinator(client, (c) => c.set('k', 'never')));

      // Assess
      expect(write.result).toMatchObject({ ok: false, outcome: 'timeout' });
      expect(await direct().get('k')).toBeNull();
      expect(proxy.stats.requestBytesDropped).toBeGreaterThan(0);
    });
  });

  describe('Mode: delay', () => {
    it('adds at least the delay in each direction of a round trip', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      const delayMs = 40;

      // Act
      proxy.delay(delayMs);
      const roundTrip = await timed(() => client.ping());

      // Assess
      expect(roundTrip.result).toBe('PONG');
      expect(roundTrip.ms).toBeGreaterThanOrEqual(2 * delayMs);
      expect(roundTrip.ms).toBeLessThan(TEST_NODE_TIMEOUT_MS);
    });

    it('keeps bytes in order when the delay is lifted while a chunk is still delayed', async () => {
      // Prepare: the first SET is read by the proxy and waits out its delay.
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);
      proxy.delay(100);
      const first = client.set('k', 'first');
      await vi.waitFor(() => expect(proxy.stats.bytesPending).toBeGreaterThan(0), WAIT);

      // Act: a SET sent after the delay is lifted must not overtake it.
      proxy.pass();
      const second = client.set('k', 'second');
      await Promise.all([first, second]);

      // Assess
      expect(await direct().get('k')).toBe('second');
    });
  });

  describe('Mode: reset', () => {
    it('resets current connections and every new one until the mode changes', async () => {
      // Prepare
      const proxy = await startProxy();
      const client = await coordinatorClientThrough(proxy);

      // Act
      proxy.reset();
      const newConnection = connect({ host: '127.0.0.1', port: proxy.port });
      sockets.push(newConnection);
      const [newConnectionError] = (await once(newConnection, 'error')) as [NodeJS.ErrnoException];
      proxy.pass();

      // Assess: the client was cut off and reconnects once the proxy passes again.
      expect(newConnectionError.code).toBe('ECONNRESET');
      await vi.waitFor(async () => expect(await client.ping()).toBe('PONG'), WAIT);
      expect(proxy.stats.connectionsReset).toBeGreaterThanOrEqual(2);
      expect(proxy.stats.connectionsAccepted).toBeGreaterThanOrEqual(3);
    });
  });

  describe('Method: close', () => {
    it('destroys its connections and frees its port', async () => {
      // Prepare
      const proxy = await startProxy();
      const { socket } = await rawSocketTo(proxy);
      const socketClosed = once(socket, 'close');

      // Act
      await proxy.close();

      // Assess: the port can be listened on again.
      await socketClosed;
      const reuse = createServer();
      await new Promise<void>((resolve, reject) => {
        reuse.once('error', reject);
        reuse.listen(proxy.port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => reuse.close(resolve));
      expect(proxy.stats.connectionsOpen).toBe(0);
    });
  });

  describe('Method: start', () => {
    it('refuses a target that is not on loopback', async () => {
      // Act / Assess
      await expect(TcpProxy.start({ targetHost: '10.0.0.1', targetPort: 6379 })).rejects.toThrow('loopback only');
    });
  });
});
