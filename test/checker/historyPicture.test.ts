import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKey } from './checker';
import { historyPictureInput, renderHistoryPicture, writeHistoryPicture } from './historyPicture';
import { del, get, put } from './support/handMadeHistory';

// The new-old inversion, with a failed write, an unknown one and a TTL for every kind of box.
const inversion = [
  put('A', 'old', 0, 2),
  put('A', 'new', 3, 100),
  get('B', 'new', 10, 20),
  get('C', 'old', 30, 40),
  put('C', 'gone', 45, 60, { outcome: 'failed' }),
  put('B', 'maybe', 50),
  put('B', 'short', 70, 75, { expiresAt: 90 }),
  del('C', 80, 85),
];

describe('Function: renderHistoryPicture', () => {
  it('draws one lane per client and one box per operation', () => {
    // Prepare
    const result = checkKey('k', inversion);

    // Act
    const html = renderHistoryPicture(historyPictureInput(result));

    // Assess
    expect(html.match(/class="lane-label"[^>]*>([^<]*)</g)?.map((label) => label.replace(/.*>/, '').replace('<', ''))).toEqual(['A', 'B', 'C']);
    expect(html.match(/<g class="op /g)).toHaveLength(inversion.length);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<(link|img)|src=|href=/);
  });

  it('marks the longest linearizable prefix in order and the read that could not follow it', () => {
    // Prepare
    const result = checkKey('k', inversion);

    // Act
    const html = renderHistoryPicture(historyPictureInput(result));

    // Assess
    expect(result.verdict).toBe('not linearizable');
    const linearized = [...html.matchAll(/<g class="op ok linearized[^"]*" data-op="(\d+)">/g)].map((match) => Number(match[1]));
    expect(linearized).toEqual(result.longestPrefix!.filter((step) => !step.expiry).map((step) => step.operation.id));
    expect(html.match(/class="order"[^>]*>#\d+</g)).toHaveLength(result.longestPrefix!.length);
    expect(html).toContain(`<g class="op ok stuck deadline" id="stuck-${inversion[3]!.id}" data-op="${inversion[3]!.id}">`);
    expect(html).toContain('get → &quot;old&quot;');
  });

  it('draws unknown operations dashed to the end, failed ones grey, and TTL expiries', () => {
    // Act
    const html = renderHistoryPicture({ title: 'kinds', operations: inversion });

    // Assess
    expect(html).toContain(`<g class="op unknown" data-op="${inversion[5]!.id}">`);
    expect(html).toContain(`<g class="op failed" data-op="${inversion[4]!.id}">`);
    expect(html).toContain(`<title>expiry of op ${inversion[6]!.id}</title>`);
  });

  it('marks when the store answered an unknown write and names the unknown write the rule ruled out', () => {
    // Prepare: x answered at 1, y invoked at 2 and read, then x read.
    const history = [put('A', 'x', 0, 1, { outcome: 'unknown' }), put('B', 'y', 2, 3), get('C', 'y', 4, 5), get('C', 'x', 6, 7)];
    const result = checkKey('k', history);

    // Act
    const html = renderHistoryPicture(historyPictureInput(result));

    // Assess
    expect(html).toContain(`<g class="op unknown" data-op="${history[0]!.id}">`);
    expect(html).toMatch(new RegExp(`data-op="${history[0]!.id}"><title>[^<]*answered \\+1</title>.*<line class="answer"`));
    expect(html).toContain(
      `Could not take effect any more: <code>op ${history[0]!.id} put &quot;x&quot;</code> ` +
        `(answered before <code>op ${history[1]!.id} put &quot;y&quot;</code> was invoked, which is linearized)`,
    );
  });

  it('numbers every step of a passing history, expiries included', () => {
    // Prepare
    const history = [put('A', 'a', 0, 1, { expiresAt: 50 }), get('B', 'a', 2, 3), get('B', null, 60, 61)];
    const result = checkKey('k', history);

    // Act
    const html = renderHistoryPicture(historyPictureInput(result, 'a passing history'));

    // Assess
    expect(result.verdict).toBe('linearizable');
    // The expiry's number is drawn with its put, so it comes second in the page.
    expect(html.match(/class="order"[^>]*>#\d+</g)?.map((label) => label.replace(/.*#/, '#').replace('<', ''))).toEqual(['#1', '#3', '#2', '#4']);
    expect(html).toContain('<strong class="verdict good">linearizable</strong>');
  });

  it('escapes client names and values', () => {
    // Act
    const html = renderHistoryPicture({ title: '<k>', operations: [put('<script>', '"&', 0, 1)] });

    // Assess
    expect(html).not.toContain('<script>document.write');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('put &quot;\\&quot;&amp;&quot;');
  });
});

describe('Function: writeHistoryPicture', () => {
  const folder = mkdtempSync(join(tmpdir(), 'history-pictures-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('writes the picture of a failing key to an HTML file and returns its path', () => {
    // Prepare
    const result = checkKey('user:42', inversion.map((operation) => ({ ...operation, key: 'user:42' })));

    // Act
    const path = writeHistoryPicture(result, { folder });

    // Assess
    expect(path.startsWith(folder)).toBe(true);
    expect(path).toMatch(/key_user_42-.*\.html$/);
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('Longest linearizable prefix');
    expect(html.match(/class="lane-label"/g)).toHaveLength(3);
  });

  it('uses the file name given', () => {
    // Act
    const path = writeHistoryPicture({ title: 't', operations: inversion }, { folder, fileName: 'picture.html' });

    // Assess
    expect(path).toBe(join(folder, 'picture.html'));
  });
});
