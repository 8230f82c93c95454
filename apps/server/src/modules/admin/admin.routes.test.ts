// Administration through the API on a real database: users (create, role ↔ organisation, deactivate, password),
// organisations (offices, enterprises with rating and supervising office), devices; authorisation, validation,
// lock-out protection and the audit trail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { asc, eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, users } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { updateUser } from './admin.service.ts';

let t: TestApp;
const cookies: Record<string, string> = {};

async function call(user: string | null, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  const r = await t.app.inject({ method, url, headers: user ? { cookie: cookies[user] } : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
  let body: any = null;
  try { body = r.json(); } catch { body = null; }
  return { status: r.statusCode, body, text: r.body };
}

async function auditOf(id: string): Promise<{ action: string; summary: any }[]> {
  return t.ctx.db.select({ action: auditLog.action, summary: auditLog.summary }).from(auditLog).where(eq(auditLog.targetId, id)).orderBy(asc(auditLog.seq));
}

before(async () => {
  t = await startTestApp({}, { jobs: false });
  for (const u of ['admin', 'supervisor', 'inspector1', 'alpha.user', 'auditor']) cookies[u] = await t.login(u);
});
after(async () => t?.close());

test('only administrators manage users, organisations and devices', async () => {
  const routes: ['GET' | 'POST' | 'PATCH', string, unknown?][] = [
    ['GET', '/api/admin/users'], ['POST', '/api/admin/users', { username: 'x.user', displayName: 'X', role: 'inspector', orgId: t.orgs.office, password: 'long-enough-pw' }],
    ['PATCH', `/api/admin/users/${t.orgs.office}`, { displayName: 'X' }], ['GET', '/api/admin/organisations'],
    ['POST', '/api/admin/organisations', { kind: 'customs_office', name: 'X', code: 'CUS-X' }], ['PATCH', `/api/admin/organisations/${t.orgs.alpha}`, { name: 'X' }],
    ['GET', '/api/admin/devices'],
  ];
  for (const [m, url, body] of routes) {
    assert.equal((await call(null, m, url, body)).status, 401, `${m} ${url} anonymous`);
    for (const u of ['supervisor', 'inspector1', 'alpha.user', 'auditor']) {
      const r = await call(u, m, url, body);
      assert.equal(r.status, 403, `${m} ${url} as ${u}`);
    }
  }
});

test('users: create with a fitting role, log in, change role, deactivate (sessions end at once), audited', async () => {
  const bad = await call('admin', 'POST', '/api/admin/users', { username: 'New User', displayName: '', role: 'chief', orgId: t.orgs.office, password: 'short' });
  assert.equal(bad.status, 400);
  for (const f of ['body.username', 'body.displayName', 'body.role', 'body.password']) assert.ok(bad.body.error.details.some((d: any) => d.field === f), f);
  const mismatch = await call('admin', 'POST', '/api/admin/users', { username: 'alpha.inspector', displayName: 'Wrong', role: 'inspector', orgId: t.orgs.alpha, password: 'long-enough-pw' });
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.body.error.code, 'role_org_mismatch');
  const unknownOrg = await call('admin', 'POST', '/api/admin/users', { username: 'lost.user', displayName: 'Lost', role: 'inspector', orgId: 'no-such-org', password: 'long-enough-pw' });
  assert.equal(unknownOrg.body.error.code, 'unknown_org');

  const created = await call('admin', 'POST', '/api/admin/users', { username: 'inspector3', displayName: 'Li Lei (inspector)', role: 'inspector', orgId: t.orgs.office, password: 'inspector3-password', locale: 'zh-CN' });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual([created.body.username, created.body.role, created.body.orgKind, created.body.active, created.body.locale], ['inspector3', 'inspector', 'customs_office', true, 'zh-CN']);
  assert.ok(!created.text.includes('password'), 'no password or hash in the answer');
  const [row] = await t.ctx.db.select().from(users).where(eq(users.id, created.body.id));
  assert.match(row.passwordHash, /^\$argon2id\$/);
  assert.equal((await call('admin', 'POST', '/api/admin/users', { username: 'inspector3', displayName: 'Again', role: 'inspector', orgId: t.orgs.office, password: 'long-enough-pw' })).body.error.code, 'username_taken');

  cookies.inspector3 = await t.login('inspector3', 'inspector3-password');
  const first = await call('inspector3', 'GET', '/api/auth/me');
  assert.equal(first.status, 200);
  assert.equal(first.body.mustChangePassword, true, 'the administrator chose this password: the user must choose their own');
  assert.deepEqual(first.body.can, {});
  const blocked = await call('inspector3', 'GET', '/api/declarations');
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.error.code, 'password_change_required');
  const wrong = await call('inspector3', 'POST', '/api/auth/password', { currentPassword: 'not-it', newPassword: 'my-own-password-3' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.details[0].field, 'body.currentPassword');
  assert.equal((await call('inspector3', 'POST', '/api/auth/password', { currentPassword: 'inspector3-password', newPassword: 'inspector3-password' })).body.error.code, 'password_unchanged');
  assert.equal((await call('inspector3', 'POST', '/api/auth/password', { currentPassword: 'inspector3-password', newPassword: 'my-own-password-3' })).status, 204);
  assert.equal((await call('inspector3', 'GET', '/api/auth/me')).body.mustChangePassword, false);
  assert.equal((await call('inspector3', 'GET', '/api/declarations')).status, 200, 'the same session goes on with the new password');

  const promoted = await call('admin', 'PATCH', `/api/admin/users/${created.body.id}`, { role: 'supervisor', reason: 'acting supervisor' });
  assert.equal(promoted.status, 200, promoted.text);
  assert.equal(promoted.body.role, 'supervisor');
  assert.equal((await call('inspector3', 'GET', '/api/auth/me')).status, 401, 'a changed role ends the login session');
  cookies.inspector3 = await t.login('inspector3', 'my-own-password-3');
  assert.equal((await call('inspector3', 'GET', '/api/dashboard/live/queues')).status, 200, 'now a supervisor');

  const off = await call('admin', 'PATCH', `/api/admin/users/${created.body.id}`, { active: false, reason: 'left the service' });
  assert.equal(off.body.active, false);
  assert.equal((await call('inspector3', 'GET', '/api/auth/me')).status, 401);
  const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'inspector3', password: 'my-own-password-3' } });
  assert.equal(login.statusCode, 401, 'a deactivated user cannot log in');

  const back = await call('admin', 'PATCH', `/api/admin/users/${created.body.id}`, { active: true, password: 'a-brand-new-password' });
  assert.equal(back.body.active, true);
  await assert.rejects(t.login('inspector3', 'my-own-password-3'));
  cookies.inspector3 = await t.login('inspector3', 'a-brand-new-password');
  assert.equal((await call('inspector3', 'GET', '/api/auth/me')).body.mustChangePassword, true, 'a reset by an administrator forces a change again');
  const [reset] = await t.ctx.db.select().from(users).where(eq(users.id, created.body.id));
  const [adminRow] = await t.ctx.db.select().from(users).where(eq(users.username, 'admin'));
  assert.deepEqual([reset.passwordSetBy, reset.roleGrantedBy], [adminRow.id, adminRow.id]);

  const trail = (await auditOf(created.body.id)).filter((a) => a.action.startsWith('admin.'));
  assert.deepEqual(trail.map((a) => a.action), ['admin.user_created', 'admin.user_updated', 'admin.user_deactivated', 'admin.user_updated']);
  assert.deepEqual(trail[1].summary.changed, { role: { from: 'inspector', to: 'supervisor' } });
  assert.equal(trail[1].summary.reason, 'acting supervisor');
  assert.ok(trail[1].summary.sessionsEnded >= 1);
  assert.equal(trail[3].summary.passwordChanged, true);
  const own = (await auditOf(created.body.id)).filter((a) => a.action === 'auth.password_changed');
  assert.equal(own.length, 1);
  assert.equal(own[0].summary.wasRequired, true);
  assert.ok(!JSON.stringify(trail).includes('argon2'), 'no hash in the audit log');

  const list = await call('admin', 'GET', '/api/admin/users?q=li%20lei');
  assert.deepEqual(list.body.items.map((u: any) => u.username), ['inspector3']);
  const inspectors = await call('admin', 'GET', `/api/admin/users?orgId=${t.orgs.office}&role=inspector`);
  assert.deepEqual(inspectors.body.items.map((u: any) => u.username).sort(), ['inspector1', 'inspector2']);
  assert.equal((await call('admin', 'GET', '/api/admin/users?role=chief')).status, 400);
  assert.equal((await call('admin', 'PATCH', `/api/admin/users/${created.body.id}`, {})).status, 400, 'an empty change is refused');
  assert.equal((await call('admin', 'PATCH', '/api/admin/users/no-such-user', { displayName: 'X' })).status, 404);
});

test('administrators cannot lock the platform out', async () => {
  const [me] = await t.ctx.db.select().from(users).where(eq(users.username, 'admin'));
  const self = await call('admin', 'PATCH', `/api/admin/users/${me.id}`, { active: false });
  assert.equal(self.status, 409);
  assert.equal(self.body.error.code, 'self_lockout');
  assert.equal((await call('admin', 'PATCH', `/api/admin/users/${me.id}`, { role: 'auditor' })).body.error.code, 'self_lockout');
  assert.equal((await call('admin', 'PATCH', `/api/admin/users/${me.id}`, { displayName: 'Liu Yang' })).status, 200, 'own name is fine');
  // The last active administrator cannot be removed, even by a system caller (CLI).
  await assert.rejects(updateUser(t.ctx, systemActor('test'), me.id, { active: false }), (e: any) => e.code === 'last_administrator');
});

test('organisations: offices and enterprises with credit rating and supervising office, audited', async () => {
  const office = await call('admin', 'POST', '/api/admin/organisations', { kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  assert.equal(office.status, 201, office.text);
  assert.equal(office.body.kind, 'customs_office');
  const noOffice = await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Gamma', code: 'ENT-GAMMA' });
  assert.equal(noOffice.body.error.code, 'supervising_office_required');
  const officeRated = await call('admin', 'POST', '/api/admin/organisations', { kind: 'customs_office', name: 'X', code: 'CUS-X', creditRating: 'A' });
  assert.equal(officeRated.body.error.code, 'invalid_org');
  const enterpriseAsOffice = await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Gamma', code: 'ENT-GAMMA', supervisingOfficeId: t.orgs.alpha });
  assert.equal(enterpriseAsOffice.body.error.code, 'invalid_org');
  assert.equal((await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Gamma', code: 'ent gamma', supervisingOfficeId: t.orgs.office })).status, 400);
  assert.equal((await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Gamma', code: 'ENT-GAMMA', supervisingOfficeId: t.orgs.office, creditRating: 'Z' })).status, 400);
  assert.equal((await call('admin', 'POST', '/api/admin/organisations', { kind: 'customs_office', name: 'X', code: 'CUS-TZ', timeZone: 'Mars/Olympus' })).body.error.code, 'invalid_time_zone');

  const gamma = await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Gamma Logistics', code: 'ENT-GAMMA', supervisingOfficeId: t.orgs.office, creditRating: 'AA' });
  assert.equal(gamma.status, 201, gamma.text);
  assert.deepEqual([gamma.body.supervisingOfficeName, gamma.body.creditRating, gamma.body.timeZone, gamma.body.users], ['Yangshan Port Customs', 'AA', 'Asia/Shanghai', 0]);
  assert.equal((await call('admin', 'POST', '/api/admin/organisations', { kind: 'enterprise', name: 'Dup', code: 'ENT-GAMMA', supervisingOfficeId: t.orgs.office })).body.error.code, 'org_code_taken');

  const downgraded = await call('admin', 'PATCH', `/api/admin/organisations/${gamma.body.id}`, { creditRating: 'C', supervisingOfficeId: office.body.id, reason: 'audit findings' });
  assert.equal(downgraded.status, 200);
  assert.deepEqual([downgraded.body.creditRating, downgraded.body.supervisingOfficeName], ['C', 'Pudong Airport Customs']);
  assert.equal((await call('admin', 'PATCH', `/api/admin/organisations/${office.body.id}`, { creditRating: 'A' })).body.error.code, 'invalid_org');
  assert.equal((await call('admin', 'PATCH', '/api/admin/organisations/no-such-org', { name: 'X' })).status, 404);
  const trail = await auditOf(gamma.body.id);
  assert.deepEqual(trail.map((a) => a.action), ['admin.org_created', 'admin.org_updated']);
  assert.deepEqual(trail[1].summary.changed.creditRating, { from: 'AA', to: 'C' });

  // The rating feeds remote eligibility (rule low-credit-rating): the enterprise's user sees its own org only.
  const staff = await call('admin', 'POST', '/api/admin/users', { username: 'gamma.user', displayName: 'Gamma staff', role: 'enterprise_user', orgId: gamma.body.id, password: 'gamma-password-1' });
  assert.equal(staff.status, 201);
  const orgs = await call('admin', 'GET', '/api/admin/organisations');
  assert.equal(orgs.body.items.find((o: any) => o.code === 'ENT-GAMMA').users, 1);
  assert.ok(orgs.body.items.some((o: any) => o.code === 'CUS-YS' && o.users >= 5));
});

test('devices of every enterprise with their latest connection test', async () => {
  const r = await call('admin', 'GET', '/api/admin/devices');
  assert.equal(r.status, 200);
  const phone = r.body.items.find((d: any) => d.name === 'Warehouse phone');
  assert.equal(phone.orgName, 'Alpha Trading Co., Ltd.');
  assert.deepEqual([phone.kind, phone.lastTest.passed], ['phone', true]);
});
