import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { declarationBody, startTestApp, type TestApp } from '../../../test/harness.ts';
import { webhookDeliveries, webhookSubscriptions } from '../../db/schema.ts';
import { bookedOrder, people } from '../sessions/sessions.test-helpers.ts';
import { verifyWebhookSignature } from './webhooks.signature.ts';

// Signed webhooks (issue 19.4) end to end: real domain changes through the HTTP API, the fan-out from the audit chain,
// the worker sending over real HTTP to receivers started here (node:http) that verify every signature, and fail on
// purpose to see the retries. PGlite by default, a fresh Postgres database with DATABASE_URL.

interface Arrival { path: string; at: number; status: number; id: string; type: string; subject: string; verified: string; body: Record<string, unknown>; delivery: string }
let t: TestApp;
let receiver: Server;
let base = '';
const arrivals: Arrival[] = [];
/** Per path: how many requests still answer 500 (the receiver's planned failures). */
const failNext = new Map<string, number>();
const secrets = new Map<string, string>();
let admin = '';
let alphaUser = '';
let betaUser = '';

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const secret = secrets.get(path) ?? '';
      const v = verifyWebhookSignature(secret, req.headers['customs-rvi-signature'] as string | undefined, raw);
      const left = failNext.get(path) ?? 0;
      const status = !v.ok ? 401 : left > 0 ? 500 : 200;
      if (left > 0 && v.ok) failNext.set(path, left - 1);
      const body = JSON.parse(raw) as Record<string, unknown>;
      arrivals.push({
        path, at: Date.now(), status, id: String(body.id), type: String(body.type), subject: String((body.subject as { id: string }).id),
        verified: v.ok ? 'ok' : v.reason, body, delivery: String(req.headers['customs-rvi-delivery']),
      });
      res.writeHead(status).end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp();
  assert.ok(t.ctx.webhooks, 'the worker runs with the jobs');
  admin = await t.login('admin');
  alphaUser = await t.login('alpha.user');
  betaUser = await t.login('beta.user');
});
after(async () => {
  await t?.close();
  receiver?.close();
});

async function subscribe(path: string, body: Record<string, unknown>, cookie = admin): Promise<string> {
  const r = await t.app.inject({ method: 'POST', url: '/api/webhooks/subscriptions', headers: { cookie }, payload: { url: `${base}${path}`, ...body } });
  assert.equal(r.statusCode, 201, r.body);
  const { subscription, secret } = r.json();
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  secrets.set(path, secret);
  return subscription.id;
}
const file = async (cookie: string, no: string) => {
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody(no) });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
};
async function until(what: string, ok: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; arrivals: ${JSON.stringify(arrivals.map((a) => [a.path, a.type, a.status]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('who may subscribe: 401, 403 for other roles, 400 naming the field, an enterprise only for itself and only https', async () => {
  const url = '/api/webhooks/subscriptions';
  assert.equal((await t.app.inject({ method: 'POST', url, payload: { url: `${base}/x`, events: ['goods.released'] } })).statusCode, 401);
  const inspector = await t.login('inspector1');
  const r403 = await t.app.inject({ method: 'POST', url, headers: { cookie: inspector }, payload: { url: `${base}/x`, events: ['goods.released'] } });
  assert.equal(r403.statusCode, 403, r403.body);
  const cases: [Record<string, unknown>, string, string][] = [
    [{ url: 'not a url', events: ['goods.released'] }, 'url', admin],
    [{ url: `${base}/x`, events: ['goods.stolen'] }, 'events', admin],
    [{ url: `${base}/x`, events: [] }, 'events', admin],
    [{ url: `${base}/x`, events: ['goods.released'], orgId: 'NOPE' }, 'orgId', admin],
    [{ url: `${base}/x`, events: ['goods.released'] }, 'url', alphaUser], // http from an enterprise
    [{ url: 'https://broker.example/hook', events: ['goods.released'], orgId: 'ENT-BETA' }, 'orgId', alphaUser], // another enterprise
    [{ url: 'ftp://broker.example/hook', events: ['goods.released'] }, 'url', admin],
  ];
  for (const [payload, field, cookie] of cases) {
    const r = await t.app.inject({ method: 'POST', url, headers: { cookie }, payload });
    assert.equal(r.statusCode, 400, `${JSON.stringify(payload)}: ${r.body}`);
    assert.ok(r.body.includes(field), `${JSON.stringify(payload)} names ${field}: ${r.body}`);
  }
  const own = await t.app.inject({ method: 'POST', url, headers: { cookie: alphaUser }, payload: { url: 'https://broker.example/alpha', events: ['goods.released'] } });
  assert.equal(own.statusCode, 201, own.body);
  assert.equal(own.json().subscription.orgId, t.orgs.alpha);
  // the secret is stored sealed, never in clear
  const [row] = await t.ctx.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, own.json().subscription.id));
  assert.ok(!row.secretEnc.includes(own.json().secret.slice(6)));
  // beta neither sees nor reaches alpha's endpoint
  const list = await t.app.inject({ url, headers: { cookie: betaUser } });
  assert.equal(list.statusCode, 200, list.body);
  assert.ok(!list.json().items.some((s: { id: string }) => s.id === own.json().subscription.id));
  const peek = await t.app.inject({ url: `${url}/${own.json().subscription.id}/deliveries`, headers: { cookie: betaUser } });
  assert.equal(peek.statusCode, 404, peek.body);
  const patch = await t.app.inject({ method: 'PATCH', url: `${url}/${own.json().subscription.id}`, headers: { cookie: alphaUser }, payload: { active: false } });
  assert.equal(patch.statusCode, 200, patch.body);
  assert.equal(patch.json().active, false);
});

test('signed deliveries with retries: the receiver fails twice, sees the retries with back-off, the log records every attempt; isolation by organisation', async () => {
  const alphaSub = await subscribe('/alpha', { orgId: 'ENT-ALPHA', events: ['declaration.submitted'] });
  const betaSub = await subscribe('/beta', { orgId: 'ENT-BETA', events: ['declaration.submitted'] });
  const officeSub = await subscribe('/office', { orgId: 'CUS-YS', events: ['declaration.submitted'] });
  failNext.set('/alpha', 2);
  const a = await file(alphaUser, 'WH-ALPHA-1');
  const b = await file(betaUser, 'WH-BETA-1');
  await until('alpha delivered after two failures', () => arrivals.some((x) => x.path === '/alpha' && x.status === 200 && x.subject === a));
  await until('beta and office deliveries', () => arrivals.some((x) => x.path === '/beta' && x.status === 200 && x.subject === b)
    && ['/office'].every((p) => [a, b].every((s) => arrivals.some((x) => x.path === p && x.status === 200 && x.subject === s))));
  assert.ok(arrivals.every((x) => x.verified === 'ok'), 'every delivery carries a valid signature');
  const alphaTries = arrivals.filter((x) => x.path === '/alpha' && x.subject === a);
  assert.deepEqual(alphaTries.map((x) => x.status), [500, 500, 200]);
  assert.equal(new Set(alphaTries.map((x) => x.id)).size, 1, 'the same event id on every attempt');
  // exponential back-off: ~1 s, then ~2 s
  const gaps = [alphaTries[1].at - alphaTries[0].at, alphaTries[2].at - alphaTries[1].at];
  assert.ok(gaps[0] >= 900 && gaps[1] >= 1900 && gaps[1] > gaps[0], `back-off gaps ${gaps}`);
  // organisation isolation: each enterprise hears only of its own declarations; the office of both
  assert.ok(!arrivals.some((x) => x.path === '/alpha' && x.subject === b));
  assert.ok(!arrivals.some((x) => x.path === '/beta' && x.subject === a));
  const payload = alphaTries[2].body;
  assert.equal(payload.type, 'declaration.submitted');
  assert.deepEqual(payload.subject, { type: 'declaration', id: a });
  assert.equal((payload.data as { declarationNo: string }).declarationNo, 'WH-ALPHA-1');
  // the delivery log: attempts with status codes and latency
  const log = await t.app.inject({ url: `/api/webhooks/subscriptions/${alphaSub}/deliveries`, headers: { cookie: admin } });
  assert.equal(log.statusCode, 200, log.body);
  const d = log.json().items.find((x: { subjectId: string }) => x.subjectId === a);
  assert.equal(d.status, 'delivered');
  assert.equal(d.attempts, 3);
  assert.deepEqual(d.log.map((x: { statusCode: number }) => x.statusCode), [500, 500, 200]);
  assert.ok(d.log.every((x: { durationMs: number }) => Number.isInteger(x.durationMs) && x.durationMs >= 0));
  // the enterprise sees its own log too (administrator-configured endpoint of its organisation)
  assert.equal((await t.app.inject({ url: `/api/webhooks/subscriptions/${alphaSub}/deliveries`, headers: { cookie: alphaUser } })).statusCode, 200);
  assert.equal((await t.app.inject({ url: `/api/webhooks/subscriptions/${alphaSub}/deliveries`, headers: { cookie: betaUser } })).statusCode, 404);

  // manual redelivery: same event id, a fresh signature, the attempt appended to the log
  const before = arrivals.length;
  const re = await t.app.inject({ method: 'POST', url: `/api/webhooks/deliveries/${d.id}/redeliver`, headers: { cookie: admin } });
  assert.equal(re.statusCode, 200, re.body);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/webhooks/deliveries/${d.id}/redeliver`, headers: { cookie: betaUser } })).statusCode, 404);
  await until('the redelivery', () => arrivals.slice(before).some((x) => x.path === '/alpha' && x.id === alphaTries[0].id && x.status === 200));
  await t.ctx.webhooks!.settle();
  const after = (await t.app.inject({ url: `/api/webhooks/subscriptions/${alphaSub}/deliveries`, headers: { cookie: admin } })).json().items.find((x: { id: string }) => x.id === d.id);
  assert.equal(after.log.length, 4);

  // paused: nothing queued while inactive
  await t.app.inject({ method: 'PATCH', url: `/api/webhooks/subscriptions/${betaSub}`, headers: { cookie: admin }, payload: { active: false } });
  await file(betaUser, 'WH-BETA-2');
  await t.ctx.webhooks!.settle();
  const betaRows = await t.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, betaSub));
  assert.equal(betaRows.length, 1);
  void officeSub;
});

test('in order per declaration: a later event waits while an earlier one of the same declaration is retried', async () => {
  await subscribe('/order', { orgId: 'ENT-ALPHA', events: ['declaration.submitted', 'inspection.booked'] });
  failNext.set('/order', 2);
  const p = await people(t);
  const order = await bookedOrder(t, p);
  await until('booked delivered', () => arrivals.some((x) => x.path === '/order' && x.type === 'inspection.booked' && x.status === 200));
  const mine = arrivals.filter((x) => x.path === '/order');
  const subject = mine.find((x) => x.type === 'inspection.booked')!.subject;
  const seq = mine.filter((x) => x.subject === subject).map((x) => `${x.type}:${x.status}`);
  assert.deepEqual(seq, ['declaration.submitted:500', 'declaration.submitted:500', 'declaration.submitted:200', 'inspection.booked:200'], seq.join(' '));
  const booked = mine.find((x) => x.type === 'inspection.booked')!;
  assert.equal((booked.body.data as { orderId: string }).orderId, order.id);
  assert.equal((booked.body.data as { orderNo: string }).orderNo, order.orderNo);
});

test('a tampered body or an old timestamp fails verification (what the README tells receivers to check)', async () => {
  const { signWebhook } = await import('./webhooks.signature.ts');
  const secret = 'whsec_test';
  const body = '{"id":"e1"}';
  const now = Math.floor(Date.now() / 1000);
  assert.equal(verifyWebhookSignature(secret, signWebhook(secret, body, now), body).ok, true);
  assert.deepEqual(verifyWebhookSignature(secret, signWebhook(secret, body, now), body.replace('e1', 'e2')), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhookSignature(secret, signWebhook(secret, body, now - 301), body), { ok: false, reason: 'outside_window' });
  assert.deepEqual(verifyWebhookSignature('whsec_other', signWebhook(secret, body, now), body), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhookSignature(secret, 'v1=abc', body), { ok: false, reason: 'malformed' });
});

test('the OpenAPI document describes the webhook routes, the WebhookEvent payload and the security schemes', async () => {
  const doc = (await t.app.inject({ url: '/api/docs/json' })).json();
  assert.ok(doc.paths['/api/webhooks/subscriptions'].post);
  assert.ok(doc.paths['/api/webhooks/deliveries/{id}/redeliver'].post);
  assert.match(doc.paths['/api/webhooks/subscriptions'].post.description, /Customs-RVI-Signature/);
  const schemas = JSON.stringify(doc.components.schemas);
  assert.ok(schemas.includes('goods.released') && schemas.includes('occurredAt'), 'WebhookEvent in components');
  assert.ok(doc.components.securitySchemes.apiToken && doc.components.securitySchemes.session);
});

test('server-side request forgery: an endpoint on a loopback, private, link-local (metadata) or other non-public address is refused on saving (400 naming body.url) and again when sending', async () => {
  const url = '/api/webhooks/subscriptions';
  // the harness allows 127.0.0.1 only (RVI_WEBHOOK_ALLOW_NETWORKS), for the receivers of these tests
  const refused: [string, string][] = [
    ['http://127.0.0.2:8080/x', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
    ['http://10.0.0.7/hook', 'private'],
    ['http://192.168.1.20/hook', 'private'],
    ['http://100.64.0.1/hook', 'carrierGradeNat'],
    ['http://0.0.0.0:80/hook', 'unspecified'],
    ['http://[::1]:8080/x', 'loopback'],
    ['http://[fd12:3456::1]/x', 'uniqueLocal'],
    ['http://[::ffff:10.0.0.1]/x', 'private'],
  ];
  for (const [target, range] of refused) {
    const r = await t.app.inject({ method: 'POST', url, headers: { cookie: admin }, payload: { url: target, events: ['goods.released'] } });
    assert.equal(r.statusCode, 400, `${target}: ${r.body}`);
    assert.equal(r.json().error.code, 'url_not_public', r.body);
    assert.ok(r.json().error.details.some((d: { field: string; message: string }) => d.field === 'body.url' && d.message.includes(range)), `${target}: ${r.body}`);
  }
  // changing a saved endpoint's URL is checked the same way
  const id = await subscribe('/ssrf-ok', { orgId: 'ENT-ALPHA', events: ['declaration.submitted'] });
  const patch = await t.app.inject({ method: 'PATCH', url: `${url}/${id}`, headers: { cookie: admin }, payload: { url: 'http://169.254.169.254/latest/meta-data/' } });
  assert.equal(patch.statusCode, 400, patch.body);
  assert.equal(patch.json().error.code, 'url_not_public');

  // at sending: a URL that points somewhere not allowed by then (saved before the rule, or a name that resolves
  // elsewhere now) is not called; the delivery log says why. A listener on 127.0.0.2 proves nothing reached it.
  let reached = 0;
  const inside = createServer((_req, res) => { reached++; res.writeHead(200).end('ok'); });
  await new Promise<void>((r) => inside.listen(0, '127.0.0.2', r));
  try {
    await t.ctx.db.update(webhookSubscriptions).set({ url: `http://127.0.0.2:${(inside.address() as AddressInfo).port}/inside` }).where(eq(webhookSubscriptions.id, id));
    await file(alphaUser, 'WH-SSRF-1');
    let row: typeof webhookDeliveries.$inferSelect | undefined;
    for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      [row] = await t.ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, id));
      if (row?.lastError) break;
    }
    assert.ok(row?.lastError, 'the delivery was attempted');
    assert.match(row.lastError, /127\.0\.0\.2 is a loopback address/);
    assert.equal(row.status, 'pending', 'kept for a retry (an administrator may fix the URL)');
    assert.equal(reached, 0, 'nothing reached the address inside');
  } finally {
    await t.app.inject({ method: 'PATCH', url: `${url}/${id}`, headers: { cookie: admin }, payload: { active: false } });
    inside.close();
  }
});
