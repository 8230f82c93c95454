import type { AppContext } from '../../app.ts';
import { systemActor } from '../../platform/actor.ts';
import { eq } from 'drizzle-orm';
import { declarations, riskModels } from '../../db/schema.ts';
import { withEffects } from '../orders/orders.http.ts';
import { createOrdersForSelection } from '../orders/orders.service.ts';
import { drawSelection, scoreDeclarations, trainAndRegister, unscoredDeclarationIds } from './risk.service.ts';

/** Job payloads. Jobs are idempotent: scoring replaces a score, selection skips declarations already selected. */
export interface ScoreJob { declarationIds?: string[]; batchId?: string; unscored?: boolean }
export interface TrainJob { reason: string; requestedBy: string | null; includeLabels: boolean }

/**
 * Wires targeting into the workflow: every filed or imported declaration is scored off the request path, then a
 * selection is drawn (per import batch, or for the single declaration). Runs on pg-boss when the queue is started,
 * otherwise in-process right after the response (tests, CLI).
 */
export function installRiskJobs(ctx: AppContext): { retrain(requestedBy: string | null): Promise<string | null> } {
  const run = async (job: ScoreJob) => {
    const ids = job.unscored ? await unscoredDeclarationIds(ctx.db)
      : job.batchId ? (await ctx.db.select({ id: declarations.id }).from(declarations).where(eq(declarations.importBatchId, job.batchId))).map((r) => r.id)
      : job.declarationIds ?? [];
    if (!ids.length) return 'skipped';
    const r = await scoreDeclarations(ctx.db, ctx.models, ids);
    if (r === 'skipped') return 'skipped';
    const [first] = await ctx.db.select({ office: declarations.customsOfficeId }).from(declarations).where(eq(declarations.id, ids[0]));
    ctx.hub.invalidate([`office:${first.office}`], [['declarations'], ['risk']]);
    // Selection: per batch, or per single declaration; after a bulk re-score of old declarations the supervisor draws.
    if (job.unscored) return r;
    const out = await drawSelection(ctx.db, systemActor('risk.select'), {
      officeId: first.office, batchId: job.batchId, declarationIds: job.batchId ? undefined : ids, trigger: job.batchId ? `import:${job.batchId}` : 'filing',
    });
    if (out?.selected.length) ctx.events.emit('risk.selected', { officeId: first.office, runId: out.runId, selected: out.selected });
    return r;
  };
  const train = async (job: TrainJob) => {
    const r = await trainAndRegister(ctx.db, job.requestedBy ? { ...systemActor('risk.retrain'), userId: job.requestedBy } : systemActor('risk.train'), { reason: job.reason, includeLabels: job.includeLabels });
    if (r.activated) await run({ unscored: true });
    return r;
  };

  const enqueueScore = (job: ScoreJob) => {
    if (ctx.queue) void ctx.queue.send('risk.score-declarations', job, { retryLimit: 5, retryBackoff: true });
    else setImmediate(() => { run(job).catch((e) => console.error('risk scoring failed:', e)); });
  };
  ctx.events.on('declaration.submitted', (p) => enqueueScore({ declarationIds: [p.declarationId] }));
  ctx.events.on('declaration.imported', (p) => enqueueScore({ batchId: p.batchId }));
  // Selected goods become inspection orders (one per declaration; handling the same event twice is harmless).
  ctx.events.on('risk.selected', (p) => {
    ctx.hub.invalidate([`office:${p.officeId}`], [['declarations'], ['risk'], ['orders']]);
    withEffects(ctx, (fx) => createOrdersForSelection(ctx.db, systemActor('risk.select'), { runId: p.runId, selected: p.selected }, fx))
      .catch((e) => console.error('creating inspection orders for a selection failed:', e));
  });

  if (ctx.queue) {
    ctx.queue.work<ScoreJob>('risk.score-declarations', async (d) => { await run(d); })
      .catch((e) => console.error('risk: cannot start the scoring worker:', e));
    ctx.queue.work<TrainJob>('risk.train-model', async (d) => { await train(d); })
      .catch((e) => console.error('risk: cannot start the training worker:', e));
  }
  return {
    async retrain(requestedBy) {
      const job: TrainJob = { reason: 'retrain on inspection outcomes', requestedBy, includeLabels: true };
      if (ctx.queue) return ctx.queue.send('risk.train-model', job, { singletonKey: 'retrain', retryLimit: 1 });
      setImmediate(() => { train(job).catch((e) => console.error('retraining failed:', e)); });
      return null;
    },
  };
}

/** At start: with no model in the registry, train the first one from the seed data in the background. */
export async function ensureInitialModel(ctx: AppContext): Promise<void> {
  const [any] = await ctx.db.select({ id: riskModels.id }).from(riskModels).limit(1);
  if (any) return;
  const job: TrainJob = { reason: 'initial model from seed data', requestedBy: null, includeLabels: false };
  if (ctx.queue) await ctx.queue.send('risk.train-model', job, { singletonKey: 'initial', retryLimit: 2 });
}
