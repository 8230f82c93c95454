import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { authSessions, users } from '../../db/schema.ts';
import { loadConfig } from '../../platform/config.ts';
import { LoginThrottle, SessionStore } from './auth.service.ts';

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

test('throttling without lock-out: back-off for the failing client only; the right password from a fresh client gets in', async () => {
  const login = (username: string, password: string, remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
  for (let i = 0; i < 4; i++) assert.equal((await login('auditor', `wrong${i}`, '198.51.100.1')).statusCode, 401);
  const waiting = await login('auditor', TEST_PASSWORD, '198.51.100.1');
  assert.equal(waiting.statusCode, 429, 'the client that kept failing waits, even with the right password');
  assert.equal(waiting.json().error.code, 'rate_limited');
  assert.ok(Number(waiting.headers['retry-after']) >= 1);
  // the account is not locked: the owner on another client logs in at once
  const owner = await login('auditor', TEST_PASSWORD, '203.0.113.5');
  assert.equal(owner.statusCode, 200, owner.body);
  // and the failing client gets in after its back-off
  await new Promise((r) => setTimeout(r, Number(waiting.headers['retry-after']) * 1000));
  assert.equal((await login('auditor', TEST_PASSWORD, '198.51.100.1')).statusCode, 200);
});

test('many failures from one address (a shared proxy) slow its answers but never refuse another account\'s right password', async () => {
  const ip = '192.0.2.77';
  const saved = t.ctx.throttle;
  t.ctx.throttle = new LoginThrottle(t.ctx.database, { baseMs: 200, maxDelayMs: 400 });
  try {
    for (let i = 0; i < 25; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: `guess${i}`, password: 'x' }, remoteAddress: ip });
      assert.equal(r.statusCode, 401, `guess ${i}: wrong password, not a refusal`);
    }
    const started = Date.now();
    const colleague = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'beta.user', password: TEST_PASSWORD }, remoteAddress: ip });
    assert.equal(colleague.statusCode, 200, 'a colleague behind the same proxy gets in');
    assert.ok(Date.now() - started >= 390, 'after a delay');
  } finally {
    t.ctx.throttle = saved;
  }
});

test('LoginThrottle (in Postgres): exponential back-off per account and client, delays per client and per account, shared by nodes, bounded', async () => {
  const opts = { freePerPair: 2, freePerClient: 3, freePerAccount: 4, baseMs: 1000, maxWaitMs: 8000, maxDelayMs: 2000, forgetMs: 3_600_000 };
  const th = new LoginThrottle(t.ctx.database, opts);
  const other = new LoginThrottle(t.ctx.database, opts); // a second API node on the same database
  const t0 = Date.now();
  await th.fail('u', 'a', t0);
  await other.fail('u', 'a', t0);
  assert.equal(await th.check('u', 'a', t0), 0, 'two free failures (counted on two nodes)');
  await th.fail('u', 'a', t0);
  await assert.rejects(other.check('u', 'a', t0 + 500), (e: any) => e.status === 429 && e.details.retryAfterSeconds === 1, 'the other node refuses too');
  assert.equal(await th.check('u', 'a', t0 + 1000), 0);
  await th.fail('u', 'a', t0 + 1000);
  await assert.rejects(th.check('u', 'a', t0 + 2500), /Too many/, 'then 2 s');
  await Promise.all(Array.from({ length: 10 }, () => (Math.random() < 0.5 ? th : other).fail('u', 'a', t0 + 3000)));
  const [{ failures }] = await t.ctx.database.query<{ failures: number }>("select failures from login_throttle where key = 'p:u|a'");
  assert.equal(failures, 14, 'concurrent failures from two nodes all counted');
  await assert.rejects(th.check('u', 'a', t0 + 3000 + 7999), /Too many/, 'capped at maxWaitMs');
  assert.equal(await th.check('u', 'a', t0 + 3000 + 8000), 2000, 'then allowed, with the account delay');
  // another client: not refused; the account's failures only delay it
  assert.equal(await th.check('u', 'fresh', t0 + 3000), 2000);
  await other.succeed('u', 'fresh');
  assert.equal(await th.check('u', 'fresh', t0 + 3000), 0, 'the right password (on any node) resets the account');
  for (let i = 0; i < 20; i++) await th.fail(`spray${i}`, 'z', t0);
  assert.ok(await th.prune(t0 + 3_600_001) >= 20, 'counters without a failure for forgetMs are deleted');
  assert.equal((await t.ctx.database.query("select key from login_throttle where key like 'a:spray%'")).length, 0);
});

test('RVI_TRUST_PROXY: the client address is taken from X-Forwarded-For only through a trusted proxy', async () => {
  const behind = await startTestApp({ trustProxy: ['127.0.0.1'], sessionCacheMs: 0 });
  try {
    const via = (fwd: string, password: string) => behind.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'inspector2', password }, headers: { 'x-forwarded-for': fwd } });
    for (let i = 0; i < 4; i++) await via('198.51.100.9', 'wrong');
    assert.equal((await via('198.51.100.9', TEST_PASSWORD)).statusCode, 429);
    assert.equal((await via('198.51.100.10', TEST_PASSWORD)).statusCode, 200, 'another client behind the proxy');
  } finally {
    await behind.close();
  }
  // without the setting the header is ignored: both "clients" are the proxy
  for (let i = 0; i < 4; i++) await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'inspector2', password: 'wrong' }, headers: { 'x-forwarded-for': '198.51.100.9' }, remoteAddress: '192.0.2.200' });
  const spoofed = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'inspector2', password: TEST_PASSWORD }, headers: { 'x-forwarded-for': '198.51.100.10' }, remoteAddress: '192.0.2.200' });
  assert.equal(spoofed.statusCode, 429, 'a forged X-Forwarded-For does not escape the back-off');
});

test('idle timeout: a session unused for RVI_SESSION_IDLE_MINUTES ends; use keeps it alive', async () => {
  let clock = Date.now();
  const store = new SessionStore(t.ctx.db, 480, 0, 30, () => clock);
  const [u] = await t.ctx.db.select().from(users).where(eq(users.username, 'inspector1'));
  const { token } = await store.create(t.ctx.db, u.id, null, { state: 'ok', method: 'password' });
  assert.ok(await store.resolve(token));
  clock += 20 * 60_000;
  assert.ok(await store.resolve(token), 'used after 20 min');
  clock += 20 * 60_000;
  assert.ok(await store.resolve(token), 'used 20 min later: 40 min since login, 20 idle');
  clock += 31 * 60_000;
  assert.equal(await store.resolve(token), null, '31 min idle: over');
  assert.equal((await t.ctx.db.select().from(authSessions).where(eq(authSessions.userId, u.id))).filter((s) => s.lastSeenAt.getTime() < clock - 31 * 60_000 + 1).length, 0, 'and deleted');
  // over HTTP: the stored last request time decides
  const cookie = await t.login('inspector1');
  await t.ctx.db.update(authSessions).set({ lastSeenAt: new Date(Date.now() - 31 * 60_000) }).where(eq(authSessions.userId, u.id));
  assert.equal((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode, 401);
});

test('over HTTPS the cookie is __Host-rvi_session, Secure, Path=/, no Domain', async () => {
  const https = await startTestApp({ secureCookies: true });
  try {
    const r = await https.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alpha.user', password: TEST_PASSWORD } });
    assert.equal(r.statusCode, 200);
    const c = r.cookies.find((x) => x.name === '__Host-rvi_session')!;
    assert.ok(c, 'prefixed cookie');
    assert.deepEqual([c.secure, c.path, c.domain, c.httpOnly], [true, '/', undefined, true]);
    assert.equal((await https.app.inject({ url: '/api/auth/me', headers: { cookie: `__Host-rvi_session=${c.value}` } })).statusCode, 200);
    assert.equal((await https.app.inject({ url: '/api/auth/me', headers: { cookie: `rvi_session=${c.value}` } })).statusCode, 401, 'the unprefixed name is not read');
  } finally {
    await https.close();
  }
  assert.equal(loadConfig({ RVI_PUBLIC_URL: 'https://rvi.example.org' } as NodeJS.ProcessEnv).secureCookies, true, 'https public URL implies secure cookies');
  assert.throws(() => loadConfig({ RVI_PUBLIC_URL: 'https://rvi.example.org/app?x=1' } as NodeJS.ProcessEnv), /RVI_PUBLIC_URL/);
  assert.throws(() => loadConfig({ RVI_TRUST_PROXY: 'everyone' } as NodeJS.ProcessEnv), /RVI_TRUST_PROXY/);
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
