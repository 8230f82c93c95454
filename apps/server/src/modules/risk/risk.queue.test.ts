import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, inspectionOrders, outbox, riskScores, selections } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { jobIdFor } from '../../platform/queue.ts';
import { SCORE_JOB, trainAndRegister } from './risk.service.ts';

// The path production takes (issue 14.5): the app with the real pg-boss job queue, as `rvi serve` starts it on a
// worker node. An import over HTTP is stored with its audit entry and its outbox row in one transaction; the outbox
// dispatcher sends the scoring job to pg-boss under an id derived from the event; pg-boss works it (scoring, then the
// selection draw); the draw's `risk.selected` row becomes one inspection order per selected declaration.
const FIXTURE = new URL('../../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname;
let t: TestApp;
before(async () => {
  process.env.RVI_TARGETING_SEED_DATA = FIXTURE;
  t = await startTestApp({}, { queue: true });
});
after(async () => { delete process.env.RVI_TARGETING_SEED_DATA; await t?.close(); });

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('with the real job queue: import → outbox row beside its audit entry → pg-boss scoring job → selection → an order per selected declaration', { timeout: 180_000 }, async () => {
  assert.ok(t.ctx.queue, 'the pg-boss queue is started');
  await trainAndRegister(t.ctx.db, systemActor('test'), { reason: 'test', includeLabels: false });
  const csv = readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 151).join('\n');
  const cookie = await t.login('alpha.user');
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations/import?skipInvalid=true', headers: { cookie, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(r.statusCode, 200, r.body);
  const { batchId, inserted } = r.json() as { batchId: string; inserted: number };
  assert.equal(inserted, 150);

  // the change, its audit entry and its outbox row were written together
  const [audit] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'declaration.imported'), eq(auditLog.targetId, batchId)));
  assert.ok(audit, 'audit entry of the import');
  const [event] = await t.ctx.db.select().from(outbox).where(and(eq(outbox.event, 'declaration.imported'), sql`${outbox.payload}->>'batchId' = ${batchId}`));
  assert.ok(event, 'outbox row of the import');
  assert.equal((event.payload as { inserted: number }).inserted, 150);
  assert.equal(event.requestId, audit.requestId, 'the outbox row and the audit entry name the same request');

  // the dispatcher handed it to pg-boss (job id derived from the event id: a repeated delivery is the same job) and a
  // pg-boss worker completed it
  const jobId = jobIdFor(event.id, SCORE_JOB);
  const state = await until('the scoring job to complete in pg-boss', async () => {
    const rows = await t.ctx.database.query<{ state: string }>('select state from pgboss.job where id = $1 union all select state from pgboss.archive where id = $1', [jobId]);
    return rows[0]?.state === 'completed' ? rows[0].state : null;
  });
  assert.equal(state, 'completed');
  const [{ n: scored }] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(riskScores)
    .innerJoin(declarations, eq(declarations.id, riskScores.declarationId)).where(eq(declarations.importBatchId, batchId));
  assert.equal(scored, 150, 'every imported declaration scored by the job');
  const [after] = await t.ctx.db.select().from(outbox).where(eq(outbox.id, event.id));
  assert.ok(after.dispatchedAt, 'the import event is marked dispatched');

  // the draw, and an inspection order for every declaration it selected
  const picked = await until('the selection draw', async () => {
    const rows = await t.ctx.db.select().from(selections).innerJoin(declarations, eq(declarations.id, selections.declarationId)).where(eq(declarations.importBatchId, batchId));
    return rows.length ? rows.map((x) => x.selections) : null;
  });
  const orders = await until('an order per selected declaration', async () => {
    const rows = await t.ctx.db.select().from(inspectionOrders).where(inArray(inspectionOrders.declarationId, picked.map((p) => p.declarationId)));
    return rows.length >= picked.length ? rows : null;
  });
  assert.equal(orders.length, picked.length);
  const [selected] = await t.ctx.db.select().from(outbox).where(and(eq(outbox.event, 'risk.selected'), sql`${outbox.payload}->>'runId' = ${picked[0].runId}`));
  assert.ok(selected, 'the draw wrote its risk.selected row');
  await until('the risk.selected row to be dispatched', async () => {
    const [row] = await t.ctx.db.select().from(outbox).where(eq(outbox.id, selected.id));
    return row.dispatchedAt;
  });
  assert.equal(new Set(orders.map((o) => o.declarationId)).size, picked.length, 'one order per selected declaration, none twice');
});
