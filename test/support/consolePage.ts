import type { Page } from 'playwright-core';

/** What the console's form is asked to run. */
export interface ConsoleOperation {
  readonly kind: 'set' | 'get' | 'delete';
  readonly key: string;
  readonly value?: string;
  readonly ttl?: string;
  /** '' for the server's default. */
  readonly consistency?: string;
}

/** One drawn lane of the console's timeline, as its SVG carries it. */
export interface DrawnLane {
  readonly node: string;
  readonly outcome: string;
  readonly first: boolean;
}

/** What the console shows for the selected operation. */
export interface ShownResult {
  readonly opId: number;
  readonly status: string;
  readonly level: string;
  readonly words: string;
}

/**
 * Fills the console's form, runs the operation and waits (for the page's own signal, never for time) until the page
 * shows its answer; returns what the page shows.
 *
 * The radio button and the Run button get their click as a DOM event rather than at screen coordinates: the health
 * view above the form re-renders every few seconds, and a line of it wrapping differently would move the form under a
 * coordinate click. The page's handlers run exactly as for a user's click.
 */
export async function runOperation(page: Page, operation: ConsoleOperation): Promise<ShownResult> {
  const last = await page.$$eval('#history button', (buttons) => Math.max(0, ...buttons.map((b) => Number(b.getAttribute('data-op-id')))));
  const kind = page.locator(`input[name=kind][value=${operation.kind}]`);
  await kind.dispatchEvent('click');
  if (!(await kind.isChecked())) throw new Error(`the ${operation.kind} radio button did not get checked`);
  await page.fill('#key', operation.key);
  if (operation.kind === 'set') {
    await page.fill('#value', operation.value ?? '');
    await page.fill('#ttl', operation.ttl ?? '');
  }
  await page.selectOption('#consistency', operation.consistency ?? '');
  await page.locator('#run').dispatchEvent('click');
  await page.locator(`#result[data-op-id="${last + 1}"]`).waitFor();
  return shownResult(page);
}

/** What the result line says now. */
export async function shownResult(page: Page): Promise<ShownResult> {
  return page.$eval('#result', (element) => ({
    opId: Number(element.getAttribute('data-op-id')),
    status: element.getAttribute('data-status') ?? '',
    level: element.getAttribute('data-level') ?? '',
    words: element.textContent ?? '',
  }));
}

/** The timeline's lanes as drawn, in order. */
export function drawnLanes(page: Page): Promise<DrawnLane[]> {
  return page.$$eval('#timeline svg g.lane', (groups) =>
    groups.map((group) => ({
      node: group.getAttribute('data-node') ?? '',
      outcome: group.getAttribute('data-outcome') ?? '',
      first: group.getAttribute('data-first') === 'true',
    })),
  );
}

/** Where a marker line is drawn (its x) and the time it marks (ms), or null when the timeline has none. */
export async function drawnMarker(page: Page, name: 'quorum-marker' | 'answered-marker'): Promise<{ x: number; ms: number } | null> {
  const line = page.locator(`#timeline svg line.${name}`);
  if ((await line.count()) === 0) return null;
  return line.evaluate((element) => ({ x: Number(element.getAttribute('x1')), ms: Number(element.getAttribute('data-ms')) }));
}

/** Clicks an operation in the list of last operations (as a DOM event, see {@link runOperation}). */
export async function clickListed(page: Page, text: string): Promise<void> {
  await page.locator('#history button', { hasText: text }).dispatchEvent('click');
}
