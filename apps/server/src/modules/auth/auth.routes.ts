import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, LoginBody, Me } from '@rvi/contracts';
import type { AppContext } from '../../app.ts';
import { actorOf } from '../../platform/http.ts';
import { globalCan } from '../../platform/policy.ts';
import { login, logout, SESSION_COOKIE, setLocale } from './auth.service.ts';

export function authRoutes(app: FastifyInstance, ctx: AppContext) {
  app.post('/api/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in with username and password; sets an HTTP-only session cookie', body: LoginBody, response: { 200: Me, 401: ErrorBody, 429: ErrorBody } },
    config: { public: true },
  }, async (req, reply) => {
    const body = req.body as LoginBody;
    const s = await login(ctx.db, ctx.sessions, ctx.throttle, { ...body, ip: req.ip, requestId: req.id });
    reply.setCookie(SESSION_COOKIE, s.token, {
      path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies, expires: s.expiresAt,
    });
    const user = await ctx.sessions.resolve(s.token);
    return presentMe(user!);
  });

  app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'End the session', response: { 204: Type.Null() } } }, async (req, reply) => {
    const actor = actorOf(req);
    await logout(ctx.db, ctx.sessions, actor, req.cookies[SESSION_COOKIE]!);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], summary: 'The logged-in user, with what the policy layer allows', response: { 200: Me } } }, async (req) => {
    actorOf(req);
    return presentMe((await ctx.sessions.resolve(req.cookies[SESSION_COOKIE]))!);
  });

  app.put('/api/auth/me/locale', {
    schema: { tags: ['auth'], summary: 'Remember the interface language', body: Type.Object({ locale: Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]) }, { additionalProperties: false }), response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await setLocale(ctx.db, ctx.sessions, actorOf(req), (req.body as { locale: string }).locale);
    return reply.status(204).send();
  });
}

function presentMe(u: NonNullable<Awaited<ReturnType<AppContext['sessions']['resolve']>>>): Me {
  const actor = { ...u.actor, requestId: null };
  return {
    id: u.actor.userId!, username: u.actor.username, displayName: u.displayName, role: u.actor.role as Me['role'],
    org: u.org, locale: u.locale, can: globalCan(actor),
  };
}
