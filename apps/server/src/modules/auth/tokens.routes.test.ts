import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { declarationBody, startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { apiTokenCalls, apiTokens, auditLog, organisations, users } from '../../db/schema.ts';
import { hashPassword } from './auth.service.ts';
import { actorOf } from '../../platform/http.ts';

// API tokens (issue 19, item 3), end to end through the HTTP layer on a real (PGlite) database.
let t: TestApp;
let admin = '';
let alphaUser = '';
let betaDecl = '';
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

before(async () => {
  t = await startTestApp();
  // a route that declares no access cannot even be registered (one rule table); a route that declares one for
  // signed-in people and never asks the policy layer refuses API tokens (fail closed)
  assert.throws(() => t.app.get('/api/test/undeclared', async (req) => ({ who: actorOf(req).username })), /declares no access/);
  t.app.get('/api/test/people-only', { config: { access: { authenticated: true } } }, async (req) => ({ who: actorOf(req).username }));
  admin = await t.login('admin');
  alphaUser = await t.login('alpha.user');
  const beta = await t.login('beta.user');
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie: beta }, payload: declarationBody('TOK-BETA-1') });
  assert.equal(r.statusCode, 201, r.body);
  betaDecl = r.json().id;
});
after(async () => t?.close());

async function create(body: Record<string, unknown>, cookie = admin) {
  return t.app.inject({ method: 'POST', url: '/api/admin/api-tokens', headers: { cookie }, payload: body });
}
async function createOk(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const r = await create(body);
  assert.equal(r.statusCode, 201, r.body);
  return { id: r.json().token.id, secret: r.json().secret };
}

test('create: the secret is shown once (rvi_ prefix), only its SHA-256 is stored, the list never carries it', async () => {
  const r = await create({ orgId: 'ENT-ALPHA', name: 'Alpha broker software', scopes: ['declaration.create', 'declaration.read'] });
  assert.equal(r.statusCode, 201, r.body);
  const { token, secret } = r.json();
  assert.match(secret, /^rvi_[0-9a-f-]{36}_[A-Za-z0-9_-]{43}$/);
  assert.equal(token.orgId, t.orgs.alpha);
  assert.equal(token.role, 'enterprise_user');
  assert.equal(token.status, 'active');
  assert.ok(secret.startsWith(token.prefix));
  const list = await t.app.inject({ url: '/api/admin/api-tokens?orgId=ENT-ALPHA', headers: { cookie: admin } });
  assert.equal(list.statusCode, 200, list.body);
  assert.ok(list.json().items.some((x: { id: string }) => x.id === token.id));
  const random = secret.slice(token.prefix.length);
  assert.ok(!list.body.includes(random));
  const [row] = await t.ctx.db.select().from(apiTokens).where(eq(apiTokens.id, token.id));
  assert.match(row.secretHash, /^[0-9a-f]{64}$/);
  // use it once, then look for the secret anywhere it could have been written
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 200);
  const everything = JSON.stringify([await t.ctx.db.select().from(apiTokens), await t.ctx.db.select().from(apiTokenCalls), await t.ctx.db.select().from(auditLog)]);
  assert.ok(!everything.includes(random), 'the secret is never stored in clear');
});

test('bad input: unknown org, unknown scope, a scope beyond the role, a customs token without role → 400 naming the field', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ orgId: 'NOPE', name: 'x', scopes: ['declaration.read'] }, 'body.orgId'],
    [{ orgId: 'ENT-ALPHA', name: 'x', scopes: ['foo.bar'] }, 'body.scopes'],
    [{ orgId: 'ENT-ALPHA', name: 'x', scopes: ['risk.read'] }, 'body.scopes'],
    [{ orgId: 'ENT-ALPHA', name: 'x', role: 'inspector', scopes: ['declaration.read'] }, 'body.role'],
    [{ orgId: 'CUS-YS', name: 'x', scopes: ['declaration.read'] }, 'body.role'],
    [{ orgId: 'ENT-ALPHA', name: 'x', scopes: [] }, 'body.scopes'],
    [{ orgId: 'ENT-ALPHA', name: 'x', scopes: ['declaration.read'], expiresInDays: 0 }, 'body.expiresInDays'],
  ];
  for (const [body, field] of cases) {
    const r = await create(body);
    assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
    assert.ok(r.body.includes(field), `${JSON.stringify(body)} names ${field}: ${r.body}`);
  }
});

test('only administrators manage tokens; a token never manages tokens', async () => {
  assert.equal((await create({ orgId: 'ENT-ALPHA', name: 'mine', scopes: ['declaration.read'] }, alphaUser)).statusCode, 403);
  assert.equal((await t.app.inject({ url: '/api/admin/api-tokens', headers: { cookie: alphaUser } })).statusCode, 403);
  assert.equal((await t.app.inject({ url: '/api/admin/api-tokens' })).statusCode, 401);
  const adminToken = await createOk({ orgId: 'CUS-YS', name: 'provisioning', role: 'administrator', scopes: ['admin.manage'] });
  const r = await t.app.inject({ method: 'POST', url: '/api/admin/api-tokens', headers: bearer(adminToken.secret), payload: { orgId: 'ENT-ALPHA', name: 'x', scopes: ['declaration.read'] } });
  assert.equal(r.statusCode, 403, r.body);
  // but its scope does reach the administration routes of the rule table
  assert.equal((await t.app.inject({ url: '/api/admin/organisations', headers: bearer(adminToken.secret) })).statusCode, 200);
});

test('an administrator of another customs office neither sees nor manages the tokens of enterprises this office supervises', async () => {
  const { id } = await createOk({ orgId: 'ENT-ALPHA', name: 'Alpha ERP', scopes: ['declaration.read'] });
  const office = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: office, kind: 'customs_office', name: 'Token Other Customs', code: 'CUS-TOK' });
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: office, username: 'tok.admin', displayName: 'Other admin', role: 'administrator', passwordHash: await hashPassword(TEST_PASSWORD) });
  const other = await t.login('tok.admin');
  const list = await t.app.inject({ url: '/api/admin/api-tokens', headers: { cookie: other } });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().items, [], 'no token of another office is listed');
  const forAlpha = await create({ orgId: 'ENT-ALPHA', name: 'not mine', scopes: ['declaration.read'] }, other);
  assert.equal(forAlpha.statusCode, 400);
  assert.equal(forAlpha.json().error.code, 'unknown_org');
  for (const [method, url] of [['POST', `/api/admin/api-tokens/${id}/rotate`], ['POST', `/api/admin/api-tokens/${id}/revoke`], ['GET', `/api/admin/api-tokens/${id}/calls`]] as const) {
    const r = await t.app.inject({ method, url, headers: { cookie: other }, ...(method === 'POST' ? { payload: {} } : {}) });
    assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
    assert.ok(!r.body.includes('Alpha'));
  }
  const [row] = await t.ctx.db.select().from(apiTokens).where(eq(apiTokens.id, id));
  assert.equal(row.revokedAt, null, 'the token still works');
  assert.ok((await t.app.inject({ url: '/api/admin/api-tokens', headers: { cookie: admin } })).json().items.some((x: { id: string }) => x.id === id));
});

test('scopes: in scope → allowed for its organisation; out of scope → 403 naming the scope; another org\'s record → 404', async () => {
  const { id, secret } = await createOk({ orgId: 'ENT-ALPHA', name: 'filer', scopes: ['declaration.create', 'declaration.read'] });
  const filed = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: bearer(secret), payload: declarationBody('TOK-ALPHA-1') });
  assert.equal(filed.statusCode, 201, filed.body);
  assert.equal(filed.json().orgId, t.orgs.alpha);
  const declId = filed.json().id;
  const mine = await t.app.inject({ url: `/api/declarations/${declId}`, headers: bearer(secret) });
  assert.equal(mine.statusCode, 200, mine.body);
  const list = await t.app.inject({ url: '/api/declarations?limit=200', headers: bearer(secret) });
  assert.ok(list.json().items.length > 0 && list.json().items.every((d: { orgId: string }) => d.orgId === t.orgs.alpha));

  const apply = await t.app.inject({ method: 'POST', url: `/api/declarations/${declId}/inspection-applications`, headers: bearer(secret), payload: { preferredMode: 'remote' } });
  assert.equal(apply.statusCode, 403, apply.body);
  assert.equal(apply.json().error.code, 'missing_scope');
  assert.match(apply.json().error.message, /declaration\.apply/);
  const orders = await t.app.inject({ url: '/api/orgs', headers: bearer(secret) });
  assert.equal(orders.statusCode, 403);
  assert.match(orders.json().error.message, /org\.read/);

  const other = await t.app.inject({ url: `/api/declarations/${betaDecl}`, headers: bearer(secret) });
  assert.equal(other.statusCode, 404, other.body);
  assert.ok(!other.body.includes('TOK-BETA-1'));

  // routes for people (own profile, notifications) and routes that never ask the policy layer refuse tokens
  for (const url of ['/api/auth/me', '/api/notifications', '/api/test/people-only']) {
    const r = await t.app.inject({ url, headers: bearer(secret) });
    assert.equal(r.statusCode, 403, `${url}: ${r.body}`);
    assert.equal(r.json().error.code, 'token_not_allowed');
  }
  // a person may still use it (the guard is for tokens only)
  assert.equal((await t.app.inject({ url: '/api/test/people-only', headers: { cookie: alphaUser } })).statusCode, 200);

  // every call is in the token's call log; the declaration's audit entry names the token
  const calls = await t.app.inject({ url: `/api/admin/api-tokens/${id}/calls`, headers: { cookie: admin } });
  assert.equal(calls.statusCode, 200, calls.body);
  const items = calls.json().items as { method: string; route: string; status: number; requestId: string }[];
  const post = items.find((c) => c.method === 'POST' && c.route === '/api/declarations');
  assert.equal(post?.status, 201);
  assert.ok(items.some((c) => c.status === 403 && c.route === '/api/declarations/:id/inspection-applications'));
  assert.ok(items.some((c) => c.status === 404 && c.route === '/api/declarations/:id'));
  assert.equal(items.length, 9);
  const audited = (await t.ctx.db.select().from(auditLog)).filter((a) => a.requestId === post!.requestId);
  assert.ok(audited.length >= 1, 'the change is audited under the same request id');
  assert.ok(audited.every((a) => a.actorId === `token:${id}` && a.orgId === t.orgs.alpha && a.actorRole === 'enterprise_user'));

  // last used time and address
  const [row] = await t.ctx.db.select().from(apiTokens).where(eq(apiTokens.id, id));
  assert.ok(row.lastUsedAt && Date.now() - row.lastUsedAt.getTime() < 60_000);
  assert.ok(row.lastUsedIp);
});

test('a customs token sees its office\'s records, not beyond its scopes', async () => {
  const { secret } = await createOk({ orgId: 'CUS-YS', name: 'customs management system', role: 'inspector', scopes: ['declaration.read'] });
  const r = await t.app.inject({ url: `/api/declarations/${betaDecl}`, headers: bearer(secret) });
  assert.equal(r.statusCode, 200, r.body);
  const risk = await t.app.inject({ url: `/api/declarations/${betaDecl}/risk`, headers: bearer(secret) });
  assert.equal(risk.statusCode, 403, risk.body);
  assert.match(risk.body, /risk\.read/);
});

test('revoke → 401 at the next call (and the refused call is logged)', async () => {
  const { id, secret } = await createOk({ orgId: 'ENT-ALPHA', name: 'to revoke', scopes: ['declaration.read'] });
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 200);
  const rv = await t.app.inject({ method: 'POST', url: `/api/admin/api-tokens/${id}/revoke`, headers: { cookie: admin } });
  assert.equal(rv.statusCode, 200, rv.body);
  assert.equal(rv.json().status, 'revoked');
  const r = await t.app.inject({ url: '/api/declarations', headers: bearer(secret) });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json().error.code, 'token_revoked');
  const calls = await t.ctx.db.select().from(apiTokenCalls).where(eq(apiTokenCalls.tokenId, id));
  assert.deepEqual(calls.map((c) => c.status).sort(), [200, 401]);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/admin/api-tokens/${id}/rotate`, headers: { cookie: admin }, payload: {} })).statusCode, 409);
  const listed = await t.app.inject({ url: '/api/admin/api-tokens', headers: { cookie: admin } });
  assert.ok(!listed.json().items.some((x: { id: string }) => x.id === id), 'revoked tokens are hidden by default');
  const all = await t.app.inject({ url: '/api/admin/api-tokens?includeRevoked=true', headers: { cookie: admin } });
  assert.ok(all.json().items.some((x: { id: string }) => x.id === id));
});

test('expiry → 401', async () => {
  const { id, secret } = await createOk({ orgId: 'ENT-ALPHA', name: 'short-lived', scopes: ['declaration.read'], expiresInDays: 1 });
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 200);
  await t.ctx.db.update(apiTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiTokens.id, id));
  const r = await t.app.inject({ url: '/api/declarations', headers: bearer(secret) });
  assert.equal(r.statusCode, 401);
  assert.equal(r.json().error.code, 'token_expired');
});

test('rotation: the new secret works, the old one stops at once (or after the grace period)', async () => {
  const { id, secret } = await createOk({ orgId: 'ENT-ALPHA', name: 'rotating', scopes: ['declaration.read'] });
  const rot = await t.app.inject({ method: 'POST', url: `/api/admin/api-tokens/${id}/rotate`, headers: { cookie: admin }, payload: {} });
  assert.equal(rot.statusCode, 201, rot.body);
  const next = rot.json();
  assert.notEqual(next.secret, secret);
  assert.equal(next.token.rotatedFromId, id);
  assert.deepEqual(next.token.scopes, ['declaration.read']);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 401);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(next.secret) })).statusCode, 200);

  const graced = await t.app.inject({ method: 'POST', url: `/api/admin/api-tokens/${next.token.id}/rotate`, headers: { cookie: admin }, payload: { graceSeconds: 600 } });
  assert.equal(graced.statusCode, 201, graced.body);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(next.secret) })).statusCode, 200, 'still valid during the grace period');
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(graced.json().secret) })).statusCode, 200);
});

test('rate limit per token: 429 with Retry-After, other tokens unaffected', async () => {
  const slow = await createOk({ orgId: 'ENT-ALPHA', name: 'slow', scopes: ['declaration.read'], rateLimitPerMinute: 3 });
  const other = await createOk({ orgId: 'ENT-ALPHA', name: 'other', scopes: ['declaration.read'], rateLimitPerMinute: 3 });
  for (let i = 0; i < 3; i++) assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(slow.secret) })).statusCode, 200);
  const r = await t.app.inject({ url: '/api/declarations', headers: bearer(slow.secret) });
  assert.equal(r.statusCode, 429, r.body);
  assert.equal(r.json().error.code, 'rate_limited');
  const wait = Number(r.headers['retry-after']);
  assert.ok(wait >= 1 && wait <= 20, `Retry-After ${wait}`);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(other.secret) })).statusCode, 200);
  const calls = await t.ctx.db.select().from(apiTokenCalls).where(eq(apiTokenCalls.tokenId, slow.id));
  assert.ok(calls.some((c) => c.status === 429), 'the refused call is logged');
});

test('malformed, unknown or forged tokens → 401 without detail; the answer never echoes the secret', async () => {
  const { id } = await createOk({ orgId: 'ENT-ALPHA', name: 'target', scopes: ['declaration.read'] });
  const forged = `rvi_${id}_${'A'.repeat(43)}`;
  for (const h of ['Bearer nope', `Bearer ${forged}`, `Bearer rvi_00000000-0000-0000-0000-000000000000_${'B'.repeat(43)}`, 'Basic YWRtaW46eA==']) {
    const r = await t.app.inject({ url: '/api/declarations', headers: { authorization: h } });
    assert.equal(r.statusCode, 401, h);
    assert.ok(!r.body.includes('AAAAAAAA') && !r.body.includes('BBBBBBBB'));
  }
});

test('the OpenAPI document declares the bearer scheme', async () => {
  const r = await t.app.inject({ url: '/api/docs/json' });
  assert.equal(r.statusCode, 200);
  const doc = r.json();
  assert.equal(doc.components.securitySchemes.apiToken.type, 'http');
  assert.equal(doc.components.securitySchemes.apiToken.scheme, 'bearer');
  assert.ok(doc.security.some((s: Record<string, unknown>) => 'apiToken' in s));
  assert.ok(doc.paths['/api/admin/api-tokens'].post);
});

test('CLI: rvi token create prints the secret once, which then works; revoke stops it', async () => {
  const { runTokenCli } = await import('./tokens.cli.ts');
  const lines: string[] = [];
  assert.equal(await runTokenCli(['create', '--org', 'ENT-ALPHA', '--scope', 'declaration.read', '--name', 'cli'], t.ctx, (s) => lines.push(s)), 0);
  const secret = lines[1];
  assert.match(secret, /^rvi_/);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 200);
  const id = /^token (\S+)/.exec(lines[0])![1];
  assert.equal(await runTokenCli(['revoke', id], t.ctx, (s) => lines.push(s)), 0);
  assert.equal((await t.app.inject({ url: '/api/declarations', headers: bearer(secret) })).statusCode, 401);
  assert.equal(await runTokenCli(['create', '--org', 'ENT-ALPHA'], t.ctx, () => {}), 2);
});
