import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  COLUMNS, loadModel, parseDeclarationRecords, selectForInspection, replaySelection, channelFor, createRng,
  SELECTION_ALGORITHM, type Model, type DeclarationRecord, type Selection,
} from '@rvi/targeting';
import { declarations, riskLabels, riskModels, riskScores, selectionRuns, selections, targetingSettings } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { systemActor } from '../../platform/actor.ts';
import { AppError, badRequest, notFound } from '../../platform/errors.ts';
import { authorize, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { inTransaction, transaction } from '../../platform/unit-of-work.ts';
import { jobIdFor } from '../../platform/queue.ts';
import type { TrainRequest, TrainResponse } from './risk.train-worker.ts';

export const DEFAULT_INSPECTION_RATE = 0.05;
export const DEFAULT_RANDOM_SHARE = 0.1;
/** Selection of a single declaration filed on its own (no batch to rank): red channel by risk, else a seeded random draw. */
export const SINGLE_SELECTION_ALGORITHM = 'rvi-select-single-v1';

type DeclRow = typeof declarations.$inferSelect;

/** A stored declaration as a record of the dataset's columns, for the model. */
export function toModelRecord(d: DeclRow): DeclarationRecord {
  return {
    [COLUMNS.declarationId]: d.declarationNo, [COLUMNS.date]: d.date, [COLUMNS.officeId]: d.officeCode,
    [COLUMNS.processType]: d.processType, [COLUMNS.importType]: d.importType, [COLUMNS.importUse]: d.importUse,
    [COLUMNS.paymentType]: d.paymentType, [COLUMNS.modeOfTransport]: d.transportMode, [COLUMNS.declarantId]: d.declarantCode,
    [COLUMNS.importerId]: d.importerCode, [COLUMNS.sellerId]: d.sellerCode ?? '', [COLUMNS.courierId]: d.courierCode ?? '',
    [COLUMNS.hs6]: d.hs6, [COLUMNS.countryOfDeparture]: d.countryOfDeparture, [COLUMNS.countryOfOrigin]: d.countryOfOrigin,
    [COLUMNS.taxRate]: d.taxRate, [COLUMNS.taxType]: d.taxType, [COLUMNS.originIndicator]: d.originIndicator,
    [COLUMNS.netMass]: d.netMassKg, [COLUMNS.itemPrice]: d.itemPrice,
  };
}

/** Keeps the active model loaded (parsing a model file takes a moment); reloads when the active id changes. */
export class ModelCache {
  private cached: { id: string; model: Model } | null = null;
  async active(db: Db): Promise<{ id: string; version: number; model: Model } | null> {
    const [row] = await db.select({ id: riskModels.id, version: riskModels.version }).from(riskModels).where(eq(riskModels.status, 'active')).limit(1);
    if (!row) return null;
    if (this.cached?.id !== row.id) {
      const [full] = await db.select({ json: riskModels.modelJson }).from(riskModels).where(eq(riskModels.id, row.id));
      this.cached = { id: row.id, model: loadModel(full.json) };
    }
    return { id: row.id, version: row.version, model: this.cached.model };
  }
}

export async function officeSettings(db: Db, officeId: string): Promise<{ inspectionRate: number; randomShare: number }> {
  const [s] = await db.select().from(targetingSettings).where(eq(targetingSettings.officeId, officeId));
  return { inspectionRate: s?.inspectionRate ?? DEFAULT_INSPECTION_RATE, randomShare: s?.randomShare ?? DEFAULT_RANDOM_SHARE };
}

export async function updateOfficeSettings(db: Db, actor: Actor, input: { inspectionRate: number; randomShare: number }) {
  requireRole(actor, 'risk.select');
  const officeId = actor.officeId!;
  return transaction(db, async (tx) => {
    const before = await officeSettings(tx, officeId);
    await tx.insert(targetingSettings).values({ officeId, ...input })
      .onConflictDoUpdate({ target: targetingSettings.officeId, set: { ...input, updatedAt: new Date() } });
    await recordAudit(tx, actor, 'targeting.settings_changed', { type: 'office', id: officeId }, { before, after: input });
    return input;
  });
}

/**
 * Scores declarations with the active model and stores score, channel and (yellow/red) explanation.
 * Idempotent: re-scoring replaces the previous score. Returns 'skipped' when there is no active model yet.
 */
export async function scoreDeclarations(db: Db, cache: ModelCache, ids: string[], actor: Actor = systemActor('risk.score')): Promise<{ scored: number; red: number; yellow: number } | 'skipped'> {
  const active = await cache.active(db);
  if (!active) return 'skipped';
  let scored = 0, red = 0, yellow = 0;
  const settingsByOffice = new Map<string, { inspectionRate: number }>();
  for (let i = 0; i < ids.length; i += 2000) {
    const rows = await db.select().from(declarations).where(inArray(declarations.id, ids.slice(i, i + 2000)));
    if (!rows.length) continue;
    const parsed = parseDeclarationRecords(rows.map(toModelRecord), { requireColumns: false } as never).declarations;
    const scores = active.model.score(parsed);
    const values: (typeof riskScores.$inferInsert)[] = [];
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j];
      let s = settingsByOffice.get(r.customsOfficeId);
      if (!s) { s = await officeSettings(db, r.customsOfficeId); settingsByOffice.set(r.customsOfficeId, s); }
      const channel = channelFor(scores[j], active.model.channelThresholds(s.inspectionRate));
      if (channel === 'red') red++;
      if (channel === 'yellow') yellow++;
      // Explanations are kept for the channels an inspector looks at; green ones are explained on demand.
      const explanation = channel === 'green' ? null : active.model.explain(parsed[j], 5);
      values.push({ declarationId: r.id, modelId: active.id, score: scores[j], channel, explanation, scoredAt: new Date() });
    }
    await inTransaction(db, actor, async (uow) => {
      const tx = uow.tx;
      await tx.insert(riskScores).values(values).onConflictDoUpdate({
        target: riskScores.declarationId,
        set: { modelId: sql`excluded.model_id`, score: sql`excluded.score`, channel: sql`excluded.channel`, explanation: sql`excluded.explanation`, scoredAt: sql`excluded.scored_at` },
      });
      await recordAudit(tx, actor, 'risk.scored', { type: 'risk_model', id: active.id }, { modelVersion: active.version, declarations: values.length, first: rows[0].id });
      uow.invalidate([...new Set(rows.map((r) => `office:${r.customsOfficeId}`))], [['declarations'], ['risk']]);
    });
    scored += values.length;
  }
  return { scored, red, yellow };
}

export interface RiskView {
  declarationId: string;
  score: number;
  channel: 'green' | 'yellow' | 'red';
  modelId: string;
  modelVersion: number;
  scoredAt: string;
  explanation: unknown;
  selection: { runId: string; reason: 'risk' | 'random'; rank: number | null; seed: string; algorithm: string } | null;
}

/** A declaration's score, channel and explanation: customs roles only (enterprises never see why or how risky). */
export async function getRisk(db: Db, cache: ModelCache, actor: Actor, declarationId: string): Promise<RiskView> {
  const [d] = await db.select().from(declarations).where(eq(declarations.id, declarationId));
  authorize(actor, 'risk.read', d ?? null, 'Declaration', declarationId);
  const [s] = await db.select({ s: riskScores, version: riskModels.version, json: riskModels.id }).from(riskScores)
    .innerJoin(riskModels, eq(riskModels.id, riskScores.modelId)).where(eq(riskScores.declarationId, declarationId));
  if (!s) throw new AppError('not_scored', 404, 'This declaration has not been scored yet');
  let explanation = s.s.explanation;
  if (!explanation) {
    const active = await cache.active(db);
    if (active && active.id === s.s.modelId) {
      explanation = active.model.explain(parseDeclarationRecords([toModelRecord(d!)], { requireColumns: false } as never).declarations[0], 5);
    }
  }
  const [sel] = await db.select({ sel: selections, run: selectionRuns }).from(selections)
    .innerJoin(selectionRuns, eq(selectionRuns.id, selections.runId)).where(eq(selections.declarationId, declarationId));
  return {
    declarationId, score: s.s.score, channel: s.s.channel, modelId: s.s.modelId, modelVersion: s.version,
    scoredAt: s.s.scoredAt.toISOString(), explanation,
    selection: sel ? { runId: sel.run.id, reason: sel.sel.reason, rank: sel.sel.rank, seed: sel.run.seed, algorithm: sel.run.algorithm } : null,
  };
}

export interface SelectionOutcome {
  runId: string;
  seed: string;
  selected: { declarationId: string; reason: 'risk' | 'random' }[];
}

/**
 * Draws the declarations to inspect among scored, not yet selected ones of an office (an import batch, or all pending):
 * most of the quota by highest score, a share at random from the rest. Seed, inputs and result are stored and audited
 * in the same transaction, so the draw can be replayed.
 */
export async function drawSelection(
  db: Db, actor: Actor,
  scope: {
    officeId: string; batchId?: string; declarationIds?: string[]; seed?: string; trigger: string;
    /** Turn the selected declarations into inspection orders (default). Off only for the demo-history generator. */
    createOrders?: boolean;
  },
): Promise<SelectionOutcome | null> {
  if (actor.kind !== 'system') {
    requireRole(actor, 'risk.select');
    if (actor.officeId !== scope.officeId) throw notFound('Office', scope.officeId);
  }
  const conds = [eq(declarations.customsOfficeId, scope.officeId), isNull(selections.declarationId), inArray(declarations.status, ['filed', 'inspection_requested'])];
  if (scope.batchId) conds.push(eq(declarations.importBatchId, scope.batchId));
  if (scope.declarationIds) conds.push(inArray(declarations.id, scope.declarationIds.length ? scope.declarationIds : ['-']));
  const pool = await db.select({ id: declarations.id, score: riskScores.score, channel: riskScores.channel, modelId: riskScores.modelId })
    .from(declarations).innerJoin(riskScores, eq(riskScores.declarationId, declarations.id))
    .leftJoin(selections, eq(selections.declarationId, declarations.id))
    .where(and(...conds)).orderBy(asc(declarations.id));
  if (!pool.length) return null;
  const settings = await officeSettings(db, scope.officeId);
  const seed = scope.seed ?? randomBytes(8).toString('hex');
  let result: Selection | { algorithm: string; seed: string; draw: number; threshold: number; selected: { id: string; score: number; rank: number | null; reason: 'risk' | 'random' }[] };
  const items = pool.map((p) => ({ id: p.id, score: p.score }));
  if (pool.length === 1) {
    // One declaration: the red channel is selected by risk; otherwise a seeded draw with probability rate × random share.
    const draw = createRng(seed).next();
    const threshold = settings.inspectionRate * settings.randomShare;
    const p = pool[0];
    const sel = p.channel === 'red' ? [{ id: p.id, score: p.score, rank: null, reason: 'risk' as const }]
      : draw < threshold ? [{ id: p.id, score: p.score, rank: null, reason: 'random' as const }] : [];
    result = { algorithm: SINGLE_SELECTION_ALGORITHM, seed, draw, threshold, selected: sel };
  } else {
    result = selectForInspection(items, { rate: settings.inspectionRate, randomShare: settings.randomShare, seed });
  }
  const runId = randomUUID();
  const chosen = result.selected.map((s) => ({ declarationId: s.id, reason: s.reason, rank: 'rank' in s ? (s.rank ?? null) : null }));
  await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    await tx.insert(selectionRuns).values({
      id: runId, officeId: scope.officeId, modelId: pool[0].modelId, algorithm: result.algorithm, seed: String(result.seed),
      rate: settings.inspectionRate, randomShare: settings.randomShare, items, result, trigger: scope.trigger, createdBy: actor.userId,
    });
    if (chosen.length) {
      await tx.insert(selections).values(chosen.map((c) => ({ ...c, runId })));
      await tx.update(declarations).set({ status: 'selected' }).where(inArray(declarations.id, chosen.map((c) => c.declarationId)));
    }
    await recordAudit(tx, actor, 'risk.selection_drawn', { type: 'selection_run', id: runId }, {
      officeId: scope.officeId, algorithm: result.algorithm, seed: String(result.seed), rate: settings.inspectionRate,
      randomShare: settings.randomShare, items: items.length, itemsSha256: createHash('sha256').update(JSON.stringify(items)).digest('hex'),
      selected: chosen.map((c) => `${c.declarationId}:${c.reason}`), trigger: scope.trigger,
    });
    // Each selected declaration becomes an inspection order (orders module); stored with the draw, so a crash right
    // after this commit still yields the orders.
    if (chosen.length && (scope.createOrders ?? true)) uow.emit('risk.selected', { officeId: scope.officeId, runId, seed: String(result.seed), selected: chosen.map(({ declarationId, reason }) => ({ declarationId, reason })) });
    uow.invalidate([`office:${scope.officeId}`], [['declarations'], ['risk'], ['orders']]);
  });
  return { runId, seed: String(result.seed), selected: chosen.map(({ declarationId, reason }) => ({ declarationId, reason })) };
}

/** Recomputes a recorded draw from its stored inputs and seed and says whether it gives the same result. */
export async function replaySelectionRun(db: Db, actor: Actor, runId: string): Promise<{ same: boolean; runId: string; seed: string; detail?: string }> {
  requireRole(actor, 'audit.read');
  const [run] = await db.select().from(selectionRuns).where(eq(selectionRuns.id, runId));
  if (!run || (actor.kind === 'user' && actor.officeId !== run.officeId)) throw notFound('Selection run', runId);
  const items = run.items as { id: string; score: number }[];
  if (run.algorithm === SELECTION_ALGORITHM) {
    const r = replaySelection(items, run.result as Selection);
    return { same: r.ok, runId, seed: run.seed, detail: r.mismatch };
  }
  const rec = run.result as { draw: number; threshold: number; selected: { id: string; reason: string }[] };
  const draw = createRng(run.seed).next();
  const same = draw === rec.draw && (rec.selected.length === 0 || rec.selected[0].reason === 'risk' || draw < rec.threshold);
  return { same, runId, seed: run.seed, detail: same ? undefined : 'the seeded draw differs from the recorded one' };
}

/** Records an inspection outcome as a label for the next retraining (called by the findings/decision workflow). */
export async function recordOutcomeLabel(tx: Db, actor: Actor, declarationId: string, outcome: { fraud: boolean; critical: boolean; source: string }) {
  await tx.insert(riskLabels).values({ declarationId, ...outcome })
    .onConflictDoUpdate({ target: riskLabels.declarationId, set: { fraud: outcome.fraud, critical: outcome.critical, source: outcome.source, recordedAt: new Date() } });
  await recordAudit(tx, actor, 'risk.label_recorded', { type: 'declaration', id: declarationId }, outcome);
}

// ---------- training and the model registry ----------

/** Seed data for training: RVI_TARGETING_SEED_DATA (comma-separated CSV paths), else the shared dataset, else the bundled demo sample. */
export function seedDataFiles(): { train: string[]; validation: string[] } {
  const env = process.env.RVI_TARGETING_SEED_DATA?.trim();
  if (env) return { train: env.split(',').map((f) => resolve(f.trim())), validation: [] };
  const shared = resolve(new URL('../../../../../../shared/data/customs-declarations', import.meta.url).pathname);
  if (existsSync(`${shared}/train.csv`)) return { train: [`${shared}/train.csv`], validation: existsSync(`${shared}/valid.csv`) ? [`${shared}/valid.csv`] : [] };
  return { train: [new URL('../../../demo/declarations-sample.csv', import.meta.url).pathname], validation: [] };
}

export function trainInWorker(req: TrainRequest): Promise<TrainResponse> {
  return new Promise((res, rej) => {
    const w = new Worker(new URL('../../platform/ts-worker.mjs', import.meta.url), {
      workerData: { ...req, __entry: new URL('./risk.train-worker.ts', import.meta.url).href },
    });
    w.once('message', (m: { ok: boolean; result?: TrainResponse; error?: string }) => (m.ok ? res(m.result!) : rej(new AppError('training_failed', 422, `Training failed: ${m.error}`))));
    w.once('error', rej);
    w.once('exit', (code) => { if (code !== 0) rej(new Error(`training worker exited with ${code}`)); });
  });
}

/**
 * Trains a model and registers it. The first model becomes active. A retrained model becomes active only if it is not
 * worse than the active one on the same validation window (precision at the office's inspection rate, then AUC);
 * the decision and both figures go to the audit log.
 */
export async function trainAndRegister(db: Db, actor: Actor, opts: { reason: string; includeLabels: boolean }): Promise<{ modelId: string; version: number; activated: boolean; decision: string }> {
  if (actor.kind !== 'system') requireRole(actor, 'model.manage');
  const seed = seedDataFiles();
  const [active] = await db.select().from(riskModels).where(eq(riskModels.status, 'active')).limit(1);
  let records: DeclarationRecord[] = [];
  let validationFrom: string | null = null;
  if (opts.includeLabels) {
    const labelled = await db.select({ d: declarations, l: riskLabels }).from(riskLabels).innerJoin(declarations, eq(declarations.id, riskLabels.declarationId));
    records = labelled.map(({ d, l }) => ({ ...toModelRecord(d), [COLUMNS.fraud]: l.fraud ? 1 : 0, [COLUMNS.criticalFraud]: l.critical ? 2 : l.fraud ? 1 : 0 }));
    if (records.length >= 200) {
      // Validation window: the latest fifth of the platform's own labelled declarations, held out of training.
      const dates = records.map((r) => String(r[COLUMNS.date])).sort();
      validationFrom = dates[Math.floor(dates.length * 0.8)];
    }
  }
  const result = await trainInWorker({
    files: seed.train, records, validationFrom, validationFiles: validationFrom ? [] : seed.validation,
    activeModelJson: active?.modelJson ?? null,
  });
  const model = loadModel(result.modelJson);
  const [{ maxv }] = await db.select({ maxv: sql<number>`coalesce(max(${riskModels.version}), 0)::int` }).from(riskModels);
  const version = Number(maxv) + 1;
  const cand = result.validation?.candidate;
  const prev = result.validation?.active;
  let activate = !active;
  let decision = active ? 'kept the active model' : 'first model: activated';
  if (active && cand && prev) {
    const [cp, ap, ca, aa] = [cand.p10 ?? 0, prev.p10 ?? 0, cand.auc ?? 0, prev.auc ?? 0];
    const notWorse = cp >= ap - 1e-9 && ca >= aa - 0.005;
    activate = notWorse;
    decision = notWorse ? `activated: p10 ${cp.toFixed(3)} ≥ ${ap.toFixed(3)}, AUC ${ca.toFixed(3)} vs ${aa.toFixed(3)}`
      : `rejected: p10 ${cp.toFixed(3)} vs active ${ap.toFixed(3)}, AUC ${ca.toFixed(3)} vs ${aa.toFixed(3)}`;
  } else if (active) {
    decision = 'rejected: no validation window to compare on (too few labelled outcomes)';
  }
  const id = model.id;
  await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    if (activate && active) await tx.update(riskModels).set({ status: 'retired' }).where(eq(riskModels.id, active.id));
    await tx.insert(riskModels).values({
      id, version, status: activate ? 'active' : active ? 'rejected' : 'candidate', trainedFrom: result.trainedFrom, trainedTo: result.trainedTo,
      trainingRows: result.trainingRows, trainSeconds: result.trainSeconds,
      metrics: { holdout: model.info.holdout, validation: result.validation },
      curve: result.curve, importances: model.featureImportance().slice(0, 25), features: model.features.map((f) => f.name),
      source: opts.reason, modelJson: result.modelJson, sha256: createHash('sha256').update(result.modelJson).digest('hex'),
      createdBy: actor.userId, activatedAt: activate ? new Date() : null,
    }).onConflictDoNothing();
    await recordAudit(tx, actor, 'risk.model_trained', { type: 'risk_model', id }, {
      version, reason: opts.reason, activated: activate, decision, trainingRows: result.trainingRows,
      candidate: cand ?? null, active: prev ?? null, replaced: activate && active ? active.id : null,
    });
    // Declarations filed before any model existed (or while scoring was skipped) are scored by the new one.
    if (activate) uow.emit('risk.model_activated', { modelId: id, version });
  });
  return { modelId: id, version, activated: activate, decision };
}

/**
 * An administrator asks for a retraining on the inspection outcomes; the training runs as a background job (one at a
 * time). Returns the id the job gets.
 */
export async function requestRetrain(db: Db, actor: Actor): Promise<string> {
  requireRole(actor, 'model.manage');
  const eventId = await inTransaction(db, actor, async (uow) => uow.emit('risk.retrain_requested', { requestedBy: actor.userId }));
  return jobIdFor(eventId, TRAIN_JOB);
}

/** The pg-boss job names of targeting. */
export const SCORE_JOB = 'risk.score-declarations';
export const TRAIN_JOB = 'risk.train-model';

export async function activateModel(db: Db, actor: Actor, id: string): Promise<void> {
  requireRole(actor, 'model.manage');
  await transaction(db, async (tx) => {
    const [m] = await tx.select({ id: riskModels.id, status: riskModels.status, version: riskModels.version }).from(riskModels).where(eq(riskModels.id, id));
    if (!m) throw notFound('Model', id);
    if (m.status === 'active') throw badRequest('already_active', `Model ${id} is already active`);
    const [prev] = await tx.select({ id: riskModels.id }).from(riskModels).where(eq(riskModels.status, 'active'));
    if (prev) await tx.update(riskModels).set({ status: 'retired' }).where(eq(riskModels.id, prev.id));
    await tx.update(riskModels).set({ status: 'active', activatedAt: new Date() }).where(eq(riskModels.id, id));
    await recordAudit(tx, actor, 'risk.model_activated', { type: 'risk_model', id }, { version: m.version, replaced: prev?.id ?? null });
  });
}

export async function listModels(db: Db, actor: Actor) {
  requireRole(actor, 'model.read');
  const rows = await db.select({
    id: riskModels.id, version: riskModels.version, status: riskModels.status, trainedFrom: riskModels.trainedFrom, trainedTo: riskModels.trainedTo,
    trainingRows: riskModels.trainingRows, trainSeconds: riskModels.trainSeconds, metrics: riskModels.metrics, curve: riskModels.curve,
    importances: riskModels.importances, source: riskModels.source, createdAt: riskModels.createdAt, activatedAt: riskModels.activatedAt,
  }).from(riskModels).orderBy(desc(riskModels.version));
  return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), activatedAt: r.activatedAt?.toISOString() ?? null }));
}

/** Declarations of an office not yet scored by the active model (e.g. filed before the first model was trained). */
export async function unscoredDeclarationIds(db: Db, limit = 100_000): Promise<string[]> {
  const rows = await db.select({ id: declarations.id }).from(declarations)
    .leftJoin(riskScores, eq(riskScores.declarationId, declarations.id)).where(isNull(riskScores.declarationId)).limit(limit);
  return rows.map((r) => r.id);
}
