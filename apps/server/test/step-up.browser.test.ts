// Browser check of step-up: a supervisor with an authenticator app whose last code is older than RVI_STEP_UP_MINUTES
// approves a hold from the approval queue; the page asks for a fresh code, then the refused approval goes through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { enrolTotp, totpCode } from './totp.ts';
import { declarations, sessionFactors } from '../src/db/schema.ts';
import { orderInProgress, setUpActors } from '../src/modules/findings/findings.test-helpers.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;
let app: TestApp;
let base: string;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  app = await startTestApp({ sessionCacheMs: 0 }, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
});
after(async () => {
  await browser?.close();
  await app?.close();
});

test('approving a hold with a stale second factor asks for a fresh code in a dialog, then approves', { timeout: 120_000 }, async () => {
  const a = await setUpActors(app);
  const order = await orderInProgress(app, a);
  const f = await a.inspector1.post(`/api/orders/${order.id}/findings`, { kind: 'discrepancy', type: 'seal_tampered', severity: 'significant', field: 'sealNumber', declared: 'SL-1', observed: 'SL-1 (broken)' });
  assert.equal(f.status, 201, f.text);
  const d = await a.inspector1.post(`/api/orders/${order.id}/decisions`, { outcome: 'hold', reason: 'seal broken' });
  assert.equal(d.status, 201, d.text);

  const ctx = await browser.newContext({ viewport: { width: 1024, height: 1200 }, locale: 'en-US' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill('supervisor');
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nav-approvals').waitFor();
  // the supervisor sets up the app through the API with this browser's session, then the proof grows old
  const cookie = (await ctx.cookies()).find((c) => c.name === 'rvi_session')!;
  const { secret } = await enrolTotp(app.app, `rvi_session=${cookie.value}`);
  await app.ctx.db.update(sessionFactors).set({ verifiedAt: new Date(Date.now() - 10 * 60_000) });

  await page.getByTestId('nav-approvals').click();
  const card = page.locator(`[data-testid="approval"][data-order-no="${order.orderNo}"]`);
  await card.waitFor();
  await card.getByTestId('review-reason').fill('Confirmed');
  await card.getByTestId('review-approve').click();
  await page.getByTestId('factor-form').waitFor();
  await page.locator('[data-testid="factor-code"] input').first().click();
  await page.keyboard.type(totpCode(secret, Date.now() + 30_000));
  await page.getByTestId('factor-submit').click();
  await card.waitFor({ state: 'detached' });
  const [decl] = await app.ctx.db.select().from(declarations).where(eq(declarations.id, order.declarationId));
  assert.equal(decl.status, 'held');
  await ctx.close();
});
