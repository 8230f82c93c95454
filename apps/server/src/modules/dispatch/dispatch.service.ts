// Dispatch: builds @rvi/dispatch's input from the database (inspectors on duty, qualifications, capacity and
// load per day, recent assignments for rotation, conflicts of interest), draws with a fresh seed, applies the
// assignments and records the run (seed, exact input, result) and an audit entry in one transaction, so
// `rvi dispatch replay RUN_ID` can recompute it later.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, lte, ne, notInArray, sql } from 'drizzle-orm';
import {
  addDays, dispatch, inspectorFailures, replayDispatch, type DispatchInput, type DispatchInspector, type DispatchOrder, type DispatchResult,
} from '@rvi/dispatch';
import { canonicalJson, sha256Hex } from '@rvi/evidence';
import type { CandidateCheck, CandidateList, DispatchRunView, InspectionOrder, ReassignBody, ReplayView } from '@rvi/contracts';
import {
  appointments, auditLog, dispatchRuns, inspectionOrders, inspectorConflicts, inspectorProfiles, inspectorRosters, orderTransitions, users,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { invalidateOrder } from '../orders/orders.effects.ts';
import { authorizeOrder, REASSIGNABLE } from '../orders/orders.policy.ts';
import { presentOrders } from '../orders/orders.presenter.ts';
import { loadOrder, officeUsers } from '../orders/orders.service.ts';
import { loadOrderSettings, officeToday } from '../orders/orders.settings.ts';
import { lockOrder, type OrderRow, toAppError, transitionOrder, updateOrder } from '../orders/orders.state.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

/** Load-weight exponent used by the server (see DispatchRules.loadWeightExponent: best load spread in the bench). */
export const LOAD_WEIGHT_EXPONENT = 4;

/** Orders in these states count against an inspector's capacity for their assigned day, and for rotation. */
const NOT_COUNTED = ['cancelled'];

type PendingOrder = Pick<OrderRow, 'id' | 'officeId' | 'enterpriseId' | 'goodsCategory' | 'inspectOnArrival' | 'goodsArrivedAt' | 'priority'> & { date: string };

/**
 * Dispatch input for orders of one office. `exclude` leaves one order out of loads and recent assignments (the
 * order being reassigned must not count against its own move).
 */
export async function buildDispatchInput(
  db: Db, officeId: string, orders: PendingOrder[], rotationDays: number,
  opts: { inspectorIds?: string[]; excludeOrderId?: string; lookaheadDays?: number } = {},
): Promise<DispatchInput> {
  const rules = { rotationDays, loadWeightExponent: LOAD_WEIGHT_EXPONENT, ...(opts.lookaheadDays !== undefined ? { lookaheadDays: opts.lookaheadDays } : {}) };
  const profileConds = [eq(inspectorProfiles.officeId, officeId), eq(inspectorProfiles.active, true), eq(users.active, true), eq(users.role, 'inspector')];
  if (opts.inspectorIds) profileConds.push(inArray(inspectorProfiles.userId, opts.inspectorIds.length ? opts.inspectorIds : ['-']));
  const profiles = await db.select({ p: inspectorProfiles }).from(inspectorProfiles)
    .innerJoin(users, eq(users.id, inspectorProfiles.userId)).where(and(...profileConds)).orderBy(asc(inspectorProfiles.userId));
  const ids = profiles.map((x) => x.p.userId);
  // Rosters and loads of every day an order may be planned on: its own day and the look-ahead days after it.
  const dates = [...new Set(orders.flatMap((o) => Array.from({ length: 1 + (opts.lookaheadDays ?? 0) }, (_, k) => addDays(o.date, k))))].sort();
  const inspectors: DispatchInspector[] = profiles.map(({ p }) => ({
    id: p.userId, officeId, qualifications: [...p.qualifications].sort(), roster: { dates: [], offDates: [] }, dailyCapacity: p.dailyCapacity,
    load: {}, recentAssignments: [], conflicts: [],
  }));
  if (!ids.length || !dates.length) return { orders: orders.map(toDispatchOrder), inspectors, rules };
  const byId = new Map(inspectors.map((x) => [x.id, x]));
  const rosters = await db.select().from(inspectorRosters).where(and(inArray(inspectorRosters.inspectorId, ids), inArray(inspectorRosters.date, dates)))
    .orderBy(asc(inspectorRosters.inspectorId), asc(inspectorRosters.date));
  for (const r of rosters) {
    const x = byId.get(r.inspectorId)!;
    (r.onDuty ? x.roster.dates! : x.roster.offDates!).push(r.date);
  }
  const excluded = opts.excludeOrderId ? [ne(inspectionOrders.id, opts.excludeOrderId)] : [];
  const loads = await db.select({ inspectorId: inspectionOrders.inspectorId, date: inspectionOrders.assignedDate, n: sql<number>`count(*)::int` })
    .from(inspectionOrders)
    .where(and(inArray(inspectionOrders.inspectorId, ids), inArray(inspectionOrders.assignedDate, dates), notInArray(inspectionOrders.state, NOT_COUNTED), ...excluded))
    .groupBy(inspectionOrders.inspectorId, inspectionOrders.assignedDate);
  for (const l of loads) byId.get(l.inspectorId!)!.load![l.date!] = Number(l.n);
  if (rotationDays > 0) {
    // The rotation window is symmetric: an assignment within rotationDays either side of any order's date matters.
    const from = addDays(dates[0], -(rotationDays - 1));
    const to = addDays(dates[dates.length - 1], rotationDays - 1);
    const enterprises = [...new Set(orders.map((o) => o.enterpriseId))];
    const recent = await db.select({ inspectorId: inspectionOrders.inspectorId, enterpriseId: inspectionOrders.enterpriseId, date: inspectionOrders.assignedDate })
      .from(inspectionOrders)
      .where(and(inArray(inspectionOrders.inspectorId, ids), inArray(inspectionOrders.enterpriseId, enterprises), gte(inspectionOrders.assignedDate, from),
        lte(inspectionOrders.assignedDate, to), notInArray(inspectionOrders.state, NOT_COUNTED), ...excluded))
      .orderBy(asc(inspectionOrders.inspectorId), asc(inspectionOrders.assignedDate), asc(inspectionOrders.enterpriseId));
    for (const r of recent) byId.get(r.inspectorId!)!.recentAssignments!.push({ enterpriseId: r.enterpriseId, date: r.date! });
  }
  const conflicts = await db.select().from(inspectorConflicts).where(inArray(inspectorConflicts.inspectorId, ids))
    .orderBy(asc(inspectorConflicts.inspectorId), asc(inspectorConflicts.enterpriseId));
  for (const c of conflicts) byId.get(c.inspectorId)!.conflicts!.push(c.enterpriseId);
  return { orders: orders.map(toDispatchOrder), inspectors, rules };
}

function toDispatchOrder(o: PendingOrder): DispatchOrder {
  return {
    id: o.id, officeId: o.officeId, enterpriseId: o.enterpriseId, category: o.goodsCategory, date: o.date,
    // Goods flagged inspect-on-arrival go first once they have arrived (arrival notice confirmed).
    inspectOnArrival: o.inspectOnArrival && o.goodsArrivedAt !== null,
    priority: o.priority,
  };
}

/** SHA-256 of the canonical JSON (key order and JSONB round trips do not change it). */
export const hashOf = (value: unknown) => sha256Hex(canonicalJson(value));

function presentRun(r: typeof dispatchRuns.$inferSelect, withInput: boolean): DispatchRunView {
  return {
    id: r.id, officeId: r.officeId, algorithm: r.algorithm, seed: r.seed, runDate: r.runDate, inputHash: r.inputHash, summary: r.summary,
    createdAt: r.createdAt.toISOString(), actorId: r.actorId, result: r.result, ...(withInput ? { input: r.input } : {}),
  };
}

/**
 * Dispatches every unassigned order (state `selected`) of the office for `date` (default today, office time; an order
 * due later keeps its due date). Assigned orders move to `assigned`; the others keep the reason visible. One
 * transaction: assignments, the run record and the audit entry (seed, input hash, summary) commit together.
 */
export async function runDispatch(db: Db, actor: Actor, opts: { date?: string; officeId?: string } = {}): Promise<DispatchRunView> {
  requireRole(actor, 'order.dispatch');
  const officeId = actor.kind === 'system' ? opts.officeId : actor.officeId;
  if (!officeId || (actor.kind !== 'system' && !isCustoms(actor))) throw notFound('Office');
  const settings = await loadOrderSettings(db, officeId);
  const runDate = opts.date ?? officeToday(settings.timeZone);
  const run = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    // One dispatch per office at a time: two concurrent runs would each see the same unassigned orders.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'dispatch:' + officeId}))`);
    const pending = await tx.select().from(inspectionOrders)
      .where(and(eq(inspectionOrders.officeId, officeId), eq(inspectionOrders.state, 'selected'))).orderBy(asc(inspectionOrders.id)).for('update');
    const orders = pending.map((o) => ({ ...o, date: o.dueDate > runDate ? o.dueDate : runDate }));
    const input = await buildDispatchInput(tx, officeId, orders, settings.rotationDays, { lookaheadDays: settings.lookaheadDays ?? 0 });
    const seed = randomUUID();
    let result: DispatchResult;
    try {
      result = dispatch(input, seed);
    } catch (e) {
      throw toAppError(e);
    }
    const id = randomUUID();
    const inputHash = hashOf(input);
    await tx.insert(dispatchRuns).values({
      id, officeId, algorithm: result.algorithm, seed, runDate, input, inputHash, result, summary: result.summary, actorId: actor.userId,
    });
    const byId = new Map(pending.map((o) => [o.id, o]));
    const perInspector = new Map<string, OrderRow[]>();
    for (const d of result.orders) {
      const order = byId.get(d.orderId)!;
      if (d.status === 'assigned') {
        const updated = await transitionOrder(uow, order, 'assigned', {
          patch: { inspectorId: d.inspectorId, assignedDate: d.date, dispatchRunId: id, unassignedReason: null },
          summary: { runId: id, inspectorId: d.inspectorId, date: d.date, candidates: d.explanation.candidates }, });
        const list = perInspector.get(d.inspectorId) ?? [];
        list.push(updated);
        perInspector.set(d.inspectorId, list);
      } else {
        await updateOrder(tx, d.orderId, {
          dispatchRunId: id,
          unassignedReason: {
            runId: id, reason: d.reason, message: d.message, blockingRules: d.blockingRules, date: d.date,
            eliminated: d.explanation.eliminated, officeInspectors: d.explanation.officeInspectors,
            triedDays: (d.explanation.triedDays ?? []).length,
          },
        });
        invalidateOrder(uow, order);
      }
    }
    // The hashes pin the recorded input and result into the hash-chained audit log: a later edit of the run row
    // (even one that keeps input and result consistent) shows up on replay.
    await recordAudit(tx, actor, 'dispatch.run', { type: 'dispatch_run', id }, {
      officeId, seed, algorithm: result.algorithm, runDate, inputHash, resultHash: hashOf(result), summary: result.summary,
    });
    for (const [inspectorId, list] of perInspector) {
      await uow.notify([inspectorId], 'order.assigned', { count: list.length, orderId: list[0].id, orderNo: list[0].orderNo, runId: id });
    }
    if (result.summary.unassigned > 0) {
      await uow.notify(await officeUsers(tx, officeId, 'supervisor'), 'dispatch.unassigned', { count: result.summary.unassigned, runId: id });
    }
    uow.invalidate([`office:${officeId}`], [['orders'], ['dispatch']]);
    const [row] = await tx.select().from(dispatchRuns).where(eq(dispatchRuns.id, id));
    return row;
  });
  return presentRun(run, false);
}

async function loadRun(db: Db, actor: Actor, id: string) {
  const [row] = await db.select().from(dispatchRuns).where(eq(dispatchRuns.id, id)).limit(1);
  if (!row || (actor.kind !== 'system' && (!isCustoms(actor) || actor.officeId !== row.officeId))) throw notFound('Dispatch run', id);
  return row;
}

/** One run with its result (and its recorded input on request). Customs staff of the office only. */
export async function getRun(db: Db, actor: Actor, id: string, withInput = false): Promise<DispatchRunView> {
  requireRole(actor, 'order.read');
  return presentRun(await loadRun(db, actor, id), withInput);
}

export async function listRuns(db: Db, actor: Actor): Promise<{ items: DispatchRunView[] }> {
  requireRole(actor, 'order.plan');
  const rows = await db.select().from(dispatchRuns).where(eq(dispatchRuns.officeId, actor.officeId ?? '-')).orderBy(desc(dispatchRuns.createdAt)).limit(20);
  return { items: rows.map((r) => ({ ...presentRun(r, false), result: undefined })) };
}

/**
 * Recomputes a recorded run from its recorded input and seed and lists every difference from the recorded result;
 * also checks the recorded input and result against the hashes in the run's (hash-chained) audit entry.
 */
export async function replayRun(db: Db, actor: Actor, id: string): Promise<ReplayView> {
  requireRole(actor, 'order.read');
  const row = await loadRun(db, actor, id);
  const outcome = replayDispatch(row.input, row.seed, row.result);
  const [entry] = await db.select({ summary: auditLog.summary }).from(auditLog)
    .where(and(eq(auditLog.action, 'dispatch.run'), eq(auditLog.targetType, 'dispatch_run'), eq(auditLog.targetId, id))).limit(1);
  const audited = (entry?.summary ?? null) as { seed?: string; inputHash?: string; resultHash?: string } | null;
  const differences = outcome.differences.map((d) => ({ path: d.path, recorded: d.recorded ?? null, replayed: d.replayed ?? null }));
  const inputHash = hashOf(row.input);
  const inputHashMatches = inputHash === row.inputHash && audited?.inputHash === inputHash;
  const auditMatches = !!audited && audited.seed === row.seed && audited.inputHash === inputHash && audited.resultHash === hashOf(row.result);
  if (!audited) differences.unshift({ path: '(audit entry)', recorded: null, replayed: 'missing' });
  else {
    if (audited.seed !== row.seed) differences.unshift({ path: '(audit) seed', recorded: audited.seed ?? null, replayed: row.seed });
    if (audited.resultHash !== hashOf(row.result)) differences.unshift({ path: '(audit) result hash', recorded: audited.resultHash ?? null, replayed: hashOf(row.result) });
    if (audited.inputHash !== inputHash) differences.unshift({ path: '(audit) input hash', recorded: audited.inputHash ?? null, replayed: inputHash });
  }
  return {
    runId: id, same: outcome.same && inputHashMatches && auditMatches, differences, inputHashMatches, auditMatches,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

/** Rules a supervisor may override with a reason; a conflict of interest never. */
export const OVERRIDABLE_RULES: readonly string[] = ['unqualified', 'off_duty', 'rotation', 'at_capacity'];

/** The office-local day a hand assignment counts on: the one asked for, else the order's current or due day (never before today). */
function assignmentDate(order: OrderRow, today: string, asked?: string): string {
  if (asked) return asked;
  if (order.assignedDate && order.assignedDate >= today) return order.assignedDate;
  return order.dueDate > today ? order.dueDate : today;
}

/**
 * What the rules say about each active inspector of the order's office for `date` (every rule failed, not only the
 * first), their load that day and capacity: the assign dialog shows it, and assignByHand enforces the same check.
 */
export async function checkCandidates(db: Db, order: OrderRow, date: string, rotationDays: number, inspectorIds?: string[]): Promise<CandidateCheck[]> {
  const input = await buildDispatchInput(db, order.officeId, [{ ...order, date }], rotationDays, { excludeOrderId: order.id, ...(inspectorIds ? { inspectorIds } : {}) });
  if (!input.inspectors.length) return [];
  const names = new Map((await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, input.inspectors.map((i) => i.id)))).map((u) => [u.id, u.name]));
  const [dOrder] = input.orders;
  return input.inspectors.map((x) => {
    const failedRules = inspectorFailures(x, dOrder, input.rules);
    return {
      inspectorId: x.id, name: names.get(x.id) ?? x.id, date, allowed: failedRules.length === 0, failedRules,
      load: x.load?.[date] ?? 0, dailyCapacity: x.dailyCapacity, onDuty: !failedRules.includes('off_duty'),
    };
  }).sort((a, b) => Number(b.allowed) - Number(a.allowed) || a.load - b.load || a.name.localeCompare(b.name));
}

/** Supervisor: every inspector of the office checked against the rules for one order and day (for the assign dialog). */
export async function listCandidates(db: Db, actor: Actor, id: string, q: { date?: string }): Promise<CandidateList> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.reassign', row, id);
  const settings = await loadOrderSettings(db, row.officeId);
  const date = assignmentDate(row, officeToday(settings.timeZone), q.date);
  return { orderId: id, date, items: await checkCandidates(db, row, date, settings.rotationDays) };
}

/**
 * Supervisor assigns an order by hand (an order dispatch left unassigned: state `selected`) or moves it to another
 * inspector (`reassign`), with a reason, for the order's day or a later one. The inspector is checked with every
 * dispatch rule for that day: a conflict of interest is always refused; any other failed rule (off duty, not
 * qualified, rotation, at capacity) is refused with 409 naming it unless `override` is set, and then the overridden
 * rules are audited with the reason. A booked appointment moves with the order only if the new inspector is free then.
 */
export async function assignByHand(db: Db, actor: Actor, id: string, body: ReassignBody, kind: 'assign' | 'reassign'): Promise<InspectionOrder> {
  const row = await loadOrder(db, id);
  authorizeOrder(actor, 'order.reassign', row, id);
  const updated = await inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, id))!;
    if (kind === 'assign' && order.state !== 'selected') {
      throw conflict('invalid_state', `Order ${order.orderNo} is ${order.state}: only an order waiting for an inspector can be assigned (reassign it instead)`);
    }
    if (kind === 'reassign' && (!order.inspectorId || !REASSIGNABLE.includes(order.state))) {
      throw conflict('invalid_state', `Order ${order.orderNo} cannot be reassigned while it is ${order.state} (possible when ${REASSIGNABLE.join(', ')})`);
    }
    if (order.inspectorId === body.inspectorId) throw badRequest('same_inspector', 'The order is already assigned to this inspector');
    const settings = await loadOrderSettings(tx, order.officeId);
    const today = officeToday(settings.timeZone);
    if (body.date && body.date < today) throw badRequest('date_in_past', `The day ${body.date} is in the past (today is ${today} in the office)`, { field: 'date' });
    const date = assignmentDate(order, today, body.date);
    const [check] = await checkCandidates(tx, order, date, settings.rotationDays, [body.inspectorId]);
    if (!check) throw badRequest('reassign_not_allowed', 'This user is not an active inspector of this office', { field: 'inspectorId' });
    if (check.failedRules.includes('conflict_of_interest')) {
      throw conflict('conflict_of_interest', `${check.name} has a declared conflict of interest with this enterprise and can never be assigned its orders`, {
        failedRules: check.failedRules, date,
      });
    }
    if (check.failedRules.length && !body.override) {
      throw conflict('reassign_not_allowed', `${check.name} cannot take this order on ${date}: ${check.failedRules.join(', ').replaceAll('_', ' ')}. Assign anyway (override) with your reason, or choose another inspector or day.`, {
        failedRules: check.failedRules, date,
      });
    }
    const overridden = check.failedRules;
    const [appt] = await tx.select().from(appointments).where(and(eq(appointments.orderId, id), eq(appointments.status, 'accepted'))).limit(1);
    if (appt) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'appointment:' + body.inspectorId}))`);
      const [clash] = await tx.select({ id: appointments.id }).from(appointments).where(and(
        eq(appointments.inspectorId, body.inspectorId), eq(appointments.status, 'accepted'),
        sql`${appointments.startAt} < ${appt.endAt.toISOString()}::timestamptz`, sql`${appointments.endAt} > ${appt.startAt.toISOString()}::timestamptz`,
      )).limit(1);
      if (clash) throw conflict('slot_unavailable', 'The new inspector already has an appointment at the time of this order\'s appointment');
      await tx.update(appointments).set({ inspectorId: body.inspectorId }).where(eq(appointments.id, appt.id));
    }
    const facts = { inspectorId: body.inspectorId, date, by: 'supervisor', overridden, reason: body.reason };
    let out: OrderRow;
    if (kind === 'assign') {
      out = await transitionOrder(uow, order, 'assigned', {
        reason: body.reason,
        patch: { inspectorId: body.inspectorId, assignedDate: date, unassignedReason: null },
        summary: { ...facts, manual: true, previousUnassignedReason: order.unassignedReason ?? null }, });
    } else {
      out = (await updateOrder(tx, id, { inspectorId: body.inspectorId, assignedDate: date }))!;
      // Kept in the order's history (what auditors and the order page show), besides the audit entry.
      await tx.insert(orderTransitions).values({
        id: randomUUID(), orderId: id, fromState: order.state, toState: order.state, actorId: actor.userId, actorRole: actor.role,
        reason: `reassigned: ${body.reason}`, at: sql`clock_timestamp()`,
      });
      await recordAudit(tx, actor, 'order.reassigned', { type: 'inspection_order', id }, {
        orderNo: order.orderNo, from: order.inspectorId, to: body.inspectorId, reason: body.reason, date, state: order.state, overridden,
      });
    }
    const payload = { orderId: id, orderNo: order.orderNo };
    await uow.notify([body.inspectorId], 'order.assigned', { ...payload, count: 1 });
    if (order.inspectorId) await uow.notify([order.inspectorId], 'order.reassigned_away', payload);
    invalidateOrder(uow, out, [order.inspectorId]);
    return out;
  });
  return (await presentOrders(db, actor, [updated]))[0];
}

/** Supervisor moves an order to another inspector, with a reason (see assignByHand). */
export function reassignOrder(db: Db, actor: Actor, id: string, body: ReassignBody): Promise<InspectionOrder> {
  return assignByHand(db, actor, id, body, 'reassign');
}

/** Supervisor assigns an order dispatch left unassigned, with a reason (see assignByHand). */
export function assignOrder(db: Db, actor: Actor, id: string, body: ReassignBody): Promise<InspectionOrder> {
  return assignByHand(db, actor, id, body, 'assign');
}
