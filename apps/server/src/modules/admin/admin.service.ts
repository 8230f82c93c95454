// Administration (issue 8): users (create, role, organisation, deactivate, password) and organisations (customs
// offices; enterprises with credit rating and supervising office). Administrators run the whole platform: these use
// cases are not scoped to one office. Every change is audited in the same transaction; a user whose role,
// organisation, password or status changes is logged out everywhere at once.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import {
  CUSTOMS_ROLES, ENTERPRISE_ROLES, type AdminDeviceList, type AdminOrg, type AdminOrgList, type AdminUser, type AdminUserList, type AdminUserQuery,
  type CreateOrgBody, type CreateUserBody, type Role, type UpdateOrgBody, type UpdateUserBody,
} from '@rvi/contracts';
import { authSessions, connectionTests, enterpriseDevices, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hashPassword, type SessionStore } from '../auth/auth.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

type UserRow = typeof users.$inferSelect;
type OrgRow = typeof organisations.$inferSelect;

export interface AdminDeps {
  db: Db;
  /** Login sessions: cached lookups of a changed user are dropped at once. */
  sessions: SessionStore;
}


function presentUser(u: UserRow, org: Pick<OrgRow, 'name' | 'kind'>): AdminUser {
  return {
    id: u.id, username: u.username, displayName: u.displayName, role: u.role as Role, orgId: u.orgId, orgName: org.name, orgKind: org.kind,
    locale: u.locale, active: u.active, createdAt: u.createdAt.toISOString(),
  };
}

/** A role belongs to one kind of organisation: customs roles to a customs office, enterprise roles to an enterprise. */
function checkRoleFits(role: string, org: OrgRow): void {
  const fits = org.kind === 'customs_office' ? (CUSTOMS_ROLES as readonly string[]).includes(role) : (ENTERPRISE_ROLES as readonly string[]).includes(role);
  if (!fits) {
    const allowed = org.kind === 'customs_office' ? CUSTOMS_ROLES : ENTERPRISE_ROLES;
    throw badRequest('role_org_mismatch', `role: ${role} is not a role of ${org.kind === 'customs_office' ? 'a customs office' : 'an enterprise'} (${org.code}); choose one of ${allowed.join(', ')}`,
      [{ field: 'body.role', message: `must be one of ${allowed.join(', ')}` }]);
  }
}

async function orgById(db: Db, id: string, field = 'orgId'): Promise<OrgRow> {
  const [o] = await db.select().from(organisations).where(eq(organisations.id, id)).limit(1);
  if (!o) throw badRequest('unknown_org', `${field}: no organisation ${id}`, [{ field: `body.${field}`, message: 'is not a known organisation' }]);
  return o;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Users of every organisation, filtered; newest organisation members last within an organisation. */
export async function listUsers(db: Db, actor: Actor, q: AdminUserQuery): Promise<AdminUserList> {
  requireRole(actor, 'admin.manage');
  const conds: SQL[] = [];
  if (q.orgId) conds.push(eq(users.orgId, q.orgId));
  if (q.role) conds.push(eq(users.role, q.role));
  if (q.active !== undefined) conds.push(eq(users.active, q.active));
  if (q.q?.trim()) {
    const term = `%${q.q.trim().replace(/[%_\\]/g, (c) => '\\' + c)}%`;
    conds.push(or(ilike(users.username, term), ilike(users.displayName, term))!);
  }
  const rows = await db.select({ u: users, orgName: organisations.name, orgKind: organisations.kind }).from(users)
    .innerJoin(organisations, eq(organisations.id, users.orgId)).where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(organisations.name), asc(users.username)).limit(1000);
  return { items: rows.map((r) => presentUser(r.u, { name: r.orgName, kind: r.orgKind })) };
}

/** Creates a user in an organisation with a role that fits it; the password is stored as an argon2id hash only. */
export async function createUser(deps: AdminDeps, actor: Actor, body: CreateUserBody): Promise<AdminUser> {
  requireRole(actor, 'admin.manage');
  const org = await orgById(deps.db, body.orgId);
  checkRoleFits(body.role, org);
  const passwordHash = await hashPassword(body.password);
  return transaction(deps.db, async (tx) => {
    const id = randomUUID();
    const now = new Date();
    // the administrator knows this password: the user must choose their own, and the account may not approve
    // anything within the duty window (platform/duties.ts)
    const inserted = await tx.insert(users).values({
      id, orgId: org.id, username: body.username, displayName: body.displayName.trim(), role: body.role, passwordHash, locale: body.locale ?? 'en',
      mustChangePassword: true, passwordSetBy: actor.userId, passwordSetAt: now, roleGrantedBy: actor.userId, roleGrantedAt: now,
    }).onConflictDoNothing().returning();
    if (!inserted.length) throw conflict('username_taken', `username: ${body.username} is already taken`, [{ field: 'body.username', message: 'is already taken' }]);
    await recordAudit(tx, actor, 'admin.user_created', { type: 'user', id }, { username: body.username, displayName: body.displayName.trim(), role: body.role, orgId: org.id, orgCode: org.code });
    return presentUser(inserted[0], org);
  });
}

/**
 * Changes a user: name, role, organisation, language, password, active. Refuses to lock the platform out (an
 * administrator deactivating or demoting themselves, or the last active administrator). Any change to what the user
 * may do (role, organisation, status, password) ends their login sessions.
 */
export async function updateUser(deps: AdminDeps, actor: Actor, id: string, body: UpdateUserBody): Promise<AdminUser> {
  requireRole(actor, 'admin.manage');
  const passwordHash = body.password ? await hashPassword(body.password) : null;
  const out = await transaction(deps.db, async (tx) => {
    // One administrator change at a time: the last-administrator check must see the others' changes.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('admin:users'))`);
    const [u] = await tx.select().from(users).where(eq(users.id, id)).for('update').limit(1);
    if (!u) throw notFound('User', id);
    const org = body.orgId && body.orgId !== u.orgId ? await orgById(tx, body.orgId) : (await orgById(tx, u.orgId));
    const role = body.role ?? u.role;
    if (body.role !== undefined || body.orgId !== undefined) checkRoleFits(role, org);
    const active = body.active ?? u.active;
    const self = actor.userId === u.id;
    if (self && (!active || role !== u.role || org.id !== u.orgId)) {
      throw conflict('self_lockout', 'You cannot deactivate yourself or change your own role or organisation; ask another administrator');
    }
    if (u.role === 'administrator' && u.active && (role !== 'administrator' || !active)) {
      const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(users).where(and(eq(users.role, 'administrator'), eq(users.active, true)));
      if (Number(n) <= 1) throw conflict('last_administrator', `${u.username} is the last active administrator: create or activate another one first`);
    }
    const patch: Partial<UserRow> = {};
    if (body.displayName !== undefined && body.displayName.trim() !== u.displayName) patch.displayName = body.displayName.trim();
    if (role !== u.role) patch.role = role;
    if (org.id !== u.orgId) patch.orgId = org.id;
    if (active !== u.active) patch.active = active;
    if (body.locale !== undefined && body.locale !== u.locale) patch.locale = body.locale;
    if (passwordHash) {
      // a reset: the user must choose a new password at next login, and their sessions end (below)
      Object.assign(patch, { passwordHash, mustChangePassword: true, passwordSetBy: actor.userId, passwordSetAt: new Date() });
    }
    if (patch.role !== undefined) Object.assign(patch, { roleGrantedBy: actor.userId, roleGrantedAt: new Date() });
    if (!Object.keys(patch).length) return { row: u, org, revoked: 0 };
    const [row] = await tx.update(users).set(patch).where(eq(users.id, id)).returning();
    const revokes = patch.role !== undefined || patch.orgId !== undefined || patch.active !== undefined || patch.passwordHash !== undefined;
    const revoked = revokes ? (await tx.delete(authSessions).where(eq(authSessions.userId, id)).returning({ id: authSessions.id })).length : 0;
    const pick = (r: UserRow) => ({ displayName: r.displayName, role: r.role, orgId: r.orgId, active: r.active, locale: r.locale });
    const before = pick(u), after = pick(row);
    const changed = Object.fromEntries(Object.keys(before).filter((k) => before[k as keyof typeof before] !== after[k as keyof typeof after]).map((k) => [k, { from: before[k as keyof typeof before], to: after[k as keyof typeof after] }]));
    await recordAudit(tx, actor, patch.active === false ? 'admin.user_deactivated' : 'admin.user_updated', { type: 'user', id }, {
      username: u.username, changed, passwordChanged: !!passwordHash, sessionsEnded: revoked, reason: body.reason?.trim() || null,
    });
    return { row, org, revoked };
  });
  deps.sessions.forgetUser(id);
  return presentUser(out.row, out.org);
}

async function presentOrgs(db: Db, rows: OrgRow[]): Promise<AdminOrg[]> {
  if (!rows.length) return [];
  const counts = await db.select({ orgId: users.orgId, n: sql<number>`count(*)::int` }).from(users)
    .where(and(inArray(users.orgId, rows.map((r) => r.id)), eq(users.active, true))).groupBy(users.orgId);
  const officeIds = [...new Set(rows.map((r) => r.supervisingOfficeId).filter((x): x is string => !!x))];
  const offices = officeIds.length ? await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, officeIds)) : [];
  return rows.map((o) => ({
    id: o.id, kind: o.kind, name: o.name, code: o.code, supervisingOfficeId: o.supervisingOfficeId,
    supervisingOfficeName: offices.find((x) => x.id === o.supervisingOfficeId)?.name ?? null, creditRating: o.creditRating, timeZone: o.timeZone,
    users: Number(counts.find((c) => c.orgId === o.id)?.n ?? 0), createdAt: o.createdAt.toISOString(),
  }));
}

export async function listOrgs(db: Db, actor: Actor): Promise<AdminOrgList> {
  requireRole(actor, 'admin.manage');
  const rows = await db.select().from(organisations).orderBy(asc(organisations.kind), asc(organisations.name)).limit(5000);
  return { items: await presentOrgs(db, rows) };
}

async function checkSupervisor(db: Db, id: string): Promise<OrgRow> {
  const o = await orgById(db, id, 'supervisingOfficeId');
  if (o.kind !== 'customs_office') throw badRequest('invalid_org', `supervisingOfficeId: ${o.code} is not a customs office`, [{ field: 'body.supervisingOfficeId', message: 'must be a customs office' }]);
  return o;
}

/** Creates a customs office, or an enterprise supervised by one (with its credit rating). */
export async function createOrg(db: Db, actor: Actor, body: CreateOrgBody): Promise<AdminOrg> {
  requireRole(actor, 'admin.manage');
  if (body.timeZone && !isValidTimeZone(body.timeZone)) throw badRequest('invalid_time_zone', `timeZone: unknown IANA time zone ${JSON.stringify(body.timeZone)}`, [{ field: 'body.timeZone', message: 'is not a known time zone' }]);
  if (body.kind === 'customs_office' && (body.supervisingOfficeId || body.creditRating)) {
    throw badRequest('invalid_org', 'A customs office has no supervising office and no credit rating', [{ field: 'body.supervisingOfficeId', message: 'only for enterprises' }]);
  }
  if (body.kind === 'enterprise' && !body.supervisingOfficeId) {
    throw badRequest('supervising_office_required', 'supervisingOfficeId: an enterprise is supervised by a customs office', [{ field: 'body.supervisingOfficeId', message: 'is required' }]);
  }
  const office = body.supervisingOfficeId ? await checkSupervisor(db, body.supervisingOfficeId) : null;
  const row = await transaction(db, async (tx) => {
    const id = randomUUID();
    const inserted = await tx.insert(organisations).values({
      id, kind: body.kind, name: body.name.trim(), code: body.code, supervisingOfficeId: office?.id ?? null, creditRating: body.creditRating ?? null,
      timeZone: body.timeZone ?? office?.timeZone ?? 'Asia/Shanghai',
    }).onConflictDoNothing().returning();
    if (!inserted.length) throw conflict('org_code_taken', `code: ${body.code} is already used by another organisation`, [{ field: 'body.code', message: 'is already used' }]);
    await recordAudit(tx, actor, 'admin.org_created', { type: 'organisation', id }, {
      kind: body.kind, name: body.name.trim(), code: body.code, supervisingOfficeId: office?.id ?? null, creditRating: body.creditRating ?? null, timeZone: inserted[0].timeZone,
    });
    return inserted[0];
  });
  return (await presentOrgs(db, [row]))[0];
}

/** Renames an organisation, changes an enterprise's credit rating or supervising office, or an office's time zone. */
export async function updateOrg(db: Db, actor: Actor, id: string, body: UpdateOrgBody): Promise<AdminOrg> {
  requireRole(actor, 'admin.manage');
  if (body.timeZone && !isValidTimeZone(body.timeZone)) throw badRequest('invalid_time_zone', `timeZone: unknown IANA time zone ${JSON.stringify(body.timeZone)}`, [{ field: 'body.timeZone', message: 'is not a known time zone' }]);
  const row = await transaction(db, async (tx) => {
    const [o] = await tx.select().from(organisations).where(eq(organisations.id, id)).for('update').limit(1);
    if (!o) throw notFound('Organisation', id);
    if (o.kind === 'customs_office' && (body.supervisingOfficeId !== undefined || (body.creditRating !== undefined && body.creditRating !== null))) {
      throw badRequest('invalid_org', 'A customs office has no supervising office and no credit rating', [{ field: 'body.supervisingOfficeId', message: 'only for enterprises' }]);
    }
    if (body.supervisingOfficeId) await checkSupervisor(tx, body.supervisingOfficeId);
    const patch: Partial<OrgRow> = {};
    if (body.name !== undefined && body.name.trim() !== o.name) patch.name = body.name.trim();
    if (body.supervisingOfficeId !== undefined && body.supervisingOfficeId !== o.supervisingOfficeId) patch.supervisingOfficeId = body.supervisingOfficeId;
    if (body.creditRating !== undefined && body.creditRating !== o.creditRating) patch.creditRating = body.creditRating;
    if (body.timeZone !== undefined && body.timeZone !== o.timeZone) patch.timeZone = body.timeZone;
    if (!Object.keys(patch).length) return o;
    const [updated] = await tx.update(organisations).set(patch).where(eq(organisations.id, id)).returning();
    const changed = Object.fromEntries(Object.keys(patch).map((k) => [k, { from: o[k as keyof OrgRow] ?? null, to: updated[k as keyof OrgRow] ?? null }]));
    await recordAudit(tx, actor, 'admin.org_updated', { type: 'organisation', id }, { code: o.code, changed, reason: body.reason?.trim() || null });
    return updated;
  });
  return (await presentOrgs(db, [row]))[0];
}

/** Camera devices every enterprise registered (phones, AR glasses) with their latest connection test. */
export async function listAllDevices(db: Db, actor: Actor): Promise<AdminDeviceList> {
  requireRole(actor, 'admin.manage');
  const rows = await db.select({ d: enterpriseDevices, orgName: organisations.name }).from(enterpriseDevices)
    .innerJoin(organisations, eq(organisations.id, enterpriseDevices.orgId)).orderBy(asc(organisations.name), asc(enterpriseDevices.createdAt)).limit(2000);
  const tests = rows.length
    ? await db.select().from(connectionTests).where(inArray(connectionTests.deviceId, rows.map((r) => r.d.id))).orderBy(desc(connectionTests.testedAt))
    : [];
  return {
    items: rows.map(({ d, orgName }) => {
      const t = tests.find((x) => x.deviceId === d.id);
      return {
        id: d.id, orgId: d.orgId, orgName, name: d.name, kind: d.kind, active: d.active, createdAt: d.createdAt.toISOString(),
        lastTest: t ? { passed: t.passed, testedAt: t.testedAt.toISOString(), rttMs: t.rttMs, bitrateKbps: t.bitrateKbps } : null,
      };
    }),
  };
}
