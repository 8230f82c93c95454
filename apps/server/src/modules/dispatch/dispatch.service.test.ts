// Dispatch through the database: inputs built from profiles, rosters, loads, recent assignments and conflicts;
// constraints hold for every order; rotation holds across runs; the run replays (route and CLI); reassignment
// is checked against the same rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { addDays } from '@rvi/dispatch';
import { startTestApp, freshDatabaseUrl, type TestApp } from '../../../test/harness.ts';
import { auditLog, dispatchRuns, inspectionOrders, notifications } from '../../db/schema.ts';
import { addInspector, auditActions, client, declarationIds, futureWeekday, retireDemoInspectors, type Client } from '../orders/orders.test-helpers.ts';

const MACHINERY = (hs: string) => hs.startsWith('84') || hs.startsWith('85');
let t: TestApp;
let sup: Client;
let admin: Client;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  sup = await client(t, 'supervisor');
  admin = await client(t, 'admin');
  await retireDemoInspectors(t);
});
after(async () => t?.close());

async function setRotation(days: number) {
  const s = (await admin.get('/api/order-settings')).body;
  // Look-ahead off: these tests are about one day's rules (dispatch.assign.test.ts covers planning onto later days).
  const r = await admin.put('/api/order-settings', { ...s, rotationDays: days, lookaheadDays: 0 });
  assert.equal(r.status, 200, r.text);
}

/** Cancels (through the API) every order still waiting, so the next test dispatches only its own. */
async function cancelWaiting() {
  const waiting = (await sup.get('/api/orders?state=selected')).body.items as { id: string }[];
  for (const o of waiting) {
    const r = await sup.post(`/api/orders/${o.id}/cancel`, { reason: 'test cleanup' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.state, 'cancelled');
  }
}

async function order(declarationId: string) {
  const r = await sup.post('/api/orders', { declarationId });
  assert.equal(r.status, 201, r.text);
  return r.body.id as string;
}

test('dispatch routes: 401 without a session, 403 for other roles, 400 for a bad body', async () => {
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/dispatch/runs', payload: {} })).statusCode, 401);
  const insp = await client(t, 'inspector1');
  assert.equal((await insp.post('/api/dispatch/runs', {})).status, 403);
  const ent = await client(t, 'alpha.user');
  assert.equal((await ent.post('/api/dispatch/runs', {})).status, 403);
  const bad = await sup.post('/api/dispatch/runs', { date: '2025-02-30' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'validation');
  assert.equal((await sup.get('/api/dispatch/runs/nope')).status, 404);
});

test('a conflicted, off-duty, unqualified or over-capacity inspector is never chosen; the rest stay unassigned with the reason', async () => {
  await setRotation(0);
  const day = futureWeekday(2);
  const machinery = ['machinery_electronics'];
  const conflicted = await addInspector(t, 'c-conflict', { qualifications: machinery, capacity: 10, onDuty: [day] });
  const offDuty = await addInspector(t, 'c-offduty', { qualifications: machinery, capacity: 10, offDuty: [day] });
  const unqualified = await addInspector(t, 'c-unqual', { qualifications: ['textiles'], capacity: 10, onDuty: [day] });
  const full = await addInspector(t, 'c-full', { qualifications: machinery, capacity: 0, onDuty: [day] });
  const good = await addInspector(t, 'c-good', { qualifications: machinery, capacity: 3, onDuty: [day] });
  const c = await sup.post(`/api/inspectors/${conflicted}/conflicts`, { enterpriseId: t.orgs.alpha, reason: 'former employee of Alpha' });
  assert.equal(c.status, 204, c.text);

  const decls = await declarationIds(t, 'alpha', 5, MACHINERY);
  const ids = [];
  for (const d of decls) ids.push(await order(d.id));
  const run = await sup.post('/api/dispatch/runs', { date: day });
  assert.equal(run.status, 201, run.text);
  assert.equal(run.body.summary.orders, 5);
  assert.equal(run.body.summary.assigned, 3, 'the only candidate takes its capacity');
  assert.equal(run.body.summary.unassigned, 2);

  const rows = await t.ctx.db.select().from(inspectionOrders).where(inArray(inspectionOrders.id, ids));
  for (const r of rows) {
    assert.ok(![conflicted, offDuty, unqualified, full].includes(r.inspectorId!), `order ${r.orderNo} went to an ineligible inspector`);
    if (r.state === 'assigned') {
      assert.equal(r.inspectorId, good);
      assert.equal(r.assignedDate, day);
    } else {
      assert.equal(r.state, 'selected');
      assert.equal(r.inspectorId, null);
    }
  }
  // The reason of an unassigned order is visible to the supervisor, naming the blocking rules.
  const waiting = rows.find((r) => r.state === 'selected')!;
  const detail = await sup.get(`/api/orders/${waiting.id}`);
  assert.equal(detail.body.unassignedReason.reason, 'no_candidates');
  assert.deepEqual([...detail.body.unassignedReason.blockingRules].sort(), ['at_capacity', 'conflict_of_interest', 'off_duty', 'unqualified']);
  assert.match(detail.body.unassignedReason.message, /conflict of interest 1/);

  // The run is recorded with its seed and input; the audit entry carries seed, input hash and summary.
  const [stored] = await t.ctx.db.select().from(dispatchRuns).where(eq(dispatchRuns.id, run.body.id));
  assert.equal(stored.seed, run.body.seed);
  const [entry] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, run.body.id));
  assert.equal(entry.action, 'dispatch.run');
  const summary = entry.summary as { seed: string; inputHash: string; summary: { assigned: number } };
  assert.equal(summary.seed, stored.seed);
  assert.equal(summary.inputHash, stored.inputHash);
  assert.equal(summary.summary.assigned, 3);
  const assignedId = rows.find((r) => r.state === 'assigned')!.id;
  assert.deepEqual(await auditActions(t, assignedId), ['order.created', 'order.assigned']);
  // The inspector was notified, once for the run.
  const notes = await t.ctx.db.select().from(notifications).where(eq(notifications.userId, good));
  assert.equal(notes.length, 1);
  assert.equal((notes[0].payload as { count: number }).count, 3);

  // The explanation of each assignment is served with the run.
  const got = await sup.get(`/api/dispatch/runs/${run.body.id}`);
  const assigned = got.body.result.orders.find((o: { status: string }) => o.status === 'assigned');
  assert.equal(assigned.explanation.candidates, 1);
  assert.equal(assigned.explanation.eliminated.conflict_of_interest, 1);

  // Replay through the API: same result.
  const replay = await sup.get(`/api/dispatch/runs/${run.body.id}/replay`);
  assert.equal(replay.status, 200);
  assert.equal(replay.body.same, true, JSON.stringify(replay.body.differences));
  assert.equal(replay.body.auditMatches, true);

  // Reassignment is checked against the same rules.
  const toConflicted = await sup.post(`/api/orders/${assignedId}/reassign`, { inspectorId: conflicted, reason: 'workload' });
  assert.equal(toConflicted.status, 409);
  assert.equal(toConflicted.body.error.code, 'conflict_of_interest');
  assert.match(toConflicted.body.error.message, /conflict of interest/);
  // Never, not even with an override.
  const forced = await sup.post(`/api/orders/${assignedId}/reassign`, { inspectorId: conflicted, reason: 'workload', override: true });
  assert.equal(forced.body.error.code, 'conflict_of_interest');
  assert.equal((await sup.post(`/api/orders/${assignedId}/reassign`, { inspectorId: offDuty, reason: 'workload' })).body.error.code, 'reassign_not_allowed');
  assert.equal((await sup.post(`/api/orders/${assignedId}/reassign`, { inspectorId: good })).status, 400, 'reason is required');
  const other = await addInspector(t, 'c-other', { qualifications: machinery, capacity: 2, onDuty: [day] });
  const moved = await sup.post(`/api/orders/${assignedId}/reassign`, { inspectorId: other, reason: 'c-good is needed elsewhere' });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.inspectorId, other);
  assert.ok((await auditActions(t, assignedId)).includes('order.reassigned'));
  const insp = await client(t, 'inspector1');
  assert.equal((await insp.post(`/api/orders/${assignedId}/reassign`, { inspectorId: good, reason: 'x y z' })).status, 403);
  await cancelWaiting();
});

test('rotation: an inspector does not get the same enterprise again within the window', async () => {
  await setRotation(7);
  const monday = futureWeekday(1, 21);
  const thursday = addDays(monday, 3);
  const nextMonday = addDays(monday, 7);
  const only = await addInspector(t, 'r-only', { qualifications: ['machinery_electronics'], capacity: 10, onDuty: [monday, thursday, nextMonday] });
  // retire the inspectors of the previous test: only r-only may take these orders
  await t.ctx.db.execute(sql`update inspector_profiles set active = false where user_id <> ${only}`);
  const [d1, d2, d3] = await declarationIds(t, 'alpha', 8, MACHINERY).then((l) => l.slice(5));
  const o1 = await order(d1.id);
  const r1 = await sup.post('/api/dispatch/runs', { date: monday });
  assert.equal(r1.body.summary.assigned, 1);
  const o2 = await order(d2.id);
  const r2 = await sup.post('/api/dispatch/runs', { date: thursday });
  assert.equal(r2.body.summary.assigned, 0, '3 days later is within the 7-day rotation');
  assert.deepEqual(r2.body.result.orders[0].blockingRules, ['rotation']);
  const o3 = await order(d3.id);
  const r3 = await sup.post('/api/dispatch/runs', { date: nextMonday });
  // o2 (still waiting) and o3 are both dispatched for next Monday: 7 days after o1, so the first is allowed, and the
  // second is then within the window of the first.
  assert.equal(r3.body.summary.assigned, 1);
  assert.equal(r3.body.summary.unassignedByRule.rotation, 1);
  const rows = await t.ctx.db.select().from(inspectionOrders).where(inArray(inspectionOrders.id, [o1, o2, o3]));
  assert.equal(rows.filter((r) => r.inspectorId === only).length, 2);
  await cancelWaiting();
});

test('fairness: equal inspectors share a day\'s orders evenly (within two orders of each other)', async () => {
  await setRotation(0);
  await t.ctx.db.execute(sql`update inspector_profiles set active = false`);
  const day = futureWeekday(3, 35);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await addInspector(t, `f-${i}`, { qualifications: ['machinery_electronics'], capacity: 20, onDuty: [day] }));
  const decls = await declarationIds(t, 'beta', 14, MACHINERY);
  for (const d of decls) await order(d.id);
  const run = await sup.post('/api/dispatch/runs', { date: day });
  assert.equal(run.body.summary.assigned, 14);
  const counts = await t.ctx.db.select({ id: inspectionOrders.inspectorId, n: sql<number>`count(*)::int` }).from(inspectionOrders)
    .where(inArray(inspectionOrders.inspectorId, ids)).groupBy(inspectionOrders.inspectorId);
  const loads = counts.map((c) => Number(c.n));
  assert.equal(loads.reduce((a, b) => a + b, 0), 14);
  // The draw prefers the least loaded without excluding the others (one order above weighs 1/16, two above 1/81: an
  // assignment nobody can predict). For 14 orders over 4 inspectors that leaves a spread above one order in 2.5 % of
  // draws and above two in 0.11 % (200,000 simulated draws of this weighting); "within one" failed the fresh-clone CI of 2026-12-08 (loads 3,3,3,5).
  assert.ok(Math.max(...loads) - Math.min(...loads) <= 2, `loads ${loads}`);
});

test('rvi dispatch replay RUN_ID: exit 0 "same result", exit 1 naming differences after tampering, exit 2 for an unknown run', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-dispatch-cli-'));
  const fresh = await freshDatabaseUrl();
  const { createContext, closeContext } = await import('../../app.ts');
  const { loadConfig } = await import('../../platform/config.ts');
  const { seedOnFirstStart } = await import('../orgs/demo.ts');
  const { runDispatch } = await import('./dispatch.service.ts');
  const { createInspectionOrder } = await import('../orders/orders.service.ts');
  const { systemActor } = await import('../../platform/actor.ts');
  const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: fresh.url ?? '', LOG_LEVEL: 'silent' };
  try {
    const ctx = await createContext(loadConfig({ DATA_DIR: dir, DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv), { jobs: false });
    await seedOnFirstStart(ctx.db, { demo: true, password: 'cli-test-pass' });
    const system = systemActor('test');
    const [office] = await ctx.db.execute(sql`select id from organisations where code = 'CUS-YS'`).then((r) => ((r as { rows?: unknown[] }).rows ?? r) as { id: string }[]);
    const decls = await ctx.db.execute(sql`select id from declarations order by declaration_no limit 6`).then((r) => ((r as { rows?: unknown[] }).rows ?? r) as { id: string }[]);
    for (const d of decls) await createInspectionOrder(ctx.db, system, { declarationId: d.id, selection: 'random', seed: 'test-seed' });
    const run = await runDispatch(ctx.db, system, { officeId: office.id, date: futureWeekday(2) });
    assert.ok(run.summary.orders === 6);
    await closeContext(ctx);

    const bin = new URL('../../../bin/rvi.mjs', import.meta.url).pathname;
    const rvi = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    const same = rvi('dispatch', 'replay', run.id);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /replay: same result/);

    const ctx2 = await createContext(loadConfig({ DATA_DIR: dir, DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv), { jobs: false });
    // Tamper with the recorded result: say the first order went to someone else.
    await ctx2.db.execute(sql`update dispatch_runs set result = jsonb_set(result, '{orders,0,position}', '99') where id = ${run.id}`);
    await closeContext(ctx2);
    const diff = rvi('dispatch', 'replay', run.id);
    assert.equal(diff.status, 1);
    assert.match(diff.stderr, /DIFFERENT result/);
    assert.match(diff.stderr, /orders\[0\]\.position: recorded 99, replayed 0/);

    // A consistent forgery: change the input (one inspector's capacity), recompute the result and the row's hash.
    // The row now replays cleanly, but the hash-chained audit entry no longer matches.
    const ctx3 = await createContext(loadConfig({ DATA_DIR: dir, DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv), { jobs: false });
    const { dispatch } = await import('@rvi/dispatch');
    const { hashOf } = await import('./dispatch.service.ts');
    const [stored] = await ctx3.db.select().from(dispatchRuns).where(eq(dispatchRuns.id, run.id));
    const forged = structuredClone(stored.input) as { inspectors: { dailyCapacity: number }[] };
    forged.inspectors[0].dailyCapacity = 1;
    const forgedResult = dispatch(forged as never, stored.seed);
    await ctx3.db.update(dispatchRuns).set({ input: forged, result: forgedResult, inputHash: hashOf(forged) }).where(eq(dispatchRuns.id, run.id));
    await closeContext(ctx3);
    const forgedReplay = rvi('dispatch', 'replay', run.id);
    assert.equal(forgedReplay.status, 1, forgedReplay.stdout);
    assert.match(forgedReplay.stderr, /\(audit\) input hash: recorded "[0-9a-f]{64}", replayed "[0-9a-f]{64}"/);
    assert.match(forgedReplay.stderr, /\(audit\) result hash/);

    const unknown = rvi('dispatch', 'replay', 'no-such-run');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /not found/);
    assert.equal(rvi('dispatch', 'replay').status, 2);
  } finally {
    await fresh.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
