// Booking: the inspector registers a remote inspection (slots offered from the office's working hours minus the
// inspector's appointments), the enterprise accepts one or proposes another (checked) and names its on-site
// operator; or the inspector schedules an on-site visit. No double booking: the slot is checked inside the
// transaction that stores it, under per-person advisory locks, with partial unique indexes as a last guard.
// Missed appointments (no operator within the grace period) are detected by a sweep and rescheduled or sent on site.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, sql } from 'drizzle-orm';
import {
  assertTransition, checkSlot, detectMissedAppointment, proposeSlots, wallClockToInstant, generateSlots, type Interval, type OrderState, type Slot,
} from '@rvi/dispatch';
import type {
  BookBody, ConnectionTestInput, DeviceInput, InspectionOrder, MissedCheckResult, OrderSettings, RegisterRemoteBody, ScheduleVisitBody, SlotList, SlotsQuery,
} from '@rvi/contracts';
import { appointments, connectionTests, enterpriseDevices, inspectionOrders, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { isEnterprise, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { invalidateOrder } from '../orders/orders.effects.ts';
import { authorizeOrder, orderPolicy, REGISTRABLE } from '../orders/orders.policy.ts';
import { presentOrders } from '../orders/orders.presenter.ts';
import { enterpriseUsers, loadOrder, officeUsers } from '../orders/orders.service.ts';
import { loadOrderSettings, workingHoursOf } from '../orders/orders.settings.ts';
import { lockOrder, type OrderRow, toAppError, transitionOrder, updateOrder } from '../orders/orders.state.ts';
import { inTransaction, transaction } from '../../platform/unit-of-work.ts';

const MIN = 60_000;
const DAY = 86_400_000;
/** After this many missed appointments the order is no longer offered new slots: the inspector goes on site. */
export const MAX_MISSED_BEFORE_ONSITE = 2;

function iso(ms: number) {
  return new Date(ms).toISOString();
}

function checkTransition(order: OrderRow, to: OrderState): void {
  try {
    assertTransition(order.state as OrderState, to);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Accepted appointments of an inspector and (optionally) an operator overlapping [fromMs, toMs). */
async function busyFor(tx: Db, inspectorId: string, operatorUserId: string | null, fromMs: number, toMs: number, excludeOrderId?: string) {
  const window = [eq(appointments.status, 'accepted'), lt(appointments.startAt, new Date(toMs)), gt(appointments.endAt, new Date(fromMs))];
  if (excludeOrderId) window.push(ne(appointments.orderId, excludeOrderId));
  const toInterval = (a: { startAt: Date; endAt: Date }): Interval => ({ start: a.startAt.toISOString(), end: a.endAt.toISOString() });
  const inspectorBusy = (await tx.select({ startAt: appointments.startAt, endAt: appointments.endAt }).from(appointments)
    .where(and(eq(appointments.inspectorId, inspectorId), ...window)).orderBy(asc(appointments.startAt))).map(toInterval);
  const operatorBusy = operatorUserId
    ? (await tx.select({ startAt: appointments.startAt, endAt: appointments.endAt }).from(appointments)
      .where(and(eq(appointments.operatorUserId, operatorUserId), ...window)).orderBy(asc(appointments.startAt))).map(toInterval)
    : [];
  return { inspectorBusy, operatorBusy };
}

/** Search window: from the start of `fromDate` (office time) or now + notice, whichever is later, for `days` days. */
function searchWindow(settings: OrderSettings, fromDate: string | undefined, days: number, now = Date.now()) {
  const earliest = now + settings.noticeMinutes * MIN;
  const start = fromDate ? Math.max(wallClockToInstant(fromDate, '00:00', settings.timeZone), earliest) : earliest;
  return { from: start, to: start + days * DAY, notBefore: earliest };
}

async function slotsFor(tx: Db, order: OrderRow, settings: OrderSettings, opts: { from?: string; days: number; operatorUserId?: string | null; limit?: number; all?: boolean }): Promise<Slot[]> {
  const w = searchWindow(settings, opts.from, opts.days);
  const busy = await busyFor(tx, order.inspectorId!, opts.operatorUserId ?? null, w.from - DAY, w.to + DAY, order.id);
  const search = {
    workingHours: workingHoursOf(settings), from: iso(w.from), to: iso(w.to), durationMinutes: settings.slotMinutes,
    inspectorBusy: busy.inspectorBusy, operatorBusy: busy.operatorBusy, bufferMinutes: settings.bufferMinutes, notBefore: iso(w.notBefore),
  };
  try {
    return opts.all ? generateSlots(search).slice(0, opts.limit ?? 200) : proposeSlots(search, { limit: opts.limit ?? 6, maxPerDay: 2 });
  } catch (e) {
    throw toAppError(e);
  }
}

/**
 * The assigned inspector registers the remote inspection: slots are computed and offered to the enterprise, whose
 * users are notified (that an inspection is planned and when it could take place: never why). Also used after a
 * missed appointment (the order moves missed → rescheduled).
 */
export async function registerRemote(db: Db, actor: Actor, id: string, body: RegisterRemoteBody): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.schedule', row, id, 'register');
  const settings = await loadOrderSettings(db, row.officeId);
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    let order = (await lockOrder(tx, id))!;
    if (!REGISTRABLE.includes(order.state)) checkTransition(order, 'booked');
    if (!REGISTRABLE.includes(order.state)) throw conflict('invalid_state', `Order ${order.orderNo} is ${order.state}: slots are offered only when ${REGISTRABLE.join(', ')}`);
    if (order.mode !== 'remote') throw conflict('invalid_state', `Order ${order.orderNo} was decided ${order.mode ?? 'undecided'}, not remote`);
    const slots = await slotsFor(tx, order, settings, { from: body.from, days: body.days ?? 10 });
    if (!slots.length) throw conflict('no_free_slots', `No free ${settings.slotMinutes}-minute slot in the office's working hours in the next ${body.days ?? 10} days`);
    if (order.state === 'missed') order = await transitionOrder(uow, order, 'rescheduled', { reason: 'new slots offered after a missed appointment' });
    const out = (await updateOrder(tx, id, { proposedSlots: slots, registeredAt: new Date() }))!;
    await recordAudit(tx, actor, 'order.remote_registered', { type: 'inspection_order', id }, {
      orderNo: order.orderNo, slots: slots.map((s) => s.start), timeZone: settings.timeZone,
    });
    await uow.notify(await enterpriseUsers(tx, order.enterpriseId), 'inspection.registered', {
      orderId: id, orderNo: order.orderNo, slots: slots.length, firstSlot: slots[0].start,
    });
    invalidateOrder(uow, out);
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/** Free slots of the order's inspector (and of the named operator) for the enterprise to choose from or propose. */
export async function listFreeSlots(db: Db, actor: Actor, id: string, q: SlotsQuery): Promise<SlotList> {
  const order = await loadOrder(db, id);
  authorizeOrder(actor, 'order.read', order, id);
  if (!order.inspectorId) throw conflict('invalid_state', `Order ${order.orderNo} has no inspector yet`);
  const settings = await loadOrderSettings(db, order.officeId);
  let operatorUserId: string | null = null;
  if (q.operatorUserId) operatorUserId = (await operatorOf(db, order, q.operatorUserId)).id;
  const items = await slotsFor(db, order, settings, { from: q.from, days: q.days ?? 7, operatorUserId, all: true, limit: 200 });
  return { timeZone: settings.timeZone, slotMinutes: settings.slotMinutes, items };
}

async function operatorOf(db: Db, order: OrderRow, userId: string) {
  const [u] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!u || u.orgId !== order.enterpriseId || !u.active || !['onsite_operator', 'enterprise_user'].includes(u.role)) {
    throw badRequest('invalid_operator', 'The operator must be an active user of your enterprise (on-site operator or enterprise user)', { field: 'operatorUserId' });
  }
  return u;
}

async function lockPeople(tx: Db, ids: (string | null)[]) {
  // Sorted, so two bookings locking the same two people never wait on each other in opposite order.
  for (const id of [...new Set(ids.filter((x): x is string => !!x))].sort()) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'appointment:' + id}))`);
  }
}

/**
 * The enterprise books a remote inspection: one of the offered slots, or another it proposes, which must lie in the
 * office's working hours, respect the notice period and be free for both the inspector and the named operator.
 * Checked and stored in one transaction: a second booking of the same person at the same time is refused (409).
 */
export async function bookSlot(db: Db, actor: Actor, id: string, body: BookBody): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.book', row, id);
  const settings = await loadOrderSettings(db, row.officeId);
  const start = Date.parse(body.start);
  const end = Date.parse(body.end);
  if (end - start !== settings.slotMinutes * MIN) {
    throw badRequest('invalid_slot', `An appointment lasts ${settings.slotMinutes} minutes (from ${body.start} to ${body.end} is ${Math.round((end - start) / MIN)})`);
  }
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, id))!;
    checkTransition(order, 'booked');
    orderPolicy.authorize(actor, 'book', order, id); // the same rule the order's `can.book` shows (orders.policy.ts)
    const operator = await operatorOf(tx, order, body.operatorUserId);
    if (start < Date.now() + settings.noticeMinutes * MIN) {
      throw conflict('slot_unavailable', `The appointment must start at least ${settings.noticeMinutes} minutes from now`, { reason: 'too_soon' });
    }
    await lockPeople(tx, [order.inspectorId, operator.id]);
    const busy = await busyFor(tx, order.inspectorId!, operator.id, start - DAY, end + DAY, order.id);
    const check = checkSlot({
      workingHours: workingHoursOf(settings), slot: { start: iso(start), end: iso(end) }, inspectorBusy: busy.inspectorBusy,
      operatorBusy: busy.operatorBusy, bufferMinutes: settings.bufferMinutes, now: new Date().toISOString(),
    });
    if (!check.ok) throw conflict('slot_unavailable', check.message, { reason: check.reason, conflict: check.conflict ?? null });
    const offered = ((order.proposedSlots as Slot[] | null) ?? []).some((s) => Date.parse(s.start) === start && Date.parse(s.end) === end);
    await tx.update(appointments).set({ status: 'cancelled' }).where(and(eq(appointments.orderId, id), eq(appointments.status, 'accepted')));
    const apptId = randomUUID();
    try {
      await tx.insert(appointments).values({
        id: apptId, orderId: id, kind: 'remote', inspectorId: order.inspectorId!, operatorUserId: operator.id, startAt: new Date(start), endAt: new Date(end),
        status: 'accepted', proposedBy: offered ? 'customs' : 'enterprise', createdBy: actor.userId,
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('slot_unavailable', 'This time was just booked by someone else', { reason: 'taken' });
      throw e;
    }
    const out = await transitionOrder(uow, order, 'booked', {
      summary: { appointmentId: apptId, start: iso(start), end: iso(end), operatorUserId: operator.id, proposedBy: offered ? 'customs' : 'enterprise' },
    });
    const payload = { orderId: id, orderNo: order.orderNo, start: iso(start), appointmentId: apptId };
    await uow.notify([order.inspectorId], 'appointment.booked', payload);
    if (operator.id !== actor.userId) await uow.notify([operator.id], 'appointment.operator_named', payload);
    invalidateOrder(uow, out, [operator.id]);
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/** Either side moves a booked appointment: it is released, new slots are offered, the other side is told. */
export async function requestReschedule(db: Db, actor: Actor, id: string, reason: string): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  const enterprise = isEnterprise(actor);
  authorizeOrder(actor, enterprise ? 'order.book' : 'order.schedule', row, id, enterprise ? undefined : 'register');
  const settings = await loadOrderSettings(db, row.officeId);
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, id))!;
    checkTransition(order, 'rescheduled');
    await tx.update(appointments).set({ status: 'cancelled' }).where(and(eq(appointments.orderId, id), eq(appointments.status, 'accepted')));
    const moved = await transitionOrder(uow, order, 'rescheduled', { reason });
    const slots = await slotsFor(tx, moved, settings, { days: 10 });
    const out = (await updateOrder(tx, id, { proposedSlots: slots, registeredAt: new Date() }))!;
    const payload = { orderId: id, orderNo: order.orderNo, slots: slots.length };
    await uow.notify(enterprise ? [order.inspectorId] : await enterpriseUsers(tx, order.enterpriseId), 'appointment.rescheduled', payload);
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/**
 * On-site path: the assigned inspector schedules a visit (after deciding on-site, or instead of a remote appointment,
 * or after a missed one). The visit blocks the inspector's time like any appointment.
 */
export async function scheduleVisit(db: Db, actor: Actor, id: string, body: ScheduleVisitBody): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.schedule', row, id, 'scheduleVisit');
  const settings = await loadOrderSettings(db, row.officeId);
  const start = Date.parse(body.start);
  const end = body.end ? Date.parse(body.end) : start + settings.slotMinutes * MIN;
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, id))!;
    checkTransition(order, 'onsite_scheduled');
    if (!order.mode) throw conflict('invalid_state', `Decide remote or on-site for order ${order.orderNo} first`);
    await lockPeople(tx, [order.inspectorId]);
    const busy = await busyFor(tx, order.inspectorId!, null, start - DAY, end + DAY, order.id);
    const check = checkSlot({
      workingHours: workingHoursOf(settings), slot: { start: iso(start), end: iso(end) }, inspectorBusy: busy.inspectorBusy,
      bufferMinutes: settings.bufferMinutes, now: new Date().toISOString(),
    });
    if (!check.ok) throw conflict('slot_unavailable', check.message, { reason: check.reason, conflict: check.conflict ?? null });
    await tx.update(appointments).set({ status: 'cancelled' }).where(and(eq(appointments.orderId, id), eq(appointments.status, 'accepted')));
    const apptId = randomUUID();
    try {
      await tx.insert(appointments).values({
        id: apptId, orderId: id, kind: 'onsite', inspectorId: order.inspectorId!, startAt: new Date(start), endAt: new Date(end), status: 'accepted',
        proposedBy: 'customs', location: body.location, createdBy: actor.userId,
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('slot_unavailable', 'This time was just booked by someone else', { reason: 'taken' });
      throw e;
    }
    const out = await transitionOrder(uow, order, 'onsite_scheduled', {
      reason: body.reason ?? null, patch: { mode: 'onsite' }, summary: { appointmentId: apptId, start: iso(start), end: iso(end), location: body.location, previousMode: order.mode },
    });
    await uow.notify(await enterpriseUsers(tx, order.enterpriseId), 'inspection.visit_scheduled', {
      orderId: id, orderNo: order.orderNo, start: iso(start), location: body.location,
    });
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/** The enterprise's operator reports joining the remote session (the live-session module calls this too). */
export async function recordOperatorJoined(db: Db, actor: Actor, appointmentId: string): Promise<{ joinedAt: string }> {
  const [a] = await db.select({ a: appointments, o: inspectionOrders }).from(appointments)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, appointments.orderId)).where(eq(appointments.id, appointmentId)).limit(1);
  authorizeOrder(actor, 'order.read', a ? a.o : null, appointmentId);
  if (actor.kind !== 'system' && actor.orgId !== a!.o.enterpriseId) throw forbidden('Only the enterprise\'s own staff join as operator');
  if (a!.a.status !== 'accepted' || a!.a.kind !== 'remote') throw conflict('invalid_state', 'This appointment is not an accepted remote appointment');
  return inTransaction(db, actor, async (uow) => {
    const [row] = await uow.tx.update(appointments).set({ operatorJoinedAt: new Date() })
      .where(and(eq(appointments.id, appointmentId), isNull(appointments.operatorJoinedAt))).returning();
    invalidateOrder(uow, a!.o);
    return { joinedAt: (row ?? a!.a).operatorJoinedAt!.toISOString() };
  });
}

/**
 * Sweep: marks remote appointments missed when no operator joined within the office's grace period (the order goes
 * booked → missed, then is offered new slots, or after MAX_MISSED_BEFORE_ONSITE misses waits for an on-site visit),
 * and sends reminders for appointments starting within the office's reminder period. Idempotent; run by a timer
 * and on demand by a supervisor.
 */
export async function checkMissedAppointments(db: Db, actor: Actor, opts: { now?: Date } = {}): Promise<MissedCheckResult> {
  if (actor.kind !== 'system') requireRole(actor, 'order.plan');
  const now = opts.now ?? new Date();
  const office = actor.kind === 'system' ? null : actor.officeId;
  const scope = office ? [eq(inspectionOrders.officeId, office)] : [];
  const settingsCache = new Map<string, OrderSettings>();
  const settingsOf = async (officeId: string) => {
    let s = settingsCache.get(officeId);
    if (!s) settingsCache.set(officeId, (s = await loadOrderSettings(db, officeId)));
    return s;
  };
  const due = await db.select({ a: appointments, o: inspectionOrders }).from(appointments)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, appointments.orderId))
    .where(and(eq(appointments.status, 'accepted'), eq(appointments.kind, 'remote'), eq(inspectionOrders.state, 'booked'), lte(appointments.startAt, now), ...scope))
    .orderBy(asc(appointments.startAt)).limit(500);
  const missed: MissedCheckResult['missed'] = [];
  for (const { a, o } of due) {
    const s = await settingsOf(o.officeId);
    const status = detectMissedAppointment({ start: a.startAt.toISOString(), operatorJoinedAt: a.operatorJoinedAt?.toISOString() ?? null }, now.toISOString(), s.graceMinutes);
    if (status.status !== 'missed') continue;
    const outcome = await inTransaction(db, actor, async (uow) => {
      const tx = uow.tx;
      const order = await lockOrder(tx, o.id);
      if (!order || order.state !== 'booked') return null;
      const [appt] = await tx.update(appointments).set({ status: 'missed' }).where(and(eq(appointments.id, a.id), eq(appointments.status, 'accepted'))).returning();
      if (!appt) return null;
      const count = order.missedCount + 1;
      let cur = await transitionOrder(uow, order, 'missed', {
        reason: `no operator joined within ${s.graceMinutes} minutes of ${a.startAt.toISOString()}`, patch: { missedCount: count }, summary: { appointmentId: a.id, deadline: status.deadline, lateJoin: status.lateJoin },
      });
      const payload = { orderId: o.id, orderNo: o.orderNo, start: a.startAt.toISOString() };
      let result = 'missed_onsite_needed';
      if (count < MAX_MISSED_BEFORE_ONSITE && cur.inspectorId) {
        const slots = await slotsFor(tx, cur, s, { days: 10 });
        if (slots.length) {
          cur = await transitionOrder(uow, cur, 'rescheduled', { reason: 'new slots offered after a missed appointment' });
          await updateOrder(tx, o.id, { proposedSlots: slots, registeredAt: new Date() });
          result = 'rescheduled';
        }
      }
      await uow.notify(await enterpriseUsers(tx, o.enterpriseId), 'appointment.missed', { ...payload, outcome: result });
      await uow.notify([o.inspectorId, ...(result === 'rescheduled' ? [] : await officeUsers(tx, o.officeId, 'supervisor'))], 'appointment.missed', { ...payload, outcome: result });
      return result;
    });
    if (outcome) missed.push({ appointmentId: a.id, orderId: o.id, outcome });
  }
  // Reminders: once per appointment, within the office's reminder period before it starts.
  const soon = await db.select({ a: appointments, o: inspectionOrders }).from(appointments)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, appointments.orderId))
    .where(and(eq(appointments.status, 'accepted'), isNull(appointments.reminderSentAt), gt(appointments.startAt, now), lte(appointments.startAt, new Date(now.getTime() + 7 * DAY)), ...scope))
    .orderBy(asc(appointments.startAt)).limit(500);
  let reminded = 0;
  for (const { a, o } of soon) {
    const s = await settingsOf(o.officeId);
    if (a.startAt.getTime() - now.getTime() > s.reminderMinutes * MIN) continue;
    await inTransaction(db, actor, async (uow) => {
      const tx = uow.tx;
      const [done] = await tx.update(appointments).set({ reminderSentAt: now }).where(and(eq(appointments.id, a.id), isNull(appointments.reminderSentAt))).returning();
      if (!done) return;
      const recipients = [...(await enterpriseUsers(tx, o.enterpriseId)), a.operatorUserId, a.inspectorId];
      await uow.notify(recipients, 'appointment.reminder', { orderId: o.id, orderNo: o.orderNo, start: a.startAt.toISOString(), kind: a.kind });
      reminded++;
    });
  }
  return { checkedAt: now.toISOString(), missed, reminded };
}

// ---------------------------------------------------------------------------------------------------------------
// Enterprise camera devices and connection tests (facts for remote eligibility)

export async function listDevices(db: Db, actor: Actor) {
  requireRole(actor, 'device.use');
  if (!isEnterprise(actor)) throw forbidden('Devices are registered by enterprises');
  const devices = await db.select().from(enterpriseDevices).where(eq(enterpriseDevices.orgId, actor.orgId!)).orderBy(asc(enterpriseDevices.createdAt));
  const tests = devices.length
    ? await db.select().from(connectionTests).where(inArray(connectionTests.deviceId, devices.map((d) => d.id))).orderBy(desc(connectionTests.testedAt))
    : [];
  return {
    items: devices.map((d) => {
      const t = tests.find((x) => x.deviceId === d.id);
      return {
        id: d.id, name: d.name, kind: d.kind, active: d.active,
        lastTest: t ? { passed: t.passed, testedAt: t.testedAt.toISOString(), rttMs: t.rttMs, bitrateKbps: t.bitrateKbps } : null,
      };
    }),
  };
}

export async function registerDevice(db: Db, actor: Actor, input: DeviceInput) {
  requireRole(actor, 'order.book');
  if (!isEnterprise(actor)) throw forbidden('Devices are registered by enterprises');
  const id = randomUUID();
  await transaction(db, async (tx) => {
    await tx.insert(enterpriseDevices).values({ id, orgId: actor.orgId!, name: input.name, kind: input.kind, createdBy: actor.userId });
    await recordAudit(tx, actor, 'device.registered', { type: 'device', id }, { name: input.name, kind: input.kind });
  });
  return { id };
}

/** Result of a connection test from the enterprise's site (run by the device client; recorded for eligibility). */
export async function recordConnectionTest(db: Db, actor: Actor, deviceId: string, input: ConnectionTestInput) {
  requireRole(actor, 'device.use');
  const [d] = await db.select().from(enterpriseDevices).where(eq(enterpriseDevices.id, deviceId)).limit(1);
  if (!d || actor.orgId !== d.orgId || !isEnterprise(actor)) throw notFound('Device', deviceId);
  const id = randomUUID();
  await transaction(db, async (tx) => {
    await tx.insert(connectionTests).values({ id, orgId: d.orgId, deviceId, passed: input.passed, rttMs: input.rttMs ?? null, bitrateKbps: input.bitrateKbps ?? null, testedBy: actor.userId });
    await recordAudit(tx, actor, 'device.connection_tested', { type: 'device', id: deviceId }, { passed: input.passed, rttMs: input.rttMs ?? null, bitrateKbps: input.bitrateKbps ?? null });
  });
  return { id };
}


