import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ErrorBody, SecurityKeyList, SecurityKeyRegistered, WebauthnAuthenticateBody, WebauthnOptions, WebauthnRegisterBody, WebauthnVerified,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import {
  authenticationOptions, listSecurityKeys, registerSecurityKey, registrationOptions, relyingParty, removeSecurityKey, verifySecurityKey,
} from './webauthn.service.ts';

const mine = { access: { authenticated: true } } as const;
const tags = ['auth'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody };
const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

/** WebAuthn second factor (issue 19.2): register security keys and passkeys, and give one at login or for a step-up. */
export function webauthnRoutes(app: FastifyInstance, ctx: AppContext) {
  const rp = (req: FastifyRequest) => relyingParty(ctx.config.publicUrl, { protocol: req.protocol, host: req.host });

  app.get('/api/auth/webauthn/keys', {
    config: mine, schema: { tags, summary: 'The security keys (WebAuthn) of the signed-in user', response: { 200: SecurityKeyList, ...errors } },
  }, async (req) => listSecurityKeys(ctx.db, actorOf(req)));

  app.post('/api/auth/webauthn/register/options', {
    config: mine, schema: { tags, summary: 'Options for navigator.credentials.create() (a challenge bound to this login session, valid two minutes)', response: { 200: WebauthnOptions, ...errors } },
  }, async (req) => registrationOptions(ctx, actorOf(req), rp(req)));

  app.post('/api/auth/webauthn/register', {
    config: mine,
    schema: {
      tags, summary: 'Register a security key with the authenticator\'s answer; the session counts as verified; recovery codes when the account has none (shown once)',
      body: WebauthnRegisterBody, response: { 201: SecurityKeyRegistered, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body as WebauthnRegisterBody;
    return reply.status(201).send(await registerSecurityKey(ctx, actorOf(req), rp(req), { name: b.name, response: b.response, ip: req.ip }));
  });

  app.post('/api/auth/webauthn/authenticate/options', {
    config: mine, schema: { tags, summary: 'Options for navigator.credentials.get() with the user\'s keys; 409 no_security_key', response: { 200: WebauthnOptions, ...errors } },
  }, async (req) => authenticationOptions(ctx, actorOf(req), rp(req)));

  app.post('/api/auth/webauthn/authenticate', {
    config: mine,
    schema: { tags, summary: 'Give the second factor with a security key: after the password at login, or again before the most sensitive actions (step-up)', body: WebauthnAuthenticateBody, response: { 200: WebauthnVerified, ...errors } },
  }, async (req) => verifySecurityKey(ctx, actorOf(req), rp(req), { response: (req.body as WebauthnAuthenticateBody).response, ip: req.ip }));

  app.delete('/api/auth/webauthn/keys/:id', {
    config: { ...mine, stepUp: true },
    schema: { tags, summary: 'Remove one of your security keys (needs a second factor given within RVI_STEP_UP_MINUTES)', params: KeyParams, response: { 200: SecurityKeyList, ...errors } },
  }, async (req) => removeSecurityKey(ctx, actorOf(req), (req.params as { id: string }).id));
}
