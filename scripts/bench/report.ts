import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchResults, Row } from './results';
import type { ConnectionCount, IdleCpu, ServerLoad } from './serverLoad';
import { ms } from './targets';

const HEADERS = ['group', 'variant', 'in flight', 'ops/s', 'p50', 'p99', 'p99.9', 'CPU/op', 'ops/s ratio', 'p50 ratio', 'p99 ratio', 'p99.9 ratio', 'errors'];

function cells(row: Row, all: readonly Row[]): string[] {
  const isBaseline = all.some((other) => other.group === row.group && other.baseline === row.name);
  const r = row.ratios;
  return [
    row.group,
    row.name,
    String(row.concurrency),
    Math.round(row.opsPerSec).toLocaleString('en-US'),
    ms(row.latency.p50Ms),
    ms(row.latency.p99Ms),
    ms(row.latency.p999Ms),
    row.cpuUsPerOp === undefined ? '' : `${row.cpuUsPerOp.toFixed(1)} µs`,
    r === undefined ? (isBaseline ? 'baseline' : '') : `${r.ops.toFixed(2)}x`,
    r === undefined ? '' : `${r.p50.toFixed(2)}x`,
    r === undefined ? '' : `${r.p99.toFixed(2)}x`,
    r === undefined ? '' : `${r.p999.toFixed(2)}x`,
    String(row.errors),
  ];
}

function verdict(pass: boolean | null): string {
  return pass === null ? 'n/a' : pass ? 'PASS' : 'FAIL';
}

/** The report as plain text for the terminal: measurements with ratios, cold start, verdicts. */
export function textReport(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(...textTable(HEADERS, results.rows.map((row) => cells(row, results.rows))));
  if (results.coldStart.length > 0) {
    lines.push('');
    lines.push(...textTable(COLD_HEADERS, results.coldStart.map(coldCells)));
    lines.push('', ...textTable(BREAKDOWN_HEADERS, results.coldStart.map(breakdownCells)));
  }
  if (results.serverLoad.length > 0) lines.push('', ...textTable(SERVER_HEADERS, serverRows(results.serverLoad)));
  if (results.serverLoad.length > 0) lines.push('', ...textTable(COMMAND_HEADERS, commandRows(results.serverLoad)));
  if (results.serverLoad.length > 0) lines.push('', ...textTable(WORK_HEADERS, workRows(results.serverLoad)));
  if (results.connections.length > 0) lines.push('', ...textTable(CONNECTION_HEADERS, connectionRows(results.connections, results.idleCpu)));
  for (const skip of results.skipped) lines.push('', `skipped ${skip.scenario}: ${skip.reason}`);
  lines.push('');
  lines.push(...textTable(['verdict', 'target', 'measured'], results.targets.map((t) => [verdict(t.pass), t.target, t.measured])));
  const passed = results.targets.filter((t) => t.pass === true).length;
  const failed = results.targets.filter((t) => t.pass === false).length;
  lines.push('', `${passed} passed, ${failed} failed, ${results.targets.length - passed - failed} not measured; ${results.durationS.toFixed(0)} s`);
  return lines.join('\n');
}

/** The same report as Markdown, for the README's Performance section. */
export function markdownReport(results: BenchResults): string {
  const lines: string[] = [];
  lines.push(...markdownTable(HEADERS, results.rows.map((row) => cells(row, results.rows))));
  if (results.coldStart.length > 0) lines.push('', ...markdownTable(COLD_HEADERS, results.coldStart.map(coldCells)));
  if (results.coldStart.length > 0) lines.push('', ...markdownTable(BREAKDOWN_HEADERS, results.coldStart.map(breakdownCells)));
  if (results.serverLoad.length > 0) lines.push('', ...markdownTable(SERVER_HEADERS, serverRows(results.serverLoad)));
  if (results.serverLoad.length > 0) lines.push('', ...markdownTable(COMMAND_HEADERS, commandRows(results.serverLoad)));
  if (results.serverLoad.length > 0) lines.push('', ...markdownTable(WORK_HEADERS, workRows(results.serverLoad)));
  if (results.connections.length > 0) lines.push('', ...markdownTable(CONNECTION_HEADERS, connectionRows(results.connections, results.idleCpu)));
  lines.push('', ...markdownTable(['verdict', 'target', 'measured'], results.targets.map((t) => [`**${verdict(t.pass)}**`, t.target, t.measured])));
  return lines.join('\n');
}

const COLD_HEADERS = [
  'function',
  'bundle JS',
  'source map',
  'zip',
  'require p50 (source maps)',
  'max',
  'require p50 (plain)',
  'first answer p50',
  'empty handler p50',
  'process p50',
  'empty node p50',
];

function coldCells(cold: BenchResults['coldStart'][number]): string[] {
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
  return [
    cold.fn,
    kb(cold.jsBytes),
    kb(cold.sourceMapBytes),
    kb(cold.zipBytes),
    ms(cold.requireMs.p50),
    ms(cold.requireMs.max),
    ms(cold.requireMsPlain.p50),
    ms(cold.firstInvocationMs.p50),
    ms(cold.firstInvocationMs.emptyHandlerP50),
    ms(cold.processMs.p50),
    ms(cold.processMs.emptyNodeP50),
  ];
}

const BREAKDOWN_HEADERS = [
  'first invocation',
  'node start (empty handler)',
  'node start',
  'require',
  'connections ready (after require)',
  'first TIME answer',
  'first command sent',
  'its round trip',
  'answered (after require)',
  'commands per run before the answer',
];

/** One function's cold-start breakdown: the phases overlap (connecting starts inside require). */
function breakdownCells(cold: BenchResults['coldStart'][number]): string[] {
  const b = cold.breakdown;
  const after = (value: number): string => `+${ms(value)}`;
  return [
    cold.fn,
    ms(b.emptyBootMs),
    ms(b.bootMs),
    ms(b.requireMs),
    after(b.connectedMs),
    after(b.clockMs),
    after(b.firstCommandSentMs),
    ms(b.firstCommandMs),
    after(b.answeredMs),
    b.commandsPerRun,
  ];
}

const SERVER_HEADERS = [
  'group',
  'mode',
  'replica',
  'client ops',
  'masters (ports)',
  'calls per master',
  'calls/op per master',
  'µs/call per master',
  'command µs/op per master',
  'CPU µs/op per master',
  'CPU µs/op, replica',
];

/**
 * One line per replica of each measured variant: every master's share of the calls, and its cost per client
 * operation, from `INFO commandstats` (command execution) and `INFO cpu` (the whole process) deltas.
 */
function serverRows(loads: readonly ServerLoad[]): string[][] {
  const lines: string[][] = [];
  for (const load of loads) {
    const replicas = [...new Set(load.masters.map((master) => master.replica))];
    for (const replica of replicas) {
      const masters = load.masters.filter((master) => master.replica === replica);
      const perOp = (value: number): string => (load.clientOps === 0 ? '-' : (value / load.clientOps).toFixed(1));
      const each = (cell: (master: ServerLoad['masters'][number]) => string): string => masters.map(cell).join(' / ');
      lines.push([
        load.group.replace(/^by mode: /, ''),
        load.mode,
        replica,
        load.clientOps.toLocaleString('en-US'),
        each((master) => String(master.port)),
        each((master) => master.calls.toLocaleString('en-US')),
        each((master) => (load.clientOps === 0 ? '-' : (master.calls / load.clientOps).toFixed(2))),
        each((master) => (master.calls === 0 ? '-' : (master.commandUs / master.calls).toFixed(1))),
        each((master) => perOp(master.commandUs)),
        each((master) => perOp(master.cpuUs)),
        perOp(masters.reduce((sum, master) => sum + master.cpuUs, 0)),
      ]);
    }
  }
  return lines;
}

const COMMAND_HEADERS = ['group', 'mode', 'calls per client operation, all servers of the mode'];

/** One line per measured variant: which commands each client operation cost, summed over the mode's servers. */
function commandRows(loads: readonly ServerLoad[]): string[][] {
  return loads.map((load) => [
    load.group.replace(/^by mode: /, ''),
    load.mode,
    Object.entries(load.commands)
      .sort(([, a], [, b]) => b - a)
      .map(([command, calls]) => `${command} ${(calls / Math.max(1, load.clientOps)).toFixed(2)}`)
      .join(', '),
  ]);
}

const WORK_HEADERS = ['group', 'mode', 'client commands per op, all replicas', 'server command µs per op, all replicas', 'server CPU µs per op, all replicas'];

/** One line per measured variant: what one operation cost the replicas together (see `ServerWatch.work`). */
function workRows(loads: readonly ServerLoad[]): string[][] {
  return loads.map((load) => [
    load.group.replace(/^by mode: /, ''),
    load.mode,
    load.work.commandsPerOp.toFixed(2),
    load.work.commandUsPerOp.toFixed(1),
    load.work.cpuUsPerOp.toFixed(1),
  ]);
}

const CONNECTION_HEADERS = ['mode', 'after', 'replica', 'connections per master', 'per replica', 'per coordinator', 'idle CPU µs/s per master'];

/**
 * One line per replica: the connections one coordinator holds open on each of its servers, and each server's CPU
 * time per second while idle with that coordinator connected.
 */
function connectionRows(counts: readonly ConnectionCount[], idle: readonly IdleCpu[]): string[][] {
  return counts.flatMap((count) => {
    const total = count.masters.reduce((sum, master) => sum + master.connections, 0);
    const replicas = [...new Set(count.masters.map((master) => master.replica))];
    return replicas.map((replica) => {
      const masters = count.masters.filter((master) => master.replica === replica);
      return [
        count.mode,
        count.after,
        replica,
        masters.map((master) => `${master.port}: ${master.connections}`).join(' / '),
        String(masters.reduce((sum, master) => sum + master.connections, 0)),
        String(total),
        masters
          .map((master) => idle.find((entry) => entry.mode === count.mode)?.masters.find((m) => m.port === master.port)?.cpuUsPerS)
          .map((cpu) => (cpu === undefined ? '-' : cpu.toFixed(0)))
          .join(' / '),
      ];
    });
  });
}

/** Columns left-aligned in the terminal table, beside the first two of every table. */
const TEXT_COLUMNS = ['target', 'measured', 'function', 'replica', 'after', 'masters (ports)', 'calls per client operation, all servers of the mode'];

function textTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const numeric = (i: number): boolean => i >= 2 && headers !== undefined && !TEXT_COLUMNS.includes(headers[i]!);
  const line = (row: string[]): string => row.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function markdownTable(headers: string[], rows: string[][]): string[] {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)];
}

/** Writes the JSON results (curves rounded, to keep the file small) and the Markdown table. */
export async function writeResults(results: BenchResults, jsonPath: string, markdownPath: string): Promise<void> {
  await mkdir(dirname(jsonPath), { recursive: true });
  const round = (_key: string, value: unknown): unknown =>
    typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(5)) : value;
  // Percentile-curve points on one line each, so the file stays small and readable.
  const json = JSON.stringify(results, round, 2).replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, '[$1, $2]');
  await writeFile(jsonPath, `${json}\n`);
  await writeFile(markdownPath, `${markdownReport(results)}\n`);
}
