import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../test/harness.ts';

// A guard for every route any module adds: it is documented in the OpenAPI document with a schema, and without a
// session it answers 401 — unless it is one of the few deliberately public routes.
// (single sign-on: the login page asks which methods exist, the browser starts and returns from the provider
// before anyone is signed in)
const PUBLIC = [/^\/api\/health$/, /^\/api\/auth\/login$/, /^\/api\/auth\/sso$/, /^\/api\/auth\/oidc\/(start|callback)$/, /^\/api\/keys$/, /^\/api\/device\//];
let t: TestApp;
before(async () => { t = await startTestApp({}, { jobs: false }); });
after(async () => t?.close());

test('every API route is documented and refuses anonymous callers', async () => {
  await t.app.ready();
  const doc = t.app.swagger() as { paths: Record<string, Record<string, { responses?: object; parameters?: unknown[]; requestBody?: unknown }>> };
  const paths = Object.entries(doc.paths);
  assert.ok(paths.length >= 15, `only ${paths.length} documented paths`);
  let checked = 0;
  for (const [path, methods] of paths) {
    for (const [method, op] of Object.entries(methods)) {
      assert.ok(op.responses && Object.keys(op.responses).length > 0, `${method.toUpperCase()} ${path} documents its responses`);
      if (PUBLIC.some((re) => re.test(path))) continue;
      const url = path.replace(/\{[^}]+\}/g, 'x1');
      const r = await t.app.inject({ method: method.toUpperCase() as 'GET', url, payload: ['post', 'put', 'patch'].includes(method) ? {} : undefined });
      assert.equal(r.statusCode, 401, `${method.toUpperCase()} ${path} without a session → ${r.statusCode}`);
      assert.equal(r.json().error.code, 'unauthenticated');
      checked++;
    }
  }
  assert.ok(checked >= 15);
});

test('unknown API paths are JSON 404s', async () => {
  const r = await t.app.inject({ url: '/api/nope' });
  assert.equal(r.statusCode, 401, 'anonymous callers learn nothing about which paths exist');
  const cookie = await t.login('alpha.user');
  const r2 = await t.app.inject({ url: '/api/nope', headers: { cookie } });
  assert.equal(r2.statusCode, 404);
  assert.equal(r2.json().error.code, 'not_found');
});

test('routes declare the access they need: role-scoped ones answer 403 before validating; the table lists every route', async () => {
  const { routeAccess } = await import('./platform/access.ts');
  await t.app.ready();
  const table = routeAccess(t.app);
  assert.ok(table.length >= 50, `routes recorded: ${table.length}`);
  assert.deepEqual(table.find((r) => r.method === 'POST' && r.url === '/api/risk/selections')?.access, { action: 'risk.select' });
  assert.deepEqual(table.find((r) => r.method === 'GET' && r.url === '/api/health')?.access, { public: 'readiness probe (load balancer health check)' });
  const inspector = await t.login('inspector1');
  // An inspector may not draw selections: refused before the (invalid) body is looked at.
  const bad = await t.app.inject({ method: 'POST', url: '/api/risk/selections', headers: { cookie: inspector }, payload: { seed: 42, extra: true } });
  assert.equal(bad.statusCode, 403, bad.body);
  assert.equal(bad.json().error.code, 'forbidden');
  // A role that may: the same body is a 400 naming the field.
  const sup = await t.login('supervisor');
  const invalid = await t.app.inject({ method: 'POST', url: '/api/risk/selections', headers: { cookie: sup }, payload: { seed: 42 } });
  assert.equal(invalid.statusCode, 400);
  assert.match(invalid.json().error.message, /seed/);
  // Record-scoped: the service decides against the record (another enterprise's declaration is a 404, not a 403).
  assert.deepEqual(table.find((r) => r.url === '/api/declarations/:id/risk')?.access, { action: 'risk.read', scope: 'record' });
});
