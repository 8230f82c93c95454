// Retention cannot destroy live evidence (issue 13, item 1), through the API on a real database (PGlite; Postgres with
// DATABASE_URL): the legal minimum per record type, no deletion of an open or held case, four eyes (a second
// administrator approves; requests expire), a signed tombstone in the audit log, the audit chain still verifying,
// and the automatic sweep following the same rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { canonicalJson, sha256Hex } from '@rvi/evidence';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { auditLog, caseMedia, deletionRequests, findings, organisations, users } from '../../db/schema.ts';
import { systemActor, type Actor } from '../../platform/actor.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { verifyAuditLog } from '../audit/audit.service.ts';
import { client, orderInProgress, setUpActors, type Actors, type Client } from '../findings/findings.test-helpers.ts';
import { registerCaseMedia } from './media.service.ts';
import { parseRetentionMinimums } from '../../platform/retention-config.ts';
import { approveDeletion, requestDeletion, sweepRetention, verifyTombstone } from './retention.service.ts';
import { assertApprovalDuties } from '../../platform/duties.ts';

let t: TestApp;
let a: Actors;
let admin2: Client;
let pdAdmin: Client;

const YEAR = 365.25 * 86_400_000;
const step = (stepKey: string) => ({ kind: 'step', stepKey, stepResult: 'pass' });
const STEPS = ['seal_intact', 'container_number', 'packaging_marks', 'goods_description', 'quantity_count', 'origin_marking', 'hs_consistency'];

async function addUser(username: string, role: string, orgId: string): Promise<Client> {
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId, username, displayName: username, role, passwordHash: await hashPassword(TEST_PASSWORD) });
  return client(t, username);
}

before(async () => {
  t = await startTestApp({}, { jobs: false });
  a = await setUpActors(t);
  admin2 = await addUser('admin2', 'administrator', t.orgs.office);
  const pd = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: pd, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  pdAdmin = await addUser('pd.admin', 'administrator', pd);
  // Snapshots kept for the legal minimum (1 year): the cases below are two years old.
  const r = await a.admin.put('/api/retention/snapshots', { period: 'P1Y' });
  assert.equal(r.status, 200, r.text);
});
after(async () => t?.close());

function actorOf(c: Client, username: string): Actor {
  return { kind: 'user', userId: c.userId, username, role: 'administrator', orgId: t.orgs.office, orgKind: 'customs_office', officeId: t.orgs.office, requestId: null };
}

/** An inspection taken to its end: every checklist step recorded, a clean release (order closed, goods released). */
async function closedCase() {
  const o = await orderInProgress(t, a);
  const ids: string[] = [];
  for (const s of STEPS) {
    const r = await a.inspector1.post(`/api/orders/${o.id}/findings`, step(s));
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  const d = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' });
  assert.equal(d.body.status, 'effective', d.text);
  return { ...o, findingIds: ids };
}

/** An inspection closed with the goods held (a critical finding, a hold approved by the supervisor). */
async function heldCase() {
  const o = await orderInProgress(t, a);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, { kind: 'discrepancy', type: 'prohibited_goods', severity: 'critical', field: 'goods', declared: 'phones', observed: 'phones and ivory' });
  assert.equal(f.status, 201, f.text);
  const d = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'hold', reason: 'prohibited goods found' });
  const ok = await a.sup.post(`/api/decisions/${d.body.id}/approve`, { reason: 'confirmed' });
  assert.equal(ok.body.status, 'effective', ok.text);
  return o;
}

/** A snapshot of the case, made `ageYears` ago (its creation time moved back: time passing, not a rule bypassed). */
async function snapshot(orderId: string, ageYears = 2) {
  const dir = join(t.config.dataDir, 'media');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `snap-${randomUUID()}.jpg`);
  const bytes = Buffer.from(`jpeg bytes ${randomUUID()}`);
  writeFileSync(path, bytes);
  const m = await registerCaseMedia(t.ctx.db, t.config.dataDir, systemActor('session-recorder'), orderId, { kind: 'snapshot', name: `snap-${randomUUID().slice(0, 8)}.jpg`, path, contentType: 'image/jpeg' });
  await t.ctx.db.update(caseMedia).set({ createdAt: new Date(Date.now() - ageYears * YEAR) }).where(eq(caseMedia.id, m.id));
  return { id: m.id, path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const ask = (c: Client, recordType: string, recordId: string, reason = 'retention period over, case closed') =>
  c.post('/api/retention/deletion-requests', { recordType, recordId, reason });

test('legal minimum: a period below it is refused with 400 naming body.period and the minimum; the floor holds in configuration too', async () => {
  for (const [type, period, min] of [['findings', 'P0D', 'P5Y'], ['findings', 'P4Y11M', 'P5Y'], ['snapshots', 'PT0S', 'P1Y'], ['snapshots', 'P364D', 'P1Y'], ['recordings', 'P6M', 'P1Y']]) {
    const r = await a.admin.put(`/api/retention/${type}`, { period });
    assert.equal(r.status, 400, `${type} ${period}: ${r.text}`);
    assert.equal(r.body.error.code, 'below_legal_minimum');
    assert.match(r.body.error.message, new RegExp(`period: .*${min}`));
    assert.equal(r.body.error.details[0].field, 'body.period');
    assert.equal(r.body.error.details[0].minimum, min);
  }
  assert.equal((await a.admin.put('/api/retention/snapshots', { period: 'P1Y' })).status, 200);
  const list = await a.auditor.get('/api/retention');
  const snap = list.body.items.find((i: { recordType: string }) => i.recordType === 'snapshots');
  assert.deepEqual([snap.period, snap.minimum, snap.source], ['P1Y', 'P1Y', 'configured']);
  assert.equal((await a.sup.put('/api/retention/snapshots', { period: 'P2Y' })).status, 403);

  // RVI_RETENTION_MINIMUMS: raises a minimum; never below the floor; names the variable.
  assert.equal(parseRetentionMinimums('findings=P10Y').findings, 'P10Y');
  assert.equal(parseRetentionMinimums('').snapshots, 'P1Y');
  assert.throws(() => parseRetentionMinimums('snapshots=P30D'), /RVI_RETENTION_MINIMUMS: snapshots: P30D is below the floor of P1Y/);
  assert.throws(() => parseRetentionMinimums('passwords=P1Y'), /RVI_RETENTION_MINIMUMS: unknown record type/);
  assert.throws(() => parseRetentionMinimums('findings'), /RVI_RETENTION_MINIMUMS/);
});

test('open case: a signed finding minutes old is refused (409 under_retention); after retention, still refused while the case is open (409 case_open)', async () => {
  const o = await orderInProgress(t, a);
  const f = await a.inspector1.post(`/api/orders/${o.id}/findings`, step('seal_intact'));
  const r = await ask(a.admin, 'findings', f.body.id);
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'under_retention');
  assert.match(r.body.error.message, /under retention \(P10Y\)/);

  const later = new Date(Date.now() + 11 * YEAR);
  await assert.rejects(requestDeletion(t.ctx, actorOf(a.admin, 'admin'), { recordType: 'findings', recordId: f.body.id, reason: 'eleven years later' }, later),
    (e: Error & { code?: string }) => e.code === 'case_open' && /still open \(in_progress\)/.test(e.message));

  const s = await snapshot(o.id);
  const open = await ask(a.admin, 'snapshots', s.id);
  assert.equal(open.status, 409);
  assert.equal(open.body.error.code, 'case_open');
  assert.match(open.body.error.message, /is still open \(in_progress\); evidence of an open case is never deleted/);
  assert.ok(existsSync(s.path));
  assert.equal((await t.ctx.db.select().from(findings).where(eq(findings.id, f.body.id))).length, 1);
});

test('hold: evidence of a case whose goods are held is never deleted (409 case_on_hold)', async () => {
  const o = await heldCase();
  const s = await snapshot(o.id);
  const r = await ask(a.admin, 'snapshots', s.id);
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.error.code, 'case_on_hold');
  assert.match(r.body.error.message, /under a hold \(the goods of declaration .+ are held\)/);
});

test('four eyes: A asks, A cannot approve (403), another office does not see it (404), B approves; the tombstone is signed and the chain verifies', async () => {
  const o = await closedCase();
  const s = await snapshot(o.id);
  // Validation names the field; roles and offices are checked.
  const bad = await a.admin.post('/api/retention/deletion-requests', { recordType: 'snapshots', recordId: s.id, reason: 'x' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /reason/);
  assert.equal((await a.sup.post('/api/retention/deletion-requests', { recordType: 'snapshots', recordId: s.id, reason: 'retention over, closed' })).status, 403);
  assert.equal((await ask(pdAdmin, 'snapshots', s.id)).status, 404, "another office's administrator does not see the record");

  const req = await ask(a.admin, 'snapshots', s.id, 'retention over; case closed and released');
  assert.equal(req.status, 201, req.text);
  assert.equal(req.body.status, 'pending');
  assert.equal(req.body.contentSha256, s.sha256);
  assert.equal((await ask(admin2, 'snapshots', s.id)).body.error.code, 'deletion_pending');

  const approve = `/api/retention/deletion-requests/${req.body.id}/approve`;
  const own = await a.admin.post(approve, {});
  assert.equal(own.status, 403);
  assert.equal(own.body.error.code, 'four_eyes');
  assert.equal((await pdAdmin.post(approve, {})).status, 404);
  assert.equal((await a.sup.post(approve, {})).status, 403);
  assert.equal((await a.auditor.post(approve, {})).status, 403);
  assert.ok(existsSync(s.path), 'nothing deleted before the second administrator approves');

  const ok = await admin2.post(approve, {});
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.deleted, true);
  assert.equal(ok.body.request.status, 'executed');
  assert.ok(!existsSync(s.path), 'the file is gone');
  assert.equal((await t.ctx.db.select().from(caseMedia).where(eq(caseMedia.id, s.id))).length, 0);
  assert.equal((await admin2.post(approve, {})).body.error.code, 'request_decided');

  // The tombstone: in the audit log, signed with the server's key, naming what, its hash, who asked, who approved, why.
  const [entry] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'retention.deleted')).orderBy(asc(auditLog.seq));
  const tomb = (entry.summary as { tombstone: { record: Record<string, any> } }).tombstone;
  assert.deepEqual(tomb, ok.body.tombstone);
  const keys = (await t.app.inject({ method: 'GET', url: '/api/keys' })).json().keys;
  assert.deepEqual(verifyTombstone(tomb, keys).problems, []);
  assert.equal(verifyTombstone(tomb, keys).ok, true);
  assert.deepEqual({
    kind: tomb.record.kind, recordType: tomb.record.recordType, recordId: tomb.record.recordId, orderId: tomb.record.orderId, contentSha256: tomb.record.contentSha256,
    fileSha256AtDeletion: tomb.record.fileSha256AtDeletion, basis: tomb.record.basis, requestedBy: tomb.record.requestedBy.username, approvedBy: tomb.record.approvedBy.username, reason: tomb.record.reason,
  }, {
    kind: 'rvi.tombstone/1', recordType: 'snapshots', recordId: s.id, orderId: o.id, contentSha256: s.sha256, fileSha256AtDeletion: s.sha256, basis: 'four_eyes',
    requestedBy: 'admin', approvedBy: 'admin2', reason: 'retention over; case closed and released',
  });
  assert.equal(tomb.record.retention.minimum, 'P1Y');
  assert.equal(entry.actorId, admin2.userId);
  // A tombstone changed afterwards no longer verifies.
  const forged = JSON.parse(JSON.stringify(tomb));
  forged.record.approvedBy.username = 'admin';
  assert.equal(verifyTombstone(forged, keys).ok, false);
  assert.equal(verifyTombstone({ ...tomb, record: { ...tomb.record, contentSha256: sha256Hex(canonicalJson({ other: 1 })) } }, keys).ok, false);

  // The audit chain (and the checkpoints the server signed) still verify after the deletion.
  const v = await a.auditor.get('/api/audit/verify');
  assert.equal(v.status, 200);
  assert.equal(v.body.ok, true, JSON.stringify(v.body));
  assert.equal((await verifyAuditLog(t.ctx.db)).ok, true);
  const actions = (await t.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, req.body.id))).map((r) => r.action);
  assert.deepEqual(actions, ['retention.deletion_requested']);

  const list = await a.auditor.get('/api/retention/deletion-requests');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((i: { id: string; status: string }) => i.id === req.body.id && i.status === 'executed'));
  assert.equal((await pdAdmin.get('/api/retention/deletion-requests')).body.items.length, 0, 'another office sees none of ours');
});

test('a request expires unapproved (409 request_expired) and then no longer blocks a new one; a rejected request cannot be approved', async () => {
  const o = await closedCase();
  const s = await snapshot(o.id);
  const r1 = await ask(a.admin, 'snapshots', s.id);
  assert.equal(r1.status, 201);
  const late = new Date(Date.parse(r1.body.expiresAt) + 1000);
  assert.equal(Date.parse(r1.body.expiresAt) - Date.parse(r1.body.requestedAt), 72 * 3600_000);
  await assert.rejects(approveDeletion(t.ctx, actorOf(admin2, 'admin2'), r1.body.id, late), (e: Error & { code?: string }) => e.code === 'request_expired');
  assert.ok(existsSync(s.path));
  const [row] = await t.ctx.db.select().from(deletionRequests).where(eq(deletionRequests.id, r1.body.id));
  assert.equal(row.status, 'expired');

  const r2 = await ask(a.admin, 'snapshots', s.id);
  assert.equal(r2.status, 201, r2.text);
  const rej = await admin2.post(`/api/retention/deletion-requests/${r2.body.id}/reject`, { reason: 'still needed for an appeal' });
  assert.equal(rej.status, 200, rej.text);
  assert.equal(rej.body.status, 'rejected');
  assert.equal((await admin2.post(`/api/retention/deletion-requests/${r2.body.id}/approve`, {})).body.error.code, 'request_decided');
  assert.ok(existsSync(s.path));
});

test('a signed finding of a closed case, after its period: deleted only with four eyes, tombstone with the hash of the stored record', async () => {
  const o = await closedCase();
  const later = new Date(Date.now() + 11 * YEAR);
  const [row] = await t.ctx.db.select().from(findings).where(eq(findings.id, o.findingIds[0]));
  const req = await requestDeletion(t.ctx, actorOf(a.admin, 'admin'), { recordType: 'findings', recordId: row.id, reason: 'ten years after the release' }, later);
  await assert.rejects(approveDeletion(t.ctx, actorOf(a.admin, 'admin'), req.id, later), (e: Error & { code?: string }) => e.code === 'four_eyes');
  const done = await approveDeletion(t.ctx, actorOf(admin2, 'admin2'), req.id, later);
  assert.equal(done.tombstone.record.contentSha256, sha256Hex(canonicalJson(JSON.parse(JSON.stringify(row)))));
  assert.equal(done.tombstone.record.facts.signature, (row.envelope as { signature: string }).signature);
  assert.equal((await t.ctx.db.select().from(findings).where(eq(findings.id, row.id))).length, 0);
  assert.equal((await verifyAuditLog(t.ctx.db)).ok, true);
});

test('the automatic sweep follows the same rules: closed cases after the period, never open or held cases; tombstones name the policy', async () => {
  const closed = await closedCase();
  const open = await orderInProgress(t, a);
  const held = await heldCase();
  const sClosed = await snapshot(closed.id);
  const sOpen = await snapshot(open.id);
  const sHeld = await snapshot(held.id);
  const young = await snapshot(closed.id, 0.5);

  const r = await sweepRetention(t.ctx, systemActor('retention-sweep'));
  const swept = r.deleted.map((d) => d.id);
  assert.ok(swept.includes(sClosed.id), JSON.stringify(r));
  for (const kept of [sOpen, sHeld, young]) assert.ok(!swept.includes(kept.id), `${kept.id} must be kept`);
  assert.ok(r.kept.case_open >= 1 && r.kept.case_on_hold >= 1, JSON.stringify(r.kept));
  assert.ok(!existsSync(sClosed.path) && existsSync(sOpen.path) && existsSync(sHeld.path) && existsSync(young.path));

  const [entry] = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, sClosed.id))).filter((e) => e.action === 'retention.deleted');
  const tomb = (entry.summary as { tombstone: { record: Record<string, any> } }).tombstone;
  const keys = (await t.app.inject({ method: 'GET', url: '/api/keys' })).json().keys;
  assert.equal(verifyTombstone(tomb, keys).ok, true);
  assert.equal(tomb.record.basis, 'policy');
  assert.equal(tomb.record.approvedBy, null);
  assert.match(tomb.record.reason, /automatic retention sweep/);

  // Six years on: signed findings (P10Y) of the closed case are still kept; the chain verifies.
  const r6 = await sweepRetention(t.ctx, systemActor('retention-sweep'), new Date(Date.now() + 6 * YEAR));
  assert.ok(!r6.deleted.some((d) => d.recordType === 'findings' || d.recordType === 'decisions'), JSON.stringify(r6.deleted));
  assert.equal((await t.ctx.db.select().from(findings).where(eq(findings.orderId, closed.id))).length, STEPS.length);
  assert.equal((await verifyAuditLog(t.ctx.db)).ok, true);
});

test('separation of duties (issue 13.4): an account an administrator created or reset within the duty window (RVI_DUTY_WINDOW_DAYS) approves neither a deletion nor a decision; an approver with another role in the case is refused', async () => {
  // The attack: administrator A creates a second administrator and a supervisor, sets their passwords (and, logged in
  // as them, "changes" them: the account row then shows the user's own password), then approves with them.
  const made: Record<string, Client> = {};
  for (const [username, role] of [['admin.made', 'administrator'], ['sup.made', 'supervisor']] as const) {
    const r = await a.admin.post('/api/admin/users', { username, displayName: username, role, orgId: t.orgs.office, password: TEST_PASSWORD });
    assert.equal(r.status, 201, r.text);
    await t.ctx.db.update(users).set({ mustChangePassword: false, passwordSetBy: null }).where(eq(users.id, r.body.id));
    made[username] = await client(t, username);
  }
  const o = await closedCase();
  const s = await snapshot(o.id);
  const req = await ask(a.admin, 'snapshots', s.id, 'retention over; case closed and released');
  assert.equal(req.status, 201, req.text);
  const approve = `/api/retention/deletion-requests/${req.body.id}/approve`;
  const refused = await made['admin.made'].post(approve, {});
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body.error.code, 'approver_recently_provisioned');
  assert.match(refused.body.error.message, /created by an administrator/);
  assert.ok(existsSync(s.path), 'nothing deleted');

  // a password reset by an administrator bars the account the same way, even after the user chose a new password
  const reset = await a.admin.patch(`/api/admin/users/${admin2.userId}`, { password: `${TEST_PASSWORD}-reset`, reason: 'forgotten' });
  assert.equal(reset.status, 200, reset.text);
  await t.ctx.db.update(users).set({ mustChangePassword: false, passwordSetBy: null, passwordHash: await hashPassword(TEST_PASSWORD) }).where(eq(users.id, admin2.userId));
  const admin2again = await client(t, 'admin2');
  const r2 = await admin2again.post(approve, {});
  assert.equal(r2.status, 403, r2.text);
  assert.equal(r2.body.error.code, 'approver_recently_provisioned');
  assert.match(r2.body.error.message, /reset \(password\)/);
  // after the window (the service given a later clock) the rule no longer bars it; the request itself expired by then
  const later = new Date(Date.now() + (t.config.dutyWindowDays * 24 + 1) * 3_600_000);
  await assert.rejects(approveDeletion(t.ctx, actorOf(admin2again, 'admin2'), req.body.id, later),
    (e: { code?: string }) => e.code === 'request_expired');

  // a decision: the supervisor the administrator just created cannot approve the hold; a supervisor of long standing can
  const held = await orderInProgress(t, a);
  assert.equal((await a.inspector1.post(`/api/orders/${held.id}/findings`, { kind: 'discrepancy', type: 'prohibited_goods', severity: 'critical', field: 'goods', declared: 'phones', observed: 'phones and ivory' })).status, 201);
  const d = await a.inspector1.post(`/api/orders/${held.id}/decisions`, { outcome: 'hold', reason: 'prohibited goods found' });
  assert.equal(d.body.status, 'pending_approval', d.text);
  const byMade = await made['sup.made'].post(`/api/decisions/${d.body.id}/approve`, { reason: 'confirmed' });
  assert.equal(byMade.status, 403, byMade.text);
  assert.equal(byMade.body.error.code, 'approver_recently_provisioned');
  const [still] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, d.body.id));
  assert.equal(still?.action === 'decision.approved', false);
  const ok = await a.sup.post(`/api/decisions/${d.body.id}/approve`, { reason: 'confirmed' });
  assert.equal(ok.body.status, 'effective', ok.text);

  // no other role in the case: one who recorded findings in it (or asked for what is approved) may not approve it
  await assert.rejects(assertApprovalDuties(t.ctx.db, actorOf(a.sup, 'supervisor'), { otherRoles: [{ userId: a.sup.userId, role: 'an inspector who recorded findings in this case' }] }),
    (e: { code?: string; status?: number; message?: string }) => e.code === 'duty_conflict' && e.status === 403 && /recorded findings/.test(e.message ?? ''));
});
