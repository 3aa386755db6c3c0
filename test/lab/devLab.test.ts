import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../tools/localRedisNode';
import { useChromium } from '../support/chromium';
import { freeClusterPorts, startNpmRunDev, type DevRun } from '../support/npmRunDev';
import { storedFields } from '../support/storedEntries';

const ROOT = join(__dirname, '..', '..');
const WAIT_MS = 20_000;

describe('npm run dev with the lab: the printed lab and console URLs, opened in headless Chromium', () => {
  const browser = useChromium();
  let redisPorts: number[] = [];
  let dataDir = '';
  let env: Record<string, string> = {};
  let dev: DevRun | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const [httpPort, lambdaPort, labPort, ...ports] = await freePorts(6);
    redisPorts = ports;
    dataDir = await mkdtemp(join(tmpdir(), 'quorum-kv-dev-lab-'));
    env = {
      REDIS_PORTS: redisPorts.join(','),
      HTTP_PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      LAB_PORT: String(labPort),
      DEV_DATA_DIR: dataDir,
      ESBUILD_WORK_FOLDER: `.esbuild-dev-lab-${httpPort}`,
    };
    dev = await startNpmRunDev([], env);
  }, 150_000);

  afterAll(async () => {
    await dev?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(join(ROOT, env.ESBUILD_WORK_FOLDER ?? '.esbuild-dev-lab-none'), { recursive: true, force: true });
  });

  /** What the redis-server on `port` holds for `key`, read directly (bypassing the lab's proxy). */
  async function held(port: number, key: string): Promise<string> {
    const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    try {
      const fields = await storedFields(client, key);
      return fields.version === undefined ? '(missing)' : (fields.value ?? '(tombstone)');
    } finally {
      client.disconnect();
    }
  }

  async function openPage(url: string): Promise<Page> {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(url);
    return page;
  }

  it('prints a lab URL on LAB_PORT with its token in the fragment, through which lesson 1 runs to its end', async () => {
    // Prepare
    const labUrl = dev!.printedUrl('lab');
    expect(labUrl).toMatch(new RegExp(`^http://localhost:${env.LAB_PORT}/lab#token=[0-9a-f]{32}$`));
    const page = await openPage(labUrl!);
    const key = 'lesson:majority';
    const step = async (index: number): Promise<string> => {
      await page.locator('#step-do').dispatchEvent('click');
      await page.locator(`#lesson[data-next-step="${index + 1}"]`).waitFor();
      return (await page.textContent('#answer')) ?? '';
    };

    try {
      // Act and assess, step by step
      await page.locator('button[data-lesson="majority"]').dispatchEvent('click');
      await page.locator('#lesson[data-lesson="majority"][data-ready="true"][data-next-step="0"]').waitFor();
      await step(0);
      await page.locator('#replicas-body tr.entry td[data-replica="2"][data-entry="unreadable"]').waitFor();
      expect(await step(1)).toMatch(/set → 200 · acknowledged by 2 of 3.*3: pending/);
      expect([await held(redisPorts[0]!, key), await held(redisPorts[1]!, key)]).toEqual(['Seoul', 'Seoul']);
      await step(2);
      await page.locator('#replicas-body tr.entry td[data-replica="2"][data-value="Seoul"]').waitFor();
      expect(await held(redisPorts[2]!, key)).toBe('Seoul');
      expect(await page.textContent('#lesson-done')).toMatch(/Lesson done/);
      expect(await page.isVisible('#problem')).toBe(false);
    } finally {
      await page.close();
    }
  });

  it('prints a console URL that opens ready (the key from the fragment, every replica up, no 403) and links the lab', async () => {
    // Prepare
    const consoleUrl = dev!.printedUrl('console');
    expect(consoleUrl).toMatch(new RegExp(`^http://localhost:${env.HTTP_PORT}/console#key=dev-[0-9a-f]{32}&lab=http%3A%2F%2Flocalhost%3A${env.LAB_PORT}%2Flab%23token%3D[0-9a-f]{32}$`));
    const page = await openPage(consoleUrl!);

    try {
      // Act
      await page.locator('#health-summary[data-level="ok"]').waitFor();

      // Assess
      expect(await page.locator('#health-body tr[data-up="true"]').count()).toBe(3);
      expect(await page.textContent('#health-summary')).not.toMatch(/403|Forbidden/);
      expect(await page.isVisible('#lab-link')).toBe(true);
      expect(await page.getAttribute('#lab-link', 'href')).toBe(dev!.printedUrl('lab'));
      expect(page.url()).toBe(`http://localhost:${env.HTTP_PORT}/console`);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('npm run dev -- --cluster with the lab: the printed lab URL shows each cluster replica\'s masters', () => {
  const browser = useChromium();
  let env: Record<string, string> = {};
  let redisPorts: number[] = [];
  let dev: DevRun | undefined;

  beforeAll(async () => {
    const [httpPort, lambdaPort, labPort] = await freePorts(3);
    redisPorts = await freeClusterPorts(9, [httpPort!, lambdaPort!, labPort!]);
    env = {
      REDIS_PORTS: redisPorts.join(','),
      HTTP_PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      LAB_PORT: String(labPort),
      DEV_DATA_DIR: await mkdtemp(join(tmpdir(), 'quorum-kv-dev-lab-cluster-')),
      ESBUILD_WORK_FOLDER: `.esbuild-dev-lab-${httpPort}`,
    };
    dev = await startNpmRunDev(['--cluster'], env);
  }, 150_000);

  afterAll(async () => {
    await dev?.stop();
    if (env.DEV_DATA_DIR !== undefined) await rm(env.DEV_DATA_DIR, { recursive: true, force: true });
    await rm(join(ROOT, env.ESBUILD_WORK_FOLDER ?? '.esbuild-dev-lab-none'), { recursive: true, force: true });
  });

  it('opens on every replica\'s three masters, with their ports and per-master faults, and no cut or slow', async () => {
    // Prepare
    const page = await browser().newPage({ viewport: { width: 1400, height: 1000 }, locale: 'en-US' });
    page.setDefaultTimeout(WAIT_MS);

    try {
      // Act
      await page.goto(dev!.printedUrl('lab')!);
      await page.locator('#replicas-body tr.masters td[data-replica="2"] .master').nth(2).waitFor();

      // Assess
      for (const [i, port] of redisPorts.entries()) {
        expect(await page.textContent(`#replicas-body tr.masters td[data-replica="${Math.floor(i / 3)}"] .master[data-master="${i % 3}"]`)).toContain(`(:${port})`);
      }
      expect(await page.locator('button[data-master][data-fault="kill"]').count()).toBe(9);
      expect(await page.locator('button[data-fault="cut"]').count()).toBe(0);
      expect(await page.isVisible('#problem')).toBe(false);
    } finally {
      await page.close();
    }
  });
});
