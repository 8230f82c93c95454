// The demo history runs the real workflow over labelled declarations and dates the cases into the past: a small run
// on a real database (a model trained on the targeting package's fixture, a few hundred declarations).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { appointments, auditLog, decisionEffects, declarations, inspectionOrders, liveSessions, riskLabels } from '../../db/schema.ts';
import { dashSimulatedTimes } from '../../db/schema/dashboard.ts';
import { systemActor } from '../../platform/actor.ts';
import { trainAndRegister } from '../risk/risk.service.ts';
import { containerNumber, defaultOptions, generateDemoHistory, pickRows, readStatus } from './demo-history.service.ts';

const FIXTURE = new URL('../../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname;
let t: TestApp;
const logs: string[] = [];

before(async () => {
  process.env.RVI_TARGETING_SEED_DATA = FIXTURE;
  t = await startTestApp({}, { jobs: false });
  await trainAndRegister(t.ctx.db, systemActor('test'), { reason: 'test', includeLabels: false });
});
after(async () => { delete process.env.RVI_TARGETING_SEED_DATA; await t?.close(); });

test('container numbers carry a valid ISO 6346 check digit', () => {
  assert.equal(containerNumber('CSQ', 305438), 'CSQU3054383'); // the standard's worked example
  assert.match(containerNumber('MSC', 100_001), /^MSCU\d{7}$/);
});

test('rows are picked reproducibly with their fraud labels', () => {
  const a = pickRows(FIXTURE, 50, 's1');
  const b = pickRows(FIXTURE, 50, 's1');
  assert.deepEqual(a.rows.map((r) => r.declarationNo), b.rows.map((r) => r.declarationNo));
  assert.equal(a.rows.length, 50);
  assert.ok(a.header.startsWith('Declaration ID,'));
});

test('history: real workflow, outcomes from the labels, dated into the past, figures filled', { timeout: 600_000 }, async () => {
  const opts = defaultOptions({ weeks: 2, declarations: 400, maxCases: 14, csvPath: FIXTURE, seed: 'test-history', modelWaitMs: 1000, log: (m) => logs.push(m) });
  const s = await generateDemoHistory(t.ctx, opts);
  assert.equal(s.state, 'done', `${s.message} ${logs.join('\n')}`);
  assert.ok(s.declarations >= 350, `imported ${s.declarations}`);
  assert.ok(s.closed >= 8, `only ${s.closed} cases closed: ${logs.join('\n')}`);

  const sim = await t.ctx.db.select().from(dashSimulatedTimes);
  assert.equal(sim.length, s.closed, 'every closed case has a simulated timeline');
  const ids = sim.map((x) => x.orderId);
  const orders = await t.ctx.db.select().from(inspectionOrders).where(inArray(inspectionOrders.id, ids));
  assert.ok(orders.every((o) => o.state === 'closed'), 'cases went through to the end');
  assert.ok(orders.every((o) => o.assignedDate === null), 'history does not hold dispatch capacity or rotation');
  const modes = new Set(orders.map((o) => o.mode));
  assert.ok(modes.has('remote'), 'some remote inspections');
  // Dated within the last two weeks, before today, and in a sensible order.
  const now = Date.now();
  for (const x of sim) {
    assert.ok(x.inspectedAt.getTime() < now && x.inspectedAt.getTime() > now - 16 * 86_400_000, `${x.inspectedAt.toISOString()}`);
    assert.ok(x.startAt < x.inspectedAt && (!x.arrivedAt || x.arrivedAt < x.inspectedAt));
    if (x.releasedAt) assert.ok(x.releasedAt > x.inspectedAt);
  }
  // No history appointment holds a real slot any more.
  const held = await t.ctx.db.select().from(appointments).where(and(inArray(appointments.orderId, ids), eq(appointments.status, 'accepted')));
  assert.equal(held.length, 0);
  // Outcomes follow the dataset's labels (through signed decisions and the four-eyes approval).
  const labels = pickRows(FIXTURE, 400, 'test-history').rows;
  const effects = await t.ctx.db.select({ e: decisionEffects, no: declarations.declarationNo }).from(decisionEffects)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, decisionEffects.orderId)).innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId))
    .where(inArray(decisionEffects.orderId, ids));
  assert.equal(effects.length, s.closed);
  for (const e of effects) assert.equal(e.e.fraud, labels.find((l) => l.declarationNo === e.no)!.fraud, `label of ${e.no}`);
  const riskL = await t.ctx.db.select().from(riskLabels);
  assert.ok(riskL.length >= s.closed, 'outcomes became labels for retraining');
  // Remote cases have an ended, simulated session without media.
  const sessions = await t.ctx.db.select().from(liveSessions).where(inArray(liveSessions.orderId, ids));
  assert.equal(sessions.length, orders.filter((o) => o.mode === 'remote').length);
  assert.ok(sessions.every((x) => x.state === 'ended' && x.mediaNode === 'simulated'));
  const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'demo.history_generated'));
  assert.equal((audit.summary as { simulated: boolean }).simulated, true);

  // The figures of the last 28 days show the history.
  const cookie = await t.login('supervisor');
  const r = await t.app.inject({ url: '/api/dashboard/figures/remote-share', headers: { cookie } });
  assert.equal(r.json().inspections, s.closed);
  const th = await t.app.inject({ url: '/api/dashboard/figures/inspector-throughput', headers: { cookie } });
  assert.ok(th.json().byMode[0].inspectorDays >= 1);
  const facts = (await t.ctx.db.execute(sql`select count(*)::int as n from dash_order_facts where simulated`)) as unknown as { rows: { n: number }[] };
  assert.equal(Number(facts.rows[0].n), s.closed, 'their facts are marked simulated');

  // Runs once.
  const again = await generateDemoHistory(t.ctx, opts);
  assert.equal(again.state, 'done');
  assert.equal((await readStatus(t.ctx.db)).closed, s.closed);
  const none = await t.ctx.db.select().from(inspectionOrders).where(isNull(inspectionOrders.mode));
  assert.ok(none.every((o) => o.state === 'cancelled' || !ids.includes(o.id)));
});
