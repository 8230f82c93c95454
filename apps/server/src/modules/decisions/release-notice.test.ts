// The release notice (issue 18) with real parts: a real SMTP server (smtp-server, messages parsed with mailparser),
// the outbox delivering 'decision.effective' after commit, and poppler's pdftotext reading the attached PDF. A release
// with correction sends the notice once to each enterprise user with an address, in English and Chinese, with the
// corrections in words; a hold sends nothing; a repeated delivery sends nothing more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { and, eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { startTestSmtp, type TestSmtp } from '../../../test/mail-server.ts';
import { auditLog, users } from '../../db/schema.ts';
import { orderInProgress, setUpActors, type Actors } from '../findings/findings.test-helpers.ts';
import { sendReleaseNotice } from './release-notice.ts';

let t: TestApp;
let a: Actors;
let smtp: TestSmtp;
const EMAIL = 'clerk@alpha.example';

before(async () => {
  smtp = await startTestSmtp();
  t = await startTestApp({ smtpUrl: smtp.url, mailFrom: 'customs-rvi <rvi@customs.example>' });
  a = await setUpActors(t);
  await t.ctx.db.update(users).set({ email: EMAIL }).where(eq(users.username, 'alpha.user'));
});
after(async () => {
  await t?.close();
  await smtp?.close();
});

async function until<T>(fn: () => Promise<T | null | undefined> | T | null | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('release with correction: the enterprise gets the notice by e-mail with the PDF, once', async () => {
  const o = await orderInProgress(t, a);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, { kind: 'discrepancy', type: 'quantity', severity: 'significant', field: 'netMassKg', declared: '120.5', observed: '146.6' });
  assert.equal(f.status, 201, f.text);
  const d = await a.inspector1.post(`/api/orders/${o.id}/decisions`, {
    outcome: 'release_with_correction', reason: 'weighed', corrections: [{ field: 'netMassKg', declared: '120.5', corrected: '146.6', findingId: f.body.id }],
  });
  assert.equal(d.status, 201, d.text);
  assert.equal((await a.sup.post(`/api/decisions/${d.body.id}/approve`, {})).body.status, 'effective');

  const mail = await smtp.waitFor((m) => m.to === EMAIL && m.subject.includes(o.declarationNo));
  assert.equal(mail.subject, `Release notice ${o.declarationNo} / 放行通知书`);
  assert.match(mail.text, new RegExp(`released the goods of declaration ${o.declarationNo} \\(inspection ${o.orderNo}\\)`));
  assert.match(mail.text, /Correction: Net mass \(kg\) \/ 净重（千克）: declared 120\.5, found 146\.6/);
  assert.match(mail.text, /海关已于 .+ 放行报关单/);
  const att = mail.parsed.attachments.find((x) => x.contentType === 'application/pdf');
  assert.ok(att, 'a PDF is attached');
  assert.equal(att.filename, `release-notice-${o.declarationNo}.pdf`);
  const text = spawnSync('pdftotext', ['-', '-'], { input: att.content, encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  for (const want of ['Release notice / 放行通知书', o.declarationNo, o.orderNo, 'Released with correction / 更正后放行', 'declared / 申报 120.5 → found / 查验 146.6', 'Key fingerprint']) {
    assert.ok(text.includes(want), `the PDF says "${want}": ${text}`);
  }
  // only enterprise users with an address: nobody else of Alpha, no customs staff
  await until(async () => (await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'release_notice.sent'), eq(auditLog.targetId, d.body.id)))).length === 1);
  assert.equal(smtp.received.filter((m) => m.subject.includes(o.declarationNo)).length, 1);
  // a repeated delivery of the event sends nothing more
  assert.equal(await sendReleaseNotice(t.ctx, d.body.id), 0);
  assert.equal(smtp.received.filter((m) => m.subject.includes(o.declarationNo)).length, 1);
});

test('a hold sends no release notice', async () => {
  const o = await orderInProgress(t, a);
  const d = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'hold', reason: 'papers missing' });
  assert.equal(d.status, 201, d.text);
  await a.sup.post(`/api/decisions/${d.body.id}/approve`, {});
  assert.equal(await sendReleaseNotice(t.ctx, d.body.id), 0);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(smtp.received.filter((m) => m.subject.includes(o.declarationNo)).length, 0);
});
