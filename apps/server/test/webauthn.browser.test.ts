// Browser check of WebAuthn as a second factor (issue 19.2) through the real web app, with Chromium's virtual
// authenticator (DevTools protocol WebAuthn.addVirtualAuthenticator): a supervisor who must have a second factor
// (RVI_REQUIRE_2FA) registers a security key at first login instead of an authenticator app, keeps the recovery codes,
// reaches the console; the next login asks for the key; without the key the login stays at the second factor; the
// key also answers the step-up before rotating the signing keys. The server checks every answer
// (@simplewebauthn/server). WebAuthn needs a domain as relying party id, so the page is opened on localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';
import { auditLog, sessionFactors, users, webauthnCredentials } from '../src/db/schema.ts';

let app: TestApp;
let base: string;
let browser: BrowserContext;
let page: Page;
let cdp: CDPSession;
let work: string;
let authenticatorId = '';

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-webauthn-browser-'));
  app = await startTestApp({ requireSecondFactor: true, sessionCacheMs: 0, stepUpMinutes: 5 }, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://localhost:${(app.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 800 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
  cdp = await browser.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  authenticatorId = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  })).authenticatorId;
});

after(async () => {
  await browser?.close();
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function passwordLogin(username: string) {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(TEST_PASSWORD);
  await page.getByTestId('login-submit').click();
}
const logout = () => page.evaluate(() => fetch('/api/auth/logout', { method: 'POST', credentials: 'include' }));

test('a supervisor registers a security key at first login, the next login asks for it, no key → no console, step-up with the key', async () => {
  await passwordLogin('supervisor');
  await page.getByTestId('factor-page-enrol').waitFor();
  await page.getByTestId('security-key-name').fill('Virtual key');
  await page.getByTestId('security-key-register').click();
  await page.getByTestId('security-key-recovery').waitFor();
  assert.equal((await page.locator('[data-testid="security-key-recovery"] pre, [data-testid="security-key-recovery"] code').first().textContent())!.trim().split('\n').length, 10);
  await page.getByTestId('security-key-recovery-done').click();
  await page.getByTestId('nav-approvals').waitFor();

  const [sup] = await app.ctx.db.select().from(users).where(eq(users.username, 'supervisor'));
  const keys = await app.ctx.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.userId, sup.id));
  assert.equal(keys.length, 1);
  assert.equal(keys[0].name, 'Virtual key');
  const creds = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  assert.equal(creds.length, 1, 'the key lives in the virtual authenticator');
  assert.equal(Buffer.from(creds[0].credentialId, 'base64').toString('base64url'), keys[0].id, 'the server stored that credential');

  // the next login: the key is asked for before the console, and the virtual authenticator signs
  await logout();
  await passwordLogin('supervisor');
  await page.getByTestId('factor-page-pending').waitFor();
  await page.getByTestId('security-key-use').click();
  await page.getByTestId('nav-approvals').waitFor();
  const [after1] = await app.ctx.db.select().from(webauthnCredentials).where(eq(webauthnCredentials.id, keys[0].id));
  assert.ok(after1.counter > keys[0].counter, `the signature counter moved forward (${keys[0].counter} → ${after1.counter})`);
  assert.ok(after1.lastUsedAt);
  const verified = await app.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'auth.second_factor_verified'), eq(auditLog.targetId, sup.id)));
  assert.ok(verified.some((a) => (a.summary as { method: string }).method === 'webauthn'));

  // step-up: a factor given 10 minutes ago no longer allows a sensitive action (removing a key: it passes the step-up
  // check and then finds no such key, 400, once the factor is fresh); the key proves it again
  const rotate = () => page.evaluate(() => fetch('/api/auth/webauthn/keys/no-such-key', { method: 'DELETE', credentials: 'include' }).then(async (r) => ({ status: r.status, body: await r.json() })));
  await app.ctx.db.update(sessionFactors).set({ verifiedAt: new Date(Date.now() - 10 * 60_000) });
  const stale = await rotate();
  assert.equal(stale.status, 403);
  assert.equal(stale.body.error.code, 'step_up_required');
  // the page answers the challenge with navigator.credentials.get itself (what @simplewebauthn/browser does in the app)
  // (a string: tsx would wrap named functions in a helper the page does not have). A challenge is single-use: the
  // answer to one that a newer request replaced is refused, and so is the accepted answer sent a second time
  const stepUp = await page.evaluate<{ stale: { status: number; body: { error: { details: { message: string }[] } } }; status: number; replay: { status: number; body: { error: { details: { message: string }[] } } } }>(`(async () => {
    const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const enc = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/[+]/g, '-').replace(/[/]/g, '_').replace(/=+$/, '');
    const post = (url, body) => fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const options = async () => (await (await post('/api/auth/webauthn/authenticate/options', {})).json()).options;
    const sign = async (o) => {
      const cred = await navigator.credentials.get({ publicKey: {
        challenge: b64(o.challenge), rpId: o.rpId, timeout: o.timeout, userVerification: o.userVerification,
        allowCredentials: o.allowCredentials.map((c) => ({ type: 'public-key', id: b64(c.id) })),
      } });
      const r = cred.response;
      return { response: {
        id: cred.id, rawId: enc(cred.rawId), type: 'public-key', clientExtensionResults: {},
        response: { clientDataJSON: enc(r.clientDataJSON), authenticatorData: enc(r.authenticatorData), signature: enc(r.signature), userHandle: r.userHandle ? enc(r.userHandle) : undefined },
      } };
    };
    const send = async (answer) => { const r = await post('/api/auth/webauthn/authenticate', answer); return { status: r.status, body: await r.json().catch(() => null) }; };
    const first = await options();
    const second = await options();
    const stale = await send(await sign(first));
    const answer = await sign(second);
    const ok = await send(answer);
    const replay = await send(answer);
    return { stale, status: ok.status, replay };
  })()`);
  assert.equal(stepUp.stale.status, 400, 'an answer to a replaced challenge is refused');
  assert.match(stepUp.stale.body.error.details[0].message, /challenge already used, or replaced by a newer one/);
  assert.equal(stepUp.status, 200, 'the key answered the step-up');
  assert.equal(stepUp.replay.status, 400, 'the same answer again is refused');
  assert.match(stepUp.replay.body.error.details[0].message, /challenge already used/);
  const fresh = await rotate();
  assert.equal(fresh.status, 400, JSON.stringify(fresh.body));
  assert.equal(fresh.body.error.code, 'unknown_security_key', 'past the step-up check');

  // without the key (the authenticator's credentials wiped) the login stays at the second factor, with the reason shown
  await logout();
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
  await passwordLogin('supervisor');
  await page.getByTestId('factor-page-pending').waitFor();
  await page.getByTestId('security-key-use').click();
  await page.getByTestId('security-key-error').waitFor({ timeout: 130_000 });
  assert.equal(await page.getByTestId('nav-approvals').count(), 0);
  const blocked = await page.evaluate(() => fetch('/api/audit', { credentials: 'include' }).then((r) => r.status));
  assert.equal(blocked, 403);
});
