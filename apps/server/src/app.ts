import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { deliverRealtime, WsHub } from './platform/ws-hub.ts';
import { Outbox } from './platform/outbox.ts';
import { WsFanout } from './platform/ws-fanout.ts';
import { NodeBus } from './platform/node-bus.ts';
import { processAddress } from './platform/node-id.ts';
import { startQueue } from './platform/queue.ts';
import { ModelCache } from './modules/risk/risk.service.ts';
import { DEVICE_WS_PROTOCOL, Health } from '@rvi/contracts';
import type { Config } from './platform/config.ts';
import { mailerFromConfig } from './adapters/mail.ts';
import { objectStoreFromConfig } from './adapters/object-store.config.ts';
import { smsFromConfig } from './adapters/sms.ts';
import { appliedMigrations, expectedMigrations, migrate, openDatabase } from './platform/db.ts';
import { installRouteAccess } from './platform/access.ts';
import { actorOf, installErrorHandler, installTextChecks, installValidators } from './platform/http.ts';
import { loggerOptions } from './platform/logging.ts';
import { installRequestGuards, installSecurityHeaders } from './platform/security.ts';
import { LoginThrottle, sessionCookieName, SessionStore } from './modules/auth/auth.service.ts';
import { AppError } from './platform/errors.ts';
import { SECOND_FACTOR_ROLES } from './modules/auth/factors.service.ts';
import { SecretBox } from './platform/secret-box.ts';
import { logTokenCall, resolveBearer, TokenRateLimiter } from './modules/auth/tokens.service.ts';
import { AuditCheckpoints } from './modules/audit/audit.checkpoints.ts';
import { KeyRing } from '@rvi/evidence';
import type { AppContext, Module } from './platform/context.ts';
import { adminModule } from './modules/admin/index.ts';
import { auditModule } from './modules/audit/index.ts';
import { authModule } from './modules/auth/index.ts';
import { bookingModule } from './modules/booking/index.ts';
import { dashboardModule } from './modules/dashboard/index.ts';
import { decisionsModule } from './modules/decisions/index.ts';
import { declarationsModule } from './modules/declarations/index.ts';
import { demoHistoryModule } from './modules/demo-history/index.ts';
import { dispatchModule } from './modules/dispatch/index.ts';
import { eligibilityModule } from './modules/eligibility/index.ts';
import { evidenceModule } from './modules/evidence/index.ts';
import { findingsModule } from './modules/findings/index.ts';
import { notificationsModule } from './modules/notifications/index.ts';
import { ordersModule } from './modules/orders/index.ts';
import { orgsModule } from './modules/orgs/index.ts';
import { riskModule } from './modules/risk/index.ts';
import { sessionsModule } from './modules/sessions/index.ts';
import { visionModule } from './modules/vision/index.ts';
import { webhooksModule } from './modules/webhooks/index.ts';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export type { AppContext } from './platform/context.ts';

/**
 * The modules, in the order their routes are mounted. This list is the only place that knows them all: a module never
 * mounts another's routes or imports this file (the rule is checked in CI, .dependency-cruiser.cjs).
 */
export const MODULES: readonly Module[] = [
  authModule, declarationsModule, auditModule, orgsModule, notificationsModule, riskModule, visionModule,
  findingsModule, decisionsModule, evidenceModule, ordersModule, dispatchModule, eligibilityModule, bookingModule,
  dashboardModule, adminModule, demoHistoryModule, sessionsModule, webhooksModule,
];

export interface ContextOptions {
  /** PGlite only: keep the database in memory (tests). */
  inMemory?: boolean;
  /** Start the pg-boss job queue (serve does; tests that need durable jobs do). Without it jobs run in-process. */
  queue?: boolean;
  /** Install the workflow's background reactions (scoring after filing, selection...). Default true. */
  jobs?: boolean;
  /**
   * Run the outbox dispatcher in this process (default true). The CLI does not: what it emits (e.g. an import's
   * `declaration.imported`) is delivered by the server, at once on Postgres (NOTIFY) or at its next start on PGlite.
   */
  dispatch?: boolean;
  /**
   * Fan WebSocket room messages out to every node through Postgres LISTEN/NOTIFY (serve does; default false: the CLI
   * and single-app tests have no sockets on other nodes, and a LISTEN connection would keep a CLI process alive).
   */
  realtime?: boolean;
}

export async function createContext(config: Config, opts: ContextOptions = {}): Promise<AppContext> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, inMemory: opts.inMemory });
  await migrate(database);
  const keys = await KeyRing.open(join(config.dataDir, 'keys'));
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    sessions: new SessionStore(database.db, config.sessionTtlMinutes, config.sessionCacheMs, config.sessionIdleMinutes),
    throttle: new LoginThrottle(database),
    secrets: SecretBox.open(config.dataDir, config.secretsKey),
    tokenLimiter: new TokenRateLimiter(),
    outbox: new Outbox(database),
    hub: new WsHub(),
    draining: false,
    fanout: null,
    bus: null,
    wsHandlers: new Map(),
    queue: null,
    models: new ModelCache(),
    vision: null,
    keys,
    checkpoints: new AuditCheckpoints({
      db: database.db, keys, dataDir: config.dataDir, log: config.publicUrl ?? 'customs-rvi', witnessUrl: config.auditWitnessUrl,
      warn: (obj, msg) => { if (config.logLevel !== 'silent') console.warn(`${msg} ${JSON.stringify(obj)}`); },
    }),
    mail: mailerFromConfig(config),
    sms: smsFromConfig(config),
    store: objectStoreFromConfig(config),
  };
  if (database.kind === 'postgres' && opts.realtime) {
    // several API nodes may serve this database: a room message reaches the sockets of every node
    const fanout = new WsFanout(database, (rooms, text) => ctx.hub.deliverLocal(rooms, text));
    await fanout.start();
    ctx.hub.attach(fanout);
    ctx.fanout = fanout;
    // live sessions hosted by another media node are reached through it (sessions.relay.ts)
    const bus = new NodeBus(database, processAddress(config.roles, config.dataDir));
    await bus.start();
    ctx.bus = bus;
    ctx.sessions.share(bus);
  }
  if (opts.queue) ctx.queue = await startQueue(database, config.databaseUrl);
  ctx.outbox.on('realtime.push', 'ws.deliver', async (p) => deliverRealtime(ctx.hub, p));
  if (opts.jobs ?? true) for (const m of MODULES) m.jobs?.(ctx);
  if (opts.dispatch ?? true) await ctx.outbox.start();
  return ctx;
}

/** Stops background work and closes the database. */
export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.webhooks?.stop();
  await ctx.outbox.stop();
  await ctx.fanout?.stop();
  await ctx.bus?.stop();
  await ctx.vision?.runner.close();
  ctx.mail?.close();
  await ctx.queue?.stop();
  await ctx.database.close();
}

/** How long the readiness check waits for the database before it calls it unreachable. */
const HEALTH_DB_TIMEOUT_MS = 2000;

/** This node's readiness: the database answers, every migration is applied, the node is not shutting down. */
export async function readiness(ctx: AppContext): Promise<Health> {
  const reachable = await Promise.race([
    ctx.database.query('select 1').then(() => true, () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), HEALTH_DB_TIMEOUT_MS).unref()),
  ]);
  const applied = reachable ? await appliedMigrations(ctx.database) : 0;
  const expected = expectedMigrations();
  const checks = { database: reachable ? 'ok' as const : 'unreachable' as const, migrations: applied >= expected ? 'ok' as const : 'pending' as const, shutdown: ctx.draining };
  return {
    status: reachable && applied >= expected && !ctx.draining ? 'ok' : 'unavailable',
    version: VERSION, database: ctx.database.kind, migrationsApplied: applied, migrationsExpected: expected, checks,
    roles: ctx.config.roles, node: `${hostname()}:${process.pid}`,
  };
}

/** GET /api/health on any Fastify instance (the full app, or the health-only listener of a worker node). */
export function healthRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/health', {
    config: { access: { public: 'readiness probe (load balancer health check)' } },
    schema: { tags: ['system'], summary: 'Readiness: database reachable, migrations applied, not shutting down (503 otherwise); version, roles, node', response: { 200: Health, 503: Health } },
  }, async (_req, reply) => {
    const h = await readiness(ctx);
    return reply.status(h.status === 'ok' ? 200 : 503).header('cache-control', 'no-store').send(h);
  });
}

/** Trust the first `n` proxies in front of the server (proxy-addr's hop semantics). */
const hopsTrusted = (n: number) => (_address: string, hop: number) => hop < n;

/** What a user whose password an administrator set may still do: see who they are, choose a password, log out. */
const PASSWORD_CHANGE_PATHS = new Set(['/api/auth/me', '/api/auth/password', '/api/auth/logout']);
/** What a session still owing its second factor may do: give it (pending), or set one up (enrol). */
const FACTOR_PATHS = {
  pending: new Set(['/api/auth/me', '/api/auth/logout', '/api/auth/factor', '/api/auth/me/locale', '/api/auth/webauthn/authenticate/options', '/api/auth/webauthn/authenticate']),
  enrol: new Set(['/api/auth/me', '/api/auth/logout', '/api/auth/totp/enrol', '/api/auth/totp/confirm', '/api/auth/me/locale', '/api/auth/webauthn/register/options', '/api/auth/webauthn/register']),
} as const;

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const COOKIE = sessionCookieName(ctx.config.secureCookies);
  const app = Fastify({
    logger: loggerOptions(ctx.config.logLevel),
    bodyLimit: 1024 * 1024,
    // the client address (login throttling, audit) comes from X-Forwarded-For only through the configured proxies
    trustProxy: typeof ctx.config.trustProxy === 'number' ? hopsTrusted(ctx.config.trustProxy) : ctx.config.trustProxy,
    genReqId: () => crypto.randomUUID(),
    ajv: { customOptions: { strict: false } },
  });
  installValidators(app);
  installErrorHandler(app);
  installRouteAccess(app, { stepUpMinutes: ctx.config.stepUpMinutes }); // before any route: each declares `config: { access }` (platform/access.ts)
  installTextChecks(app); // after the access check: NUL bytes and lone surrogates in any field → 400 naming it
  await installSecurityHeaders(app, ctx.config); // on every response (platform/security.ts)
  await app.register(cookie);
  await app.register(websocket, {
    options: {
      maxPayload: 1024 * 1024,
      // the camera page offers `rvi-device` plus `rvi-device-key.<key>` (its credential); only the former is echoed
      handleProtocols: (offered: Set<string>) => (offered.has(DEVICE_WS_PROTOCOL) ? DEVICE_WS_PROTOCOL : false),
    },
  });
  // after the websocket plugin (its onRequest hook must run first, or a refused upgrade's socket is never closed) and
  // before authentication: cross-site state-changing requests and WebSocket upgrades are refused (403), bodies of a
  // media type their route does not expect too (415)
  installRequestGuards(app, ctx.config);
  // text/csv for the CSV import (its route accepts it); text/plain is Fastify's own parser, refused by every route
  // (415: a cross-site form can post text/plain without a preflight)
  app.addContentTypeParser(['text/csv'], { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  app.decorateRequest('actor', null);
  app.decorateRequest('tokenCall', null);

  // Authentication for every API route but the public ones; authorisation happens in each service (policy layer).
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/') || req.url.startsWith('/api/docs')) return;
    const path = req.url.split('?')[0];
    // what the route declares (platform/access.ts): public routes need no session; device routes (camera page) carry
    // their own single-use token / device key, checked by the sessions module
    const declared = req.routeOptions.config?.access;
    if (declared && ('public' in declared || 'device' in declared)) return;
    // API tokens (issue 19): `Authorization: Bearer rvi_…` acts for the token's organisation within its scopes
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      req.actor = await resolveBearer(ctx.db, ctx.tokenLimiter, authorization, req.id, (c) => { req.tokenCall = c; });
      const access = req.routeOptions.config?.access;
      if (path.startsWith('/api/auth/') || (access && 'authenticated' in access)) {
        throw new AppError('token_not_allowed', 403, 'This route is for signed-in users; an API token may not call it');
      }
      return;
    }
    const user = await ctx.sessions.resolve(req.cookies[COOKIE]);
    if (!user) actorOf(req); // throws 401
    else if (user.mustChangePassword && !PASSWORD_CHANGE_PATHS.has(path)) {
      throw new AppError('password_change_required', 403, 'Choose a new password first (POST /api/auth/password): an administrator set the current one');
    } else if (user.factor.state !== 'ok' && !FACTOR_PATHS[user.factor.state].has(path)) {
      throw user.factor.state === 'pending'
        ? new AppError('second_factor_required', 403, 'Give the code from your authenticator app first (POST /api/auth/factor)')
        : new AppError('second_factor_enrolment_required', 403, 'Your role needs a second factor: set up an authenticator app first (POST /api/auth/totp/enrol)');
    } else {
      const required = user.factor.totpEnrolled || user.factor.securityKeys > 0 || (ctx.config.requireSecondFactor && SECOND_FACTOR_ROLES.includes(user.actor.role as never));
      req.actor = { ...user.actor, requestId: req.id, factor: { sessionId: user.factor.sessionId, state: user.factor.state, required, verifiedAt: user.factor.verifiedAt } };
    }
  });

  // Every call made with an API token is logged (token id, route, status) before its answer leaves. A token may only
  // do what the policy layer authorised: a successful answer of a route that never consulted it (no action declared,
  // none checked by the service) is replaced by 403, so an undeclared route fails closed for tokens.
  app.addHook('onSend', async (req, reply, payload) => {
    const call = req.tokenCall;
    if (!call) return payload;
    let out = payload;
    if (req.actor?.token && reply.statusCode < 400 && !req.actor.token.consulted) {
      (payload as { destroy?: () => void } | null)?.destroy?.();
      reply.code(403).type('application/json; charset=utf-8');
      out = JSON.stringify({ error: { code: 'token_not_allowed', message: 'This route does not declare an action an API token could be scoped to' } });
    }
    try {
      await logTokenCall(ctx.db, { ...call, method: req.method, route: req.routeOptions.url ?? req.url.split('?')[0], status: reply.statusCode, ip: req.ip, requestId: req.id });
    } catch (err) {
      req.log.error({ err, reqId: req.id }, 'API token call log failed');
    }
    return out;
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'customs-rvi API', version: VERSION, description: 'Customs remote visual inspection platform' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: COOKIE },
          apiToken: {
            type: 'http', scheme: 'bearer', bearerFormat: 'rvi_<id>_<secret>',
            description: 'An API token of one organisation (administration → API tokens, or `rvi token create`); its scopes are actions of the rule table, e.g. declaration.create. Missing scope → 403 naming it; expired or revoked → 401; over its rate limit → 429 with Retry-After.',
          },
        },
      },
      security: [{ session: [] }, { apiToken: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  healthRoute(app, ctx);

  for (const m of MODULES) m.routes?.(app, ctx);

  const webDist = ctx.config.webDist ?? new URL('../../web/dist', import.meta.url).pathname;
  const hasWeb = existsSync(join(webDist, 'index.html'));
  if (hasWeb) {
    // Files are looked up on each request (a rebuilt web app is served without restart); other GETs outside /api
    // fall back to the SPA's index.html, and unknown /api paths stay JSON 404s.
    await app.register(fastifyStatic, { root: webDist, wildcard: true });
  }
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    if (hasWeb && req.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path)) return reply.sendFile('index.html');
    return reply.status(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${path}` } });
  });
  return app;
}
