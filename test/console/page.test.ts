import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/console';
import { CONSOLE_CSP, CONSOLE_HTML } from '../../functions/console/page.generated';
import { buildConsolePage, GENERATED_MODULE, generatedModuleSource } from '../../tools/consolePage';

/** The largest page the console function may serve: it ships in a Lambda bundle and loads on every visit. */
const MAX_PAGE_BYTES = 48 * 1024;

const sha256 = (text: string): string => `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
const inline = (tag: 'script' | 'style'): string => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(CONSOLE_HTML)![1]!;

describe('Console: the page the console function serves', () => {
  it('is the committed module that `npm run build:console` builds from console/ (run it after editing console/)', async () => {
    // Act
    const built = generatedModuleSource(await buildConsolePage());

    // Assess
    expect(built === (await readFile(GENERATED_MODULE, 'utf8')), 'functions/console/page.generated.ts is stale: run npm run build:console').toBe(true);
  });

  it('answers GET /console with the page as HTML, under a CSP that allows exactly its inline script and style', async () => {
    // Act
    const response = await handler();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CONSOLE_CSP });
    expect(response.body).toBe(CONSOLE_HTML);
    expect(CONSOLE_CSP).toContain(`script-src '${sha256(inline('script'))}'`);
    expect(CONSOLE_CSP).toContain(`style-src '${sha256(inline('style'))}'`);
    expect(CONSOLE_CSP).toMatch(/^default-src 'none';.*connect-src 'self';/);
  });

  it('is one self-contained document: one inline script and style, nothing loaded from elsewhere, and small', () => {
    // Act
    const references = [...CONSOLE_HTML.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((match) => match[1]);

    // Assess
    expect(CONSOLE_HTML.match(/<script/g)).toHaveLength(1);
    expect(CONSOLE_HTML.match(/<style/g)).toHaveLength(1);
    expect(references).toEqual(['data:,']);
    expect(Buffer.byteLength(CONSOLE_HTML)).toBeLessThan(MAX_PAGE_BYTES);
  });
});
