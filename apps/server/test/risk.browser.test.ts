// Browser journey through the targeting views of the real web app (apps/web/dist) on a fresh database: a model trained
// on the targeting fixture plus inspection outcomes, Alpha's imported declarations scored. The supervisor sees the
// model page (figures, the curve as a table, importances), draws a selection with a seed, opens the highest-risk
// declaration and sees why it scored red, replays the draw; Alpha's own user sees the same declaration without any
// risk information (and the web app never even asks for it); the administrator can retrain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, CSV_HEADER, csvRow, type TestApp } from './harness.ts';
import { declarations, riskScores } from '../src/db/schema.ts';
import { systemActor } from '../src/platform/actor.ts';
import type { Db } from '../src/platform/db.ts';
import { importDeclarations } from '../src/modules/declarations/declarations.service.ts';
import { recordOutcomeLabel, scoreDeclarations, trainAndRegister } from '../src/modules/risk/risk.service.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const repoRoot = new URL('../../../', import.meta.url).pathname;
const FIXTURE = join(repoRoot, 'packages/targeting/test-fixtures/declarations-sample.csv');
const ARGS = CHROMIUM_ARGS;
const SEED = 'browser-seed-7';

let app: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;
let redId: string;
let unscoredId: string;
let curveLength: number;

before(async () => {
  ensureWebBuilt();
  process.env.RVI_TARGETING_SEED_DATA = FIXTURE;
  work = mkdtempSync(join(tmpdir(), 'rvi-risk-browser-'));
  app = await startTestApp({}, { jobs: false });
  const db = app.ctx.db;
  const sys = systemActor('test');

  // Alpha's declarations: the fixture's rows (its label columns are ignored by the import).
  const csv = readFileSync(FIXTURE, 'utf8');
  const imp = await importDeclarations(db, sys, { csv, orgRef: 'ENT-ALPHA', skipInvalid: true });
  assert.ok(imp.inserted >= 600, imp.message);
  const rows = await db.select({ id: declarations.id, no: declarations.declarationNo, date: declarations.date })
    .from(declarations).where(eq(declarations.importBatchId, imp.batchId!));

  // Inspection outcomes for the latest 250 of them (from the fixture's labels): the retraining data, whose latest fifth
  // is the validation window that gives the model its precision-at-rate curve.
  const labels = new Map<string, { fraud: boolean; critical: boolean }>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const c = line.split(',');
    labels.set(c[0], { fraud: c[20] === '1', critical: c[21] === '2' });
  }
  const toLabel = [...rows].sort((a, b) => (a.date < b.date ? 1 : -1)).slice(0, 250);
  await db.transaction(async (tx) => {
    for (const r of toLabel) await recordOutcomeLabel(tx as unknown as Db, sys, r.id, { ...labels.get(r.no)!, source: 'test' });
  });
  const trained = await trainAndRegister(db, sys, { reason: 'browser test', includeLabels: true });
  assert.equal(trained.activated, true);
  const scored = await scoreDeclarations(db, app.ctx.models, rows.map((r) => r.id));
  assert.notEqual(scored, 'skipped');
  const [red] = await db.select({ id: riskScores.declarationId }).from(riskScores)
    .where(and(eq(riskScores.channel, 'red'), inArray(riskScores.declarationId, rows.map((r) => r.id))))
    .orderBy(desc(riskScores.score)).limit(1);
  assert.ok(red, 'some declaration is red');
  redId = red.id;
  const models = await app.app.inject({ url: '/api/risk/models', headers: { cookie: await app.login('supervisor') } });
  curveLength = models.json().items[0].curve.length;
  assert.ok(curveLength >= 2, 'the model has a precision curve');

  // One more declaration, filed after scoring: not scored yet.
  const late = await importDeclarations(db, sys, { csv: `${CSV_HEADER}\n${csvRow('RISKBT-LATE', { date: '2021-01-05' })}\n`, orgRef: 'ENT-ALPHA' });
  unscoredId = (await db.select({ id: declarations.id }).from(declarations).where(eq(declarations.importBatchId, late.batchId!)))[0].id;

  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 900 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
});

after(async () => {
  delete process.env.RVI_TARGETING_SEED_DATA;
  await browser?.close();
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function login(username: string, lands: RegExp) {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(lands);
}

/** At phone width nothing scrolls the page sideways (wide tables scroll inside their own box). */
async function fitsPhone(): Promise<boolean> {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    return await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

test('supervisor: model page, draw a selection, a red declaration explained and replayed; the enterprise sees no risk', { timeout: 80_000 }, async () => {
  await login('supervisor', /\/customs\/declarations$/);

  // The model page: the active model's figures on the validation window (the fixture is too small for a holdout
  // inside the training period; the first model has no previous one to compare with).
  await page.getByTestId('nav-risk-model').click();
  await page.waitForURL(/\/customs\/risk-model$/);
  await page.getByTestId('active-model').waitFor();
  assert.equal(await page.getByTestId('active-model').getAttribute('data-version'), '1');
  const p10 = page.getByTestId('figure-p10');
  assert.match(await p10.locator('[data-col="validation"]').innerText(), /^\d+(\.\d)? %$/);
  assert.equal(await page.getByTestId('figures-col-previous').count(), 0);
  // which data the figures come from, and how they may differ in operation
  assert.match(await page.getByTestId('figures-col-validation').innerText(), /\d+ declarations, \d+ frauds/);
  assert.match(await page.getByTestId('figures-caveat').innerText(), /Measured on past declarations whose outcome is known.*In operation the figures can differ/s);
  assert.match(await page.getByTestId('figure-auc').locator('[data-col="validation"]').innerText(), /^0\.\d{1,3}$|^[01]$/); // three decimals, trailing zeros dropped (0.470 shows as 0.47)

  // The curve: an SVG with a title, and the same figures as a table.
  assert.equal(await page.getByTestId('curve-svg').getAttribute('role'), 'img');
  assert.equal(await page.getByTestId('curve-svg').locator('title').first().textContent(), 'Precision at inspection rate');
  await page.getByTestId('curve-view').getByText('Table').click();
  await page.getByTestId('curve-table').waitFor();
  assert.equal(await page.getByTestId('curve-row').count(), curveLength);
  assert.match(await page.getByTestId('curve-row').first().innerText(), /1 %\s+\d+(\.\d)? %\s+\d+(\.\d)? %/);
  assert.ok(await page.getByTestId('importance-row').count() >= 5, 'feature importances listed');
  assert.equal(await page.getByTestId('model-row').count(), 1);
  assert.equal(await page.getByTestId('retrain').count(), 0, 'a supervisor does not manage models');
  assert.ok(await fitsPhone(), 'the model page scrolls sideways at 360 px');

  // Office settings show the defaults; drawing with a seed selects by risk and at random.
  assert.equal(await page.getByTestId('settings-inspection-rate').inputValue(), '5');
  assert.equal(await page.getByTestId('settings-random-share').inputValue(), '10');
  await page.getByTestId('settings-inspection-rate').fill('250');
  await page.getByTestId('settings-save').click();
  await page.getByText('Must be between 0 and 100').waitFor();
  await page.getByTestId('settings-inspection-rate').fill('5');
  await page.getByTestId('draw-seed').fill(SEED);
  await page.getByTestId('draw-selection').click();
  const result = page.getByTestId('draw-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-seed'), SEED);
  assert.ok(Number(await result.getAttribute('data-risk')) > 0, 'some selected by risk');
  assert.match(await result.innerText(), /selected: \d+ by risk, \d+ at random/);

  // The highest-risk declaration: red, its score, the model version, selected by risk with the seed, explained.
  await page.goto(`${base}/customs/declarations/${redId}`);
  const panel = page.getByTestId('risk-panel');
  await panel.getByTestId('risk-score').waitFor();
  assert.equal(await panel.getByTestId('risk-channel').getAttribute('data-channel'), 'red');
  assert.match(await panel.getByTestId('risk-score').innerText(), /^([<>] )?\d+(\.\d+)? %$/);
  assert.equal(await panel.getByTestId('risk-model-version').innerText(), 'Version 1');
  assert.equal(await panel.getByTestId('risk-selection').getAttribute('data-reason'), 'risk');
  assert.equal(await panel.getByTestId('risk-seed').innerText(), SEED);
  const ups = await panel.locator('[data-testid="explanation-factor"][data-direction="up"]').count();
  assert.ok(ups > 0, 'factors pushing the score up are shown');
  await panel.getByTestId('explanation-view').getByText('Table').click();
  const rowsText = await panel.getByTestId('explanation-table').locator('tbody tr').allInnerTexts();
  assert.equal(rowsText.filter((r) => r.includes('Raises the score')).length, ups);
  // in percentage points of the score, each factor named in plain words (no model jargon such as "same HS6 code")
  assert.ok(rowsText.every((r) => /[+−]\d+(\.\d)? pts/.test(r)), rowsText.join(' | '));
  const groupNames = (lang: string) => Object.values((JSON.parse(readFileSync(new URL(`../../web/src/shared/i18n/locales/${lang}.json`, import.meta.url), 'utf8')) as { risk: { group: Record<string, string> } }).risk.group);
  const firstCells = async () => (await panel.getByTestId('explanation-table').locator('tbody tr td:first-child').allInnerTexts()).map((x) => x.trim());
  for (const cell of await firstCells()) assert.ok(groupNames('en').includes(cell), `a plain-words factor name: "${cell}"`);
  // and in Chinese
  await page.getByTestId('language-switch').selectOption('zh-CN');
  await panel.getByTestId('explanation-table').getByText('个百分点').first().waitFor();
  for (const cell of await firstCells()) assert.ok(groupNames('zh-CN').includes(cell), `a factor name in Chinese: "${cell}"`);
  await page.getByTestId('language-switch').selectOption('en');
  await panel.getByTestId('explanation-table').getByText(' pts').first().waitFor();
  // The draw replays to the same result.
  await panel.getByTestId('risk-replay').click();
  await panel.getByTestId('risk-replay-result').waitFor();
  assert.equal(await panel.getByTestId('risk-replay-result').getAttribute('data-same'), 'true');
  assert.ok(await fitsPhone(), 'the declaration page scrolls sideways at 360 px');

  // A declaration filed after scoring says so.
  await page.goto(`${base}/customs/declarations/${unscoredId}`);
  await page.getByTestId('risk-not-scored').waitFor();

  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login$/);

  // Alpha's user opens the same declaration: no risk panel, and no request for it.
  const riskRequests: string[] = [];
  page.on('request', (r) => { if (/\/risk(\/|$)|\/api\/risk/.test(new URL(r.url()).pathname)) riskRequests.push(r.url()); });
  await login('alpha.user', /\/enterprise\/declarations$/);
  assert.equal(await page.getByTestId('nav-risk-model').count(), 0);
  await page.goto(`${base}/enterprise/declarations/${redId}`);
  await page.getByTestId('declaration-fields').waitFor();
  assert.equal(await page.getByTestId('risk-panel').count(), 0);
  assert.ok(!/risk|score|channel/i.test(await page.locator('main').innerText()), 'no risk wording on the enterprise page');
  assert.deepEqual(riskRequests, []);
  // The customs address of the declaration sends the enterprise user back to their own console.
  await page.goto(`${base}/customs/declarations/${redId}`);
  await page.waitForURL(/\/enterprise\/declarations$/);
  assert.equal(await page.getByTestId('risk-panel').count(), 0);
  assert.deepEqual(riskRequests, []);
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login$/);

  // The administrator manages models (retrain, activate) but does not set the office's selection.
  await login('admin', /\/customs\/declarations$/);
  await page.getByTestId('nav-risk-model').click();
  await page.getByTestId('active-model').waitFor();
  assert.equal(await page.getByTestId('settings-card').count(), 0);
  assert.equal(await page.getByTestId('activate-model').count(), 0, 'the only version is already active');
  await page.getByTestId('retrain').click();
  await page.getByTestId('retrain-started').waitFor();
});
