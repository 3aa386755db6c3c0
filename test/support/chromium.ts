import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const INSTALL_HINT =
  'Run `bash scripts/ensure-chromium.sh` (npm test runs it first; it installs Debian\'s chromium with apt-get, or brew on macOS),\n' +
  'or yourself:  sudo apt-get update && sudo apt-get install -y chromium   (or set CHROMIUM_BIN to a Chromium binary)';

const MAC_CHROMIUM = '/Applications/Chromium.app/Contents/MacOS/Chromium';

/**
 * The Chromium the browser tests drive: `CHROMIUM_BIN`, else `chromium` (Debian's package) or `chromium-browser` on
 * PATH, else the macOS app. Never a browser that Playwright downloads.
 *
 * @throws naming the exact command to install it, when there is none.
 */
export function chromiumExecutable(): string {
  const chosen = process.env.CHROMIUM_BIN;
  if (chosen !== undefined && chosen !== '') {
    if (existsSync(chosen)) return chosen;
    throw new Error(`CHROMIUM_BIN=${chosen} does not exist.\n${INSTALL_HINT}`);
  }
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  if (existsSync(MAC_CHROMIUM)) return MAC_CHROMIUM;
  throw new Error(`chromium not found on PATH; the console's browser tests drive a real one.\n${INSTALL_HINT}`);
}

/**
 * Launches headless Chromium (through playwright-core and its `executablePath`) before the file's tests and closes
 * it afterwards. No sandbox (tests run as root in containers) and no background networking: the browser talks to
 * nothing but the pages the tests open.
 */
export function useChromium(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumExecutable(),
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-default-apps',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('chromium has not started');
    return browser;
  };
}
