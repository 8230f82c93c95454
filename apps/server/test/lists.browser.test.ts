// Browser journey (issue 18): the supervisor's plan with 2,400 orders. Searching by a container number, sorting by a
// column header and paging happen on the server; the list's state is in the URL, so a reload and a shared link show
// the same page; the inspector's inbox in 简体中文 shows its total and search in Chinese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJourney, type Journey } from './workflow-browser.ts';
import { addInspector } from '../src/modules/orders/orders.test-helpers.ts';
import { seedOrderVolume, type Seeded } from '../src/modules/orders/orders.list.test-helpers.ts';

let j: Journey;
let seeded: Seeded[];
let inspId: string;

before(async () => {
  j = await startJourney();
  inspId = await addInspector(j.app, 'list.inspector', { qualifications: ['general'], capacity: 100 });
  seeded = await seedOrderVolume(j.app, [['alpha', j.app.orgs.office, 1600, 'ALP'], ['beta', j.app.orgs.office, 800, 'BET']], inspId);
});
after(async () => j?.close());

const rowsOf = (page: import('playwright-core').Page) => page.locator('[data-testid="plan-order"]');
const declarationsOnPage = async (page: import('playwright-core').Page) => page.locator('[data-testid="plan-order"] [data-testid="plan-declaration"]').allInnerTexts();

test('plan: search by container number, sort by a header, page, reload and share the link', async () => {
  const sup = await j.open('supervisor', /\/customs\//);
  await sup.goto(`${j.base}/customs/plan?from=2030-01-01&days=7`);
  const inRange = seeded.filter((s) => s.state === 'selected' || (s.dueDate >= '2030-01-01' && s.dueDate <= '2030-01-07'));
  await sup.locator(`[data-testid="list-total"][data-total="${inRange.length}"]`).waitFor();
  assert.equal(await rowsOf(sup).count(), 20, 'one page of 20');

  // A container number from an arrival notice, typed in lower case.
  const target = inRange.find((s) => s.noticeContainers.length)!;
  await sup.getByTestId('list-search').fill(target.noticeContainers[0].toLowerCase());
  await sup.locator('[data-testid="list-total"][data-total="1"]').waitFor();
  await sup.locator(`[data-testid="plan-order"][data-order-id="${target.id}"]`).waitFor();
  assert.equal(await rowsOf(sup).count(), 1);
  assert.match(sup.url(), new RegExp(`q=${target.noticeContainers[0].toLowerCase()}`));

  // Declaration number, descending (second click), page 2.
  await sup.getByTestId('list-search').fill('LST-BET');
  const bet = inRange.filter((s) => s.declarationNo.startsWith('LST-BET')).map((s) => s.declarationNo).sort();
  await sup.locator(`[data-testid="list-total"][data-total="${bet.length}"]`).waitFor();
  await sup.getByTestId('sort-declarationNo').click();
  await sup.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, bet[0]);
  await sup.getByTestId('sort-declarationNo').click();
  const desc = [...bet].reverse();
  await sup.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, desc[0]);
  assert.equal(await sup.getByTestId('sort-declarationNo').locator('..').getAttribute('aria-sort'), 'descending');
  await sup.getByTestId('pagination').getByRole('button', { name: 'Page 2', exact: true }).click();
  await sup.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, desc[20]);
  assert.deepEqual(await declarationsOnPage(sup), desc.slice(20, 40));
  const url = sup.url();
  assert.match(url, /page=2/);
  assert.match(url, /sort=declarationNo/);
  assert.match(url, /dir=desc/);

  // Reload: the same page, the search box still filled.
  await sup.reload();
  await sup.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, desc[20]);
  assert.deepEqual(await declarationsOnPage(sup), desc.slice(20, 40));
  assert.equal(await sup.getByTestId('list-search').inputValue(), 'LST-BET');
  assert.equal(await sup.getByTestId('plan-from').inputValue(), '2030-01-01');

  // Back: page 1 again (a page is a history entry).
  await sup.goBack();
  await sup.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, desc[0]);

  // The link opened by another supervisor's browser shows the same page.
  const other = await j.open('supervisor', /\/customs\//);
  await other.goto(url);
  await other.waitForFunction((first) => document.querySelector('[data-testid="plan-order"] [data-testid="plan-declaration"]')?.textContent === first, desc[20]);
  assert.deepEqual(await declarationsOnPage(other), desc.slice(20, 40));
  await other.context().close();

  // Only orders waiting for an inspector.
  await sup.goto(`${j.base}/customs/plan?from=2030-01-01&days=7`);
  await sup.locator(`[data-testid="list-total"][data-total="${inRange.length}"]`).waitFor();
  // the box follows the URL, which changes after the click: click, then wait for it
  await sup.getByLabel('Only orders waiting for an inspector').click();
  await sup.waitForURL(/unassigned=1/);
  const waiting = inRange.filter((s) => s.state === 'selected').length;
  await sup.locator(`[data-testid="list-total"][data-total="${waiting}"]`).waitFor();
  assert.ok((await sup.locator('[data-testid="plan-order"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')))).every((st) => st === 'selected'));
  await sup.context().close();
});

test('inbox in 简体中文: total and search in Chinese, my open orders only', async () => {
  const insp = await j.open('list.inspector', /\/customs\//);
  await insp.getByTestId('language-switch').selectOption('zh-CN');
  await insp.goto(`${j.base}/customs/inbox`);
  const mine = seeded.filter((s) => s.inspectorId === inspId && !['closed', 'cancelled'].includes(s.state));
  const total = insp.locator(`[data-testid="list-total"][data-total="${mine.length}"]`);
  await total.waitFor();
  assert.match(await total.innerText(), /^共 [\d,]+ 条$/);
  assert.match(await insp.getByTestId('list-search').getAttribute('placeholder') ?? '', /集装箱号/);
  const withAppt = mine.filter((s) => s.appointmentAt).sort((a, b) => a.appointmentAt! - b.appointmentAt!);
  await insp.getByTestId('sort-appointment').click();
  await insp.locator(`[data-testid="inbox-order"]`).first().and(insp.locator(`[data-order-id="${withAppt[0].id}"]`)).waitFor();
  await insp.context().close();
});
