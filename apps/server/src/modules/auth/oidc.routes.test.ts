// OpenID Connect sign-in (issue 19.1) against a real OpenID provider (oidc-provider, started here on a random port),
// driven over HTTP as a browser would: start → provider's login page → back to the callback → a working session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { browse, CookieJar, startTestIdp, type TestIdp } from '../../../test/oidc-server.ts';
import { auditLog, oidcLoginStates, organisations, userIdentities, users } from '../../db/schema.ts';
import { loadConfig } from '../../platform/config.ts';

let t: TestApp;
let idp: TestIdp;
let base: string;
const PD_OFFICE = 'CUS-PD';

const password = () => randomBytes(12).toString('base64url');

function configure(extra: Record<string, string> = {}) {
  t.ctx.config.oidc = loadConfig({
    RVI_OIDC_ISSUER: idp.issuer, RVI_OIDC_CLIENT_ID: idp.clientId, RVI_OIDC_CLIENT_SECRET: idp.clientSecret,
    RVI_OIDC_REDIRECT_URL: `${base}/api/auth/oidc/callback`, RVI_OIDC_SCOPES: 'openid profile email rvi',
    RVI_OIDC_PROVIDER_NAME: 'Customs ID', RVI_OIDC_ROLE_CLAIM: 'roles', RVI_OIDC_OFFICE_CLAIM: 'customs_office',
    RVI_OIDC_ROLE_MAP: 'rvi-supervisors=supervisor;rvi-inspectors=inspector;rvi-auditors=auditor', ...extra,
  } as NodeJS.ProcessEnv).oidc;
}

before(async () => {
  t = await startTestApp({ sessionCacheMs: 0 });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  idp = await startTestIdp(`${base}/api/auth/oidc/callback`);
  await t.ctx.db.insert(organisations).values({ id: randomUUID(), kind: 'customs_office', name: 'Pudong Customs', code: PD_OFFICE });
  configure();
});
after(async () => {
  await idp?.close();
  await t?.close();
});

function account(login: string, claims: Record<string, unknown>, amr?: string[]) {
  const pw = password();
  idp.accounts.set(login, { password: pw, claims: { preferred_username: login, name: `${login} (IdP)`, email: `${login}@customs.example`, ...claims }, amr });
  return pw;
}

interface Flow { jar: CookieJar; callbackUrl: URL }

/** From the login page's button to the provider's redirect back (not yet followed: a test may tamper with it). */
async function toCallback(login: string, pw: string, returnTo = '/inspector'): Promise<Flow> {
  const jar = new CookieJar();
  const start = await browse(jar, `${base}/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`);
  assert.equal(start.status, 302, await start.text());
  assert.ok(jar.get(base, 'rvi_oidc'), 'the sign-in is bound to this browser by a cookie');
  let url = start.headers.get('location')!;
  const auth = new URL(url);
  assert.equal(auth.origin, idp.issuer);
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(auth.searchParams.get('code_challenge') && auth.searchParams.get('state') && auth.searchParams.get('nonce'));
  let res = await browse(jar, url);
  while (res.status >= 300 && res.status < 400) {
    url = new URL(res.headers.get('location')!, url).href;
    res = await browse(jar, url);
  }
  assert.equal(res.status, 200, 'the provider shows its login page');
  const action = /action="([^"]+)"/.exec(await res.text())![1];
  res = await browse(jar, new URL(action, url).href, { form: { login, password: pw } });
  while (res.status >= 300 && res.status < 400) {
    url = new URL(res.headers.get('location')!, url).href;
    if (url.startsWith(`${base}/`)) return { jar, callbackUrl: new URL(url) };
    res = await browse(jar, url);
  }
  throw new Error(`the provider did not send the browser back: ${res.status} ${await res.text()}`);
}

async function complete(flow: Flow): Promise<{ status: number; location: string; session: string | undefined }> {
  const res = await browse(flow.jar, flow.callbackUrl.href);
  return { status: res.status, location: res.headers.get('location') ?? '', session: flow.jar.get(base, 'rvi_session') };
}

async function me(session: string) {
  const r = await fetch(`${base}/api/auth/me`, { headers: { cookie: `rvi_session=${session}` } });
  return { status: r.status, body: await r.json() as Record<string, unknown> & { role: string; org: { code: string }; secondFactor: string; username: string } };
}

const auditOf = async (action: string) => t.ctx.db.select().from(auditLog).where(eq(auditLog.action, action));

test('OIDC: the sign-in methods are announced; start is 404 when single sign-on is not configured and explained when the provider is down; the routes are in the OpenAPI document', async () => {
  const r = await fetch(`${base}/api/auth/sso`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { oidc: { name: 'Customs ID', startUrl: '/api/auth/oidc/start' }, ldap: false });
  const saved = t.ctx.config.oidc;
  t.ctx.config.oidc = null;
  try {
    assert.equal((await fetch(`${base}/api/auth/oidc/start`, { redirect: 'manual' })).status, 404);
    assert.deepEqual(await (await fetch(`${base}/api/auth/sso`)).json(), { oidc: null, ldap: false });
    // a provider that cannot be reached: the login page says so (the person clicked a button, not an API)
    configure({ RVI_OIDC_ISSUER: 'http://127.0.0.1:9' });
    const down = await fetch(`${base}/api/auth/oidc/start`, { redirect: 'manual' });
    assert.equal(down.status, 302);
    assert.equal(down.headers.get('location'), '/login?ssoError=sso_unavailable');
  } finally { t.ctx.config.oidc = saved; }
  // the OpenAPI document declares the routes
  const doc = await (await fetch(`${base}/api/docs/json`)).json() as { paths: Record<string, unknown> };
  for (const p of ['/api/auth/sso', '/api/auth/oidc/start', '/api/auth/oidc/callback']) assert.ok(doc.paths[p], p);
});

test('OIDC: the whole code flow over HTTP ends with a session of the mapped role and office; the next sign-in updates the same account', async () => {
  const pw = account('li.ming', { roles: ['staff', 'rvi-inspectors'], customs_office: PD_OFFICE });
  const done = await complete(await toCallback('li.ming', pw, '/inspector/orders?tab=open'));
  assert.equal(done.status, 303);
  assert.equal(done.location, '/inspector/orders?tab=open', 'back to where the sign-in started');
  assert.ok(done.session, 'the same session cookie as a password login');
  const m = await me(done.session!);
  assert.equal(m.status, 200);
  assert.equal(m.body.role, 'inspector');
  assert.equal(m.body.org.code, PD_OFFICE);
  assert.equal(m.body.username, 'li.ming');
  assert.equal(m.body.secondFactor, 'ok');
  assert.equal((m.body.can as Record<string, boolean>)['order.read'], true);

  const [link] = await t.ctx.db.select().from(userIdentities).where(eq(userIdentities.subject, `${idp.issuer} li.ming`));
  assert.ok(link, 'matched by issuer + sub');
  assert.equal(link.provider, 'oidc');
  const created = (await auditOf('auth.sso_user_created')).filter((a) => a.targetId === link.userId);
  assert.equal(created.length, 1);
  const logins = (await auditOf('auth.logged_in')).filter((a) => a.targetId === link.userId);
  assert.equal(logins.length, 1);
  assert.equal((logins[0].summary as { method: string }).method, 'oidc');
  assert.equal(await t.ctx.db.select().from(oidcLoginStates).then((r) => r.length), 0, 'the login state is used once and removed');

  // the provider now says supervisor at the main office: the same account is updated, not a second one made
  idp.accounts.get('li.ming')!.claims.roles = ['rvi-inspectors', 'rvi-supervisors'];
  idp.accounts.get('li.ming')!.claims.customs_office = 'CUS-YS';
  const again = await complete(await toCallback('li.ming', pw));
  const m2 = await me(again.session!);
  assert.equal(m2.body.role, 'supervisor', 'the first mapping entry (supervisors) wins');
  assert.equal(m2.body.org.code, 'CUS-YS');
  assert.equal(m2.body.id, m.body.id);
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'li.ming'))).length, 1);
  const updated = (await auditOf('auth.sso_user_updated')).filter((a) => a.targetId === link.userId);
  assert.equal(updated.length, 1);
  assert.deepEqual((updated[0].summary as { changes: Record<string, { to: unknown }> }).changes.role.to, 'supervisor');

  // an account made by single sign-on has no usable local password
  const local = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'li.ming', password: pw }) });
  assert.equal(local.status, 401);
});

test('OIDC: a tampered state is refused, and the genuine answer cannot be replayed afterwards', async () => {
  const pw = account('state.test', { roles: ['rvi-inspectors'], customs_office: PD_OFFICE });
  const flow = await toCallback('state.test', pw);
  const genuine = new URL(flow.callbackUrl.href);
  flow.callbackUrl.searchParams.set('state', `${flow.callbackUrl.searchParams.get('state')}x`);
  const r = await complete(flow);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/login?ssoError=sso_state_mismatch');
  assert.equal(r.session, undefined, 'no session');
  const replay = await complete({ jar: flow.jar, callbackUrl: genuine });
  assert.equal(replay.session, undefined);
  assert.match(replay.location, /^\/login\?ssoError=sso_(no_login|login_expired)$/);
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'state.test'))).length, 0);
  const failed = (await auditOf('auth.login_failed')).filter((a) => (a.summary as { reason: string }).reason === 'sso_state_mismatch');
  assert.equal(failed.length, 1);
});

test('OIDC: the answer is accepted only in the browser that started the sign-in (login CSRF)', async () => {
  const pw = account('csrf.test', { roles: ['rvi-inspectors'], customs_office: PD_OFFICE });
  const flow = await toCallback('csrf.test', pw);
  const r = await complete({ jar: new CookieJar(), callbackUrl: flow.callbackUrl });
  assert.equal(r.location, '/login?ssoError=sso_no_login');
  assert.equal(r.session, undefined);
});

test('OIDC: PKCE and nonce are checked: a wrong code verifier is refused by the provider, a wrong nonce by the ID token check', async () => {
  const pw = account('pkce.test', { roles: ['rvi-inspectors'], customs_office: PD_OFFICE });
  for (const column of ['codeVerifier', 'nonce'] as const) {
    const flow = await toCallback('pkce.test', pw);
    const [row] = await t.ctx.db.select().from(oidcLoginStates).where(eq(oidcLoginStates.state, flow.callbackUrl.searchParams.get('state')!));
    // what an attacker who injects a stolen code into another login would have: a verifier / nonce of its own
    await t.ctx.db.update(oidcLoginStates).set({ [column]: `${row[column].slice(0, -4)}AAAA` }).where(eq(oidcLoginStates.id, row.id));
    const r = await complete(flow);
    assert.equal(r.location, '/login?ssoError=sso_token_refused', column);
    assert.equal(r.session, undefined, column);
  }
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'pkce.test'))).length, 0);
});

test('OIDC: an unmapped role is refused with a clear message, and no account is made', async () => {
  const pw = account('canteen', { roles: ['canteen-staff'], customs_office: PD_OFFICE });
  const r = await complete(await toCallback('canteen', pw));
  assert.equal(r.status, 303);
  assert.equal(r.location, '/login?ssoError=sso_role_unmapped');
  assert.equal(r.session, undefined);
  assert.equal((await t.ctx.db.select().from(users).where(eq(users.username, 'canteen'))).length, 0);
  const failed = (await auditOf('auth.login_failed')).filter((a) => (a.summary as { reason: string }).reason === 'sso_role_unmapped');
  assert.equal(failed.length, 1);
  assert.equal((failed[0].summary as { subject: string }).subject, `${idp.issuer} canteen`);
  // an office that does not exist here, and a name that is already a local account's, are refused too
  const pw2 = account('nowhere', { roles: ['rvi-inspectors'], customs_office: 'CUS-XX' });
  assert.equal((await complete(await toCallback('nowhere', pw2))).location, '/login?ssoError=sso_office_unknown');
  const pw3 = account('inspector1', { roles: ['rvi-supervisors'], customs_office: 'CUS-YS' });
  assert.equal((await complete(await toCallback('inspector1', pw3))).location, '/login?ssoError=sso_username_taken', 'never linked to a local account by its name');
  const [local] = await t.ctx.db.select().from(users).where(eq(users.username, 'inspector1'));
  assert.equal(local.role, 'inspector');
});

test('OIDC: open redirects are refused at the start', async () => {
  for (const bad of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', '/ok\nSet-Cookie:x=y']) {
    const r = await fetch(`${base}/api/auth/oidc/start?returnTo=${encodeURIComponent(bad)}`, { redirect: 'manual' });
    assert.equal(r.status, 400, bad);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unsafe_return_to', bad);
  }
});

test('OIDC: the second factor still applies (the provider\'s amr does not count unless RVI_OIDC_MFA_AMR says so); a disabled account is refused', async () => {
  t.ctx.config.requireSecondFactor = true;
  try {
    const pw = account('sup.mfa', { roles: ['rvi-supervisors'], customs_office: 'CUS-YS' }, ['pwd', 'otp']);
    const r = await complete(await toCallback('sup.mfa', pw));
    const m = await me(r.session!);
    assert.equal(m.body.secondFactor, 'enrol', 'a supervisor must set up customs-rvi\'s second factor, whatever the provider did');
    assert.equal((await fetch(`${base}/api/declarations`, { headers: { cookie: `rvi_session=${r.session}` } })).status, 403);

    configure({ RVI_OIDC_MFA_AMR: 'otp,hwk' });
    const r2 = await complete(await toCallback('sup.mfa', pw));
    const m2 = await me(r2.session!);
    assert.equal(m2.body.secondFactor, 'ok', 'configured: the provider\'s one-time password counts');
    const logins = (await auditOf('auth.logged_in')).filter((a) => a.targetId === m2.body.id);
    assert.equal((logins.at(-1)!.summary as { secondFactorByProvider: boolean }).secondFactorByProvider, true);
    // amr without a listed method: not enough
    idp.accounts.get('sup.mfa')!.amr = ['pwd'];
    const r3 = await complete(await toCallback('sup.mfa', pw));
    assert.equal((await me(r3.session!)).body.secondFactor, 'enrol');
  } finally {
    t.ctx.config.requireSecondFactor = false;
    configure();
  }
  await t.ctx.db.update(users).set({ active: false }).where(eq(users.username, 'sup.mfa'));
  const pw = idp.accounts.get('sup.mfa')!.password;
  assert.equal((await complete(await toCallback('sup.mfa', pw))).location, '/login?ssoError=account_disabled');
});

test('OIDC: local passwords still work beside single sign-on (enterprises, break-glass administrator)', async () => {
  for (const username of ['admin', 'alpha.user']) {
    const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: TEST_PASSWORD }) });
    assert.equal(r.status, 200, username);
  }
  const linked = await t.ctx.db.select().from(userIdentities).innerJoin(users, eq(users.id, userIdentities.userId)).where(and(eq(users.username, 'admin')));
  assert.equal(linked.length, 0);
});

test('OIDC: signing out ends the provider\'s session too (RP-initiated logout): the next sign-in asks for the password again', async () => {
  const pw = account('he.ping', { roles: ['rvi-inspectors'], customs_office: PD_OFFICE });
  const flow = await toCallback('he.ping', pw);
  const done = await complete(flow);
  assert.ok(done.session);
  const out = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie: `rvi_session=${done.session}` } });
  assert.equal(out.status, 200, 'an OIDC session: the answer says where the provider ends its session');
  const { endSessionUrl } = await out.json() as { endSessionUrl: string };
  const end = new URL(endSessionUrl);
  assert.equal(end.origin, idp.issuer);
  assert.equal(end.searchParams.get('client_id'), idp.clientId);
  assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${base}/login`);
  assert.equal((await me(done.session!)).status, 401, 'our session is over at once');
  const [logged] = (await auditOf('auth.logged_out')).slice(-1);
  assert.equal((logged.summary as { method: string }).method, 'oidc');

  // until the browser goes there, the provider still knows the person: a new sign-in passes without a password
  const straight = async (): Promise<boolean> => {
    let res = await browse(flow.jar, `${base}/api/auth/oidc/start`);
    let url = res.headers.get('location')!;
    for (res = await browse(flow.jar, url); res.status >= 300 && res.status < 400; res = await browse(flow.jar, url)) {
      url = new URL(res.headers.get('location')!, url).href;
      if (url.startsWith(`${base}/api/auth/oidc/callback`)) return true;
    }
    return false; // the provider's login page
  };
  assert.equal(await straight(), true, 'the provider session was still alive');
  // the provider's sign-out page (a confirmation form), confirmed: back to our login page
  let res = await browse(flow.jar, endSessionUrl);
  assert.equal(res.status, 200);
  const html = await res.text();
  const action = /action="([^"]+)"/.exec(html)![1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1];
  res = await browse(flow.jar, new URL(action, endSessionUrl).href, { form: { xsrf, logout: 'yes' } });
  let url = new URL(res.headers.get('location')!, endSessionUrl).href;
  while (!url.startsWith(base)) {
    res = await browse(flow.jar, url);
    url = new URL(res.headers.get('location')!, url).href;
  }
  assert.equal(url, `${base}/login`, 'the provider sends the browser back to the login page');
  assert.equal(await straight(), false, 'the next sign-in shows the provider\'s login page again');

  // a password session signs out as before (204, nothing to follow)
  const local = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: await t.login('inspector1') } });
  assert.equal(local.statusCode, 204);
});
