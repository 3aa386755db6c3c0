import { findRow, type BenchResults, type Row, type TargetVerdict } from './results';
import {
  FAN_OUT_SCRIPT,
  FAN_OUT_STRING_GET,
  FIRST_READ,
  FIRST_READ_UNPIPELINED,
  groupName,
  QUORUM_WRITE,
  QUORUM_WRITE_UNPIPELINED,
  RAW,
} from './scenarios/coordinator';
import { DIRECT, HANDLER } from './scenarios/handler';
import { httpGroup, HTTP_GET, HTTP_SET, SEED, TRIVIAL, TRIVIAL_POST } from './scenarios/http';
import { commandsPerReadOf, HEDGED_READ, hedgedGroup, RACE_READ } from './scenarios/hedgedReads';
import { hungGroup } from './scenarios/hungNode';
import { modesGroup } from './scenarios/modes';

/** Netflix Dynomite, 3 replicas, quorum reads and writes, 50 clients, on this kind of machine (issue 6). */
export const DYNOMITE = { setOps: 25_900, getOps: 23_200 } as const;
const BUNDLE_LIMIT_BYTES = 300 * 1024;
const LOAD_LIMIT_MS = 50;
const MIDDLEWARE_LIMIT_MS = 0.05;
const CPU_LIMIT = 1.3;
/** Coordinator CPU per operation at 1 in flight with the request functions' setting, against the library default's. */
const UNPIPELINED_CPU_LIMIT = 0.6;
const FIRST_INVOCATION_LIMIT = 1.5;
const HTTP_OPS_LIMIT = 0.8;
const HTTP_P90_LIMIT = 1.3;
const HEDGED_COMMANDS_LIMIT = 1.2;
const HEDGED_P99_LIMIT = 1.1;

/**
 * The bare fan-outs that send exactly the Redis commands the coordinator sends for a write and for a read: what its
 * CPU per operation is compared with.
 */
export const SAME_COMMANDS = { write: FAN_OUT_SCRIPT, read: FAN_OUT_STRING_GET } as const;

/**
 * Judges this run against every target (issues 6 and 12); a target whose scenario did not run is reported as not
 * measured.
 */
export function judge(results: Pick<BenchResults, 'rows' | 'coldStart' | 'serverLoad'>): TargetVerdict[] {
  const { rows } = results;
  const verdicts: TargetVerdict[] = [];
  const add = (id: string, target: string, measured: string | undefined, pass: boolean | undefined): void => {
    verdicts.push({ id, target, measured: measured ?? 'not measured', pass: measured === undefined ? null : (pass ?? null) });
  };
  const ratio = (row: Row | undefined, key: 'ops' | 'p50' | 'p99'): number | undefined => row?.ratios?.[key];

  const write64 = findRow(rows, groupName('set', 64), QUORUM_WRITE);
  const read64 = findRow(rows, groupName('get', 64), FIRST_READ);
  const w64 = ratio(write64, 'ops');
  const r64 = ratio(read64, 'ops');
  add('c64-write-ratio', '64 in flight: quorum write ops/s >= 0.30x raw SET', fmtRatio(w64, write64), w64 !== undefined && w64 >= 0.3);
  add('c64-read-ratio', '64 in flight: first-response read ops/s >= 0.35x raw GET', fmtRatio(r64, read64), r64 !== undefined && r64 >= 0.35);
  add(
    'c64-write-dynomite',
    `64 in flight: quorum write ops/s > Dynomite's ${DYNOMITE.setOps} SET/s`,
    write64 && `${Math.round(write64.opsPerSec)} ops/s`,
    write64 && write64.opsPerSec > DYNOMITE.setOps,
  );
  add(
    'c64-read-dynomite',
    `64 in flight: first-response read ops/s > Dynomite's ${DYNOMITE.getOps} GET/s`,
    read64 && `${Math.round(read64.opsPerSec)} ops/s`,
    read64 && read64.opsPerSec > DYNOMITE.getOps,
  );

  const write1 = findRow(rows, groupName('set', 1), QUORUM_WRITE);
  const read1 = findRow(rows, groupName('get', 1), FIRST_READ);
  const rawGet1 = findRow(rows, groupName('get', 1), RAW);
  const rawSet1 = findRow(rows, groupName('set', 1), RAW);
  add(
    'c1-write-p50',
    '1 in flight: quorum write p50 <= 1.2x raw SET p50',
    write1 && rawSet1 && `${fmtRatio(ratio(write1, 'p50'))} (${ms(write1.latency.p50Ms)} vs ${ms(rawSet1.latency.p50Ms)})`,
    (ratio(write1, 'p50') ?? Infinity) <= 1.2,
  );
  add(
    'c1-read-p50',
    '1 in flight: first-response read p50 <= 1.0x raw GET p50',
    read1 && rawGet1 && `${fmtRatio(ratio(read1, 'p50'))} (${ms(read1.latency.p50Ms)} vs ${ms(rawGet1.latency.p50Ms)})`,
    (ratio(read1, 'p50') ?? Infinity) <= 1.0,
  );
  add(
    'c1-read-p99',
    '1 in flight: first-response read p99 <= 1.0x raw GET p99',
    read1 && rawGet1 && `${fmtRatio(ratio(read1, 'p99'))} (${ms(read1.latency.p99Ms)} vs ${ms(rawGet1.latency.p99Ms)})`,
    (ratio(read1, 'p99') ?? Infinity) <= 1.0,
  );

  for (const operation of ['set', 'get'] as const) {
    const handler = findRow(rows, `${operation} handler`, HANDLER);
    const direct = findRow(rows, `${operation} handler`, DIRECT);
    const cost = handler && direct ? handler.latency.p50Ms - direct.latency.p50Ms : undefined;
    add(
      `middleware-${operation}`,
      `${operation} handler: middleware cost <= 50 µs per request at p50`,
      cost === undefined ? undefined : `${(cost * 1000).toFixed(1)} µs (p50 ${ms(handler!.latency.p50Ms)} vs ${ms(direct!.latency.p50Ms)})`,
      cost !== undefined && cost <= MIDDLEWARE_LIMIT_MS,
    );
  }

  for (const [variant, operation] of [[QUORUM_WRITE, 'write'], [FIRST_READ, 'read']] as const) {
    const group = groupName(operation === 'write' ? 'set' : 'get', 1);
    const coordinator = findRow(rows, group, variant);
    const bare = findRow(rows, group, SAME_COMMANDS[operation]);
    const cpu = coordinator?.cpuUsPerOp !== undefined && bare?.cpuUsPerOp !== undefined ? coordinator.cpuUsPerOp / bare.cpuUsPerOp : undefined;
    add(
      `cpu-${operation}`,
      `1 in flight: coordinator CPU per ${operation} <= ${CPU_LIMIT}x the bare fan-out of the same commands`,
      cpu === undefined ? undefined : `${cpu.toFixed(2)}x (${coordinator!.cpuUsPerOp!.toFixed(1)} µs vs ${bare!.cpuUsPerOp!.toFixed(1)} µs)`,
      cpu !== undefined && cpu <= CPU_LIMIT,
    );
  }

  for (const [variant, unpipelined, operation] of [[QUORUM_WRITE, QUORUM_WRITE_UNPIPELINED, 'write'], [FIRST_READ, FIRST_READ_UNPIPELINED, 'read']] as const) {
    const group = groupName(operation === 'write' ? 'set' : 'get', 1);
    const on = findRow(rows, group, variant);
    const off = findRow(rows, group, unpipelined);
    const cpu = on?.cpuUsPerOp !== undefined && off?.cpuUsPerOp !== undefined ? off.cpuUsPerOp / on.cpuUsPerOp : undefined;
    add(
      `cpu-unpipelined-${operation}`,
      `1 in flight: coordinator CPU per ${operation} with auto-pipelining off (set, get, health) <= ${UNPIPELINED_CPU_LIMIT}x the default's (on)`,
      cpu === undefined
        ? undefined
        : `${cpu.toFixed(2)}x (${off!.cpuUsPerOp!.toFixed(1)} µs vs ${on!.cpuUsPerOp!.toFixed(1)} µs; p50 ${ms(off!.latency.p50Ms)} vs ${ms(on!.latency.p50Ms)})`,
      cpu !== undefined && cpu <= UNPIPELINED_CPU_LIMIT,
    );
  }

  // Replica work per operation, in each mode: reported, and the bar any change of the apply script must lower.
  for (const [operation, label] of [['write', 'quorum write'], ['read', 'first-response read']] as const) {
    const loads = results.serverLoad.filter((load) => load.group === modesGroup(label, 1));
    add(
      `replica-us-${operation}`,
      `replica server µs per ${operation} (${label}, 1 in flight, summed over the replicas): reported for each mode; any script change must lower it`,
      loads.length === 0
        ? undefined
        : loads.map((load) => `${load.mode} ${load.work.commandUsPerOp.toFixed(1)} µs in ${load.work.commandsPerOp.toFixed(2)} commands (CPU ${load.work.cpuUsPerOp.toFixed(1)} µs)`).join('; '),
      loads.length === 2,
    );
  }

  // Each route against the trivial handler sent the same kind of request (a POST with the same body for /set).
  for (const [operation, variant, seedOps, trivial] of [['set', HTTP_SET, SEED.set16, TRIVIAL_POST], ['get', HTTP_GET, SEED.get16, TRIVIAL]] as const) {
    const at16 = findRow(rows, httpGroup(16), variant);
    const at1 = findRow(rows, httpGroup(1), variant);
    const trivial1 = findRow(rows, httpGroup(1), trivial);
    const trivial16 = findRow(rows, httpGroup(16), trivial);
    const ops = at16 && trivial16 ? at16.opsPerSec / trivial16.opsPerSec : undefined;
    add(
      `http-${operation}-16`,
      `HTTP ${variant} at 16 connections: req/s >= ${HTTP_OPS_LIMIT}x the trivial handler's (${trivial === TRIVIAL ? 'GET' : 'POST'}) in the same offline`,
      ops === undefined ? undefined : `${ops.toFixed(2)}x (${Math.round(at16!.opsPerSec)} vs ${Math.round(trivial16!.opsPerSec)} req/s)`,
      ops !== undefined && ops >= HTTP_OPS_LIMIT,
    );
    const p90 = at1 && trivial1 ? at1.latency.p90Ms / trivial1.latency.p90Ms : undefined;
    add(
      `http-${operation}-p90`,
      `HTTP ${variant} at 1 connection: p90 <= ${HTTP_P90_LIMIT}x the trivial handler's (${trivial === TRIVIAL ? 'GET' : 'POST'})`,
      p90 === undefined ? undefined : `${p90.toFixed(2)}x (${ms(at1!.latency.p90Ms)} vs ${ms(trivial1!.latency.p90Ms)})`,
      p90 !== undefined && p90 <= HTTP_P90_LIMIT,
    );
    add(`http-${operation}-seed`, `HTTP ${variant} at 16 connections > seed's ${seedOps} req/s`, at16 && `${Math.round(at16.opsPerSec)} req/s`, at16 && at16.opsPerSec > seedOps);
  }

  for (const operation of ['set', 'get'] as const) {
    const before = findRow(rows, hungGroup(operation), 'before');
    const during = findRow(rows, hungGroup(operation), 'during');
    const r = ratio(during, 'p99');
    add(
      `hung-${operation}-p99`,
      `one node hung, ${operation}: p99 during the fault (after its first second) <= 2x healthy p99`,
      during && before && `${fmtRatio(r)} (${ms(during.latency.p99Ms)} vs ${ms(before.latency.p99Ms)}${during.errors > 0 ? `, ${during.errors} errors` : ''})`,
      r !== undefined && r <= 2 && during!.errors === 0,
    );
  }

  const healthyHedged = findRow(rows, hedgedGroup('healthy'), HEDGED_READ);
  const commands = commandsPerReadOf(healthyHedged);
  const raceCommands = commandsPerReadOf(findRow(rows, hedgedGroup('healthy'), RACE_READ));
  add(
    'hedged-commands',
    `hedged level-one reads, replica commands per read <= ${HEDGED_COMMANDS_LIMIT}`,
    commands === undefined ? undefined : `${commands.toFixed(2)} (race: ${raceCommands?.toFixed(2) ?? '-'})`,
    commands !== undefined && commands <= HEDGED_COMMANDS_LIMIT,
  );
  for (const state of ['healthy', 'one node hung'] as const) {
    const hedged = findRow(rows, hedgedGroup(state), HEDGED_READ);
    const race = findRow(rows, hedgedGroup(state), RACE_READ);
    const r = ratio(hedged, 'p99');
    add(
      `hedged-p99-${state === 'healthy' ? 'healthy' : 'hung'}`,
      `hedged level-one reads, p99 ${state} <= ${HEDGED_P99_LIMIT}x race's`,
      hedged && race && `${fmtRatio(r)} (${ms(hedged.latency.p99Ms)} vs ${ms(race.latency.p99Ms)}${hedged.errors > 0 ? `, ${hedged.errors} errors` : ''})`,
      r !== undefined && r <= HEDGED_P99_LIMIT && hedged!.errors === 0,
    );
  }

  for (const cold of results.coldStart) {
    add(`bundle-${cold.fn}`, `${cold.fn} bundle <= 300 KB`, `${kb(cold.jsBytes)} JS (zip ${kb(cold.zipBytes)} with a ${kb(cold.sourceMapBytes)} source map)`, cold.jsBytes <= BUNDLE_LIMIT_BYTES);
    add(
      `load-${cold.fn}`,
      `${cold.fn} bundle loads in <= 50 ms (p50 of ${cold.requireMs.runs} fresh processes, --enable-source-maps)`,
      `${cold.requireMs.p50.toFixed(1)} ms (max ${cold.requireMs.max.toFixed(1)} ms)`,
      cold.requireMs.p50 <= LOAD_LIMIT_MS,
    );
    const first = cold.firstInvocationMs.p50 / cold.firstInvocationMs.emptyHandlerP50;
    add(
      `first-invocation-${cold.fn}`,
      `${cold.fn}: fresh process to first answered invocation <= ${FIRST_INVOCATION_LIMIT}x an empty handler's (p50 of ${cold.requireMs.runs})`,
      `${first.toFixed(2)}x (${ms(cold.firstInvocationMs.p50)} vs ${ms(cold.firstInvocationMs.emptyHandlerP50)})`,
      first <= FIRST_INVOCATION_LIMIT,
    );
  }
  return verdicts;
}

/** A duration for the report, with precision that suits its size. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 1 ? `${value.toFixed(3)} ms` : value < 100 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`;
}

function fmtRatio(value: number | undefined, row?: Row): string | undefined {
  if (value === undefined) return undefined;
  return row === undefined ? `${value.toFixed(2)}x` : `${value.toFixed(2)}x (${Math.round(row.opsPerSec)} ops/s)`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}
