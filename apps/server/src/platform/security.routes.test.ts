// Issue 13, items 6, 10, 12: security headers on every response, cross-site requests and WebSocket upgrades refused
// by their Origin (and Sec-Fetch-Site), bodies only in the media types a route expects, links from RVI_PUBLIC_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { CSV_HEADER, csvRow, declarationBody, startTestApp, type TestApp } from '../../test/harness.ts';
import { declarations } from '../db/schema.ts';
import { bookedOrder, people } from '../modules/sessions/sessions.test-helpers.ts';

let t: TestApp; // no RVI_PUBLIC_URL: the request's own origin is the allowed one
let pub: TestApp; // RVI_PUBLIC_URL=https://rvi.example, RVI_SECURE_COOKIES=1, one extra origin
const PUBLIC = 'https://rvi.example';
const EXTRA = 'http://localhost:5173';

before(async () => {
  t = await startTestApp({}, { jobs: false });
  pub = await startTestApp({ publicUrl: PUBLIC, secureCookies: true, extraOrigins: [EXTRA] }, { jobs: false });
});
after(async () => {
  await t?.close();
  await pub?.close();
});

function csp(h: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of String(h['content-security-policy'] ?? '').split(';').map((x) => x.trim()).filter(Boolean)) {
    const [name, ...values] = d.split(/\s+/);
    out.set(name, values);
  }
  return out;
}

test('security headers on every response: CSP without inline script, no framing, nosniff, referrer policy; HSTS only when secure', async () => {
  const cookie = await t.login('alpha.user');
  const responses = await Promise.all([
    t.app.inject({ url: '/api/health' }),
    t.app.inject({ url: '/api/declarations' }), // 401
    t.app.inject({ url: '/api/nope', headers: { cookie } }), // 404
    t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: { nope: 1 } }), // 400
    t.app.inject({ url: '/login' }), // the web app (or its 404 when not built)
  ]);
  assert.deepEqual(responses.map((r) => r.statusCode).slice(0, 4), [200, 401, 404, 400]);
  for (const r of responses) {
    const what = String(r.statusCode);
    const p = csp(r.headers);
    assert.deepEqual(p.get('script-src'), ["'self'"], `${what}: scripts from the server only (no inline script, no eval)`);
    assert.deepEqual(p.get('frame-ancestors'), ["'none'"], `${what}: no page of ours inside a foreign frame`);
    assert.deepEqual(p.get('object-src'), ["'none'"]);
    assert.ok(p.get('style-src')?.includes("'unsafe-inline'"), 'Mantine/Emotion inject <style> elements');
    assert.ok(p.get('connect-src')?.includes("'self'"), 'WebSockets and fetch to the same host');
    assert.ok(p.get('img-src')?.includes('data:') && p.get('img-src')?.includes('blob:'), 'drawn frames are data: URLs');
    assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
    assert.equal(r.headers['referrer-policy'], 'same-origin', what);
    assert.equal(r.headers['x-frame-options'], 'DENY', what);
    assert.equal(r.headers['strict-transport-security'], undefined, `${what}: no HSTS over plain HTTP`);
    assert.equal(p.has('upgrade-insecure-requests'), false);
  }
  const secure = await pub.app.inject({ url: '/api/health' });
  assert.match(String(secure.headers['strict-transport-security']), /max-age=31536000; includeSubDomains/);
  const p = csp(secure.headers);
  assert.ok(p.has('upgrade-insecure-requests'));
  assert.ok(p.get('connect-src')?.includes('wss://rvi.example'), 'the public origin\'s WebSocket URL');
});

test('only the AR anchor worker bundle may evaluate code (OpenCV.js bindings); no page and no other script may', async () => {
  const worker = await t.app.inject({ url: '/assets/anchor.worker-AbC123_x.js' });
  assert.deepEqual(csp(worker.headers).get('script-src'), ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'"]);
  assert.deepEqual(csp(worker.headers).get('connect-src'), ["'none'"], 'the worker connects nowhere');
  for (const url of ['/assets/index-AbC123.js', '/assets/anchor.worker-AbC123.js/../index.js', '/camera.html', '/assets/x/anchor.worker-a.js']) {
    assert.deepEqual(csp((await t.app.inject({ url })).headers).get('script-src'), ["'self'"], url);
  }
});

test('cross-site: a foreign-Origin CSV import is refused (403, nothing imported); same origin, no Origin (CLI) and extra origins are accepted', async () => {
  const cookie = await t.login('alpha.user');
  const csv = (id: string) => `${CSV_HEADER}\n${csvRow(id)}\n`;
  const importAs = (id: string, headers: Record<string, string>, app = t) =>
    app.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { 'content-type': 'text/csv', ...headers }, payload: csv(id) });
  const count = async (id: string, app = t) => (await app.ctx.db.select().from(declarations).where(eq(declarations.declarationNo, id))).length;

  const evil = await importAs('XO-1', { cookie, origin: 'https://evil.example' });
  assert.equal(evil.statusCode, 403, evil.body);
  assert.equal(evil.json().error.code, 'foreign_origin');
  assert.match(evil.json().error.message, /evil\.example.*RVI_PUBLIC_URL/);
  assert.equal(await count('XO-1'), 0, 'nothing imported');
  // no Origin, but the browser says cross-site; a sandboxed frame's Origin: null
  assert.equal((await importAs('XO-2', { cookie, 'sec-fetch-site': 'cross-site' })).statusCode, 403);
  assert.equal((await importAs('XO-3', { cookie, origin: 'null' })).statusCode, 403);
  assert.equal((await importAs('XO-3b', { cookie, origin: 'http://localhost:81' })).statusCode, 403, 'another port is another origin');
  assert.equal(await count('XO-2') + await count('XO-3') + await count('XO-3b'), 0);

  // the request's own origin (inject's Host is localhost:80), the CLI (no Origin), a same-origin page under no-referrer
  assert.equal((await importAs('XO-4', { cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' })).statusCode, 200);
  assert.equal((await importAs('XO-5', { cookie })).statusCode, 200);
  assert.equal((await importAs('XO-6', { cookie, origin: 'null', 'sec-fetch-site': 'same-origin' })).statusCode, 200);
  assert.equal(await count('XO-4') + await count('XO-5') + await count('XO-6'), 3);

  // with RVI_PUBLIC_URL: the configured origin counts, not the Host header the client chose
  const pc = await pub.login('alpha.user');
  assert.equal((await importAs('XO-7', { cookie: pc, origin: PUBLIC }, pub)).statusCode, 200);
  assert.equal((await importAs('XO-8', { cookie: pc, origin: EXTRA }, pub)).statusCode, 200, 'RVI_EXTRA_ORIGINS');
  const spoof = await importAs('XO-9', { cookie: pc, origin: 'http://evil.example', host: 'evil.example' }, pub);
  assert.equal(spoof.statusCode, 403, 'a Host header matching the Origin does not help');
  assert.equal(await count('XO-9', pub), 0);

  // every state-changing method, before authentication: login and logout too
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const r = await t.app.inject({ method, url: '/api/auth/login', headers: { origin: 'https://evil.example' }, payload: { username: 'alpha.user', password: 'x' } });
    assert.equal(r.statusCode, 403, `${method}: ${r.body}`);
  }
  // reads are not state-changing: a GET with a foreign Origin is answered (CORS keeps the answer from the foreign page)
  assert.equal((await t.app.inject({ url: '/api/health', headers: { origin: 'https://evil.example' } })).statusCode, 200);
});

test('bodies only in the media types a route expects: text/plain to JSON routes and to the import is a 415 naming what is accepted', async () => {
  const cookie = await t.login('alpha.user');
  const plainJson = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie, 'content-type': 'text/plain' }, payload: JSON.stringify(declarationBody('CT-1')) });
  assert.equal(plainJson.statusCode, 415, plainJson.body);
  assert.equal(plainJson.json().error.code, 'unsupported_media_type');
  assert.match(plainJson.json().error.message, /application\/json/);
  const plainCsv = await t.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { cookie, 'content-type': 'text/plain' }, payload: `${CSV_HEADER}\n${csvRow('CT-2')}\n` });
  assert.equal(plainCsv.statusCode, 415);
  assert.match(plainCsv.json().error.message, /text\/csv or application\/json/);
  const form = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=alpha.user&password=x' });
  assert.equal(form.statusCode, 415);
  const csvToJson = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie, 'content-type': 'text/csv' }, payload: 'a,b' });
  assert.equal(csvToJson.statusCode, 415, 'the CSV parser is for the import only');
  // anonymous callers learn 401 first
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode, 401);
  // a role that may not import is refused before its body is read at all: 403, never 415 or 413 (nothing parsed)
  const auditor = await t.login('auditor');
  const unread = await t.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { cookie: auditor, 'content-type': 'text/plain' }, payload: 'x'.repeat(70 * 1024 * 1024) });
  assert.equal(unread.statusCode, 403, unread.body.slice(0, 300));
  // what each route expects still works
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie, 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(declarationBody('CT-3')) })).statusCode, 201);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { cookie, 'content-type': 'text/csv; charset=utf-8' }, payload: `${CSV_HEADER}\n${csvRow('CT-4')}\n` })).statusCode, 200);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/declarations/import', headers: { cookie }, payload: [declarationBody('CT-5')] })).statusCode, 200);
});

/** The HTTP status a WebSocket upgrade is answered with (101 when it opened); the first message when it opened. */
function upgrade(url: string, headers: Record<string, string>, protocols?: string[]): Promise<{ status: number; first?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols ?? [], { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('open', () => ws.once('message', (m) => {
      resolve({ status: 101, first: String(m) });
      ws.close();
    }));
    ws.once('error', (e) => { if (!/Unexpected server response/.test(e.message)) reject(e); });
  });
}

test('cross-site WebSocket upgrades are refused (/api/ws and the device WebSocket); same-origin ones open', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const ws = base.replace('http', 'ws');
  const cookie = await t.login('inspector1');
  // a foreign page cannot join the live channel (and so live sessions) with the user's cookie
  assert.equal((await upgrade(`${ws}/api/ws`, { cookie, origin: 'https://evil.example' })).status, 403);
  assert.equal((await upgrade(`${ws}/api/ws`, { cookie, origin: 'null' })).status, 403);
  const ok = await upgrade(`${ws}/api/ws`, { cookie, origin: base });
  assert.equal(ok.status, 101);
  assert.equal(JSON.parse(ok.first!).type, 'hello');
  assert.equal((await upgrade(`${ws}/api/ws`, { cookie })).status, 101, 'no Origin: not a browser');
  // the device WebSocket: refused before the key is even looked at
  assert.equal((await upgrade(`${ws}/api/device/ws`, { origin: 'https://evil.example' }, ['rvi-device', 'rvi-device-key.x'])).status, 403);
  const dev = await upgrade(`${ws}/api/device/ws`, { origin: base }, ['rvi-device', 'rvi-device-key.x']);
  assert.equal(dev.status, 101, 'same origin: the upgrade happens (and the unknown key is refused in the socket)');
  assert.equal(JSON.parse(dev.first!).type, 'refused');
});

test('device links and their QR code use RVI_PUBLIC_URL, never the Host header', async () => {
  const p = await people(pub);
  const order = await bookedOrder(pub, p);
  const r = await pub.app.inject({ method: 'POST', url: '/api/sessions', headers: { cookie: p.inspector1.cookie, host: 'evil.example' }, payload: { orderId: order.id } });
  assert.equal(r.statusCode, 201, r.body);
  const link = r.json().link;
  assert.ok(link.url.startsWith(`${PUBLIC}/camera.html#t=`), link.url);
  assert.doesNotMatch(link.url, /evil/);
  const again = await pub.app.inject({ method: 'POST', url: `/api/sessions/${r.json().session.id}/device-link`, headers: { cookie: p.inspector1.cookie, host: 'evil.example', 'x-forwarded-host': 'evil.example' }, payload: {} });
  assert.equal(again.statusCode, 200, again.body);
  assert.ok(again.json().url.startsWith(`${PUBLIC}/camera.html#t=`), again.json().url);
  // the QR code encodes the same link: the SVG differs from one made for the evil host
  const { qrSvg } = await import('../modules/sessions/sessions.tokens.ts');
  assert.equal(again.json().qrSvg, qrSvg(again.json().url));
});
