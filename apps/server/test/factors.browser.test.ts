// Browser check of two-step sign-in through the real web app: a supervisor (RVI_REQUIRE_2FA) is sent to set up an
// authenticator app at login, scans nothing but reads the key the page shows, confirms with a real RFC 6238 code,
// sees the recovery codes once, reaches the console; the next login asks for the code before the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { totpCode } from './totp.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;

let app: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-factor-browser-'));
  app = await startTestApp({ requireSecondFactor: true, sessionCacheMs: 0 }, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 800 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
});

after(async () => {
  await browser?.close();
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function passwordLogin(username: string) {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
}

async function typeCode(testId: string, code: string) {
  await page.locator(`[data-testid="${testId}"] input`).first().click();
  await page.keyboard.type(code);
}

test('a supervisor sets up TOTP at first login, then every login asks for the code (en, then 简体中文)', async () => {
  await passwordLogin('supervisor');
  await page.getByTestId('factor-page-enrol').waitFor();
  await page.getByTestId('totp-start').click();
  await page.locator('[data-testid="totp-qr"] svg').waitFor();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await typeCode('totp-code', totpCode(secret));
  await page.getByTestId('totp-confirm').click();
  await page.getByTestId('totp-recovery-codes').waitFor();
  assert.equal(await page.locator('[data-testid="totp-recovery-codes"] li').count(), 10);
  await page.getByTestId('totp-done').click();
  await page.getByTestId('nav-approvals').waitFor();

  // log out through the API from the page, then log in again in Chinese: the code is asked first
  await page.evaluate(() => fetch('/api/auth/logout', { method: 'POST', credentials: 'include' }));
  await page.goto(`${base}/login`);
  await page.evaluate(() => localStorage.setItem('rvi.locale', 'zh-CN'));
  await passwordLogin('supervisor');
  await page.getByTestId('factor-page-pending').waitFor();
  assert.ok((await page.getByTestId('factor-page-pending').textContent())!.includes('两步验证'), 'the page is in Chinese');
  await typeCode('factor-code', totpCode(secret, Date.now() + 30_000));
  await page.getByTestId('factor-submit').click();
  await page.getByTestId('nav-approvals').waitFor();
});
