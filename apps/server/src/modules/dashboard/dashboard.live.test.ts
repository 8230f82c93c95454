// The live wall: session tiles with network quality, queues by state, alerts (bad network over a minute, missed
// appointment, order past its target time), and who may see them. Real database, real routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { inspectionOrders, liveSessions, organisations, sessionEvents } from '../../db/schema.ts';
import { officeToday, addDaysTo } from '../orders/orders.settings.ts';
import { addCase, userIdOf } from './dashboard.test-helpers.ts';
import { classifyNetwork } from './dashboard.live.ts';

let t: TestApp;
const cookies: Record<string, string> = {};
const ago = (ms: number) => new Date(Date.now() - ms);
const sessions: Record<string, string> = {};
const orders: Record<string, string> = {};

async function get(user: string | null, url: string) {
  const r = await t.app.inject({ method: 'GET', url, headers: user ? { cookie: cookies[user] } : {} });
  return { status: r.statusCode, body: r.json() };
}

async function openSession(name: string, state: string, stats: { agoMs: number; rttMs?: number; packetLossPct?: number; bitrateKbps?: number }[], opts: { updatedAgoMs?: number; officeId?: string } = {}) {
  const orderId = await addCase(t, { officeId: opts.officeId, inspector: 'inspector1', mode: 'remote', channel: 'yellow', selection: 'risk', createdAt: ago(3_600_000), state: state === 'ended' ? 'inspected' : 'in_progress' });
  const [o] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, orderId));
  const id = randomUUID();
  await t.ctx.db.insert(liveSessions).values({
    id, orderId, officeId: o.officeId, enterpriseId: o.enterpriseId, inspectorId: o.inspectorId!, state, goodsCategory: o.goodsCategory, mediaNode: 'test',
    createdAt: ago(600_000), connectedAt: ago(540_000), updatedAt: ago(opts.updatedAgoMs ?? 500_000), endedAt: state === 'ended' ? ago(1000) : null,
  });
  for (const s of stats) {
    await t.ctx.db.insert(sessionEvents).values({ id: randomUUID(), sessionId: id, kind: 'stats', source: 'device', at: ago(s.agoMs), payload: { role: 'publisher', rttMs: s.rttMs ?? 40, packetLossPct: s.packetLossPct ?? 0, bitrateKbps: s.bitrateKbps ?? 1800 } });
  }
  // a viewer's own stats never count as the device's network
  await t.ctx.db.insert(sessionEvents).values({ id: randomUUID(), sessionId: id, kind: 'stats', source: 'inspector', at: ago(1000), payload: { role: 'viewer', rttMs: 900, packetLossPct: 30 } });
  sessions[name] = id;
  orders[name] = orderId;
}

async function orderIn(name: string, state: string, updatedAgoMs: number, dueDate?: string) {
  const id = await addCase(t, { inspector: 'inspector2', mode: 'remote', channel: 'green', selection: 'random', createdAt: ago(updatedAgoMs), state });
  await t.ctx.db.update(inspectionOrders).set({ dueDate: dueDate ?? officeToday('Asia/Shanghai') }).where(eq(inspectionOrders.id, id));
  await t.ctx.db.update(inspectionOrders).set({ updatedAt: ago(updatedAgoMs) }).where(eq(inspectionOrders.id, id));
  orders[name] = id;
}

before(async () => {
  t = await startTestApp({}, { jobs: false });
  for (const u of ['supervisor', 'auditor', 'inspector1', 'alpha.user']) cookies[u] = await t.login(u);
  const today = officeToday('Asia/Shanghai');
  await openSession('badForLong', 'connected', [{ agoMs: 90_000, packetLossPct: 8 }, { agoMs: 30_000, rttMs: 520 }]);
  await openSession('recovered', 'connected', [{ agoMs: 90_000, packetLossPct: 8 }, { agoMs: 20_000 }]);
  await openSession('reconnecting', 'reconnecting', [{ agoMs: 150_000 }], { updatedAgoMs: 120_000 });
  await openSession('badJustNow', 'connected', [{ agoMs: 120_000 }, { agoMs: 20_000, packetLossPct: 7 }]);
  await openSession('fair', 'connected', [{ agoMs: 5_000, rttMs: 250 }]);
  await openSession('ended', 'ended', [{ agoMs: 5_000, packetLossPct: 50 }], { updatedAgoMs: 300_000 });
  const other = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: other, kind: 'customs_office', name: 'Other Customs', code: `CUS-LV-${other.slice(0, 4)}` });
  await openSession('otherOffice', 'connected', [{ agoMs: 90_000, packetLossPct: 9 }, { agoMs: 10_000, packetLossPct: 9 }], { officeId: other });
  await orderIn('waitingLong', 'selected', 5 * 3_600_000);
  await orderIn('waitingShort', 'selected', 3_600_000);
  await orderIn('pastDue', 'assigned', 3_600_000, addDaysTo(today, -1));
  await orderIn('missed', 'missed', 600_000);
  await orderIn('toBook', 'eligibility_decided', 600_000);
});
after(async () => t?.close());

test('network quality from the device\'s figures', () => {
  assert.equal(classifyNetwork({ rttMs: 40, packetLossPct: 0, bitrateKbps: 1800 }), 'good');
  assert.equal(classifyNetwork({ rttMs: 250, packetLossPct: 0, bitrateKbps: 1800 }), 'fair');
  assert.equal(classifyNetwork({ rttMs: 40, packetLossPct: 2.5, bitrateKbps: null }), 'fair');
  // issue 12: a static scene on a perfect loopback link (2-7 ms, 0 % loss) encodes small and is good
  assert.equal(classifyNetwork({ rttMs: 4, packetLossPct: 0, bitrateKbps: 150 }), 'good');
  assert.equal(classifyNetwork({ rttMs: 40, packetLossPct: 0, bitrateKbps: 250, fps: 6, qualityLimitation: 'bandwidth' }), 'poor');
  assert.equal(classifyNetwork({ rttMs: 40, packetLossPct: 0, bitrateKbps: null, jitterMs: 70 }), 'fair');
  assert.equal(classifyNetwork({ rttMs: 400, packetLossPct: 0, bitrateKbps: 2000 }), 'poor');
  assert.equal(classifyNetwork({ rttMs: null, packetLossPct: null, bitrateKbps: null }), 'unknown');
  assert.equal(classifyNetwork(null), 'unknown');
  assert.equal(classifyNetwork({ rttMs: 10, packetLossPct: 0, bitrateKbps: 3000 }, 'reconnecting'), 'poor');
});

test('session tiles: open sessions of the office with enterprise, goods, inspector and network quality', async () => {
  const r = await get('supervisor', '/api/dashboard/live/sessions');
  assert.equal(r.status, 200);
  const byId = new Map(r.body.items.map((i: any) => [i.sessionId, i]));
  assert.equal(r.body.items.length, 5, 'ended sessions and other offices are not shown');
  assert.ok(!byId.has(sessions.ended) && !byId.has(sessions.otherOffice));
  const bad: any = byId.get(sessions.badForLong);
  assert.equal(bad.enterpriseName, 'Alpha Trading Co., Ltd.');
  assert.equal(bad.inspectorName, 'Zhang Wei (inspector)');
  assert.equal(bad.goodsCategory, 'electronics');
  assert.equal(bad.hs6, '851762');
  assert.deepEqual([bad.network.quality, bad.network.rttMs], ['poor', 520]);
  assert.equal(bad.canObserve, true);
  assert.match(bad.observeUrl, new RegExp(`/customs/sessions/${sessions.badForLong}`));
  assert.equal(bad.thumbnailUrl, null, 'no snapshot yet');
  assert.equal((byId.get(sessions.recovered) as any).network.quality, 'good');
  assert.equal((byId.get(sessions.fair) as any).network.quality, 'fair');
  assert.equal((byId.get(sessions.reconnecting) as any).network.quality, 'poor');
  assert.deepEqual([bad.network.rung, bad.network.transport], [null, null], 'no rung or transport reported yet');

  // the device's latest rung of the ladder (and why) and how its media travels, as the camera page reported them
  const at = (ms: number) => new Date(Date.now() - ms);
  await t.ctx.db.insert(sessionEvents).values([
    { id: randomUUID(), sessionId: sessions.fair, kind: 'quality.rung', source: 'device', at: at(40_000), payload: { rung: '360p30', reason: 'bandwidth', value: 420, before: '720p30' } },
    { id: randomUUID(), sessionId: sessions.fair, kind: 'quality.rung', source: 'device', at: at(20_000), payload: { rung: 'stills', reason: 'pinned', value: null, before: '360p30' } },
    { id: randomUUID(), sessionId: sessions.fair, kind: 'network.transport', source: 'device', at: at(30_000), payload: { role: 'publisher', transport: 'relay-tcp' } },
    { id: randomUUID(), sessionId: sessions.fair, kind: 'network.transport', source: 'inspector', at: at(10_000), payload: { role: 'viewer', transport: 'host' } },
  ]);
  const again = await get('supervisor', '/api/dashboard/live/sessions');
  const fair = again.body.items.find((i: any) => i.sessionId === sessions.fair);
  assert.deepEqual(fair.network.rung, { rung: 'stills', reason: 'pinned', value: null }, 'the latest rung');
  assert.equal(fair.network.transport, 'relay-tcp', 'the device\'s path, not a viewer\'s');
  const auditor = await get('auditor', '/api/dashboard/live/sessions');
  assert.equal(auditor.body.items[0].canObserve, false, 'management reads the wall but does not join sessions');
});

test('alerts: bad network over a minute, reconnecting, missed appointment, past target time or due date', async () => {
  const r = await get('supervisor', '/api/dashboard/live/alerts');
  assert.equal(r.status, 200);
  const got = r.body.items.map((a: any) => `${a.kind}:${a.orderId}:${a.severity}`).sort();
  const want = [
    `bad_network:${orders.badForLong}:warning`,
    `bad_network:${orders.reconnecting}:critical`,
    `missed_appointment:${orders.missed}:critical`,
    `overdue:${orders.waitingLong}:warning`,
    `overdue:${orders.pastDue}:critical`,
  ].sort();
  assert.deepEqual(got, want);
  const bad = r.body.items.find((a: any) => a.orderId === orders.badForLong);
  assert.equal(bad.sessionId, sessions.badForLong);
  assert.ok(Date.now() - Date.parse(bad.since) >= 85_000, 'the alert dates from the first poor sample of the run');
  const late = r.body.items.find((a: any) => a.orderId === orders.waitingLong);
  assert.deepEqual([late.detail.state, late.detail.targetHours], ['selected', 4]);
  assert.equal(r.body.items[0].severity, 'critical', 'critical alerts first');
});

test('queues by state with counts and the oldest items', async () => {
  const r = await get('supervisor', '/api/dashboard/live/queues');
  assert.equal(r.status, 200);
  const q = Object.fromEntries(r.body.queues.map((x: any) => [x.key, x]));
  assert.deepEqual(Object.keys(q), [
    'selected', 'awaiting_dispatch', 'awaiting_eligibility', 'awaiting_booking', 'booked', 'booked_today', 'visit_scheduled', 'in_progress',
    'awaiting_decision', 'awaiting_approval',
  ]);
  // Assigned orders waiting for the inspector's remote/on-site decision have their own queue (they were in none).
  assert.deepEqual(q.awaiting_eligibility.items.map((i: any) => i.id), [orders.pastDue]);
  assert.equal(q.awaiting_eligibility.items[0].overdue, true, 'past its due date');
  assert.equal(q.awaiting_decision.count, 1, 'the ended session\'s order was inspected and waits for a decision');
  assert.equal(q.awaiting_dispatch.count, 2);
  assert.equal(q.awaiting_dispatch.items[0].id, orders.waitingLong, 'oldest first');
  assert.equal(q.awaiting_dispatch.items[0].overdue, true);
  assert.equal(q.awaiting_dispatch.items[1].overdue, false);
  assert.deepEqual(q.awaiting_booking.items.map((i: any) => i.id).sort(), [orders.missed, orders.toBook].sort());
  assert.equal(q.in_progress.count, 5, 'the five open sessions\' orders');
  assert.equal(q.awaiting_approval.count, 0);
  assert.equal(r.body.timeZone, 'Asia/Shanghai');
});

test('only office staff with dashboard.read see the wall', async () => {
  for (const path of ['sessions', 'queues', 'alerts']) {
    const anon = await t.app.inject({ url: `/api/dashboard/live/${path}` });
    assert.equal(anon.statusCode, 401);
    assert.equal((await get('inspector1', `/api/dashboard/live/${path}`)).status, 403, `inspector ${path}`);
    assert.equal((await get('alpha.user', `/api/dashboard/live/${path}`)).status, 403, `enterprise ${path}`);
    assert.equal((await get('auditor', `/api/dashboard/live/${path}`)).status, 200, `auditor ${path}`);
  }
  assert.ok(await userIdOf(t, 'supervisor'));
});
