// Order lists as users work them: the inspector's inbox, the enterprise's inspections and the supervisor's plan.
// Filtering, text search, sorting and paging happen in the database (one page of rows is presented, the total
// counted), always inside the actor's scope: an enterprise sees its own orders, customs staff their office's.
import { and, asc, desc, eq, gte, ilike, inArray, lte, ne, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { OrderList, OrderListQuery, OrderSortField, Plan, PlanQuery } from '@rvi/contracts';
import {
  appointments, arrivalNotices, declarations, dispatchRuns, inspectionOrders, inspectorProfiles, inspectorRosters, organisations, users,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { isCustoms, isEnterprise, requireRole } from '../../platform/policy.ts';
import { presentOrders } from './orders.presenter.ts';
import { addDaysTo, loadOrderSettings, officeToday } from './orders.settings.ts';

const O = inspectionOrders;
const CLOSED_STATES = ['cancelled', 'closed'];

function scopeOrders(actor: Actor): SQL {
  if (actor.kind === 'system') return sql`true`;
  if (isEnterprise(actor)) return eq(O.enterpriseId, actor.orgId!);
  if (isCustoms(actor)) return eq(O.officeId, actor.officeId!);
  return sql`false`;
}

/** Queue order: goods that arrived for inspect-on-arrival first, then priority, due date, age. */
export const QUEUE_ORDER = [
  sql`(${O.inspectOnArrival} and ${O.goodsArrivedAt} is not null) desc`, desc(O.priority), asc(O.dueDate), asc(O.createdAt), asc(O.id),
];

/** The start of the order's agreed appointment (null when there is none). */
const appointmentStart = sql`(select min(${appointments.startAt}) from ${appointments} where ${appointments.orderId} = ${O.id} and ${appointments.status} = 'accepted')`;

const SORT_COLUMNS: Record<Exclude<OrderSortField, 'queue'>, SQL> = {
  orderNo: sql`${O.orderNo}`,
  declarationNo: sql`${declarations.declarationNo}`,
  enterprise: sql`${organisations.name}`,
  state: sql`${O.state}`,
  mode: sql`${O.mode}`,
  date: sql`coalesce(${O.assignedDate}, ${O.dueDate})`,
  inspector: sql`${users.displayName}`,
  appointment: appointmentStart,
  createdAt: sql`${O.createdAt}`,
};

/** Sort fields an enterprise may not use: the queue follows the risk channel, the inspector is not theirs to know. */
const CUSTOMS_ONLY_SORTS: OrderSortField[] = ['queue', 'inspector'];

function invalidQuery(field: string, message: string): AppError {
  return new AppError('validation', 400, `querystring.${field} ${message}`, [{ field: `querystring.${field}`, message }]);
}

function orderBy(actor: Actor, sort: OrderSortField | undefined, order: 'asc' | 'desc' | undefined): SQL[] {
  const customs = !isEnterprise(actor);
  if (!customs && sort && CUSTOMS_ONLY_SORTS.includes(sort)) throw invalidQuery('sort', 'is for customs staff only');
  const field = sort ?? (customs ? 'queue' : 'createdAt');
  if (field === 'queue') return QUEUE_ORDER;
  const dir = (order ?? (field === 'createdAt' ? 'desc' : 'asc')) === 'asc' ? sql`asc` : sql`desc`;
  return [sql`${SORT_COLUMNS[field]} ${dir} nulls last`, sql`${O.id} ${dir}`];
}

/** Text search: order number (anywhere), declaration or container number (from the start), enterprise name (anywhere). */
function searchCondition(raw: string): SQL | null {
  const term = raw.trim();
  if (!term) return null;
  const esc = term.replace(/[%_\\]/g, (c) => '\\' + c);
  const upper = esc.toUpperCase();
  return or(
    ilike(O.orderNo, `%${esc}%`),
    ilike(declarations.declarationNo, `${esc}%`),
    ilike(organisations.name, `%${esc}%`),
    sql`exists (select 1 from jsonb_array_elements(${declarations.containers}) c where c->>'number' like ${`${upper}%`})`,
    sql`exists (select 1 from ${arrivalNotices} n, jsonb_array_elements_text(n.container_numbers) cn where n.declaration_id = ${O.declarationId} and cn like ${`${upper}%`})`,
  )!;
}

interface Filters {
  state?: string;
  open?: boolean;
  mode?: 'remote' | 'onsite';
  q?: string;
  inspectorId?: string;
  unassigned?: boolean;
}

function filterConditions(f: Filters): SQL[] {
  const conds: SQL[] = [];
  if (f.state) conds.push(eq(O.state, f.state));
  if (f.open) conds.push(notInArray(O.state, CLOSED_STATES));
  if (f.mode) conds.push(eq(O.mode, f.mode));
  if (f.inspectorId) conds.push(eq(O.inspectorId, f.inspectorId));
  if (f.unassigned) conds.push(eq(O.state, 'selected'));
  const search = f.q ? searchCondition(f.q) : null;
  if (search) conds.push(search);
  return conds;
}

/** One page of orders matching `where` (joined with their declaration, enterprise and inspector), and how many match. */
async function pageOf(db: Db, actor: Actor, where: SQL, sort: SQL[], limit: number, offset: number) {
  const rows = await db.select({ o: O }).from(O)
    .innerJoin(declarations, eq(declarations.id, O.declarationId))
    .innerJoin(organisations, eq(organisations.id, O.enterpriseId))
    .leftJoin(users, eq(users.id, O.inspectorId))
    .where(where).orderBy(...sort).limit(limit).offset(offset);
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(O)
    .innerJoin(declarations, eq(declarations.id, O.declarationId))
    .innerJoin(organisations, eq(organisations.id, O.enterpriseId))
    .where(where);
  return { items: await presentOrders(db, actor, rows.map((r) => r.o)), total: Number(n) };
}

/**
 * Orders the actor may see (scoped in the query): the enterprise its own, customs staff their office's; filtered,
 * searched, sorted and paged by the server, with the number of matching orders.
 */
export async function listOrders(db: Db, actor: Actor, q: OrderListQuery): Promise<OrderList> {
  requireRole(actor, 'order.read');
  if (isEnterprise(actor) && q.inspectorId) throw invalidQuery('inspectorId', 'is for customs staff only');
  const conds: SQL[] = [scopeOrders(actor), ...filterConditions(q)];
  if (q.mine) conds.push(eq(O.inspectorId, actor.userId ?? '-'));
  if (q.from) conds.push(gte(O.dueDate, q.from));
  if (q.to) conds.push(lte(O.dueDate, q.to));
  const limit = q.limit ?? 200;
  const offset = q.offset ?? 0;
  const page = await pageOf(db, actor, and(...conds)!, orderBy(actor, q.sort, q.order), limit, offset);
  return { ...page, totalIsExact: true, limit, offset };
}

/**
 * The office's plan for a day or a week: one page of its orders (filtered, searched, sorted) and, over the whole
 * range, the counts by state and mode and the load of each inspector (with duty days and capacity).
 */
export async function getPlan(db: Db, actor: Actor, q: PlanQuery): Promise<Plan> {
  requireRole(actor, 'order.plan');
  if (!actor.officeId) throw notFound('Office');
  const officeId = actor.officeId;
  const settings = await loadOrderSettings(db, officeId);
  const from = q.from ?? officeToday(settings.timeZone);
  const to = addDaysTo(from, (q.days ?? 1) - 1);
  const inRange = and(
    eq(O.officeId, officeId),
    or(
      eq(O.state, 'selected'),
      and(gte(O.assignedDate, from), lte(O.assignedDate, to)),
      and(sql`${O.assignedDate} is null`, gte(O.dueDate, from), lte(O.dueDate, to)),
    ),
  )!;
  const limit = q.limit ?? 200;
  const offset = q.offset ?? 0;
  const page = await pageOf(db, actor, and(inRange, ...filterConditions(q))!, orderBy(actor, q.sort, q.order), limit, offset);

  const counts = await db.select({ state: O.state, mode: O.mode, n: sql<number>`count(*)::int` }).from(O).where(inRange).groupBy(O.state, O.mode);
  const byState: Record<string, number> = {};
  const byMode: Record<string, number> = {};
  for (const c of counts) {
    byState[c.state] = (byState[c.state] ?? 0) + Number(c.n);
    const m = c.mode ?? 'undecided';
    byMode[m] = (byMode[m] ?? 0) + Number(c.n);
  }
  const loads = await db.select({ inspectorId: O.inspectorId, date: O.assignedDate, n: sql<number>`count(*)::int` }).from(O)
    .where(and(inRange, ne(O.state, 'cancelled'), sql`${O.inspectorId} is not null`)).groupBy(O.inspectorId, O.assignedDate);
  const inspectors = await db.select({ p: inspectorProfiles, name: users.displayName }).from(inspectorProfiles)
    .innerJoin(users, eq(users.id, inspectorProfiles.userId))
    .where(and(eq(inspectorProfiles.officeId, officeId), eq(inspectorProfiles.active, true))).orderBy(asc(users.displayName));
  const rosters = inspectors.length
    ? await db.select().from(inspectorRosters).where(and(
      inArray(inspectorRosters.inspectorId, inspectors.map((i) => i.p.userId)), gte(inspectorRosters.date, from), lte(inspectorRosters.date, to), eq(inspectorRosters.onDuty, true),
    ))
    : [];
  const byInspector = inspectors.map((i) => {
    const mine = loads.filter((l) => l.inspectorId === i.p.userId);
    const byDate: Record<string, number> = {};
    for (const l of mine) if (l.date) byDate[l.date] = (byDate[l.date] ?? 0) + Number(l.n);
    return {
      inspectorId: i.p.userId, name: i.name, dailyCapacity: i.p.dailyCapacity,
      onDutyDates: rosters.filter((r) => r.inspectorId === i.p.userId).map((r) => r.date).sort(),
      orders: mine.reduce((s, l) => s + Number(l.n), 0), byDate,
    };
  });
  const [last] = await db.select({ id: dispatchRuns.id, createdAt: dispatchRuns.createdAt, summary: dispatchRuns.summary }).from(dispatchRuns)
    .where(eq(dispatchRuns.officeId, officeId)).orderBy(desc(dispatchRuns.createdAt)).limit(1);
  return {
    from, to, timeZone: settings.timeZone, orders: page.items, total: page.total, limit, offset, byState, byMode, byInspector,
    unassigned: byState.selected ?? 0,
    lastRun: last ? { id: last.id, createdAt: last.createdAt.toISOString(), summary: last.summary } : null,
  };
}
