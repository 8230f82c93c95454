// Orders as each audience may see them. Enterprise users get the logistics (state, mode, slots, appointment) and
// never the selection kind, channel, risk or any reason for selection; customs staff get everything.
import { and, desc, eq, inArray, ne, or, like } from 'drizzle-orm';
import { toWallClock } from '@rvi/dispatch';
import type { Appointment, InspectionOrder, Slot } from '@rvi/contracts';
import { appointments, declarations, orderTransitions, organisations, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { isCustoms } from '../../platform/policy.ts';
import { orderCan } from './orders.policy.ts';
import type { OrderRow } from './orders.state.ts';

type AppointmentRow = typeof appointments.$inferSelect;

export function presentAppointment(a: AppointmentRow, timeZone: string, names: Map<string, string>): Appointment {
  const s = toWallClock(a.startAt.getTime(), timeZone);
  const e = toWallClock(a.endAt.getTime(), timeZone);
  return {
    id: a.id, kind: a.kind, status: a.status, start: a.startAt.toISOString(), end: a.endAt.toISOString(),
    localDate: s.date, localStart: s.time, localEnd: e.time, timeZone, proposedBy: a.proposedBy,
    inspectorName: names.get(a.inspectorId) ?? null,
    operatorUserId: a.operatorUserId, operatorName: a.operatorUserId ? names.get(a.operatorUserId) ?? null : null,
    location: a.location, operatorJoinedAt: a.operatorJoinedAt?.toISOString() ?? null,
  };
}

export interface PresentContext {
  declarationNo: Map<string, string>;
  orgName: Map<string, string>;
  timeZone: Map<string, string>;
  names: Map<string, string>;
  /** Current appointment per order: the latest accepted (else missed) one. */
  current: Map<string, AppointmentRow>;
  all: Map<string, AppointmentRow[]>;
  /** How the current inspector came to the order (customs only; filled when the actor is customs). */
  assignment: Map<string, NonNullable<InspectionOrder['assignment']>>;
}

/** Loads names, declaration numbers and appointments for a page of orders in a fixed number of queries. */
export async function loadPresentContext(db: Db, rows: OrderRow[], actor?: Actor): Promise<PresentContext> {
  const ctx: PresentContext = { declarationNo: new Map(), orgName: new Map(), timeZone: new Map(), names: new Map(), current: new Map(), all: new Map(), assignment: new Map() };
  if (!rows.length) return ctx;
  const declIds = [...new Set(rows.map((r) => r.declarationId))];
  const orgIds = [...new Set(rows.flatMap((r) => [r.enterpriseId, r.officeId]))];
  const [decls, orgs, appts] = await Promise.all([
    db.select({ id: declarations.id, no: declarations.declarationNo }).from(declarations).where(inArray(declarations.id, declIds)),
    db.select({ id: organisations.id, name: organisations.name, tz: organisations.timeZone }).from(organisations).where(inArray(organisations.id, orgIds)),
    db.select().from(appointments).where(and(inArray(appointments.orderId, rows.map((r) => r.id)), ne(appointments.status, 'proposed'))).orderBy(desc(appointments.createdAt)),
  ]);
  for (const d of decls) ctx.declarationNo.set(d.id, d.no);
  for (const o of orgs) { ctx.orgName.set(o.id, o.name); ctx.timeZone.set(o.id, o.tz); }
  for (const a of appts) {
    const list = ctx.all.get(a.orderId) ?? [];
    list.push(a);
    ctx.all.set(a.orderId, list);
  }
  for (const [orderId, list] of ctx.all) {
    const cur = list.find((a) => a.status === 'accepted') ?? list.find((a) => a.status === 'missed') ?? null;
    if (cur) ctx.current.set(orderId, cur);
  }
  const userIds = new Set<string>();
  const assigned = rows.filter((r) => r.inspectorId);
  if (assigned.length && actor && (isCustoms(actor) || actor.kind === 'system')) {
    // The latest transition that put the current inspector on the order: a dispatch run (no reason) or a supervisor's
    // hand assignment or reassignment (with the reason, shown to auditors and on the plan).
    const trs = await db.select().from(orderTransitions).where(and(
      inArray(orderTransitions.orderId, assigned.map((r) => r.id)),
      or(eq(orderTransitions.toState, 'assigned'), like(orderTransitions.reason, 'reassigned: %')),
    )).orderBy(desc(orderTransitions.at));
    for (const t of trs) {
      if (ctx.assignment.has(t.orderId)) continue;
      const byHand = t.reason !== null;
      ctx.assignment.set(t.orderId, {
        by: byHand ? 'supervisor' : 'dispatch', actorName: t.actorId, reason: t.reason?.replace(/^reassigned: /, '') ?? null, at: t.at.toISOString(),
      });
      if (t.actorId) userIds.add(t.actorId);
    }
  }
  for (const r of rows) if (r.inspectorId) userIds.add(r.inspectorId);
  for (const a of appts) { userIds.add(a.inspectorId); if (a.operatorUserId) userIds.add(a.operatorUserId); }
  if (userIds.size) {
    const us = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, [...userIds]));
    for (const u of us) ctx.names.set(u.id, u.name);
  }
  for (const a of ctx.assignment.values()) a.actorName = a.actorName ? ctx.names.get(a.actorName) ?? null : null;
  return ctx;
}

export function presentOrder(r: OrderRow, actor: Actor, ctx: PresentContext): InspectionOrder {
  const tz = ctx.timeZone.get(r.officeId) ?? 'UTC';
  const cur = ctx.current.get(r.id);
  const base: InspectionOrder = {
    id: r.id, orderNo: r.orderNo, declarationId: r.declarationId, declarationNo: ctx.declarationNo.get(r.declarationId) ?? '',
    enterpriseId: r.enterpriseId, enterpriseName: ctx.orgName.get(r.enterpriseId) ?? '', officeId: r.officeId,
    state: r.state as InspectionOrder['state'], mode: r.mode ?? null, goodsCategory: r.goodsCategory, hs6: r.hs6,
    inspectOnArrival: r.inspectOnArrival, goodsArrivedAt: r.goodsArrivedAt?.toISOString() ?? null, dueDate: r.dueDate,
    inspectorId: r.inspectorId, inspectorName: r.inspectorId ? ctx.names.get(r.inspectorId) ?? null : null,
    assignedDate: r.assignedDate, registeredAt: r.registeredAt?.toISOString() ?? null,
    proposedSlots: (r.proposedSlots as Slot[] | null) ?? [],
    appointment: cur ? presentAppointment(cur, tz, ctx.names) : null,
    createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
    can: orderCan(actor, r),
  };
  // Who inspects is not told to the enterprise in advance (random dispatch exists so that it cannot be arranged).
  if (!isCustoms(actor) && actor.kind !== 'system') {
    return { ...base, inspectorId: null, inspectorName: null, appointment: base.appointment ? { ...base.appointment, inspectorName: null } : null };
  }
  return {
    ...base,
    selection: r.selection, channel: r.channel, hazardous: r.hazardous, priority: r.priority, dispatchRunId: r.dispatchRunId,
    unassignedReason: (r.unassignedReason as InspectionOrder['unassignedReason']) ?? null, missedCount: r.missedCount,
    assignment: r.inspectorId ? ctx.assignment.get(r.id) ?? null : null,
  };
}

export async function presentOrders(db: Db, actor: Actor, rows: OrderRow[]): Promise<InspectionOrder[]> {
  const ctx = await loadPresentContext(db, rows, actor);
  return rows.map((r) => presentOrder(r, actor, ctx));
}

