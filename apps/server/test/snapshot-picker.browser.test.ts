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
