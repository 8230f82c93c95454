// Browser journey of issue 7 through the real web app and server on a fresh database: the inspector works through
// the checklist, records a discrepancy and releases (no approval needed: the enterprise sees the release time); on a
// second inspection the inspector signs a hold, the supervisor approves it from the approval queue, and the case
// story shows the recording with its timeline markers, the approval and every audit entry, with the download.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { declarations } from '../src/db/schema.ts';
import { systemActor } from '../src/platform/actor.ts';
import { makeMedia, orderInProgress, setUpActors, type Actors } from '../src/modules/findings/findings.test-helpers.ts';
import { registerCaseMedia } from '../src/modules/evidence/media.service.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'];

let app: TestApp;
let a: Actors;
let base: string;
let browser: Browser;
let dir: string;

before(async () => {
  ensureWebBuilt();
  app = await startTestApp({}, { jobs: false });
  a = await setUpActors(app);
  dir = mkdtempSync(join(tmpdir(), 'rvi-findings-browser-'));
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
});

after(async () => {
  await browser?.close();
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(username: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 1300 }, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${base}/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login') && u.pathname !== '/');
  return page;
}

async function recordStep(page: Page, key: string, result: 'pass' | 'fail' | 'not_applicable') {
  await page.getByTestId(`step-${key}-${result}`).click();
  await page.locator(`[data-testid="step-${key}"][data-result="${result}"]`).waitFor();
}

test('inspector records findings on a tablet-sized page and releases; the enterprise sees the release time', { timeout: 120_000 }, async () => {
  const order = await orderInProgress(app, a);
  const page = await open('inspector1');
  await page.getByTestId('nav-findings').click();
  await page.locator(`[data-testid="inspection-row"][data-order-id="${order.id}"]`).getByTestId('inspection-open').click();
  await page.getByTestId('checklist').waitFor();
  for (const key of ['seal_intact', 'container_number', 'packaging_marks', 'goods_description', 'quantity_count', 'origin_marking']) await recordStep(page, key, 'pass');
  await recordStep(page, 'hs_consistency', 'not_applicable');
  // Changing a result records a signed correction (the first result stays, marked corrected).
  await recordStep(page, 'hs_consistency', 'pass');
  assert.equal(await page.locator('[data-testid="finding-row"][data-kind="step"][data-current="false"]').count(), 1);

  await page.getByTestId('finding-type').selectOption('description');
  await page.getByTestId('finding-severity-minor').click();
  await page.getByTestId('finding-field').fill('goodsDescription');
  await page.getByTestId('finding-declared').fill('Mobile phones, 200 cartons');
  await page.getByTestId('finding-observed').fill('Mobile phones, 200 cartons, one label smudged');
  await page.getByTestId('finding-submit').click();
  await page.locator('[data-testid="finding-row"][data-kind="discrepancy"]').waitFor();
  assert.equal(await page.locator('[data-testid="finding-row"][data-kind="discrepancy"] [data-testid="signature"]').getAttribute('data-valid'), 'true');

  // no outcome is pre-selected: nothing is checked and the decision cannot be signed until one is chosen (issue 18)
  await page.getByTestId('choose-outcome').waitFor();
  assert.equal(await page.locator('[data-testid^="decision-outcome-"]:checked').count(), 0);
  assert.equal(await page.getByTestId('decision-submit').isDisabled(), true);
  await page.getByTestId('decision-outcome-release').check();
  assert.equal(await page.getByTestId('approval-hint').getAttribute('data-needs-approval'), 'false');
  await page.getByTestId('decision-submit').click();
  await page.getByTestId('decision-effective').waitFor();
  assert.equal(await page.getByTestId('decision-form').count(), 0, 'no second decision after release');
  const [decl] = await app.ctx.db.select().from(declarations).where(eq(declarations.id, order.declarationId));
  assert.equal(decl.status, 'released');
  await page.context().close();

  const ent = await open('alpha.user');
  await ent.getByTestId('nav-outcomes').click();
  const row = ent.locator(`[data-testid="outcome-row"][data-order-id="${order.id}"]`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-outcome'), 'release');
  await row.getByTestId('outcome-open').click();
  await ent.getByTestId('outcome-summary').waitFor();
  assert.notEqual((await ent.getByTestId('released-at').innerText()).trim(), '—');
  assert.equal(await ent.getByTestId('outcome-finding').count(), 1);
  assert.ok(!/score|channel|risk/i.test(await ent.locator('main').innerText()), 'no risk score or selection reason for the enterprise');
  await ent.context().close();
});

test('inspector signs a hold, the supervisor approves it; the case story shows the timeline, the approval and every audit entry', { timeout: 120_000 }, async () => {
  const order = await orderInProgress(app, a);
  const media = makeMedia(dir);
  const start = new Date(Date.now() - 30_000);
  await registerCaseMedia(app.ctx.db, app.config.dataDir, systemActor('session-recorder'), order.id, {
    kind: 'recording', name: 'session-0000.webm', path: media.webm, contentType: 'video/webm', sessionId: 's1', startedAt: start, endedAt: new Date(start.getTime() + 60_000),
  });
  await registerCaseMedia(app.ctx.db, app.config.dataDir, systemActor('session-recorder'), order.id, {
    kind: 'snapshot', name: 'snap-0001.jpg', path: media.jpg, contentType: 'image/jpeg', sessionId: 's1', startedAt: new Date(start.getTime() + 10_000), endedAt: new Date(start.getTime() + 10_000),
  });

  const insp = await open('inspector1');
  await insp.goto(`${base}/customs/findings/${order.id}`);
  await insp.getByTestId('discrepancy-form').waitFor();
  await insp.getByTestId('finding-type').selectOption('prohibited_goods');
  await insp.getByTestId('finding-severity-critical').click();
  await insp.getByTestId('finding-observed').fill('3 boxes of ivory carvings behind the phones');
  await insp.getByTestId('finding-submit').click();
  await insp.locator('[data-testid="finding-row"][data-kind="discrepancy"]').waitFor();
  await insp.getByTestId('decision-outcome-hold').check();
  assert.equal(await insp.getByTestId('approval-hint').getAttribute('data-needs-approval'), 'true');
  await insp.getByTestId('decision-reason').fill('Prohibited goods found');
  await insp.getByTestId('decision-submit').click();
  await insp.getByTestId('decision-pending').waitFor();
  await insp.context().close();

  const sup = await open('supervisor');
  await sup.getByTestId('nav-approvals').click();
  const card = sup.locator(`[data-testid="approval"][data-order-no="${order.orderNo}"]`);
  await card.waitFor();
  assert.match(await card.getByTestId('approval-findings').innerText(), /Prohibited goods/);
  await card.getByTestId('review-reason').fill('Confirmed on the recording');
  await card.getByTestId('review-approve').click();
  await card.waitFor({ state: 'detached' });
  const [decl] = await app.ctx.db.select().from(declarations).where(eq(declarations.id, order.declarationId));
  assert.equal(decl.status, 'held');

  await sup.getByTestId('nav-cases').click();
  await sup.locator(`[data-testid="case-row"][data-order-id="${order.id}"]`).getByTestId('case-open').click();
  await sup.getByTestId('story-audit').waitFor();
  assert.equal(await sup.getByTestId('story-approval').getAttribute('data-verdict'), 'approved');
  // The player's timeline marks the finding, the snapshot and the checklist of the recording's time.
  await sup.getByTestId('player').waitFor();
  const kinds = await sup.getByTestId('timeline-marker').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
  assert.ok(kinds.includes('finding') && kinds.includes('snapshot'), `markers: ${kinds.join(', ')}`);
  await sup.waitForFunction(() => ((document.querySelector('[data-testid="player"]') as HTMLVideoElement | null)?.readyState ?? 0) >= 1);
  // Every audit entry of the case, in chain order.
  const seqs = (await sup.getByTestId('case-audit-row').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq')))));
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  const actions = await sup.getByTestId('case-audit-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
  for (const want of ['declaration.submitted', 'order.created', 'finding.recorded', 'decision.signed', 'decision.approved', 'decision.effective', 'order.closed']) {
    assert.ok(actions.includes(want), `audit ${want} missing`);
  }
  // The download button serves the signed package.
  const href = await sup.getByTestId('download-evidence').getAttribute('href');
  const res = await sup.request.get(`${base}${href}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/zip');
  assert.equal((await res.body()).subarray(0, 2).toString(), 'PK');
  await sup.context().close();
});
