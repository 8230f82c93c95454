// Browser journey (issue 18): the inspector links a snapshot to a discrepancy by clicking its thumbnail on the
// findings page (it used to be an id typed by hand); the signed finding names that snapshot as its evidence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJourney, type Journey } from './workflow-browser.ts';
import { makeMedia, orderInProgress, setUpActors } from '../src/modules/findings/findings.test-helpers.ts';
import { registerCaseMedia } from '../src/modules/evidence/media.service.ts';
import { systemActor } from '../src/platform/actor.ts';

let j: Journey;
let dir: string;
before(async () => {
  j = await startJourney();
  dir = mkdtempSync(join(tmpdir(), 'rvi-picker-'));
});
after(async () => {
  await j?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a snapshot is picked from its thumbnail and becomes the finding\'s evidence', async () => {
  const a = await setUpActors(j.app);
  const order = await orderInProgress(j.app, a);
  const media = makeMedia(dir);
  const snap = await registerCaseMedia(j.app.ctx.db, j.app.config.dataDir, systemActor('session-recorder'), order.id, {
    kind: 'snapshot', name: 'picker-snap-0001.jpg', path: media.jpg, contentType: 'image/jpeg', startedAt: new Date(), endedAt: new Date(),
  });

  const insp = await j.open('inspector1', /\/customs\//);
  await insp.goto(`${j.base}/customs/findings/${order.id}`);
  const form = insp.getByTestId('discrepancy-form');
  const option = form.locator(`[data-testid="snapshot-option"][data-media-id="${snap.id}"]`);
  await option.waitFor();
  // the thumbnail really loaded (the image is served to the inspector)
  await insp.waitForFunction((id) => {
    const img = document.querySelector(`[data-media-id="${id}"] img`) as HTMLImageElement | null;
    return !!img && img.complete && img.naturalWidth > 0;
  }, snap.id);
  await option.click();
  assert.equal(await option.getAttribute('aria-pressed'), 'true');
  await form.getByTestId('finding-type').selectOption('seal_tampered');
  await form.getByTestId('finding-declared').fill('SL-1');
  await form.getByTestId('finding-observed').fill('SL-1 (broken)');
  await form.getByTestId('finding-submit').click();
  await insp.getByTestId('findings-card').getByText('SL-1 (broken)').waitFor();
  const view = await a.inspector1.get(`/api/orders/${order.id}/inspection`);
  const f = view.body.findings.find((x: { observed: string }) => x.observed === 'SL-1 (broken)');
  assert.deepEqual(f.evidence.snapshots, [snap.id]);
});

test('a weight finding: the declared mass filled in, the difference against the office\'s tolerance shown and the severity suggested from it', async () => {
  const a = await setUpActors(j.app);
  const order = await orderInProgress(j.app, a);
  const insp = await j.open('inspector1', /\/customs\//);
  await insp.goto(`${j.base}/customs/findings/${order.id}`);
  const form = insp.getByTestId('discrepancy-form');
  await form.getByTestId('finding-type').selectOption('weight');
  const view = (await a.inspector1.get(`/api/orders/${order.id}/inspection`)).body;
  const [field, kg] = view.declaration.grossMassKg != null ? ['grossMassKg', view.declaration.grossMassKg] : ['netMassKg', view.declaration.netMassKg];
  assert.equal(await form.getByTestId('finding-field').inputValue(), field);
  assert.equal(Number(await form.getByTestId('finding-declared').inputValue()), kg, 'the declared mass comes from the declaration');
  // weighed 20 % more: beyond the 5 % tolerance, "significant" suggested
  await form.getByTestId('finding-observed').fill(String(Math.round(kg * 1.2 * 10) / 10).replace('.', ','));
  const check = form.getByTestId('weight-check');
  await check.getByText("beyond the office's 5 % tolerance").waitFor();
  assert.match(await check.innerText(), /\+20\.0 %/);
  assert.equal(await form.getByTestId('finding-severity-significant').getAttribute('aria-pressed'), 'true');
  // 2 % more: within it, "minor"
  await form.getByTestId('finding-observed').fill(String(Math.round(kg * 1.02 * 10) / 10));
  await check.getByText("within the office's 5 % tolerance").waitFor();
  assert.equal(await form.getByTestId('finding-severity-minor').getAttribute('aria-pressed'), 'true');
  await form.getByTestId('finding-submit').click();
  await insp.getByTestId('findings-card').getByText('Weight').first().waitFor();
  const after = (await a.inspector1.get(`/api/orders/${order.id}/inspection`)).body;
  const f = after.findings.find((x: { type: string }) => x.type === 'weight');
  assert.deepEqual([f.field, f.severity, Number(f.declared)], [field, 'minor', kg]);
});
