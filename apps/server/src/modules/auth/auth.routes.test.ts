import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { authSessions, users } from '../../db/schema.ts';

let t: TestApp;
before(async () => { t = await startTestApp({ sessionCacheMs: 0 }); });
after(async () => t?.close());

test('login sets an HTTP-only cookie; me and logout work; the cookie is dead after logout', async () => {
  const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'Alpha.User', password: TEST_PASSWORD } });
  assert.equal(r.statusCode, 200, r.body);
  const c = r.cookies.find((x) => x.name === 'rvi_session')!;
  assert.equal(c.httpOnly, true);
  assert.equal(c.sameSite, 'Lax');
  assert.equal(r.json().role, 'enterprise_user');
  assert.equal(r.json().can['declaration.create'], true);
  const cookie = `rvi_session=${c.value}`;
  assert.equal((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode, 200);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode, 204);
  assert.equal((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode, 401);
});

test('passwords are stored as argon2id hashes', async () => {
  const [u] = await t.ctx.db.select().from(users).where(eq(users.username, 'inspector1'));
  assert.match(u.passwordHash, /^\$argon2id\$/);
  assert.ok(!u.passwordHash.includes(TEST_PASSWORD));
});

test('wrong password and unknown user give the same 401', async () => {
  const a = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'supervisor', password: 'nope' } });
  const b = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'nope' } });
  assert.equal(a.statusCode, 401);
  assert.equal(b.statusCode, 401);
  assert.equal(a.json().error.message, b.json().error.message);
});

test('wrong passwords are rate-limited per account, even with the right password afterwards', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'auditor', password: `wrong${i}` } });
    assert.equal(r.statusCode, 401);
  }
  const locked = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'auditor', password: TEST_PASSWORD } });
  assert.equal(locked.statusCode, 429);
  assert.ok(Number(locked.headers['retry-after']) > 0);
  // another account from another address is unaffected
  const other = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: TEST_PASSWORD }, remoteAddress: '10.9.9.9' });
  assert.equal(other.statusCode, 200);
});

test('wrong passwords are rate-limited per address across accounts', async () => {
  const ip = '192.0.2.77';
  let last = 0;
  for (let i = 0; i < 21; i++) {
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `guess${i}`, password: 'x' }, remoteAddress: ip });
    last = r.statusCode;
  }
  assert.equal(last, 429);
});

test('an expired session is refused', async () => {
  const cookie = await t.login('beta.user');
  await t.ctx.db.update(authSessions).set({ expiresAt: new Date(Date.now() - 1000) });
  const r = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
  assert.equal(r.statusCode, 401);
});

test('login body is validated', async () => {
  const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'x' } });
  assert.equal(r.statusCode, 400);
  assert.match(r.json().error.message, /password/);
});
