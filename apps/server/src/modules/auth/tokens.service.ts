// API tokens (issue 19, item 3): system-to-system credentials bound to one organisation. The secret
// (`rvi_<id>_<43 random base64url characters>`, 256 bits) is shown once; only the SHA-256 of its random part is kept.
// A call with `Authorization: Bearer rvi_…` acts as a user of the token's organisation with the token's role, limited
// to the token's scopes (action names of the rule table, platform/policy.ts); every call lands in the call log
// (api_token_calls) with the token id, and the audit entries of what it changed carry `token:<id>` as their actor.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { and, asc, desc, eq, isNull, or } from 'drizzle-orm';
import {
  CUSTOMS_ROLES, ENTERPRISE_ROLES, ROLES, type ApiToken, type ApiTokenCallList, type ApiTokenList, type ApiTokenListQuery, type ApiTokenScopes,
  type ApiTokenSecret, type CreateApiTokenBody, type Role, type RotateApiTokenBody,
} from '@rvi/contracts';
import { apiTokenCalls, apiTokens, organisations } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, badRequest, forbidden, notFound, tooMany, unauthenticated } from '../../platform/errors.ts';
import { ACTIONS, requireRole, roleActions, type Action } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

export const TOKEN_PREFIX = 'rvi_';
const TOKEN_RE = /^rvi_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const DEFAULT_DAYS = 90;
const DEFAULT_RATE = 600;
const DAY_MS = 86_400_000;

type TokenRow = typeof apiTokens.$inferSelect;
type OrgRow = typeof organisations.$inferSelect;

export const hashTokenSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
const newSecret = (id: string) => {
  const random = randomBytes(32).toString('base64url');
  return { secret: `${TOKEN_PREFIX}${id}_${random}`, hash: hashTokenSecret(random) };
};

function statusOf(t: TokenRow, now: number): ApiToken['status'] {
  if (t.revokedAt && t.revokedAt.getTime() <= now) return 'revoked';
  if (t.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

function present(t: TokenRow, org: Pick<OrgRow, 'code' | 'name'>, now = Date.now()): ApiToken {
  return {
    id: t.id, orgId: t.orgId, orgCode: org.code, orgName: org.name, name: t.name, role: t.role as Role, scopes: t.scopes,
    prefix: `${TOKEN_PREFIX}${t.id}_`, rateLimitPerMinute: t.rateLimitPerMinute, status: statusOf(t, now),
    expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: t.lastUsedIp, rotatedFromId: t.rotatedFromId, createdBy: t.createdBy, createdAt: t.createdAt.toISOString(),
  };
}

/** Token management is for people: an administrator (admin.manage). A token never creates or rotates tokens. */
function requireManager(actor: Actor): void {
  if (actor.token) throw forbidden('API tokens are managed by a signed-in administrator, not by another token');
  requireRole(actor, 'admin.manage');
}

/** An administrator manages the tokens of its own office and of the enterprises that office supervises. */
function manages(actor: Actor, org: OrgRow): boolean {
  return actor.kind === 'system' || org.id === actor.officeId || (org.supervisingOfficeId !== null && org.supervisingOfficeId === actor.officeId);
}

/** The organisation a token is for; one outside the administrator's office is unknown to it (never revealed). */
async function orgByRef(db: Db, actor: Actor, ref: string, field: string): Promise<OrgRow> {
  const [o] = await db.select().from(organisations).where(or(eq(organisations.id, ref), eq(organisations.code, ref))).limit(1);
  if (!o || !manages(actor, o)) throw badRequest('unknown_org', `${field}: no organisation ${ref}`, [{ field, message: 'is not a known organisation' }]);
  return o;
}

/** The scopes a token may carry, by role: each role's actions in the rule table. */
export function tokenScopes(): ApiTokenScopes {
  return { roles: Object.fromEntries(ROLES.map((r) => [r, [...roleActions(r)]])) };
}

function checkRoleAndScopes(org: OrgRow, role: Role | undefined, scopes: string[]): { role: Role; scopes: Action[] } {
  const kindRoles = org.kind === 'customs_office' ? CUSTOMS_ROLES : ENTERPRISE_ROLES;
  if (!role && org.kind === 'customs_office') {
    throw badRequest('role_required', `role: a token of a customs office (${org.code}) needs a role, one of ${kindRoles.join(', ')}`, [{ field: 'body.role', message: 'is required for a customs office' }]);
  }
  const r = role ?? 'enterprise_user';
  if (!kindRoles.includes(r)) {
    throw badRequest('role_org_mismatch', `role: ${r} is not a role of ${org.kind === 'customs_office' ? 'a customs office' : 'an enterprise'} (${org.code}); choose one of ${kindRoles.join(', ')}`,
      [{ field: 'body.role', message: `must be one of ${kindRoles.join(', ')}` }]);
  }
  const allowed = roleActions(r);
  const unique = [...new Set(scopes)];
  for (const s of unique) {
    if (!(ACTIONS as readonly string[]).includes(s)) {
      throw badRequest('unknown_scope', `scopes: ${s} is not an action of the rule table`, [{ field: 'body.scopes', message: `${s} is not a known scope` }]);
    }
    if (!(allowed as readonly string[]).includes(s)) {
      throw badRequest('scope_not_allowed', `scopes: ${s} is not allowed for role ${r} (allowed: ${allowed.join(', ')})`, [{ field: 'body.scopes', message: `${s} exceeds role ${r}` }]);
    }
  }
  return { role: r, scopes: unique as Action[] };
}

export async function createApiToken(db: Db, actor: Actor, body: CreateApiTokenBody, now = Date.now()): Promise<ApiTokenSecret> {
  requireManager(actor);
  const org = await orgByRef(db, actor, body.orgId, 'body.orgId');
  const { role, scopes } = checkRoleAndScopes(org, body.role, body.scopes);
  const id = randomUUID();
  const { secret, hash } = newSecret(id);
  const row = await transaction(db, async (tx) => {
    const [r] = await tx.insert(apiTokens).values({
      id, orgId: org.id, name: body.name.trim(), role, scopes, secretHash: hash, rateLimitPerMinute: body.rateLimitPerMinute ?? DEFAULT_RATE,
      expiresAt: new Date(now + (body.expiresInDays ?? DEFAULT_DAYS) * DAY_MS), createdBy: actor.userId, createdAt: new Date(now),
    }).returning();
    await recordAudit(tx, actor, 'api_token.created', { type: 'api_token', id }, {
      orgId: org.id, name: r.name, role, scopes, expiresAt: r.expiresAt.toISOString(), rateLimitPerMinute: r.rateLimitPerMinute,
    });
    return r;
  });
  return { token: present(row, org, now), secret };
}

export async function listApiTokens(db: Db, actor: Actor, q: ApiTokenListQuery, now = Date.now()): Promise<ApiTokenList> {
  requireManager(actor);
  const conds = [];
  if (q.orgId) conds.push(eq(apiTokens.orgId, (await orgByRef(db, actor, q.orgId, 'querystring.orgId')).id));
  if (actor.kind !== 'system') conds.push(or(eq(organisations.id, actor.officeId!), eq(organisations.supervisingOfficeId, actor.officeId!)));
  if (!q.includeRevoked) conds.push(isNull(apiTokens.revokedAt));
  const rows = await db.select({ t: apiTokens, o: organisations }).from(apiTokens).innerJoin(organisations, eq(organisations.id, apiTokens.orgId))
    .where(and(...conds)).orderBy(asc(organisations.code), desc(apiTokens.createdAt)).limit(1000);
  return { items: rows.map((r) => present(r.t, r.o, now)) };
}

async function loadToken(db: Db, actor: Actor, id: string): Promise<{ t: TokenRow; o: OrgRow }> {
  const [r] = await db.select({ t: apiTokens, o: organisations }).from(apiTokens).innerJoin(organisations, eq(organisations.id, apiTokens.orgId))
    .where(eq(apiTokens.id, id)).limit(1);
  if (!r || !manages(actor, r.o)) throw notFound('API token', id);
  return r;
}

/** A new secret for the same organisation, role and scopes; the old one stops at once (or after `graceSeconds`). */
export async function rotateApiToken(db: Db, actor: Actor, id: string, body: RotateApiTokenBody, now = Date.now()): Promise<ApiTokenSecret> {
  requireManager(actor);
  const old = await loadToken(db, actor, id);
  if (statusOf(old.t, now) === 'revoked') throw new AppError('token_revoked', 409, `API token ${id} is revoked; create a new one`);
  const lifetime = old.t.expiresAt.getTime() - old.t.createdAt.getTime();
  const newId = randomUUID();
  const { secret, hash } = newSecret(newId);
  const grace = body.graceSeconds ?? 0;
  const row = await transaction(db, async (tx) => {
    const [r] = await tx.insert(apiTokens).values({
      id: newId, orgId: old.t.orgId, name: old.t.name, role: old.t.role, scopes: old.t.scopes, secretHash: hash,
      rateLimitPerMinute: old.t.rateLimitPerMinute, expiresAt: new Date(now + (body.expiresInDays ? body.expiresInDays * DAY_MS : Math.max(DAY_MS, lifetime))),
      rotatedFromId: old.t.id, createdBy: actor.userId, createdAt: new Date(now),
    }).returning();
    await tx.update(apiTokens).set({ revokedAt: new Date(now + grace * 1000) }).where(eq(apiTokens.id, old.t.id));
    await recordAudit(tx, actor, 'api_token.rotated', { type: 'api_token', id: newId }, { orgId: old.t.orgId, rotatedFromId: old.t.id, graceSeconds: grace, expiresAt: r.expiresAt.toISOString() });
    return r;
  });
  return { token: present(row, old.o, now), secret };
}

export async function revokeApiToken(db: Db, actor: Actor, id: string, now = Date.now()): Promise<ApiToken> {
  requireManager(actor);
  const cur = await loadToken(db, actor, id);
  if (cur.t.revokedAt && cur.t.revokedAt.getTime() <= now) return present(cur.t, cur.o, now);
  const row = await transaction(db, async (tx) => {
    const [r] = await tx.update(apiTokens).set({ revokedAt: new Date(now) }).where(eq(apiTokens.id, id)).returning();
    await recordAudit(tx, actor, 'api_token.revoked', { type: 'api_token', id }, { orgId: cur.t.orgId, name: cur.t.name });
    return r;
  });
  return present(row, cur.o, now);
}

export async function listApiTokenCalls(db: Db, actor: Actor, id: string, limit = 200): Promise<ApiTokenCallList> {
  requireManager(actor);
  await loadToken(db, actor, id);
  const rows = await db.select().from(apiTokenCalls).where(eq(apiTokenCalls.tokenId, id)).orderBy(desc(apiTokenCalls.id)).limit(Math.min(1000, Math.max(1, limit)));
  return { items: rows.map((c) => ({ id: c.id, method: c.method, route: c.route, status: c.status, ip: c.ip, requestId: c.requestId, at: c.at.toISOString() })) };
}

/**
 * Per-token rate limit, a token bucket of `perMinute` calls refilled continuously: a burst of up to `perMinute`, then
 * one call every 60/perMinute s. In memory per server process (like the login throttle): several API nodes each
 * allow the limit, or keep the buckets in Postgres/Redis.
 */
export class TokenRateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  /** 0 when the call may go ahead, else the seconds to wait. */
  take(id: string, perMinute: number, now = Date.now()): number {
    const rate = perMinute / 60_000;
    const b = this.buckets.get(id) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.buckets.set(id, b);
    if (this.buckets.size > 50_000) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
  }
}

export interface TokenCallContext {
  tokenId: string;
  orgId: string;
}

/**
 * Resolves `Authorization: Bearer rvi_…` to the actor of the token. 401 when the token is unknown, malformed, expired
 * or revoked; 429 (Retry-After) over its rate limit. `seen` receives the token's id and organisation as soon as they
 * are known, so that refused calls are logged too.
 */
export async function resolveBearer(
  db: Db, limiter: TokenRateLimiter, header: string, requestId: string, seen: (c: TokenCallContext) => void, now = Date.now(),
): Promise<Actor> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthenticated('Authorization: use "Bearer rvi_…" with an API token');
  const parts = TOKEN_RE.exec(m[1]);
  if (!parts) throw unauthenticated('Invalid API token');
  const [, id, random] = parts;
  const [r] = await db.select({ t: apiTokens, o: organisations }).from(apiTokens).innerJoin(organisations, eq(organisations.id, apiTokens.orgId))
    .where(eq(apiTokens.id, id)).limit(1);
  const want = Buffer.from(r?.t.secretHash ?? '0'.repeat(64), 'hex');
  const got = Buffer.from(hashTokenSecret(random), 'hex');
  if (!r || !timingSafeEqual(want, got)) throw unauthenticated('Invalid API token');
  seen({ tokenId: r.t.id, orgId: r.t.orgId });
  const status = statusOf(r.t, now);
  if (status === 'revoked') throw new AppError('token_revoked', 401, 'This API token was revoked');
  if (status === 'expired') throw new AppError('token_expired', 401, `This API token expired at ${r.t.expiresAt.toISOString()}`);
  const wait = limiter.take(r.t.id, r.t.rateLimitPerMinute, now);
  if (wait > 0) throw tooMany(`This API token is over its rate limit (${r.t.rateLimitPerMinute} calls per minute); retry in ${wait} s`, wait);
  return {
    kind: 'user', userId: null, username: `token:${r.t.name}`, role: r.t.role as Role, orgId: r.o.id, orgKind: r.o.kind,
    officeId: r.o.kind === 'customs_office' ? r.o.id : r.o.supervisingOfficeId, requestId,
    token: { id: r.t.id, name: r.t.name, scopes: r.t.scopes },
  };
}

/** One call in the token's call log, and its last-used time and address (written before the answer leaves). */
export async function logTokenCall(db: Db, c: TokenCallContext & { method: string; route: string; status: number; ip: string | null; requestId: string }, now = Date.now()): Promise<void> {
  await db.insert(apiTokenCalls).values({ tokenId: c.tokenId, orgId: c.orgId, method: c.method, route: c.route, status: c.status, ip: c.ip, requestId: c.requestId, at: new Date(now) });
  if (c.status !== 401) await db.update(apiTokens).set({ lastUsedAt: new Date(now), lastUsedIp: c.ip }).where(eq(apiTokens.id, c.tokenId));
}
