// The enterprise's view of its inspections: the outcome, the release time, the corrections required and the
// findings about its goods. Never the risk score, the channel, the reason for selection, the inspector's notes or
// suggestions that were dismissed: the presenter picks fields one by one rather than filtering a customs view.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { EnterpriseOutcome, EnterpriseOutcomeList } from '@rvi/contracts';
import { declarations, decisionEffects, decisions, findings, inspectionOrders } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { isEnterprise, requireRole } from '../../platform/policy.ts';
import { notFound } from '../../platform/errors.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { currentFindings } from '../findings/findings.presenter.ts';

type OrderRow = typeof inspectionOrders.$inferSelect;

/** States after the inspection started: the enterprise sees these orders in its outcome list. */
const VISIBLE_STATES = ['in_progress', 'inspected', 'decided', 'closed'];

async function present(db: Db, orders: { o: OrderRow; declarationNo: string }[]): Promise<EnterpriseOutcome[]> {
  if (!orders.length) return [];
  const ids = orders.map((x) => x.o.id);
  const effects = await db.select({ e: decisionEffects, d: decisions }).from(decisionEffects)
    .innerJoin(decisions, eq(decisions.id, decisionEffects.decisionId)).where(inArray(decisionEffects.orderId, ids));
  const effectOf = new Map(effects.map((x) => [x.e.orderId, x]));
  const decidedIds = effects.map((x) => x.e.orderId);
  const fRows = decidedIds.length ? await db.select().from(findings).where(inArray(findings.orderId, decidedIds)).orderBy(asc(findings.signedAt)) : [];
  return orders.map(({ o, declarationNo }) => {
    const eff = effectOf.get(o.id);
    // Before the decision takes effect the enterprise learns only that its goods are being inspected.
    const concern = eff ? currentFindings(fRows.filter((f) => f.orderId === o.id)).filter((f) => f.kind === 'discrepancy' && eff.d.findingIds.includes(f.id)) : [];
    return {
      orderId: o.id, orderNo: o.orderNo, declarationId: o.declarationId, declarationNo,
      status: eff ? 'decided' : 'in_inspection',
      outcome: eff ? eff.d.outcome : null,
      decidedAt: eff ? eff.e.effectiveAt.toISOString() : null,
      releasedAt: eff?.e.releasedAt?.toISOString() ?? null,
      corrections: eff ? eff.d.corrections.map((c) => ({ field: c.field, declared: c.declared ?? null, corrected: c.corrected })) : [],
      findings: concern.map((f) => ({ id: f.id, type: f.type, severity: f.severity, field: f.field, declared: f.declaredValue, observed: f.observedValue })),
    } satisfies EnterpriseOutcome;
  });
}

/** The outcome of one inspection (enterprise: its own orders only, others answer 404; customs: the office's). */
export async function getOutcome(db: Db, actor: Actor, orderId: string): Promise<EnterpriseOutcome> {
  const [row] = await db.select({ o: inspectionOrders, declarationNo: declarations.declarationNo }).from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId)).where(eq(inspectionOrders.id, orderId)).limit(1);
  authorizeCase(actor, 'order.read', row?.o ?? null, orderId);
  if (isEnterprise(actor) && !VISIBLE_STATES.includes(row!.o.state)) throw notFound('Inspection outcome', orderId);
  return (await present(db, [row!]))[0];
}

/** Outcomes of the enterprise's inspections (newest first); customs users get their office's. */
export async function listOutcomes(db: Db, actor: Actor, limit = 100): Promise<EnterpriseOutcomeList> {
  requireRole(actor, 'order.read');
  const scope = isEnterprise(actor) ? eq(inspectionOrders.enterpriseId, actor.orgId!) : eq(inspectionOrders.officeId, actor.officeId ?? '-');
  const rows = await db.select({ o: inspectionOrders, declarationNo: declarations.declarationNo }).from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId))
    .where(and(scope, inArray(inspectionOrders.state, VISIBLE_STATES)))
    .orderBy(desc(inspectionOrders.updatedAt)).limit(limit);
  return { items: await present(db, rows) };
}
