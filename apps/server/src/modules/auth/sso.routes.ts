// Single sign-on routes (issue 19.1), mounted by auth.routes.ts. LDAP has no route of its own: it goes through
// POST /api/auth/login (see passwordOrDirectoryLogin in ldap.service.ts).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, OidcCallbackQuery, OidcStartQuery, SsoOptions } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { sessionCookieName } from './auth.service.ts';
import { oidcSignInFor } from './oidc.service.ts';
import { auditSignInRefused, signInExternal } from './sso.service.ts';

/** The browser binding of a sign-in in progress (login CSRF): `__Host-` over HTTPS, like the session cookie. */
export const oidcCookieName = (secure: boolean) => (secure ? '__Host-rvi_oidc' : 'rvi_oidc');

export function ssoRoutes(app: FastifyInstance, ctx: AppContext) {
  const COOKIE = sessionCookieName(ctx.config.secureCookies);
  const BINDING = oidcCookieName(ctx.config.secureCookies);

  app.get('/api/auth/sso', {
    schema: { tags: ['auth'], summary: 'The sign-in methods offered besides local passwords (OpenID Connect, LDAP)', response: { 200: SsoOptions } },
    config: { access: { public: 'the login page shows the sign-in methods before anyone is signed in' } },
  }, async (): Promise<SsoOptions> => ({
    oidc: ctx.config.oidc ? { name: ctx.config.oidc.providerName, startUrl: '/api/auth/oidc/start' } : null,
    ldap: ctx.config.ldap !== null,
  }));

  app.get('/api/auth/oidc/start', {
    schema: {
      tags: ['auth'], summary: 'Start single sign-on: redirects (302) to the identity provider (authorisation code flow with PKCE), or to /login?ssoError=sso_unavailable when it cannot be reached',
      querystring: OidcStartQuery, response: { 302: Type.Null(), 400: ErrorBody, 404: ErrorBody },
    },
    config: { access: { public: 'starts a sign-in: nobody is signed in yet' } },
  }, async (req, reply) => {
    if (!ctx.config.oidc) throw new AppError('sso_not_configured', 404, 'Single sign-on is not configured on this server');
    let started: { binding: string; url: string };
    try {
      started = await oidcSignInFor(ctx.config.oidc).start(ctx.db, (req.query as OidcStartQuery).returnTo);
    } catch (err) {
      // the person clicked a button: a provider that is down is explained on the login page, not as JSON
      if (err instanceof AppError && err.code === 'sso_unavailable') {
        req.log.warn({ reqId: req.id, message: err.message }, 'identity provider unreachable');
        return reply.redirect('/login?ssoError=sso_unavailable', 302);
      }
      throw err;
    }
    const { binding, url } = started;
    reply.setCookie(BINDING, binding, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, maxAge: 600 });
    reply.header('cache-control', 'no-store');
    return reply.redirect(url, 302);
  });

  app.get('/api/auth/oidc/callback', {
    schema: {
      tags: ['auth'],
      summary: 'The identity provider sends the browser back here; on success sets the session cookie and redirects (303) to the page the sign-in started from, otherwise to /login?ssoError=<code>',
      querystring: OidcCallbackQuery, response: { 303: Type.Null(), 404: ErrorBody },
    },
    config: { access: { public: 'the identity provider\'s redirect back: state (bound to this browser), nonce and PKCE are checked' } },
  }, async (req, reply) => {
    const oidcConfig = ctx.config.oidc;
    if (!oidcConfig) throw new AppError('sso_not_configured', 404, 'Single sign-on is not configured on this server');
    reply.clearCookie(BINDING, { path: '/', secure: ctx.config.secureCookies });
    reply.header('cache-control', 'no-store');
    const refuse = async (err: unknown, username: string, audited: boolean) => {
      const code = err instanceof AppError ? err.code : 'sso_failed';
      if (err instanceof AppError) req.log.info({ reqId: req.id, code, message: err.message }, 'single sign-on refused');
      else req.log.error({ err, reqId: req.id }, 'single sign-on failed');
      if (!audited || !(err instanceof AppError)) await auditSignInRefused(ctx.db, { method: 'oidc', username, reason: code, ip: req.ip, requestId: req.id });
      // the login page shows what went wrong (its text for the code); never a path taken from the request
      return reply.redirect(`/login?ssoError=${encodeURIComponent(code)}`, 303);
    };
    let finished: Awaited<ReturnType<ReturnType<typeof oidcSignInFor>['finish']>>;
    try {
      finished = await oidcSignInFor(oidcConfig).finish(ctx.db, req.cookies[BINDING], req.query as Record<string, string | undefined>);
    } catch (err) {
      return refuse(err, '', false);
    }
    try {
      // audits its own refusals (unmapped role, unknown office, disabled account, …)
      const s = await signInExternal(ctx.db, ctx.sessions, finished.identity, {
        roleMap: oidcConfig.roleMap, ip: req.ip, requestId: req.id, requireSecondFactor: ctx.config.requireSecondFactor,
        factorSatisfied: finished.factorSatisfied,
      });
      reply.setCookie(COOKIE, s.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, expires: s.expiresAt });
      return reply.redirect(finished.returnTo, 303);
    } catch (err) {
      return refuse(err, finished.identity.username, true);
    }
  });
}
