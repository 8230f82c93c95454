// Amendments through the API (issue 18): the enterprise files corrected values after customs decided; bad values get
// 400 naming the change; another enterprise and another office get 404; one waits at a time; customs accept it and
// the declaration becomes version 2 with version 1 kept whole; a refusal needs a note; audit entries and
// notifications are written. PGlite by default, Postgres with DATABASE_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, declarationBody, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, declarationVersions, notifications, organisations, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { client, type Client } from '../orders/orders.test-helpers.ts';

let t: TestApp;
let alpha: Client;
let beta: Client;
let sup: Client;
let insp: Client;
let pd: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  const office2 = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: office2, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: office2, username: 'pd.supervisor', displayName: 'PD supervisor', role: 'supervisor', passwordHash: await hashPassword(TEST_PASSWORD) });
  [alpha, beta, sup, insp, pd] = await Promise.all(['alpha.user', 'beta.user', 'supervisor', 'inspector1', 'pd.supervisor'].map((u) => client(t, u)));
});
after(async () => t?.close());

/** A declaration of Alpha that customs released (the decision's own flow is tested in decisions/). */
async function releasedDeclaration(no: string) {
  const d = await alpha.post('/api/declarations', declarationBody(no, { netMassKg: 300, currency: 'USD', customsValue: 1000 }));
  assert.equal(d.status, 201, d.text);
  await t.ctx.db.update(declarations).set({ status: 'released' }).where(eq(declarations.id, d.body.id));
  return d.body as { id: string; declarationNo: string };
}

test('filing: 401, 403 for customs, 404 for another enterprise, 409 before a decision, 400 naming the change', async () => {
  const filed = await alpha.post('/api/declarations', declarationBody('AM-FILED'));
  const open = { changes: [{ field: 'netMassKg', to: 346.6 }], reason: 'customs weighed the goods' };
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/declarations/${filed.body.id}/amendments`, payload: open })).statusCode, 401);
  const notYet = await alpha.post(`/api/declarations/${filed.body.id}/amendments`, open);
  assert.equal(notYet.status, 409);
  assert.equal(notYet.body.error.code, 'amendment_not_open');
  const d = await releasedDeclaration('AM-100');
  assert.equal((await sup.post(`/api/declarations/${d.id}/amendments`, open)).status, 403);
  assert.equal((await beta.post(`/api/declarations/${d.id}/amendments`, open)).status, 404);
  const cases: [unknown, string][] = [
    [{ changes: [{ field: 'taxRate', to: 3 }], reason: 'x'.repeat(5) }, 'body.changes.0.field'],
    [{ changes: [{ field: 'netMassKg', to: '346' }], reason: 'because' }, 'body.changes.0.to'],
    [{ changes: [{ field: 'netMassKg', to: -1 }], reason: 'because' }, 'body.changes.0.to'],
    [{ changes: [{ field: 'hs6', to: '85176' }], reason: 'because' }, 'body.changes.0.to'],
    [{ changes: [{ field: 'netMassKg', to: 1 }, { field: 'currency', to: 'XXY' }], reason: 'because' }, 'body.changes.1.to'],
    [{ changes: [{ field: 'countryOfOrigin', to: 'QQ' }], reason: 'because' }, 'body.changes.0.to'],
    [{ changes: [{ field: 'netMassKg', to: 300 }], reason: 'because' }, 'body.changes.0.to'],
    [{ changes: [{ field: 'netMassKg', to: 1 }, { field: 'netMassKg', to: 2 }], reason: 'because' }, 'body.changes.1.field'],
    [{ changes: [], reason: 'because' }, 'body.changes'],
    [{ changes: [{ field: 'netMassKg', to: 1 }] }, 'body.reason'],
  ];
  for (const [body, field] of cases) {
    const r = await alpha.post(`/api/declarations/${d.id}/amendments`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.body.error.details.some((x: { field: string }) => x.field === field), `${JSON.stringify(body)} names ${field}: ${r.text}`);
  }
});

test('accepting: version 2 with the new values, version 1 kept, audit and notifications; one pending at a time', async () => {
  const d = await releasedDeclaration('AM-200');
  assert.equal((await alpha.get(`/api/declarations/${d.id}`)).body.can.amend, true);
  assert.equal((await sup.get(`/api/declarations/${d.id}`)).body.can.amend, false);
  const r = await alpha.post(`/api/declarations/${d.id}/amendments`, { changes: [{ field: 'netMassKg', to: 346.6 }, { field: 'customsValue', to: 1150 }], reason: 'Weight and value as customs found them' });
  assert.equal((await alpha.get(`/api/declarations/${d.id}`)).body.can.amend, false, 'not while one waits');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status, 'filed');
  assert.deepEqual(r.body.changes, [{ field: 'netMassKg', from: 300, to: 346.6 }, { field: 'customsValue', from: 1000, to: 1150 }]);
  assert.equal(r.body.can.decide, false, 'the enterprise does not decide');
  const again = await alpha.post(`/api/declarations/${d.id}/amendments`, { changes: [{ field: 'netMassKg', to: 350 }], reason: 'another one' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'amendment_pending');

  const seenBySup = await sup.get(`/api/declarations/${d.id}`);
  assert.equal(seenBySup.body.amendments[0].can.decide, true);
  assert.equal(seenBySup.body.amendments[0].filedByName !== null, true);
  // another office: not found; the enterprise may not decide; a refusal needs a note
  assert.equal((await pd.post(`/api/amendments/${r.body.id}/decision`, { accept: true })).status, 404);
  assert.equal((await alpha.post(`/api/amendments/${r.body.id}/decision`, { accept: true })).status, 403);
  assert.equal((await beta.post(`/api/amendments/${r.body.id}/decision`, { accept: true })).status, 404);
  const noNote = await sup.post(`/api/amendments/${r.body.id}/decision`, { accept: false });
  assert.equal(noNote.status, 400);
  assert.equal(noNote.body.error.details[0].field, 'body.note');
  assert.equal((await sup.post(`/api/amendments/${r.body.id}/decision`, { accept: 'yes' })).status, 400);

  const ok = await insp.post(`/api/amendments/${r.body.id}/decision`, { accept: true, note: 'matches the weighing' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual([ok.body.status, ok.body.resultVersion], ['accepted', 2]);
  assert.equal((await sup.post(`/api/amendments/${r.body.id}/decision`, { accept: true })).body.error.code, 'amendment_decided');

  const now = (await alpha.get(`/api/declarations/${d.id}`)).body;
  assert.deepEqual([now.version, now.netMassKg, now.customsValue], [2, 346.6, 1150]);
  assert.ok(now.amendedAt);
  const [inspector] = await t.ctx.db.select({ name: users.displayName }).from(users).where(eq(users.username, 'inspector1'));
  assert.equal(now.amendments[0].decidedByName, inspector.name);
  const versions = await t.ctx.db.select().from(declarationVersions).where(eq(declarationVersions.declarationId, d.id));
  assert.equal(versions.length, 1);
  assert.equal(versions[0].version, 1);
  assert.equal((versions[0].data as { netMassKg: number }).netMassKg, 300, 'the original is kept');
  const actions = (await t.ctx.db.select({ a: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, d.id)).orderBy(asc(auditLog.seq))).map((x) => x.a);
  assert.deepEqual(actions.filter((a) => a.startsWith('amendment.')), ['amendment.filed', 'amendment.accepted']);
  const alphaUser = (await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, 'alpha.user')))[0].id;
  const told = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, alphaUser), eq(notifications.kind, 'amendment.accepted')));
  assert.equal(told.length, 1);
  const supId = (await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, 'supervisor')))[0].id;
  assert.equal((await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, supId), eq(notifications.kind, 'amendment.filed')))).length >= 1, true);

  // a second amendment may follow; refused with a note, nothing changes
  const second = await alpha.post(`/api/declarations/${d.id}/amendments`, { changes: [{ field: 'countryOfOrigin', to: 'VN' }], reason: 'origin certificate found' });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.body.baseVersion, 2);
  const no = await sup.post(`/api/amendments/${second.body.id}/decision`, { accept: false, note: 'The certificate does not cover these goods' });
  assert.equal(no.body.status, 'rejected');
  const after = (await alpha.get(`/api/declarations/${d.id}`)).body;
  assert.deepEqual([after.version, after.countryOfOrigin, after.amendments[0].decisionNote], [2, 'CN', 'The certificate does not cover these goods']);
});
