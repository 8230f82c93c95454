import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ChangePasswordBody, ErrorBody, LoginBody, Me } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { globalCan } from '../../platform/policy.ts';
import { changePassword, login, logout, sessionCookieName, setLocale } from './auth.service.ts';
import { oidcEndSessionUrl } from './oidc.service.ts';
import { loginWithDirectory, usesDirectory } from './ldap.service.ts';
import { ssoRoutes } from './sso.routes.ts';

export function authRoutes(app: FastifyInstance, ctx: AppContext) {
  const COOKIE = sessionCookieName(ctx.config.secureCookies);
  app.post('/api/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Log in with username and password (a local password, or the staff directory\'s when LDAP is configured); sets an HTTP-only session cookie',
      body: LoginBody, response: { 200: Me, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
    config: { access: { public: 'logging in' } },
  }, async (req, reply) => {
    const body = req.body as LoginBody;
    const input = { ...body, ip: req.ip, requestId: req.id };
    const factorRules = { requireSecondFactor: ctx.config.requireSecondFactor };
    // LDAP: a name unknown here or linked to a directory entry is checked by the directory (ldap.service.ts)
    const s = ctx.config.ldap && await usesDirectory(ctx.db, body.username)
      ? await loginWithDirectory(ctx.db, ctx.sessions, ctx.throttle, ctx.config.ldap, input, factorRules)
      : await login(ctx.db, ctx.sessions, ctx.throttle, input, factorRules);
    reply.setCookie(COOKIE, s.token, {
      path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, expires: s.expiresAt,
    });
    const user = await ctx.sessions.resolve(s.token);
    return presentMe(user!);
  });

  app.post('/api/auth/logout', {
    schema: {
      tags: ['auth'],
      summary: 'End the session. 204; 200 with endSessionUrl after an OpenID Connect sign-in: send the browser there so the provider ends its session too',
      response: { 200: Type.Object({ endSessionUrl: Type.String({ format: 'uri' }) }), 204: Type.Null() },
    },
    config: { access: { authenticated: true } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const { method } = await logout(ctx.db, ctx.sessions, actor, req.cookies[COOKIE]!);
    reply.clearCookie(COOKIE, { path: '/', secure: ctx.config.secureCookies });
    if (method?.startsWith('oidc') && ctx.config.oidc) {
      // the session here is over either way; a provider that cannot be reached now only misses the hint
      const endSessionUrl = await oidcEndSessionUrl(ctx.config.oidc).catch((err) => { req.log.warn({ err }, 'OpenID provider: no end-session URL'); return null; });
      if (endSessionUrl) return reply.status(200).send({ endSessionUrl });
    }
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The logged-in user, with what the policy layer allows', response: { 200: Me } }, config: { access: { authenticated: true } } }, async (req) => {
    actorOf(req);
    return presentMe((await ctx.sessions.resolve(req.cookies[COOKIE]))!);
  });

  app.post('/api/auth/password', {
    schema: {
      tags: ['auth'], summary: 'Choose a new password (required after an administrator set one); ends your other sessions',
      body: ChangePasswordBody, response: { 204: Type.Null(), 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
    },
    config: { access: { authenticated: true } },
  }, async (req, reply) => {
    const body = req.body as ChangePasswordBody;
    await changePassword(ctx.db, ctx.sessions, ctx.throttle, actorOf(req), { ...body, ip: req.ip, keepToken: req.cookies[COOKIE]! });
    return reply.status(204).send();
  });

  app.put('/api/auth/me/locale', {
    schema: { tags: ['auth'], summary: 'Remember the interface language', body: Type.Object({ locale: Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]) }, { additionalProperties: false }), response: { 204: Type.Null() } },
    config: { access: { authenticated: true } },
  }, async (req, reply) => {
    await setLocale(ctx.db, ctx.sessions, actorOf(req), (req.body as { locale: string }).locale);
    return reply.status(204).send();
  });

  // single sign-on (OpenID Connect) and the sign-in methods the login page offers
  ssoRoutes(app, ctx);
}

function presentMe(u: NonNullable<Awaited<ReturnType<AppContext['sessions']['resolve']>>>): Me {
  const actor = { ...u.actor, requestId: null };
  return {
    id: u.actor.userId!, username: u.actor.username, displayName: u.displayName, role: u.actor.role as Me['role'],
    org: u.org, locale: u.locale, can: u.mustChangePassword || u.factor.state !== 'ok' ? {} : globalCan(actor), mustChangePassword: u.mustChangePassword,
    secondFactor: u.factor.state, totpEnrolled: u.factor.totpEnrolled, securityKeys: u.factor.securityKeys,
  };
}
