// Booking through the API: the inspector registers a remote inspection and slots are offered from the office's
// working hours (Asia/Shanghai); the enterprise books one or proposes another, naming its operator; double
// bookings of an inspector or an operator are refused, also when two requests race; missed appointments are
// detected and rescheduled; the on-site path; arrival confirmation puts inspect-on-arrival orders first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { and, eq } from 'drizzle-orm';
import { toWallClock } from '@rvi/dispatch';
import { GOODS_CATEGORIES } from '@rvi/contracts';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { appointments, inspectionOrders, notifications } from '../../db/schema.ts';
import { auditActions, client, declarationIds, futureWeekday, TZ, userId, type Client } from '../orders/orders.test-helpers.ts';

const NOT_LIVE = (hs: string) => !hs.startsWith('01') && !hs.startsWith('93');
let t: TestApp;
let sup: Client;
let alpha: Client;
let beta: Client;
let insp: Record<string, Client>;
let ids: Record<string, string>;
const used = { alpha: 0, beta: 0 };

before(async () => {
  t = await startTestApp({}, { jobs: false });
  const admin = await client(t, 'admin');
  const s = (await admin.get('/api/order-settings')).body;
  assert.equal((await admin.put('/api/order-settings', { ...s, rotationDays: 0 })).status, 200);
  [sup, alpha, beta] = await Promise.all(['supervisor', 'alpha.user', 'beta.user'].map((u) => client(t, u)));
  insp = { inspector1: await client(t, 'inspector1'), inspector2: await client(t, 'inspector2') };
  ids = {};
  for (const u of ['inspector1', 'inspector2', 'alpha.operator', 'beta.operator', 'alpha.user']) ids[u] = await userId(t, u);
  // Room for every order of this file on one day, for both demo inspectors.
  for (const u of ['inspector1', 'inspector2']) {
    assert.equal((await sup.put(`/api/inspectors/${ids[u]}/profile`, { qualifications: [...GOODS_CATEGORIES], dailyCapacity: 30 })).status, 204);
  }
});
after(async () => t?.close());

/** An order of the enterprise, decided by its inspector (remote unless said otherwise); optionally forced to one inspector. */
async function decidedOrder(org: 'alpha' | 'beta', opts: { mode?: 'remote' | 'onsite'; inspector?: string; inspectOnArrival?: boolean } = {}) {
  const [d] = (await declarationIds(t, org, used[org] + 1, NOT_LIVE)).slice(used[org]);
  used[org]++;
  const o = await sup.post('/api/orders', { declarationId: d.id, ...(opts.inspectOnArrival ? { inspectOnArrival: true } : {}) });
  assert.equal(o.status, 201, o.text);
  await sup.post('/api/dispatch/runs', { date: futureWeekday(3) });
  let [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.body.id));
  assert.equal(row.state, 'assigned');
  if (opts.inspector && ids[opts.inspector] !== row.inspectorId) {
    const r = await sup.post(`/api/orders/${row.id}/reassign`, { inspectorId: ids[opts.inspector], reason: 'test needs this inspector' });
    assert.equal(r.status, 200, r.text);
    [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, o.body.id));
  }
  const who = row.inspectorId === ids.inspector1 ? 'inspector1' : 'inspector2';
  const dec = await insp[who].post(`/api/orders/${row.id}/eligibility`, { mode: opts.mode ?? 'remote', reason: 'decided for the booking test' });
  assert.equal(dec.status, 200, dec.text);
  return { id: row.id, orderNo: row.orderNo, inspector: insp[who], inspectorName: who };
}

test('remote: register → slots in working hours → enterprise books with its operator → booked; audited and notified', async () => {
  const o = await decidedOrder('alpha');
  assert.equal((await alpha.post(`/api/orders/${o.id}/booking`, { start: '2030-01-07T01:00:00Z', end: '2030-01-07T02:00:00Z', operatorUserId: ids['alpha.operator'] })).body.error.code, 'not_registered');
  assert.equal((await sup.post(`/api/orders/${o.id}/register-remote`, {})).status, 403, 'only the assigned inspector registers');
  const reg = await o.inspector.post(`/api/orders/${o.id}/register-remote`, {});
  assert.equal(reg.status, 200, reg.text);
  const slots = reg.body.proposedSlots;
  assert.ok(slots.length >= 3);
  for (const s of slots) {
    const local = toWallClock(Date.parse(s.start), TZ);
    assert.ok(local.weekday <= 5, `slot on a weekend: ${s.start}`);
    assert.ok(local.time >= '09:00' && toWallClock(Date.parse(s.end), TZ).time <= '17:30', `slot outside 09:00–17:30 Shanghai: ${s.localStart}–${s.localEnd}`);
  }
  // The enterprise was told (that it is planned and when, not why).
  const [note] = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, ids['alpha.user']), eq(notifications.kind, 'inspection.registered')));
  assert.equal((note.payload as { orderNo: string }).orderNo, o.orderNo);
  // Another enterprise cannot see or book it.
  assert.equal((await beta.post(`/api/orders/${o.id}/booking`, { start: slots[0].start, end: slots[0].end, operatorUserId: ids['beta.operator'] })).status, 404);
  assert.equal((await alpha.post(`/api/orders/${o.id}/booking`, { start: slots[0].start, end: slots[0].end, operatorUserId: ids['beta.operator'] })).body.error.code, 'invalid_operator');
  assert.equal((await alpha.post(`/api/orders/${o.id}/booking`, { start: slots[0].start, end: slots[0].end })).status, 400);
  const booked = await alpha.post(`/api/orders/${o.id}/booking`, { start: slots[0].start, end: slots[0].end, operatorUserId: ids['alpha.operator'] });
  assert.equal(booked.status, 200, booked.text);
  assert.equal(booked.body.state, 'booked');
  assert.equal(booked.body.appointment.operatorName, 'Sun Hao (Alpha warehouse)');
  assert.equal(booked.body.appointment.proposedBy, 'customs');
  assert.deepEqual((await auditActions(t, o.id)).slice(-2), ['order.remote_registered', 'order.booked']);
  const inspectorNotes = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, ids[o.inspectorName]), eq(notifications.kind, 'appointment.booked')));
  assert.equal(inspectorNotes.length, 1);
  // Booking again is an illegal transition.
  const again = await alpha.post(`/api/orders/${o.id}/booking`, { start: slots[1].start, end: slots[1].end, operatorUserId: ids['alpha.operator'] });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'invalid_transition');
});

test('no double booking: the inspector, the operator, outside working hours, wrong length, and two racing requests', async () => {
  const first = await decidedOrder('alpha', { inspector: 'inspector1' });
  const second = await decidedOrder('beta', { inspector: 'inspector1' });
  const third = await decidedOrder('alpha', { inspector: 'inspector2' });
  for (const o of [first, second, third]) assert.equal((await o.inspector.post(`/api/orders/${o.id}/register-remote`, {})).status, 200);
  // A Wednesday 10:00 Shanghai slot well ahead (02:00 UTC).
  const day = futureWeekday(3, 14);
  const slot = { start: `${day}T02:00:00Z`, end: `${day}T03:00:00Z` };
  const free = await alpha.get(`/api/orders/${first.id}/slots?from=${day}&days=1&operatorUserId=${ids['alpha.operator']}`);
  assert.equal(free.status, 200, free.text);
  assert.ok(free.body.items.some((s: { start: string }) => s.start === new Date(slot.start).toISOString()), 'the slot is free before booking');
  assert.equal((await alpha.post(`/api/orders/${first.id}/booking`, { ...slot, operatorUserId: ids['alpha.operator'] })).status, 200);
  const after = await beta.get(`/api/orders/${second.id}/slots?from=${day}&days=1`);
  assert.equal(after.status, 200, after.text);
  assert.ok(!after.body.items.some((s: { start: string }) => s.start === new Date(slot.start).toISOString()), 'a booked slot of the inspector is no longer offered');

  // Same inspector, same time, another enterprise: refused.
  const clash = await beta.post(`/api/orders/${second.id}/booking`, { ...slot, operatorUserId: ids['beta.operator'] });
  assert.equal(clash.status, 409);
  assert.equal(clash.body.error.code, 'slot_unavailable');
  assert.equal(clash.body.error.details.reason, 'inspector_busy');
  // Same operator, overlapping time, another inspector: refused.
  const overlap = { start: `${day}T02:30:00Z`, end: `${day}T03:30:00Z` };
  const busyOperator = await alpha.post(`/api/orders/${third.id}/booking`, { ...overlap, operatorUserId: ids['alpha.operator'] });
  assert.equal(busyOperator.body.error.details.reason, 'operator_busy');
  // Outside working hours (20:00 Shanghai) and a wrong length.
  const late = await alpha.post(`/api/orders/${third.id}/booking`, { start: `${day}T12:00:00Z`, end: `${day}T13:00:00Z`, operatorUserId: ids['alpha.user'] });
  assert.equal(late.body.error.details.reason, 'outside_working_hours');
  assert.equal((await alpha.post(`/api/orders/${third.id}/booking`, { start: `${day}T04:00:00Z`, end: `${day}T04:30:00Z`, operatorUserId: ids['alpha.user'] })).body.error.code, 'invalid_slot');
  // The enterprise proposes its own time (not offered, but free and in working hours): accepted and marked as its proposal.
  const own = await alpha.post(`/api/orders/${third.id}/booking`, { start: `${day}T05:30:00Z`, end: `${day}T06:30:00Z`, operatorUserId: ids['alpha.user'] });
  assert.equal(own.status, 200, own.text);
  assert.equal(own.body.appointment.proposedBy, 'enterprise');

  // Two requests racing for the same inspector and time: exactly one wins.
  const a = await decidedOrder('alpha', { inspector: 'inspector2' });
  const b = await decidedOrder('beta', { inspector: 'inspector2' });
  for (const o of [a, b]) assert.equal((await o.inspector.post(`/api/orders/${o.id}/register-remote`, {})).status, 200);
  const race = { start: `${day}T07:00:00Z`, end: `${day}T08:00:00Z` };
  const results = await Promise.all([
    alpha.post(`/api/orders/${a.id}/booking`, { ...race, operatorUserId: ids['alpha.user'] }),
    beta.post(`/api/orders/${b.id}/booking`, { ...race, operatorUserId: ids['beta.operator'] }),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], results.map((r) => r.text).join('\n'));
  const accepted = await t.ctx.db.select().from(appointments).where(and(eq(appointments.inspectorId, ids.inspector2), eq(appointments.status, 'accepted'), eq(appointments.startAt, new Date(race.start))));
  assert.equal(accepted.length, 1);
});

test('missed appointment: no operator within the grace period → missed, then new slots offered; a second miss waits for an on-site visit', async () => {
  const o = await decidedOrder('beta');
  await o.inspector.post(`/api/orders/${o.id}/register-remote`, {});
  const slot = (await sup.get(`/api/orders/${o.id}`)).body.proposedSlots[0];
  assert.equal((await beta.post(`/api/orders/${o.id}/booking`, { start: slot.start, end: slot.end, operatorUserId: ids['beta.operator'] })).status, 200);
  // The appointment began 30 minutes ago (grace 15): move it into the past directly.
  const past = new Date(Date.now() - 30 * 60_000);
  await t.ctx.db.update(appointments).set({ startAt: past, endAt: new Date(past.getTime() + 3_600_000) }).where(eq(appointments.orderId, o.id));
  assert.equal((await beta.post('/api/appointments/check-missed')).status, 403);
  const check = await sup.post('/api/appointments/check-missed');
  assert.equal(check.status, 200, check.text);
  assert.deepEqual(check.body.missed.map((m: { orderId: string; outcome: string }) => [m.orderId, m.outcome]), [[o.id, 'rescheduled']]);
  let detail = (await sup.get(`/api/orders/${o.id}`)).body;
  assert.equal(detail.state, 'rescheduled');
  assert.equal(detail.missedCount, 1);
  assert.deepEqual(detail.transitions.slice(-3).map((x: { to: string }) => x.to), ['booked', 'missed', 'rescheduled']);
  assert.equal(detail.appointments.find((a: { status: string }) => a.status === 'missed').status, 'missed');
  // Idempotent.
  assert.deepEqual((await sup.post('/api/appointments/check-missed')).body.missed, []);

  // Book again, and miss again: now the order waits for an on-site visit.
  const slot2 = detail.proposedSlots[0];
  assert.equal((await beta.post(`/api/orders/${o.id}/booking`, { start: slot2.start, end: slot2.end, operatorUserId: ids['beta.operator'] })).status, 200);
  await t.ctx.db.update(appointments).set({ startAt: past, endAt: new Date(past.getTime() + 3_600_000) }).where(and(eq(appointments.orderId, o.id), eq(appointments.status, 'accepted')));
  const second = await sup.post('/api/appointments/check-missed');
  assert.equal(second.body.missed[0].outcome, 'missed_onsite_needed');
  detail = (await sup.get(`/api/orders/${o.id}`)).body;
  assert.equal(detail.state, 'missed');
  // On-site path: the inspector schedules a visit (Friday 10:00 Shanghai).
  const friday = futureWeekday(5, 7);
  const visit = await o.inspector.post(`/api/orders/${o.id}/visit`, { start: `${friday}T02:00:00Z`, location: 'Beta warehouse, dock 3', reason: 'two missed remote appointments' });
  assert.equal(visit.status, 200, visit.text);
  assert.equal(visit.body.state, 'onsite_scheduled');
  assert.equal(visit.body.mode, 'onsite');
  assert.equal(visit.body.appointment.kind, 'onsite');
  const start = await o.inspector.post(`/api/orders/${o.id}/start`);
  assert.equal(start.body.state, 'in_progress');
  // In progress: cancelling is refused by the state machine.
  const cancel = await sup.post(`/api/orders/${o.id}/cancel`, { reason: 'changed our mind' });
  assert.equal(cancel.status, 409);
  assert.equal(cancel.body.error.code, 'invalid_transition');
});

test('arrival confirmed: an inspect-on-arrival order jumps to the front of the inspector\'s queue', async () => {
  const first = await decidedOrder('alpha', { inspector: 'inspector1' });
  const flagged = await decidedOrder('alpha', { inspector: 'inspector1', inspectOnArrival: true });
  const queue = async () => (await insp.inspector1.get('/api/orders?mine=true')).body.items.map((x: { id: string }) => x.id);
  assert.ok((await queue()).indexOf(first.id) < (await queue()).indexOf(flagged.id), 'same due date: older first');
  const [decl] = await t.ctx.db.select({ d: inspectionOrders.declarationId }).from(inspectionOrders).where(eq(inspectionOrders.id, flagged.id));
  const notice = await alpha.post(`/api/declarations/${decl.d}/arrival-notices`, {
    expectedArrivalAt: new Date(Date.now() + 86_400_000).toISOString(), location: 'Yangshan terminal 4', containerNumbers: ['MSCU1234566'], goodsSummary: 'pumps',
  });
  assert.equal(notice.status, 201, notice.text);
  const noticeId = notice.body.arrivalNotices[0].id;
  assert.equal((await beta.post(`/api/arrival-notices/${noticeId}/confirm`)).status, 404);
  const conf = await sup.post(`/api/arrival-notices/${noticeId}/confirm`);
  assert.equal(conf.status, 200, conf.text);
  assert.equal(conf.body.orders[0].id, flagged.id);
  assert.equal((await queue())[0], flagged.id);
  const [note] = await t.ctx.db.select().from(notifications).where(and(eq(notifications.userId, ids.inspector1), eq(notifications.kind, 'order.goods_arrived')));
  assert.equal((note.payload as { orderId: string }).orderId, flagged.id);
  // Confirming twice changes nothing.
  assert.equal((await sup.post(`/api/arrival-notices/${noticeId}/confirm`)).body.orders.length, 0);
});
