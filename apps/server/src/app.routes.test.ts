import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../test/harness.ts';

// A guard for every route any module adds: it is documented in the OpenAPI document with a schema, and without a
// session it answers 401 — unless it is one of the few deliberately public routes.
const PUBLIC = [/^\/api\/health$/, /^\/api\/auth\/login$/, /^\/api\/keys$/, /^\/api\/device\//];
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
