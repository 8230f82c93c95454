// Findings, decisions and evidence (issue 7). Findings, decisions and decision reviews are signed when submitted
// (Ed25519 envelope stored with the row) and never changed afterwards: a correction is a new finding that names the
// one it corrects, a rejected decision is followed by a new one. A trigger refuses UPDATE on these tables.
import { sql } from 'drizzle-orm';
import { bigint, boolean, doublePrecision, index, jsonb, pgTable, text, timestamp, uniqueIndex, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { declarations, organisations, users } from './core.ts';
import { inspectionOrders } from './orders.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Free references to the evidence a finding rests on (the session and vision modules own the referenced records). */
export interface EvidenceRefs {
  snapshots: string[];
  recordings: { recordingId: string | null; start: string; end: string }[];
  readings: string[];
}

/**
 * One signed finding of an inspection: the result of a checklist step (kind `step`) or a discrepancy between the
 * declaration and what was observed (kind `discrepancy`). `corrects` names the finding this one replaces; a
 * correction with `retracted` withdraws the finding it corrects.
 */
export const findings = pgTable('findings', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  enterpriseId: text('enterprise_id').notNull().references(() => organisations.id),
  kind: text('kind').$type<'step' | 'discrepancy'>().notNull(),
  stepKey: text('step_key'),
  stepResult: text('step_result').$type<'pass' | 'fail' | 'not_applicable'>(),
  type: text('type'),
  severity: text('severity').$type<'minor' | 'significant' | 'critical'>(),
  field: text('field'),
  declaredValue: text('declared_value'),
  observedValue: text('observed_value'),
  note: text('note'),
  evidence: jsonb('evidence').$type<EvidenceRefs>().notNull(),
  corrects: text('corrects').references((): AnyPgColumn => findings.id),
  retracted: boolean('retracted').notNull().default(false),
  suggestionId: text('suggestion_id'),
  /** The signed envelope {record, signer, signedAt, keyId, algorithm, signature} exactly as signed. */
  envelope: jsonb('envelope').notNull(),
  keyId: text('key_id').notNull(),
  signedBy: text('signed_by').notNull().references(() => users.id),
  signedAt: ts('signed_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  index('findings_order_idx').on(t.orderId, t.signedAt),
  // A finding is corrected at most once: later corrections correct the correction.
  uniqueIndex('findings_corrects_uq').on(t.corrects).where(sql`corrects is not null`),
]);

/** Findings the vision module suggests (a label reading that disagrees with the declaration); the inspector accepts or dismisses each. */
export const suggestedFindings = pgTable('suggested_findings', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  field: text('field').notNull(),
  declaredValue: text('declared_value'),
  observedValue: text('observed_value'),
  confidence: doublePrecision('confidence').notNull(),
  /** {snapshotId, box, text} of the reading. */
  evidence: jsonb('evidence').notNull(),
  source: text('source').notNull().default('vision'),
  status: text('status').$type<'suggested' | 'accepted' | 'dismissed'>().notNull().default('suggested'),
  findingId: text('finding_id').references(() => findings.id),
  resolvedBy: text('resolved_by').references(() => users.id),
  resolvedAt: ts('resolved_at'),
  dismissReason: text('dismiss_reason'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('suggested_findings_order_idx').on(t.orderId, t.createdAt)]);

/**
 * A decision the inspector signed: release, release with correction, hold, on-site re-inspection or referral for
 * enforcement. `requiresApproval` is fixed when signed (four eyes for everything but a clean release); the effect
 * (order decided and closed, declaration released or held, outcome label) happens at signing or at approval.
 */
export const decisions = pgTable('decisions', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  enterpriseId: text('enterprise_id').notNull().references(() => organisations.id),
  outcome: text('outcome').$type<'release' | 'release_with_correction' | 'hold' | 'onsite_reinspection' | 'refer_enforcement'>().notNull(),
  corrections: jsonb('corrections').$type<{ field: string; declared: string | null; corrected: string; findingId: string | null }[]>().notNull(),
  reason: text('reason'),
  /** The current findings the decision rests on (ids), as signed. */
  findingIds: jsonb('finding_ids').$type<string[]>().notNull(),
  requiresApproval: boolean('requires_approval').notNull(),
  envelope: jsonb('envelope').notNull(),
  keyId: text('key_id').notNull(),
  signedBy: text('signed_by').notNull().references(() => users.id),
  signedAt: ts('signed_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('decisions_order_idx').on(t.orderId, t.signedAt), index('decisions_office_idx').on(t.officeId, t.signedAt)]);

/** A supervisor's signed approval or rejection of a decision (at most one per decision). */
export const decisionReviews = pgTable('decision_reviews', {
  id: text('id').primaryKey(),
  decisionId: text('decision_id').notNull().references(() => decisions.id),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  verdict: text('verdict').$type<'approved' | 'rejected'>().notNull(),
  reason: text('reason'),
  envelope: jsonb('envelope').notNull(),
  keyId: text('key_id').notNull(),
  signedBy: text('signed_by').notNull().references(() => users.id),
  signedAt: ts('signed_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('decision_reviews_decision_uq').on(t.decisionId), index('decision_reviews_order_idx').on(t.orderId)]);

/** The decision that took effect for an order, when and how (one per order). */
export const decisionEffects = pgTable('decision_effects', {
  orderId: text('order_id').primaryKey().references(() => inspectionOrders.id),
  decisionId: text('decision_id').notNull().references(() => decisions.id),
  outcome: text('outcome').notNull(),
  /** Release time when the outcome releases the goods. */
  releasedAt: ts('released_at'),
  effectiveAt: ts('effective_at').notNull(),
  fraud: boolean('fraud').notNull(),
  critical: boolean('critical').notNull(),
});

/**
 * Media files that belong to a case (recording segments, snapshots), registered by the session module or an
 * import; the evidence package carries each with its size, SHA-256 and time range.
 */
export const caseMedia = pgTable('case_media', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  sessionId: text('session_id'),
  kind: text('kind').$type<'recording' | 'snapshot'>().notNull(),
  name: text('name').notNull(),
  /** Absolute path, or relative to DATA_DIR. */
  path: text('path').notNull(),
  contentType: text('content_type'),
  size: bigint('size', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  startedAt: ts('started_at'),
  endedAt: ts('ended_at'),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('case_media_order_idx').on(t.orderId, t.startedAt), uniqueIndex('case_media_order_name_uq').on(t.orderId, t.name)]);

/** Retention periods per record type (ISO 8601 duration or `forever`); types without a row use the built-in defaults. */
export const retentionPolicies = pgTable('retention_policies', {
  recordType: text('record_type').primaryKey(),
  period: text('period').notNull(),
  updatedBy: text('updated_by').references(() => users.id),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/**
 * Four-eyes deletion of one record after retention (issue 13): an administrator asks (with a reason), a different
 * administrator approves before `expires_at`; the deletion, and its signed tombstone in the audit log, happen at
 * approval. `content_sha256` is the record's content when asked: a record changed since is not deleted on that request.
 */
export const deletionRequests = pgTable('deletion_requests', {
  id: text('id').primaryKey(),
  recordType: text('record_type').notNull(),
  recordId: text('record_id').notNull(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  contentSha256: text('content_sha256').notNull(),
  reason: text('reason').notNull(),
  status: text('status').$type<'pending' | 'executed' | 'rejected' | 'expired'>().notNull().default('pending'),
  requestedBy: text('requested_by').notNull().references(() => users.id),
  requestedAt: ts('requested_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  decidedBy: text('decided_by').references(() => users.id),
  decidedAt: ts('decided_at'),
  decisionReason: text('decision_reason'),
  /** The signed tombstone (SignedEnvelope) written when the deletion was executed. */
  tombstone: jsonb('tombstone'),
}, (t) => [
  // One open request per record at a time.
  uniqueIndex('deletion_requests_pending_uq').on(t.recordType, t.recordId).where(sql`status = 'pending'`),
  index('deletion_requests_office_idx').on(t.officeId, t.requestedAt),
]);
