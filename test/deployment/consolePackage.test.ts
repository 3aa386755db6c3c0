import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_HTML } from '../../functions/console/page.generated';
import { readZip, type ZipEntry } from '../../tools/zipArchive';
import { useChromium } from '../support/chromium';
import { runServerlessPackage } from '../support/serverlessPackage';

const ROOT = join(__dirname, '..', '..');
/** The console function's whole zip: its bundle must stay far below a data route's (~320 KB, with ioredis). */
const MAX_CONSOLE_ZIP_ENTRY_BYTES = 64 * 1024;

describe('Deployment: the console function as packaged', () => {
  const browser = useChromium();
  let out: string;
  let entries: ZipEntry[];
  let answer: APIGatewayProxyResult;
  let server: Server | undefined;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'quorum-kv-console-package-'));
    await runServerlessPackage('dev', out);
    entries = await readZip(join(out, 'console.zip'));
    // The packaged bundle itself, loaded as Lambda would load it.
    const bundle = join(out, 'console.js');
    await writeFile(bundle, entries.find((entry) => entry.name === 'functions/console.js')!.read());
    const loaded = require(bundle) as { handler: () => Promise<APIGatewayProxyResult> };
    answer = await loaded.handler();
  }, 180_000);

  afterAll(async () => {
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('holds only its small bundle: no coordinator, no ioredis, no AWS SDK', () => {
    // Act
    const bundle = entries.find((entry) => entry.name === 'functions/console.js')!.read().toString('utf8');

    // Assess
    expect(entries.map((entry) => entry.name).sort()).toEqual(['functions/console.js', 'functions/console.js.map']);
    for (const entry of entries) expect(entry.bytes).toBeLessThan(MAX_CONSOLE_ZIP_ENTRY_BYTES);
    expect(bundle).not.toMatch(/ioredis|cockatiel|@aws-sdk|ReplicaPool/);
  });

  it('serves the same page as the source, as HTML with its CSP', () => {
    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['Content-Type']).toBe('text/html; charset=utf-8');
    expect(String(answer.headers?.['Content-Security-Policy'])).toMatch(/^default-src 'none'; script-src 'sha256-/);
    expect(answer.body).toBe(CONSOLE_HTML);
  });

  it('runs in Chromium under its own CSP, served as the packaged function answers it', async () => {
    // Prepare: the packaged answer at /console; every other path (the API) answers 404 JSON, as no route would.
    server = createServer((request, response) => {
      if (request.url === '/console') {
        response.writeHead(answer.statusCode, answer.headers as Record<string, string>);
        response.end(answer.body);
      } else {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: 'ERROR', error: `no route for ${request.method} ${request.url}`, requestId: 'local' }));
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const page = await browser().newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });

    try {
      // Act: the page's script runs and asks for /health on its own origin.
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/console`);
      const summary = page.locator('#health-summary', { hasText: 'Refused (404): no route for GET /health' });
      await summary.waitFor({ timeout: 15_000 });

      // Assess
      expect(refused).toEqual([]);
      expect(await page.locator('#op-form').isVisible()).toBe(true);
    } finally {
      await page.close();
    }
  });
});
