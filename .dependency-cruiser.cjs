/**
 * The layering of quorum-kv, checked by `npm run check:layers` (part of `npm test`) with dependency-cruiser.
 *
 * Dependencies point one way:
 *
 *   functions/, cli/, tools/, scripts/ → lib/index.ts → coordinator.ts, sharedCoordinator.ts, config.ts
 *                                      → lib/write → lib/repair → lib/read → lib/replica → lib/core
 *   lib/aws (adapters: Lambda dispatch, Redis credentials, CloudWatch metrics) sits beside the top: it may use every layer below it.
 *   lib/logger.ts is a leaf every layer but core may use.
 *
 * Around the store, each top-level folder is a room with its own rule:
 *
 *   functions/  the deployed handlers: lib/ and their own files, never cli/, console/, tools/, scripts/ or test/.
 *   cli/        the qkv command line (bin/qkv.js loads it), a client of the service: its own files, lib/'s types,
 *               the trace wire type (functions/contract/trace.ts) and two modules of tools/.
 *   console/    the console page's browser script: its own files and the trace wire type.
 *   tools/      what tests, scripts/ and cli/ share (a local Redis cluster, serverless offline, API Gateway events,
 *               the latency histogram, the console build, the validators' source): lib/, functions/ and itself.
 *   scripts/    what developers run (npm run dev, bench, repair, build:console, generate:validators): nothing imports it.
 *   test/       may import every room but scripts/.
 *
 * A layer may import its own files and the layers below it, never one above it. Each rule's comment is the message
 * shown when a change breaks it. Type-only imports count (`tsPreCompilationDeps`), so a circle cannot hide behind
 * `import type`.
 */

/** Paths of lib/ that a layer may import besides itself, as one regular expression. */
const allowed = (...paths) => `^(${paths.join('|')})`;
const LOGGER = 'lib/logger\\.ts$';
/** The trace's wire type, the one module of functions/ that cli/ and console/ may import. */
const TRACE_WIRE = 'functions/contract/trace\\.ts$';

/** One rule per layer: files under `from` may import nothing of lib/ outside `mayImport`. */
const layer = (name, from, mayImport, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^${from}` },
  to: { path: '^lib/', pathNot: allowed(from, ...mayImport) },
});

/** A forbidden import: from the files `from` selects to the files `to` selects (dependency-cruiser path rules). */
const forbid = (name, comment, from, to) => ({ name, severity: 'error', comment, from, to });

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'This import closes a circle of imports (type-only ones included). Move what both sides need into the lower ' +
        'layer (often a type into lib/core), or pass it in through a small interface.',
      from: {},
      to: { circular: true },
    },
    layer(
      'layer-core',
      'lib/core/',
      [],
      'lib/core is pure (clock, entries, consistency, outcomes and results, errors): it imports nothing else of lib/. ' +
        'Move the type it needs into lib/core, or move the code that needs more out of it.',
    ),
    {
      name: 'layer-core-no-packages',
      severity: 'error',
      comment: 'lib/core is pure: no npm packages (Node built-ins such as node:crypto are fine). Put adapters in lib/replica or lib/aws.',
      from: { path: '^lib/core/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'] },
    },
    layer(
      'layer-replica',
      'lib/replica/',
      ['lib/core/'],
      'lib/replica (one node: connection, breaker, commands, Lua, storage layout, health) may import only lib/core. ' +
        'Settings it needs are declared here as small interfaces that config.ts satisfies; it never imports config.ts.',
    ),
    layer(
      'layer-read',
      'lib/read/',
      ['lib/replica/', 'lib/core/', LOGGER],
      'lib/read (fan-out, race, quorum read, read repair) may import only lib/replica, lib/core and the logger. ' +
        'Work that belongs to repair or writes comes in as a function or an interface (see ReadRepairSettings.handOff).',
    ),
    layer(
      'layer-repair',
      'lib/repair/',
      ['lib/read/', 'lib/replica/', 'lib/core/', LOGGER],
      'lib/repair (hints, key repair, hint replay, anti-entropy, the dispatcher interface) may import lib/read, ' +
        'lib/replica and lib/core, never the Coordinator or the write path: it works over a ReplicaSet.',
    ),
    layer(
      'layer-write',
      'lib/write/',
      ['lib/repair/', 'lib/read/', 'lib/replica/', 'lib/core/', LOGGER],
      'lib/write (attempts, fan-out, the re-issue rule) may import lib/repair, lib/read, lib/replica and lib/core, never the ' +
        'Coordinator, config or AWS adapters.',
    ),
    layer(
      'layer-aws',
      'lib/aws/',
      ['lib/write/', 'lib/repair/', 'lib/read/', 'lib/replica/', 'lib/core/', LOGGER],
      'lib/aws holds adapters beside the top (Lambda dispatch, Redis credentials): they implement interfaces of the ' +
        'layers below and must not import coordinator.ts, sharedCoordinator.ts, config.ts or lib/index.ts.',
    ),
    forbid(
      'logger-is-a-leaf',
      'lib/logger.ts is imported by every layer but core, so it must import nothing of lib/.',
      { path: `^${LOGGER}` },
      { path: '^lib/' },
    ),
    forbid(
      'config-below-the-coordinator',
      'config.ts parses settings for every layer; it must not import the coordinator, its composition root or the index.',
      { path: '^lib/config\\.ts$' },
      { path: '^lib/(coordinator|sharedCoordinator|index)\\.ts$' },
    ),
    forbid(
      'coordinator-below-the-composition-root',
      'coordinator.ts must not import sharedCoordinator.ts (the composition root that builds it), lib/index.ts or an ' +
        'AWS adapter (lib/aws): sharedCoordinator.ts builds the adapters and passes them in.',
      { path: '^lib/coordinator\\.ts$' },
      { path: '^lib/((sharedCoordinator|index)\\.ts$|aws/)' },
    ),
    forbid(
      'index-is-for-outside',
      'lib/index.ts is the entry for functions/, cli/, tools/ and scripts/; inside lib/, import the module itself.',
      { path: '^lib/', pathNot: '^lib/index\\.ts$' },
      { path: '^lib/index\\.ts$' },
    ),
    forbid(
      'lib-stands-alone',
      'lib/ is the store, testable without HTTP: it must not import functions/, cli/, console/, tools/, scripts/ or test/.',
      { path: '^lib/' },
      { path: '^(functions|cli|console|tools|scripts|test)/' },
    ),
    forbid(
      'lib-only-through-index',
      'functions/, cli/, tools/ and scripts/ import lib/ only through lib/index.ts (`../lib`). Export what you need from ' +
        'lib/index.ts if it belongs to the public surface; otherwise it belongs in lib/. The one exception is the trace ' +
        'wire type (functions/contract/trace.ts), which names lib/core/replicaOutcome.ts so the browser page can use it.',
      { path: '^(functions|cli|tools|scripts)/', pathNot: `^${TRACE_WIRE}` },
      { path: '^lib/', pathNot: '^lib/index\\.ts$' },
    ),
    forbid(
      'trace-wire-type-stands-alone',
      'functions/contract/trace.ts declares the trace every side of the wire uses (the handlers, cli/, console/): it ' +
        'may import only lib/core/replicaOutcome.ts, which imports nothing, so the browser page and the command line ' +
        'can import it without the rest of lib/ or functions/.',
      { path: `^${TRACE_WIRE}` },
      { pathNot: '^lib/core/replicaOutcome\\.ts$' },
    ),
    forbid(
      'functions-deploy-alone',
      'functions/ is what is deployed: its bundles must not pull in the command line, the console\'s script, the local ' +
        'tooling, developer scripts or tests. Move what a handler needs into functions/ or lib/.',
      { path: '^functions/' },
      { path: '^(cli|console|tools|scripts|test)/' },
    ),
    forbid(
      'cli-is-a-client',
      'cli/ (the qkv command line) is a client of the service, over HTTP or the Lambda API: it may import its own ' +
        'files, npm packages, lib/ through lib/index.ts (for types, with `import type`: it never runs the store ' +
        'itself; the swc parser cannot tell type-only imports apart, so this part is on review), the trace wire type ' +
        '(functions/contract/trace.ts), and from tools/ the API Gateway event it invokes functions with and the ' +
        'latency histogram it shares with the bench. Nothing else of functions/ or tools/, nor console/, scripts/ or test/.',
      { path: '^cli/' },
      {
        path: '^(functions|tools|console|scripts|test)/',
        pathNot: `^(${TRACE_WIRE}|tools/(apiGatewayEvents|latencyHistogram)\\.ts$)`,
      },
    ),
    forbid(
      'tools-below-tests-and-scripts',
      'tools/ is what tests, scripts/ and cli/ share: it may import lib/ (through lib/index.ts), functions/ and itself, ' +
        'never cli/, console/, scripts/ or test/, so each of them can use it.',
      { path: '^tools/' },
      { path: '^(cli|console|scripts|test)/' },
    ),
    forbid(
      'scripts-are-run-not-imported',
      'scripts/ holds only what developers run (npm run dev, bench, repair, build:console, generate:validators); ' +
        'nothing outside it imports it. Code that tests or the command line need too belongs in tools/.',
      { pathNot: '^scripts/' },
      { path: '^scripts/' },
    ),
    forbid(
      'console-function-stays-light',
      'functions/console.ts serves a constant page: it must not import lib/ (the coordinator, ioredis, the AWS SDK) or ' +
        'any npm package but type declarations, so its bundle stays a few kilobytes with no Redis connection at cold start.',
      { path: '^functions/console(\\.ts$|/)' },
      { path: '^(lib/|functions/(?!console)|node_modules/(?!@types/))' },
    ),
    forbid(
      'console-page-is-browser-code',
      'console/ is the page\'s browser script: it may import only its own files (no lib/, functions/, Node built-ins ' +
        'or packages), so the page stays small and self-contained; the one exception is the trace wire type ' +
        '(functions/contract/trace.ts, types only), so the page reads the fields the service declares instead of a copy.',
      { path: '^console/' },
      { pathNot: `^(console/|${TRACE_WIRE})` },
    ),
    forbid(
      'unit-layer-starts-no-redis',
      'test/unit is the fast layer: decisions against the fake replica set (test/support/fakeReplicaSet.ts), with no ' +
        'redis-server, process or socket. A test that needs real Redis, a coordinator over real replicas or serverless ' +
        'offline belongs in test/integration or a scenario suite (docs/tests.md).',
      { path: '^test/unit/' },
      { path: '(^test/support/(redisCluster|coordinators|coordinatorLinks|handlers|serverlessOffline|tcpProxy|qkvProcess)\\.ts$|localCluster\\.ts$|serverlessOffline\\.ts$|node_modules/ioredis/)' },
    ),
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import does not resolve to a file or an installed package.',
      from: {},
      // aws-lambda is a types-only package (@types/aws-lambda), which only the TypeScript compiler resolves.
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc parses the same syntax and keeps
    // type-only imports, which tsPreCompilationDeps then counts.
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
