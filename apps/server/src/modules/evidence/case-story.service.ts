// The complete story of one inspection, in workflow order: declaration, selection (risk or random, with the seed),
// dispatch draw, eligibility decision, booking, session timeline and media, findings, decision, approvals, and every
// audit entry whose target is one of the case's records. Supervisors and auditors read it; the evidence package
// carries it.
import { and, asc, desc, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { AuditEntry } from '@rvi/evidence';
import type { CaseList, CaseStory } from '@rvi/contracts';
import {
  appointments, arrivalConfirmations, arrivalNotices, auditLog, declarations, decisionEffects, dispatchRuns,
  eligibilityDecisions, importBatches, inspectionApplications, inspectionOrders, organisations, orderTransitions, riskScores,
  selectionRuns, selections, users,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { notFound } from '../../platform/errors.ts';
import { requireRole } from '../../platform/policy.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { loadCaseRecords, loadOrderRow } from '../findings/findings.service.ts';
import type { SigningDeps } from '../findings/findings.signing.ts';
import { listCaseMedia, presentMedia, type CaseMediaFile } from './media.service.ts';
import { loadSessionTimeline } from './sessions.adapter.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** Rows as plain JSON (dates as ISO strings), for the story and the manifest. */
function plain<T extends Record<string, unknown>>(row: T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

function toEntry(r: typeof auditLog.$inferSelect): AuditEntry {
  return { ...r, summary: r.summary ?? null };
}

/** Audit entries whose target is one of the given records, in chain order. */
export async function auditForTargets(db: Db, targets: Record<string, (string | null | undefined)[]>): Promise<AuditEntry[]> {
  const conds: SQL[] = [];
  for (const [type, ids] of Object.entries(targets)) {
    const list = [...new Set(ids.filter((x): x is string => !!x))];
    if (list.length) conds.push(and(eq(auditLog.targetType, type), inArray(auditLog.targetId, list))!);
  }
  if (!conds.length) return [];
  const rows = await db.select().from(auditLog).where(or(...conds)).orderBy(asc(auditLog.seq));
  return rows.map(toEntry);
}

/** What assembling a case needs: the database, the key ring (signature checks) and DATA_DIR (media files). */
export interface CaseDeps extends SigningDeps {
  config: { dataDir: string };
}

export interface AssembledCase {
  story: CaseStory;
  media: CaseMediaFile[];
  /** Every signed envelope of the case (findings, decisions, reviews) exactly as stored. */
  envelopes: unknown[];
}

/** Builds the case without authorisation (callers check first). */
export async function assembleCase(deps: CaseDeps, orderId: string): Promise<AssembledCase | null> {
  const db = deps.db;
  const order = await loadOrderRow(db, orderId);
  if (!order) return null;
  const [decl] = await db.select().from(declarations).where(eq(declarations.id, order.declarationId));
  const [enterprise] = await db.select({ name: organisations.name, code: organisations.code }).from(organisations).where(eq(organisations.id, order.enterpriseId));
  const notices = await db.select({ n: arrivalNotices, confirmedAt: arrivalConfirmations.confirmedAt }).from(arrivalNotices)
    .leftJoin(arrivalConfirmations, eq(arrivalConfirmations.arrivalNoticeId, arrivalNotices.id))
    .where(eq(arrivalNotices.declarationId, decl.id)).orderBy(asc(arrivalNotices.createdAt));
  const applications = await db.select().from(inspectionApplications).where(eq(inspectionApplications.declarationId, decl.id)).orderBy(asc(inspectionApplications.createdAt));
  const [batch] = decl.importBatchId ? await db.select().from(importBatches).where(eq(importBatches.id, decl.importBatchId)) : [];

  const [sel] = await db.select({ s: selections, run: selectionRuns }).from(selections)
    .innerJoin(selectionRuns, eq(selectionRuns.id, selections.runId)).where(eq(selections.declarationId, decl.id)).limit(1);
  const [risk] = await db.select().from(riskScores).where(eq(riskScores.declarationId, decl.id)).limit(1);

  const transitions = await db.select().from(orderTransitions).where(eq(orderTransitions.orderId, orderId)).orderBy(asc(orderTransitions.at), asc(orderTransitions.id));
  const runIds = [...new Set([order.dispatchRunId].filter((x): x is string => !!x))];
  const runs = runIds.length ? await db.select().from(dispatchRuns).where(inArray(dispatchRuns.id, runIds)) : [];
  const run = runs[0];
  const draw = run ? ((run.result as { orders?: { orderId: string }[] }).orders ?? []).find((o) => o.orderId === orderId) ?? null : null;
  const eligibility = await db.select().from(eligibilityDecisions).where(eq(eligibilityDecisions.orderId, orderId)).orderBy(asc(eligibilityDecisions.decidedAt));
  const appts = await db.select().from(appointments).where(eq(appointments.orderId, orderId)).orderBy(asc(appointments.createdAt));
  const media = await listCaseMedia(db, deps.config.dataDir, orderId);
  const sessions = await loadSessionTimeline(db, orderId);
  const recs = await loadCaseRecords(deps, orderId);
  const names = new Map((await db.select({ id: users.id, name: users.displayName }).from(users)
    .where(inArray(users.id, [order.inspectorId, ...transitions.map((t) => t.actorId)].filter((x): x is string => !!x).concat('-')))).map((u) => [u.id, u.name]));

  const audit = await auditForTargets(db, {
    declaration: [decl.id],
    import_batch: [decl.importBatchId],
    arrival_notice: notices.map((n) => n.n.id),
    inspection_application: applications.map((a) => a.id),
    selection_run: [sel?.run.id],
    inspection_order: [orderId],
    dispatch_run: runIds,
    eligibility_rule_set: eligibility.map((e) => e.ruleSetId),
    appointment: appts.map((a) => a.id),
    case_media: media.filter((m) => m.source === 'case_media').map((m) => m.id),
    recording_segment: media.filter((m) => m.source === 'recording_segment').map((m) => m.id),
    session_snapshot: media.filter((m) => m.source === 'session_snapshot').map((m) => m.id),
    snapshot: media.filter((m) => m.source === 'session_snapshot').map((m) => m.id),
    live_session: sessions.map((x) => x.sessionId),
    finding: recs.findingRows.map((f) => f.id),
    suggested_finding: recs.suggestionRows.map((s) => s.id),
    decision: recs.decisionRows.map((d) => d.id),
    decision_review: recs.reviewRows.map((r) => r.id),
  });

  const story: CaseStory = {
    orderId, orderNo: order.orderNo, state: order.state,
    declaration: {
      ...plain(decl), enterpriseName: enterprise?.name ?? null, enterpriseCode: enterprise?.code ?? null,
      importBatch: batch ? { id: batch.id, fileName: batch.fileName, sha256: batch.sha256, rows: batch.rows, createdAt: iso(batch.createdAt) } : null,
      arrivalNotices: notices.map((n) => ({ ...plain(n.n), confirmedAt: iso(n.confirmedAt) })),
      inspectionApplications: applications.map((a) => plain(a)),
    },
    selection: sel ? {
      kind: sel.s.reason, rank: sel.s.rank, runId: sel.run.id, seed: sel.run.seed, algorithm: sel.run.algorithm, rate: sel.run.rate,
      randomShare: sel.run.randomShare, trigger: sel.run.trigger, modelId: sel.run.modelId, candidates: (sel.run.items as unknown[]).length,
      selectedAt: iso(sel.s.createdAt),
    } : { kind: order.selection, rank: null, runId: null, seed: null, algorithm: null, selectedAt: iso(order.createdAt) },
    risk: risk ? { score: risk.score, channel: risk.channel, modelId: risk.modelId, explanation: risk.explanation ?? null, scoredAt: iso(risk.scoredAt) } : null,
    order: {
      ...plain(order), inspectorName: order.inspectorId ? (names.get(order.inspectorId) ?? null) : null,
    },
    dispatch: run ? {
      runId: run.id, seed: run.seed, algorithm: run.algorithm, runDate: run.runDate, inputHash: run.inputHash, createdAt: iso(run.createdAt),
      summary: run.summary, draw,
    } : null,
    eligibility: eligibility.length ? { ...plain(eligibility[eligibility.length - 1]), history: eligibility.map((e) => plain(e)) } : null,
    booking: appts.map((a) => plain(a)),
    sessions,
    media: media.map(presentMedia),
    findings: recs.findings,
    suggestions: recs.suggestions,
    decisions: recs.decisions,
    transitions: transitions.map((t) => ({ ...plain(t), actorName: t.actorId ? (names.get(t.actorId) ?? null) : null })),
    audit: audit.map((e) => ({ ...e })),
  };
  const envelopes = [
    ...recs.findingRows.map((f) => ({ kind: 'finding', id: f.id, envelope: f.envelope })),
    ...recs.decisionRows.map((d) => ({ kind: 'decision', id: d.id, envelope: d.envelope })),
    ...recs.reviewRows.map((r) => ({ kind: 'decision_review', id: r.id, envelope: r.envelope })),
  ];
  return { story, media, envelopes };
}

/** Supervisors, auditors and administrators of the order's office read the whole case. */
export async function getCaseStory(deps: CaseDeps, actor: Actor, orderId: string): Promise<CaseStory> {
  const order = await loadOrderRow(deps.db, orderId);
  authorizeCase(actor, 'audit.read', order, orderId);
  const c = await assembleCase(deps, orderId);
  if (!c) throw notFound('Inspection order', orderId);
  return c.story;
}

/** Cases of the office (orders whose inspection has started), decided ones with their outcome, newest first. */
export async function listCases(db: Db, actor: Actor, limit = 100): Promise<CaseList> {
  requireRole(actor, 'audit.read');
  const rows = await db.select({ o: inspectionOrders, declarationNo: declarations.declarationNo, enterpriseName: organisations.name, e: decisionEffects })
    .from(inspectionOrders)
    .innerJoin(declarations, eq(declarations.id, inspectionOrders.declarationId))
    .innerJoin(organisations, eq(organisations.id, inspectionOrders.enterpriseId))
    .leftJoin(decisionEffects, eq(decisionEffects.orderId, inspectionOrders.id))
    .where(and(eq(inspectionOrders.officeId, actor.officeId ?? '-'), inArray(inspectionOrders.state, ['in_progress', 'inspected', 'decided', 'closed'])))
    .orderBy(desc(inspectionOrders.updatedAt)).limit(limit);
  return {
    items: rows.map((r) => ({
      orderId: r.o.id, orderNo: r.o.orderNo, state: r.o.state, declarationNo: r.declarationNo, enterpriseName: r.enterpriseName,
      outcome: r.e?.outcome ?? null, decidedAt: iso(r.e?.effectiveAt),
    })),
  };
}
