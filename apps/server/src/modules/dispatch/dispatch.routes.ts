import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  CandidateList, DispatchRunBody, DispatchRunView, DispatchSettingsInput, IdParams, InspectionOrder, IsoDate, OrderSettings, ReassignBody, ReplayView,
  type DispatchRunBody as RunBody, type DispatchSettingsInput as SettingsBody, type ReassignBody as ReBody,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import { assignOrder, getRun, listCandidates, listRuns, reassignOrder, replayRun, runDispatch } from './dispatch.service.ts';
import { saveDispatchSettings } from '../orders/orders.settings.ts';

const tags = ['dispatch'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function dispatchRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/dispatch/runs', {
    config: { access: { action: 'order.dispatch' } },
    schema: { tags, summary: 'Supervisor: dispatch the office\'s unassigned orders (random, fair, recorded with its seed)', body: DispatchRunBody, response: { 201: DispatchRunView, ...errors } },
  }, async (req, reply) => reply.status(201).send(await runDispatch(ctx.db, actorOf(req), req.body as RunBody ?? {})));

  app.get('/api/dispatch/runs', {
    config: { access: { action: 'order.plan' } },
    schema: { tags, summary: 'Recent dispatch runs of your office', response: { 200: Type.Object({ items: Type.Array(Type.Omit(DispatchRunView, ['result', 'input'])) }), ...errors } },
  }, async (req) => listRuns(ctx.db, actorOf(req)));

  app.get('/api/dispatch/runs/:id', {
    // service: requireRole(order.read), then 404 unless customs staff of the run's office
    config: { access: { action: 'office.read', scope: 'record' } },
    schema: {
      tags, summary: 'One dispatch run: seed, input hash, and per order the inspector chosen and why (or why not)', params: IdParams,
      querystring: Type.Object({ input: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 200: DispatchRunView, ...errors },
    },
  }, async (req) => getRun(ctx.db, actorOf(req), id(req), (req.query as { input?: boolean }).input === true));

  app.get('/api/dispatch/runs/:id/replay', {
    // service: requireRole(order.read), then 404 unless customs staff of the run's office
    config: { access: { action: 'office.read', scope: 'record' } },
    schema: { tags, summary: 'Recompute a run from its recorded input and seed; lists any difference', params: IdParams, response: { 200: ReplayView, ...errors } },
  }, async (req) => replayRun(ctx.db, actorOf(req), id(req)));

  app.post('/api/orders/:id/reassign', {
    config: { access: { action: 'order.reassign', scope: 'record' } },
    schema: { tags, summary: 'Supervisor: move an order to another inspector (reason required; the candidate is checked against the rules)', params: IdParams, body: ReassignBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => reassignOrder(ctx.db, actorOf(req), id(req), req.body as ReBody));

  app.post('/api/orders/:id/assign', {
    config: { access: { action: 'order.reassign', scope: 'record' } },
    schema: {
      tags, summary: 'Supervisor: assign an order waiting for an inspector by hand (reason required; rules checked, conflict of interest never overridden)',
      params: IdParams, body: ReassignBody, response: { 200: InspectionOrder, ...errors },
    },
  }, async (req) => assignOrder(ctx.db, actorOf(req), id(req), req.body as ReBody));

  app.get('/api/orders/:id/candidates', {
    config: { access: { action: 'order.reassign', scope: 'record' } },
    schema: {
      tags, summary: 'Supervisor: every inspector of the office checked against the dispatch rules for this order and day',
      params: IdParams, querystring: Type.Object({ date: Type.Optional(IsoDate) }, { additionalProperties: false }), response: { 200: CandidateList, ...errors },
    },
  }, async (req) => listCandidates(ctx.db, actorOf(req), id(req), req.query as { date?: string }));

  app.put('/api/order-settings/dispatch', {
    // no single action: the service requires order.dispatch (supervisor) or admin.manage (administrator), else 403, and a customs office (404)
    config: { access: { authenticated: true } },
    schema: {
      tags, summary: 'Supervisor: change the office\'s rotation window, look-ahead days and weight tolerance (reason required, audited)',
      body: DispatchSettingsInput, response: { 200: OrderSettings, ...errors },
    },
  }, async (req) => saveDispatchSettings(ctx.db, actorOf(req), req.body as SettingsBody));
}
