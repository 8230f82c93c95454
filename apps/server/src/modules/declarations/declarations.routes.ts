import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  Amendment, AmendmentDecisionInput, AmendmentInput, ArrivalNoticeInput, DeclarationDetail, DeclarationInput, DeclarationList, DeclarationListQuery, ErrorBody, IdParams,
  ImportQuery, ImportResult, InspectionApplicationInput, Declaration,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import {
  applyForInspection, fileArrivalNotice, updateArrivalNotice, getDeclaration, importDeclarations, listDeclarationsJson, submitDeclaration,
} from './declarations.service.ts';
import { decideAmendment, fileAmendment } from './declarations.amendments.ts';

const tags = ['declarations'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function declarationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/declarations', {
    // every role reads; the service filters by organisation (enterprise) or customs office
    config: { access: { action: 'declaration.read' } },
    schema: { tags, summary: 'List the declarations you may see (filter, sort, page)', querystring: DeclarationListQuery, response: { 200: DeclarationList, ...errors } },
  }, async (req, reply) => {
    const { json } = await listDeclarationsJson(ctx.db, actorOf(req), req.query as DeclarationListQuery);
    return reply.type('application/json; charset=utf-8').serializer((p: unknown) => p as string).send(json);
  });

  app.post('/api/declarations', {
    config: { access: { action: 'declaration.create' } },
    schema: { tags, summary: 'File an import declaration', body: DeclarationInput, response: { 201: Declaration, ...errors } },
  }, async (req, reply) => {
    const source = req.headers['x-rvi-client'] === 'web' ? 'form' : 'api';
    const d = await submitDeclaration(ctx.db, actorOf(req), req.body as DeclarationInput, source);
    return reply.status(201).send(d);
  });

  app.post('/api/declarations/import', {
    bodyLimit: 64 * 1024 * 1024,
    // the service further limits a customs administrator to enterprises its office supervises (else 404)
    config: { access: { action: 'declaration.import' }, bodyTypes: ['text/csv', 'application/json'] },
    schema: {
      tags, summary: 'Import declarations: a CSV in the Korea Customs dataset format (Content-Type: text/csv, optional goods columns), or a JSON array of declarations (application/json)',
      querystring: Type.Composite([ImportQuery, Type.Object({ fileName: Type.Optional(Type.String({ maxLength: 200 })) })], { additionalProperties: false }),
      response: { 200: ImportResult, 422: ImportResult, ...errors },
    },
  }, async (req, reply) => {
    const q = req.query as { skipInvalid?: boolean; orgId?: string; fileName?: string };
    const body = req.body as unknown;
    const json = Array.isArray(body) ? body : body && typeof body === 'object' && Array.isArray((body as { items?: unknown }).items) ? (body as { items: unknown[] }).items : null;
    if (typeof body !== 'string' && !json) {
      return reply.status(415).send({ error: { code: 'unsupported_media_type', message: 'Send the CSV file with Content-Type: text/csv, or a JSON array of declarations (or {"items": [...]}) with Content-Type: application/json' } });
    }
    const r = await importDeclarations(ctx.db, actorOf(req), { ...(json ? { items: json } : { csv: body as string }), fileName: q.fileName ?? null, orgRef: q.orgId, skipInvalid: q.skipInvalid });
    return reply.status(r.refused ? 422 : 200).send(r);
  });

  app.get('/api/declarations/:id', {
    config: { access: { action: 'declaration.read', scope: 'record' } },
    schema: { tags, summary: 'One declaration with its arrival notices and inspection applications', params: IdParams, response: { 200: DeclarationDetail, ...errors } },
  }, async (req) => getDeclaration(ctx.db, actorOf(req), (req.params as IdParams).id));

  app.post('/api/declarations/:id/arrival-notices', {
    config: { access: { action: 'arrival_notice.create', scope: 'record' } },
    schema: { tags, summary: 'File an advance arrival notice for the goods of a declaration', params: IdParams, body: ArrivalNoticeInput, response: { 201: DeclarationDetail, ...errors } },
  }, async (req, reply) => reply.status(201).send(await fileArrivalNotice(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as ArrivalNoticeInput)));

  app.put('/api/arrival-notices/:id', {
    config: { access: { action: 'arrival_notice.create', scope: 'record' } },
    schema: { tags, summary: 'Correct an arrival notice while the goods are still expected (container check digits verified)', params: IdParams, body: ArrivalNoticeInput, response: { 200: DeclarationDetail, ...errors } },
  }, async (req) => updateArrivalNotice(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as ArrivalNoticeInput));

  app.post('/api/declarations/:id/inspection-applications', {
    config: { access: { action: 'declaration.apply', scope: 'record' } },
    schema: { tags, summary: 'Apply for inspection of the goods of a declaration', params: IdParams, body: InspectionApplicationInput, response: { 201: DeclarationDetail, ...errors } },
  }, async (req, reply) => reply.status(201).send(await applyForInspection(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as InspectionApplicationInput)));

  app.post('/api/declarations/:id/amendments', {
    config: { access: { action: 'declaration.create', scope: 'record' } },
    schema: {
      tags, summary: 'Enterprise: amend a declaration after customs decided on it (the corrected values and why); customs accept or refuse it',
      params: IdParams, body: AmendmentInput, response: { 201: Amendment, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await fileAmendment(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as AmendmentInput)));

  app.post('/api/amendments/:id/decision', {
    // 404 unless the caller sees the declaration; then customs who propose or approve decisions in its office (403)
    config: { access: { action: 'declaration.read', scope: 'record' } },
    schema: {
      tags, summary: 'Customs: accept an amendment (the declaration becomes its next version, the earlier one is kept) or refuse it with a note',
      params: IdParams, body: AmendmentDecisionInput, response: { 200: Amendment, ...errors },
    },
  }, async (req) => decideAmendment(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as AmendmentDecisionInput));
}
