// Second factor (issue 19.2) through the HTTP API, with codes computed by an independent RFC 6238 implementation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { enrolTotp, totpCode } from '../../../test/totp.ts';
import { auditLog, sessionFactors, totpFactors, users } from '../../db/schema.ts';

let t: TestApp;
before(async () => { t = await startTestApp({ sessionCacheMs: 0, requireSecondFactor: true, stepUpMinutes: 5 }); });
after(async () => t?.close());

const inject = (method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
async function loginRaw(username: string) {
  const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: TEST_PASSWORD } });
  assert.equal(r.statusCode, 200, r.body);
  const c = r.cookies.find((x) => x.name === 'rvi_session')!;
  return { me: r.json(), cookie: `rvi_session=${c.value}`, token: c.value };
}

test('an administrator without a second factor is sent to set one up; TOTP enrolment, login with a code, replay refused, step-up', async () => {
  const first = await loginRaw('admin');
  assert.equal(first.me.secondFactor, 'enrol');
  assert.deepEqual(first.me.can, {});
  const blocked = await inject('GET', '/api/audit', first.cookie);
  assert.equal(blocked.statusCode, 403);
  assert.equal(blocked.json().error.code, 'second_factor_enrolment_required');
  assert.equal((await inject('POST', '/api/auth/factor', first.cookie, { code: '123456' })).statusCode, 403, 'no factor to give yet');

  const early = await inject('POST', '/api/auth/totp/confirm', first.cookie, { code: '123456' });
  assert.equal(early.statusCode, 409);
  assert.equal(early.json().error.code, 'totp_not_started');

  const e = await inject('POST', '/api/auth/totp/enrol', first.cookie);
  assert.equal(e.statusCode, 200, e.body);
  const { secret, uri, qrSvg } = e.json();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const u = new URL(uri);
  assert.equal(u.protocol, 'otpauth:');
  assert.equal(u.host, 'totp');
  assert.equal(u.searchParams.get('secret'), secret);
  assert.equal(u.searchParams.get('issuer'), 'customs-rvi');
  assert.match(qrSvg, /^<svg/);
  const [admin] = await t.ctx.db.select().from(users).where(eq(users.username, 'admin'));
  const [stored] = await t.ctx.db.select().from(totpFactors).where(eq(totpFactors.userId, admin.id));
  assert.ok(!stored.secretEnc.includes(secret), 'the secret is sealed at rest');
  assert.equal(stored.confirmedAt, null);

  const right = totpCode(secret);
  const wrong = right === '000000' ? '111111' : '000000';
  const bad = await inject('POST', '/api/auth/totp/confirm', first.cookie, { code: wrong });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'invalid_code');
  assert.equal(bad.json().error.details[0].field, 'body.code');
  const malformed = await inject('POST', '/api/auth/totp/confirm', first.cookie, { code: '12ab' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error.details[0].field, 'body.code');

  const ok = await inject('POST', '/api/auth/totp/confirm', first.cookie, { code: right });
  assert.equal(ok.statusCode, 200, ok.body);
  const codes: string[] = ok.json().recoveryCodes;
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  const me = (await inject('GET', '/api/auth/me', first.cookie)).json();
  assert.equal(me.secondFactor, 'ok');
  assert.equal(me.totpEnrolled, true);
  assert.equal(me.can['admin.manage'], true);
  assert.equal((await inject('GET', '/api/audit', first.cookie)).statusCode, 200);
  assert.equal((await inject('POST', '/api/auth/totp/enrol', first.cookie)).json().error.code, 'totp_enrolled');

  // next login: the password alone is not enough
  const second = await loginRaw('admin');
  assert.equal(second.me.secondFactor, 'pending');
  const pending = await inject('GET', '/api/audit', second.cookie);
  assert.equal(pending.statusCode, 403);
  assert.equal(pending.json().error.code, 'second_factor_required');
  // the code used to confirm the set-up is spent (same time step)
  assert.equal((await inject('POST', '/api/auth/factor', second.cookie, { code: right })).json().error.code, 'invalid_code');
  assert.equal((await inject('POST', '/api/auth/factor', second.cookie, {})).statusCode, 400);
  // the next step's code is accepted (one step of clock drift), once
  const next = totpCode(secret, Date.now() + 30_000);
  const v = await inject('POST', '/api/auth/factor', second.cookie, { code: next });
  assert.equal(v.statusCode, 200, v.body);
  assert.equal(v.json().method, 'totp');
  assert.equal((await inject('GET', '/api/audit', second.cookie)).statusCode, 200);
  assert.equal((await inject('POST', '/api/auth/factor', second.cookie, { code: next })).statusCode, 400, 'a code is accepted once');

  // step-up: fresh factor → rotating the signing keys works; 10 minutes later it must be given again
  assert.equal((await inject('POST', '/api/keys/rotate', second.cookie)).statusCode, 200);
  await t.ctx.db.update(sessionFactors).set({ verifiedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(sessionFactors.sessionId, (await sessionIdOf(second.token))));
  const stale = await inject('POST', '/api/keys/rotate', second.cookie);
  assert.equal(stale.statusCode, 403);
  assert.equal(stale.json().error.code, 'step_up_required');
  const rec = await inject('POST', '/api/auth/factor', second.cookie, { recoveryCode: codes[0].toUpperCase() });
  assert.equal(rec.statusCode, 200, rec.body);
  assert.deepEqual(rec.json(), { method: 'recovery_code', recoveryCodesLeft: 9 });
  assert.equal((await inject('POST', '/api/keys/rotate', second.cookie)).statusCode, 200);
  assert.equal((await inject('POST', '/api/auth/factor', second.cookie, { recoveryCode: codes[0] })).statusCode, 400, 'a recovery code works once');

  const actions = (await t.ctx.db.select().from(auditLog)).filter((a) => a.actorId === admin.id || a.targetId === admin.id).map((a) => a.action);
  for (const a of ['auth.totp_enrolled', 'auth.second_factor_verified', 'keys.rotated']) assert.ok(actions.includes(a), `${a} audited`);
});

test('a supervisor must enrol too; an inspector and an enterprise user need not, and may enrol; the shared helper enrols', async () => {
  assert.equal((await loginRaw('supervisor')).me.secondFactor, 'enrol');
  const insp = await loginRaw('inspector1');
  assert.equal(insp.me.secondFactor, 'ok');
  assert.equal((await inject('GET', '/api/orders', insp.cookie)).statusCode, 200);
  const ent = await loginRaw('alpha.user');
  assert.equal(ent.me.secondFactor, 'ok');
  const { secret } = await enrolTotp(t.app, ent.cookie);
  const again = await loginRaw('alpha.user');
  assert.equal(again.me.secondFactor, 'pending', 'once enrolled, every login asks for it');
  assert.equal((await inject('POST', '/api/auth/factor', again.cookie, { code: totpCode(secret, Date.now() + 30_000) })).statusCode, 200);
  assert.equal((await inject('GET', '/api/declarations', again.cookie)).statusCode, 200);
});

test('wrong codes are throttled like passwords (429 with Retry-After)', async () => {
  const s = await loginRaw('auditor');
  await inject('POST', '/api/auth/totp/enrol', s.cookie);
  let last = { statusCode: 0, headers: {} as Record<string, unknown> };
  for (let i = 0; i < 5 && last.statusCode !== 429; i++) last = await inject('POST', '/api/auth/totp/confirm', s.cookie, { code: '999999' });
  assert.equal(last.statusCode, 429);
  assert.ok(Number(last.headers['retry-after']) >= 1);
});

async function sessionIdOf(token: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(token).digest('hex');
}
