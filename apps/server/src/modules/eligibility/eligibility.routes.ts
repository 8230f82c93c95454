import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  DecideEligibilityBody, EligibilityView, IdParams, InspectionOrder, RuleSetInput, RuleSetView,
  type DecideEligibilityBody as DecideBody, type RuleSetInput as RulesBody,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import { decideEligibility, getEligibility, listRuleSets, saveRuleSet } from './eligibility.service.ts';

const tags = ['eligibility'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function eligibilityRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/orders/:id/eligibility', {
    // the service then refuses non-customs callers (403)
    config: { access: { action: 'order.read', scope: 'record' } },
    schema: { tags, summary: 'Remote-eligibility recommendation with every fired rule and the facts used (customs only)', params: IdParams, response: { 200: EligibilityView, ...errors } },
  }, async (req) => getEligibility(ctx.db, actorOf(req), id(req)));

  app.post('/api/orders/:id/eligibility', {
    // the service also requires the inspector assigned to the order
    config: { access: { action: 'order.decide_eligibility', scope: 'record' } },
    schema: { tags, summary: 'Assigned inspector: decide remote or on-site (reason required against the recommendation)', params: IdParams, body: DecideEligibilityBody, response: { 200: InspectionOrder, ...errors } },
  }, async (req) => decideEligibility(ctx.db, actorOf(req), id(req), req.body as DecideBody));

  app.get('/api/eligibility/rule-sets', {
    // the service then refuses non-customs callers (403)
    config: { access: { action: 'office.read' } },
    schema: { tags, summary: 'The office\'s active eligibility rules (with the fact catalogue) and earlier versions', response: { 200: Type.Object({ active: RuleSetView, versions: Type.Array(RuleSetView) }), ...errors } },
  }, async (req) => listRuleSets(ctx.db, actorOf(req)));

  app.post('/api/eligibility/rule-sets', {
    config: { access: { action: 'admin.manage' } },
    schema: { tags, summary: 'Administrator: save a new version of the rules (validated; active at once)', body: RuleSetInput, response: { 201: RuleSetView, ...errors } },
  }, async (req, reply) => reply.status(201).send(await saveRuleSet(ctx.db, actorOf(req), req.body as RulesBody)));
}
