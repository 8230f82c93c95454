// Separation of duties for approvals (issue 13.4). Two rules, checked wherever a second person approves (a decision's
// four-eyes review, a deletion request):
// 1. The approver has no other role in the case: not the inspector conducting it, not the one who signed or asked
//    for what is approved, not one who recorded findings in it. 403 `duty_conflict`, naming the role.
// 2. An account that an administrator created, reset the password of, or gave its role (or organisation) within the
//    duty window (RVI_DUTY_WINDOW_DAYS, 7 days) cannot approve: whoever set it up knew its password or chose its
//    rights, so "a second person" could be the administrator themselves. The account row (migration 0014: role_granted_by/at, password_set_by/at)
//    and the audit trail (a reset followed by the user's own change of password leaves no mark on the row) both count.
//    403 `approver_recently_provisioned`, saying until when.
import { and, eq, gte, inArray } from 'drizzle-orm';
import { auditLog, users } from '../db/schema.ts';
import type { Db } from './db.ts';
import type { Actor } from './actor.ts';
import { AppError, forbidden } from './errors.ts';

/** Hours after an administrator set up an account during which it may not approve (RVI_DUTY_WINDOW_DAYS, 7 days). */
export const DEFAULT_DUTY_WINDOW_HOURS = 7 * 24;

/** The window of the configuration (RVI_DUTY_WINDOW_DAYS) in hours, when the caller has one. */
export function dutyWindowHours(config?: { dutyWindowDays?: number }): number {
  return config?.dutyWindowDays ? config.dutyWindowDays * 24 : DEFAULT_DUTY_WINDOW_HOURS;
}

export interface OtherRole {
  userId: string | null | undefined;
  /** the role in words, e.g. "the inspector conducting the case" */
  role: string;
}

/** The latest time an administrator (someone other than the user) set up this account's password or rights. */
export async function lastProvisioned(db: Db, userId: string, since: Date): Promise<{ at: Date; by: string; what: string } | null> {
  const [u] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  const found: { at: Date; by: string; what: string }[] = [];
  if (u?.roleGrantedBy && u.roleGrantedBy !== userId && u.roleGrantedAt && u.roleGrantedAt >= since) found.push({ at: u.roleGrantedAt, by: u.roleGrantedBy, what: 'created or given its role' });
  if (u?.passwordSetBy && u.passwordSetBy !== userId && u.passwordSetAt && u.passwordSetAt >= since) found.push({ at: u.passwordSetAt, by: u.passwordSetBy, what: 'given its password' });
  const entries = await db.select({ at: auditLog.at, actorId: auditLog.actorId, action: auditLog.action, summary: auditLog.summary }).from(auditLog)
    .where(and(eq(auditLog.targetId, userId), inArray(auditLog.action, ['admin.user_created', 'admin.user_updated']), gte(auditLog.at, since.toISOString())));
  for (const e of entries) {
    if (!e.actorId || e.actorId === userId) continue;
    const s = (e.summary ?? {}) as { passwordChanged?: boolean; changed?: Record<string, unknown> };
    const what = e.action === 'admin.user_created' ? 'created' : s.passwordChanged ? 'reset (password)' : s.changed && ('role' in s.changed || 'orgId' in s.changed) ? 'given its role' : null;
    if (what) found.push({ at: new Date(e.at), by: e.actorId, what });
  }
  found.sort((a, b) => b.at.getTime() - a.at.getTime());
  return found[0] ?? null;
}

/** Refuses the approval when the approver breaks either rule above (403 with a code the UI translates). */
export async function assertApprovalDuties(db: Db, actor: Actor, opts: { otherRoles: OtherRole[]; windowHours?: number; now?: Date }): Promise<void> {
  if (actor.kind !== 'user' || !actor.userId) throw forbidden('Approvals are made by named people');
  const clash = opts.otherRoles.find((r) => r.userId && r.userId === actor.userId);
  if (clash) throw new AppError('duty_conflict', 403, `Separation of duties: you are ${clash.role}; someone with no other role in this case must approve`, { role: clash.role });
  const hours = opts.windowHours ?? DEFAULT_DUTY_WINDOW_HOURS;
  const now = opts.now ?? new Date();
  const p = await lastProvisioned(db, actor.userId, new Date(now.getTime() - hours * 3_600_000));
  if (p) {
    const until = new Date(p.at.getTime() + hours * 3_600_000);
    throw new AppError('approver_recently_provisioned', 403,
      `Separation of duties: your account was ${p.what} by an administrator at ${p.at.toISOString()}; it may approve from ${until.toISOString()} (${hours} h later)`,
      { provisionedAt: p.at.toISOString(), by: p.by, approveFrom: until.toISOString() });
  }
}
