import { readFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import type { ConsistencyLevel } from '../lib';
import type { KvOperation, StoreClient } from './client/storeClient';
import { storeClientFor, type TargetOptions } from './client/targets';
import { runBench } from './commands/bench';
import { printJson, println, type CommandContext, type Output } from './commands/context';
import { runHealth } from './commands/health';
import { runKv } from './commands/kv';
import { runRepair } from './commands/repair';
import { runTrace, showTrace } from './commands/trace';
import { EXIT, EXIT_CODES_HELP, QkvError, type ExitCode } from './exitCodes';
import { consistencyLevel, operationName, seconds, wholeNumber } from './optionValues';

/** What `runQkv` runs against: where it prints, its environment, and (for tests) how it makes its client. */
export interface QkvEnvironment {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads stdin to its end (for `trace show -`). */
  readonly readStdin: () => Promise<string>;
  /** Makes the client for the global options; default {@link storeClientFor}. Tests substitute a fake. */
  readonly clientFor?: (options: TargetOptions, env: Readonly<Record<string, string | undefined>>) => StoreClient;
}

/** The global options as commander parses them (the target's, plus `--json`). */
interface GlobalOptions extends TargetOptions {
  readonly json?: boolean;
}

/** Options shared by `set`, `get`, `del` and their `trace` forms. */
interface KvCommandOptions {
  readonly consistency?: ConsistencyLevel;
  readonly ttl?: number;
  readonly trace?: boolean;
}

const MAX_TTL_S = 315_360_000;

const EXAMPLES = `
Examples:
  export QKV_API_KEY=…                       # printed by npm run dev
  qkv set city Seoul --ttl 3600
  qkv get city -c quorum
  qkv trace get city                         # the read's fan-out, drawn
  qkv del city
  qkv health --json
  qkv --lambda --endpoint http://127.0.0.1:3002 repair   # anti-entropy through serverless offline's Lambda port
  qkv bench --duration 5 --concurrency 8

Targets: HTTP to --url (default $QKV_URL, else http://127.0.0.1:3000) with the API key from --key or $QKV_API_KEY,
or --lambda: the functions quorum-kv-<stage>-<name> invoked through the Lambda API (AWS credentials; --endpoint for
serverless offline, default $QKV_LAMBDA_ENDPOINT).`;

/**
 * Runs `qkv` with these arguments (without `node` and the script) and resolves with its exit code: parses them with
 * commander (`--help` on every command), runs the command against the chosen target, and turns every failure into
 * a message (stderr, or one JSON document with `--json`) and an exit code from {@link EXIT}. Never throws and never
 * exits the process itself, so that tests can call it and `main.ts` decides.
 */
export async function runQkv(argv: readonly string[], environment: QkvEnvironment): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  let client: StoreClient | undefined;
  let json = argv.includes('--json');
  const program = buildProgram(environment, (options) => {
    json = options.json === true;
    const context: CommandContext = {
      stdout: environment.stdout,
      stderr: environment.stderr,
      json,
      client: () => (client ??= (environment.clientFor ?? storeClientFor)(options, environment.env)),
      readInput: (path) => (path === '-' ? environment.readStdin() : readFile(path, 'utf8')),
    };
    return context;
  }, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    exitCode = reportFailure(error, environment, json);
  } finally {
    client?.close();
  }
  return exitCode;
}

/** Prints a failure and gives its exit code: commander's usage errors (already printed by commander), QkvErrors, bugs. */
function reportFailure(error: unknown, environment: QkvEnvironment, json: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version exit 0; anything else commander refused is a usage error (commander printed it).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const failure = error instanceof QkvError ? error : new QkvError(EXIT.server, `unexpected failure: ${(error as Error)?.stack ?? String(error)}`);
  if (json) printJson({ stdout: environment.stdout } as CommandContext, failure.body ?? { status: 'ERROR', error: failure.message, exitCode: failure.exitCode });
  else println(environment.stderr, `qkv: ${failure.message}`);
  return failure.exitCode;
}

/**
 * The command tree. Each action gets a {@link CommandContext} for the global options and reports its exit code
 * through `done`.
 */
function buildProgram(
  environment: QkvEnvironment,
  contextFor: (options: GlobalOptions) => CommandContext,
  done: (code: ExitCode) => void,
): Command {
  const program = new Command('qkv')
    .description('Command line for quorum-kv: read, write and delete keys, see how a request fanned out to the replicas, check health, run anti-entropy and a short load.')
    .version('0.1.0', '-V, --version')
    .option('--url <url>', 'HTTP endpoint of the service (default $QKV_URL, else http://127.0.0.1:3000)')
    .option('--key <key>', 'API key, sent as x-api-key (default $QKV_API_KEY)')
    .option('--lambda', 'invoke the Lambda functions through the Lambda API instead of HTTP (needed for repair)')
    .option('--endpoint <url>', "Lambda API endpoint, e.g. serverless offline's http://127.0.0.1:3002 (default $QKV_LAMBDA_ENDPOINT, else AWS)")
    .option('--stage <stage>', 'stage of the functions, named quorum-kv-<stage>-<function> (default $QKV_STAGE, else dev)')
    .option('--function-prefix <prefix>', 'what the function names start with, instead of quorum-kv-<stage>-')
    .option('--region <region>', 'AWS region for --lambda (default $AWS_REGION, else us-east-1)')
    .option('--timeout <ms>', 'longest wait for one answer, in ms', wholeNumber(1, 900_000), 10_000)
    .option('--json', 'print one JSON document (the service\'s answer) for scripts, instead of tables')
    .addHelpText('after', `${EXAMPLES}\n\n${EXIT_CODES_HELP}`)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => environment.stdout.write(text),
      writeErr: (text) => environment.stderr.write(text),
    });

  const act = (command: Command, run: (context: CommandContext) => Promise<ExitCode>): Promise<void> =>
    run(contextFor(command.optsWithGlobals<GlobalOptions>())).then(done);
  const consistencyOption = (): Option =>
    new Option('-c, --consistency <level>', 'consistency level: one, quorum or all (default: the service\'s)').argParser(consistencyLevel);
  const ttlOption = (): Option => new Option('--ttl <seconds>', `expire the key this many seconds from now (1 to ${MAX_TTL_S})`).argParser(wholeNumber(1, MAX_TTL_S));
  const set = (key: string, value: string, options: KvCommandOptions): KvOperation => ({
    op: 'set',
    key,
    value,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
  });
  const keyed = (op: 'get' | 'del', key: string, options: KvCommandOptions): KvOperation => ({
    op,
    key,
    ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
  });

  program
    .command('set')
    .description('write a value (a quorum write; exit 3 when it missed its quorum, with every replica\'s outcome)')
    .argument('<key>', 'the key (any string; keys with / work too)')
    .argument('<value>', 'the value, stored byte for byte')
    .addOption(ttlOption())
    .addOption(consistencyOption())
    .option('--trace', 'add a table of what each replica did')
    .action((key: string, value: string, options: KvCommandOptions, command: Command) =>
      act(command, (context) => runKv(context, set(key, value, options), options.trace === true)),
    );

  program
    .command('get')
    .description('read a value (exit 1 when the key does not exist)')
    .argument('<key>', 'the key')
    .addOption(consistencyOption())
    .option('--trace', 'add a table of what each replica answered')
    .action((key: string, options: KvCommandOptions, command: Command) =>
      act(command, (context) => runKv(context, keyed('get', key, options), options.trace === true)),
    );

  program
    .command('del')
    .alias('delete')
    .description('delete a key (a versioned tombstone, through the quorum path; deleting a missing key succeeds)')
    .argument('<key>', 'the key')
    .addOption(consistencyOption())
    .option('--trace', 'add a table of what each replica did')
    .action((key: string, options: KvCommandOptions, command: Command) =>
      act(command, (context) => runKv(context, keyed('del', key, options), options.trace === true)),
    );

  program
    .command('health')
    .description('every replica: up, breaker state, PING time; exit 3 when no write quorum is reachable')
    .action((_options: unknown, command: Command) => act(command, runHealth));

  const trace = program
    .command('trace')
    .description("draw a request's fan-out: one lane per replica on a time axis, outcome, version, first responder, quorum point")
    .addHelpText(
      'after',
      `
The picture (times in ms after the coordinator started):
  ├━━━━●   sent, then answered; the mark says what: ● applied/found  ◐ stale  ○ missing  ▲ newer  ✗ error  ⊗ timeout
  ├━━╌╌▷   no answer yet when the coordinator answered (pending)
  ┆        the quorum was reached here      │  the coordinator answered here      ← first: the reply a read returned
Servers without the timing fields (sent_ms, quorum_ms, elapsed_ms, first) still draw: lanes start at 0, marks are left out.`,
    );
  trace
    .command('get')
    .description('read a key and draw the read')
    .argument('<key>', 'the key')
    .addOption(consistencyOption())
    .action((key: string, options: KvCommandOptions, command: Command) => act(command, (context) => runTrace(context, keyed('get', key, options))));
  trace
    .command('set')
    .description('write a value and draw the write')
    .argument('<key>', 'the key')
    .argument('<value>', 'the value')
    .addOption(ttlOption())
    .addOption(consistencyOption())
    .action((key: string, value: string, options: KvCommandOptions, command: Command) => act(command, (context) => runTrace(context, set(key, value, options))));
  trace
    .command('del')
    .alias('delete')
    .description('delete a key and draw the delete')
    .argument('<key>', 'the key')
    .addOption(consistencyOption())
    .action((key: string, options: KvCommandOptions, command: Command) => act(command, (context) => runTrace(context, keyed('del', key, options))));
  trace
    .command('show')
    .description('draw a trace saved earlier: a response body with ?trace=1 (qkv --json, curl), from a file or stdin')
    .argument('[file]', 'the JSON file; - or nothing for stdin', '-')
    .addOption(new Option('--op <op>', 'which operation it was: set, get or del (default: from the body)').argParser(operationName))
    .option('--name <key>', 'the key it was about, for the headline')
    .action((file: string, options: { op?: 'set' | 'get' | 'del'; name?: string }, command: Command) =>
      act(command, (context) => showTrace(context, file, { ...(options.op === undefined ? {} : { op: options.op }), ...(options.name === undefined ? {} : { key: options.name }) })),
    );

  program
    .command('repair')
    .description('run one anti-entropy pass through the antiEntropy function (needs --lambda), with a progress bar per page')
    .option('--resume', 'continue the pass where the last run stopped, instead of starting a new one')
    .option('--batch <keys>', 'keys per SCAN page (default: the service\'s ANTI_ENTROPY_BATCH)', wholeNumber(1, 10_000))
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Each page is one invocation with {"budgetMs":0}: exactly one SCAN batch, its position saved on the replicas, so the
pass can be followed (a bar on a terminal, one line per page otherwise) and resumed with --resume after Ctrl-C. Exit 0
when the pass completed, 3 when a replica could not be scanned (the report names it).`,
    )
    .action((options: { resume?: boolean; batch?: number; quiet?: boolean }, command: Command) =>
      act(command, (context) =>
        runRepair(context, { resume: options.resume === true, quiet: options.quiet === true, ...(options.batch === undefined ? {} : { batch: options.batch }) }),
      ),
    );

  program
    .command('bench')
    .description('a short load with a live latency histogram (on a terminal) and a summary')
    .option('-d, --duration <seconds>', 'how long to run', seconds(0.1, 600), 5)
    .option('-n, --concurrency <requests>', 'requests in flight', wholeNumber(1, 1_024), 8)
    .option('-w, --writes <percent>', 'share of writes, the rest reads', wholeNumber(0, 100), 20)
    .option('-k, --keys <count>', 'distinct keys (qkv-bench-0…), written once before the load', wholeNumber(1, 1_000_000), 100)
    .option('--value-bytes <bytes>', 'size of each value written', wholeNumber(0, 1_048_576), 64)
    .addOption(consistencyOption())
    .action(
      (
        options: { duration: number; concurrency: number; writes: number; keys: number; valueBytes: number; consistency?: ConsistencyLevel },
        command: Command,
      ) =>
        act(command, (context) =>
          runBench(context, {
            durationS: options.duration,
            concurrency: options.concurrency,
            writePercent: options.writes,
            keys: options.keys,
            valueBytes: options.valueBytes,
            ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
          }),
        ),
    );

  return program;
}
