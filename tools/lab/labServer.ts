import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Coordinator, HybridLogicalClock, loadConfig, readEntry, type ReplicaClient } from '../../lib';
import { buildLabPage, type LabPage } from './labPage';
import { isFault, type LabReplicaState, type LabTarget } from './labReplica';

/** Where the lab's routes live: the page at `/lab`, its calls under `/lab/api/`. */
export const LAB_API_PREFIX = '/lab/api/';
/** The header every lab call carries its token in. */
export const LAB_TOKEN_HEADER = 'x-lab-token';
const LISTEN_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 16_384;
/** How long after an action a change of a replica is put down to it. */
const ATTRIBUTION_MS = 5_000;
const CHANGES_KEPT = 30;

/** Where a replica stores a user key (`lib/replica/storageLayout.ts`: a key starting with `!` gets one more). */
const storageKey = (userKey: string): string => (userKey.startsWith('!') ? `!${userKey}` : userKey);
/** A standalone holder's hints for the replica named `target` (`lib/replica/storageLayout.ts`, `hintsKey`). */
const hintsKey = (target: string): string => `!qkv:hints:${target}`;
/** A cluster holder's hint buckets for `target`, `!qkv:hints:{<tag>}:<target>` (`storageLayout.ts`, `bucketedHintsKey`). */
const bucketedHintsPattern = (target: string): string => `!qkv:hints:{*}:${target}`;
/** Every hint set of any holder kind. */
const ALL_HINTS_PATTERN = '!qkv:hints:*';

/**
 * The lab's two coordinators, standing for two Lambda containers: A's clock is right, B's is minutes behind. Each
 * stamps versions on the replicas' clock (`lib/replica/storeClock.ts`), so B's later write still orders after A's.
 */
export const LAB_CONTAINERS = [
  { name: 'A', skewMs: 0, coordinatorId: 1 },
  { name: 'B', skewMs: -5 * 60_000, coordinatorId: 2 },
] as const;

/** What one of {@link LAB_CONTAINERS} shows: its own clock now, and its last write through the lab, if any. */
export interface ContainerView {
  readonly name: string;
  readonly skewMs: number;
  /** The container's own clock (epoch ms), `skewMs` off this machine's. */
  readonly ownClock: number;
  readonly lastWrite?: {
    readonly key: string;
    readonly value: string;
    readonly status: number;
    readonly version?: string;
    readonly acknowledged?: number;
    readonly attempts?: number;
    readonly error?: string;
  };
}

/** What the lab server needs: the replicas it owns, and the API of the `serverless offline` that uses them. */
export interface LabServerOptions {
  readonly replicas: readonly LabTarget[];
  /** The API's base URL, e.g. `http://localhost:3000`. */
  readonly apiBaseUrl: string;
  /** The API's key (undefined when it requires none). */
  readonly apiKey?: string;
  /** The port to listen on, on 127.0.0.1 (default: a free one). */
  readonly port?: number;
  /** The token its calls must carry (default: 32 random hex digits). */
  readonly token?: string;
  /** The coordinator settings for anti-entropy passes besides `REDIS_NODES` (default: this process's environment). */
  readonly env?: Record<string, string | undefined>;
}

/** One replica's entry for a key, read straight from its Redis. */
export type ShownEntry =
  | { readonly state: 'value' | 'tombstone'; readonly value: string | null; readonly version: string; readonly ttlMs: number | null }
  | { readonly state: 'missing' }
  | { readonly state: 'unreadable'; readonly reason: string };

/** What the lab shows of one replica. */
export interface ReplicaView extends LabReplicaState {
  readonly entry: ShownEntry;
  /** A cluster replica: the index of the master whose slot holds the key (undefined when no master could say). */
  readonly keyMaster?: number;
  /** Keys other replicas hold hints for on this replica's behalf, by holder. */
  readonly hints: readonly { readonly holder: string; readonly keys: readonly string[] }[];
}

/** A line saying what changed a replica, and what the lab puts it down to. */
export interface ChangeLine {
  readonly at: number;
  readonly replica: string;
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly cause: 'read-repair' | 'hint-replay' | 'anti-entropy' | 'write' | 'fault' | 'unknown';
}

/** Progress of the lab's anti-entropy pass. */
export interface AntiEntropyProgress {
  readonly running: boolean;
  readonly runs: number;
  readonly keysScanned: number;
  readonly keysTotal: number;
  readonly keysCompared: number;
  readonly keysDiverged: number;
  readonly replicasRepaired: number;
  readonly unreachable: readonly string[];
  readonly error?: string;
  readonly finishedAt?: number;
}

/** The lab server once it listens. */
export interface RunningLab {
  readonly port: number;
  readonly token: string;
  /** The page's URL, the token in its fragment (never sent to a server). */
  readonly url: string;
  close(): Promise<void>;
}

interface LastAction {
  readonly at: number;
  readonly kind: 'op' | 'fault';
  /** For an op: its kind and whether its trace says read repair ran or was scheduled. */
  readonly op?: 'set' | 'get' | 'delete';
  readonly repaired?: boolean;
}

/**
 * The lab's local-only server, inside the `npm run dev` process that owns the Redis processes: it serves the lab page,
 * applies faults to the replicas, reads what each one holds straight from its Redis, forwards the page's operations to
 * the API (with its key and `?trace=1`), and runs anti-entropy passes with a coordinator of its own.
 *
 * Reachable from this machine only: it listens on 127.0.0.1, answers only requests from a loopback address whose Host
 * names 127.0.0.1 or localhost (no DNS rebinding), and every call under {@link LAB_API_PREFIX} must carry the token
 * (header {@link LAB_TOKEN_HEADER}). No part of it is in `functions/` or `lib/`: a deployed stage has no such routes.
 */
export async function startLabServer(options: LabServerOptions): Promise<RunningLab> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const page = await buildLabPage();
  const lab = new Lab(options);
  const server = createServer((request, response) => {
    lab.handle(request, response, token, page).catch((error: unknown) => json(response, 500, { error: (error as Error).message }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LISTEN_HOST, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    port,
    token,
    url: `http://localhost:${port}/lab#token=${token}`,
    close: async () => {
      await closeServer(server);
      await lab.close();
    },
  };
}

class Lab {
  /** Per replica, one client per redis-server port (a cluster replica: per master), bypassing any proxy. */
  private readonly clients: Redis[][];
  private readonly previous = new Map<string, { entries: string[]; hints: string[] }>();
  private readonly changes: ChangeLine[] = [];
  private last: LastAction | undefined;
  private readonly containers: { readonly coordinator: Coordinator; lastWrite?: ContainerView['lastWrite'] }[] = [];
  private progress: AntiEntropyProgress = { running: false, runs: 0, keysScanned: 0, keysTotal: 0, keysCompared: 0, keysDiverged: 0, replicasRepaired: 0, unreachable: [] };

  constructor(private readonly options: LabServerOptions) {
    this.clients = options.replicas.map((replica) =>
      replica.ports.map((port) => {
        const client = new Redis(port, LISTEN_HOST, {
          commandTimeout: 300,
          connectTimeout: 300,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          retryStrategy: () => 200,
          lazyConnect: false,
        });
        client.on('error', () => {});
        return client;
      }),
    );
  }

  async close(): Promise<void> {
    for (const client of this.clients.flat()) client.disconnect();
    await Promise.all(this.containers.map((container) => container.coordinator.close()));
  }

  async handle(request: IncomingMessage, response: ServerResponse, token: string, page: LabPage): Promise<void> {
    if (!isLoopback(request.socket.remoteAddress) || !/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(request.headers.host ?? '')) {
      return json(response, 403, { error: 'the lab answers this machine only' });
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && (url.pathname === '/lab' || url.pathname === '/')) {
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': page.contentSecurityPolicy,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
      });
      response.end(page.html);
      return;
    }
    if (!url.pathname.startsWith(LAB_API_PREFIX)) return json(response, 404, { error: 'not found' });
    if (!sameToken(request.headers[LAB_TOKEN_HEADER], token)) return json(response, 401, { error: 'missing or wrong lab token' });
    const route = `${request.method} ${url.pathname.slice(LAB_API_PREFIX.length)}`;
    const body = request.method === 'POST' ? await readJson(request) : {};
    switch (route) {
      case 'GET state':
        return json(response, 200, await this.state(url.searchParams.get('key') ?? ''));
      case 'POST fault':
        return json(response, ...(await this.fault(body)));
      case 'POST op':
        return json(response, 200, await this.op(body));
      case 'POST container-write':
        return json(response, ...(await this.containerWrite(body)));
      case 'POST anti-entropy':
        this.startAntiEntropy();
        return json(response, 202, this.progress);
      case 'POST setup':
        return json(response, 200, await this.setup(body));
      default:
        return json(response, 404, { error: `no lab route ${route}` });
    }
  }

  /** Every replica's entry for `key`, its pending hints, what changed since the last look, and anti-entropy's progress. */
  private async state(
    key: string,
  ): Promise<{ key: string; replicas: ReplicaView[]; changes: readonly ChangeLine[]; antiEntropy: AntiEntropyProgress; containers: ContainerView[] }> {
    const replicas = this.options.replicas;
    const hintSets = await Promise.all(
      replicas.map((target) =>
        Promise.all(replicas.map(async (holder, h) => ({ holder: holder.name, keys: holder === target ? [] : await this.hintsOn(h, target.name) }))),
      ),
    );
    const views = await Promise.all(
      replicas.map(async (replica, i): Promise<ReplicaView> => {
        const keyMaster = replica.state.kind === 'cluster' && key !== '' ? await this.masterServing(i, key) : undefined;
        return {
          ...replica.state,
          entry: key === '' ? { state: 'missing' } : await this.entryOf(i, key, keyMaster),
          ...(keyMaster === undefined ? {} : { keyMaster }),
          hints: hintSets[i]!.filter((set) => set.keys.length > 0),
        };
      }),
    );
    if (key !== '') this.noteChanges(key, views);
    const containers = LAB_CONTAINERS.map((container, i): ContainerView => {
      const lastWrite = this.containers[i]?.lastWrite;
      return { name: container.name, skewMs: container.skewMs, ownClock: Date.now() + container.skewMs, ...(lastWrite === undefined ? {} : { lastWrite }) };
    });
    return { key, replicas: views, changes: this.changes, antiEntropy: this.progress, containers };
  }

  /** The keys replica `holder` keeps hints under for the replica named `target` (a cluster: in every bucket, on every master). */
  private async hintsOn(holder: number, target: string): Promise<string[]> {
    const clients = this.clients[holder]!;
    if (this.options.replicas[holder]!.state.kind === 'standalone') return clients[0]!.zrange(hintsKey(target), '0', '-1').catch(() => []);
    const perMaster = await Promise.all(
      clients.map(async (client) => {
        const sets = await scanKeys(client, bucketedHintsPattern(target)).catch(() => []);
        return (await Promise.all(sets.map((set) => client.zrange(set, '0', '-1').catch(() => [])))).flat();
      }),
    );
    return [...new Set(perMaster.flat())];
  }

  /** The index of the master of cluster replica `index` whose slot holds `key`, asked of the first master that answers. */
  private async masterServing(index: number, key: string): Promise<number | undefined> {
    const ports = this.options.replicas[index]!.ports;
    for (const client of this.clients[index]!) {
      try {
        const slot = Number(await client.call('CLUSTER', 'KEYSLOT', storageKey(key)));
        const ranges = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]]][];
        const port = ranges.find(([first, last]) => slot >= first && slot <= last)?.[2][1];
        const master = ports.indexOf(port ?? -1);
        return master < 0 ? undefined : master;
      } catch {
        // Paused or killed: ask the next master.
      }
    }
    return undefined;
  }

  private async entryOf(index: number, key: string, keyMaster?: number): Promise<ShownEntry> {
    const replica = this.options.replicas[index]!;
    const state = replica.state;
    const processState = state.kind === 'cluster' ? (keyMaster === undefined ? undefined : state.masters?.[keyMaster]?.process) : state.process;
    if (processState === undefined) return { state: 'unreadable', reason: 'no master answers for its slot' };
    if (processState === 'killed') return { state: 'unreadable', reason: 'killed' };
    if (processState === 'paused') return { state: 'unreadable', reason: 'paused' };
    const client = this.clients[index]![keyMaster ?? 0]!;
    try {
      const redisKey = storageKey(key);
      const [entry, pttl] = await Promise.all([readEntry(client as unknown as ReplicaClient, redisKey), client.pttl(redisKey)]);
      if (entry === null) return { state: 'missing' };
      return {
        state: entry.value === null ? 'tombstone' : 'value',
        value: entry.value,
        version: entry.version,
        ttlMs: entry.expiresAt === undefined ? (pttl > 0 ? pttl : null) : Math.max(0, entry.expiresAt - Date.now()),
      };
    } catch (error) {
      return { state: 'unreadable', reason: (error as Error).message };
    }
  }

  /** Compares with the last look at `key` and writes a line for each replica whose entry changed, with its likely cause. */
  private noteChanges(key: string, views: readonly ReplicaView[]): void {
    const entries = views.map((view) => describeEntry(view.entry));
    const hints = views.map((view) => view.hints.flatMap((set) => set.keys.filter((hinted) => hinted === storageKey(key))).join(','));
    const before = this.previous.get(key);
    this.previous.set(key, { entries, hints });
    if (before === undefined) return;
    const now = Date.now();
    views.forEach((view, i) => {
      const from = before.entries[i]!;
      const to = entries[i]!;
      if (from === to || view.entry.state === 'unreadable' || from.startsWith('unreadable')) return;
      this.changes.unshift({ at: now, replica: view.name, key, from, to, cause: this.causeOf(before.hints[i]!, hints[i]!, now) });
    });
    this.changes.splice(CHANGES_KEPT);
  }

  private causeOf(hintsBefore: string, hintsNow: string, now: number): ChangeLine['cause'] {
    const last = this.last;
    const finished = this.progress.finishedAt;
    // A pass just finished is the cause unless the learner did something since.
    if (this.progress.running || (finished !== undefined && now - finished < ATTRIBUTION_MS && (last === undefined || last.at < finished))) return 'anti-entropy';
    if (hintsBefore !== '' && hintsNow === '') return 'hint-replay';
    if (last === undefined || now - last.at > ATTRIBUTION_MS) return 'unknown';
    if (last.kind === 'fault') return 'fault';
    if (last.op === 'get') return last.repaired === true ? 'read-repair' : 'unknown';
    return 'write';
  }

  private async fault(body: Record<string, unknown>): Promise<[number, unknown]> {
    const replica = typeof body.replica === 'number' ? this.options.replicas[body.replica] : undefined;
    if (replica === undefined || !isFault(body.fault)) return [400, { error: 'give a replica (its index) and a fault' }];
    const master = typeof body.master === 'number' ? body.master : undefined;
    try {
      await replica.apply(body.fault, master);
    } catch (error) {
      return [409, { error: (error as Error).message }];
    }
    this.last = { at: Date.now(), kind: 'fault' };
    return [200, replica.state];
  }

  /** Runs a set, get or delete through the API, with `?trace=1`, and returns its status and answer. */
  private async op(body: Record<string, unknown>): Promise<{ status: number | null; body: unknown }> {
    const kind = body.kind === 'set' || body.kind === 'get' || body.kind === 'delete' ? body.kind : undefined;
    const key = typeof body.key === 'string' ? body.key : '';
    if (kind === undefined || key === '') return { status: null, body: { error: 'give kind (set, get, delete) and key' } };
    const query = new URLSearchParams({ trace: '1' });
    if (typeof body.consistency === 'string' && body.consistency !== '') query.set('consistency', body.consistency);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    const method = kind === 'set' ? 'PUT' : kind === 'get' ? 'GET' : 'DELETE';
    const url = `${this.options.apiBaseUrl}/kv/${encodeURIComponent(key)}?${query}`;
    const sent = kind === 'set' ? JSON.stringify({ value: typeof body.value === 'string' ? body.value : '' }) : null;
    try {
      const response = await fetch(url, { method, headers, body: sent, signal: AbortSignal.timeout(15_000) });
      const text = await response.text();
      let answer: { repair?: string; error?: string };
      try {
        answer = JSON.parse(text) as { repair?: string };
      } catch {
        answer = { error: `${method} ${url}: not JSON: ${text.slice(0, 200)}` };
      }
      this.last = { at: Date.now(), kind: 'op', op: kind, repaired: answer.repair === 'repaired' || answer.repair === 'scheduled' };
      return { status: response.status, body: answer };
    } catch (error) {
      return { status: null, body: { error: (error as Error).message } };
    }
  }

  /**
   * Writes through one of {@link LAB_CONTAINERS} (a coordinator in this process whose own clock is skewed, over the
   * same proxies as the API) at level all, and keeps what it answered for the page.
   */
  private async containerWrite(body: Record<string, unknown>): Promise<[number, unknown]> {
    const index = typeof body.container === 'number' && body.container >= 0 && body.container < LAB_CONTAINERS.length ? body.container : undefined;
    const key = typeof body.key === 'string' ? body.key : '';
    const value = typeof body.value === 'string' ? body.value : '';
    if (index === undefined || key === '') return [400, { error: `give a container (0 to ${LAB_CONTAINERS.length - 1}), key and value` }];
    const coordinator = this.containerCoordinator(index);
    let lastWrite: NonNullable<ContainerView['lastWrite']>;
    try {
      const written = await coordinator.set(key, value, { consistency: 'all' });
      lastWrite = { key, value, status: 200, version: written.version, acknowledged: written.acknowledged, attempts: written.attempts };
    } catch (error) {
      lastWrite = { key, value, status: 503, error: (error as Error).message };
    }
    this.containers[index]!.lastWrite = lastWrite;
    this.last = { at: Date.now(), kind: 'op', op: 'set' };
    return [200, lastWrite];
  }

  /** The coordinator of container `index`, made on first use with its skewed clock. */
  private containerCoordinator(index: number): Coordinator {
    for (let i = this.containers.length; i <= index; i += 1) {
      const { skewMs, coordinatorId } = LAB_CONTAINERS[i]!;
      const clock = new HybridLogicalClock(coordinatorId, () => Date.now() + skewMs);
      this.containers.push({ coordinator: new Coordinator(loadConfig(this.coordinatorEnv()), undefined, clock) });
    }
    return this.containers[index]!.coordinator;
  }

  /** The settings of the lab's own coordinators: this process's (or the given) environment, over the replicas' proxies. */
  private coordinatorEnv(): Record<string, string | undefined> {
    return { ...(this.options.env ?? process.env), REDIS_NODES: this.options.replicas.map((replica) => replica.url).join(',') };
  }

  /**
   * Sets a lesson up: every replica running and linked again, and the lesson's keys gone from every replica, with the
   * hints for them, so each lesson starts from the same place.
   */
  private async setup(body: Record<string, unknown>): Promise<{ ready: true }> {
    const keys = Array.isArray(body.keys) ? body.keys.filter((key): key is string => typeof key === 'string') : [];
    await Promise.all(this.options.replicas.map((replica) => replica.heal()));
    await Promise.all(
      this.clients.flat().map(async (client) => {
        await waitForReady(client);
        const hintSets = await scanKeys(client, ALL_HINTS_PATTERN);
        for (const key of keys) {
          // A cluster master that does not serve the key's slot answers MOVED: the one that does deletes it.
          await client.del(storageKey(key)).catch(() => 0);
          for (const set of hintSets) await client.zrem(set, storageKey(key)).catch(() => 0);
        }
      }),
    );
    for (const key of keys) this.previous.delete(key);
    this.changes.splice(0);
    this.last = undefined;
    for (const container of this.containers) delete container.lastWrite;
    if (!this.progress.running) this.progress = { running: false, runs: 0, keysScanned: 0, keysTotal: 0, keysCompared: 0, keysDiverged: 0, replicasRepaired: 0, unreachable: [] };
    return { ready: true };
  }

  /** Starts an anti-entropy pass (unless one runs): a coordinator of the lab's own, in small runs, to show progress. */
  private startAntiEntropy(): void {
    if (this.progress.running) return;
    this.progress = { running: true, runs: 0, keysScanned: 0, keysTotal: 0, keysCompared: 0, keysDiverged: 0, replicasRepaired: 0, unreachable: [] };
    const coordinator = new Coordinator(loadConfig(this.coordinatorEnv()));
    void (async () => {
      try {
        for (let run = 0; run < 1_000; run += 1) {
          const report = await coordinator.antiEntropy({ budgetMs: 250, batch: 20, fromStart: run === 0 });
          const p = this.progress;
          this.progress = {
            ...p,
            runs: run + 1,
            keysScanned: p.keysScanned + report.keysScanned,
            keysTotal: run === 0 ? report.replicaKeys.reduce((sum, replica) => sum + (replica.keys ?? 0), 0) : p.keysTotal,
            keysCompared: p.keysCompared + report.keysCompared,
            keysDiverged: p.keysDiverged + report.keysDiverged,
            replicasRepaired: p.replicasRepaired + report.replicasRepaired,
            unreachable: report.unreachable,
          };
          if (report.passComplete || report.stoppedBecause === 'unreachable') break;
        }
      } catch (error) {
        this.progress = { ...this.progress, error: (error as Error).message };
      } finally {
        this.progress = { ...this.progress, running: false, finishedAt: Date.now() };
        await coordinator.close();
      }
    })();
  }
}

function describeEntry(entry: ShownEntry): string {
  switch (entry.state) {
    case 'missing':
      return 'missing';
    case 'unreadable':
      return `unreadable (${entry.reason})`;
    case 'tombstone':
      return `tombstone @ ${entry.version}`;
    case 'value':
      return `"${entry.value}" @ ${entry.version}`;
  }
}

/** Every key on `client`'s server matching `pattern` (SCAN: the lab's data sets are small). */
async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

async function waitForReady(client: Redis): Promise<void> {
  for (let i = 0; i < 50 && client.status !== 'ready'; i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  const parsed = JSON.parse(text) as unknown;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
