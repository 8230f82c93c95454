// Issue 13, item 11: bad input is a 4xx naming the field, never a 5xx. Walks every documented route (the OpenAPI
// document) with NUL bytes and lone UTF-16 surrogates in its body, query and path, as every demo role; and with
// overlong strings, wrong types and huge numbers (no 5xx).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { declarationBody, startTestApp, type TestApp } from '../../test/harness.ts';
import { findBadText, isValidDate, isValidDateTime } from './validation.ts';

let t: TestApp;
const USERS = ['admin', 'supervisor', 'inspector1', 'auditor', 'alpha.user', 'alpha.operator'] as const;
const cookies: Record<string, string> = {};

before(async () => {
  t = await startTestApp({}, { jobs: false });
  for (const u of USERS) cookies[u] = await t.login(u);
});
after(async () => t?.close());

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; $ref?: string };
type Op = { parameters?: { in: string; name: string }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };

/** A body shaped like the schema with `bad` in every string (and as an extra key). */
function badBody(schema: Schema | undefined, bad: string, depth = 0): unknown {
  if (!schema || depth > 6) return bad;
  const alt = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alt?.length) return badBody(alt.find((s) => s.type === 'object') ?? alt[0], bad, depth + 1);
  const type = [schema.type].flat()[0];
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = badBody(v, bad, depth + 1);
    return Object.keys(out).length ? out : { [`key${bad}`]: bad };
  }
  if (type === 'array') return [badBody(schema.items, bad, depth + 1)];
  return bad;
}

const jsonText = (v: unknown, bad: string, escaped: string) => JSON.stringify(v).split(JSON.stringify(bad).slice(1, -1)).join(escaped);

test('every route: NUL bytes and lone surrogates in body, query and path are a 400 naming the field, never a 5xx', { timeout: 600_000 }, async (tc) => {
  await t.app.ready();
  const doc = t.app.swagger() as { paths: Record<string, Record<string, Op>> };
  const fivexx: string[] = [];
  const unnamed: string[] = [];
  let withBody = 0;
  let answered400 = 0;
  // the JSON texts are written by hand: \u0000 and a lone \ud800 escaped in the JSON, as an attacker would send them
  const variants = [{ bad: 'x\u0000y', escaped: 'x\\u0000y' }, { bad: 'x\ud800y', escaped: 'x\\ud800y' }];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const M = method.toUpperCase() as 'GET';
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(M)) continue;
      const json = op.requestBody?.content?.['application/json'];
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const hasPathParams = /\{[^}]+\}/.test(path);
      if (!json && !queryParams.length && !hasPathParams) continue;
      if (json) withBody++;
      for (const v of variants) {
        // in a URL a lone surrogate cannot even be written (%ED%A0%80 is invalid UTF-8, decoded to U+FFFD): NUL only there
        const inUrl = v.bad.includes('\u0000');
        const enc = inUrl ? encodeURIComponent(v.bad) : '';
        const attempts: { url: string; payload?: string; what: string }[] = [];
        const realPath = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        if (json) attempts.push({ url: realPath, payload: jsonText(badBody(json.schema, v.bad), v.bad, v.escaped), what: 'body' });
        if (inUrl && queryParams.length) attempts.push({ url: `${realPath}?${queryParams.map((q) => `${q}=${enc}`).join('&')}`, what: 'querystring' });
        if (inUrl && hasPathParams) attempts.push({ url: path.replace(/\{[^}]+\}/g, enc), what: 'params' });
        for (const a of attempts) {
          let last = 0;
          for (const who of USERS) {
            const r = await t.app.inject({
              method: M, url: a.url, headers: { cookie: cookies[who], ...(a.payload ? { 'content-type': 'application/json' } : {}) },
              ...(a.payload ? { payload: a.payload } : M !== 'GET' && M !== 'DELETE' ? { payload: {} } : {}),
            });
            last = r.statusCode;
            if (r.statusCode >= 500) fivexx.push(`${M} ${path} (${a.what}, ${who}): ${r.statusCode} ${r.body.slice(0, 300)}`);
            if (r.statusCode === 400) {
              const msg = String(r.json().error?.message ?? '');
              if (!msg.startsWith(a.what)) unnamed.push(`${M} ${path} (${a.what}): ${msg}`);
              answered400++;
              break;
            }
            if (r.statusCode !== 401 && r.statusCode !== 403) break;
          }
          assert.ok(last < 500);
        }
      }
    }
  }
  tc.diagnostic(`routes with a JSON body: ${withBody}; 400 answers naming the field: ${answered400}`);
  assert.deepEqual(fivexx, [], 'no 5xx');
  assert.deepEqual(unnamed, [], 'every 400 names the field');
  assert.ok(withBody >= 40, `routes with a JSON body walked: ${withBody}`);
  assert.ok(answered400 >= 100, `400 answers: ${answered400}`);
});

/** A body shaped like the schema whose every leaf is what `leaf` makes of the leaf's type. */
function shapedBody(schema: Schema | undefined, leaf: (type: string) => unknown, depth = 0): unknown {
  if (!schema || depth > 6) return leaf('string');
  const alt = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alt?.length) return shapedBody(alt.find((x) => x.type === 'object') ?? alt[0], leaf, depth + 1);
  const type = [schema.type].flat()[0] ?? 'string';
  if (type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = shapedBody(v, leaf, depth + 1);
    return out;
  }
  if (type === 'array') return [shapedBody(schema.items, leaf, depth + 1)];
  return leaf(type);
}

test('every route: overlong strings, wrong types and huge numbers in body, query and path are answered 4xx (or taken), never 5xx', { timeout: 900_000 }, async (tc) => {
  await t.app.ready();
  const doc = t.app.swagger() as { paths: Record<string, Record<string, Op>> };
  const fivexx: string[] = [];
  const counts: Record<string, number> = {};
  const accepted: string[] = [];
  const HUGE = '"__huge__"';
  // bodies: each leaf by its schema type; `1e400` (Infinity once parsed) and a 40-digit integer are written into the
  // JSON text by hand, as JSON.stringify cannot write them
  const variants: { name: string; leaf: (type: string) => unknown; query: string; param: string }[] = [
    { name: 'overlong', leaf: (ty) => (ty === 'string' ? 'a'.repeat(100_000) : ty === 'boolean' ? true : 1), query: 'a'.repeat(20_000), param: 'a'.repeat(2_000) },
    { name: 'wrong type', leaf: (ty) => (ty === 'string' ? 12345 : ty === 'boolean' ? 'yes' : ty === 'number' || ty === 'integer' ? 'many' : 'x'), query: '%5B%5D', param: '%7B%7D' },
    { name: 'huge number', leaf: () => '__huge__', query: '1e400', param: '9'.repeat(40) },
  ];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const M = method.toUpperCase() as 'GET';
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(M)) continue;
      // ending a session or logging out part-way would make the rest of the walk test less
      if (path === '/api/auth/logout' || path.startsWith('/api/auth/sessions')) continue;
      const json = op.requestBody?.content?.['application/json'];
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const hasPathParams = /\{[^}]+\}/.test(path);
      if (!json && !queryParams.length && !hasPathParams) continue;
      const realPath = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const v of variants) {
        const attempts: { url: string; payload?: string; what: string }[] = [];
        if (json) {
          const text = JSON.stringify(shapedBody(json.schema, v.leaf)).split(HUGE).join('1e400');
          attempts.push({ url: realPath, payload: text, what: 'body' });
          if (v.name === 'huge number') attempts.push({ url: realPath, payload: JSON.stringify(shapedBody(json.schema, () => '__huge__')).split(HUGE).join('1234567890123456789012345678901234567890'), what: 'body (40 digits)' });
        }
        if (queryParams.length) attempts.push({ url: `${realPath}?${queryParams.map((q) => `${q}=${v.query}`).join('&')}`, what: 'querystring' });
        if (hasPathParams) attempts.push({ url: path.replace(/\{[^}]+\}/g, v.param), what: 'params' });
        for (const a of attempts) {
          for (const who of USERS) {
            const r = await t.app.inject({
              method: M, url: a.url, headers: { cookie: cookies[who], ...(a.payload ? { 'content-type': 'application/json' } : {}) },
              ...(a.payload ? { payload: a.payload } : M !== 'GET' && M !== 'DELETE' ? { payload: {} } : {}),
            });
            if (r.statusCode >= 500) fivexx.push(`${M} ${path} (${v.name}, ${a.what}, ${who}): ${r.statusCode} ${r.body.slice(0, 300)}`);
            const k = `${v.name} ${Math.floor(r.statusCode / 100)}xx`;
            if (r.statusCode < 300) accepted.push(`${M} ${path} (${v.name}, ${a.what}): ${r.statusCode}`);
            counts[k] = (counts[k] ?? 0) + 1;
            if (r.statusCode !== 401 && r.statusCode !== 403) break;
          }
        }
      }
    }
  }
  tc.diagnostic(`answers: ${JSON.stringify(counts)}; taken: ${accepted.join('; ')}`);
  assert.deepEqual(fivexx, [], 'no 5xx');
  assert.ok((counts['overlong 4xx'] ?? 0) >= 100 && (counts['wrong type 4xx'] ?? 0) >= 100 && (counts['huge number 4xx'] ?? 0) >= 100, JSON.stringify(counts));
});

test('login with a NUL byte or a lone surrogate: 400 naming body.username, not 500', async () => {
  for (const username of ['alpha\\u0000.user', 'alpha\\ud800.user']) {
    const r = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"username":"${username}","password":"x"}` });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'validation');
    assert.match(r.json().error.message, /^body\.username contains/);
  }
  // a NUL in a field name (jsonb cannot store it either), in a CSV line, in a path parameter
  const cookie = cookies['alpha.user'];
  const key = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie, 'content-type': 'application/json' }, payload: '{"a\\u0000b":1}' });
  assert.equal(key.statusCode, 400);
  assert.match(key.json().error.message, /body\.a\?b is a field name that contains a NUL/);
  const csv = await t.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { cookie, 'content-type': 'text/csv' }, payload: 'a,b\nc,d\u0000\n' });
  assert.equal(csv.statusCode, 400);
  assert.match(csv.json().error.message, /^body contains a NUL character .*\(line 2\)/);
  const param = await t.app.inject({ url: '/api/declarations/%00', headers: { cookie } });
  assert.equal(param.statusCode, 400);
  assert.match(param.json().error.message, /^params\.id contains a NUL/);
  // well-formed text passes: emoji (a surrogate pair) and CJK
  const ok = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody('BI-1', { goodsDescription: '手机 📱 200 cartons' }) });
  assert.equal(ok.statusCode, 201, ok.body);
});

test('year 0000 is not a date: 400 naming the field (it used to pass validation and fail in the database)', async () => {
  assert.equal(isValidDate('0000-01-01'), false);
  assert.equal(isValidDate('0001-01-01'), true);
  assert.equal(isValidDate('0004-02-29'), true, 'years 0-99 are not 1900-1999');
  assert.equal(isValidDate('0100-02-29'), false);
  assert.equal(isValidDate('2024-02-29'), true);
  assert.equal(isValidDateTime('0000-06-01T10:00:00Z'), false);
  const cookie = cookies['alpha.user'];
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody('BI-2', { date: '0000-01-01' }) });
  assert.equal(r.statusCode, 400, r.body);
  assert.match(r.json().error.message, /body\.date must be a valid date/);
});

test('findBadText: the path of the first bad string', () => {
  assert.deepEqual(findBadText({ a: [{ b: 'ok' }, { c: 'x\u0000' }] }, 'body'), { field: 'body.a.1.c', message: 'contains a NUL character (\\u0000)' });
  assert.equal(findBadText({ a: 'fine 😀', b: [1, null, true] }, 'body'), null);
  assert.match(findBadText('\udc00', 'querystring.q')!.message, /lone UTF-16 surrogate/);
});
