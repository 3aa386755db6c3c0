import stringWidth from 'string-width';

/**
 * Small text helpers every renderer shares: terminal width of a string, padding by it, printable forms of what the
 * service sent, and numbers in the units people read.
 */

/** Columns a string takes in a terminal (wide CJK and emoji count 2, combining marks 0), via `string-width`. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/** Pads on the right (or, for `right`, on the left) to `width` terminal columns. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * A string from the service made safe to print: control characters (newlines, tabs, ANSI escapes a stored value
 * could carry) are shown as escapes, so a value can neither break a table nor drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\t') return '\\t';
    if (char === '\r') return '\\r';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A value quoted for display, shortened to `max` columns with an ellipsis (and its full length in bytes). */
export function quotedValue(value: string, max = 60): string {
  const shown = printable(value);
  if (displayWidth(shown) <= max) return `"${shown}"`;
  let cut = '';
  for (const char of shown) {
    if (displayWidth(cut + char) > max - 1) break;
    cut += char;
  }
  return `"${cut}…" (${Buffer.byteLength(value, 'utf8')} bytes)`;
}

/** Milliseconds with the precision that matters at that size: 0.42, 4.2, 42, 420. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** A count with thousands separators: 12,345. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
