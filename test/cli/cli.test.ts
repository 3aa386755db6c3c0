import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../cli/answers';
import { runQkv, type QkvEnvironment } from '../../cli/cli';
import { HttpStoreClient } from '../../cli/client/httpStoreClient';
import { LambdaStoreClient } from '../../cli/client/lambdaStoreClient';
import type { AntiEntropyPage, KvOperation, StoreAnswer, StoreClient } from '../../cli/client/storeClient';
import { storeClientFor, type TargetOptions } from '../../cli/client/targets';
import { EXIT, QkvError } from '../../cli/exitCodes';

/** A client that answers from a script and records what it was asked: the CLI's logic without a service. */
class ScriptedClient implements StoreClient {
  readonly description = 'scripted';
  readonly operations: KvOperation[] = [];
  closed = false;

  constructor(private readonly answer: (operation: KvOperation) => StoreAnswer | Promise<StoreAnswer>) {}

  async run(operation: KvOperation): Promise<StoreAnswer> {
    this.operations.push(operation);
    return this.answer(operation);
  }

  async health(): Promise<StoreAnswer> {
    return { status: 200, body: { status: 'OK', writeQuorumReachable: true, writeQuorum: 2, nodes: [] }, roundTripMs: 1 };
  }

  antiEntropy(): Promise<AntiEntropyPage> {
    return Promise.reject(new QkvError(EXIT.usage, 'no anti-entropy here'));
  }

  close(): void {
    this.closed = true;
  }
}

/** Runs `qkv` in-process with buffers for its output and the given client. */
async function qkv(argv: string[], client?: StoreClient, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const targets: TargetOptions[] = [];
  const environment: QkvEnvironment = {
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    env,
    readStdin: async () => '',
    ...(client === undefined
      ? {}
      : {
          clientFor: (options: TargetOptions) => {
            targets.push(options);
            return client;
          },
        }),
  };
  const code = await runQkv(argv, environment);
  return { code, stdout, stderr, targets };
}

const ok = (body: StoreAnswer['body'], status = 200): StoreAnswer => ({ status, body, roundTripMs: 1.5 });

describe('Module: cli', () => {
  describe('Function: runQkv', () => {
    it.each([[[]], [['set']], [['get']], [['del']], [['health']], [['trace']], [['trace', 'get']], [['trace', 'set']], [['trace', 'del']], [['trace', 'show']], [['repair']], [['bench']]])(
      'prints help for qkv %j --help and exits 0',
      async (command) => {
        // Act
        const { code, stdout } = await qkv([...command, '--help']);

        // Assess
        expect(code).toBe(EXIT.ok);
        expect(stdout).toMatch(new RegExp(`^Usage: qkv${command.map((name) => ` ${name}(\\|delete)?`).join('')} `));
      },
    );

    it('lists the exit codes in the main help', async () => {
      // Act
      const { stdout } = await qkv(['--help']);

      // Assess
      for (const code of Object.values(EXIT)) expect(stdout).toMatch(new RegExp(`^  ${code}  `, 'm'));
    });

    it.each([
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['get'], /missing required argument 'key'/],
      [['set', 'k'], /missing required argument 'value'/],
      [['set', 'k', 'v', '--ttl', '0'], /--ttl <seconds>' argument '0' is invalid/],
      [['get', 'k', '-c', 'most'], /Expected one of one, quorum, all/],
      [['get', 'k', '--colour'], /unknown option '--colour'/],
      [['--timeout', 'soon', 'health'], /--timeout <ms>' argument 'soon' is invalid/],
      [['bench', '--writes', '101'], /Expected a whole number from 0 to 100/],
      [[], /Usage: qkv/],
    ])('refuses %j as a usage error (exit 2), saying why', async (argv, message) => {
      // Act
      const { code, stderr } = await qkv(argv, new ScriptedClient(() => ok({})));

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(stderr).toMatch(message);
    });

    it('passes the key, value, TTL and level to the client, and prints what was written', async () => {
      // Prepare
      const client = new ScriptedClient(() => ok({ status: 'OK', success_nodes: 2, version: 'v1' }));

      // Act
      const { code, stdout, stderr } = await qkv(['set', 'city', 'Seoul', '--ttl', '60', '-c', 'all'], client);

      // Assess
      expect(code).toBe(EXIT.ok);
      expect(client.operations).toEqual([{ op: 'set', key: 'city', value: 'Seoul', ttl: 60, consistency: 'all' }]);
      expect(stdout).toMatch(/^status +OK \(written\)$/m);
      expect(stdout).toMatch(/^version +v1$/m);
      expect(stderr).toBe('');
      expect(client.closed).toBe(true);
    });

    it('exits 1 for a key that does not exist, 0 for one that does', async () => {
      // Prepare
      const client = new ScriptedClient((operation) => (operation.key === 'there' ? ok({ status: 'OK', value: 'v' }) : ok({ status: 'NOT_FOUND' }, 404)));

      // Act
      const missing = await qkv(['get', 'nobody'], client);
      const found = await qkv(['get', 'there'], client);

      // Assess
      expect(missing.code).toBe(EXIT.notFound);
      expect(missing.stdout).toBe('not found: "nobody"\n');
      expect(found.code).toBe(EXIT.ok);
    });

    it('prints the answer as it is with --json, whichever side of the command it is given', async () => {
      // Prepare
      const body = { status: 'FAIL', success_nodes: 1, rolled_back: false, error: 'write quorum not reached', nodes: [] };
      const client = new ScriptedClient(() => ok(body, 503));

      // Act
      const before = await qkv(['--json', 'set', 'k', 'v'], client);
      const after = await qkv(['set', 'k', 'v', '--json'], client);

      // Assess
      for (const run of [before, after]) {
        expect(run.code).toBe(EXIT.unavailable);
        expect(JSON.parse(run.stdout)).toEqual(body);
        expect(run.stderr).toBe('');
      }
    });

    it('turns a transport failure into its exit code: a message on stderr, or an ERROR document with --json', async () => {
      // Prepare
      const client = new ScriptedClient(() => Promise.reject(new QkvError(EXIT.network, 'cannot reach http://127.0.0.1:1: ECONNREFUSED')));

      // Act
      const human = await qkv(['get', 'k'], client);
      const json = await qkv(['--json', 'get', 'k'], client);

      // Assess
      expect(human.code).toBe(EXIT.network);
      expect(human.stderr).toBe('qkv: cannot reach http://127.0.0.1:1: ECONNREFUSED\n');
      expect(json.code).toBe(EXIT.network);
      expect(JSON.parse(json.stdout)).toEqual({ status: 'ERROR', error: 'cannot reach http://127.0.0.1:1: ECONNREFUSED', exitCode: EXIT.network });
    });

    it('hands the global options to the client factory, given before or after the command', async () => {
      // Prepare
      const client = new ScriptedClient(() => ok({ status: 'OK' }));

      // Act
      const { targets } = await qkv(['--url', 'http://example.test', 'get', 'k', '--key', 'abc', '--timeout', '500'], client);

      // Assess
      expect(targets).toEqual([expect.objectContaining({ url: 'http://example.test', key: 'abc', timeout: 500 })]);
    });

    it('draws a saved trace from a file', async () => {
      // Prepare
      const file = join(await mkdtemp(join(tmpdir(), 'qkv-')), 'trace.json');
      await writeFile(file, JSON.stringify({ status: 'OK', success_nodes: 2, version: 'v1', nodes: [{ node: 'a:1', outcome: 'applied', ms: 1, version: null }] }));

      // Act
      const { code, stdout } = await qkv(['trace', 'show', file, '--name', 'city']);

      // Assess
      expect(code).toBe(EXIT.ok);
      expect(stdout).toMatch(/^set "city" → 200 OK · 2 acknowledged · version v1$/m);
      expect(stdout).toMatch(/^a:1 +├━+● +applied +1\.00 ms$/m);
    });

    it('refuses repair over HTTP, naming the option to use', async () => {
      // Act
      const { code, stderr } = await qkv(['repair'], undefined, { QKV_URL: 'http://127.0.0.1:9' });

      // Assess
      expect(code).toBe(EXIT.usage);
      expect(stderr).toMatch(/has no HTTP route: use --lambda/);
    });
  });

  describe('Function: storeClientFor', () => {
    it('chooses HTTP by default, from QKV_URL and QKV_API_KEY, and Lambda with --lambda', () => {
      // Act
      const http = storeClientFor({ timeout: 1_000 }, { QKV_URL: 'http://127.0.0.1:4000/', QKV_API_KEY: 'k' });
      const lambda = storeClientFor({ timeout: 1_000, lambda: true, stage: 'prod' }, { QKV_LAMBDA_ENDPOINT: 'http://127.0.0.1:3002' });

      // Assess
      expect(http).toBeInstanceOf(HttpStoreClient);
      expect(http.description).toBe('http://127.0.0.1:4000');
      expect(lambda).toBeInstanceOf(LambdaStoreClient);
      expect(lambda.description).toBe('lambda quorum-kv-prod-* at http://127.0.0.1:3002');
    });

    it.each([
      [{ lambda: true, url: 'http://a.test' }, /--url and --lambda/],
      [{ endpoint: 'http://127.0.0.1:3002' }, /--endpoint only applies with --lambda/],
      [{ stage: 'prod' }, /--stage only applies with --lambda/],
      [{ url: 'ftp://a.test' }, /--url must be an http/],
      [{ url: 'not a url' }, /--url must be an http/],
    ])('refuses %j as a usage error', (options, message) => {
      // Act & Assess
      expect(() => storeClientFor({ timeout: 1_000, ...options }, {})).toThrow(message);
      try {
        storeClientFor({ timeout: 1_000, ...options }, {});
      } catch (error) {
        expect((error as QkvError).exitCode).toBe(EXIT.usage);
      }
    });
  });

  describe('Function: exitCodeOf', () => {
    it.each([
      [200, 'OK', EXIT.ok],
      [404, 'NOT_FOUND', EXIT.notFound],
      [404, 'ERROR', EXIT.usage],
      [400, 'ERROR', EXIT.usage],
      [413, 'ERROR', EXIT.usage],
      [403, undefined, EXIT.auth],
      [429, 'ERROR', EXIT.unavailable],
      [503, 'FAIL', EXIT.unavailable],
      [500, 'ERROR', EXIT.server],
    ])('maps %i %s to exit code %i', (status, bodyStatus, code) => {
      // Act & Assess
      expect(exitCodeOf({ status, body: bodyStatus === undefined ? { message: 'Forbidden' } : { status: bodyStatus } })).toBe(code);
    });
  });
});
