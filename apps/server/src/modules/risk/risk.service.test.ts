import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { startTestApp, declarationBody, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, riskScores, selections } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { importDeclarations } from '../declarations/declarations.service.ts';
import { drawSelection, replaySelectionRun, scoreDeclarations, trainAndRegister } from './risk.service.ts';

// Train on the targeting package's small labelled fixture so the test takes seconds (the real seed data is train.csv).
const FIXTURE = new URL('../../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname;
let t: TestApp;
before(async () => {
  process.env.RVI_TARGETING_SEED_DATA = FIXTURE;
  t = await startTestApp({}, { jobs: false });
});
after(async () => { delete process.env.RVI_TARGETING_SEED_DATA; await t?.close(); });

test('targeting: train, score an import, select with a fixed seed, replay; enterprises never see scores', { timeout: 120_000 }, async () => {
  const sys = systemActor('test');
  const trained = await trainAndRegister(t.ctx.db, sys, { reason: 'test', includeLabels: false });
  assert.equal(trained.activated, true, 'the first model becomes active');

  // Import the fixture's rows (without labels: an enterprise's declarations) for Beta.
  const csv = readFileSync(FIXTURE, 'utf8').split('\n').slice(0, 301).join('\n');
  const imp = await importDeclarations(t.ctx.db, sys, { csv, orgRef: 'ENT-BETA', skipInvalid: true });
  assert.ok(imp.inserted >= 250, imp.message);
  const ids = (await t.ctx.db.select({ id: declarations.id }).from(declarations).where(eq(declarations.importBatchId, imp.batchId!))).map((r) => r.id);
  const scored = await scoreDeclarations(t.ctx.db, t.ctx.models, ids);
  assert.notEqual(scored, 'skipped');
  assert.equal((scored as { scored: number }).scored, ids.length);
  const scores = await t.ctx.db.select().from(riskScores);
  assert.ok(scores.every((s) => s.score >= 0 && s.score <= 1));
  assert.ok(scores.some((s) => s.channel === 'red'), 'some declarations are in the red channel');
  assert.ok(scores.filter((s) => s.channel !== 'green').every((s) => s.explanation), 'yellow/red scores are explained');

  const out = await drawSelection(t.ctx.db, sys, { officeId: t.orgs.office, batchId: imp.batchId!, seed: 'fixed-seed-42', trigger: 'test' });
  assert.ok(out && out.selected.length > 0);
  assert.equal(out.seed, 'fixed-seed-42');
  const reasons = new Set(out.selected.map((s) => s.reason));
  assert.ok(reasons.has('risk'), 'most of the quota by risk');
  const sel = await t.ctx.db.select().from(selections).where(eq(selections.runId, out.runId));
  assert.equal(sel.length, out.selected.length);
  const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, out.runId));
  assert.equal((audit.summary as { seed: string }).seed, 'fixed-seed-42');

  // Risk-selected declarations are the highest scored of the batch.
  const byId = new Map(scores.map((s) => [s.declarationId, s.score]));
  const riskPicked = out.selected.filter((s) => s.reason === 'risk').map((s) => byId.get(s.declarationId)!);
  const notPicked = ids.filter((id) => !out.selected.some((s) => s.declarationId === id)).map((id) => byId.get(id)!);
  assert.ok(Math.min(...riskPicked) >= Math.max(...notPicked), 'risk picks outrank everything not picked');

  const replay = await replaySelectionRun(t.ctx.db, systemActor('audit'), out.runId);
  assert.equal(replay.same, true);
  // Drawing again never re-selects the same declarations.
  const again = await drawSelection(t.ctx.db, sys, { officeId: t.orgs.office, batchId: imp.batchId!, seed: 'fixed-seed-42', trigger: 'test' });
  assert.ok(!again || again.selected.every((s) => !out.selected.some((o) => o.declarationId === s.declarationId)));

  // Over HTTP: customs see the score and why; the enterprise does not.
  const pick = out.selected[0].declarationId;
  const insp = await t.app.inject({ url: `/api/declarations/${pick}/risk`, headers: { cookie: await t.login('inspector1') } });
  assert.equal(insp.statusCode, 200, insp.body);
  assert.ok(insp.json().explanation.up.length > 0);
  assert.equal(insp.json().selection.seed, 'fixed-seed-42');
  const ent = await t.app.inject({ url: `/api/declarations/${pick}/risk`, headers: { cookie: await t.login('beta.user') } });
  assert.equal(ent.statusCode, 403);
  assert.ok(!ent.body.includes('score'));
  const other = await t.app.inject({ url: `/api/declarations/${pick}/risk`, headers: { cookie: await t.login('alpha.user') } });
  assert.equal(other.statusCode, 404);
  const rp = await t.app.inject({ url: `/api/risk/selections/${out.runId}/replay`, headers: { cookie: await t.login('auditor') } });
  assert.equal(rp.json().same, true);
  const models = await t.app.inject({ url: '/api/risk/models', headers: { cookie: await t.login('supervisor') } });
  assert.equal(models.json().items[0].status, 'active');
});

test('targeting: a single filed declaration is scored and drawn on its own, replayably', { timeout: 60_000 }, async () => {
  const cookie = await t.login('alpha.user');
  const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody('RISK-1') });
  const id = r.json().id;
  await scoreDeclarations(t.ctx.db, t.ctx.models, [id]);
  const out = await drawSelection(t.ctx.db, systemActor('t'), { officeId: t.orgs.office, declarationIds: [id], seed: 's1', trigger: 'filing' });
  assert.ok(out);
  assert.equal((await replaySelectionRun(t.ctx.db, systemActor('audit'), out.runId)).same, true);
  const settings = await t.app.inject({ method: 'PUT', url: '/api/risk/settings', headers: { cookie: await t.login('supervisor') }, payload: { inspectionRate: 2, randomShare: 0.1 } });
  assert.equal(settings.statusCode, 400);
  assert.match(settings.json().error.message, /inspectionRate/);
});
