import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  ApiToken, ApiTokenCallList, ApiTokenList, ApiTokenListQuery, ApiTokenScopes, ApiTokenSecret, CreateApiTokenBody, ErrorBody, IdParams,
  RotateApiTokenBody, type ApiTokenListQuery as ListQ, type CreateApiTokenBody as CreateBody, type RotateApiTokenBody as RotateBody,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { createApiToken, listApiTokenCalls, listApiTokens, revokeApiToken, rotateApiToken, tokenScopes } from './tokens.service.ts';

const tags = ['api tokens'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const access = { action: 'admin.manage' } as const;
const id = (req: { params: unknown }) => (req.params as IdParams).id;

/** Administrators manage the API tokens of every organisation (issue 19); the secret is in the answer of create and rotate only. */
export function tokenRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get('/api/admin/api-tokens', {
    config: { access },
    schema: { tags, summary: 'API tokens (filter by organisation id or code); never their secrets', querystring: ApiTokenListQuery, response: { 200: ApiTokenList, ...errors } },
  }, async (req) => listApiTokens(ctx.db, actorOf(req), req.query as ListQ));

  app.get('/api/admin/api-tokens/scopes', {
    config: { access },
    schema: { tags, summary: 'The scopes a token may carry, by role: the actions of the rule table', response: { 200: ApiTokenScopes, ...errors } },
  }, async (req) => {
    actorOf(req);
    return tokenScopes();
  });

  app.post('/api/admin/api-tokens', {
    config: { access },
    schema: {
      tags, summary: 'Create an API token for an organisation: role, scopes (rule-table actions), expiry, rate limit. The secret is shown once',
      body: CreateApiTokenBody, response: { 201: ApiTokenSecret, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await createApiToken(ctx.db, actorOf(req), req.body as CreateBody)));

  app.post('/api/admin/api-tokens/:id/rotate', {
    config: { access },
    schema: {
      tags, summary: 'A new secret with the same organisation, role and scopes; the old secret stops at once (or after graceSeconds)',
      params: IdParams, body: RotateApiTokenBody, response: { 201: ApiTokenSecret, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await rotateApiToken(ctx.db, actorOf(req), id(req), (req.body ?? {}) as RotateBody)));

  app.post('/api/admin/api-tokens/:id/revoke', {
    config: { access },
    schema: { tags, summary: 'Revoke an API token: its next call answers 401', params: IdParams, response: { 200: ApiToken, ...errors } },
  }, async (req) => revokeApiToken(ctx.db, actorOf(req), id(req)));

  app.get('/api/admin/api-tokens/:id/calls', {
    config: { access },
    schema: {
      tags, summary: 'The call log of an API token (newest first): method, route, status, address, request id',
      params: IdParams, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: false }),
      response: { 200: ApiTokenCallList, ...errors },
    },
  }, async (req) => listApiTokenCalls(ctx.db, actorOf(req), id(req), (req.query as { limit?: number }).limit));
}
