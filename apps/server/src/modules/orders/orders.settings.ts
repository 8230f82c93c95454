import { eq } from 'drizzle-orm';
import { addDays, isValidTimeZone, toWallClock, validateWorkingHours, type WorkingHours } from '@rvi/dispatch';
import type { DispatchSettingsInput, OrderSettings } from '@rvi/contracts';
import { officeOrderSettings, organisations } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole, roleAllows } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';

/** Monday to Friday, 09:00–17:30 office time: the default until an administrator sets the office's hours. */
export const DEFAULT_WEEKLY: Record<string, { start: string; end: string }[]> = Object.fromEntries(
  ['1', '2', '3', '4', '5'].map((d) => [d, [{ start: '09:00', end: '17:30' }]]),
);
const DEFAULTS = { slotMinutes: 60, bufferMinutes: 0, graceMinutes: 15, noticeMinutes: 60, rotationDays: 7, reminderMinutes: 60, lookaheadDays: 5, weightTolerancePct: 5 };

/** The office's booking and dispatch settings (defaults when none were saved). */
export async function loadOrderSettings(db: Db, officeId: string): Promise<OrderSettings> {
  const [office] = await db.select({ timeZone: organisations.timeZone, kind: organisations.kind }).from(organisations).where(eq(organisations.id, officeId)).limit(1);
  if (!office || office.kind !== 'customs_office') throw notFound('Customs office', officeId);
  const [row] = await db.select().from(officeOrderSettings).where(eq(officeOrderSettings.officeId, officeId)).limit(1);
  if (!row) return { timeZone: office.timeZone, weekly: DEFAULT_WEEKLY, closedDates: [], ...DEFAULTS };
  return {
    timeZone: office.timeZone, weekly: row.weekly, closedDates: row.closedDates, slotMinutes: row.slotMinutes,
    bufferMinutes: row.bufferMinutes, graceMinutes: row.graceMinutes, noticeMinutes: row.noticeMinutes,
    rotationDays: row.rotationDays, reminderMinutes: row.reminderMinutes, lookaheadDays: row.lookaheadDays,
    weightTolerancePct: row.weightTolerancePct,
  };
}

export function workingHoursOf(s: OrderSettings): WorkingHours {
  return { timeZone: s.timeZone, weekly: s.weekly, closedDates: s.closedDates };
}

/** Today's date in the office's time zone. */
export function officeToday(timeZone: string, now = Date.now()): string {
  return toWallClock(now, timeZone).date;
}

/** The office-local day of an instant. */
export function officeDateOf(timeZone: string, at: Date): string {
  return toWallClock(at.getTime(), timeZone).date;
}

export { addDays };

export async function getOrderSettings(db: Db, actor: Actor): Promise<OrderSettings> {
  requireRole(actor, 'order.read');
  if (!isCustoms(actor) || !actor.officeId) throw notFound('Office settings');
  return loadOrderSettings(db, actor.officeId);
}

/** Administrator changes the office's working hours and booking rules (validated; audited; effective at once). */
export async function saveOrderSettings(db: Db, actor: Actor, input: OrderSettings): Promise<OrderSettings> {
  requireRole(actor, 'admin.manage');
  if (!actor.officeId || !isCustoms(actor)) throw notFound('Office settings');
  const officeId = actor.officeId;
  const issues = validateWorkingHours({ timeZone: input.timeZone, weekly: input.weekly, closedDates: input.closedDates });
  if (!isValidTimeZone(input.timeZone)) issues.unshift({ path: 'timeZone', message: `unknown IANA time zone ${JSON.stringify(input.timeZone)}` });
  if (issues.length) {
    throw badRequest('invalid_settings', `Invalid settings: ${issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  const before = await loadOrderSettings(db, officeId);
  await transaction(db, async (tx) => {
    const values = {
      weekly: input.weekly, closedDates: input.closedDates, slotMinutes: input.slotMinutes, bufferMinutes: input.bufferMinutes,
      graceMinutes: input.graceMinutes, noticeMinutes: input.noticeMinutes, rotationDays: input.rotationDays,
      reminderMinutes: input.reminderMinutes, updatedAt: new Date(),
      ...(input.lookaheadDays !== undefined ? { lookaheadDays: input.lookaheadDays } : {}),
      ...(input.weightTolerancePct !== undefined ? { weightTolerancePct: input.weightTolerancePct } : {}),
    };
    await tx.insert(officeOrderSettings).values({ officeId, ...values }).onConflictDoUpdate({ target: officeOrderSettings.officeId, set: values });
    if (input.timeZone !== before.timeZone) await tx.update(organisations).set({ timeZone: input.timeZone }).where(eq(organisations.id, officeId));
    await recordAudit(tx, actor, 'order_settings.changed', { type: 'office', id: officeId }, { before, after: input });
  });
  return loadOrderSettings(db, officeId);
}

/**
 * Supervisor (or administrator) changes the office's dispatch rules: the rotation window, how many later days
 * dispatch may plan onto, the weight tolerance. Audited with before/after and the reason; effective at the next run.
 */
export async function saveDispatchSettings(db: Db, actor: Actor, input: DispatchSettingsInput): Promise<OrderSettings> {
  if (!roleAllows(actor, 'order.dispatch') && !roleAllows(actor, 'admin.manage')) throw forbidden(`Your role (${actor.role}) may not change dispatch settings`);
  if (!actor.officeId || !isCustoms(actor)) throw notFound('Office settings');
  const officeId = actor.officeId;
  const before = await loadOrderSettings(db, officeId);
  await transaction(db, async (tx) => {
    const set = {
      rotationDays: input.rotationDays, lookaheadDays: input.lookaheadDays, updatedAt: new Date(),
      ...(input.weightTolerancePct !== undefined ? { weightTolerancePct: input.weightTolerancePct } : {}),
    };
    await tx.insert(officeOrderSettings).values({ officeId, weekly: before.weekly, closedDates: before.closedDates, ...DEFAULTS, ...set })
      .onConflictDoUpdate({ target: officeOrderSettings.officeId, set });
    await recordAudit(tx, actor, 'dispatch_settings.changed', { type: 'office', id: officeId }, {
      before: { rotationDays: before.rotationDays, lookaheadDays: before.lookaheadDays, weightTolerancePct: before.weightTolerancePct },
      after: { rotationDays: input.rotationDays, lookaheadDays: input.lookaheadDays, weightTolerancePct: input.weightTolerancePct ?? before.weightTolerancePct },
      reason: input.reason,
    });
  });
  return loadOrderSettings(db, officeId);
}

/** Seeds the default settings row (demo start), so the hours show up explicitly in the database. */
export async function ensureOrderSettings(db: Db, officeId: string): Promise<void> {
  await db.insert(officeOrderSettings).values({ officeId, weekly: DEFAULT_WEEKLY, ...DEFAULTS }).onConflictDoNothing();
}

export function addDaysTo(date: string, n: number): string {
  return addDays(date, n);
}
