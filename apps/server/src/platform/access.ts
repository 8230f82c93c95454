import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Actor } from './actor.ts';
import { requireRole, type Action } from './policy.ts';
import { assertRecentFactor } from './step-up.ts';

/**
 * What a route needs, declared on the route itself (as immich's `@Authenticated({ permission })`):
 *
 *   app.post('/api/risk/selections', { config: { access: { action: 'risk.select' } }, schema: … }, handler)
 *
 * - `{ action }` (scope 'role', the default): the caller's role must allow the action; refused with 403 before the
 *   body is read, validated or the handler runs (collections, creations, office-wide operations).
 * - `{ action, scope: 'record' }`: a route on one record. The service authorises against the loaded record
 *   (`authorize(actor, action, record)`: 404 when the caller may not see it — never reveal another organisation's
 *   record — and 403 when it is visible but the action is not allowed), so the route layer does not answer first.
 * - `{ authenticated: true }`: any logged-in user (their own profile, their notifications…).
 * - `{ public: 'reason' }`: no session (health, login, the public signing keys).
 * - `{ device: true }`: the camera page; the single-use token or device key is checked by the sessions module.
 *
 * The same declarations are the input of the authorisation-matrix test (route × role × organisation): `routeAccess(app)`
 * lists every route with what it declared; an /api route that declares nothing is refused when it is registered.
 */
export type RouteAccess =
  | { action: Action; scope?: 'role' | 'record' }
  | { authenticated: true }
  | { public: string }
  | { device: true };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
    /**
     * One of the most sensitive actions (approving a decision or a deletion, rotating the signing keys): the second
     * factor must have been given within RVI_STEP_UP_MINUTES (403 step_up_required), checked after the role.
     */
    stepUp?: boolean;
  }
}

export interface RouteAccessEntry {
  method: string;
  url: string;
  access: RouteAccess | null;
}

const tables = new WeakMap<FastifyInstance, RouteAccessEntry[]>();

/** Records every route's declaration and enforces the role-scoped ones (call before any route is registered). */
export function installRouteAccess(app: FastifyInstance, opts: { stepUpMinutes: number }): void {
  const table: RouteAccessEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const access = (route.config as { access?: RouteAccess } | undefined)?.access ?? null;
    // one rule table: a route that does not say who may call it is not registered at all
    if (!access) throw new Error(`${[route.method].flat().join(',')} ${route.url} declares no access (config.access: see platform/access.ts)`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url, access });
  });
  // After authentication (onRequest), before the body is even read (preParsing): 401, then 403, then 415/400 — a
  // caller who may not use the route neither learns what its body should look like nor makes the server parse one
  // (a 60 MB CSV from a role without declaration.import is refused unread).
  app.addHook('preParsing', async (req) => {
    const access = req.routeOptions.config?.access;
    const actor = (req as { actor?: Actor | null }).actor;
    if (!actor) return;
    if (access && 'action' in access && access.scope !== 'record') requireRole(actor, access.action);
    if (req.routeOptions.config?.stepUp) assertRecentFactor(actor, opts.stepUpMinutes);
  });
}

/** Every API route with its declared access, for the authorisation-matrix and guard tests. */
export function routeAccess(app: FastifyInstance): RouteAccessEntry[] {
  return [...(tables.get(app) ?? [])];
}
