import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../../cli/exitCodes';
import type { TraceEntry } from '../../functions/contract/trace';
import { freePorts } from '../../tools/localRedisNode';
import { rowOf, runQkvProcess, type QkvRun } from '../support/qkvProcess';
import { directClient, storedOnNode, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';

// Every test runs the real qkv process several times (about half a second each on an idle machine, a few seconds on a
// busy one): the timeout leaves room for a loaded machine, never for a hang (each run is bounded by runQkvProcess).
describe('End to end: the qkv command line against serverless offline and real redis-servers', { timeout: 120_000 }, () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));

  /** What every run over HTTP gets: offline's URL and its API key, through the environment as a user would set them. */
  const httpEnv = (): Record<string, string> => ({ QKV_URL: offline().baseUrl, QKV_API_KEY: offline().apiKey });
  const lambda = (): string[] => ['--lambda', '--endpoint', `http://127.0.0.1:${offline().lambdaPort}`];
  const names = (): string[] => cluster().nodes.map((node) => `127.0.0.1:${node.port}`);
  const qkv = (args: string[], env: Record<string, string> = httpEnv()): Promise<QkvRun> => runQkvProcess(args, env);
  const json = <T = Record<string, unknown>>(run: QkvRun): T => {
    try {
      return JSON.parse(run.stdout) as T;
    } catch {
      throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
  };

  /** Waits until every replica is up for the coordinator: health says so, and a write is applied by all three. */
  async function awaitAllReplicas(): Promise<void> {
    await vi.waitFor(
      async () => {
        expect((await qkv(['health'])).code).toBe(EXIT.ok);
        const probe = json<{ nodes: TraceEntry[] }>(await qkv(['--json', 'set', 'probe', 'p']));
        expect(probe.nodes.every((node) => node.outcome === 'applied' || node.outcome === 'pending')).toBe(true);
      },
      { timeout: 30_000, interval: 200 },
    );
  }

  it('writes, reads and deletes a key over HTTP: exit 0, 1 when it is gone, and the answers as JSON', async () => {
    // Act: the write at level all, so that every replica holds it when it answers.
    const set = await qkv(['set', 'city', 'Seoul ✓', '--ttl', '3600', '-c', 'all']);
    const stored = await Promise.all(cluster().nodes.map((node) => storedOnNode(node, 'city')));
    const got = await qkv(['get', 'city', '-c', 'quorum']);
    const gotJson = json<{ status: string; value: string; version: string; nodes: TraceEntry[] }>(await qkv(['--json', 'get', 'city']));
    const deleted = await qkv(['del', 'city']);
    const gone = await qkv(['get', 'city']);
    const goneJson = await qkv(['get', 'city', '--json']);

    // Assess
    expect(set.code, set.stderr).toBe(EXIT.ok);
    const version = /^version +(\S+)$/m.exec(set.stdout)?.[1];
    expect(set.stdout).toMatch(/^status +OK \(written\)$/m);
    expect(stored.map((entry) => entry.value)).toEqual(['Seoul ✓', 'Seoul ✓', 'Seoul ✓']);
    expect(stored.map((entry) => entry.version)).toEqual([version, version, version]);
    expect(got.code).toBe(EXIT.ok);
    expect(got.stdout).toMatch(/^value +"Seoul ✓"$/m);
    expect(got.stdout).toMatch(/^expires +\d{4}-\d\d-\d\dT/m);
    expect(got.stdout).toMatch(/^consistency +quorum$/m);
    expect(gotJson).toMatchObject({ status: 'OK', value: 'Seoul ✓', version });
    expect(gotJson.nodes.map((node) => node.node).sort()).toEqual([...names()].sort());
    expect(deleted.code).toBe(EXIT.ok);
    expect(deleted.stdout).toMatch(/^status +OK \(deleted: a tombstone\)$/m);
    expect(gone.code).toBe(EXIT.notFound);
    expect(gone.stdout).toBe('not found: "city"\n');
    expect(goneJson.code).toBe(EXIT.notFound);
    expect(json(goneJson)).toMatchObject({ status: 'NOT_FOUND' });
  });

  it('reports health as a table and as JSON', async () => {
    // Act
    const table = await qkv(['health']);
    const body = json<{ writeQuorumReachable: boolean; nodes: { node: string; up: boolean }[] }>(await qkv(['health', '--json']));

    // Assess
    expect(table.code).toBe(EXIT.ok);
    for (const node of names()) expect(rowOf(table.stdout, node)).toMatch(/^\S+ +yes +closed +\d/);
    expect(table.stdout).toContain('write quorum: reachable (3 of 3 replicas up, writes need 2)');
    expect(body.writeQuorumReachable).toBe(true);
    expect(body.nodes.map((node) => node.up)).toEqual([true, true, true]);
  });

  it("draws a request's fan-out: one lane per replica, with each replica's outcome and version", async () => {
    // Act: a write and a read at level all (every replica answers).
    const write = await qkv(['trace', 'set', 'drawn', 'v1', '-c', 'all']);
    const read = await qkv(['trace', 'get', 'drawn', '-c', 'all']);
    const saved = await qkv(['--json', 'trace', 'get', 'drawn', '-c', 'all']);
    const body = json<{ version: string; nodes: TraceEntry[] }>(saved);

    // Assess
    expect(write.code, write.stderr).toBe(EXIT.ok);
    expect(write.stdout).toMatch(/^set "drawn" → 200 OK · 3 acknowledged · version \S+$/m);
    // The quorum (┆) and answer (│) marks may fall between a lane's end and its outcome.
    for (const node of names()) expect(rowOf(write.stdout, node)).toMatch(/●[ ┆│]+applied +[\d.]+ ms/);
    expect(read.code).toBe(EXIT.ok);
    expect(read.stdout).toMatch(/^get "drawn" → 200 OK · value "v1" · consistency all · version \S+$/m);
    for (const node of names()) expect(rowOf(read.stdout, node)).toMatch(new RegExp(`├?━*●[ ┆│]+found +[\\d.]+ ms +${body.version.replace(/\./g, '\\.')}`));
    expect(read.stdout).toMatch(/^legend: ├━ sent, waiting · ● applied\/found/m);
    expect(body.nodes).toHaveLength(3);
  });

  it('draws a trace saved with --json, from a file, the same lanes the service reported', async () => {
    // Prepare
    const saved = await qkv(['--json', 'trace', 'get', 'drawn', '-c', 'all']);
    const body = json<{ nodes: TraceEntry[] }>(saved);
    const file = join(await mkdtemp(join(tmpdir(), 'qkv-e2e-')), 'trace.json');
    await writeFile(file, saved.stdout);

    // Act
    const shown = await qkv(['trace', 'show', file, '--op', 'get', '--name', 'drawn'], {});

    // Assess
    expect(shown.code).toBe(EXIT.ok);
    for (const entry of body.nodes) expect(rowOf(shown.stdout, entry.node)).toMatch(new RegExp(` ${entry.outcome} `));
  });

  it('works through Lambda invoke too: set, get, del, health and trace, with no API key', async () => {
    // Act
    const set = await qkv([...lambda(), 'set', 'via/lambda', 'λ']);
    const got = await qkv([...lambda(), '--json', 'get', 'via/lambda']);
    const traced = await qkv([...lambda(), 'trace', 'get', 'via/lambda', '-c', 'all']);
    const health = await qkv([...lambda(), 'health']);
    const deleted = await qkv([...lambda(), 'del', 'via/lambda']);
    const gone = await qkv([...lambda(), 'get', 'via/lambda']);
    const wrongStage = await qkv([...lambda(), '--stage', 'nope', 'get', 'k']);

    // Assess
    expect(set.code, set.stderr).toBe(EXIT.ok);
    expect(json(got)).toMatchObject({ status: 'OK', value: 'λ' });
    expect(traced.code).toBe(EXIT.ok);
    for (const node of names()) expect(rowOf(traced.stdout, node)).toMatch(/ found /);
    expect(health.code).toBe(EXIT.ok);
    expect(health.stdout).toContain('write quorum: reachable');
    expect(deleted.code).toBe(EXIT.ok);
    expect(gone.code).toBe(EXIT.notFound);
    expect(wrongStage.code).toBe(EXIT.usage);
    expect(wrongStage.stderr).toMatch(/no function quorum-kv-nope-get .*check --stage or --function-prefix/);
  });

  it('exits 4 without the API key or with a wrong one, 2 for bad input the service refuses', async () => {
    // Act
    const noKey = await qkv(['get', 'city'], { QKV_URL: offline().baseUrl });
    const wrongKey = await qkv(['--key', 'not-the-key-at-all-123', 'get', 'city'], { QKV_URL: offline().baseUrl });
    const tooLong = await qkv(['get', 'k'.repeat(600)]);
    const noJson = await qkv(['--json', 'get', 'city'], { QKV_URL: offline().baseUrl });

    // Assess
    expect(noKey.code).toBe(EXIT.auth);
    expect(noKey.stderr).toMatch(/403: Forbidden \(give the API key with --key or QKV_API_KEY\)/);
    expect(wrongKey.code).toBe(EXIT.auth);
    expect(tooLong.code).toBe(EXIT.usage);
    expect(tooLong.stderr).toMatch(/400 ERROR: .*key/);
    expect(noJson.code).toBe(EXIT.auth);
    expect(json(noJson)).toEqual({ message: 'Forbidden' });
  });

  describe('network failures', () => {
    let silent: Server;
    let silentPort: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // A server that accepts connections and never answers: what a hung load balancer looks like.
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('exits 5 when nothing listens, and when nothing answers within --timeout', async () => {
      // Prepare
      const [closedPort] = await freePorts(1);

      // Act
      const refused = await qkv(['get', 'k'], { QKV_URL: `http://127.0.0.1:${closedPort}` });
      const hung = await qkv(['--timeout', '300', 'get', 'k'], { QKV_URL: `http://127.0.0.1:${silentPort}` });
      const lambdaRefused = await qkv(['--lambda', '--endpoint', `http://127.0.0.1:${closedPort}`, 'get', 'k'], {});

      // Assess
      expect(refused.code).toBe(EXIT.network);
      expect(refused.stderr).toBe(`qkv: cannot reach http://127.0.0.1:${closedPort}: ECONNREFUSED\n`);
      expect(hung.code).toBe(EXIT.network);
      expect(hung.stderr).toBe(`qkv: no answer from http://127.0.0.1:${silentPort} within 300 ms (--timeout)\n`);
      expect(lambdaRefused.code).toBe(EXIT.network);
      expect(lambdaRefused.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    });
  });

  it("exits 3 with every replica's outcome when two replicas are paused (SIGSTOP), and 0 again once they wake", async () => {
    // Prepare
    await awaitAllReplicas();
    const [up, ...paused] = names();
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();

    try {
      // Act
      const write = await qkv(['set', 'frozen', 'v']);
      const writeJson = json<{ status: string; rolled_back: boolean; nodes: TraceEntry[] }>(await qkv(['--json', 'set', 'frozen', 'v']));
      const read = await qkv(['get', 'frozen', '-c', 'quorum']);
      const health = await qkv(['health']);

      // Assess: the write landed on the replica that is up and timed out on the paused ones.
      expect(write.code).toBe(EXIT.unavailable);
      expect(write.stdout).toBe('');
      expect(write.stderr).toMatch(/^error +503 FAIL: write quorum not reached/m);
      expect(write.stderr).toMatch(/^rolled back +no: it may still take effect/m);
      expect(rowOf(write.stderr, up!)).toMatch(/ applied /);
      for (const node of paused) expect(rowOf(write.stderr, node)).toMatch(/ timeout +\d+ +- +timed out$/);
      expect(writeJson.status).toBe('FAIL');
      expect(writeJson.rolled_back).toBe(false);
      expect(Object.fromEntries(writeJson.nodes.map((node) => [node.node, node.outcome]))).toEqual({ [up!]: 'applied', [paused[0]!]: 'timeout', [paused[1]!]: 'timeout' });
      expect(read.code).toBe(EXIT.unavailable);
      expect(read.stderr).toMatch(/503 FAIL: read quorum not reached/);
      expect(health.code).toBe(EXIT.unavailable);
      for (const node of paused) expect(rowOf(health.stdout, node)).toMatch(/^\S+ +NO /);
      expect(health.stdout).toContain('write quorum: NOT reachable');
    } finally {
      cluster().nodes[1]!.resume();
      cluster().nodes[2]!.resume();
    }

    // Assess: once they wake, writes commit again.
    await vi.waitFor(async () => expect((await qkv(['set', 'frozen', 'thawed'])).code).toBe(EXIT.ok), { timeout: 30_000, interval: 200 });
  });

  it('repair runs an anti-entropy pass page by page through Lambda, shows its progress, and refills a replica', async () => {
    // Prepare: 40 keys on every replica, then lost by replica 2 (deleted behind the coordinator's back: no hints).
    await awaitAllReplicas();
    const keys = Array.from({ length: 40 }, (_, i) => `healme-${i}`);
    for (const key of keys) expect((await offline().fetch(`/set?consistency=all`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, value: `v-${key}` }) })).status).toBe(200);
    const lost = directClient(cluster().nodes[2]!);
    await lost.del(...keys);
    lost.disconnect();

    // Act
    const run = await qkv([...lambda(), 'repair', '--batch', '10'], {});
    const again = json<{ passComplete: boolean; pages: number; keysDiverged: number; replicaKeys: { node: string; keys: number }[] }>(
      await qkv([...lambda(), '--json', 'repair', '-q'], {}),
    );

    // Assess: one progress line per page (stderr is not a terminal here), the share never going back, ending at 100%.
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const lines = run.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3 * 4);
    const shares = lines.map((line) => Number(/^repair (\d+)% /.exec(line)?.[1]));
    expect(shares.every((share, i) => Number.isInteger(share) && (i === 0 || share >= shares[i - 1]!))).toBe(true);
    expect(lines.at(-1)).toMatch(/^repair 100% · pass complete · page \d+ · \d+ compared · 40 diverged · 40 repaired$/);
    lines.forEach((line, i) => expect(line).toContain(`· page ${i + 1} ·`));
    expect(run.stdout).toMatch(/^outcome +pass complete: every replica was scanned through$/m);
    expect(run.stdout).toMatch(/^keys diverged +40$/m);
    expect(run.stdout).toMatch(/^copies repaired +40$/m);
    expect(run.stdout).toMatch(new RegExp(`^pages +${lines.length} `, 'm'));
    for (const key of keys) expect((await storedOnNode(cluster().nodes[2]!, key)).value).toBe(`v-${key}`);
    expect(again).toMatchObject({ passComplete: true, keysDiverged: 0 });
    expect(again.replicaKeys.map((replica) => replica.node)).toEqual(names());
  });

  it('repair stops at a replica it cannot scan, exits 3 and names it', async () => {
    // Prepare
    const down = names()[1]!;
    await cluster().nodes[1]!.kill();

    try {
      // Act
      const run = await qkv([...lambda(), 'repair'], {});
      const report = json<{ status: string; passComplete: boolean; unreachable: string[] }>(await qkv([...lambda(), '--json', 'repair', '--resume', '-q'], {}));

      // Assess
      expect(run.code).toBe(EXIT.unavailable);
      expect(run.stdout).toContain(`INCOMPLETE: could not scan, compare or repair ${down}; the next run resumes there`);
      expect(run.stderr.trim().split('\n').at(-1)).toContain(`stopped: ${down} unreachable`);
      expect(report).toMatchObject({ status: 'FAIL', passComplete: false, unreachable: [down] });
    } finally {
      await cluster().nodes[1]!.start();
    }
    await awaitAllReplicas();
  });

  it('draws the progress bar and the live histogram on a terminal', async () => {
    // Act
    const repair = await runQkvProcess([...lambda(), 'repair', '--batch', '10'], {}, { tty: true });
    const bench = await runQkvProcess(['bench', '--duration', '1.5', '--concurrency', '2', '--keys', '5'], httpEnv(), { tty: true });

    // Assess: cli-progress's bar (█ done, ░ to do) reaching 100%, and the bench's frames redrawn in place.
    expect(repair.code).toBe(EXIT.ok);
    expect(repair.stdout).toMatch(/repair █+░+ \d+% \| replica 1\/3/);
    expect(repair.stdout).toMatch(/repair █{40} 100% \| pass complete · page \d+/);
    expect(bench.code).toBe(EXIT.ok);
    const frames = bench.stdout.match(/bench \d+\.\d s of 1\.5 s · 2 in flight/g) ?? [];
    expect(frames.length).toBeGreaterThanOrEqual(2);
    // Each redraw moves back up over the previous frame and clears it (ESC [ n F, ESC [ 0 J).
    expect(bench.stdout).toMatch(/\u001b\[\d+F\u001b\[0J/);
    expect(bench.stdout).toMatch(/op +requests +failed +mean +p50 +p90 +p99 +p99\.9 +max ms/);
  });

  it('bench runs a short load and reports throughput and percentiles, as a table and as JSON', async () => {
    // Act
    const table = await qkv(['bench', '-d', '1', '-n', '2', '-k', '5', '-w', '50']);
    const summary = json<{ requests: number; failed: number; operations: { op: string; requests: number; p50Ms: number; maxMs: number }[] }>(
      await qkv(['bench', '-d', '1', '-n', '2', '-k', '5', '--json']),
    );
    const viaLambda = json<{ requests: number; failed: number }>(await qkv([...lambda(), '--json', 'bench', '-d', '1', '-n', '2', '-k', '5'], {}));

    // Assess
    expect(table.code, table.stderr).toBe(EXIT.ok);
    expect(table.stdout).toMatch(/^requests +\d[\d,]* \(\d[\d,]*\/s\), 0 failed$/m);
    expect(table.stdout).toMatch(/^get +\d/m);
    expect(table.stdout).toMatch(/^set +\d/m);
    expect(table.stdout).toMatch(/^ *[\d.]+–[\d.]+ ms │█*[▏▎▍▌▋▊▉]?\s*│ +\d+ +[\d.]+%$/m);
    expect(summary.failed).toBe(0);
    expect(summary.requests).toBe(summary.operations.reduce((sum, op) => sum + op.requests, 0));
    for (const op of summary.operations) expect(op.p50Ms).toBeLessThanOrEqual(op.maxMs);
    expect(viaLambda.requests).toBeGreaterThan(0);
    expect(viaLambda.failed).toBe(0);
    expect((await storedOnNode(cluster().nodes[0]!, 'qkv-bench-0')).value).toHaveLength(64);
  });

  it('runs as the README says: npx qkv and npm run qkv from the repository', async () => {
    // Act
    const npx = await runQkvProcess(['health', '--json'], httpEnv(), { via: 'npx' });
    const npm = await runQkvProcess(['get', 'no-such-key'], httpEnv(), { via: 'npm' });

    // Assess
    expect(npx.code, npx.stderr).toBe(EXIT.ok);
    expect(json(npx)).toMatchObject({ status: 'OK', writeQuorumReachable: true });
    expect(npm.code).toBe(EXIT.notFound);
    expect(npm.stdout).toBe('not found: "no-such-key"\n');
  });
});
