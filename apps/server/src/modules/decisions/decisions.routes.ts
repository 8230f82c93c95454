import type { FastifyInstance } from 'fastify';
import {
  ApprovalQueue, Decision, DecisionInput, EnterpriseOutcome, EnterpriseOutcomeList, IdParams, RejectBody, ReviewBody,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import { approveDecision, listPendingApprovals, proposeDecision, refuseDecisionChange, rejectDecision } from './decisions.service.ts';
import { getOutcome, listOutcomes } from './outcome.service.ts';

const tags = ['decisions'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function decisionRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/orders/:id/decisions', {
    // the service further requires the inspector assigned to the order (403)
    config: { access: { action: 'decision.propose', scope: 'record' } },
    schema: {
      tags, summary: 'The assigned inspector signs a decision; a clean release takes effect at once, anything else waits for a supervisor',
      params: IdParams, body: DecisionInput, response: { 201: Decision, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await proposeDecision(ctx, actorOf(req), id(req), req.body as DecisionInput)));

  app.get('/api/decisions/pending', {
    config: { access: { action: 'decision.approve' } },
    schema: { tags, summary: "Decisions of your office waiting for approval (supervisors)", response: { 200: ApprovalQueue, ...errors } },
  }, async (req) => listPendingApprovals(ctx, actorOf(req)));

  app.post('/api/decisions/:id/approve', {
    // the service checks decision.approve first, then the order's office (404) and four eyes / separation of duties (403)
    config: { access: { action: 'decision.approve', scope: 'record' }, stepUp: true },
    schema: { tags, summary: 'Approve a decision (supervisor of the same office, not the inspector: four eyes); it takes effect', params: IdParams, body: ReviewBody, response: { 200: Decision, ...errors } },
  }, async (req) => approveDecision(ctx, actorOf(req), id(req), req.body as ReviewBody));

  app.post('/api/decisions/:id/reject', {
    // as approve: decision.approve, the order's office (404), four eyes / separation of duties (403)
    config: { access: { action: 'decision.approve', scope: 'record' } },
    schema: { tags, summary: 'Reject a decision with a reason (supervisor); the inspector decides again', params: IdParams, body: RejectBody, response: { 200: Decision, ...errors } },
  }, async (req) => rejectDecision(ctx, actorOf(req), id(req), req.body as RejectBody));

  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    app.route({
      method, url: '/api/decisions/:id',
      // customs staff only (an enterprise gets 403 whatever the id: no oracle for which ids exist); another office's
      // record is 404; the office's own is always 409
      config: { access: { action: 'office.read' } },
      schema: { tags, summary: 'Refused: a signed decision is never changed (409)', params: IdParams, response: errors },
      handler: async (req) => refuseDecisionChange(ctx, actorOf(req), id(req)),
    });
  }

  app.get('/api/orders/:id/outcome', {
    // the service also answers 404 to the enterprise while the order is not yet in a visible state
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'Outcome of an inspection: decision, release time, corrections, findings (enterprise: its own; never the risk score)', params: IdParams, response: { 200: EnterpriseOutcome, ...errors } },
  }, async (req) => getOutcome(ctx.db, actorOf(req), id(req)));

  app.get('/api/outcomes', {
    // every role has order.read; the service lists the enterprise's own orders or the customs office's
    config: { access: { action: 'order.read' } },
    schema: { tags, summary: 'Outcomes of your inspections (enterprise) or your office\'s (customs), newest first', response: { 200: EnterpriseOutcomeList, ...errors } },
  }, async (req) => listOutcomes(ctx.db, actorOf(req)));
}
