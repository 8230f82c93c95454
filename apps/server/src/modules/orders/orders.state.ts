// The single path for order state changes: state machine check (@rvi/dispatch assertTransition), persist with a
// guard on the state read, transition history, audit entry, and live invalidation, all in the caller's transaction.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { assertTransition, DispatchDomainError, type OrderState } from '@rvi/dispatch';
import { inspectionOrders, orderTransitions } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { AppError, badRequest, conflict } from '../../platform/errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { invalidateOrder } from './orders.effects.ts';
import { type UnitOfWork } from '../../platform/unit-of-work.ts';

export type OrderRow = typeof inspectionOrders.$inferSelect;
/** Columns other than the state (the state changes only through transitionOrder). */
export type OrderPatch = Partial<Omit<typeof inspectionOrders.$inferInsert, 'id' | 'state'>>;

/** Maps the dispatch package's reasoned errors to HTTP answers (invalid_transition → 409, validation → 400). */
export function toAppError(e: unknown): unknown {
  if (e instanceof DispatchDomainError) {
    if (e.code === 'invalid_transition') return conflict('invalid_transition', e.message, e.details);
    return badRequest('validation_failed', e.message, e.details);
  }
  return e;
}

export interface TransitionOptions {
  reason?: string | null;
  /** Other columns changed together with the state (mode, inspector...). */
  patch?: OrderPatch;
  /** Extra facts for the audit entry. */
  summary?: Record<string, unknown>;
}

/**
 * Moves an order to `to`. Refuses an illegal move with 409 `invalid_transition` (naming the allowed next states), and
 * a concurrent change with 409 `stale_order`. Returns the updated row. Part of the caller's unit of work: the
 * transition, its audit entry and the refresh of every page showing the order commit together.
 */
export async function transitionOrder(uow: UnitOfWork, order: OrderRow, to: OrderState, opts: TransitionOptions = {}): Promise<OrderRow> {
  const { tx, actor } = uow;
  try {
    assertTransition(order.state as OrderState, to);
  } catch (e) {
    throw toAppError(e);
  }
  const [updated] = await tx.update(inspectionOrders)
    .set({ ...opts.patch, state: to, updatedAt: new Date() })
    .where(and(eq(inspectionOrders.id, order.id), eq(inspectionOrders.state, order.state)))
    .returning();
  if (!updated) throw new AppError('stale_order', 409, `Order ${order.orderNo} was changed by someone else meanwhile; reload and try again`);
  await tx.insert(orderTransitions).values({
    id: randomUUID(), orderId: order.id, fromState: order.state, toState: to, actorId: actor.userId, actorRole: actor.role, reason: opts.reason ?? null,
    // the statement's own time: several transitions in one transaction keep their order (now() is the transaction's)
    at: sql`clock_timestamp()`,
  });
  await recordAudit(tx, actor, `order.${to}`, { type: 'inspection_order', id: order.id }, {
    orderNo: order.orderNo, from: order.state, to, reason: opts.reason ?? null, ...opts.summary,
  });
  invalidateOrder(uow, updated, [order.inspectorId]);
  return updated;
}

/**
 * The orders repository's writes besides transitions: every module that changes an order's other columns (slots,
 * assignment, dispatch notes) calls these; `inspection_orders` is written nowhere else (eslint.config.js checks it).
 */
export async function updateOrder(tx: Db, id: string, patch: OrderPatch): Promise<OrderRow | undefined> {
  const [row] = await tx.update(inspectionOrders).set({ updatedAt: new Date(), ...patch }).where(eq(inspectionOrders.id, id)).returning();
  return row;
}

export async function updateOrders(tx: Db, ids: string[], patch: OrderPatch): Promise<void> {
  if (ids.length) await tx.update(inspectionOrders).set({ updatedAt: new Date(), ...patch }).where(inArray(inspectionOrders.id, ids));
}

/** Loads an order row locked for update (the transaction then owns its state until commit). */
export async function lockOrder(tx: Db, id: string): Promise<OrderRow | null> {
  const [row] = await tx.select().from(inspectionOrders).where(eq(inspectionOrders.id, id)).for('update').limit(1);
  return row ?? null;
}
