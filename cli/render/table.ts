import { displayWidth, pad } from './text';

/** One column of a table: its header, how to get a row's cell, and which side it aligns to. */
export interface Column<Row> {
  readonly header: string;
  readonly cell: (row: Row) => string;
  /** Numbers align right; default left. */
  readonly align?: 'left' | 'right';
}

/**
 * A plain-text table for people: a header line, a rule, one line per row, columns two spaces apart and sized to
 * their widest cell (by terminal width, so wide characters keep the columns straight). Trailing spaces are trimmed.
 * Cells must already be printable (see `printable`).
 */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(displayWidth(column.header), ...cells.map((line) => displayWidth(line[i]!))));
  const line = (values: readonly string[]): string =>
    values.map((value, i) => pad(value, widths[i]!, columns[i]!.align)).join('  ').trimEnd();
  return [line(columns.map((column) => column.header)), widths.map((width) => '─'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}

/** Label-value lines, the labels padded to one width: the shape of a single answer (`get`, `set`, a report). */
export function renderFields(fields: readonly (readonly [label: string, value: string])[]): string {
  const width = Math.max(0, ...fields.map(([label]) => displayWidth(label)));
  return fields.map(([label, value]) => `${pad(label, width)}  ${value}`.trimEnd()).join('\n');
}
