// Supervisor control of dispatch (issue 18): assign an unassigned order by hand with a reason (audited, visible to
// auditors, conflict of interest never overridden, other rules only with an explicit override), see every inspector
// checked against the rules, plan onto later duty days, change rotation / look-ahead / capacity for the office.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { and, asc, eq } from 'drizzle-orm';
import { addDays } from '@rvi/dispatch';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, inspectionOrders, inspectorProfiles, inspectorRosters, orderTransitions } from '../../db/schema.ts';
import { addInspector, client, declarationIds, futureWeekday, retireDemoInspectors, type Client } from '../orders/orders.test-helpers.ts';

const MACHINERY = (hs: string) => hs.startsWith('84') || hs.startsWith('85');
const machinery = ['machinery_electronics'];
let t: TestApp;
let sup: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  sup = await client(t, 'supervisor');
  await retireDemoInspectors(t);
});
after(async () => t?.close());

async function newOrder(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (const d of await declarationIds(t, 'alpha', 12, MACHINERY)) {
    const existing = await t.ctx.db.select({ id: inspectionOrders.id }).from(inspectionOrders).where(eq(inspectionOrders.declarationId, d.id));
    if (existing.length) continue;
    const r = await sup.post('/api/orders', { declarationId: d.id });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
    if (ids.length === n) break;
  }
  return ids;
}

test('dispatch settings: the supervisor changes rotation and look-ahead with a reason (audited); others may not', async () => {
  const bad = await sup.put('/api/order-settings/dispatch', { rotationDays: 3, lookaheadDays: 2 });
  assert.equal(bad.status, 400, 'a reason is required');
  const tooFar = await sup.put('/api/order-settings/dispatch', { rotationDays: 3, lookaheadDays: 99, reason: 'too far' });
  assert.equal(tooFar.status, 400);
  assert.match(tooFar.text, /lookaheadDays/);
  const insp = await client(t, 'inspector1');
  assert.equal((await insp.put('/api/order-settings/dispatch', { rotationDays: 3, lookaheadDays: 2, reason: 'not mine' })).status, 403);
  const ent = await client(t, 'alpha.user');
  assert.equal((await ent.put('/api/order-settings/dispatch', { rotationDays: 3, lookaheadDays: 2, reason: 'not mine' })).status, 403);
  const ok = await sup.put('/api/order-settings/dispatch', { rotationDays: 0, lookaheadDays: 2, weightTolerancePct: 3, reason: 'one inspector on leave this week' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual([ok.body.rotationDays, ok.body.lookaheadDays, ok.body.weightTolerancePct], [0, 2, 3]);
  const [entry] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'dispatch_settings.changed'));
  assert.equal((entry.summary as { reason: string }).reason, 'one inspector on leave this week');
  assert.deepEqual((entry.summary as { after: unknown }).after, { rotationDays: 0, lookaheadDays: 2, weightTolerancePct: 3 });
});

test('look-ahead: dispatch plans onto the next duty day when nobody is free on the due day', async () => {
  const day = futureWeekday(1, 14);
  const a = await addInspector(t, 'la-a', { qualifications: machinery, capacity: 1, onDuty: [day, addDays(day, 1)] });
  const ids = await newOrder(2);
  const run = await sup.post('/api/dispatch/runs', { date: day });
  assert.equal(run.status, 201, run.text);
  assert.equal(run.body.summary.assigned, 2);
  const rows = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.inspectorId, a)).orderBy(asc(inspectionOrders.assignedDate));
  assert.deepEqual(rows.map((r) => r.assignedDate), [day, addDays(day, 1)]);
  const replay = await sup.get(`/api/dispatch/runs/${run.body.id}/replay`);
  assert.equal(replay.body.same, true, JSON.stringify(replay.body.differences));
  for (const id of ids) await sup.post(`/api/orders/${id}/cancel`, { reason: 'test cleanup' });
  await t.ctx.db.update(inspectorProfiles).set({ active: false }).where(eq(inspectorProfiles.userId, a));
});

test('an unassigned order: readable reason, every inspector checked, assigned by hand with a reason', async () => {
  const day = futureWeekday(3, 21);
  const full = await addInspector(t, 'h-full', { qualifications: machinery, capacity: 0, onDuty: [day] });
  const conflicted = await addInspector(t, 'h-conflict', { qualifications: machinery, capacity: 5, onDuty: [day] });
  const off = await addInspector(t, 'h-off', { qualifications: machinery, capacity: 5, offDuty: [day] });
  assert.equal((await sup.post(`/api/inspectors/${conflicted}/conflicts`, { enterpriseId: t.orgs.alpha, reason: 'brother works at Alpha' })).status, 204);
  const [id] = await newOrder(1);
  const run = await sup.post('/api/dispatch/runs', { date: day });
  assert.equal(run.body.summary.unassigned, 1, JSON.stringify(run.body));
  const detail = await sup.get(`/api/orders/${id}`);
  assert.equal(detail.body.state, 'selected');
  assert.equal(detail.body.can.assign, true);
  const reason = detail.body.unassignedReason;
  assert.equal(reason.date, day);
  assert.deepEqual([reason.eliminated.at_capacity, reason.eliminated.conflict_of_interest, reason.eliminated.off_duty], [1, 1, 1]);
  assert.equal(reason.triedDays, 2, 'the look-ahead days were tried too');
  assert.doesNotMatch(reason.message, new RegExp(t.orgs.office), 'no office id in the message');

  // The dialog's check: every rule each inspector fails on that day.
  const cands = await sup.get(`/api/orders/${id}/candidates?date=${day}`);
  assert.equal(cands.status, 200, cands.text);
  const byId = new Map(cands.body.items.map((c: { inspectorId: string }) => [c.inspectorId, c]));
  assert.deepEqual((byId.get(full) as { failedRules: string[] }).failedRules, ['at_capacity']);
  assert.deepEqual((byId.get(conflicted) as { failedRules: string[] }).failedRules, ['conflict_of_interest']);
  assert.deepEqual((byId.get(off) as { failedRules: string[] }).failedRules, ['off_duty']);

  // 401 / 403 / 400 / 404 before the happy path.
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/orders/${id}/assign`, payload: { inspectorId: full, reason: 'x y z' } })).statusCode, 401);
  const insp = await client(t, 'inspector1');
  assert.equal((await insp.post(`/api/orders/${id}/assign`, { inspectorId: full, reason: 'x y z' })).status, 403);
  const ent = await client(t, 'alpha.user');
  assert.equal((await ent.post(`/api/orders/${id}/assign`, { inspectorId: full, reason: 'x y z' })).status, 403);
  assert.equal((await sup.post(`/api/orders/${id}/assign`, { inspectorId: full })).status, 400);
  assert.equal((await sup.post('/api/orders/no-such-order/assign', { inspectorId: full, reason: 'x y z' })).status, 404);
  assert.equal((await sup.post(`/api/orders/${id}/assign`, { inspectorId: full, reason: 'x y z', date: '2001-01-01' })).body.error.code, 'date_in_past');

  // Conflict of interest: never, even with the override.
  const coi = await sup.post(`/api/orders/${id}/assign`, { inspectorId: conflicted, reason: 'nobody else', override: true });
  assert.equal(coi.status, 409);
  assert.equal(coi.body.error.code, 'conflict_of_interest');
  // At capacity: refused naming the rule, accepted with the override.
  const refused = await sup.post(`/api/orders/${id}/assign`, { inspectorId: full, reason: 'urgent goods', date: day });
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.body.error.details.failedRules, ['at_capacity']);
  const done = await sup.post(`/api/orders/${id}/assign`, { inspectorId: full, reason: 'urgent perishable goods, overtime agreed', date: day, override: true });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.state, 'assigned');
  assert.equal(done.body.inspectorId, full);
  assert.equal(done.body.assignedDate, day);
  assert.equal(done.body.unassignedReason, null);
  assert.deepEqual([done.body.assignment.by, done.body.assignment.reason, done.body.assignment.actorName], ['supervisor', 'urgent perishable goods, overtime agreed', 'Chen Jing (supervisor)']);
  assert.equal((await sup.post(`/api/orders/${id}/assign`, { inspectorId: off, reason: 'again' })).body.error.code, 'invalid_state', 'assign only while unassigned');

  // Audited with the reason and the overridden rule; in the order history; the auditor sees it.
  const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetId, id), eq(auditLog.action, 'order.assigned')));
  const summary = entry.summary as { reason: string; overridden: string[]; manual: boolean };
  assert.deepEqual([summary.reason, summary.overridden, summary.manual], ['urgent perishable goods, overtime agreed', ['at_capacity'], true]);
  const [tr] = await t.ctx.db.select().from(orderTransitions).where(and(eq(orderTransitions.orderId, id), eq(orderTransitions.toState, 'assigned')));
  assert.equal(tr.reason, 'urgent perishable goods, overtime agreed');
  const auditor = await client(t, 'auditor');
  const seen = await auditor.get(`/api/orders/${id}`);
  assert.equal(seen.body.assignment.reason, 'urgent perishable goods, overtime agreed');
  assert.ok(seen.body.transitions.some((x: { reason: string | null }) => x.reason === 'urgent perishable goods, overtime agreed'));
  // The enterprise sees neither who nor why.
  const entView = await ent.get(`/api/orders/${id}`);
  assert.equal(entView.body.assignment, undefined);
  assert.equal(entView.body.inspectorId, null);

  // Reassign by hand with a reason, to a later day where the off-duty inspector is free (roster default: weekdays off).
  const later = addDays(day, 1);
  await t.ctx.db.insert(inspectorRosters).values({ inspectorId: off, date: later, onDuty: true });
  const moved = await sup.post(`/api/orders/${id}/reassign`, { inspectorId: off, reason: 'h-full needed for the audit visit', date: later });
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual([moved.body.inspectorId, moved.body.assignedDate, moved.body.assignment.by], [off, later, 'supervisor']);
});
