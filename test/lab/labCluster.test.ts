import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabClusterReplica } from '../../tools/lab/labClusterReplica';
import { startLabServer, type RunningLab } from '../../tools/lab/labServer';
import type { LocalClusterReplica } from '../../tools/localClusterReplica';
import { useChromium } from '../support/chromium';
import { masterServing } from '../support/clusterKeys';
import { storedOnNode, useRedisCluster } from '../support/redisCluster';
import { useServerlessOffline } from '../support/serverlessOffline';

const WAIT_MS = 20_000;

describe('Lab with cluster replicas: each replica\'s masters, faults per master and per replica, in headless Chromium', () => {
  const cluster = useRedisCluster({ count: 3, mode: 'cluster', mastersPerReplica: 3 });
  const offline = useServerlessOffline(() => ({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '200' }));
  const browser = useChromium();
  const pageErrors: string[] = [];
  const replicas = (): LocalClusterReplica[] => cluster().nodes as LocalClusterReplica[];
  let lab: RunningLab;
  let page: Page;

  beforeAll(async () => {
    const labReplicas = replicas().map((replica) => new LabClusterReplica(replica));
    lab = await startLabServer({ replicas: labReplicas, apiBaseUrl: offline().baseUrl, apiKey: offline().apiKey, env: { NODE_TIMEOUT_MS: '200' } });
    page = await browser().newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(lab.url);
  });

  afterAll(async () => {
    for (const replica of replicas()) replica.resume();
    await page?.close();
    await lab?.close();
  });

  /** What cluster replica `index` holds for `key`, read through a Cluster client of its own. */
  const held = async (index: number, key: string): Promise<string> => {
    const fields = await storedOnNode(replicas()[index]!, key);
    return fields.version === undefined ? '(missing)' : (fields.value ?? '(tombstone)');
  };
  /** The index, among its replica's masters, of the master serving `key`'s slot. */
  const keyMasterOf = async (index: number, key: string): Promise<number> => replicas()[index]!.masters.indexOf(await masterServing(replicas()[index]!, key));
  const waitShown = async (index: number, attribute: string, value: string): Promise<void> => {
    await page.locator(`#replicas-body tr.entry td[data-replica="${index}"][data-${attribute}="${value}"]`).waitFor();
  };
  const masterBlock = (replica: number, master: number): string => `#replicas-body tr.masters td[data-replica="${replica}"] .master[data-master="${master}"]`;

  async function setUp(lesson: string): Promise<void> {
    await page.locator(`button[data-lesson="${lesson}"]`).dispatchEvent('click');
    await page.locator(`#lesson[data-lesson="${lesson}"][data-ready="true"][data-next-step="0"]`).waitFor();
  }
  async function step(lesson: string, index: number): Promise<string> {
    await page.locator('#step-do').dispatchEvent('click');
    await page.locator(`#lesson[data-lesson="${lesson}"][data-next-step="${index + 1}"]`).waitFor();
    return (await page.textContent('#answer')) ?? '';
  }

  it('shows every replica\'s masters, which one serves the key\'s slot, faults per master and per replica, and says why there is no cut or slow', async () => {
    // Act
    await setUp('majority');
    const key = 'lesson:majority';
    await page.locator('#replicas-body tr.masters td[data-replica="2"] .master[data-holds-key="true"]').waitFor();

    // Assess
    for (const i of [0, 1, 2]) {
      expect(await page.locator(`#replicas-body tr.masters td[data-replica="${i}"] .master`).count()).toBe(3);
      const shown = await page.getAttribute(`#replicas-body tr.masters td[data-replica="${i}"] .master[data-holds-key="true"]`, 'data-master');
      expect(Number(shown)).toBe(await keyMasterOf(i, key));
      expect(await page.textContent(`#replicas-head`)).toContain(`127.0.0.1:${replicas()[i]!.port}`);
    }
    expect(await page.locator('button[data-replica="1"][data-master="2"][data-fault="kill"]').count()).toBe(1);
    expect(await page.locator('button[data-replica="1"]:not([data-master])[data-fault="restart-empty"]').count()).toBe(1);
    expect(await page.locator('button[data-fault="cut"], button[data-fault="slow"]').count()).toBe(0);
    expect(await page.textContent('#replicas-body tr td[data-replica="0"] .no-proxy')).toMatch(/No cut or slow: a cluster client follows the masters' own addresses/);
    expect(await page.isDisabled('button[data-lesson="first"]')).toBe(true);
    expect(await page.isDisabled('button[data-lesson="levels"]')).toBe(true);
    expect(await page.isDisabled('button[data-lesson="majority"]')).toBe(false);
  });

  it('kills and restarts only the master that serves the key in one replica, and the view follows', async () => {
    // Prepare
    const key = 'lesson:majority';
    const master = await keyMasterOf(1, key);
    const other = (master + 1) % 3;

    // Act
    await page.locator(`button[data-replica="1"][data-master="${master}"][data-fault="kill"]`).dispatchEvent('click');
    await page.locator(`${masterBlock(1, master)}[data-process="killed"]`).waitFor();
    const otherWhileKilled = await page.getAttribute(masterBlock(1, other), 'data-process');
    const entryWhileKilled = await page.getAttribute('#replicas-body tr.entry td[data-replica="1"]', 'data-entry');
    const pidWhileKilled = replicas()[1]!.masters[master]!.pid;
    await page.locator(`button[data-replica="1"][data-master="${master}"][data-fault="restart-keep"]`).dispatchEvent('click');
    await page.locator(`${masterBlock(1, master)}[data-process="running"]`).waitFor();

    // Assess
    expect(otherWhileKilled).toBe('running');
    expect(entryWhileKilled).toBe('unreadable');
    expect(pidWhileKilled).toBeUndefined();
    expect(replicas()[1]!.masters[master]!.pid).toBeDefined();
    expect(replicas()[1]!.masters[other]!.pid).toBeDefined();
  });

  it('lesson 1 runs to its end on cluster replicas: the whole third replica paused, the write commits on 2 of 3, then catches up', async () => {
    // Act and assess, step by step
    const key = 'lesson:majority';
    await setUp('majority');
    await step('majority', 0);
    for (const m of [0, 1, 2]) await page.locator(`${masterBlock(2, m)}[data-process="paused"]`).waitFor();
    const written = await step('majority', 1);
    expect(written).toMatch(/set → 200 · acknowledged by 2 of 3.*3: pending/);
    expect([await held(0, key), await held(1, key)]).toEqual(['Seoul', 'Seoul']);
    await step('majority', 2);
    await page.locator('#replicas-body tr.entry td[data-replica="2"][data-value="Seoul"]').waitFor();
    expect(await held(2, key)).toBe('Seoul');
    expect(await page.textContent('#lesson-done')).toMatch(/Lesson done/);
  });

  it('lesson 3 on cluster replicas: the third replica restarted from its snapshot is stale, and read repair heals it', async () => {
    // Act and assess, step by step
    const key = 'lesson:repair';
    await setUp('repair');
    await step('repair', 0);
    await step('repair', 1);
    await step('repair', 2);
    await waitShown(2, 'diverged', 'true');
    expect(await held(2, key)).toBe('v1');
    expect(await step('repair', 3)).toMatch(/get → 200 · value "v2"/);
    await waitShown(2, 'value', 'v2');
    expect(await held(2, key)).toBe('v2');
  });

  it('lesson 4 on cluster replicas: FAIL not rolled back on the one replica left, and with all three killed a FAIL that landed nowhere', async () => {
    // Act and assess, step by step
    const key = 'lesson:fail';
    await setUp('fail');
    await step('fail', 0);
    await step('fail', 1);
    expect(await page.getAttribute('#answer', 'data-rolled-back')).toBe('false');
    expect(await held(0, key)).toBe('Jeju');
    expect(await page.textContent('#lesson-cluster-note')).toMatch(/may answer rolled_back: false as well/);
    await step('fail', 2);
    // A cluster client holds the command while it looks for a live master: the coordinator may not know it reached
    // none, and then says it may still take effect (never wrong); what the replicas hold shows it landed nowhere.
    expect(await step('fail', 3)).toMatch(/set → 503 · FAIL/);
    await step('fail', 4);
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['Jeju', '(missing)', '(missing)']);
    expect(await step('fail', 5)).toMatch(/get → 200 · value "Jeju"/);
    await waitShown(2, 'value', 'Jeju');
  });

  it('lesson 5 on cluster replicas: the hints for the killed replica are listed from the holders\' buckets, then replayed', async () => {
    // Act and assess, step by step
    const key = 'lesson:hints';
    await setUp('hints');
    await step('hints', 0);
    await step('hints', 1);
    await page.locator('#replicas-body tr.hints td[data-replica="2"]:not([data-hints="0"])').waitFor();
    expect(await page.textContent('#replicas-body tr.hints td[data-replica="2"]')).toContain(key);
    await step('hints', 2);
    await waitShown(2, 'value', 'Daegu');
    await page.locator('#replicas-body tr.hints td[data-replica="2"][data-hints="0"]').waitFor();
    expect(await held(2, key)).toBe('Daegu');
  });

  it('lesson 6 on cluster replicas: anti-entropy refills the replica restarted empty', async () => {
    // Act and assess, step by step
    const key = 'lesson:anti-entropy';
    await setUp('anti-entropy');
    await step('anti-entropy', 0);
    await step('anti-entropy', 1);
    await waitShown(2, 'entry', 'missing');
    await step('anti-entropy', 2);
    await waitShown(2, 'value', 'Gwangju');
    expect(await held(2, key)).toBe('Gwangju');
  });

  it('lesson 7 on cluster replicas: the container whose clock is behind writes the later version', async () => {
    // Act and assess, step by step
    const key = 'lesson:clocks';
    await setUp('clocks');
    await step('clocks', 0);
    expect(await step('clocks', 1)).toMatch(/B: set → 200 · acknowledged by 3 · version \S+ · attempts: 1/);
    expect(await Promise.all([0, 1, 2].map((i) => held(i, key)))).toEqual(['from B', 'from B', 'from B']);
    expect(await step('clocks', 2)).toMatch(/get → 200 · value "from B"/);
    expect(pageErrors).toEqual([]);
  });
});
