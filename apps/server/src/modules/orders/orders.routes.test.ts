// Orders through the API: who may create, see and change them (401/403/404/400), organisation isolation (other
// enterprises and other customs offices see nothing), enterprises never see scores or reasons for selection,
// applications becoming orders, the plan, cancellation, illegal transitions refused, live notifications.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { inspectionApplications, inspectionOrders, organisations, riskModels, riskScores, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { auditActions, client, declarationIds, futureWeekday, userId, type Client } from './orders.test-helpers.ts';

let t: TestApp;
let sup: Client;
let alpha: Client;
let beta: Client;
let insp1: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  [sup, alpha, beta, insp1] = await Promise.all(['supervisor', 'alpha.user', 'beta.user', 'inspector1'].map((u) => client(t, u)));
  // No rotation: several orders of one enterprise go to the two demo inspectors on the same day here.
  const admin = await client(t, 'admin');
  const s = (await admin.get('/api/order-settings')).body;
  assert.equal((await admin.put('/api/order-settings', { ...s, rotationDays: 0 })).status, 200);
});
after(async () => t?.close());

test('creating an order: 401, 403 for other roles, 400 for a bad body, 404 for an unknown declaration, 201, 409 for a second live order', async () => {
  const [d] = await declarationIds(t, 'alpha', 1);
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/orders', payload: { declarationId: d.id } })).statusCode, 401);
  assert.equal((await t.app.inject({ url: '/api/orders' })).statusCode, 401);
  assert.equal((await insp1.post('/api/orders', { declarationId: d.id })).status, 403);
  assert.equal((await alpha.post('/api/orders', { declarationId: d.id })).status, 403);
  const bad = await sup.post('/api/orders', { declarationId: d.id, priority: 'high' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /priority/);
  assert.equal((await sup.post('/api/orders', { declarationId: d.id, colour: 'red' })).status, 400);
  assert.equal((await sup.post('/api/orders', { declarationId: 'no-such-declaration' })).status, 404);
  const ok = await sup.post('/api/orders', { declarationId: d.id, reason: 'intelligence tip-off' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.state, 'selected');
  assert.equal(ok.body.selection, 'manual');
  assert.equal(ok.body.declarationNo, d.no);
  assert.match(ok.body.orderNo, /^IO-\d{8}-[0-9A-F]{8}$/);
  const dup = await sup.post('/api/orders', { declarationId: d.id });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'order_exists');
  assert.deepEqual(await auditActions(t, ok.body.id), ['order.created']);
  // The declaration now shows as selected to its enterprise.
  assert.equal((await alpha.get(`/api/declarations/${d.id}`)).body.status, 'selected');
});

test('organisation isolation: other enterprises and other customs offices see nothing of an order', async () => {
  const [d] = (await declarationIds(t, 'alpha', 2)).slice(1);
  const o = (await sup.post('/api/orders', { declarationId: d.id })).body;
  assert.ok((await alpha.get('/api/orders')).body.items.some((x: { id: string }) => x.id === o.id));
  assert.ok(!(await beta.get('/api/orders')).body.items.some((x: { id: string }) => x.id === o.id));
  assert.equal((await beta.get(`/api/orders/${o.id}`)).status, 404);
  assert.equal((await beta.post(`/api/orders/${o.id}/booking`, { start: '2030-01-07T01:00:00Z', end: '2030-01-07T02:00:00Z', operatorUserId: 'x' })).status, 404);

  // A second customs office with its own supervisor.
  const office2 = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: office2, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: office2, username: 'pd.supervisor', displayName: 'PD supervisor', role: 'supervisor', passwordHash: await hashPassword(TEST_PASSWORD) });
  const pd = await client(t, 'pd.supervisor');
  assert.deepEqual((await pd.get('/api/orders')).body.items, []);
  assert.equal((await pd.get(`/api/orders/${o.id}`)).status, 404);
  assert.equal((await pd.post(`/api/orders/${o.id}/cancel`, { reason: 'not ours' })).status, 404);
  assert.equal((await pd.post('/api/orders', { declarationId: d.id })).status, 404);
  const plan = await pd.get('/api/orders/plan');
  assert.equal(plan.status, 200);
  assert.equal(plan.body.orders.length, 0);
  const run = await sup.post('/api/dispatch/runs', { date: futureWeekday(2) });
  assert.equal((await pd.get(`/api/dispatch/runs/${run.body.id}`)).status, 404);
  const pdRun = await pd.post('/api/dispatch/runs', {});
  assert.equal(pdRun.body.summary.orders, 0, 'the other office dispatches only its own orders');
});

test('enterprises never see the score, the channel, the selection kind or any reason; customs do', async () => {
  const [d] = (await declarationIds(t, 'alpha', 3)).slice(2);
  const modelId = randomUUID();
  await t.ctx.db.insert(riskModels).values({
    id: modelId, version: 99, status: 'active', trainedFrom: '2020-01-01', trainedTo: '2020-06-30', trainingRows: 1000, trainSeconds: 1, metrics: {}, curve: [],
    importances: [], features: [], source: 'test', modelJson: '{}', sha256: 'x',
  });
  await t.ctx.db.insert(riskScores).values({ declarationId: d.id, modelId, score: 0.8731, channel: 'red', explanation: { top: [{ feature: 'hs6', contribution: 0.4 }] } });
  const created = await sup.post('/api/orders', { declarationId: d.id });
  assert.equal(created.body.channel, 'red', 'the channel comes from the risk score');
  await sup.post('/api/dispatch/runs', { date: futureWeekday(2) });
  const customs = (await sup.get(`/api/orders/${created.body.id}`)).body;
  assert.equal(customs.risk.score, 0.8731);
  assert.equal(customs.selection, 'manual');
  assert.ok(Array.isArray(customs.transitions));

  const seen = await alpha.get(`/api/orders/${created.body.id}`);
  assert.equal(seen.status, 200);
  for (const key of ['risk', 'selection', 'channel', 'transitions', 'eligibilityDecision', 'unassignedReason', 'dispatchRunId', 'priority', 'hazardous', 'missedCount']) {
    assert.ok(!(key in seen.body), `enterprise sees ${key}`);
  }
  assert.doesNotMatch(seen.text, /0\.8731|"red"|manual|contribution/);
  assert.ok(customs.inspectorName, 'customs see who inspects');
  assert.equal(seen.body.inspectorName, null, 'the enterprise is not told who will inspect');
  assert.equal(seen.body.inspectorId, null);
  const list = await alpha.get('/api/orders');
  assert.doesNotMatch(list.text, /0\.8731|"selection"|"channel"|"red"/);
  assert.equal((await alpha.get(`/api/orders/${created.body.id}/eligibility`)).status, 403);
  assert.equal((await alpha.get(`/api/dispatch/runs/${customs.dispatchRunId}`)).status, 404);
  assert.equal((await alpha.get('/api/orders/plan')).status, 403);
});

test('a targeting selection run becomes orders (risk/random), idempotently', async () => {
  const { createOrdersForSelection } = await import('./orders.service.ts');
  const { systemActor } = await import('../../platform/actor.ts');
  const picks = (await declarationIds(t, 'beta', 8)).slice(5);
  const sel = { runId: 'run-1', seed: 'seed-1', selected: [{ declarationId: picks[0].id, reason: 'risk' as const }, { declarationId: picks[1].id, reason: 'random' as const }] };
  const first = await createOrdersForSelection(t.ctx.db, systemActor('targeting'), sel);
  assert.equal(first.created.length, 2);
  const again = await createOrdersForSelection(t.ctx.db, systemActor('targeting'), sel);
  assert.deepEqual(again.created, []);
  assert.deepEqual(again.skipped.map((x) => x.reason), ['order_exists', 'order_exists']);
  const rows = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, first.created[1]));
  assert.equal(rows[0].selection, 'random');
  // cancel them so later tests dispatch only their own orders
  for (const id of first.created) assert.equal((await sup.post(`/api/orders/${id}/cancel`, { reason: 'test cleanup' })).status, 200);
});

test('an enterprise\'s inspection application becomes an order when the supervisor accepts it', async () => {
  const [d] = (await declarationIds(t, 'beta', 1));
  const applied = await beta.post(`/api/declarations/${d.id}/inspection-applications`, { preferredMode: 'remote', note: 'goods arrive Monday' });
  assert.equal(applied.status, 201, applied.text);
  const pending = (await sup.get('/api/inspection-applications')).body.items;
  const app = pending.find((a: { declarationId: string }) => a.declarationId === d.id);
  assert.ok(app);
  assert.equal((await beta.post(`/api/inspection-applications/${app.id}/accept`, {})).status, 403);
  const ok = await sup.post(`/api/inspection-applications/${app.id}/accept`, { inspectOnArrival: true });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.selection, 'application');
  assert.equal(ok.body.inspectOnArrival, true);
  const [row] = await t.ctx.db.select().from(inspectionApplications).where(eq(inspectionApplications.id, app.id));
  assert.equal(row.status, 'accepted');
  const again = await sup.post(`/api/inspection-applications/${app.id}/accept`, {});
  assert.equal(again.body.error.code, 'application_not_pending');
  assert.deepEqual(await auditActions(t, app.id), ['inspection_application.accepted']);
});

test('plan, cancellation with a reason, and illegal transitions refused with 409 invalid_transition', async () => {
  const [d] = (await declarationIds(t, 'beta', 2)).slice(1);
  const o = (await sup.post('/api/orders', { declarationId: d.id })).body;
  const day = futureWeekday(2);
  await sup.post('/api/dispatch/runs', { date: day });
  const [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.id));
  assert.equal(row.state, 'assigned', JSON.stringify(row.unassignedReason));
  const plan = await sup.get(`/api/orders/plan?from=${day}&days=7`);
  assert.equal(plan.status, 200, plan.text);
  assert.ok(plan.body.byState.assigned >= 1);
  assert.ok(plan.body.byInspector.find((i: { inspectorId: string }) => i.inspectorId === row.inspectorId).byDate[day] >= 1);
  assert.equal((await insp1.get('/api/orders/plan')).status, 403);
  assert.equal((await sup.get('/api/orders/plan?days=99')).status, 400);

  const who = row.inspectorId === (await userId(t, 'inspector1')) ? insp1 : await client(t, 'inspector2');
  const start = await who.post(`/api/orders/${o.id}/start`);
  assert.equal(start.status, 409);
  assert.equal(start.body.error.code, 'invalid_transition');
  assert.match(start.body.error.message, /cannot go from assigned to in_progress \(allowed from assigned: eligibility_decided, cancelled\)/);
  assert.deepEqual(start.body.error.details.allowed, ['eligibility_decided', 'cancelled']);
  const book = await beta.post(`/api/orders/${o.id}/booking`, { start: `${day}T02:00:00Z`, end: `${day}T03:00:00Z`, operatorUserId: await userId(t, 'beta.operator') });
  assert.equal(book.body.error.code, 'invalid_transition');

  assert.equal((await sup.post(`/api/orders/${o.id}/cancel`, { reason: 'x' })).status, 400, 'a reason of at least 3 characters');
  assert.equal((await beta.post(`/api/orders/${o.id}/cancel`, { reason: 'we do not want it' })).status, 403);
  const cancelled = await sup.post(`/api/orders/${o.id}/cancel`, { reason: 'declaration withdrawn' });
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.state, 'cancelled');
  const twice = await sup.post(`/api/orders/${o.id}/cancel`, { reason: 'declaration withdrawn' });
  assert.equal(twice.body.error.code, 'invalid_transition');
  assert.match(twice.body.error.message, /cancelled is final/);
  assert.deepEqual(await auditActions(t, o.id), ['order.created', 'order.assigned', 'order.cancelled']);
  // A cancelled order does not block a new one for the same declaration.
  assert.equal((await sup.post('/api/orders', { declarationId: d.id })).status, 201);
});

test('live: the assigned inspector gets a notification and an invalidation over the WebSocket when dispatch assigns', async () => {
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const sockets: WebSocket[] = [];
  const open = (cookie: string) => new Promise<{ next: (pred: (m: any) => boolean) => Promise<any> }>((resolve, reject) => {
    const ws = new WebSocket(`${address.replace('http', 'ws')}/api/ws`, { headers: { cookie } });
    sockets.push(ws);
    const seen: any[] = [];
    const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      const w = waiters.find((x) => x.pred(m));
      if (w) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); } else seen.push(m);
    });
    ws.on('open', () => resolve({
      next: (pred) => new Promise((r) => {
        const i = seen.findIndex(pred);
        if (i >= 0) r(seen.splice(i, 1)[0]);
        else waiters.push({ pred, resolve: r });
      }),
    }));
    ws.on('error', reject);
  });
  try {
    const both = await Promise.all([open(insp1.cookie), open((await client(t, 'inspector2')).cookie)]);
    const [d] = (await declarationIds(t, 'beta', 3)).slice(2);
    await sup.post('/api/orders', { declarationId: d.id });
    const run = await sup.post('/api/dispatch/runs', { date: futureWeekday(4) });
    const [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.declarationId, d.id));
    assert.equal(row.state, 'assigned', JSON.stringify(row.unassignedReason));
    const target = row.inspectorId === (await userId(t, 'inspector1')) ? both[0] : both[1];
    const note = await target.next((m) => m.type === 'notification');
    assert.equal(note.notification.kind, 'order.assigned');
    assert.equal(note.notification.payload.runId, run.body.id);
    const inv = await target.next((m) => m.type === 'invalidate');
    assert.deepEqual(inv.keys[0], ['orders']);
  } finally {
    for (const s of sockets) s.close();
  }
});
