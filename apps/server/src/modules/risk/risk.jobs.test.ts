import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { declarations, inspectionOrders, riskScores, selections } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { trainAndRegister } from './risk.service.ts';

// The workflow reaction end to end (jobs in-process): an import is scored off the request path, a selection is drawn
// for the batch, and each selected declaration becomes an inspection order.
const FIXTURE = new URL('../../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname;
let t: TestApp;
before(async () => {
  process.env.RVI_TARGETING_SEED_DATA = FIXTURE;
  t = await startTestApp();
});
after(async () => { delete process.env.RVI_TARGETING_SEED_DATA; await t?.close(); });

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('an imported batch is scored, drawn and turned into inspection orders', { timeout: 120_000 }, async () => {
  await trainAndRegister(t.ctx.db, systemActor('test'), { reason: 'test', includeLabels: false });
  const csv = readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 201).join('\n');
  const cookie = await t.login('alpha.user');
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations/import?skipInvalid=true', headers: { cookie, 'content-type': 'text/csv' }, payload: csv });
  assert.equal(r.statusCode, 200, r.body);
  const batchId = r.json().batchId;
  const scored = await until(async () => {
    const [{ n }] = await t.ctx.db.select({ n: sql<number>`count(*)::int` }).from(riskScores).innerJoin(declarations, eq(declarations.id, riskScores.declarationId)).where(eq(declarations.importBatchId, batchId));
    return n >= r.json().inserted ? n : null;
  });
  assert.equal(scored, r.json().inserted);
  const picked = await until(async () => {
    const rows = await t.ctx.db.select().from(selections);
    return rows.length ? rows : null;
  });
  const orders = await until(async () => {
    const rows = await t.ctx.db.select().from(inspectionOrders);
    return rows.length >= picked.length ? rows : null;
  });
  assert.equal(orders.length, picked.length);
  assert.deepEqual(new Set(orders.map((o) => o.declarationId)), new Set(picked.map((p) => p.declarationId)));
  // The enterprise sees its goods were selected, never why.
  const list = await t.app.inject({ url: '/api/orders', headers: { cookie } });
  assert.equal(list.statusCode, 200);
  const items = list.json().items as Record<string, unknown>[];
  assert.ok(items.length > 0);
  for (const o of items) {
    for (const k of ['selection', 'channel', 'score', 'priority', 'dispatchRunId']) assert.equal(o[k], undefined, `enterprise sees no ${k}`);
  }
});
