// Browser journey (issue 18): a released declaration is amended. The enterprise files the corrected net mass with a
// reason on its declaration page, the supervisor sees the change in words and accepts it, and the enterprise's page
// then shows version 2 with the new value and who accepted it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startJourney, type Journey } from './workflow-browser.ts';
import { declarationBody } from './harness.ts';
import { declarations } from '../src/db/schema.ts';

let j: Journey;
before(async () => { j = await startJourney(); });
after(async () => j?.close());

test('the enterprise amends a released declaration, the supervisor accepts, the declaration shows version 2', async () => {
  const cookie = await j.app.login('alpha.user');
  const r = await j.app.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody('AMB-001', { netMassKg: 300 }) });
  assert.equal(r.statusCode, 201, r.body);
  const id = r.json().id as string;
  // customs released it (the decision's own journey is findings.browser.test.ts)
  await j.app.ctx.db.update(declarations).set({ status: 'released' }).where(eq(declarations.id, id));

  const ent = await j.open('alpha.user', /\/enterprise\//);
  await ent.goto(`${j.base}/enterprise/declarations/${id}`);
  const form = ent.getByTestId('amendment-form');
  await form.getByTestId('amendment-field').selectOption('netMassKg');
  assert.match(await form.getByText(/New value \(now: 300\)/).innerText(), /300/);
  await form.getByTestId('amendment-value').fill('346.6');
  await form.getByTestId('amendment-reason').fill('Customs weighed 346.6 kg at the inspection');
  await form.getByTestId('amendment-submit').click();
  const filed = ent.locator('[data-testid="amendment"][data-status="filed"]');
  await filed.waitFor();
  assert.equal(await filed.getByTestId('amendment-change').innerText(), 'Net mass (kg): 300 → 346.6');
  assert.equal(await ent.getByTestId('amendment-form').count(), 0, 'no second amendment while one waits');

  const sup = await j.open('supervisor', /\/customs\//);
  await sup.goto(`${j.base}/customs/declarations/${id}`);
  const pending = sup.locator('[data-testid="amendment"][data-status="filed"]');
  assert.equal(await pending.getByTestId('amendment-change').innerText(), 'Net mass (kg): 300 → 346.6');
  await pending.getByTestId('amendment-accept').click();
  await sup.locator('[data-testid="amendment"][data-status="accepted"]').waitFor();

  // the enterprise's open page follows (live invalidation), without a reload
  await ent.locator('[data-testid="amendment"][data-status="accepted"]').waitFor();
  await ent.getByTestId('declaration-version').waitFor();
  assert.equal(await ent.getByTestId('field-netMassKg').innerText(), '346.6');
  assert.match(await ent.getByTestId('amendment-decision').innerText(), /Accepted by .+ version 2/);
});
