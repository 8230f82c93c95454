// Browser journey of issue 4 through the real web app and server on a fresh database, three people at once:
// the supervisor runs dispatch, the inspector (notified live) decides remote and registers the inspection, the
// enterprise (notified live) accepts an offered slot naming its operator, and the inspector's page shows the
// booking and a new notification without reloading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { and, asc, eq, like } from 'drizzle-orm';
import { addDays, toWallClock } from '@rvi/dispatch';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { declarations, inspectionOrders, inspectorProfiles, inspectorRosters, users } from '../src/db/schema.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;

let app: TestApp;
let base: string;
let browser: Browser;

before(async () => {
  ensureWebBuilt();
  app = await startTestApp({}, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
});

after(async () => {
  await browser?.close();
  await app?.close();
});

async function open(username: string, landing: RegExp): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(landing);
  return page;
}

/** Waits until the bell shows at least `n` unread notifications (pushed live, no reload). */
async function unreadAtLeast(page: Page, n: number): Promise<number> {
  await page.waitForFunction((min) => Number(document.querySelector('[data-testid="notification-bell"]')?.getAttribute('data-unread') ?? 0) >= min, n);
  return Number(await page.getByTestId('notification-bell').getAttribute('data-unread'));
}

test('supervisor dispatches, inspector decides remote and registers, enterprise accepts a slot; both are notified live', { timeout: 90_000 }, async () => {
  const db = app.ctx.db;
  // inspector1 on duty from today for a few days (whatever weekday today is); inspector2 out of dispatch.
  const [i1] = await db.select().from(users).where(eq(users.username, 'inspector1'));
  const [i2] = await db.select().from(users).where(eq(users.username, 'inspector2'));
  await db.update(inspectorProfiles).set({ active: false }).where(eq(inspectorProfiles.userId, i2.id));
  const today = toWallClock(Date.now(), 'Asia/Shanghai').date;
  for (let k = 0; k < 4; k++) {
    await db.insert(inspectorRosters).values({ inspectorId: i1.id, date: addDays(today, k), onDuty: true })
      .onConflictDoUpdate({ target: [inspectorRosters.inspectorId, inspectorRosters.date], set: { onDuty: true } });
  }
  // An Alpha declaration (electronics) with an arrival notice of one container, selected by the supervisor.
  const [decl] = await db.select().from(declarations).where(and(eq(declarations.orgId, app.orgs.alpha), like(declarations.hs6, '85%'))).orderBy(asc(declarations.declarationNo)).limit(1);
  const supCookie = await app.login('supervisor');
  const alphaCookie = await app.login('alpha.user');
  const notice = await app.app.inject({
    method: 'POST', url: `/api/declarations/${decl.id}/arrival-notices`, headers: { cookie: alphaCookie },
    payload: { expectedArrivalAt: new Date(Date.now() + 3_600_000).toISOString(), location: 'Yangshan terminal 4', containerNumbers: ['MSCU1234566'], goodsSummary: 'mobile phones' },
  });
  assert.equal(notice.statusCode, 201, notice.body);
  const created = await app.app.inject({ method: 'POST', url: '/api/orders', headers: { cookie: supCookie }, payload: { declarationId: decl.id } });
  assert.equal(created.statusCode, 201, created.body);
  const orderId = created.json().id as string;

  const [sup, insp, ent] = await Promise.all([
    open('supervisor', /\/customs\/declarations$/),
    open('inspector1', /\/customs\/declarations$/),
    open('alpha.user', /\/enterprise\/declarations$/),
  ]);
  for (const p of [insp, ent]) await p.waitForSelector('[data-testid="notification-bell"][data-live="open"]');

  // Supervisor: the plan shows the order waiting; run dispatch.
  await sup.getByTestId('nav-plan').click();
  // The week view: the goods arrive in an hour, which near midnight in the office's time zone is tomorrow's date.
  await sup.getByTestId('plan-range').getByText('Week').click();
  await sup.locator(`[data-testid="plan-order"][data-order-id="${orderId}"][data-state="selected"]`).waitFor();
  await sup.getByTestId('run-dispatch').click();
  assert.equal(await sup.getByTestId('dispatch-result').getAttribute('data-assigned'), '1');
  await sup.locator(`[data-testid="plan-order"][data-order-id="${orderId}"][data-state="assigned"]`).waitFor();

  // Inspector: notified live; the inbox lists the order; decide remote (as recommended), register.
  await unreadAtLeast(insp, 1);
  await insp.getByTestId('nav-inbox').click();
  await insp.locator(`[data-testid="inbox-order"][data-order-id="${orderId}"]`).getByTestId('inbox-open').click();
  await insp.waitForURL(new RegExp(`/customs/orders/${orderId}$`));
  assert.equal(await insp.getByTestId('eligibility-recommendation').getAttribute('data-value'), 'remote');
  await insp.getByTestId('fired-rules-none').waitFor();
  await insp.getByTestId('decide-remote').check();
  await insp.getByTestId('decide-submit').click();
  await insp.locator('[data-testid="order-summary"][data-state="eligibility_decided"][data-mode="remote"]').waitFor();
  await insp.getByTestId('register-remote').click();
  await insp.getByTestId('proposed-slots').waitFor();
  const inspUnreadBefore = Number(await insp.getByTestId('notification-bell').getAttribute('data-unread'));

  // Enterprise: notified live (no reload); the inspections page offers the slots; accept the first with the operator.
  await unreadAtLeast(ent, 1);
  await ent.getByTestId('notification-bell').click();
  await ent.locator('[data-testid="notification-item"][data-kind="inspection.registered"]').waitFor();
  await ent.keyboard.press('Escape');
  await ent.getByTestId('nav-inspections').click();
  const card = ent.locator(`[data-testid="inspection"][data-order-id="${orderId}"]`);
  await card.getByTestId('booking-slot').first().waitFor();
  assert.doesNotMatch(await card.innerText(), /risk|score|random|channel|Zhang Wei/i, 'the enterprise sees no reason for the selection, nor who inspects');
  assert.match(await card.getByTestId('booking-operator').inputValue(), /.+/);
  await card.getByTestId('booking-slot').first().check();
  await card.getByTestId('booking-submit').click();
  await ent.locator(`[data-testid="inspection"][data-order-id="${orderId}"][data-state="booked"]`).getByTestId('inspection-appointment').waitFor();

  // Inspector: a new notification arrives and the open order page shows the booking, both without reload.
  await unreadAtLeast(insp, inspUnreadBefore + 1);
  await insp.locator('[data-testid="order-summary"][data-state="booked"]').waitFor();
  await insp.getByTestId('appointment').waitFor();
  await insp.getByTestId('notification-bell').click();
  await insp.locator('[data-testid="notification-item"][data-kind="appointment.booked"]').waitFor();

  const [row] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, orderId));
  assert.equal(row.state, 'booked');
  assert.equal(row.inspectorId, i1.id);
});
