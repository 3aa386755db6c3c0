import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchResults, Row } from './results';
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
  }
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

function textTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]!.length)));
  const numeric = (i: number): boolean => i >= 2 && headers !== undefined && !['target', 'measured', 'function'].includes(headers[i]!);
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
