// Browser check of the webhook administration page (issue 19.4) through the real web app: an administrator creates an
// endpoint for an enterprise (the secret shown once), a declaration is filed, the real worker delivers it to a
// node:http receiver that refuses the first attempt, the delivery log shows both attempts with their status codes,
// "Send again" reaches the receiver once more with the same event id; the page in 简体中文.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { declarationBody, startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';
import { verifyWebhookSignature } from '../src/modules/webhooks/webhooks.signature.ts';

let app: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;
let receiver: Server;
let hook = '';
let secret = '';
const seen: { id: string; status: number; verified: boolean }[] = [];

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-webhooks-browser-'));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const verified = verifyWebhookSignature(secret, req.headers['customs-rvi-signature'] as string | undefined, raw).ok;
      const status = !verified ? 401 : seen.length === 0 ? 503 : 200; // the first attempt fails on purpose
      seen.push({ id: JSON.parse(raw).id, status, verified });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/broker`;
  app = await startTestApp({ sessionCacheMs: 0 });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await app?.close();
  receiver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('an administrator subscribes an enterprise endpoint, sees the retried delivery in the log and sends it again (en, 简体中文)', async () => {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`${base}/command/admin/webhooks`);
  await page.getByTestId('webhook-new').click();
  const org = page.getByTestId('webhook-org');
  await org.selectOption({ label: (await org.locator('option', { hasText: 'ENT-ALPHA' }).textContent())! });
  await page.getByTestId('webhook-url').fill(hook);
  await page.getByLabel('Declaration filed (declaration.submitted)').check();
  await page.getByTestId('webhook-create').click();
  secret = (await page.locator('[data-testid="webhook-secret"] pre, [data-testid="webhook-secret"] code').first().textContent())!.trim();
  assert.match(secret, /^whsec_/);
  await page.getByTestId('webhook-row').filter({ hasText: 'ENT-ALPHA' }).waitFor();

  const alpha = await app.login('alpha.user');
  const filed = await app.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie: alpha }, payload: declarationBody('WH-BROWSER-1') });
  assert.equal(filed.statusCode, 201, filed.body);
  // the log refreshes itself: the retried delivery shows as delivered after two attempts
  const row = page.locator('[data-testid="webhook-delivery-row"][data-status="delivered"]');
  await row.waitFor({ timeout: 30_000 });
  assert.deepEqual(seen.map((s) => s.status), [503, 200]);
  assert.ok(seen.every((s) => s.verified), 'signed with the secret the page showed');
  await row.getByTestId('webhook-attempts-toggle').click();
  const attempts = await page.getByTestId('webhook-attempts').textContent();
  assert.ok(attempts!.includes('503') && attempts!.includes('200'), attempts!);

  await row.getByTestId('webhook-redeliver').click();
  const end = Date.now() + 20_000;
  while (seen.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.equal(seen.length, 3, 'sent again');
  assert.equal(seen[2].id, seen[0].id, 'the same event id');

  await page.evaluate(() => localStorage.setItem('rvi.locale', 'zh-CN'));
  await page.reload();
  await page.getByText('Webhook 推送').first().waitFor();
  // the event names in Chinese
  await page.getByTestId('webhook-row').filter({ hasText: '报关单已提交' }).waitFor();
});
