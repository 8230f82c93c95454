// Browser check of single sign-on through the real web app and a real OpenID provider (oidc-provider on a random
// port): the login page offers "Sign in with Customs ID", the provider's own login page takes the password, the
// browser comes back signed in to the console of the mapped role; an unmapped role comes back to the login page
// with the reason, in English and in Chinese; signing out goes through the provider's sign-out page, so the next
// person at the same browser is asked for their own password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../src/platform/config.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { startTestIdp, type TestIdp } from './oidc-server.ts';
import { CHROMIUM_ARGS, ensureWebBuilt } from './web-build.ts';

const ARGS = CHROMIUM_ARGS;

let app: TestApp;
let idp: TestIdp;
let base: string;
let browser: BrowserContext;
let page: Page;
let work: string;

before(async () => {
  ensureWebBuilt();
  work = mkdtempSync(join(tmpdir(), 'rvi-sso-browser-'));
  app = await startTestApp({ sessionCacheMs: 0 }, { jobs: false });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  idp = await startTestIdp(`${base}/api/auth/oidc/callback`);
  app.ctx.config.oidc = loadConfig({
    RVI_OIDC_ISSUER: idp.issuer, RVI_OIDC_CLIENT_ID: idp.clientId, RVI_OIDC_CLIENT_SECRET: idp.clientSecret,
    RVI_OIDC_REDIRECT_URL: `${base}/api/auth/oidc/callback`, RVI_OIDC_SCOPES: 'openid profile email rvi', RVI_OIDC_PROVIDER_NAME: 'Customs ID',
    RVI_OIDC_ROLE_MAP: 'rvi-inspectors=inspector',
  } as NodeJS.ProcessEnv).oidc;
  browser = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS, viewport: { width: 1280, height: 800 }, locale: 'en-US',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await idp?.close();
  await app?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function signInAtProvider(login: string, password: string) {
  await page.goto(`${base}/login`);
  const button = page.getByTestId('login-oidc');
  await button.waitFor();
  await button.click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button').click();
  await page.waitForURL((u) => u.origin === base);
}

test('single sign-on in the browser: the button, the provider\'s login page, back in the inspector\'s console; an unmapped role is told why (en, 简体中文)', async () => {
  await page.goto(`${base}/login`);
  assert.equal((await page.getByTestId('login-oidc').textContent())?.trim(), 'Sign in with Customs ID');

  const pw = randomBytes(12).toString('base64url');
  idp.accounts.set('gao.yan', { password: pw, claims: { preferred_username: 'gao.yan', name: 'Gao Yan', roles: ['rvi-inspectors'], customs_office: 'CUS-YS' } });
  await signInAtProvider('gao.yan', pw);
  await page.getByTestId('header-user').getByText('Gao Yan').waitFor();
  assert.ok(!new URL(page.url()).pathname.startsWith('/login'), page.url());
  const me = await page.evaluate(async () => (await fetch('/api/auth/me')).json() as Promise<{ role: string; org: { code: string } }>);
  assert.equal(me.role, 'inspector');
  assert.equal(me.org.code, 'CUS-YS');
  // signing out ends the provider's session too (RP-initiated logout): its sign-out page, confirmed, brings the
  // browser back to our login page, and the next person is asked for their own password (not signed in as Gao Yan)
  await page.getByTestId('logout').click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.locator('button[name="logout"][value="yes"]').click();
  await page.waitForURL((u) => u.origin === base && u.pathname === '/login');
  await page.getByTestId('login-form').waitFor();

  const pw2 = randomBytes(12).toString('base64url');
  idp.accounts.set('canteen', { password: pw2, claims: { preferred_username: 'canteen', roles: ['canteen-staff'], customs_office: 'CUS-YS' } });
  await signInAtProvider('canteen', pw2);
  await page.getByTestId('login-sso-error').getByText('has no role in customs-rvi').waitFor();
  assert.equal(new URL(page.url()).searchParams.get('ssoError'), 'sso_role_unmapped');
  // the same reason in Chinese (the language switch of the login page)
  await page.getByTestId('language-switch').selectOption('zh-CN');
  await page.getByTestId('login-sso-error').getByText('没有对应的角色').waitFor();
  await page.getByTestId('login-oidc').getByText('使用Customs ID登录').waitFor();
});
