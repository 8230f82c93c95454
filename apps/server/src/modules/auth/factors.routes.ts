import type { FastifyInstance } from 'fastify';
import { ErrorBody, FactorBody, FactorVerified, RecoveryCodes, TotpCodeBody, TotpEnrolment } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { confirmTotp, startTotpEnrolment, verifyFactor } from './factors.service.ts';

const mine = { access: { authenticated: true } } as const;

export function factorRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/auth/totp/enrol', {
    config: mine,
    schema: {
      tags: ['auth'], summary: 'Start setting up an authenticator app (TOTP, RFC 6238): a new secret as an otpauth:// URI and its QR code; 409 totp_enrolled when one is set up',
      response: { 200: TotpEnrolment, 409: ErrorBody },
    },
  }, async (req) => startTotpEnrolment(ctx, actorOf(req)));

  app.post('/api/auth/totp/confirm', {
    config: mine,
    schema: {
      tags: ['auth'], summary: 'Finish the set-up with a first code from the app; answers the single-use recovery codes (shown once); 400 invalid_code',
      body: TotpCodeBody, response: { 200: RecoveryCodes, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
    },
  }, async (req) => confirmTotp(ctx, actorOf(req), { code: (req.body as TotpCodeBody).code, ip: req.ip }));

  app.post('/api/auth/factor', {
    config: mine,
    schema: {
      tags: ['auth'], summary: 'Give the second factor (a code from the app, or one recovery code): after the password at login, and again before the most sensitive actions (step-up)',
      body: FactorBody, response: { 200: FactorVerified, 400: ErrorBody, 409: ErrorBody, 429: ErrorBody },
    },
  }, async (req) => verifyFactor(ctx, actorOf(req), { ...(req.body as FactorBody), ip: req.ip }));
}
