import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BenchResults, Row } from './results';
import { HUNG_CONCURRENCY } from './scenarios/hungNode';

/** A panel of the chart: a title and the rows whose percentile curves it draws. */
interface Panel {
  readonly title: string;
  readonly series: readonly { readonly label: string; readonly row: Row }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
const PANEL_W = 560;
const PANEL_H = 330;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 42 };
const LEGEND_H = 92;
const MAX_NINES = 4;

/** Groups the run's rows into the chart's panels: in-process at 1 and 64 in flight, HTTP, and the hung node. */
function panels(rows: readonly Row[]): Panel[] {
  const pick = (filter: (row: Row) => boolean, label: (row: Row) => string): Panel['series'] =>
    rows.filter(filter).map((row) => ({ label: label(row), row }));
  const byOp = (row: Row): string => `${row.group.startsWith('set') ? 'set' : 'get'}: ${row.name}`;
  return [
    { title: 'In-process, 1 in flight', series: pick((r) => r.scenario === 'coordinator' && r.concurrency === 1, byOp) },
    { title: 'In-process, 64 in flight', series: pick((r) => r.scenario === 'coordinator' && r.concurrency === 64, byOp) },
    {
      title: 'Handler vs coordinator (1 in flight) and HTTP via serverless offline',
      series: [
        ...pick((r) => r.scenario === 'handler', (r) => `${r.group.replace(' handler', '')}: ${r.name}`),
        ...pick((r) => r.scenario === 'http', (r) => `${r.group}, ${r.name}`),
      ],
    },
    {
      title: `One node hung (SIGSTOP), ${HUNG_CONCURRENCY} in flight, by phase`,
      series: pick((r) => r.scenario === 'hung-node' && ['before', 'during', 'after'].includes(r.name), (r) => `${r.group.replace('hung node: ', '')}: ${r.name}`),
    },
  ].filter((panel) => panel.series.length > 0);
}

/**
 * Draws every distribution as a percentile curve (x: percentile on a "number of nines" scale up to p99.99, y:
 * latency on a log scale), one panel per scenario, as a self-contained SVG.
 */
export function latencyChart(results: BenchResults): string {
  const list = panels(results.rows);
  const columns = 2;
  const rowsOfPanels = Math.ceil(list.length / columns);
  const cellH = PANEL_H + LEGEND_H;
  const width = columns * PANEL_W;
  const height = 40 + rowsOfPanels * cellH + 20;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="bold">quorum-kv latency percentiles (${escapeXml(results.startedAt.slice(0, 10))}, ${escapeXml(results.machine.cpus ?? '?')} cores, one noisy run)</text>`,
  );
  list.forEach((panel, index) => {
    const x0 = (index % columns) * PANEL_W;
    const y0 = 40 + Math.floor(index / columns) * cellH;
    parts.push(drawPanel(panel, x0, y0));
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function drawPanel(panel: Panel, x0: number, y0: number): string {
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const points = panel.series.flatMap((s) => s.row.curve.filter(([p]) => p < 100));
  const values = points.map(([, v]) => v).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const xOf = (percentile: number): number => x0 + MARGIN.left + (Math.min(MAX_NINES, -Math.log10(Math.max(1e-6, 1 - percentile / 100))) / MAX_NINES) * plotW;
  const yOf = (ms: number): number => y0 + MARGIN.top + plotH - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out: string[] = [];
  out.push(`<text x="${x0 + MARGIN.left}" y="${y0 + 20}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
  out.push(`<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    const y = yOf(decade);
    out.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${formatMs(decade)}</text>`);
  }
  ['p0', 'p90', 'p99', 'p99.9', 'p99.99'].forEach((label, nines) => {
    const x = x0 + MARGIN.left + (nines / MAX_NINES) * plotW;
    out.push(`<line x1="${x}" x2="${x}" y1="${y0 + MARGIN.top}" y2="${y0 + MARGIN.top + plotH}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${y0 + MARGIN.top + plotH + 16}" text-anchor="middle">${label}</text>`);
  });
  out.push(`<text x="${x0 + MARGIN.left + plotW / 2}" y="${y0 + PANEL_H - 6}" text-anchor="middle" fill="#555">percentile</text>`);
  out.push(`<text transform="translate(${x0 + 14} ${y0 + MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" fill="#555">latency (log)</text>`);
  panel.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length]!;
    const path = series.row.curve
      .filter(([p]) => p < 100)
      .map(([p, v], k) => `${k === 0 ? 'M' : 'L'}${xOf(p).toFixed(1)},${yOf(v).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    const column = i % 2;
    const line = Math.floor(i / 2);
    const lx = x0 + MARGIN.left + column * (plotW / 2);
    const ly = y0 + PANEL_H + 4 + line * 15;
    out.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 20}" y="${ly + 4}">${escapeXml(series.label)}</text>`);
  });
  return out.join('\n');
}

function formatMs(value: number): string {
  return value < 1 ? `${Math.round(value * 1000)} µs` : value < 1000 ? `${value} ms` : `${value / 1000} s`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes the chart to `path` (creating its folder). */
export async function writeChart(results: BenchResults, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${latencyChart(results)}\n`);
}
