// Inspection orders: created when targeting selects goods (or a supervisor does, or accepts an enterprise's
// application), cancelled with a reason, and moved to the front of the queue when goods flagged "inspect on arrival"
// arrive. Lists and the plan: orders.list.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import type {
  AcceptApplicationBody, CreateOrderBody, InspectionOrder, OrderDetail, SelectionKind,
} from '@rvi/contracts';
import {
  appointments, arrivalConfirmations, arrivalNotices, declarations, eligibilityDecisions, inspectionApplications,
  inspectionOrders, orderTransitions, organisations, riskScores, users,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { authorize, canSee, isCustoms, isEnterprise, requireRole, roleAllows } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { invalidateOrder } from './orders.effects.ts';
import { goodsCategoryOf, isHazardousHs } from './goods.ts';
import { authorizeOrder } from './orders.policy.ts';
import { loadPresentContext, presentAppointment, presentOrder, presentOrders } from './orders.presenter.ts';
import { loadOrderSettings, officeDateOf, officeToday } from './orders.settings.ts';
import { lockOrder, transitionOrder, type OrderRow } from './orders.state.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

const LIVE_EXCLUDED = ['cancelled', 'closed'];

function newOrderNo(today: string): string {
  return `IO-${today.replaceAll('-', '')}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

/** Customs users of an office holding a role (e.g. supervisors to notify). */
export async function officeUsers(db: Db, officeId: string, role: string): Promise<string[]> {
  const rows = await db.select({ id: users.id }).from(users).where(and(eq(users.orgId, officeId), eq(users.role, role), eq(users.active, true)));
  return rows.map((r) => r.id);
}

/** Enterprise users (not operators) of an organisation: they receive the enterprise's notifications. */
export async function enterpriseUsers(db: Db, orgId: string): Promise<string[]> {
  const rows = await db.select({ id: users.id }).from(users).where(and(eq(users.orgId, orgId), eq(users.role, 'enterprise_user'), eq(users.active, true)));
  return rows.map((r) => r.id);
}

export interface CreateInspectionOrderInput {
  declarationId: string;
  selection: SelectionKind;
  /** Seed / run of the targeting draw that selected the goods (kept in the audit entry for traceability). */
  seed?: string;
  selectionRunId?: string;
  inspectOnArrival?: boolean;
  priority?: number;
  dueDate?: string;
  hazardous?: boolean;
  /** Channel at selection when the caller knows it; else taken from risk_scores, else yellow (selected goods are checked). */
  channel?: 'green' | 'yellow' | 'red';
  applicationId?: string;
  reason?: string;
}

/**
 * Creates the inspection order for a selected declaration (state `selected`, waiting for dispatch). Called by
 * targeting when it selects declarations (actor: the system or the supervisor who ran the selection), by the manual
 * route, and when a supervisor accepts an enterprise's application. One live order per declaration: a second one is
 * refused with 409 `order_exists`. Its pages refresh through the outbox after commit.
 */
export async function createInspectionOrder(db: Db, actor: Actor, input: CreateInspectionOrderInput): Promise<OrderRow> {
  if (!roleAllows(actor, 'order.plan') && !roleAllows(actor, 'risk.select')) throw forbidden(`Your role (${actor.role}) may not create inspection orders`);
  const [decl] = await db.select().from(declarations).where(eq(declarations.id, input.declarationId)).limit(1);
  if (!decl || !canSee(actor, decl)) throw notFound('Declaration', input.declarationId);
  const settings = await loadOrderSettings(db, decl.customsOfficeId);
  const today = officeToday(settings.timeZone);
  return inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const [existing] = await tx.select({ id: inspectionOrders.id, orderNo: inspectionOrders.orderNo }).from(inspectionOrders)
      .where(and(eq(inspectionOrders.declarationId, decl.id), notInArray(inspectionOrders.state, LIVE_EXCLUDED))).limit(1);
    if (existing) throw conflict('order_exists', `Declaration ${decl.declarationNo} already has inspection order ${existing.orderNo}`, { orderId: existing.id });
    const [score] = await tx.select({ channel: riskScores.channel }).from(riskScores).where(eq(riskScores.declarationId, decl.id)).limit(1);
    const notices = await tx.select().from(arrivalNotices).where(eq(arrivalNotices.declarationId, decl.id)).orderBy(desc(arrivalNotices.createdAt));
    const [confirmed] = notices.length
      ? await tx.select().from(arrivalConfirmations).where(inArray(arrivalConfirmations.arrivalNoticeId, notices.map((n) => n.id))).limit(1)
      : [];
    let dueDate = input.dueDate ?? (notices[0] ? officeDateOf(settings.timeZone, notices[0].expectedArrivalAt) : today);
    if (dueDate < today) dueDate = today;
    const channel = input.channel ?? score?.channel ?? 'yellow';
    const row: typeof inspectionOrders.$inferInsert = {
      id: randomUUID(), orderNo: newOrderNo(today), declarationId: decl.id, officeId: decl.customsOfficeId, enterpriseId: decl.orgId,
      state: 'selected', mode: null, goodsCategory: goodsCategoryOf(decl.hs6), hs6: decl.hs6,
      hazardous: input.hazardous ?? isHazardousHs(decl.hs6), channel, selection: input.selection,
      inspectOnArrival: input.inspectOnArrival ?? false, goodsArrivedAt: confirmed ? confirmed.confirmedAt : null,
      priority: input.priority ?? (channel === 'red' ? 10 : 0), dueDate, applicationId: input.applicationId ?? null, createdBy: actor.userId,
    };
    let created: OrderRow;
    try {
      [created] = await tx.insert(inspectionOrders).values(row).returning();
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('order_exists', `Declaration ${decl.declarationNo} already has a live inspection order`);
      throw e;
    }
    await tx.insert(orderTransitions).values({ id: randomUUID(), orderId: created.id, fromState: null, toState: 'selected', actorId: actor.userId, actorRole: actor.role, reason: input.reason ?? null });
    if (decl.status === 'filed' || decl.status === 'inspection_requested') {
      await tx.update(declarations).set({ status: 'selected' }).where(eq(declarations.id, decl.id));
    }
    await recordAudit(tx, actor, 'order.created', { type: 'inspection_order', id: created.id }, {
      orderNo: created.orderNo, declarationId: decl.id, declarationNo: decl.declarationNo, selection: input.selection,
      selectionRunId: input.selectionRunId ?? null, seed: input.seed ?? null, channel, goodsCategory: created.goodsCategory,
      dueDate, inspectOnArrival: created.inspectOnArrival, reason: input.reason ?? null,
    });
    invalidateOrder(uow, created);
    uow.invalidate([`org:${decl.orgId}`, `office:${decl.customsOfficeId}`], [['declarations']]);
    return created;
  });
}

/**
 * Orders for a targeting selection run (what the `risk.selected` event carries): one per selected declaration, with
 * the selection kind (risk or random) and the run for traceability. A declaration that already has a live order is
 * skipped, so handling the same event twice is harmless.
 */
export async function createOrdersForSelection(
  db: Db, actor: Actor, sel: { runId: string; seed?: string; selected: { declarationId: string; reason: 'risk' | 'random' }[] },
): Promise<{ created: string[]; skipped: { declarationId: string; reason: string }[] }> {
  const created: string[] = [];
  const skipped: { declarationId: string; reason: string }[] = [];
  for (const s of sel.selected) {
    try {
      const row = await createInspectionOrder(db, actor, { declarationId: s.declarationId, selection: s.reason, selectionRunId: sel.runId, seed: sel.seed });
      created.push(row.id);
    } catch (e) {
      if (e instanceof AppError && (e.code === 'order_exists' || e.code === 'not_found')) skipped.push({ declarationId: s.declarationId, reason: e.code });
      else throw e;
    }
  }
  return { created, skipped };
}

/** Supervisor: inspection order for a declaration picked by hand (selection `manual`). */
export async function createManualOrder(db: Db, actor: Actor, body: CreateOrderBody): Promise<InspectionOrder> {
  requireRole(actor, 'order.plan');
  const row = await createInspectionOrder(db, actor, { ...body, selection: 'manual' });
  return (await presentOrders(db, actor, [row]))[0];
}

/** Supervisor accepts an enterprise's inspection application: it becomes an order (selection `application`). */
export async function acceptApplication(db: Db, actor: Actor, applicationId: string, body: AcceptApplicationBody): Promise<InspectionOrder> {
  requireRole(actor, 'order.plan');
  const [app] = await db.select({ a: inspectionApplications, d: declarations }).from(inspectionApplications)
    .innerJoin(declarations, eq(declarations.id, inspectionApplications.declarationId))
    .where(eq(inspectionApplications.id, applicationId)).limit(1);
  authorize(actor, 'order.plan', app ? app.d : null, 'Inspection application', applicationId);
  if (app!.a.status !== 'submitted') {
    throw conflict('application_not_pending', `Application ${applicationId} was already handled (it is ${app!.a.status})`);
  }
  const row = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const created = await createInspectionOrder(tx, actor, {
      declarationId: app!.d.id, selection: 'application', applicationId, inspectOnArrival: body.inspectOnArrival, dueDate: body.dueDate,
      reason: `application (${app!.a.preferredMode} preferred)`,
    });
    await tx.update(inspectionApplications).set({ status: 'accepted' }).where(eq(inspectionApplications.id, applicationId));
    await recordAudit(tx, actor, 'inspection_application.accepted', { type: 'inspection_application', id: applicationId }, { orderId: created.id, orderNo: created.orderNo });
    return created;
  });
  return (await presentOrders(db, actor, [row]))[0];
}

export async function listPendingApplications(db: Db, actor: Actor) {
  requireRole(actor, 'order.plan');
  const rows = await db.select({ a: inspectionApplications, no: declarations.declarationNo, org: organisations.name }).from(inspectionApplications)
    .innerJoin(declarations, eq(declarations.id, inspectionApplications.declarationId))
    .innerJoin(organisations, eq(organisations.id, declarations.orgId))
    .where(and(eq(declarations.customsOfficeId, actor.officeId ?? '-'), eq(inspectionApplications.status, 'submitted')))
    .orderBy(asc(inspectionApplications.createdAt)).limit(200);
  return {
    items: rows.map((r) => ({
      id: r.a.id, declarationId: r.a.declarationId, declarationNo: r.no, enterpriseName: r.org, preferredMode: r.a.preferredMode,
      note: r.a.note, createdAt: r.a.createdAt.toISOString(),
    })),
  };
}

export async function loadOrder(db: Db, id: string): Promise<OrderRow | null> {
  const [row] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, id)).limit(1);
  return row ?? null;
}

/** One order with its declaration, arrival notices and appointments; for customs also history, risk and the eligibility decision. */
export async function getOrder(db: Db, actor: Actor, id: string): Promise<OrderDetail> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.read', row, id);
  const ctx = await loadPresentContext(db, [row], actor);
  const base = presentOrder(row, actor, ctx);
  const [decl] = await db.select().from(declarations).where(eq(declarations.id, row.declarationId)).limit(1);
  const notices = await db.select({ n: arrivalNotices, c: arrivalConfirmations.confirmedAt }).from(arrivalNotices)
    .leftJoin(arrivalConfirmations, eq(arrivalConfirmations.arrivalNoticeId, arrivalNotices.id))
    .where(eq(arrivalNotices.declarationId, row.declarationId)).orderBy(asc(arrivalNotices.createdAt));
  const tz = ctx.timeZone.get(row.officeId) ?? 'UTC';
  const detail: OrderDetail = {
    ...base,
    declaration: {
      date: decl.date, hs6: decl.hs6, countryOfOrigin: decl.countryOfOrigin, goodsDescription: decl.goodsDescription,
      netMassKg: decl.netMassKg, itemPrice: decl.itemPrice,
    },
    arrivalNotices: notices.map(({ n, c }) => ({
      id: n.id, expectedArrivalAt: n.expectedArrivalAt.toISOString(), location: n.location, containerCount: n.containerNumbers.length,
      containerNumbers: n.containerNumbers, goodsSummary: n.goodsSummary, status: n.status, confirmedAt: c?.toISOString() ?? null,
    })),
    appointments: (ctx.all.get(row.id) ?? []).map((a) => presentAppointment(a, tz, ctx.names)),
    application: null,
  };
  if (row.applicationId) {
    // The enterprise's own words when it applied (preferred mode, note) reach the inspector's order page.
    const [app] = await db.select().from(inspectionApplications).where(eq(inspectionApplications.id, row.applicationId)).limit(1);
    if (app) detail.application = { preferredMode: app.preferredMode as 'remote' | 'onsite', note: app.note, createdAt: app.createdAt.toISOString() };
  }
  if (!isCustoms(actor) && actor.kind !== 'system') return { ...detail, appointments: detail.appointments.map((a) => ({ ...a, inspectorName: null })) };
  const transitions = await db.select({ t: orderTransitions, name: users.displayName }).from(orderTransitions)
    .leftJoin(users, eq(users.id, orderTransitions.actorId)).where(eq(orderTransitions.orderId, id)).orderBy(asc(orderTransitions.at));
  const [risk] = await db.select().from(riskScores).where(eq(riskScores.declarationId, row.declarationId)).limit(1);
  const [decision] = await db.select().from(eligibilityDecisions).where(eq(eligibilityDecisions.orderId, id)).orderBy(desc(eligibilityDecisions.decidedAt)).limit(1);
  return {
    ...detail,
    transitions: transitions.map(({ t, name }) => ({ from: t.fromState, to: t.toState, actorRole: t.actorRole, actorName: name ?? null, reason: t.reason, at: t.at.toISOString() })),
    risk: risk ? { score: risk.score, channel: risk.channel, modelId: risk.modelId, explanation: risk.explanation ?? null, scoredAt: risk.scoredAt.toISOString() } : null,
    eligibilityDecision: decision ? {
      recommendation: decision.recommendation, decidedMode: decision.decidedMode, overridden: decision.overridden, reason: decision.reason,
      ruleSetVersion: decision.ruleSetVersion, fired: decision.fired as unknown[], decidedAt: decision.decidedAt.toISOString(),
    } : null,
  };
}

/** Supervisor cancels an order before the inspection starts (reason required, audited; appointments released). */
export async function cancelOrder(db: Db, actor: Actor, id: string, reason: string): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.plan', row, id);
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const locked = (await lockOrder(tx, id))!;
    const out = await transitionOrder(uow, locked, 'cancelled', { reason });
    await tx.update(appointments).set({ status: 'cancelled' }).where(and(eq(appointments.orderId, id), inArray(appointments.status, ['accepted', 'proposed'])));
    const payload = { orderId: id, orderNo: locked.orderNo };
    await uow.notify([locked.inspectorId], 'order.cancelled', payload);
    if (locked.registeredAt) await uow.notify(await enterpriseUsers(tx, locked.enterpriseId), 'order.cancelled', payload);
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/** Inspector starts the inspection at the agreed time (remote session or on-site visit). */
export async function startInspection(db: Db, actor: Actor, id: string): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.schedule', row, id, 'start');
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const locked = (await lockOrder(tx, id))!;
    return transitionOrder(uow, locked, 'in_progress', {});
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/**
 * Customs (or the enterprise itself) confirms that the goods of an arrival notice have arrived. Live orders of the
 * declaration record the arrival; those flagged inspect-on-arrival jump to the front of the queue (dispatch takes
 * them first, lists show them first) and their inspector is told.
 */
export async function confirmArrival(db: Db, actor: Actor, arrivalNoticeId: string): Promise<{ confirmedAt: string; orders: InspectionOrder[] }> {
  const [n] = await db.select({ n: arrivalNotices, d: declarations }).from(arrivalNotices)
    .innerJoin(declarations, eq(declarations.id, arrivalNotices.declarationId)).where(eq(arrivalNotices.id, arrivalNoticeId)).limit(1);
  if (!n || !canSee(actor, n.d)) throw notFound('Arrival notice', arrivalNoticeId);
  const allowed = isEnterprise(actor) ? roleAllows(actor, 'arrival_notice.create') : (roleAllows(actor, 'order.plan') || roleAllows(actor, 'order.schedule'));
  if (!allowed) throw forbidden(`Your role (${actor.role}) may not confirm arrivals`);
  const result = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const [ins] = await tx.insert(arrivalConfirmations).values({ arrivalNoticeId, declarationId: n.d.id, confirmedBy: actor.userId }).onConflictDoNothing().returning();
    if (!ins) {
      const [prev] = await tx.select().from(arrivalConfirmations).where(eq(arrivalConfirmations.arrivalNoticeId, arrivalNoticeId));
      return { confirmedAt: prev.confirmedAt, rows: [] as OrderRow[] };
    }
    await tx.update(arrivalNotices).set({ status: 'arrived' }).where(eq(arrivalNotices.id, arrivalNoticeId));
    const rows = await tx.update(inspectionOrders).set({ goodsArrivedAt: ins.confirmedAt, updatedAt: new Date() })
      .where(and(eq(inspectionOrders.declarationId, n.d.id), notInArray(inspectionOrders.state, LIVE_EXCLUDED), isNull(inspectionOrders.goodsArrivedAt)))
      .returning();
    await recordAudit(tx, actor, 'arrival_notice.confirmed', { type: 'arrival_notice', id: arrivalNoticeId }, {
      declarationId: n.d.id, orders: rows.map((r) => ({ id: r.id, orderNo: r.orderNo, inspectOnArrival: r.inspectOnArrival })),
    });
    for (const r of rows) {
      invalidateOrder(uow, r);
      if (!r.inspectOnArrival) continue;
      const payload = { orderId: r.id, orderNo: r.orderNo, declarationNo: n.d.declarationNo };
      if (r.inspectorId) await uow.notify([r.inspectorId], 'order.goods_arrived', payload);
      else await uow.notify(await officeUsers(tx, r.officeId, 'supervisor'), 'order.goods_arrived', payload);
    }
    uow.invalidate([`org:${n.d.orgId}`, `office:${n.d.customsOfficeId}`], [['declarations']]);
    return { confirmedAt: ins.confirmedAt, rows };
  });
  return { confirmedAt: result.confirmedAt.toISOString(), orders: await presentOrders(db, actor, result.rows) };
}

/** Users of the actor's enterprise who can be named as on-site operator. */
export async function listOperators(db: Db, actor: Actor) {
  requireRole(actor, 'order.read');
  if (!isEnterprise(actor)) throw forbidden('Only enterprise users name their on-site operators');
  const rows = await db.select({ id: users.id, name: users.displayName, role: users.role }).from(users)
    .where(and(eq(users.orgId, actor.orgId!), eq(users.active, true), inArray(users.role, ['onsite_operator', 'enterprise_user'])))
    .orderBy(desc(eq(users.role, 'onsite_operator')), asc(users.displayName));
  return { items: rows };
}
