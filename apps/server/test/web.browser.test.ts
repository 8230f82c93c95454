// Browser journey through the real web app (apps/web/dist) served by the real server on a fresh database:
// an enterprise user imports a CSV and sees its rows, switches to 简体中文, logs out; another enterprise does not see them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, CSV_HEADER, csvRow, users, type TestApp } from './harness.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;
const IDS = ['WEBT-0001', 'WEBT-0002', 'WEBT-0003'];

let app: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-web-browser-'));
  app = await startTestApp();
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
  if (work) rmSync(join(work, 'profile'), { recursive: true, force: true });
});

async function login(username: string) {
  await page.goto(`${base}/`);
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/enterprise\/declarations$/);
}

async function rowNumbers(): Promise<string[]> {
  await page.getByTestId('declarations-total').waitFor();
  return page.getByTestId('declaration-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-declaration-no') ?? ''));
}

test('enterprise user imports a CSV, sees the rows, switches to 简体中文, logs out; the other enterprise does not see them', async (t) => {
  // Unauthenticated visitors land on the login page; a wrong password is refused with a message.
  await page.goto(`${base}/enterprise/declarations`);
  await page.waitForURL(/\/login$/);
  // the tab has the platform's icon (issue 18: there was none)
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  const iconRes = await page.request.get(new URL(icon!, base).href);
  assert.equal(iconRes.status(), 200);
  assert.match(iconRes.headers()['content-type'] ?? '', /image\/svg\+xml/);
  await page.getByLabel('Username').fill('alpha.user');
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  assert.match(await page.getByTestId('login-error').innerText(), /Wrong username or password/);

  await login('alpha.user');
  assert.match(await page.getByTestId('header-user').innerText(), /Alpha/);
  assert.deepEqual(
    (await page.getByRole('navigation').getByRole('link').allInnerTexts()).map((s) => s.trim()),
    ['Declarations', 'New declaration', 'Import CSV', 'Inspections', 'Outcomes', 'Webhooks', 'Sign-in security'],
  );

  // Import a 3-row CSV (newest dates, so the rows lead the default order).
  const csvPath = join(work, 'three.csv');
  writeFileSync(csvPath, [CSV_HEADER, ...IDS.map((id, i) => csvRow(id, { date: `2030-01-0${i + 1}` }))].join('\n') + '\n');
  await page.getByTestId('nav-import').click();
  await page.locator('input[type="file"]').setInputFiles(csvPath);
  await page.getByTestId('import-submit').click();
  const result = page.getByTestId('import-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-refused'), 'false');
  assert.equal(await result.getAttribute('data-inserted'), '3');

  // The same file again: nothing new, three duplicates listed by line.
  await page.getByTestId('import-submit').click();
  await page.getByTestId('duplicate-rows').waitFor();
  assert.equal(await page.getByTestId('duplicate-rows').locator('tbody tr').count(), 3);
  assert.equal(await page.getByTestId('import-result').getAttribute('data-inserted'), '0');

  // The rows appear in the list, and the search filter finds exactly them.
  await page.getByTestId('nav-declarations').click();
  await page.waitForURL(/\/enterprise\/declarations$/);
  // the list may first show its cached page while it refetches; wait for the fresh one
  await page.locator(`[data-testid="declaration-row"][data-declaration-no="${IDS[0]}"]`).waitFor();
  const first = await rowNumbers();
  for (const id of IDS) assert.ok(first.includes(id), `${id} missing from the list: ${first.join(', ')}`);
  await page.getByTestId('filter-q').fill('WEBT-');
  await page.waitForURL(/q=WEBT-/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="declaration-row"]').length === 3);
  assert.deepEqual((await rowNumbers()).sort(), IDS);
  const alphaDetailHref = await page.getByTestId('declaration-link').first().getAttribute('href');
  assert.ok(alphaDetailHref);

  // Switch to 简体中文: the interface follows, the choice is stored on the account and survives a reload.
  await page.getByTestId('language-switch').selectOption('zh-CN');
  await page.getByTestId('nav-declarations').getByText('报关单').waitFor();
  assert.equal(await page.getByTestId('page-title').innerText(), '报关单');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await page.reload();
  await page.getByTestId('nav-declarations').getByText('报关单').waitFor();
  const [saved] = await app.ctx.db.select({ locale: users.locale }).from(users).where(eq(users.username, 'alpha.user'));
  assert.equal(saved.locale, 'zh-CN');

  // Phone width: navigation collapses behind a burger, the list becomes cards, nothing scrolls sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.getByTestId('declarations-cards').waitFor();
  assert.equal(await page.getByTestId('nav-burger').isVisible(), true);
  assert.equal(await page.getByTestId('nav-import').isVisible(), false);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'page scrolls sideways at 360 px');
  const shots = join(tmpdir(), 'rvi-web-screenshots');
  mkdirSync(shots, { recursive: true });
  const shot = join(shots, 'declarations-360.png');
  await page.screenshot({ path: shot, fullPage: false });
  t.diagnostic(`phone screenshot: ${shot}`);

  // Log out through the burger menu.
  await page.getByTestId('nav-burger').click();
  await page.getByTestId('logout-mobile').click();
  await page.waitForURL(/\/login$/);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The other enterprise sees none of those rows, not even by search or by the detail address.
  await login('beta.user');
  const betaRows = await rowNumbers();
  for (const id of IDS) assert.ok(!betaRows.includes(id), `beta.user sees ${id}`);
  await page.getByTestId('filter-q').fill('WEBT-');
  await page.getByTestId('declarations-empty').waitFor();
  await page.goto(`${base}${alphaDetailHref}`);
  await page.getByTestId('detail-error').waitFor();
  assert.equal(await page.getByTestId('declaration-fields').count(), 0);
});
