import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ErrorBody, IdParams, ReplayResult, RiskModelView, RiskView, SelectionOutcome, TargetingSettings } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { requireRole } from '../../platform/policy.ts';
import {
  activateModel, drawSelection, getRisk, listModels, officeSettings, replaySelectionRun, requestRetrain, updateOfficeSettings,
} from './risk.service.ts';

const tags = ['risk targeting'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function riskRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/declarations/:id/risk', {
    config: { access: { action: 'risk.read', scope: 'record' } },
    schema: { tags, summary: 'Risk score, channel, explanation and selection of a declaration (customs only)', params: IdParams, response: { 200: RiskView, ...errors } },
  }, async (req) => getRisk(ctx.db, ctx.models, actorOf(req), (req.params as IdParams).id));

  app.get('/api/risk/models', {
    config: { access: { action: 'model.read' } },
    schema: { tags, summary: 'Model registry: every version with its figures (the active one first by status)', response: { 200: Type.Object({ items: Type.Array(RiskModelView) }), ...errors } },
  }, async (req) => ({ items: await listModels(ctx.db, actorOf(req)) }));

  app.post('/api/risk/models/:id/activate', {
    config: { access: { action: 'model.manage' } },
    schema: { tags, summary: 'Make a model the active one (administrator)', params: IdParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await activateModel(ctx.db, actorOf(req), (req.params as IdParams).id);
    return reply.status(204).send();
  });

  app.post('/api/risk/retrain', {
    config: { access: { action: 'model.manage' } },
    schema: { tags, summary: 'Retrain on inspection outcomes plus the seed data, in the background (administrator)', response: { 202: Type.Object({ jobId: Type.Union([Type.String(), Type.Null()]) }), ...errors } },
  }, async (req, reply) => {
    const jobId = await requestRetrain(ctx.db, actorOf(req));
    return reply.status(202).send({ jobId });
  });

  app.get('/api/risk/settings', {
    config: { access: { action: 'risk.read' } },
    schema: { tags, summary: "Your office's inspection rate and random share", response: { 200: TargetingSettings, ...errors } },
  }, async (req) => {
    const actor = actorOf(req);
    requireRole(actor, 'risk.read');
    return officeSettings(ctx.db, actor.officeId!);
  });

  app.put('/api/risk/settings', {
    config: { access: { action: 'risk.select' } },
    schema: { tags, summary: "Set your office's inspection rate and random share (supervisor)", body: TargetingSettings, response: { 200: TargetingSettings, ...errors } },
  }, async (req) => updateOfficeSettings(ctx.db, actorOf(req), req.body as TargetingSettings));

  app.post('/api/risk/selections', {
    config: { access: { action: 'risk.select' } },
    schema: {
      tags, summary: 'Draw the selection among scored, not yet selected declarations of your office (supervisor)',
      body: Type.Object({ seed: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
      response: { 200: SelectionOutcome, ...errors },
    },
  }, async (req) => {
    const actor = actorOf(req);
    requireRole(actor, 'risk.select');
    const out = await drawSelection(ctx.db, actor, { officeId: actor.officeId!, seed: (req.body as { seed?: string }).seed, trigger: 'manual' });
    return out ?? { runId: null, seed: null, selected: [] };
  });

  app.get('/api/risk/selections/:id/replay', {
    config: { access: { action: 'audit.read' } },
    schema: { tags, summary: 'Recompute a recorded selection draw from its seed and inputs', params: IdParams, response: { 200: ReplayResult, ...errors } },
  }, async (req) => replaySelectionRun(ctx.db, actorOf(req), (req.params as IdParams).id));
}
