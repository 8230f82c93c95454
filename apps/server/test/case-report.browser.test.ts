// Browser journey (issue 18): on the case page the supervisor sees the signing key's fingerprint and the verify
// steps, and downloads the case report (PDF) in the language of the page; pdftotext reads the report and finds the
// same fingerprint and the case's order number; the importer downloads its own edition from its outcome page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startJourney, type Journey } from './workflow-browser.ts';
import { orderInProgress, setUpActors } from '../src/modules/findings/findings.test-helpers.ts';

let j: Journey;
before(async () => { j = await startJourney(); });
after(async () => j?.close());

test('case page: key fingerprint and verify steps; the case report downloads as a PDF in 简体中文', async () => {
  const a = await setUpActors(j.app);
  const order = await orderInProgress(j.app, a);
  const d = await a.inspector1.post(`/api/orders/${order.id}/decisions`, { outcome: 'release', reason: 'all as declared' });
  assert.equal(d.status, 201, d.text);
  const keys = (await j.app.app.inject({ url: '/api/keys' })).json() as { activeKeyId: string; keys: { keyId: string; publicKey: string }[] };
  const key = keys.keys.find((k) => k.keyId === keys.activeKeyId)!;
  const fingerprint = createHash('sha256').update(Buffer.from(key.publicKey, 'base64')).digest('hex').replace(/(.{4})(?!$)/g, '$1 ');

  const sup = await j.open('supervisor', /\/customs\//);
  await sup.getByTestId('language-switch').selectOption('zh-CN');
  await sup.goto(`${j.base}/customs/cases/${order.id}`);
  const shown = sup.locator(`[data-testid="verify-key"][data-key-id="${key.keyId}"] [data-testid="key-fingerprint"]`);
  await sup.waitForFunction((fp) => document.querySelector('[data-testid="key-fingerprint"]')?.textContent === fp, fingerprint);
  assert.equal(await shown.innerText(), fingerprint);
  assert.match(await sup.getByTestId('verify-card').innerText(), /如何核验本案[\s\S]*rvi evidence verify/);

  const [download] = await Promise.all([sup.waitForEvent('download'), sup.getByTestId('download-report').click()]);
  const pdf = await readFile((await download.path())!);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = spawnSync('pdftotext', ['-', '-'], { input: pdf, encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  for (const want of ['查验案件报告', order.orderNo, order.declarationNo, '结论: 放行', fingerprint]) assert.ok(text.includes(want), `report says "${want}": ${text}`);
  // The importer downloads its own edition from its outcome page: the outcome, no reason for selection.
  const ent = await j.open('alpha.user', /\/enterprise\//);
  await ent.goto(`${j.base}/enterprise/outcomes/${order.id}`);
  const [entDownload] = await Promise.all([ent.waitForEvent('download'), ent.getByTestId('download-report').click()]);
  const entText = spawnSync('pdftotext', ['-', '-'], { input: await readFile((await entDownload.path())!), encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  assert.ok(entText.includes(order.orderNo) && entText.includes('Outcome: Release'), entText);
  assert.ok(!entText.includes('Why it was selected'), 'no reason for selection in the enterprise edition');
});
