// Browser test of the command wall (real web app, real server, fresh database): a supervisor watches /command/live;
// an inspector's live session is opened and ended through the sessions service, and its tile appears and disappears
// without a reload (the server's `sessions` invalidation over /api/ws). No media is needed for that.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, users, type TestApp } from './harness.ts';
import { setUpActors, orderInProgress } from '../src/modules/findings/findings.test-helpers.ts';
import { liveSessionsOf } from '../src/modules/sessions/sessions.routes.ts';
import { endSession, loadSession, openSession, recordDeviceNetwork } from '../src/modules/sessions/sessions.service.ts';
import type { Actor } from '../src/platform/actor.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;

let t: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-dashboard-browser-'));
  t = await startTestApp({}, { jobs: false });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1600, height: 900 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await t?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a live session tile appears on the wall when the session starts and disappears when it ends', { timeout: 180_000 }, async () => {
  const a = await setUpActors(t);
  const order = await orderInProgress(t, a);
  const [u] = await t.ctx.db.select().from(users).where(eq(users.username, 'inspector1'));
  const inspector: Actor = { kind: 'user', userId: u.id, username: u.username, role: 'inspector', orgId: u.orgId, orgKind: 'customs_office', officeId: u.orgId, requestId: null };
  const live = liveSessionsOf(t.ctx);
  assert.ok(live, 'the sessions module is registered');

  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill('supervisor');
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(/\/customs/);
  await page.getByTestId('nav-command').click();
  await page.waitForURL(/\/command\/live/);
  await page.getByTestId('no-sessions').waitFor();
  assert.equal(await page.getByTestId('session-tile').count(), 0);
  // The page is open on the wall: everything below arrives without a reload.
  const navigations: string[] = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations.push(f.url()); });

  const opened = await openSession(live.env, inspector, { orderId: order.id }, base);
  const tile = page.locator(`[data-testid="session-tile"][data-session-id="${opened.session.id}"]`);
  // Well under the wall's 15-second poll: the tile comes from the invalidation pushed over the WebSocket.
  await tile.waitFor({ state: 'visible', timeout: 5_000 });
  await assert.doesNotReject(tile.getByText('Alpha Trading Co., Ltd.').waitFor());
  assert.match(await tile.textContent() ?? '', new RegExp(order.orderNo));
  assert.match(await tile.textContent() ?? '', /Zhang Wei/);
  assert.equal(await tile.getByTestId('tile-network').getAttribute('data-quality'), 'unknown', 'no device stats yet');
  const observe = tile.getByTestId('tile-observe');
  assert.equal(await observe.getAttribute('href'), `/customs/sessions/${opened.session.id}?observe=1`);
  assert.match(await page.getByRole('heading', { name: /Live sessions \(1\)/ }).textContent() ?? '', /1/);
  // The in-progress queue counts the order.
  assert.equal(await page.getByTestId('queue-in_progress-count').textContent(), '1');
  // The device steps down the quality ladder and goes through TURN over TCP: the tile says so at once (pushed, not polled)
  const row = (await loadSession(live.env.db, opened.session.id))!;
  await recordDeviceNetwork(live.env, row, 'network.transport', 'device', null, { role: 'publisher', transport: 'relay-tcp' });
  await recordDeviceNetwork(live.env, row, 'quality.rung', 'device', null, { rung: 'stills', reason: 'loss', value: 12, before: '180p15' });
  const rung = tile.getByTestId('tile-rung');
  await rung.getByText('Photos + sound · TURN relay, TCP').waitFor({ timeout: 5_000 });
  assert.equal(await rung.getAttribute('data-rung'), 'stills');
  assert.equal(await rung.getAttribute('title'), 'Device quality: Photos + sound (packet loss 12 %)');

  await endSession(live.env, inspector, opened.session.id, 'inspection finished');
  await tile.waitFor({ state: 'detached', timeout: 5_000 });
  await page.getByTestId('no-sessions').waitFor();
  assert.deepEqual(navigations, [], 'no reload or navigation happened');
});
