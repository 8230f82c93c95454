import type { FastifyInstance } from 'fastify';
import {
  AcceptSuggestionBody, DismissSuggestionBody, Finding, FindingInput, IdParams, InspectionList, InspectionListQuery, InspectionView,
  SuggestedFinding,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { errors } from '../orders/orders.http.ts';
import {
  acceptSuggestion, completeInspection, dismissSuggestion, getFinding, getInspection, listInspections, recordFinding, refuseFindingChange,
} from './findings.service.ts';

const tags = ['findings'];
const id = (req: { params: unknown }) => (req.params as IdParams).id;

export function findingsRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/inspections', {
    // every role has order.read; the service answers 404 to non-customs callers and lists the caller's office only
    config: { access: { action: 'office.read' } },
    schema: { tags, summary: "Inspections to work on: the inspector's own (default) or the office's", querystring: InspectionListQuery, response: { 200: InspectionList, ...errors } },
  }, async (req) => listInspections(ctx.db, actorOf(req), req.query as InspectionListQuery));

  app.get('/api/orders/:id/inspection', {
    // the service also answers 404 to non-customs callers (the enterprise sees its outcome, not the inspection)
    config: { access: { action: 'office.read', scope: 'record' } },
    schema: { tags, summary: 'One inspection: declared values, checklist, findings, suggestions, decisions (customs)', params: IdParams, response: { 200: InspectionView, ...errors } },
  }, async (req) => getInspection(ctx, actorOf(req), id(req)));

  app.post('/api/orders/:id/inspection/complete', {
    // the service further requires the inspector assigned to the order (403)
    config: { access: { action: 'finding.record', scope: 'record' } },
    schema: { tags, summary: 'The assigned inspector finishes the inspection (in_progress → inspected)', params: IdParams, response: { 200: InspectionView, ...errors } },
  }, async (req) => completeInspection(ctx, actorOf(req), id(req)));

  app.post('/api/orders/:id/findings', {
    // the service further requires the inspector assigned to the order (403)
    config: { access: { action: 'finding.record', scope: 'record' } },
    schema: {
      tags, summary: 'Record a finding (checklist step result or discrepancy), signed on submission; a correction names the finding it corrects',
      params: IdParams, body: FindingInput, response: { 201: Finding, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await recordFinding(ctx, actorOf(req), id(req), req.body as FindingInput)));

  app.get('/api/findings/:id', {
    // the service also answers 404 to non-customs callers
    config: { access: { action: 'office.read', scope: 'record' } },
    schema: { tags, summary: 'One finding with its signature check (customs)', params: IdParams, response: { 200: Finding, ...errors } },
  }, async (req) => getFinding(ctx, actorOf(req), id(req)));

  // A signed finding is never changed: edits and deletions are refused with 409 (deletion after retention goes through /api/retention).
  for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
    app.route({
      method, url: '/api/findings/:id',
      // customs staff only (an enterprise gets 403 whatever the id: no oracle for which ids exist); another office's
      // record is 404; the office's own is always 409
      config: { access: { action: 'office.read' } },
      schema: { tags, summary: 'Refused: a signed finding is never changed (409); record a correction instead', params: IdParams, response: errors },
      handler: async (req) => refuseFindingChange(ctx, actorOf(req), id(req)),
    });
  }

  app.post('/api/suggestions/:id/accept', {
    // the service further requires the inspector assigned to the order (403)
    config: { access: { action: 'finding.record', scope: 'record' } },
    schema: { tags, summary: 'Accept a suggested finding: it becomes a signed discrepancy finding', params: IdParams, body: AcceptSuggestionBody, response: { 201: Finding, ...errors } },
  }, async (req, reply) => reply.status(201).send(await acceptSuggestion(ctx, actorOf(req), id(req), req.body as AcceptSuggestionBody)));

  app.post('/api/suggestions/:id/dismiss', {
    // the service further requires the inspector assigned to the order (403)
    config: { access: { action: 'finding.record', scope: 'record' } },
    schema: { tags, summary: 'Dismiss a suggested finding, saying why', params: IdParams, body: DismissSuggestionBody, response: { 200: SuggestedFinding, ...errors } },
  }, async (req) => dismissSuggestion(ctx, actorOf(req), id(req), req.body as DismissSuggestionBody));
}


