import { networkInterfaces } from 'node:os';
import { request } from 'node:http';
import { connect } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabReplica } from '../../tools/lab/labReplica';
import { startLabServer, type RunningLab } from '../../tools/lab/labServer';
import type { LocalRedisNode } from '../../tools/localRedisNode';
import { useChromium } from '../support/chromium';
import { storedOnNode, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';

const ROOT = join(__dirname, '..', '..');
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'lab.png') : join(ROOT, 'test-results', 'lab.png');
const WAIT_MS = 20_000;

describe('Lab: lessons in headless Chromium, against serverless offline, TCP proxies and real Redis', () => {
  const cluster = useRedisCluster({ count: 3 });
  let replicas: LabReplica[] = [];
  let lab: RunningLab;
  // The proxies must exist before serverless offline starts (its hook is registered after this one).
  beforeAll(async () => {
    replicas = await Promise.all(cluster().nodes.map((node) => LabReplica.start(node as LocalRedisNode)));
  });
  // The lessons rest on who answers first, not on timeouts: a node timeout a freshly restarted replica meets on a
  // loaded machine, like npm run dev's default (300 ms).
  const offline = useServerlessOffline(() => ({ REDIS_NODES: replicas.map((replica) => replica.url).join(','), NODE_TIMEOUT_MS: '400' }));
  const browser = useChromium();
  const pageErrors: string[] = [];
  let page: Page;

  beforeAll(async () => {
    lab = await startLabServer({ replicas, apiBaseUrl: offline().baseUrl, apiKey: offline().apiKey, env: { NODE_TIMEOUT_MS: '400' } });
    page = await browser().newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(lab.url);
  });

  afterAll(async () => {
    for (const node of cluster().nodes) node.resume();
    await page?.close();
    await lab?.close();
    await Promise.all(replicas.map((replica) => replica.close()));
  });

  /** What replica `index` holds for `key`, read from its Redis directly: the value, '(tombstone)' or '(missing)'. */
  const held = async (index: number, key: string): Promise<string> => {
    const fields = await storedOnNode(cluster().nodes[index]!, key);
    if (fields.version === undefined) return '(missing)';
    return fields.tombstone === '1' || fields.value === undefined ? '(tombstone)' : fields.value;
  };
  const shownEntry = (index: number): Promise<string | null> => page.getAttribute(`#replicas-body tr.entry td[data-replica="${index}"]`, 'data-value');
  const waitShown = async (index: number, attribute: string, value: string): Promise<void> => {
    await page.locator(`#replicas-body tr.entry td[data-replica="${index}"][data-${attribute}="${value}"]`).waitFor();
  };

  async function setUp(lesson: string): Promise<void> {
    await page.locator(`button[data-lesson="${lesson}"]`).dispatchEvent('click');
    await page.locator(`#lesson[data-lesson="${lesson}"][data-ready="true"][data-next-step="0"]`).waitFor();
  }
  async function step(lesson: string, index: number): Promise<string> {
    await page.locator('#step-do').dispatchEvent('click');
    await page.locator(`#lesson[data-lesson="${lesson}"][data-next-step="${index + 1}"]`).waitFor();
    return (await page.textContent('#answer')) ?? '';
  }

  it('shows each replica with its proxy name, and the lessons in the browser\'s language', async () => {
    // Act
    await page.locator('#replicas-body tr.entry td').nth(2).waitFor();

    // Assess
    expect(await page.textContent('#replicas-head')).toContain(replicas[2]!.name);
    expect(await page.textContent('#lessons')).toMatch(/1\. A majority write with one replica down/);
  });

  it('lesson 1: a write commits on 2 of 3 with a replica paused, and the paused one catches up when resumed', async () => {
    // Act and assess, step by step
    const key = 'lesson:majority';
    await setUp('majority');
    await step('majority', 0);
    await waitShown(2, 'entry', 'unreadable');
    const written = await step('majority', 1);
    expect(written).toMatch(/set → 200 · acknowledged by 2 of 3.*3: pending/);
    await waitShown(0, 'value', 'Seoul');
    expect([await held(0, key), await held(1, key)]).toEqual(['Seoul', 'Seoul']);
    await step('majority', 2);
    await waitShown(2, 'value', 'Seoul');
    expect(await held(2, key)).toBe('Seoul');
    expect(await page.textContent('#lesson-done')).toMatch(/Lesson done/);
  });

  it('lesson 2: with replicas 1 and 2 slow, a level-one read is answered by replica 3', async () => {
    // Act and assess, step by step
    const key = 'lesson:first';
    await setUp('first');
    await step('first', 0);
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['Busan', 'Busan', 'Busan']);
    await step('first', 1);
    await page.locator('#replicas-body tr.process td[data-replica="1"][data-link="slow"]').waitFor();
    await step('first', 2);
    expect(await page.getAttribute('#answer', 'data-first')).toBe('3');
    expect(await page.textContent('#answer')).toMatch(/get → 200 · value "Busan"/);
  });

  it('lesson 3: a replica restarted from a snapshot is stale, highlighted, and read repair brings it up to date', async () => {
    // Act and assess, step by step
    const key = 'lesson:repair';
    await setUp('repair');
    await step('repair', 0);
    await step('repair', 1);
    expect(await held(2, key)).toBe('v2');
    await step('repair', 2);
    await waitShown(2, 'diverged', 'true');
    expect(await shownEntry(2)).toBe('v1');
    expect(await held(2, key)).toBe('v1');
    const read = await step('repair', 3);
    expect(read).toMatch(/get → 200 · value "v2"/);
    await waitShown(2, 'value', 'v2');
    expect(await held(2, key)).toBe('v2');
    await page.locator('#changes li[data-cause="read-repair"]').first().waitFor();
  });

  it.each([
    ['ko', /4\. 복제본 둘이 죽으면: FAIL 과 rolled_back 의 의미/, /rolled_back 은 실패한 쓰기가 나중에라도 반영될 수 있는지/],
    ['en', /4\. Two replicas down: FAIL, and what rolled_back means/, /rolled_back tells whether the failed write can still take effect/],
  ])('lesson 4 (%s): a write FAILs not rolled back when it lands on the one replica left, rolled back when it lands nowhere', async (language, title, intro) => {
    // Prepare
    await page.selectOption('#lang', language);

    // Act and assess, step by step
    const key = 'lesson:fail';
    await setUp('fail');
    expect(await page.textContent('#lesson-title')).toMatch(title);
    expect(await page.textContent('#lesson-intro')).toMatch(intro);
    await step('fail', 0);
    const landed = await step('fail', 1);
    expect(landed).toMatch(/set → 503 · FAIL/);
    expect(await page.getAttribute('#answer', 'data-rolled-back')).toBe('false');
    expect(await held(0, key)).toBe('Jeju');
    await step('fail', 2);
    await waitShown(0, 'entry', 'unreadable');
    const nowhere = await step('fail', 3);
    expect(nowhere).toMatch(/set → 503 · FAIL.*rolled_back: true/);
    expect(await page.getAttribute('#answer', 'data-rolled-back')).toBe('true');
    await step('fail', 4);
    await waitShown(0, 'value', 'Jeju');
    await waitShown(1, 'entry', 'missing');
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['Jeju', '(missing)', '(missing)']);
    const read = await step('fail', 5);
    expect(read).toMatch(/get → 200 · value "Jeju"/);
    await waitShown(1, 'value', 'Jeju');
    await waitShown(2, 'value', 'Jeju');
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['Jeju', 'Jeju', 'Jeju']);
  });

  it('lesson 5: a write that missed a killed replica leaves hints for it, replayed when it restarts', async () => {
    // Act and assess, step by step
    const key = 'lesson:hints';
    await setUp('hints');
    await step('hints', 0);
    await step('hints', 1);
    await page.locator('#replicas-body tr.hints td[data-replica="2"]:not([data-hints="0"])').waitFor();
    expect(await page.textContent('#replicas-body tr.hints td[data-replica="2"]')).toContain(key);
    expect([await held(0, key), await held(1, key)]).toEqual(['Daegu', 'Daegu']);
    await step('hints', 2);
    await waitShown(2, 'value', 'Daegu');
    await page.locator('#replicas-body tr.hints td[data-replica="2"][data-hints="0"]').waitFor();
    expect(await held(2, key)).toBe('Daegu');
  });

  it('lesson 6: anti-entropy refills a replica restarted empty, with its progress shown', async () => {
    // Act and assess, step by step
    const key = 'lesson:anti-entropy';
    await setUp('anti-entropy');
    await step('anti-entropy', 0);
    await step('anti-entropy', 1);
    await waitShown(2, 'entry', 'missing');
    expect(await held(2, key)).toBe('(missing)');
    await step('anti-entropy', 2);
    await waitShown(2, 'value', 'Gwangju');
    expect(await held(2, key)).toBe('Gwangju');
    expect(await page.textContent('#ae-progress')).toMatch(/Anti-entropy: ✓ \d+ \/ ~\d+ keys scanned, \d+ compared, [1-9]\d* diverged, [1-9]\d* copies repaired/);
    await page.locator('#changes li[data-cause="anti-entropy"]').first().waitFor();
  });

  it.each([
    ['en', /7\. Two containers whose clocks disagree/],
    ['ko', /7\. 시계가 서로 다른 두 컨테이너/],
  ])('lesson 7 (%s): a container whose clock is 5 minutes behind still writes the later version, which wins on every replica', async (language, title) => {
    // Prepare
    await page.selectOption('#lang', language);
    const key = 'lesson:clocks';
    const versionOf = async (container: string): Promise<string> =>
      (await page.getAttribute(`#containers-body tr[data-container="${container}"]`, 'data-version')) ?? '';
    const heldVersions = async (): Promise<string[]> => Promise.all([0, 1, 2].map(async (i) => (await storedOnNode(cluster().nodes[i]!, key)).version ?? ''));

    // Act and assess, step by step
    await setUp('clocks');
    expect(await page.textContent('#lesson-title')).toMatch(title);
    await page.locator('#containers-body tr[data-container="B"]').waitFor();
    const clocks = await page.textContent('#containers-body');
    expect(clocks).toMatch(language === 'en' ? /5 min behind/ : /5 분 느림/);
    await step('clocks', 0);
    await page.locator('#containers-body tr[data-container="A"][data-version]').waitFor();
    const versionA = await versionOf('A');
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['from A', 'from A', 'from A']);
    const written = await step('clocks', 1);
    expect(written).toMatch(/B: set → 200 · acknowledged by 3 · version \S+ · attempts: 1/);
    await page.locator('#containers-body tr[data-container="B"][data-version]').waitFor();
    const versionB = await versionOf('B');
    // Both stamped on the replicas' clock: B's milliseconds are A's or later, not 5 minutes earlier.
    expect(versionB > versionA).toBe(true);
    expect(Number(versionB.split('.')[0]) - Number(versionA.split('.')[0])).toBeLessThan(60_000);
    expect(versionA.endsWith('.0000000001') && versionB.endsWith('.0000000002')).toBe(true);
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['from B', 'from B', 'from B']);
    expect(await heldVersions()).toEqual([versionB, versionB, versionB]);
    const read = await step('clocks', 2);
    expect(read).toMatch(/get → 200 · value "from B"/);
    for (const i of [0, 1, 2]) await waitShown(i, 'version', versionB);
    expect(await page.textContent('#containers-body')).toContain(versionA);
    expect(pageErrors).toEqual([]);
  });

  it('lesson 8: level one answers the stale value from the fastest replica, quorum the newest, in Korean too', async () => {
    // Prepare
    await page.selectOption('#lang', 'ko');
    const key = 'lesson:levels';

    // Act and assess, step by step
    await setUp('levels');
    expect(await page.textContent('#lesson-title')).toMatch(/오래된 복제본이 있을 때 one 과 quorum/);
    await step('levels', 0);
    await step('levels', 1);
    await waitShown(0, 'value', 'old');
    expect(await held(0, key)).toBe('old');
    const one = await step('levels', 2);
    expect(one).toMatch(/get → 200 · value "old"/);
    expect(await page.getAttribute('#answer', 'data-first')).toBe('1');
    const quorum = await step('levels', 3);
    expect(quorum).toMatch(/get → 200 · value "new"/);
    // The README's screenshot, in English (the test machine's Chromium may lack Korean fonts).
    await page.selectOption('#lang', 'en');
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('listens on 127.0.0.1 only, and refuses lab calls without the token', async () => {
    // Prepare
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address;

    // Act
    const noToken = await fetch(`http://127.0.0.1:${lab.port}/lab/api/state?key=x`);
    const wrongToken = await fetch(`http://127.0.0.1:${lab.port}/lab/api/fault`, { method: 'POST', headers: { 'x-lab-token': 'x'.repeat(32) }, body: '{"replica":0,"fault":"kill"}' });
    const rebound = await statusWithHost(lab.port, 'attacker.example');
    const fromOutside = outside === undefined ? 'no address' : await tryConnect(outside, lab.port);

    // Assess
    expect(noToken.status).toBe(401);
    expect(wrongToken.status).toBe(401);
    expect(rebound).toBe(403);
    expect(['ECONNREFUSED', 'no address']).toContain(fromOutside);
  });
});

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** The status of `GET /lab` sent with another Host header, as a page on a rebound DNS name would send it. */
function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path: '/lab', headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.once('error', reject);
    sent.end();
  });
}
