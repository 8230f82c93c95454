import type { AppContext } from '../../platform/context.ts';
import { systemActor } from '../../platform/actor.ts';
import { eq } from 'drizzle-orm';
import { declarations, riskModels } from '../../db/schema.ts';
import { jobIdFor } from '../../platform/queue.ts';
import { drawSelection, SCORE_JOB, scoreDeclarations, TRAIN_JOB, trainAndRegister, unscoredDeclarationIds } from './risk.service.ts';

/** Job payloads. Jobs are idempotent: scoring replaces a score, selection skips declarations already selected. */
export interface ScoreJob { declarationIds?: string[]; batchId?: string; unscored?: boolean }
export interface TrainJob { reason: string; requestedBy: string | null; includeLabels: boolean }

/**
 * Wires targeting into the workflow through the outbox (platform/outbox.ts): every filed or imported declaration is
 * scored off the request path, then a selection is drawn (per import batch, or for the single declaration), whose
 * `risk.selected` event the orders module turns into inspection orders (modules/orders/index.ts). With the pg-boss queue started (serve), the outbox handlers send
 * jobs under ids derived from the event id (a repeated delivery is a no-op); without it (tests, CLI) they run the job
 * right there, so a failure is retried by the outbox either way.
 */
export function installRiskJobs(ctx: AppContext): void {
  const score = async (job: ScoreJob) => {
    const ids = job.unscored ? await unscoredDeclarationIds(ctx.db)
      : job.batchId ? (await ctx.db.select({ id: declarations.id }).from(declarations).where(eq(declarations.importBatchId, job.batchId))).map((r) => r.id)
      : job.declarationIds ?? [];
    if (!ids.length) return 'skipped';
    const r = await scoreDeclarations(ctx.db, ctx.models, ids);
    if (r === 'skipped') return 'skipped';
    // Selection: per batch, or per single declaration; after a bulk re-score of old declarations the supervisor draws.
    if (job.unscored) return r;
    const [first] = await ctx.db.select({ office: declarations.customsOfficeId }).from(declarations).where(eq(declarations.id, ids[0]));
    await drawSelection(ctx.db, systemActor('risk.select'), {
      officeId: first.office, batchId: job.batchId, declarationIds: job.batchId ? undefined : ids, trigger: job.batchId ? `import:${job.batchId}` : 'filing',
    });
    return r;
  };
  const train = async (job: TrainJob) => trainAndRegister(ctx.db, job.requestedBy ? { ...systemActor('risk.retrain'), userId: job.requestedBy } : systemActor('risk.train'), { reason: job.reason, includeLabels: job.includeLabels });

  const scoreJob = (job: ScoreJob, eventId: string) => ctx.queue
    ? ctx.queue.send(SCORE_JOB, job, { id: jobIdFor(eventId, SCORE_JOB), retryLimit: 5, retryBackoff: true })
    : score(job);
  ctx.outbox.on('declaration.submitted', 'risk.score', (p, m) => scoreJob({ declarationIds: [p.declarationId] }, m.eventId));
  ctx.outbox.on('declaration.imported', 'risk.score', (p, m) => scoreJob({ batchId: p.batchId }, m.eventId));
  ctx.outbox.on('risk.model_activated', 'risk.score-unscored', (_p, m) => scoreJob({ unscored: true }, m.eventId));
  ctx.outbox.on('risk.retrain_requested', 'risk.train', (p, m) => {
    const job: TrainJob = { reason: 'retrain on inspection outcomes', requestedBy: p.requestedBy, includeLabels: true };
    return ctx.queue ? ctx.queue.send(TRAIN_JOB, job, { id: jobIdFor(m.eventId, TRAIN_JOB), singletonKey: 'retrain', retryLimit: 1 }) : train(job);
  });

  if (ctx.queue) {
    ctx.queue.work<ScoreJob>(SCORE_JOB, async (d) => { await score(d); })
      .catch((e) => console.error('risk: cannot start the scoring worker:', e));
    ctx.queue.work<TrainJob>(TRAIN_JOB, async (d) => { await train(d); })
      .catch((e) => console.error('risk: cannot start the training worker:', e));
  }
}

/** At start: with no model in the registry, train the first one from the seed data in the background. */
export async function ensureInitialModel(ctx: AppContext): Promise<void> {
  const [any] = await ctx.db.select({ id: riskModels.id }).from(riskModels).limit(1);
  if (any) return;
  const job: TrainJob = { reason: 'initial model from seed data', requestedBy: null, includeLabels: false };
  if (ctx.queue) await ctx.queue.send(TRAIN_JOB, job, { singletonKey: 'initial', retryLimit: 2 });
}
