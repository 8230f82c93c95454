// Inspectors as dispatch sees them: profiles (qualifications, capacity), duty rosters and conflicts of interest.
// Managed by the office's supervisors and administrators; every change is audited.
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { ConflictInput, InspectorProfileInput, InspectorView, RosterInput } from '@rvi/contracts';
import { inspectorConflicts, inspectorProfiles, inspectorRosters, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole, roleAllows } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { addDaysTo, loadOrderSettings, officeToday } from './orders.settings.ts';
import { transaction } from '../../platform/unit-of-work.ts';

function requireManage(actor: Actor): string {
  if (!roleAllows(actor, 'order.plan') && !roleAllows(actor, 'admin.manage')) throw forbidden(`Your role (${actor.role}) may not manage inspectors`);
  if (!actor.officeId || !isCustoms(actor)) throw notFound('Office');
  return actor.officeId;
}

/** Inspectors of the actor's office with their roster from today for `days` days and their conflicts. */
export async function listInspectors(db: Db, actor: Actor, days = 14): Promise<{ items: InspectorView[] }> {
  requireRole(actor, 'order.read');
  if (!isCustoms(actor) || !actor.officeId) throw forbidden('Inspector rosters are for customs staff');
  const officeId = actor.officeId;
  const settings = await loadOrderSettings(db, officeId);
  const from = officeToday(settings.timeZone);
  const to = addDaysTo(from, days - 1);
  const rows = await db.select({ u: users, p: inspectorProfiles }).from(users)
    .leftJoin(inspectorProfiles, eq(inspectorProfiles.userId, users.id))
    .where(and(eq(users.orgId, officeId), eq(users.role, 'inspector'), eq(users.active, true))).orderBy(asc(users.displayName));
  const ids = rows.map((r) => r.u.id);
  const rosters = ids.length ? await db.select().from(inspectorRosters).where(and(inArray(inspectorRosters.inspectorId, ids), gte(inspectorRosters.date, from))).orderBy(asc(inspectorRosters.date)) : [];
  const conflicts = ids.length
    ? await db.select({ c: inspectorConflicts, name: organisations.name }).from(inspectorConflicts)
      .innerJoin(organisations, eq(organisations.id, inspectorConflicts.enterpriseId)).where(inArray(inspectorConflicts.inspectorId, ids))
    : [];
  return {
    items: rows.map(({ u, p }) => ({
      userId: u.id, name: u.displayName, officeId, qualifications: p?.qualifications ?? [], dailyCapacity: p?.dailyCapacity ?? 0, active: p?.active ?? false,
      roster: rosters.filter((r) => r.inspectorId === u.id && r.date <= to).map((r) => ({ date: r.date, onDuty: r.onDuty, note: r.note })),
      conflicts: conflicts.filter((c) => c.c.inspectorId === u.id).map((c) => ({ enterpriseId: c.c.enterpriseId, enterpriseName: c.name, reason: c.c.reason })),
    })),
  };
}

async function inspectorOf(db: Db, officeId: string, userId: string) {
  const [u] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!u || u.orgId !== officeId || u.role !== 'inspector') throw notFound('Inspector', userId);
  return u;
}

export async function saveInspectorProfile(db: Db, actor: Actor, userId: string, input: InspectorProfileInput): Promise<void> {
  const officeId = requireManage(actor);
  await inspectorOf(db, officeId, userId);
  await transaction(db, async (tx) => {
    const values = { qualifications: [...new Set(input.qualifications)].sort(), dailyCapacity: input.dailyCapacity, active: input.active ?? true, updatedAt: new Date() };
    await tx.insert(inspectorProfiles).values({ userId, officeId, ...values }).onConflictDoUpdate({ target: inspectorProfiles.userId, set: values });
    await recordAudit(tx, actor, 'inspector.profile_changed', { type: 'user', id: userId }, values);
  });
}

export async function saveRoster(db: Db, actor: Actor, userId: string, input: RosterInput): Promise<void> {
  const officeId = requireManage(actor);
  await inspectorOf(db, officeId, userId);
  await transaction(db, async (tx) => {
    for (const e of input.entries) {
      await tx.insert(inspectorRosters).values({ inspectorId: userId, date: e.date, onDuty: e.onDuty, note: e.note ?? null })
        .onConflictDoUpdate({ target: [inspectorRosters.inspectorId, inspectorRosters.date], set: { onDuty: e.onDuty, note: e.note ?? null } });
    }
    await recordAudit(tx, actor, 'inspector.roster_changed', { type: 'user', id: userId }, { entries: input.entries });
  });
}

export async function declareConflict(db: Db, actor: Actor, userId: string, input: ConflictInput): Promise<void> {
  const officeId = requireManage(actor);
  await inspectorOf(db, officeId, userId);
  const [ent] = await db.select().from(organisations).where(eq(organisations.id, input.enterpriseId)).limit(1);
  if (!ent || ent.kind !== 'enterprise' || ent.supervisingOfficeId !== officeId) throw notFound('Enterprise', input.enterpriseId);
  await transaction(db, async (tx) => {
    await tx.insert(inspectorConflicts).values({ inspectorId: userId, enterpriseId: input.enterpriseId, reason: input.reason, createdBy: actor.userId })
      .onConflictDoUpdate({ target: [inspectorConflicts.inspectorId, inspectorConflicts.enterpriseId], set: { reason: input.reason } });
    await recordAudit(tx, actor, 'inspector.conflict_declared', { type: 'user', id: userId }, { enterpriseId: input.enterpriseId, reason: input.reason });
  });
}

export async function withdrawConflict(db: Db, actor: Actor, userId: string, enterpriseId: string, reason: string): Promise<void> {
  const officeId = requireManage(actor);
  await inspectorOf(db, officeId, userId);
  await transaction(db, async (tx) => {
    const gone = await tx.delete(inspectorConflicts).where(and(eq(inspectorConflicts.inspectorId, userId), eq(inspectorConflicts.enterpriseId, enterpriseId))).returning();
    if (!gone.length) throw notFound('Conflict of interest');
    await recordAudit(tx, actor, 'inspector.conflict_withdrawn', { type: 'user', id: userId }, { enterpriseId, reason });
  });
}
