// The decision on an inspection: release, release with correction, hold, on-site re-inspection or referral for
// enforcement, signed by the inspector. A release with no significant or critical finding takes effect when signed;
// every other decision needs a supervisor of the same office, who is not the inspector (four eyes), to approve it.
// When a decision takes effect: order inspected → decided → closed (orders state machine), declaration released or
// held, release time recorded, and the outcome becomes a label for the next retraining of the targeting model.
import { assertApprovalDuties, dutyWindowHours } from '../../platform/duties.ts';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { ApprovalQueue, Decision, DecisionInput, RejectBody, ReviewBody } from '@rvi/contracts';
import { arrivalNotices, declarations, decisionEffects, decisionReviews, decisions, findings, inspectionOrders, organisations } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordOutcomeLabel } from '../risk/risk.service.ts';
import { invalidateOrder } from '../orders/orders.effects.ts';
import { enterpriseUsers, officeUsers } from '../orders/orders.service.ts';
import { lockOrder, transitionOrder, type OrderRow } from '../orders/orders.state.ts';
import { assertFourEyes, authorizeCase, RECORDING_STATES } from '../findings/findings.policy.ts';
import {
  currentFindings, decisionRecord, namesOf, presentDecisions, presentFindings, reviewRecord, type DecisionRow, type FindingRow, type ReviewRow,
} from '../findings/findings.presenter.ts';
import { caseFacts, loadOrderRow } from '../findings/findings.service.ts';
import { signerOf, signNow, type SigningDeps } from '../findings/findings.signing.ts';
import { type UnitOfWork, inTransaction } from '../../platform/unit-of-work.ts';

const RELEASING = new Set(['release', 'release_with_correction']);
const SERIOUS = new Set(['significant', 'critical']);

/** Does this decision need a supervisor's approval? Only a plain release with nothing significant found does not. */
export function needsApproval(outcome: DecisionInput['outcome'], current: Pick<FindingRow, 'kind' | 'severity'>[]): boolean {
  const serious = current.some((f) => f.kind === 'discrepancy' && !!f.severity && SERIOUS.has(f.severity));
  return !(outcome === 'release' && !serious);
}

/**
 * The label an outcome gives the targeting model: fraud when a significant or critical discrepancy was found or the
 * goods were held or referred; critical when prohibited goods or a critical discrepancy were found.
 */
export function outcomeLabel(outcome: string, current: Pick<FindingRow, 'kind' | 'severity' | 'type'>[]): { fraud: boolean; critical: boolean } {
  const disc = current.filter((f) => f.kind === 'discrepancy');
  const fraud = disc.some((f) => !!f.severity && SERIOUS.has(f.severity)) || outcome === 'hold' || outcome === 'refer_enforcement';
  const critical = disc.some((f) => f.type === 'prohibited_goods' || f.severity === 'critical');
  return { fraud, critical };
}

async function orderFindings(tx: Db, orderId: string): Promise<FindingRow[]> {
  return tx.select().from(findings).where(eq(findings.orderId, orderId)).orderBy(asc(findings.signedAt));
}

function checkInput(input: DecisionInput, current: FindingRow[]): void {
  const corrections = input.corrections ?? [];
  if (input.outcome === 'release_with_correction' && corrections.length === 0) {
    throw badRequest('corrections_required', 'corrections: list at least one correction for a release with correction', [{ field: 'body.corrections', message: 'is required' }]);
  }
  if (input.outcome !== 'release_with_correction' && corrections.length > 0) {
    throw badRequest('corrections_not_allowed', `corrections: only a release with correction lists corrections (outcome is ${input.outcome})`, [{ field: 'body.corrections', message: 'is not allowed' }]);
  }
  if (input.outcome !== 'release' && !input.reason?.trim()) {
    throw badRequest('reason_required', `reason: say why (required for ${input.outcome})`, [{ field: 'body.reason', message: 'is required' }]);
  }
  const ids = new Set(current.map((f) => f.id));
  for (const [i, c] of corrections.entries()) {
    if (c.findingId && !ids.has(c.findingId)) {
      throw badRequest('invalid_correction', `corrections.${i}.findingId: ${c.findingId} is not a current finding of this order`, [{ field: `body.corrections.${i}.findingId`, message: 'is not a current finding of this order' }]);
    }
  }
}

/**
 * Makes a decision take effect, inside the caller's transaction: order inspected → decided → closed, declaration
 * status, release time, effect row, outcome label, audit, notifications.
 */
async function applyDecision(uow: UnitOfWork, order: OrderRow, d: DecisionRow, at: Date): Promise<void> {
  const { tx, actor } = uow;
  const current = currentFindings(await orderFindings(tx, order.id)).filter((f) => d.findingIds.includes(f.id));
  const label = outcomeLabel(d.outcome, current);
  const releasedAt = RELEASING.has(d.outcome) ? at : null;
  const decided = await transitionOrder(uow, order, 'decided', { reason: `decision ${d.outcome}`, summary: { decisionId: d.id, outcome: d.outcome } });
  await transitionOrder(uow, decided, 'closed', { reason: 'case closed: decision took effect', summary: { decisionId: d.id } });
  await tx.update(declarations).set({ status: releasedAt ? 'released' : 'held' }).where(eq(declarations.id, d.declarationId));
  // Released goods: their arrival notices show the final state, not 'expected' (issue 18).
  if (releasedAt) await tx.update(arrivalNotices).set({ status: 'cleared', updatedAt: at }).where(eq(arrivalNotices.declarationId, d.declarationId));
  await tx.insert(decisionEffects).values({ orderId: order.id, decisionId: d.id, outcome: d.outcome, releasedAt, effectiveAt: at, ...label });
  await recordAudit(tx, actor, 'decision.effective', { type: 'decision', id: d.id }, {
    orderId: order.id, orderNo: order.orderNo, outcome: d.outcome, releasedAt: releasedAt?.toISOString() ?? null, ...label,
    corrections: d.corrections.length,
  });
  await recordOutcomeLabel(tx, actor, d.declarationId, { ...label, source: `inspection:${d.outcome}` });
  const payload = { orderId: order.id, orderNo: order.orderNo, outcome: d.outcome, releasedAt: releasedAt?.toISOString() ?? null };
  await uow.notify(await enterpriseUsers(tx, order.enterpriseId), 'inspection.decided', payload);
  uow.emit('decision.effective', { decisionId: d.id, orderId: order.id, outcome: d.outcome, released: !!releasedAt });
  uow.invalidate([`org:${order.enterpriseId}`, `office:${order.officeId}`], [['outcomes'], ['declarations'], ['decisions'], ['findings', order.id]]);
}

async function presentDecision(deps: SigningDeps, id: string): Promise<Decision> {
  const [d] = await deps.db.select().from(decisions).where(eq(decisions.id, id));
  const reviews = await deps.db.select().from(decisionReviews).where(eq(decisionReviews.decisionId, id));
  const effects = await deps.db.select().from(decisionEffects).where(eq(decisionEffects.decisionId, id));
  const names = await namesOf(deps.db, [d.signedBy, ...reviews.map((r) => r.signedBy)]);
  return presentDecisions([d], reviews, effects, names, await deps.keys.listPublicKeys())[0];
}

/**
 * The assigned inspector signs a decision. An order still in progress is first marked inspected. A clean release
 * takes effect at once (release time = signing time); anything else waits for a supervisor's approval.
 */
export async function proposeDecision(deps: SigningDeps, actor: Actor, orderId: string, input: DecisionInput): Promise<Decision> {
  const row = await loadOrderRow(deps.db, orderId);
  authorizeCase(actor, 'decision.propose', row, orderId, { assigned: true });
  const [decl] = await deps.db.select({ no: declarations.declarationNo }).from(declarations).where(eq(declarations.id, row.declarationId));
  const id = await inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    let order = (await lockOrder(tx, orderId))!;
    const facts = await caseFacts(tx, orderId);
    if (facts.decided) throw conflict('already_decided', `Order ${order.orderNo} is already decided`);
    if (facts.pending) throw conflict('decision_pending', `A decision on order ${order.orderNo} already waits for approval`, { decisionId: facts.pendingDecisionId });
    if (!RECORDING_STATES.includes(order.state)) {
      throw conflict('invalid_state', `Order ${order.orderNo} is ${order.state}: a decision follows the inspection (in progress or inspected)`, { state: order.state });
    }
    const current = currentFindings(await orderFindings(tx, orderId));
    checkInput(input, current);
    if (order.state === 'in_progress') order = await transitionOrder(uow, order, 'inspected', { reason: 'inspection finished: decision signed' });
    const signer = await signerOf(tx, actor);
    const base: Omit<DecisionRow, 'envelope' | 'keyId' | 'createdAt' | 'signedAt'> = {
      id: randomUUID(), orderId, declarationId: order.declarationId, officeId: order.officeId, enterpriseId: order.enterpriseId,
      outcome: input.outcome, reason: input.reason?.trim() || null, findingIds: current.map((f) => f.id),
      corrections: (input.corrections ?? []).map((c) => ({ field: c.field, declared: c.declared ?? null, corrected: c.corrected, findingId: c.findingId ?? null })),
      requiresApproval: needsApproval(input.outcome, current), signedBy: signer.id,
    };
    const { envelope, signedAt } = await signNow(deps.keys, signer, (at) => decisionRecord({ ...base, signedAt: new Date(at) }, { orderNo: order.orderNo, declarationNo: decl.no, signer }));
    const [d] = await tx.insert(decisions).values({ ...base, signedAt, envelope, keyId: envelope.keyId }).returning();
    await recordAudit(tx, actor, 'decision.signed', { type: 'decision', id: d.id }, {
      orderId, orderNo: order.orderNo, outcome: d.outcome, requiresApproval: d.requiresApproval, findings: d.findingIds.length,
      corrections: d.corrections.length, keyId: envelope.keyId, signature: envelope.signature,
    });
    if (!d.requiresApproval) {
      await applyDecision(uow, order, d, signedAt);
    } else {
      await uow.notify(await officeUsers(tx, order.officeId, 'supervisor'), 'decision.approval_requested', { orderId, orderNo: order.orderNo, decisionId: d.id, outcome: d.outcome });
      invalidateOrder(uow, order);
      uow.invalidate([`office:${order.officeId}`], [['decisions'], ['findings', orderId]]);
    }
    return d.id;
  });
  return presentDecision(deps, id);
}

async function review(deps: SigningDeps, actor: Actor, decisionId: string, verdict: 'approved' | 'rejected', reason: string | null): Promise<Decision> {
  requireRole(actor, 'decision.approve');
  const [d0] = await deps.db.select().from(decisions).where(eq(decisions.id, decisionId)).limit(1);
  const row = d0 ? await loadOrderRow(deps.db, d0.orderId) : null;
  authorizeCase(actor, 'decision.approve', row, decisionId);
  if (!d0) throw notFound('Decision', decisionId);
  assertFourEyes(actor, row, d0.signedBy);
  // separation of duties (issue 13.4): no other role in the case, and not an account an administrator just set up
  const recorders = await deps.db.selectDistinct({ id: findings.signedBy }).from(findings).where(eq(findings.orderId, row.id));
  await assertApprovalDuties(deps.db, actor, { otherRoles: [
    { userId: row.inspectorId, role: 'the inspector conducting this case' },
    { userId: d0.signedBy, role: 'the inspector who signed this decision' },
    ...recorders.map((r) => ({ userId: r.id, role: 'an inspector who recorded findings in this case' })),
  ], windowHours: dutyWindowHours((deps as { config?: { dutyWindowDays?: number } }).config) });
  await inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, row.id))!;
    const [existing] = await tx.select().from(decisionReviews).where(eq(decisionReviews.decisionId, decisionId)).limit(1);
    if (existing) throw conflict('already_reviewed', `Decision ${decisionId} was already ${existing.verdict}`);
    if (!d0.requiresApproval) throw conflict('approval_not_required', `Decision ${decisionId} took effect when signed: it needs no approval`);
    const signer = await signerOf(tx, actor);
    const base: Omit<ReviewRow, 'envelope' | 'keyId' | 'createdAt' | 'signedAt'> = { id: randomUUID(), decisionId, orderId: order.id, verdict, reason, signedBy: signer.id };
    const { envelope, signedAt } = await signNow(deps.keys, signer, (at) => reviewRecord({ ...base, signedAt: new Date(at) }, { decisionSignature: (d0.envelope as { signature: string }).signature, signer }));
    try {
      await tx.insert(decisionReviews).values({ ...base, signedAt, envelope, keyId: envelope.keyId });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict('already_reviewed', `Decision ${decisionId} was just reviewed by someone else`);
      throw e;
    }
    await recordAudit(tx, actor, verdict === 'approved' ? 'decision.approved' : 'decision.rejected', { type: 'decision_review', id: base.id }, {
      decisionId, orderId: order.id, orderNo: order.orderNo, outcome: d0.outcome, reason, inspectorId: d0.signedBy,
      keyId: envelope.keyId, signature: envelope.signature,
    });
    if (verdict === 'approved') {
      await applyDecision(uow, order, d0, signedAt);
    } else {
      invalidateOrder(uow, order);
      uow.invalidate([`office:${order.officeId}`], [['decisions'], ['findings', order.id]]);
    }
    await uow.notify([d0.signedBy], verdict === 'approved' ? 'decision.approved' : 'decision.rejected', { orderId: order.id, orderNo: order.orderNo, decisionId, reason });
  });
  return presentDecision(deps, decisionId);
}

/** A supervisor of the order's office, not the inspector, approves a decision (signed, audited); it takes effect. */
export function approveDecision(deps: SigningDeps, actor: Actor, decisionId: string, body: ReviewBody): Promise<Decision> {
  return review(deps, actor, decisionId, 'approved', body.reason?.trim() || null);
}

/** A supervisor rejects a decision with a reason (signed, audited); the inspector may record more findings and decide again. */
export function rejectDecision(deps: SigningDeps, actor: Actor, decisionId: string, body: RejectBody): Promise<Decision> {
  return review(deps, actor, decisionId, 'rejected', body.reason.trim());
}

/** Decisions of the supervisor's office waiting for approval, oldest first, each with the findings it rests on. */
export async function listPendingApprovals(deps: SigningDeps, actor: Actor): Promise<ApprovalQueue> {
  requireRole(actor, 'decision.approve');
  const rows = await deps.db.select({ d: decisions, orderNo: inspectionOrders.orderNo, declarationNo: declarations.declarationNo, enterpriseName: organisations.name })
    .from(decisions)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, decisions.orderId))
    .innerJoin(declarations, eq(declarations.id, decisions.declarationId))
    .innerJoin(organisations, eq(organisations.id, decisions.enterpriseId))
    .leftJoin(decisionReviews, eq(decisionReviews.decisionId, decisions.id))
    .where(and(eq(decisions.officeId, actor.officeId ?? '-'), eq(decisions.requiresApproval, true), isNull(decisionReviews.id)))
    .orderBy(asc(decisions.signedAt)).limit(200);
  if (!rows.length) return { items: [] };
  const orderIds = rows.map((r) => r.d.orderId);
  const fRows = await deps.db.select().from(findings).where(inArray(findings.orderId, orderIds)).orderBy(asc(findings.signedAt));
  const names = await namesOf(deps.db, [...rows.map((r) => r.d.signedBy), ...fRows.map((f) => f.signedBy)]);
  const keys = await deps.keys.listPublicKeys();
  const presented = presentDecisions(rows.map((r) => r.d), [], [], names, keys);
  return {
    items: rows.map((r, i) => ({
      decision: presented[i], orderNo: r.orderNo, declarationNo: r.declarationNo, enterpriseName: r.enterpriseName,
      findings: presentFindings(fRows.filter((f) => f.orderId === r.d.orderId), names, keys).filter((f) => r.d.findingIds.includes(f.id)),
    })),
  };
}

/** A signed decision is never changed through the API. */
export async function refuseDecisionChange(deps: SigningDeps, actor: Actor, decisionId: string): Promise<never> {
  const [d] = await deps.db.select().from(decisions).where(eq(decisions.id, decisionId)).limit(1);
  const order = d ? await loadOrderRow(deps.db, d.orderId) : null;
  authorizeCase(actor, 'order.read', order, decisionId);
  throw conflict('signed_record_immutable', `Decision ${decisionId} is signed and never changed: a rejected decision is followed by a new one`, { decisionId });
}
