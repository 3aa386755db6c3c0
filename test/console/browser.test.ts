import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useChromium } from '../support/chromium';
import { clickListed, drawnLanes, drawnMarker, runOperation, shownResult } from '../support/consolePage';
import type { LocalClusterReplica } from '../../tools/localClusterReplica';
import { useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';

const ROOT = join(__dirname, '..', '..');
/**
 * Where this test keeps its screenshot: `test-results/` (ignored by git) on every run, and the README's
 * `docs/console.png` when `UPDATE_SCREENSHOTS=1` asks for it, so that `npm test` leaves the working tree clean.
 */
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'console.png') : join(ROOT, 'test-results', 'console.png');
const WAIT_MS = 15_000;

describe('Console: the page in headless Chromium, against serverless offline and real Redis', () => {
  const cluster = useRedisCluster({ count: 3 });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));
  const browser = useChromium();
  const requested: string[] = [];
  const pageErrors: string[] = [];
  let page: Page;
  let served: { status: number; headers: Record<string, string> };

  const nodeName = (index: number): string => `127.0.0.1:${cluster().nodes[index]!.port}`;

  beforeAll(async () => {
    page = await browser().newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(WAIT_MS);
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const response = await page.goto(`${offline().baseUrl}/console`);
    served = { status: response!.status(), headers: response!.headers() };
  });

  afterAll(async () => {
    // A paused replica must never outlive the file, whatever failed.
    for (const node of cluster().nodes) node.resume();
    await page?.close();
  });

  it('serves the page without an API key, as HTML under a CSP that allows only its own origin', () => {
    // Assess
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/html/);
    expect(served.headers['content-security-policy']).toMatch(/default-src 'none'.*connect-src 'self'/);
  });

  it('says in words that the API key is missing, in the health view and for an operation', async () => {
    // Act
    await page.locator('#health-summary', { hasText: 'no API key given' }).waitFor();
    const shown = await runOperation(page, { kind: 'get', key: 'city' });

    // Assess
    expect(shown.status).toBe('403');
    expect(shown.level).toBe('error');
    expect(shown.words).toMatch(/no API key given: type it into the API key field/);
  });

  it('remembers the API key typed, and shows each replica up with its round trip and breaker', async () => {
    // Act
    await page.fill('#api-key', offline().apiKey);
    await page.press('#api-key', 'Enter');
    await page.reload();
    await page.locator('#health-body tr[data-up="true"]').nth(2).waitFor();

    // Assess
    expect(await page.inputValue('#api-key')).toBe(offline().apiKey);
    const rows = await page.$$eval('#health-body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((row) => row[0])).toEqual([0, 1, 2].map(nodeName));
    for (const row of rows) {
      expect(row[1]).toBe('up');
      expect(row[2]).toMatch(/^\d+(\.\d+)? ms$/);
      expect(row[3]).toBe('closed');
    }
    expect(await page.textContent('#health-summary')).toMatch(/3 of 3 replicas up; write quorum \(2\) reachable/);
  });

  it('writes a key and draws its fan-out: a lane per replica, their outcomes, the quorum before the answer', async () => {
    // Act
    const shown = await runOperation(page, { kind: 'set', key: 'city', value: 'Seoul', ttl: '3600', consistency: 'quorum' });

    // Assess
    expect(shown).toMatchObject({ status: '200', level: 'ok' });
    expect(shown.words).toMatch(/Written: "city" committed on [23] of 3 replicas/);
    const lanes = await drawnLanes(page);
    expect(lanes.map((lane) => lane.node)).toEqual([0, 1, 2].map(nodeName));
    expect(lanes.filter((lane) => lane.outcome === 'applied').length).toBeGreaterThanOrEqual(2);
    for (const lane of lanes) expect(['applied', 'pending']).toContain(lane.outcome);
    const quorum = await drawnMarker(page, 'quorum-marker');
    const answered = await drawnMarker(page, 'answered-marker');
    expect(quorum).not.toBeNull();
    expect(quorum!.ms).toBeLessThanOrEqual(answered!.ms);
    expect(quorum!.x).toBeLessThanOrEqual(answered!.x);
    expect(await page.textContent('#facts')).toMatch(/Attempts: 1\./);
  });

  it('reads the key back at level one, marking the replica that answered first, with no quorum marker', async () => {
    // Act
    const shown = await runOperation(page, { kind: 'get', key: 'city', consistency: 'one' });

    // Assess
    expect(shown).toMatchObject({ status: '200', level: 'ok' });
    expect(shown.words).toMatch(/Found "city" = "Seoul" \(expires /);
    const first = (await drawnLanes(page)).filter((lane) => lane.first);
    expect(first).toHaveLength(1);
    expect(first[0]!.outcome).toBe('found');
    expect(await page.locator('#timeline svg text.first').count()).toBe(1);
    expect(await drawnMarker(page, 'quorum-marker')).toBeNull();
    expect(await page.textContent('#facts')).toMatch(/Read at consistency one\./);
  });

  it('keeps the operations listed, newest first, and redraws one when it is clicked', async () => {
    // Prepare
    const deleted = await runOperation(page, { kind: 'delete', key: 'city' });
    const gone = await runOperation(page, { kind: 'get', key: 'city', consistency: 'all' });
    const listed = await page.$$eval('#history button', (buttons) => buttons.map((b) => b.textContent));

    // Act: back to the write.
    await clickListed(page, 'set "city"');
    const redrawn = await shownResult(page);

    // Assess
    expect(deleted.words).toMatch(/Deleted \(a tombstone\)/);
    expect(gone).toMatchObject({ status: '404', level: 'warn' });
    expect(gone.words).toMatch(/Not found: no replica holds "city"/);
    // Since the page was reloaded (with the key): the write, the read, the delete and the read after it.
    expect(listed.map((text) => text?.replace(/^\S+( [AP]M)? /, ''))).toEqual([
      'get "city" → 404',
      'delete "city" → 200',
      'get "city" → 200',
      'set "city" → 200',
    ]);
    expect(redrawn.words).toMatch(/Written: "city"/);
    expect((await drawnLanes(page)).some((lane) => lane.outcome === 'applied')).toBe(true);
    expect(await page.getAttribute('#history button[aria-current]', 'data-op-id')).toBe(String(redrawn.opId));
  });

  it('shows the API\'s validation errors and a refused key in words', async () => {
    // Act
    const invalid = await runOperation(page, { kind: 'set', key: 'k', value: 'v', ttl: 'soon' });
    await page.fill('#api-key', 'not-the-key-00000000000000');
    let refused;
    try {
      refused = await runOperation(page, { kind: 'get', key: 'k' });
    } finally {
      await page.fill('#api-key', offline().apiKey);
    }

    // Assess
    expect(invalid).toMatchObject({ status: '400', level: 'error' });
    expect(invalid.words).toMatch(/Refused \(400\): "ttl" must be a positive whole number of seconds/);
    expect(refused.status).toBe('403');
    expect(refused.words).toMatch(/the API key was refused/);
  });

  it('marks a paused replica down in the health view, pending in a write and timed out in a read that waits for it', async () => {
    // Prepare
    await page.fill('#api-key', offline().apiKey);
    const paused = cluster().nodes[2]!;
    paused.pause();
    try {
      // Act
      await page.locator(`#health-body tr[data-node="${nodeName(2)}"][data-up="false"]`).waitFor();
      const read = await runOperation(page, { kind: 'get', key: 'nothing-yet', consistency: 'all' });
      const readLanes = await drawnLanes(page);
      const written = await runOperation(page, { kind: 'set', key: 'city', value: 'Busan' });
      const writtenLanes = await drawnLanes(page);
      // The README's screenshot: the health view with the replica down, and the write's fan-out.
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // Assess
      expect(await page.textContent(`#health-body tr[data-node="${nodeName(2)}"]`)).toMatch(/down: timed out/);
      expect(read).toMatchObject({ status: '503', level: 'error' });
      expect(read.words).toMatch(new RegExp(`Read failed \\(503\\): read quorum not reached.*${nodeName(2)} timeout \\(timed out\\)`));
      expect(readLanes.find((lane) => lane.node === nodeName(2))?.outcome).toBe('timeout');
      expect(written).toMatchObject({ status: '200', level: 'ok' });
      expect(writtenLanes.map((lane) => lane.outcome)).toEqual(['applied', 'applied', 'pending']);
      expect(await page.textContent('#facts')).toMatch(/1 replica had not answered when the coordinator did \(pending\)/);
    } finally {
      paused.resume();
    }
    await page.locator(`#health-body tr[data-node="${nodeName(2)}"][data-up="true"]`).waitFor();
  });

  it('opens ready to use from the link npm run dev prints: the key in the fragment, never sent, then kept', async () => {
    // Prepare
    const fresh = await browser().newPage();
    const sent: string[] = [];
    fresh.on('request', (request) => sent.push(`${request.url()} ${JSON.stringify(request.headers())}`));
    try {
      // Act
      await fresh.goto(`${offline().baseUrl}/console#key=${encodeURIComponent(offline().apiKey)}`);
      await fresh.locator('#health-body tr[data-up="true"]').nth(2).waitFor({ timeout: WAIT_MS });
      const address = fresh.url();
      await fresh.goto(`${offline().baseUrl}/console`);
      await fresh.locator('#health-body tr[data-up="true"]').nth(2).waitFor({ timeout: WAIT_MS });

      // Assess
      expect(await fresh.inputValue('#api-key')).toBe(offline().apiKey);
      expect(address).toBe(`${offline().baseUrl}/console`);
      expect(sent.length).toBeGreaterThan(0);
      for (const line of sent) expect(line.split(' ')[0]).not.toContain(offline().apiKey);
    } finally {
      await fresh.close();
    }
  });

  it('links the lab npm run dev passes in the fragment only when it is on this machine', async () => {
    // Prepare
    const labUrl = `http://localhost:3300/lab#token=${'a'.repeat(32)}`;
    const open = async (lab: string): Promise<string | null> => {
      const fresh = await browser().newPage();
      try {
        await fresh.goto(`${offline().baseUrl}/console#${new URLSearchParams({ key: offline().apiKey, lab })}`);
        await fresh.locator('#health-body tr[data-up="true"]').nth(2).waitFor({ timeout: WAIT_MS });
        return (await fresh.isVisible('#lab-link')) ? await fresh.getAttribute('#lab-link', 'href') : null;
      } finally {
        await fresh.close();
      }
    };

    // Act
    const local = await open(labUrl);
    const elsewhere = await open(`https://lab.example/lab#token=${'a'.repeat(32)}`);

    // Assess
    expect(local).toBe(labUrl);
    expect(elsewhere).toBeNull();
  });

  it('asked nothing of any origin but its own, and raised no error in the page', () => {
    // Assess
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(url.startsWith(`${offline().baseUrl}/`)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

describe('Console: cluster replicas, each master shown under its replica', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));
  const browser = useChromium();
  const pageErrors: string[] = [];
  let page: Page;

  const replica = (index: number): LocalClusterReplica => cluster().nodes[index] as LocalClusterReplica;
  const nodeName = (index: number): string => `127.0.0.1:${replica(index).port}`;

  beforeAll(async () => {
    page = await browser().newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${offline().baseUrl}/console`);
    await page.fill('#api-key', offline().apiKey);
    await page.press('#api-key', 'Enter');
  });

  afterAll(async () => {
    for (const node of cluster().nodes) node.resume();
    await page?.close();
  });

  it('lists the masters of each cluster replica under it, each up with its slots and breaker', async () => {
    // Act
    await page.locator('#health-body tr.master[data-up="true"]').nth(8).waitFor();

    // Assess
    for (const index of [0, 1, 2]) {
      const masters = await page.$$eval(`#health-body tr.master[data-node="${nodeName(index)}"]`, (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
      for (const row of masters) expect(row[0]).toMatch(/^↳ master 127\.0\.0\.1:\d+ \(\d+ slots\)$/);
      const ports = masters.map((row) => Number(/:(\d+) /.exec(row[0]!)![1]));
      expect(ports.sort()).toEqual(replica(index).masters.map((master) => master.port).sort());
      for (const row of masters) expect(row.slice(1)).toEqual(['up', expect.stringMatching(/^\d+(\.\d+)? ms$/), 'closed']);
    }
    expect(await page.textContent('#health-summary')).toMatch(/3 of 3 replicas up; write quorum \(2\) reachable/);
  });

  it('marks a replica with one master paused degraded, and that master down, while writes still commit', async () => {
    // Prepare
    const paused = replica(1).masters[0]!;
    paused.pause();
    try {
      // Act
      await page.locator(`#health-body tr.master[data-master="127.0.0.1:${paused.port}"][data-up="false"]`).waitFor();
      const written = await runOperation(page, { kind: 'set', key: 'city', value: 'Busan' });

      // Assess
      expect(await page.getAttribute(`#health-body tr:not(.master)[data-node="${nodeName(1)}"]`, 'data-status')).toBe('degraded');
      expect(await page.textContent(`#health-body tr:not(.master)[data-node="${nodeName(1)}"]`)).toMatch(/degraded: 1 of 3 masters down/);
      expect(await page.textContent(`#health-body tr.master[data-master="127.0.0.1:${paused.port}"]`)).toMatch(/down: timed out/);
      expect(await page.textContent('#health-summary')).toMatch(/2 of 3 replicas up, 1 degraded; write quorum \(2\) reachable/);
      expect(written).toMatchObject({ status: '200', level: 'ok' });
    } finally {
      paused.resume();
    }
    await page.locator(`#health-body tr:not(.master)[data-node="${nodeName(1)}"][data-up="true"]`).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
