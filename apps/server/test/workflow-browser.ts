// Shared set-up of the workflow browser journeys (issue 18): build the web app when its sources are newer, start the
// real server on a fresh database on a random port, one Chromium, and log people in through the login page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import type { Config } from '../src/platform/config.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const webDist = join(repoRoot, 'apps/web/dist');
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds apps/web when any of its sources (or the locale files) changed since the last build. */
export function ensureWebBuilt(): void {
  const index = join(webDist, 'index.html');
  if (!existsSync(index) || newestMtime(join(repoRoot, 'apps/web/src')) > statSync(index).mtimeMs) {
    const r = spawnSync('npm', ['run', 'build', '-w', '@rvi/web'], { cwd: repoRoot, stdio: 'inherit' });
    assert.equal(r.status, 0, 'building the web app failed');
  }
}

export interface Journey {
  app: TestApp;
  base: string;
  browser: Browser;
  /** Logs `username` in through the login page in a fresh browser context and waits for the landing URL. */
  open(username: string, landing: RegExp, opts?: { locale?: string; viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

export async function startJourney(overrides: Partial<Config> = {}): Promise<Journey> {
  ensureWebBuilt();
  const app = await startTestApp(overrides, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  return {
    app, base, browser,
    async open(username, landing, opts = {}) {
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 900 }, locale: opts.locale ?? 'en-US' });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${base}/`);
      await page.getByTestId('login-username').fill(username);
      await page.getByTestId('login-password').fill(TEST_PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.waitForURL(landing);
      return page;
    },
    async close() {
      await browser.close();
      await app.close();
    },
  };
}
