import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { OrgKind, Role } from '@rvi/contracts';
import { authSessions, organisations, sessionFactors, totpFactors, users } from '../../db/schema.ts';
import type { Database, Db } from '../../platform/db.ts';
import type { NodeBus } from '../../platform/node-bus.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, tooMany } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { loginFactorState } from './factor-state.ts';
import { transaction } from '../../platform/unit-of-work.ts';

/** Session cookie name over plain HTTP (development, tests). */
export const SESSION_COOKIE = 'rvi_session';
/**
 * Over HTTPS the cookie is `__Host-rvi_session`: the browser then accepts it only when Secure, with Path=/ and no
 * Domain, so a sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
 */
export const SECURE_SESSION_COOKIE = '__Host-rvi_session';
export const sessionCookieName = (secure: boolean) => (secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE);

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (64 MiB, t=3, p=4), as OWASP recommends for interactive logins.
  return argon2.hash(password, { type: argon2.argon2id });
}

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ThrottleOptions {
  /** Failures of one account from one client before that client must wait (then 1 s, 2 s, 4 s … up to maxWaitMs). */
  freePerPair: number;
  /** Failures from one client (any account) before its answers are slowed (delay, never refusal). */
  freePerClient: number;
  /** Failures of one account (any client) before every answer for it is slowed (delay, never refusal). */
  freePerAccount: number;
  baseMs: number;
  maxWaitMs: number;
  /** Longest extra delay added to one answer (per client or per account). */
  maxDelayMs: number;
  /** Failure counts are forgotten after this long without a new failure. */
  forgetMs: number;
}

const DEFAULT_THROTTLE: ThrottleOptions = {
  freePerPair: 3, freePerClient: 10, freePerAccount: 5, baseMs: 1000, maxWaitMs: 15 * 60_000, maxDelayMs: 5000,
  forgetMs: 60 * 60_000,
};

/**
 * Wrong-password throttling by exponential back-off, without lock-out (OWASP: lock-outs let anyone deny service to
 * a known username).
 * - One account from one client (address as seen through the trusted proxies, RVI_TRUST_PROXY): after a few failures
 *   that client must wait 1 s, 2 s, 4 s … (max 15 min) before its next try for this account: 429 with Retry-After.
 * - One client over all accounts, and one account over all clients: answers are *delayed* (up to 5 s), never refused,
 *   so the right password from a fresh client always gets in, and colleagues behind the same proxy are only slowed.
 * Counted in Postgres (table login_throttle), shared by every API node: a client cannot escape the back-off by landing
 * on another node behind the load balancer.
 */
export class LoginThrottle {
  private readonly o: ThrottleOptions;
  private lastPrune = 0;
  /** Counters live in the `login_throttle` table, so every API node behind the load balancer sees the same failures. */
  constructor(private readonly database: Pick<Database, 'query'>, opts: Partial<ThrottleOptions> = {}) {
    this.o = { ...DEFAULT_THROTTLE, ...opts };
  }

  private async get(keys: string[], now: number): Promise<Map<string, { failures: number; last: number }>> {
    const rows = await this.database.query<{ key: string; failures: number; last_at: Date | string }>(
      'select key, failures, last_at from login_throttle where key = any($1::text[]) and last_at > $2', [keys, new Date(now - this.o.forgetMs)]);
    return new Map(rows.map((r) => [r.key, { failures: Number(r.failures), last: new Date(r.last_at).getTime() }]));
  }

  private backoff(failures: number, free: number, cap: number): number {
    if (failures <= free) return 0;
    return Math.min(cap, this.o.baseMs * 2 ** Math.min(30, failures - free - 1));
  }

  /**
   * Before checking a password: throws 429 when this client must still wait for this account; otherwise returns
   * how long to hold the answer (ms), which the caller waits whatever the outcome (so the delay reveals nothing).
   */
  async check(username: string, client: string, now = Date.now()): Promise<number> {
    const pk = `p:${username}|${client}`;
    const m = await this.get([pk, `c:${client}`, `a:${username}`], now);
    const pair = m.get(pk);
    if (pair) {
      const wait = this.backoff(pair.failures, this.o.freePerPair, this.o.maxWaitMs);
      const until = pair.last + wait;
      if (until > now) throw tooMany('Too many failed logins for this account from here; wait and try again', Math.max(1, Math.ceil((until - now) / 1000)));
    }
    const c = m.get(`c:${client}`);
    const a = m.get(`a:${username}`);
    return Math.max(
      c ? this.backoff(c.failures, this.o.freePerClient, this.o.maxDelayMs) : 0,
      a ? this.backoff(a.failures, this.o.freePerAccount, this.o.maxDelayMs) : 0,
    );
  }

  /** One more failure for the pair, the client and the account (one atomic upsert: concurrent nodes never lose a count). */
  async fail(username: string, client: string, now = Date.now()): Promise<void> {
    await this.database.query(
      `insert into login_throttle (key, failures, last_at) select k, 1, $2 from unnest($1::text[]) as k
       on conflict (key) do update set
         failures = case when login_throttle.last_at <= $3 then 1 else login_throttle.failures + 1 end,
         last_at = greatest(login_throttle.last_at, excluded.last_at)`,
      [[`p:${username}|${client}`, `c:${client}`, `a:${username}`], new Date(now), new Date(now - this.o.forgetMs)]);
    if (now - this.lastPrune > 60_000) {
      this.lastPrune = now;
      await this.prune(now);
    }
  }

  /** The right password: this account's counters start again (the client's do not: it may be spraying accounts). */
  async succeed(username: string, client: string): Promise<void> {
    await this.database.query('delete from login_throttle where key = any($1::text[])', [[`p:${username}|${client}`, `a:${username}`]]);
  }

  /** Forgets counters without a failure for forgetMs: the table stays bounded under a spray of usernames. */
  async prune(now = Date.now()): Promise<number> {
    const rows = await this.database.query('delete from login_throttle where last_at <= $1 returning key', [new Date(now - this.o.forgetMs)]);
    return rows.length;
  }
}

export interface SessionUser {
  actor: Omit<Actor, 'requestId'>;
  displayName: string;
  locale: string;
  org: { id: string; name: string; kind: OrgKind; code: string; supervisingOfficeId: string | null };
  expiresAt: number;
  /** Must choose a new password before anything else (set by an administrator). */
  mustChangePassword: boolean;
  /** Second factor of this session (factors.service.ts); `sessionId` is the stored id (hash), not the cookie. */
  factor: { sessionId: string; state: 'ok' | 'pending' | 'enrol'; verifiedAt: number | null; totpEnrolled: boolean; securityKeys: number };
}

/**
 * Loads what a request needs to know about its user, cached briefly so list-heavy pages do not hit the database per
 * request. A session ends at its absolute lifetime (`ttlMinutes`) or after `idleMinutes` without a request; the last
 * request time is written at most once a minute (TOUCH_MS), so the idle timeout is exact to within that.
 */
export class SessionStore {
  private cache = new Map<string, { user: SessionUser | null; lastSeen: number; until: number }>();
  private bus: NodeBus | null = null;
  static readonly TOUCH_MS = 60_000;
  constructor(
    private readonly db: Db,
    private readonly ttlMinutes: number,
    private readonly cacheMs = 5000,
    private readonly idleMinutes = ttlMinutes,
    private readonly now: () => number = Date.now,
  ) {}

  /** `factor`: the second factor's state, and how the first was given (password, ldap, oidc: logout asks the provider too for oidc) */
  async create(tx: Db, userId: string, ip: string | null, factor: { state: 'pending' | 'enrol' | 'ok'; method: string; verifiedAt?: Date }): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const now = new Date(this.now());
    const expiresAt = new Date(now.getTime() + this.ttlMinutes * 60_000);
    await tx.insert(authSessions).values({ id: tokenId(token), userId, expiresAt, ip, createdAt: now, lastSeenAt: now });
    await tx.insert(sessionFactors).values({ sessionId: tokenId(token), state: factor.state, method: factor.method, verifiedAt: factor.verifiedAt ?? null });
    return { token, expiresAt };
  }

  async resolve(token: string | undefined): Promise<SessionUser | null> {
    if (!token || token.length > 100) return null;
    const id = tokenId(token);
    const now = this.now();
    let hit = this.cache.get(id);
    if (!hit || hit.until <= now) {
      const [row] = await this.db
        .select({
          s: authSessions, u: users, o: organisations, f: sessionFactors, totpConfirmedAt: totpFactors.confirmedAt,
          securityKeys: sql<number>`(select count(*)::int from webauthn_credentials w where w.user_id = ${users.id})`,
        })
        .from(authSessions)
        .innerJoin(users, eq(users.id, authSessions.userId))
        .innerJoin(organisations, eq(organisations.id, users.orgId))
        .leftJoin(sessionFactors, eq(sessionFactors.sessionId, authSessions.id))
        .leftJoin(totpFactors, eq(totpFactors.userId, users.id))
        .where(and(eq(authSessions.id, id), gt(authSessions.expiresAt, new Date(now))))
        .limit(1);
      const user: SessionUser | null = row && row.u.active
        ? {
            actor: {
              kind: 'user', userId: row.u.id, username: row.u.username, role: row.u.role as Role, orgId: row.o.id,
              orgKind: row.o.kind, officeId: row.o.kind === 'customs_office' ? row.o.id : row.o.supervisingOfficeId,
            },
            displayName: row.u.displayName,
            locale: row.u.locale,
            org: { id: row.o.id, name: row.o.name, kind: row.o.kind, code: row.o.code, supervisingOfficeId: row.o.supervisingOfficeId },
            expiresAt: row.s.expiresAt.getTime(),
            mustChangePassword: row.u.mustChangePassword,
            factor: {
              sessionId: id, state: row.f?.state ?? 'ok', verifiedAt: row.f?.verifiedAt?.getTime() ?? null,
              totpEnrolled: row.totpConfirmedAt != null, securityKeys: Number(row.securityKeys ?? 0),
            },
          }
        : null;
      if (this.cache.size > 10_000) this.cache.clear();
      hit = { user, lastSeen: row?.s.lastSeenAt.getTime() ?? 0, until: now + this.cacheMs };
      this.cache.set(id, hit);
    }
    const user = hit.user;
    if (!user || user.expiresAt <= now) return null;
    if (now - hit.lastSeen > this.idleMinutes * 60_000) {
      // idle too long: the session is over (deleted, so another node's cache miss also refuses it)
      this.cache.delete(id);
      await this.db.delete(authSessions).where(eq(authSessions.id, id));
      return null;
    }
    if (now - hit.lastSeen >= SessionStore.TOUCH_MS) {
      hit.lastSeen = now;
      await this.db.update(authSessions).set({ lastSeenAt: new Date(now) }).where(eq(authSessions.id, id));
    }
    return user;
  }

  /** Drops cached lookups of a user's sessions (after a change to the user, e.g. locale or deactivation), on every node. */
  forgetUser(userId: string): void {
    this.forgetLocally({ userId });
    this.tell({ userId });
  }

  async destroy(tx: Db, token: string): Promise<void> {
    const id = tokenId(token);
    this.cache.delete(id);
    await tx.delete(authSessions).where(eq(authSessions.id, id));
    this.tell({ id });
  }

  /**
   * Several API nodes (Postgres): a logout, a deactivation or a new second factor on one node drops the cached
   * lookups on every node at once instead of after `cacheMs`. Told twice, the second time a second later: a caller's
   * transaction may commit after the first message, and a lookup on another node in between would cache the old row.
   */
  share(bus: NodeBus): void {
    this.bus = bus;
    bus.on('auth.forget', (m) => this.forgetLocally(m as { id?: string; userId?: string }));
  }

  private tell(what: { id?: string; userId?: string }): void {
    const bus = this.bus;
    if (!bus) return;
    void bus.broadcast({ k: 'auth.forget', ...what }).catch(() => undefined);
    setTimeout(() => void bus.broadcast({ k: 'auth.forget', ...what }).catch(() => undefined), 1000).unref();
  }

  private forgetLocally(what: { id?: string; userId?: string }): void {
    if (typeof what.id === 'string') this.cache.delete(what.id);
    if (typeof what.userId === 'string') for (const [k, v] of this.cache) if (v.user?.actor.userId === what.userId) this.cache.delete(k);
  }

  async purgeExpired(): Promise<void> {
    const now = this.now();
    await this.db.delete(authSessions).where(lt(authSessions.expiresAt, new Date(now)));
    await this.db.delete(authSessions).where(lt(authSessions.lastSeenAt, new Date(now - this.idleMinutes * 60_000)));
  }
}

// A fixed dummy hash so that unknown usernames cost as much time as wrong passwords (no user enumeration by timing).
let dummyHash: Promise<string> | null = null;

export async function login(
  db: Db, sessions: SessionStore, throttle: LoginThrottle,
  input: { username: string; password: string; ip: string; requestId: string },
  opts: { requireSecondFactor: boolean } = { requireSecondFactor: false },
): Promise<{ token: string; expiresAt: Date; userId: string }> {
  const username = input.username.trim().toLowerCase();
  const delayMs = await throttle.check(username, input.ip);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const [row] = await db.select({ u: users, o: organisations }).from(users)
    .innerJoin(organisations, eq(organisations.id, users.orgId)).where(eq(users.username, username)).limit(1);
  dummyHash ??= hashPassword('not-a-real-password');
  const ok = row && row.u.active ? await argon2.verify(row.u.passwordHash, input.password) : (await argon2.verify(await dummyHash, input.password), false);
  if (!ok || !row) {
    await throttle.fail(username, input.ip);
    await transaction(db, async (tx) => {
      await recordAudit(tx, { kind: 'system', userId: row?.u.id ?? null, username, role: 'system', orgId: row?.o.id ?? null, orgKind: null, officeId: null, requestId: input.requestId },
        'auth.login_failed', { type: 'user', id: row?.u.id ?? null }, { username, ip: input.ip });
    });
    throw new AppError('invalid_credentials', 401, 'Wrong username or password');
  }
  await throttle.succeed(username, input.ip);
  return transaction(db, async (tx) => {
    // a session of a user with a second factor starts 'pending'; of a role that needs one but has none, 'enrol'
    const factor = await loginFactorState(tx, row.u.id, row.u.role as Role, opts.requireSecondFactor);
    const s = await sessions.create(tx, row.u.id, input.ip, { state: factor, method: 'password' });
    const actor: Actor = {
      kind: 'user', userId: row.u.id, username, role: row.u.role as Role, orgId: row.o.id, orgKind: row.o.kind,
      officeId: row.o.kind === 'customs_office' ? row.o.id : row.o.supervisingOfficeId, requestId: input.requestId,
    };
    await recordAudit(tx, actor, 'auth.logged_in', { type: 'user', id: row.u.id }, { ip: input.ip, secondFactor: factor });
    return { ...s, userId: row.u.id };
  });
}

/** Ends the session; answers how it had signed in (password, ldap, oidc, oidc_mfa) so the caller can end the provider's too. */
export async function logout(db: Db, sessions: SessionStore, actor: Actor, token: string): Promise<{ method: string | null }> {
  return transaction(db, async (tx) => {
    const [f] = await tx.select({ method: sessionFactors.method }).from(sessionFactors).where(eq(sessionFactors.sessionId, tokenId(token))).limit(1);
    await sessions.destroy(tx, token);
    await recordAudit(tx, actor, 'auth.logged_out', { type: 'user', id: actor.userId }, { method: f?.method ?? null });
    return { method: f?.method ?? null };
  });
}

export async function setLocale(db: Db, sessions: SessionStore, actor: Actor, locale: string): Promise<void> {
  if (!actor.userId) return;
  await db.update(users).set({ locale }).where(eq(users.id, actor.userId));
  sessions.forgetUser(actor.userId);
}

/**
 * The user chooses a new password (required after an administrator set one). Checks the current password (throttled
 * like a login), ends the user's other sessions, and clears the "set by an administrator" marks. Audited.
 */
export async function changePassword(
  db: Db, sessions: SessionStore, throttle: LoginThrottle, actor: Actor,
  input: { currentPassword: string; newPassword: string; ip: string; keepToken: string },
): Promise<void> {
  if (!actor.userId) throw new AppError('forbidden', 403, 'Only a user has a password');
  const delayMs = await throttle.check(actor.username, input.ip);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const [u] = await db.select().from(users).where(eq(users.id, actor.userId)).limit(1);
  if (!u || !(await argon2.verify(u.passwordHash, input.currentPassword))) {
    await throttle.fail(actor.username, input.ip);
    throw new AppError('invalid_credentials', 400, 'currentPassword: wrong password', [{ field: 'body.currentPassword', message: 'is wrong' }]);
  }
  await throttle.succeed(actor.username, input.ip);
  if (input.newPassword === input.currentPassword) {
    throw new AppError('password_unchanged', 400, 'newPassword: choose a password different from the current one', [{ field: 'body.newPassword', message: 'must differ from the current password' }]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  const keep = tokenId(input.keepToken);
  await transaction(db, async (tx) => {
    await tx.update(users).set({ passwordHash, mustChangePassword: false, passwordSetBy: null, passwordSetAt: new Date() }).where(eq(users.id, u.id));
    const ended = await tx.delete(authSessions).where(and(eq(authSessions.userId, u.id), ne(authSessions.id, keep))).returning({ id: authSessions.id });
    await recordAudit(tx, actor, 'auth.password_changed', { type: 'user', id: u.id }, { ip: input.ip, wasRequired: u.mustChangePassword, otherSessionsEnded: ended.length });
  });
  sessions.forgetUser(u.id);
}
