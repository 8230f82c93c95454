import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  ArrivalNoticeInput, DeclarationDetail, DeclarationInput, DeclarationList, DeclarationListQuery, ErrorBody, IdParams,
  ImportQuery, ImportResult, InspectionApplicationInput, Declaration,
} from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import {
  applyForInspection, fileArrivalNotice, getDeclaration, importDeclarations, listDeclarationsJson, submitDeclaration,
} from './declarations.service.ts';

const tags = ['declarations'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function declarationRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/declarations', {
    schema: { tags, summary: 'List the declarations you may see (filter, sort, page)', querystring: DeclarationListQuery, response: { 200: DeclarationList, ...errors } },
  }, async (req, reply) => {
    const { json } = await listDeclarationsJson(ctx.db, actorOf(req), req.query as DeclarationListQuery);
    return reply.type('application/json; charset=utf-8').serializer((p: unknown) => p as string).send(json);
  });

  app.post('/api/declarations', {
    schema: { tags, summary: 'File an import declaration', body: DeclarationInput, response: { 201: Declaration, ...errors } },
  }, async (req, reply) => {
    const source = req.headers['x-rvi-client'] === 'web' ? 'form' : 'api';
    const d = await submitDeclaration(ctx.db, actorOf(req), req.body as DeclarationInput, source);
    return reply.status(201).send(d);
  });

  app.post('/api/declarations/import', {
    bodyLimit: 64 * 1024 * 1024,
    schema: {
      tags, summary: 'Import declarations from a CSV in the Korea Customs dataset format (Content-Type: text/csv)',
      querystring: Type.Composite([ImportQuery, Type.Object({ fileName: Type.Optional(Type.String({ maxLength: 200 })) })], { additionalProperties: false }),
      response: { 200: ImportResult, 422: ImportResult, ...errors },
    },
  }, async (req, reply) => {
    const q = req.query as { skipInvalid?: boolean; orgId?: string; fileName?: string };
    if (typeof req.body !== 'string') {
      return reply.status(415).send({ error: { code: 'unsupported_media_type', message: 'Send the CSV file as the request body with Content-Type: text/csv' } });
    }
    const r = await importDeclarations(ctx.db, actorOf(req), { csv: req.body, fileName: q.fileName ?? null, orgRef: q.orgId, skipInvalid: q.skipInvalid });
    return reply.status(r.refused ? 422 : 200).send(r);
  });

  app.get('/api/declarations/:id', {
    schema: { tags, summary: 'One declaration with its arrival notices and inspection applications', params: IdParams, response: { 200: DeclarationDetail, ...errors } },
  }, async (req) => getDeclaration(ctx.db, actorOf(req), (req.params as IdParams).id));

  app.post('/api/declarations/:id/arrival-notices', {
    schema: { tags, summary: 'File an advance arrival notice for the goods of a declaration', params: IdParams, body: ArrivalNoticeInput, response: { 201: DeclarationDetail, ...errors } },
  }, async (req, reply) => reply.status(201).send(await fileArrivalNotice(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as ArrivalNoticeInput)));

  app.post('/api/declarations/:id/inspection-applications', {
    schema: { tags, summary: 'Apply for inspection of the goods of a declaration', params: IdParams, body: InspectionApplicationInput, response: { 201: DeclarationDetail, ...errors } },
  }, async (req, reply) => reply.status(201).send(await applyForInspection(ctx.db, actorOf(req), (req.params as IdParams).id, req.body as InspectionApplicationInput)));
}
