// Findings of an inspection: checklist step results and discrepancies, each signed when submitted and never changed
// (a correction is a new finding naming the one it corrects), the vision module's suggestions accepted or dismissed,
// and the inspector's work view. Authorise, check the rule, persist and audit in one transaction.
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  CHECKLIST_STEPS, WEIGHT_FIELDS, kgOf, weightCheck, type AcceptSuggestionBody, type DismissSuggestionBody, type Finding, type FindingInput, type InspectionList,
  type InspectionListQuery, type InspectionView, type SuggestedFinding,
} from '@rvi/contracts';
import {
  declarations, decisionEffects, decisionReviews, decisions, findings, inspectionOrders, liveSessions, organisations, sessionSteps,
  suggestedFindings, users,
} from '../../db/schema.ts';
import type { EvidenceRefs } from '../../db/schema/findings.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.ts';
import { isCustoms, requireRole } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { invalidateOrder } from '../orders/orders.effects.ts';
import { loadOrderSettings } from '../orders/orders.settings.ts';
import { lockOrder, transitionOrder, type OrderRow } from '../orders/orders.state.ts';
import { authorizeCase, inspectionCan, RECORDING_STATES, type CaseFacts } from './findings.policy.ts';
import {
  currentFindings, findingRecord, namesOf, presentDecisions, presentFindings, presentSuggestion, type FindingRow, type SuggestionRow,
} from './findings.presenter.ts';
import { signerOf, signNow, type SigningDeps } from './findings.signing.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

type DeclRow = typeof declarations.$inferSelect;

export async function loadOrderRow(db: Db, id: string): Promise<OrderRow | null> {
  const [row] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, id)).limit(1);
  return row ?? null;
}

async function declarationOf(db: Db, id: string): Promise<DeclRow> {
  const [d] = await db.select().from(declarations).where(eq(declarations.id, id)).limit(1);
  return d;
}

/** Whether a decision waits for approval, and whether one took effect. */
export async function caseFacts(db: Db, orderId: string): Promise<CaseFacts & { pendingDecisionId: string | null }> {
  const [effect] = await db.select({ id: decisionEffects.decisionId }).from(decisionEffects).where(eq(decisionEffects.orderId, orderId)).limit(1);
  const [pending] = await db.select({ id: decisions.id }).from(decisions)
    .leftJoin(decisionReviews, eq(decisionReviews.decisionId, decisions.id))
    .where(and(eq(decisions.orderId, orderId), isNull(decisionReviews.id), eq(decisions.requiresApproval, true)))
    .limit(1);
  const pendingId = pending && pending.id !== effect?.id ? pending.id : null;
  return { decided: !!effect, pending: !!pendingId, pendingDecisionId: pendingId };
}

/** Refuses work on a case whose decision was signed (pending approval) or took effect. */
function assertOpen(order: OrderRow, facts: CaseFacts): void {
  if (facts.decided) throw conflict('already_decided', `Order ${order.orderNo} is decided: findings are closed (a signed record is never changed)`);
  if (facts.pending) throw conflict('decision_pending', `A decision on order ${order.orderNo} waits for approval: nothing can be added until it is approved or rejected`);
  if (!RECORDING_STATES.includes(order.state)) {
    throw conflict('invalid_state', `Order ${order.orderNo} is ${order.state}: findings are recorded while the inspection is in progress or inspected`, { state: order.state });
  }
}

function fieldProblem(field: string, message: string): AppError {
  return badRequest('invalid_finding', `${field} ${message}`, [{ field: `body.${field}`, message }]);
}

/** Checks the shape rules the JSON schema cannot express (which fields each kind needs). */
export function validateFindingInput(input: FindingInput): void {
  if (input.kind === 'step') {
    if (!input.stepKey) throw fieldProblem('stepKey', 'is required for a checklist step result');
    if (!input.stepResult) throw fieldProblem('stepResult', 'is required for a checklist step result');
    if (input.type) throw fieldProblem('type', 'belongs to a discrepancy, not a step result');
    if (input.severity) throw fieldProblem('severity', 'belongs to a discrepancy, not a step result');
  } else {
    if (!input.type) throw fieldProblem('type', 'is required for a discrepancy');
    if (input.type === 'weight') {
      // declared and weighed masses in kg; the severity follows from the office's tolerance unless the inspector gives one
      if (input.field && !(WEIGHT_FIELDS as readonly string[]).includes(input.field)) throw fieldProblem('field', `must be ${WEIGHT_FIELDS.join(' or ')} for a weight finding`);
      if (kgOf(input.declared) === null) throw fieldProblem('declared', 'must be the declared mass in kg (a number above 0) for a weight finding');
      if (kgOf(input.observed) === null) throw fieldProblem('observed', 'must be the weighed mass in kg (a number above 0) for a weight finding');
    } else if (!input.severity) throw fieldProblem('severity', 'is required for a discrepancy');
    if (input.stepKey || input.stepResult) throw fieldProblem(input.stepKey ? 'stepKey' : 'stepResult', 'belongs to a step result, not a discrepancy');
  }
  if (input.retracted && !input.corrects) throw fieldProblem('retracted', 'needs corrects: name the finding to withdraw');
  for (const [i, r] of (input.evidence?.recordings ?? []).entries()) {
    if (Date.parse(r.end) < Date.parse(r.start)) throw fieldProblem(`evidence.recordings.${i}.end`, 'is before its start');
  }
}

const emptyEvidence = (): EvidenceRefs => ({ snapshots: [], recordings: [], readings: [] });

/**
 * Signs and stores one finding inside the caller's transaction (order locked, rules checked by the caller except the
 * correction and step rules, which are checked here against the order's findings).
 */
async function insertFinding(
  tx: Db, deps: SigningDeps, actor: Actor, order: OrderRow, decl: DeclRow, input: FindingInput, suggestionId: string | null,
): Promise<FindingRow> {
  validateFindingInput(input);
  const existing = await tx.select().from(findings).where(eq(findings.orderId, order.id)).orderBy(asc(findings.signedAt));
  const current = currentFindings(existing);
  if (input.corrects) {
    const target = existing.find((f) => f.id === input.corrects);
    if (!target) throw badRequest('invalid_correction', `corrects: finding ${input.corrects} is not a finding of order ${order.orderNo}`, [{ field: 'body.corrects', message: 'is not a finding of this order' }]);
    if (!current.some((f) => f.id === target.id)) {
      const by = existing.find((f) => f.corrects === target.id);
      throw conflict('already_corrected', `Finding ${target.id} was already corrected${by ? ` by ${by.id}` : ''}: correct the latest one`, { correctedBy: by?.id ?? null });
    }
    if (target.kind !== input.kind) throw badRequest('invalid_correction', `corrects: a ${target.kind} is corrected by a ${target.kind}, not a ${input.kind}`, [{ field: 'body.kind', message: `must be ${target.kind}` }]);
  } else if (input.kind === 'step') {
    const same = current.find((f) => f.kind === 'step' && f.stepKey === input.stepKey);
    if (same) throw conflict('step_already_recorded', `Step ${input.stepKey} already has a result (${same.stepResult}); record a correction of finding ${same.id} instead`, { findingId: same.id });
  }
  let weight: ReturnType<typeof weightCheck> = null;
  if (input.type === 'weight') {
    weight = weightCheck(input.declared, input.observed, (await loadOrderSettings(tx, order.officeId)).weightTolerancePct ?? 5);
    input = { ...input, field: input.field ?? 'grossMassKg', severity: input.severity ?? (weight!.withinTolerance ? 'minor' : 'significant') };
  }
  const signer = await signerOf(tx, actor);
  const id = randomUUID();
  const base: Omit<FindingRow, 'envelope' | 'keyId' | 'createdAt' | 'signedAt'> = {
    id, orderId: order.id, declarationId: order.declarationId, officeId: order.officeId, enterpriseId: order.enterpriseId,
    kind: input.kind, stepKey: input.stepKey ?? null, stepResult: input.stepResult ?? null, type: input.type ?? null,
    severity: input.severity ?? null, field: input.field ?? null, declaredValue: input.declared ?? null, observedValue: input.observed ?? null,
    note: input.note ?? null, evidence: input.evidence ?? emptyEvidence(), corrects: input.corrects ?? null, retracted: input.retracted ?? false,
    suggestionId, signedBy: signer.id,
  };
  const { envelope, signedAt } = await signNow(deps.keys, signer, (at) => findingRecord({ ...base, signedAt: new Date(at) }, { orderNo: order.orderNo, declarationNo: decl.declarationNo, signer }));
  let row: FindingRow;
  try {
    [row] = await tx.insert(findings).values({ ...base, signedAt, envelope, keyId: envelope.keyId }).returning();
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw conflict('already_corrected', `Finding ${input.corrects} was just corrected by someone else`);
    throw e;
  }
  await recordAudit(tx, actor, input.corrects ? (input.retracted ? 'finding.retracted' : 'finding.corrected') : 'finding.recorded', { type: 'finding', id }, {
    orderId: order.id, orderNo: order.orderNo, kind: input.kind, stepKey: base.stepKey, stepResult: base.stepResult, type: base.type,
    severity: base.severity, corrects: base.corrects, suggestionId, keyId: envelope.keyId, signature: envelope.signature,
    ...(weight ? { weight } : {}),
  });
  return row;
}

async function presentOne(deps: SigningDeps, rows: FindingRow[], id: string): Promise<Finding> {
  const names = await namesOf(deps.db, rows.map((r) => r.signedBy));
  return presentFindings(rows, names, await deps.keys.listPublicKeys()).find((f) => f.id === id)!;
}

/**
 * The assigned inspector records a finding (a step result or a discrepancy), signed on submission. A correction
 * names the finding it replaces in `corrects`; the original stays as it was.
 */
export async function recordFinding(deps: SigningDeps, actor: Actor, orderId: string, input: FindingInput): Promise<Finding> {
  const row = await loadOrderRow(deps.db, orderId);
  authorizeCase(actor, 'finding.record', row, orderId, { assigned: true });
  const decl = await declarationOf(deps.db, row.declarationId);
  const created = await inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, orderId))!;
    assertOpen(order, await caseFacts(tx, orderId));
    const f = await insertFinding(tx, deps, actor, order, decl, input, null);
    invalidateOrder(uow, order);
    uow.invalidate([`office:${order.officeId}`], [['findings', orderId]]);
    return f;
  });
  const rows = await deps.db.select().from(findings).where(eq(findings.orderId, orderId)).orderBy(asc(findings.signedAt));
  return presentOne(deps, rows, created.id);
}

/** The inspector finishes the inspection (in_progress → inspected); the decision follows. */
export async function completeInspection(deps: SigningDeps, actor: Actor, orderId: string): Promise<InspectionView> {
  const row = await loadOrderRow(deps.db, orderId);
  authorizeCase(actor, 'finding.record', row, orderId, { assigned: true });
  await inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, orderId))!;
    await transitionOrder(uow, order, 'inspected', { reason: 'inspection finished' });
  });
  return getInspection(deps, actor, orderId);
}

/** A signed finding is never changed: any attempt to edit or delete it through the API is refused (after the visibility check). */
export async function refuseFindingChange(deps: SigningDeps, actor: Actor, findingId: string): Promise<never> {
  const [f] = await deps.db.select().from(findings).where(eq(findings.id, findingId)).limit(1);
  const order = f ? await loadOrderRow(deps.db, f.orderId) : null;
  authorizeCase(actor, 'order.read', order, findingId);
  throw conflict('signed_record_immutable', `Finding ${findingId} is signed and never changed: record a correction (a new finding with corrects: "${findingId}")`, { findingId });
}

/** One finding with its signature check. */
export async function getFinding(deps: SigningDeps, actor: Actor, findingId: string): Promise<Finding> {
  const [f] = await deps.db.select().from(findings).where(eq(findings.id, findingId)).limit(1);
  const order = f ? await loadOrderRow(deps.db, f.orderId) : null;
  if (!f || !order || (!isCustoms(actor) && actor.kind !== 'system')) throw notFound('Finding', findingId);
  authorizeCase(actor, 'order.read', order, findingId);
  const rows = await deps.db.select().from(findings).where(eq(findings.orderId, f.orderId)).orderBy(asc(findings.signedAt));
  return presentOne(deps, rows, findingId);
}

export interface SuggestionInput {
  field: string;
  declared?: string | null;
  observed?: string | null;
  confidence: number;
  evidence: { snapshotId?: string | null; readingId?: string | null; box?: unknown[] | null; text?: string | null };
  source?: string;
}

/**
 * Stores findings the vision module suggests for an order (a reading that disagrees with the declaration). Called
 * by the vision integration (system actor) or an inspector's tool; the inspector accepts or dismisses each.
 */
export async function addSuggestedFindings(db: Db, actor: Actor, orderId: string, items: SuggestionInput[]): Promise<SuggestedFinding[]> {
  const row = await loadOrderRow(db, orderId);
  authorizeCase(actor, 'finding.record', row, orderId);
  for (const [i, s] of items.entries()) {
    if (typeof s.field !== 'string' || !s.field.trim() || s.field.length > 100) throw badRequest('invalid_suggestion', `items.${i}.field: required, at most 100 characters`);
    if (typeof s.confidence !== 'number' || !(s.confidence >= 0 && s.confidence <= 1)) throw badRequest('invalid_suggestion', `items.${i}.confidence: a number from 0 to 1`);
  }
  return inTransaction(db, actor, async (uow) => {
    const tx = uow.tx;
    if (!items.length) return [];
    const rows = await tx.insert(suggestedFindings).values(items.map((s) => ({
      id: randomUUID(), orderId, field: s.field.trim(), declaredValue: s.declared ?? null, observedValue: s.observed ?? null,
      confidence: s.confidence, evidence: { snapshotId: s.evidence?.snapshotId ?? null, readingId: s.evidence?.readingId ?? null, box: s.evidence?.box ?? null, text: s.evidence?.text ?? null },
      source: s.source ?? 'vision',
    }))).returning();
    for (const r of rows) {
      await recordAudit(tx, actor, 'finding.suggested', { type: 'suggested_finding', id: r.id }, {
        orderId, field: r.field, declared: r.declaredValue, observed: r.observedValue, confidence: r.confidence, source: r.source,
      });
    }
    uow.invalidate([`office:${row.officeId}`, row.inspectorId ? `user:${row.inspectorId}` : null], [['findings', orderId]]);
    return rows.map(presentSuggestion);
  });
}

/** Which discrepancy type a suggestion's field stands for (the inspector may choose another). */
export function discrepancyTypeOf(field: string): FindingInput['type'] {
  const f = field.toLowerCase();
  if (f.includes('origin')) return 'origin';
  if (f.includes('mass') || f.includes('weight')) return 'weight';
  if (f.includes('quantity') || f.includes('count')) return 'quantity';
  if (f.includes('hs')) return 'hs_classification';
  if (f.includes('description') || f.includes('goods')) return 'description';
  if (f.includes('seal')) return 'seal_tampered';
  return 'other';
}

async function loadSuggestion(db: Db, actor: Actor, id: string): Promise<{ s: SuggestionRow; order: OrderRow }> {
  const [s] = await db.select().from(suggestedFindings).where(eq(suggestedFindings.id, id)).limit(1);
  const order = s ? await loadOrderRow(db, s.orderId) : null;
  authorizeCase(actor, 'finding.record', order, id, { assigned: true });
  return { s: s!, order: order! };
}

/** The inspector accepts a suggestion: it becomes a signed discrepancy finding that references the reading. */
export async function acceptSuggestion(deps: SigningDeps, actor: Actor, id: string, body: AcceptSuggestionBody): Promise<Finding> {
  const { s, order: o } = await loadSuggestion(deps.db, actor, id);
  const decl = await declarationOf(deps.db, o.declarationId);
  const created = await inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, o.id))!;
    assertOpen(order, await caseFacts(tx, order.id));
    const [fresh] = await tx.select().from(suggestedFindings).where(eq(suggestedFindings.id, id)).for('update');
    if (fresh.status !== 'suggested') throw conflict('suggestion_resolved', `Suggestion ${id} was already ${fresh.status}`);
    const ev = s.evidence as { snapshotId?: string | null; readingId?: string | null };
    const type = body.type ?? discrepancyTypeOf(s.field);
    const f = await insertFinding(tx, deps, actor, order, decl, {
      // a weight finding names the declaration's mass field (vision says netWeight / grossWeight)
      kind: 'discrepancy', type, severity: body.severity, field: type === 'weight' ? (/gross/i.test(s.field) ? 'grossMassKg' : 'netMassKg') : s.field,
      declared: s.declaredValue, observed: s.observedValue, note: body.note ?? null,
      // The vision reading the suggestion came from (or the suggestion itself when it names none).
      evidence: { snapshots: ev.snapshotId ? [ev.snapshotId] : [], recordings: [], readings: [ev.readingId ?? s.id] },
    }, s.id);
    await tx.update(suggestedFindings).set({ status: 'accepted', findingId: f.id, resolvedBy: actor.userId, resolvedAt: new Date() }).where(eq(suggestedFindings.id, id));
    await recordAudit(tx, actor, 'finding.suggestion_accepted', { type: 'suggested_finding', id }, { orderId: order.id, findingId: f.id, severity: body.severity });
    uow.invalidate([`office:${order.officeId}`], [['findings', order.id]]);
    return f;
  });
  const rows = await deps.db.select().from(findings).where(eq(findings.orderId, o.id)).orderBy(asc(findings.signedAt));
  return presentOne(deps, rows, created.id);
}

/** The inspector dismisses a suggestion, saying why (audited). */
export async function dismissSuggestion(deps: SigningDeps, actor: Actor, id: string, body: DismissSuggestionBody): Promise<SuggestedFinding> {
  const { order: o } = await loadSuggestion(deps.db, actor, id);
  return inTransaction(deps.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = (await lockOrder(tx, o.id))!;
    assertOpen(order, await caseFacts(tx, order.id));
    const [fresh] = await tx.select().from(suggestedFindings).where(eq(suggestedFindings.id, id)).for('update');
    if (fresh.status !== 'suggested') throw conflict('suggestion_resolved', `Suggestion ${id} was already ${fresh.status}`);
    const [out] = await tx.update(suggestedFindings).set({ status: 'dismissed', dismissReason: body.reason, resolvedBy: actor.userId, resolvedAt: new Date() })
      .where(eq(suggestedFindings.id, id)).returning();
    await recordAudit(tx, actor, 'finding.suggestion_dismissed', { type: 'suggested_finding', id }, { orderId: order.id, reason: body.reason });
    uow.invalidate([`office:${order.officeId}`], [['findings', order.id]]);
    return presentSuggestion(out);
  });
}

/** Everything recorded on one order, for the customs side (findings, suggestions, decisions), with signature checks. */
export async function loadCaseRecords(deps: SigningDeps, orderId: string) {
  const db = deps.db;
  const fRows = await db.select().from(findings).where(eq(findings.orderId, orderId)).orderBy(asc(findings.signedAt), asc(findings.id));
  const sRows = await db.select().from(suggestedFindings).where(eq(suggestedFindings.orderId, orderId)).orderBy(asc(suggestedFindings.createdAt), asc(suggestedFindings.id));
  const dRows = await db.select().from(decisions).where(eq(decisions.orderId, orderId)).orderBy(asc(decisions.signedAt), asc(decisions.id));
  const rRows = dRows.length ? await db.select().from(decisionReviews).where(eq(decisionReviews.orderId, orderId)) : [];
  const eRows = await db.select().from(decisionEffects).where(eq(decisionEffects.orderId, orderId));
  const names = await namesOf(db, [...fRows.map((r) => r.signedBy), ...dRows.map((r) => r.signedBy), ...rRows.map((r) => r.signedBy)]);
  const keys = await deps.keys.listPublicKeys();
  return {
    findingRows: fRows, suggestionRows: sRows, decisionRows: dRows, reviewRows: rRows, effectRows: eRows,
    findings: presentFindings(fRows, names, keys),
    suggestions: sRows.map(presentSuggestion),
    decisions: presentDecisions(dRows, rRows, eRows, names, keys),
  };
}

/**
 * The checklist the findings follow: the steps of the order's live session(s) (template key, or `custom-N` for a
 * step the inspector added) with their texts and the results ticked during the session; the default checklist when
 * there was no session.
 */
async function sessionChecklist(db: Db, orderId: string): Promise<Pick<InspectionView, 'checklist' | 'stepTexts' | 'sessionResults'>> {
  const rows = await db.select({ s: sessionSteps }).from(sessionSteps)
    .innerJoin(liveSessions, eq(liveSessions.id, sessionSteps.sessionId))
    .where(eq(liveSessions.orderId, orderId)).orderBy(asc(liveSessions.createdAt), asc(sessionSteps.ordinal));
  if (!rows.length) return { checklist: [...CHECKLIST_STEPS], stepTexts: {}, sessionResults: {} };
  const checklist: string[] = [];
  const stepTexts: InspectionView['stepTexts'] = {};
  const sessionResults: InspectionView['sessionResults'] = {};
  for (const { s } of rows) {
    const key = (s.templateKey && /^[a-z0-9][a-z0-9_-]*$/.test(s.templateKey) ? s.templateKey : `custom-${s.ordinal}`).slice(0, 100);
    if (!checklist.includes(key)) checklist.push(key);
    stepTexts[key] = s.text;
    if (s.result || !(key in sessionResults)) sessionResults[key] = s.result ?? null;
  }
  return { checklist, stepTexts, sessionResults };
}

/** The inspector's (and supervisor's) view of one inspection: declared values, checklist, findings, suggestions, decisions. */
export async function getInspection(deps: SigningDeps, actor: Actor, orderId: string): Promise<InspectionView> {
  const row = await loadOrderRow(deps.db, orderId);
  authorizeCase(actor, 'order.read', row, orderId);
  if (!isCustoms(actor) && actor.kind !== 'system') throw notFound('Inspection order', orderId);
  const decl = await declarationOf(deps.db, row.declarationId);
  const [ent] = await deps.db.select({ name: organisations.name }).from(organisations).where(eq(organisations.id, row.enterpriseId));
  const names = await namesOf(deps.db, [row.inspectorId]);
  const recs = await loadCaseRecords(deps, orderId);
  const facts = await caseFacts(deps.db, orderId);
  return {
    order: {
      id: row.id, orderNo: row.orderNo, state: row.state, mode: row.mode, inspectorId: row.inspectorId,
      inspectorName: row.inspectorId ? (names.get(row.inspectorId)?.name ?? null) : null, enterpriseName: ent?.name ?? '',
    },
    declaration: {
      id: decl.id, declarationNo: decl.declarationNo, hs6: decl.hs6, countryOfOrigin: decl.countryOfOrigin, netMassKg: decl.netMassKg,
      grossMassKg: decl.grossMassKg ?? null, itemPrice: decl.itemPrice, goodsDescription: decl.goodsDescription, status: decl.status,
    },
    weightTolerancePct: (await loadOrderSettings(deps.db, row.officeId)).weightTolerancePct ?? 5,
    ...(await sessionChecklist(deps.db, orderId)),
    findings: recs.findings,
    suggestions: recs.suggestions,
    decisions: recs.decisions,
    can: inspectionCan(actor, row, facts),
  };
}

const OPEN_STATES = ['in_progress', 'inspected'];
const DONE_STATES = ['decided', 'closed'];

/**
 * Inspections to work on: an inspector's own (scope mine, the default for inspectors) or the office's (supervisors:
 * with a pending decision first). `state` open = in progress or inspected, decided = decided or closed.
 */
export async function listInspections(db: Db, actor: Actor, q: InspectionListQuery): Promise<InspectionList> {
  requireRole(actor, 'order.read');
  if (!isCustoms(actor)) throw notFound('Inspections');
  const scope = q.scope ?? (actor.role === 'inspector' ? 'mine' : 'office');
  const states = q.state === 'decided' ? DONE_STATES : q.state === 'all' ? [...OPEN_STATES, ...DONE_STATES] : OPEN_STATES;
  const conds = [eq(inspectionOrders.officeId, actor.officeId!), inArray(inspectionOrders.state, states)];
  if (scope === 'mine') conds.push(eq(inspectionOrders.inspectorId, actor.userId!));
  const rows = await db.select({ o: inspectionOrders, declarationNo: declarations.declarationNo, enterpriseName: organisations.name, inspectorName: users.displayName })
    .from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId))
    .innerJoin(organisations, eq(organisations.id, inspectionOrders.enterpriseId))
    .leftJoin(users, eq(users.id, inspectionOrders.inspectorId))
    .where(and(...conds)).orderBy(desc(inspectionOrders.updatedAt)).limit(q.limit ?? 100);
  const ids = rows.map((r) => r.o.id);
  const counts = ids.length ? await db.select({ orderId: findings.orderId, n: sql<number>`count(*)::int` }).from(findings)
    .where(and(inArray(findings.orderId, ids), eq(findings.kind, 'discrepancy'))).groupBy(findings.orderId) : [];
  const latest = ids.length ? await db.select({ d: decisions, review: decisionReviews.verdict, effect: decisionEffects.decisionId }).from(decisions)
    .leftJoin(decisionReviews, eq(decisionReviews.decisionId, decisions.id))
    .leftJoin(decisionEffects, eq(decisionEffects.decisionId, decisions.id))
    .where(inArray(decisions.orderId, ids)).orderBy(asc(decisions.signedAt)) : [];
  const countOf = new Map(counts.map((c) => [c.orderId, Number(c.n)]));
  const decisionOf = new Map<string, { id: string; outcome: string; status: string }>();
  for (const l of latest) {
    decisionOf.set(l.d.orderId, { id: l.d.id, outcome: l.d.outcome, status: l.effect ? 'effective' : l.review === 'rejected' ? 'rejected' : 'pending_approval' });
  }
  return {
    items: rows.map((r) => ({
      orderId: r.o.id, orderNo: r.o.orderNo, state: r.o.state, declarationNo: r.declarationNo, enterpriseName: r.enterpriseName,
      inspectorName: r.inspectorName ?? null, findings: countOf.get(r.o.id) ?? 0, decision: decisionOf.get(r.o.id) ?? null,
      updatedAt: r.o.updatedAt.toISOString(),
    })),
  };
}

