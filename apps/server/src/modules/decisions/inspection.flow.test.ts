// Findings and decisions through the API on a real database (PGlite; Postgres with DATABASE_URL): a full inspection
// from a filed declaration to release, the four-eyes rule, the enterprise's view, signed records that never change,
// suggestions, key rotation and retention.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { and, asc, eq, sql } from 'drizzle-orm';
import { verifySignedRecord } from '@rvi/evidence';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, findings, inspectionOrders, orderTransitions, riskLabels, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor } from '../../platform/actor.ts';
import { addSuggestedFindings } from '../findings/findings.service.ts';
import { anonymous, client, orderInProgress, otherOfficeSupervisor, setUpActors, type Actors, type Client } from '../findings/findings.test-helpers.ts';

let t: TestApp;
let a: Actors;
let pd: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  a = await setUpActors(t);
  pd = await otherOfficeSupervisor(t);
});
after(async () => t?.close());

async function auditOf(targetId: string): Promise<string[]> {
  const rows = await t.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(asc(auditLog.seq));
  return rows.map((r) => r.action);
}

const step = (stepKey: string, stepResult = 'pass') => ({ kind: 'step', stepKey, stepResult });

test('full inspection: declaration → order → findings → release signed by the inspector takes effect at once', async () => {
  const o = await orderInProgress(t, a);
  const url = `/api/orders/${o.id}/findings`;

  // 401, then 404 (another enterprise) / 403 (role or not the assigned inspector), then 400, then the happy path.
  assert.equal(await anonymous(t, 'POST', url, step('seal_intact')), 401);
  assert.equal((await a.beta.post(url, step('seal_intact'))).status, 404);
  assert.equal((await a.alpha.post(url, step('seal_intact'))).status, 403);
  assert.equal((await a.inspector2.post(url, step('seal_intact'))).status, 403);
  assert.equal((await a.sup.post(url, step('seal_intact'))).status, 403);
  const bad = await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_finding');
  assert.match(bad.body.error.message, /severity/);
  assert.equal((await a.inspector1.post(url, { kind: 'step', stepKey: 'Bad Step!', stepResult: 'pass' })).status, 400);
  assert.equal((await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity', severity: 'minor', surprise: 1 })).status, 400);

  for (const s of ['seal_intact', 'container_number', 'packaging_marks', 'goods_description', 'quantity_count', 'origin_marking', 'hs_consistency']) {
    const r = await a.inspector1.post(url, step(s));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.signature.valid, true);
  }
  const again = await a.inspector1.post(url, step('seal_intact', 'fail'));
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'step_already_recorded');

  const minor = await a.inspector1.post(url, {
    kind: 'discrepancy', type: 'description', severity: 'minor', field: 'goodsDescription', declared: 'Mobile phones, 200 cartons',
    observed: 'Mobile phones, 200 cartons (one carton label smudged)',
    evidence: { snapshots: ['snap-1'], recordings: [{ recordingId: 'rec-1', start: '2026-01-01T10:00:00.000Z', end: '2026-01-01T10:00:05.000Z' }], readings: [] },
  });
  assert.equal(minor.status, 201, minor.text);
  assert.equal(minor.body.signer.id, a.inspector1.userId);
  assert.equal(minor.body.current, true);
  // The stored envelope names the signing user and time, and verifies against the published keys.
  const [row] = await t.ctx.db.select().from(findings).where(eq(findings.id, minor.body.id));
  const env = row.envelope as { record: { signedBy: { id: string; username: string }; signedAt: string }; signedAt: string };
  assert.equal(env.record.signedBy.id, a.inspector1.userId);
  assert.equal(env.record.signedBy.username, 'inspector1');
  assert.equal(env.record.signedAt, env.signedAt);
  const keys = (await t.app.inject({ method: 'GET', url: '/api/keys' })).json();
  assert.equal(verifySignedRecord(row.envelope, keys.keys).ok, true);

  // The inspector's view: declared values, checklist, findings; nothing pending.
  const view = await a.inspector1.get(`/api/orders/${o.id}/inspection`);
  assert.equal(view.status, 200);
  assert.equal(view.body.findings.length, 8);
  assert.equal(view.body.can.decide, true);
  assert.equal(view.body.can.approve, false);
  assert.equal((await a.alpha.get(`/api/orders/${o.id}/inspection`)).status, 404, 'the inspection view is customs-only');

  // Release: no significant finding → no approval; takes effect when signed.
  const before = Date.now();
  const dec = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' });
  assert.equal(dec.status, 201, dec.text);
  assert.equal(dec.body.requiresApproval, false);
  assert.equal(dec.body.status, 'effective');
  assert.ok(Date.parse(dec.body.releasedAt) >= before - 5);
  assert.equal(dec.body.signature.valid, true);

  const [ord] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.id));
  assert.equal(ord.state, 'closed');
  const path = await t.ctx.db.select({ to: orderTransitions.toState }).from(orderTransitions).where(eq(orderTransitions.orderId, o.id)).orderBy(asc(orderTransitions.at));
  assert.deepEqual(path.map((p) => p.to).slice(-4), ['in_progress', 'inspected', 'decided', 'closed']);
  const [decl] = await t.ctx.db.select().from(declarations).where(eq(declarations.id, o.declarationId));
  assert.equal(decl.status, 'released');
  const [label] = await t.ctx.db.select().from(riskLabels).where(eq(riskLabels.declarationId, o.declarationId));
  assert.deepEqual({ fraud: label.fraud, critical: label.critical, source: label.source }, { fraud: false, critical: false, source: 'inspection:release' });
  assert.deepEqual(await auditOf(dec.body.id), ['decision.signed', 'decision.effective']);
  assert.deepEqual((await auditOf(o.id)).slice(-3), ['order.inspected', 'order.decided', 'order.closed']);
  assert.deepEqual(await auditOf(minor.body.id), ['finding.recorded']);

  // Closed: nothing more can be recorded or decided.
  const late = await a.inspector1.post(url, step('seal_intact', 'fail'));
  assert.equal(late.status, 409);
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' })).status, 409);

  // The enterprise sees the outcome and release time and the finding about its goods, never the score or why it was selected.
  const out = await a.alpha.get(`/api/orders/${o.id}/outcome`);
  assert.equal(out.status, 200);
  assert.equal(out.body.outcome, 'release');
  assert.equal(out.body.releasedAt, dec.body.releasedAt);
  assert.deepEqual(out.body.findings.map((f: { type: string }) => f.type), ['description']);
  for (const word of ['score', 'channel', 'selection', 'risk', 'reason', 'note']) assert.ok(!out.text.includes(`"${word}`), `outcome must not carry ${word}`);
  assert.equal((await a.beta.get(`/api/orders/${o.id}/outcome`)).status, 404, 'another enterprise gets 404');
  const list = await a.alpha.get('/api/outcomes');
  assert.ok(list.body.items.some((x: { orderId: string }) => x.orderId === o.id));
  assert.ok(!list.text.includes('"score'));
  assert.ok(!(await a.beta.get('/api/outcomes')).body.items.some((x: { orderId: string }) => x.orderId === o.id));
});

test('four eyes: a hold waits for a supervisor of the same office who is not the inspector; the outcome becomes a fraud label', async () => {
  const o = await orderInProgress(t, a);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, {
    kind: 'discrepancy', type: 'prohibited_goods', severity: 'critical', field: 'goods', declared: 'Mobile phones', observed: 'Mobile phones and 3 boxes of ivory carvings',
  });
  assert.equal(f.status, 201);
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'hold' })).body.error.code, 'reason_required');
  const dec = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'hold', reason: 'prohibited goods found' });
  assert.equal(dec.status, 201, dec.text);
  assert.equal(dec.body.status, 'pending_approval');
  assert.equal(dec.body.requiresApproval, true);
  const [pending] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.id));
  assert.equal(pending.state, 'inspected');
  // While it waits, nothing is added and no second decision is signed.
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/findings`, step('seal_intact'))).body.error.code, 'decision_pending');
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' })).body.error.code, 'decision_pending');

  const approve = `/api/decisions/${dec.body.id}/approve`;
  assert.equal(await anonymous(t, 'POST', approve, {}), 401);
  assert.equal((await a.inspector1.post(approve, {})).status, 403, 'the inspector cannot approve');
  assert.equal((await a.inspector2.post(approve, {})).status, 403, 'no inspector can approve');
  assert.equal((await a.auditor.post(approve, {})).status, 403, 'an auditor reads, never approves');
  assert.equal((await pd.post(approve, {})).status, 404, 'a supervisor of another office does not even see it');
  assert.equal((await pd.get('/api/decisions/pending')).body.items.length, 0);
  assert.equal((await a.sup.post(approve, { extra: 1 })).status, 400);

  // The same person cannot sign and approve: the inspector, later made supervisor, is still refused.
  await t.ctx.db.update(users).set({ role: 'supervisor' }).where(eq(users.id, a.inspector1.userId));
  try {
    const promoted = await client(t, 'inspector1');
    const r = await promoted.post(approve, {});
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'four_eyes');
  } finally {
    await t.ctx.db.update(users).set({ role: 'inspector' }).where(eq(users.id, a.inspector1.userId));
  }

  const queue = await a.sup.get('/api/decisions/pending');
  const item = queue.body.items.find((i: { decision: { id: string } }) => i.decision.id === dec.body.id);
  assert.ok(item, 'the decision is in the approval queue');
  assert.equal(item.findings[0].type, 'prohibited_goods');

  const ok = await a.sup.post(approve, { reason: 'confirmed on the recording' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.status, 'effective');
  assert.equal(ok.body.review.verdict, 'approved');
  assert.equal(ok.body.review.signer.id, a.sup.userId);
  assert.equal(ok.body.review.signature.valid, true);
  assert.equal(ok.body.releasedAt, null);
  assert.equal((await a.sup.post(approve, {})).body.error.code, 'already_reviewed');

  const [decl] = await t.ctx.db.select().from(declarations).where(eq(declarations.id, o.declarationId));
  assert.equal(decl.status, 'held');
  const [label] = await t.ctx.db.select().from(riskLabels).where(eq(riskLabels.declarationId, o.declarationId));
  assert.deepEqual({ fraud: label.fraud, critical: label.critical }, { fraud: true, critical: true });
  const reviewAudit = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetType, 'decision_review'), eq(auditLog.targetId, ok.body.review.id)));
  assert.equal(reviewAudit[0].action, 'decision.approved');
  assert.equal(reviewAudit[0].actorId, a.sup.userId);
  const out = await a.alpha.get(`/api/orders/${o.id}/outcome`);
  assert.equal(out.body.outcome, 'hold');
  assert.equal(out.body.releasedAt, null);
});

test('release with correction needs approval; a rejected decision is followed by a new one', async () => {
  const o = await orderInProgress(t, a);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, { kind: 'discrepancy', type: 'origin', severity: 'significant', field: 'countryOfOrigin', declared: 'CN', observed: 'VN' });
  assert.equal(f.status, 201);
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release_with_correction', reason: 'origin' })).body.error.code, 'corrections_required');
  assert.equal((await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release', corrections: [{ field: 'x', corrected: 'y' }] })).body.error.code, 'corrections_not_allowed');
  // A plain release with a significant finding is possible, but only with approval.
  const first = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' });
  assert.equal(first.body.requiresApproval, true);
  const rej = await a.sup.post(`/api/decisions/${first.body.id}/reject`, { reason: 'the origin must be corrected' });
  assert.equal(rej.status, 200, rej.text);
  assert.equal(rej.body.status, 'rejected');
  assert.equal((await a.sup.post(`/api/decisions/${first.body.id}/reject`, {})).status, 400, 'a rejection needs a reason');

  const notice = await a.alpha.post(`/api/declarations/${o.declarationId}/arrival-notices`, { expectedArrivalAt: '2030-01-07T09:30:00+08:00', location: 'Yangshan T4', containerNumbers: ['MSCU1234566'], goodsSummary: '24 cartons' });
  assert.equal(notice.status, 201, notice.text);
  const second = await a.inspector1.post(`/api/orders/${o.id}/decisions`, {
    outcome: 'release_with_correction', reason: 'origin amended to VN', corrections: [{ field: 'countryOfOrigin', declared: 'CN', corrected: 'VN', findingId: f.body.id }],
  });
  assert.equal(second.status, 201, second.text);
  assert.equal(second.body.status, 'pending_approval');
  const ok = await a.sup.post(`/api/decisions/${second.body.id}/approve`, {});
  assert.equal(ok.body.status, 'effective');
  assert.ok(ok.body.releasedAt);
  const out = await a.alpha.get(`/api/orders/${o.id}/outcome`);
  assert.equal(out.body.outcome, 'release_with_correction');
  assert.deepEqual(out.body.corrections, [{ field: 'countryOfOrigin', declared: 'CN', corrected: 'VN' }]);
  // after the release the arrival notice shows its final state, and the enterprise amends the corrected field
  const decl = await a.alpha.get(`/api/declarations/${o.declarationId}`);
  assert.deepEqual([decl.body.status, decl.body.arrivalNotices[0].status], ['released', 'cleared']);
  const amend = await a.alpha.post(`/api/declarations/${o.declarationId}/amendments`, { changes: [{ field: 'countryOfOrigin', to: 'VN' }], reason: 'as customs corrected it' });
  assert.equal(amend.status, 201, amend.text);
  assert.equal((await a.sup.post(`/api/amendments/${amend.body.id}/decision`, { accept: true })).body.resultVersion, 2);
  assert.equal((await a.alpha.get(`/api/declarations/${o.declarationId}`)).body.countryOfOrigin, 'VN');
  const [label] = await t.ctx.db.select().from(riskLabels).where(eq(riskLabels.declarationId, o.declarationId));
  assert.deepEqual({ fraud: label.fraud, critical: label.critical }, { fraud: true, critical: false });
});

test('signed records are never changed: API edits refused (409), the database refuses UPDATE, corrections are new records, tampering shows', async () => {
  const o = await orderInProgress(t, a);
  const url = `/api/orders/${o.id}/findings`;
  const orig = await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity', severity: 'minor', field: 'netMassKg', declared: '120.5', observed: '118' });
  for (const call of [a.inspector1.put(`/api/findings/${orig.body.id}`, { observed: '120' }), a.inspector1.patch(`/api/findings/${orig.body.id}`, {}), a.inspector1.del(`/api/findings/${orig.body.id}`)]) {
    const r = await call;
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'signed_record_immutable');
  }
  // enterprises never touch findings: 403 for the owner and for others alike, so the answer tells nothing about the id
  assert.equal((await a.beta.del(`/api/findings/${orig.body.id}`)).status, 403);
  assert.equal((await a.alpha.del(`/api/findings/${orig.body.id}`)).status, 403);
  await assert.rejects(t.ctx.db.update(findings).set({ observedValue: '120' }).where(eq(findings.id, orig.body.id)),
    (e: Error & { cause?: Error }) => /signed and never changed/.test(`${e.message} ${e.cause?.message ?? ''}`));

  const corr = await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity', severity: 'minor', field: 'netMassKg', declared: '120.5', observed: '119.8', corrects: orig.body.id });
  assert.equal(corr.status, 201, corr.text);
  assert.equal(corr.body.corrects, orig.body.id);
  const twice = await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity', severity: 'minor', observed: '1', corrects: orig.body.id });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'already_corrected');
  assert.equal((await a.inspector1.post(url, { kind: 'step', stepKey: 'seal_intact', stepResult: 'pass', corrects: corr.body.id })).body.error.code, 'invalid_correction');
  const retract = await a.inspector1.post(url, { kind: 'discrepancy', type: 'quantity', severity: 'minor', corrects: corr.body.id, retracted: true });
  assert.equal(retract.status, 201);
  const view = (await a.inspector1.get(`/api/orders/${o.id}/inspection`)).body;
  const byId = new Map(view.findings.map((f: { id: string }) => [f.id, f]));
  assert.deepEqual([orig.body.id, corr.body.id, retract.body.id].map((id) => (byId.get(id) as { current: boolean }).current), [false, false, false]);
  assert.equal((byId.get(orig.body.id) as { correctedBy: string }).correctedBy, corr.body.id);
  assert.deepEqual(await auditOf(corr.body.id), ['finding.corrected']);
  assert.deepEqual(await auditOf(retract.body.id), ['finding.retracted']);

  // Someone with database rights disables the trigger and edits a column: the signature check shows it.
  if (t.ctx.database.kind === 'pglite' || t.ctx.database.kind === 'postgres') {
    await t.ctx.db.transaction(async (txx) => {
      const tx = txx as unknown as Db;
      await tx.execute(sql`alter table findings disable trigger findings_no_update`);
      await tx.update(findings).set({ observedValue: '130' }).where(eq(findings.id, orig.body.id));
      await tx.execute(sql`alter table findings enable trigger findings_no_update`);
    });
    const tampered = await a.sup.get(`/api/findings/${orig.body.id}`);
    assert.equal(tampered.body.signature.valid, false);
    assert.ok(tampered.body.signature.problems.some((p: string) => p.startsWith('observed:')), tampered.body.signature.problems.join('; '));
  }
});

test('suggested findings: the inspector accepts one (it becomes a signed finding) and dismisses another', async () => {
  const o = await orderInProgress(t, a);
  const [s1, s2] = await addSuggestedFindings(t.ctx.db, systemActor('vision'), o.id, [
    { field: 'countryOfOrigin', declared: 'CN', observed: 'MADE IN VIETNAM', confidence: 0.91, evidence: { snapshotId: 'snap-7', box: [10, 20, 200, 40], text: 'MADE IN VIETNAM' } },
    { field: 'netMassKg', declared: '120.5', observed: '12.05', confidence: 0.42, evidence: { snapshotId: 'snap-8', box: null, text: 'N.W. 12.05KG' } },
  ]);
  const acc = await a.inspector1.post(`/api/suggestions/${s1.id}/accept`, { severity: 'significant' });
  assert.equal(acc.status, 201, acc.text);
  assert.equal(acc.body.type, 'origin');
  assert.equal(acc.body.suggestionId, s1.id);
  assert.deepEqual(acc.body.evidence.snapshots, ['snap-7']);
  assert.equal((await a.inspector1.post(`/api/suggestions/${s1.id}/accept`, { severity: 'minor' })).body.error.code, 'suggestion_resolved');
  assert.equal((await a.inspector2.post(`/api/suggestions/${s2.id}/dismiss`, { reason: 'not mine' })).status, 403);
  assert.equal((await a.inspector1.post(`/api/suggestions/${s2.id}/dismiss`, {})).status, 400);
  const dis = await a.inspector1.post(`/api/suggestions/${s2.id}/dismiss`, { reason: 'decimal point misread on the label' });
  assert.equal(dis.status, 200);
  assert.equal(dis.body.status, 'dismissed');
  const view = (await a.inspector1.get(`/api/orders/${o.id}/inspection`)).body;
  const status = new Map(view.suggestions.map((s: { id: string; status: string }) => [s.id, s.status]));
  assert.deepEqual([status.get(s1.id), status.get(s2.id)], ['accepted', 'dismissed']);
  assert.deepEqual(await auditOf(s2.id), ['finding.suggested', 'finding.suggestion_dismissed']);
});

test('weight findings: declared vs weighed in kg, the severity from the office\'s tolerance unless the inspector gives one; a vision weight suggestion becomes one', async () => {
  const o = await orderInProgress(t, a);
  const url = `/api/orders/${o.id}/findings`;
  const view = (await a.inspector1.get(`/api/orders/${o.id}/inspection`)).body;
  assert.equal(view.weightTolerancePct, 5, 'the office\'s tolerance (default 5 %) is in the inspector\'s view');
  assert.ok('grossMassKg' in view.declaration);
  // 300 kg declared, 346.6 kg weighed: 15.5 % over a 5 % tolerance → significant
  const over = await a.inspector1.post(url, { kind: 'discrepancy', type: 'weight', field: 'netMassKg', declared: '300', observed: '346,6 kg' });
  assert.equal(over.status, 201, over.text);
  assert.deepEqual([over.body.type, over.body.severity, over.body.field], ['weight', 'significant', 'netMassKg']);
  const [audit] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'finding.recorded'), eq(auditLog.targetId, over.body.id)));
  assert.deepEqual((audit.summary as { weight: unknown }).weight, { declaredKg: 300, observedKg: 346.6, differencePct: 15.5, tolerancePct: 5, withinTolerance: false });
  // within the tolerance → minor; the field defaults to the gross mass
  const within = await a.inspector1.post(url, { kind: 'discrepancy', type: 'weight', declared: '1 200', observed: '1180' });
  assert.equal(within.status, 201, within.text);
  assert.deepEqual([within.body.severity, within.body.field], ['minor', 'grossMassKg']);
  // the inspector's own severity stands
  assert.equal((await a.inspector1.post(url, { kind: 'discrepancy', type: 'weight', declared: '300', observed: '301', severity: 'critical' })).body.severity, 'critical');
  // bad input names the field
  for (const [body, field] of [
    [{ declared: '300', observed: 'heavy' }, 'body.observed'], [{ declared: '', observed: '300' }, 'body.declared'], [{ declared: '-3', observed: '300' }, 'body.declared'],
    [{ declared: '300', observed: '310', field: 'colour' }, 'body.field'],
  ] as const) {
    const r = await a.inspector1.post(url, { kind: 'discrepancy', type: 'weight', ...body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.details[0].field, field, JSON.stringify(body));
  }
  // a weight read by vision from a label: accepted as a weight finding on the declaration's net mass
  const [s1] = await addSuggestedFindings(t.ctx.db, systemActor('vision'), o.id, [
    { field: 'netWeight', declared: '300', observed: '346.6', confidence: 0.8, evidence: { snapshotId: 'snap-w', box: null, text: 'N.W. 346.6 KG' } },
  ]);
  const acc = await a.inspector1.post(`/api/suggestions/${s1.id}/accept`, { severity: 'significant' });
  assert.equal(acc.status, 201, acc.text);
  assert.deepEqual([acc.body.type, acc.body.field], ['weight', 'netMassKg']);
});

test('keys: published without login; rotation is for administrators, audited, and old signatures still verify', async () => {
  const pub = await t.app.inject({ method: 'GET', url: '/api/keys' });
  assert.equal(pub.statusCode, 200);
  const before = pub.json();
  assert.equal(before.keys.length, 1);
  assert.equal(before.keys[0].retiredAt, null);
  assert.equal(await anonymous(t, 'POST', '/api/keys/rotate'), 401);
  assert.equal((await a.sup.post('/api/keys/rotate')).status, 403);
  const o = await orderInProgress(t, a);
  const old = await a.inspector1.post(`/api/orders/${o.id}/findings`, step('seal_intact'));
  const rot = await a.admin.post('/api/keys/rotate');
  assert.equal(rot.status, 200, rot.text);
  assert.equal(rot.body.keys.length, 2);
  assert.notEqual(rot.body.activeKeyId, before.activeKeyId);
  assert.ok(rot.body.keys[0].retiredAt);
  assert.deepEqual(await auditOf(rot.body.activeKeyId), ['keys.rotated']);
  const fresh = await a.inspector1.post(`/api/orders/${o.id}/findings`, step('container_number'));
  assert.equal(fresh.body.signature.keyId, rot.body.activeKeyId);
  const again = await a.sup.get(`/api/findings/${old.body.id}`);
  assert.equal(again.body.signature.keyId, before.activeKeyId);
  assert.equal(again.body.signature.valid, true, again.body.signature.problems.join('; '));
});

test('retention: nothing under retention is deleted (409 with the date); periods never below the legal minimum; deletion asked for is audited', async () => {
  const o = await orderInProgress(t, a);
  const [s] = await addSuggestedFindings(t.ctx.db, systemActor('vision'), o.id, [{ field: 'hs6', declared: '851762', observed: '851712', confidence: 0.5, evidence: { snapshotId: null } }]);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, step('seal_intact'));
  const url = '/api/retention/deletion-requests';
  const body = { recordType: 'findings', recordId: f.body.id, reason: 'test: delete a fresh finding' };
  assert.equal(await anonymous(t, 'POST', url, body), 401);
  assert.equal((await a.sup.post(url, body)).status, 403);
  assert.equal((await a.admin.post(url, { ...body, recordType: 'passwords' })).status, 400);
  const refused = await a.admin.post(url, body);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'under_retention');
  const until = new Date(refused.body.error.details.retainUntil);
  assert.equal(until.getUTCFullYear() - new Date().getUTCFullYear(), 10);
  assert.match(refused.body.error.message, /P10Y/);

  const pol = await a.admin.get('/api/retention');
  assert.equal(pol.body.items.find((i: { recordType: string }) => i.recordType === 'recordings').period, 'P5Y');
  assert.equal((await a.admin.put('/api/retention/suggested_findings', { period: 'ten years' })).body.error.code, 'invalid_period');
  assert.equal((await a.sup.put('/api/retention/suggested_findings', { period: 'PT0S' })).status, 403);
  assert.equal((await a.admin.put('/api/retention/suggested_findings', { period: 'PT0S' })).body.error.code, 'below_legal_minimum');
  const set = await a.admin.put('/api/retention/suggested_findings', { period: 'P1Y' });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.items.find((i: { recordType: string }) => i.recordType === 'suggested_findings').source, 'configured');
  const del = await a.admin.post(url, { recordType: 'suggested_findings', recordId: s.id, reason: 'test: delete a fresh suggestion' });
  assert.equal(del.status, 409, del.text);
  assert.equal(del.body.error.code, 'under_retention');
  assert.deepEqual(await auditOf(s.id), ['finding.suggested']);
  assert.deepEqual(await auditOf('suggested_findings'), ['retention.changed']);
});
