import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  DispatchRunBody, DispatchRunView, IdParams, InspectionOrder, ReassignBody, ReplayView, type DispatchRunBody as RunBody, type ReassignBody as ReBody,
} from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import { errors, withEffects } from '../orders/orders.http.ts';
import { getRun, listRuns, reassignOrder, replayRun, runDispatch } from './dispatch.service.ts';

const tags = ['dispatch'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function dispatchRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/dispatch/runs', {
    schema: { tags, summary: 'Supervisor: dispatch the office\'s unassigned orders (random, fair, recorded with its seed)', body: DispatchRunBody, response: { 201: DispatchRunView, ...errors } },
  }, async (req, reply) => reply.status(201).send(await withEffects(ctx, (fx) => runDispatch(ctx.db, actorOf(req), req.body as RunBody ?? {}, fx))));

  app.get('/api/dispatch/runs', {
    schema: { tags, summary: 'Recent dispatch runs of your office', response: { 200: Type.Object({ items: Type.Array(Type.Omit(DispatchRunView, ['result', 'input'])) }), ...errors } },
  }, async (req) => listRuns(ctx.db, actorOf(req)));

  app.get('/api/dispatch/runs/:id', {
    schema: {
      tags, summary: 'One dispatch run: seed, input hash, and per order the inspector chosen and why (or why not)', params: IdParams,
      querystring: Type.Object({ input: Type.Optional(Type.Boolean()) }, { additionalProperties: false }), response: { 200: DispatchRunView, ...errors },
    },
  }, async (req) => getRun(ctx.db, actorOf(req), id(req), (req.query as { input?: boolean }).input === true));

  app.get('/api/dispatch/runs/:id/replay', {
    schema: { tags, summary: 'Recompute a run from its recorded input and seed; lists any difference', params: IdParams, response: { 200: ReplayView, ...errors } },
  }, async (req) => replayRun(ctx.db, actorOf(req), id(req)));

  app.post('/api/orders/:id/reassign', {
    schema: { tags, summary: 'Supervisor: move an order to another inspector (reason required; the candidate is checked against the rules)', params: IdParams, body: ReassignBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => withEffects(ctx, (fx) => reassignOrder(ctx.db, actorOf(req), id(req), req.body as ReBody, fx)));
}
