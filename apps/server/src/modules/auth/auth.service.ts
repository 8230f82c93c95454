import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { OrgKind, Role } from '@rvi/contracts';
import { authSessions, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, tooMany } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';

export const SESSION_COOKIE = 'rvi_session';

export function hashPassword(password: string): Promise<string> {
  // argon2id with the library's defaults (64 MiB, t=3, p=4), as OWASP recommends for interactive logins.
  return argon2.hash(password, { type: argon2.argon2id });
}

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Wrong-password throttling, per account and per client address (sliding window, in memory per server process;
 * several API nodes would keep it in Postgres or Redis instead).
 */
export class LoginThrottle {
  private failures = new Map<string, number[]>();
  constructor(
    private readonly perAccount = 5,
    private readonly perAddress = 20,
    private readonly windowMs = 15 * 60_000,
  ) {}
  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    this.failures.set(key, list);
    return list;
  }
  check(username: string, ip: string, now = Date.now()): void {
    const acc = this.recent(`u:${username}`, now);
    const addr = this.recent(`ip:${ip}`, now);
    if (acc.length >= this.perAccount || addr.length >= this.perAddress) {
      const oldest = Math.min(...(acc.length >= this.perAccount ? acc : addr));
      const retry = Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
      throw tooMany('Too many failed logins; try again later', retry);
    }
  }
  fail(username: string, ip: string, now = Date.now()): void {
    this.recent(`u:${username}`, now).push(now);
    this.recent(`ip:${ip}`, now).push(now);
  }
  succeed(username: string): void {
    this.failures.delete(`u:${username}`);
  }
}

export interface SessionUser {
  actor: Omit<Actor, 'requestId'>;
  displayName: string;
  locale: string;
  org: { id: string; name: string; kind: OrgKind; code: string; supervisingOfficeId: string | null };
  expiresAt: number;
}

/** Loads what a request needs to know about its user, cached briefly so list-heavy pages do not hit the database per request. */
export class SessionStore {
  private cache = new Map<string, { user: SessionUser | null; until: number }>();
  constructor(private readonly db: Db, private readonly ttlMinutes: number, private readonly cacheMs = 5000) {}

  async create(tx: Db, userId: string, ip: string | null): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.ttlMinutes * 60_000);
    await tx.insert(authSessions).values({ id: tokenId(token), userId, expiresAt, ip });
    return { token, expiresAt };
  }

  async resolve(token: string | undefined): Promise<SessionUser | null> {
    if (!token || token.length > 100) return null;
    const id = tokenId(token);
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.user && hit.user.expiresAt > now ? hit.user : null;
    const [row] = await this.db
      .select({ s: authSessions, u: users, o: organisations })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .innerJoin(organisations, eq(organisations.id, users.orgId))
      .where(and(eq(authSessions.id, id), gt(authSessions.expiresAt, new Date())))
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
        }
      : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, { user, until: now + this.cacheMs });
    return user;
  }

  /** Drops cached lookups of a user's sessions (after a change to the user, e.g. locale or deactivation). */
  forgetUser(userId: string): void {
    for (const [k, v] of this.cache) if (v.user?.actor.userId === userId) this.cache.delete(k);
  }

  async destroy(tx: Db, token: string): Promise<void> {
    const id = tokenId(token);
    this.cache.delete(id);
    await tx.delete(authSessions).where(eq(authSessions.id, id));
  }

  async purgeExpired(): Promise<void> {
    await this.db.delete(authSessions).where(lt(authSessions.expiresAt, new Date()));
  }
}

// A fixed dummy hash so that unknown usernames cost as much time as wrong passwords (no user enumeration by timing).
let dummyHash: Promise<string> | null = null;

export async function login(
  db: Db, sessions: SessionStore, throttle: LoginThrottle,
  input: { username: string; password: string; ip: string; requestId: string },
): Promise<{ token: string; expiresAt: Date; userId: string }> {
  const username = input.username.trim().toLowerCase();
  throttle.check(username, input.ip);
  const [row] = await db.select({ u: users, o: organisations }).from(users)
    .innerJoin(organisations, eq(organisations.id, users.orgId)).where(eq(users.username, username)).limit(1);
  dummyHash ??= hashPassword('not-a-real-password');
  const ok = row && row.u.active ? await argon2.verify(row.u.passwordHash, input.password) : (await argon2.verify(await dummyHash, input.password), false);
  if (!ok || !row) {
    throttle.fail(username, input.ip);
    await db.transaction(async (tx) => {
      await recordAudit(tx as unknown as Db, { kind: 'system', userId: row?.u.id ?? null, username, role: 'system', orgId: row?.o.id ?? null, orgKind: null, officeId: null, requestId: input.requestId },
        'auth.login_failed', { type: 'user', id: row?.u.id ?? null }, { username, ip: input.ip });
    });
    throw new AppError('invalid_credentials', 401, 'Wrong username or password');
  }
  throttle.succeed(username);
  return db.transaction(async (txx) => {
    const tx = txx as unknown as Db;
    const s = await sessions.create(tx, row.u.id, input.ip);
    const actor: Actor = {
      kind: 'user', userId: row.u.id, username, role: row.u.role as Role, orgId: row.o.id, orgKind: row.o.kind,
      officeId: row.o.kind === 'customs_office' ? row.o.id : row.o.supervisingOfficeId, requestId: input.requestId,
    };
    await recordAudit(tx, actor, 'auth.logged_in', { type: 'user', id: row.u.id }, { ip: input.ip });
    return { ...s, userId: row.u.id };
  });
}

export async function logout(db: Db, sessions: SessionStore, actor: Actor, token: string): Promise<void> {
  await db.transaction(async (txx) => {
    const tx = txx as unknown as Db;
    await sessions.destroy(tx, token);
    await recordAudit(tx, actor, 'auth.logged_out', { type: 'user', id: actor.userId }, null);
  });
}

export async function setLocale(db: Db, sessions: SessionStore, actor: Actor, locale: string): Promise<void> {
  if (!actor.userId) return;
  await db.update(users).set({ locale }).where(eq(users.id, actor.userId));
  sessions.forgetUser(actor.userId);
}
