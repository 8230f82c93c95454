// Rows → API shapes for findings, suggestions, decisions and reviews, each signed record with its signature check.
// The canonical signed records are built here too (recordOf*), so signing and checking use one definition.
import { inArray } from 'drizzle-orm';
import type { PublicKeyInfo } from '@rvi/evidence';
import type { Decision, Finding, SuggestedFinding } from '@rvi/contracts';
import { decisionEffects, decisionReviews, decisions, findings, suggestedFindings, users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { checkSignature, type SignerInfo } from './findings.signing.ts';

export type FindingRow = typeof findings.$inferSelect;
export type SuggestionRow = typeof suggestedFindings.$inferSelect;
export type DecisionRow = typeof decisions.$inferSelect;
export type ReviewRow = typeof decisionReviews.$inferSelect;
export type EffectRow = typeof decisionEffects.$inferSelect;

export const FINDING_RECORD = 'rvi.finding/1';
export const DECISION_RECORD = 'rvi.decision/1';
export const REVIEW_RECORD = 'rvi.decision_review/1';

/** The fields of a finding backed by columns: what the signed record must still agree with. */
export function findingColumns(r: Omit<FindingRow, 'envelope' | 'keyId' | 'createdAt'>) {
  return {
    id: r.id, orderId: r.orderId, declarationId: r.declarationId, kind: r.kind, stepKey: r.stepKey, stepResult: r.stepResult,
    type: r.type, severity: r.severity, field: r.field, declared: r.declaredValue, observed: r.observedValue, note: r.note,
    evidence: r.evidence, corrects: r.corrects, retracted: r.retracted, suggestionId: r.suggestionId,
    signedAt: r.signedAt.toISOString(),
  };
}

/** The canonical finding as signed: its columns plus the context a reader needs (order and declaration numbers, the signer). */
export function findingRecord(r: Omit<FindingRow, 'envelope' | 'keyId' | 'createdAt'>, ctx: { orderNo: string; declarationNo: string; signer: SignerInfo }) {
  return { recordType: FINDING_RECORD, ...findingColumns(r), orderNo: ctx.orderNo, declarationNo: ctx.declarationNo, signedBy: ctx.signer };
}

export function decisionColumns(r: Omit<DecisionRow, 'envelope' | 'keyId' | 'createdAt'>) {
  return {
    id: r.id, orderId: r.orderId, declarationId: r.declarationId, outcome: r.outcome, corrections: r.corrections, reason: r.reason,
    findingIds: r.findingIds, requiresApproval: r.requiresApproval, signedAt: r.signedAt.toISOString(),
  };
}

export function decisionRecord(r: Omit<DecisionRow, 'envelope' | 'keyId' | 'createdAt'>, ctx: { orderNo: string; declarationNo: string; signer: SignerInfo }) {
  return { recordType: DECISION_RECORD, ...decisionColumns(r), orderNo: ctx.orderNo, declarationNo: ctx.declarationNo, signedBy: ctx.signer };
}

export function reviewColumns(r: Omit<ReviewRow, 'envelope' | 'keyId' | 'createdAt'>) {
  return { id: r.id, decisionId: r.decisionId, orderId: r.orderId, verdict: r.verdict, reason: r.reason, signedAt: r.signedAt.toISOString() };
}

export function reviewRecord(r: Omit<ReviewRow, 'envelope' | 'keyId' | 'createdAt'>, ctx: { decisionSignature: string; signer: SignerInfo }) {
  return { recordType: REVIEW_RECORD, ...reviewColumns(r), decisionSignature: ctx.decisionSignature, signedBy: ctx.signer };
}

/** Display names of users by id (signers). */
export async function namesOf(db: Db, ids: (string | null | undefined)[]): Promise<Map<string, { name: string; role: string }>> {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (!list.length) return new Map();
  const rows = await db.select({ id: users.id, name: users.displayName, role: users.role }).from(users).where(inArray(users.id, list));
  return new Map(rows.map((r) => [r.id, { name: r.name, role: r.role }]));
}

const signerView = (id: string, names: Map<string, { name: string; role: string }>) => ({ id, name: names.get(id)?.name ?? id, role: names.get(id)?.role ?? '' });

/** Findings of one or more orders, presented in signing order, with correction links and `current`. */
export function presentFindings(rows: FindingRow[], names: Map<string, { name: string; role: string }>, keys: readonly PublicKeyInfo[]): Finding[] {
  const correctedBy = new Map<string, string>();
  for (const r of rows) if (r.corrects) correctedBy.set(r.corrects, r.id);
  return rows.map((r) => ({
    id: r.id, orderId: r.orderId, kind: r.kind, stepKey: r.stepKey, stepResult: r.stepResult, type: r.type, severity: r.severity,
    field: r.field, declared: r.declaredValue, observed: r.observedValue, note: r.note, evidence: r.evidence,
    corrects: r.corrects, correctedBy: correctedBy.get(r.id) ?? null, retracted: r.retracted,
    current: !correctedBy.has(r.id) && !r.retracted, suggestionId: r.suggestionId,
    signer: signerView(r.signedBy, names),
    signature: checkSignature(r.envelope, findingColumns(r), keys),
  }));
}

/** The findings that stand: not corrected by a later one, and not a retraction. */
export function currentFindings(rows: FindingRow[]): FindingRow[] {
  const corrected = new Set(rows.map((r) => r.corrects).filter(Boolean));
  return rows.filter((r) => !corrected.has(r.id) && !r.retracted);
}

export function presentSuggestion(r: SuggestionRow): SuggestedFinding {
  const ev = (r.evidence ?? {}) as { snapshotId?: string | null; readingId?: string | null; box?: unknown[] | null; text?: string | null; message?: string | null };
  return {
    id: r.id, orderId: r.orderId, field: r.field, declared: r.declaredValue, observed: r.observedValue, confidence: r.confidence,
    evidence: { snapshotId: ev.snapshotId ?? null, readingId: ev.readingId ?? null, box: Array.isArray(ev.box) ? ev.box : null, text: ev.text ?? null, message: ev.message ?? null }, source: r.source, status: r.status,
    findingId: r.findingId, resolvedAt: r.resolvedAt?.toISOString() ?? null, dismissReason: r.dismissReason, createdAt: r.createdAt.toISOString(),
  };
}

export function decisionStatus(d: DecisionRow, review: ReviewRow | undefined, effect: EffectRow | undefined): Decision['status'] {
  if (effect?.decisionId === d.id) return 'effective';
  if (review?.verdict === 'rejected') return 'rejected';
  return 'pending_approval';
}

export function presentDecisions(
  rows: DecisionRow[], reviews: ReviewRow[], effects: EffectRow[], names: Map<string, { name: string; role: string }>, keys: readonly PublicKeyInfo[],
): Decision[] {
  const reviewOf = new Map(reviews.map((r) => [r.decisionId, r]));
  const effectOf = new Map(effects.map((e) => [e.decisionId, e]));
  return rows.map((d) => {
    const review = reviewOf.get(d.id);
    const effect = effectOf.get(d.id);
    return {
      id: d.id, orderId: d.orderId, outcome: d.outcome, reason: d.reason, findingIds: d.findingIds, requiresApproval: d.requiresApproval,
      corrections: d.corrections.map((c) => ({ field: c.field, declared: c.declared ?? null, corrected: c.corrected, findingId: c.findingId ?? null })),
      status: decisionStatus(d, review, effect),
      signer: signerView(d.signedBy, names),
      signature: checkSignature(d.envelope, decisionColumns(d), keys),
      review: review ? {
        id: review.id, verdict: review.verdict, reason: review.reason, signer: signerView(review.signedBy, names),
        signature: checkSignature(review.envelope, reviewColumns(review), keys),
      } : null,
      effectiveAt: effect?.effectiveAt.toISOString() ?? null,
      releasedAt: effect?.releasedAt?.toISOString() ?? null,
    };
  });
}
