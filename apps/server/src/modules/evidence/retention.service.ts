// Retention: how long each type of record is kept, and the only way one is ever deleted (issue 13).
//
// - A period is configured per record type (table retention_policies, defaults below) and can never be set below the
//   legal minimum of its type (RVI_RETENTION_MINIMUMS, itself never below RETENTION_FLOOR = 1 year): 400 naming
//   body.period and the minimum. Deletion uses the longer of the two, so a period written into the table by other
//   means still does not shorten the legal minimum.
// - Nothing of an open case (order not closed or cancelled) or of a case under a hold (goods held, a hold or
//   enforcement referral in effect) is deleted: 409 saying why.
// - Four eyes: administrator A asks for the deletion of one record with a reason; a different administrator B of the
//   same office approves before the request expires (RVI_RETENTION_APPROVAL_HOURS). A approving their own: 403.
// - The deletion writes a signed tombstone (what was deleted, its content hash, who asked, who approved, why, the
//   retention basis), signed with the server's key ring, into the hash-chained audit log in the same transaction.
// - The automatic sweep (RVI_RETENTION_SWEEP_MINUTES, off by default) deletes only what the same rules allow, after
//   the configured period (never shorter than the legal minimum); its tombstones name the policy as the basis.
import { assertApprovalDuties, dutyWindowHours } from '../../platform/duties.ts';
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, lte } from 'drizzle-orm';
import {
  canonicalJson, decideDeletion, parseRetentionPeriod, periodAtLeast, sha256Hex, signRecordWithRing, verifySignedRecord,
  type DeletionDecision, type KeyRing, type PublicKeyInfo, type RetentionPolicy, type SignedEnvelope,
} from '@rvi/evidence';
import { TERMINAL_STATES } from '@rvi/dispatch';
import { RETENTION_RECORD_TYPES, type RetentionPolicyList, type RetentionRecordType } from '@rvi/contracts';
import {
  caseMedia, decisionEffects, decisionReviews, decisions, declarations, deletionRequests, findings, inspectionOrders, liveSessions, recordingSegments,
  retentionPolicies, sessionSnapshots, suggestedFindings, users,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { requireRole, roleAllows } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { findCaseMedia, mediaSha256, removeMedia } from './media.service.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import type { RetentionConfig } from '../../platform/retention-config.ts';
import { transaction } from '../../platform/unit-of-work.ts';

/** Built-in periods (a row in retention_policies overrides one; never shorter than the legal minimum). */
export const DEFAULT_RETENTION: Readonly<Record<RetentionRecordType, string>> = Object.freeze({
  findings: 'P10Y',
  decisions: 'P10Y',
  suggested_findings: 'P5Y',
  recordings: 'P5Y',
  snapshots: 'P5Y',
});

export const TOMBSTONE_KIND = 'rvi.tombstone/1';

/** What the retention functions need of the application context. */
export interface RetentionDeps {
  db: Db;
  keys: KeyRing;
  config: { dataDir: string; retention: RetentionConfig; dutyWindowDays?: number };
  /** Where segments and snapshots are (absent: DATA_DIR/media). */
  store?: ObjectStore;
}

export async function loadRetentionPolicy(db: Db): Promise<{ policy: RetentionPolicy; rows: Map<string, typeof retentionPolicies.$inferSelect> }> {
  const rows = new Map((await db.select().from(retentionPolicies)).map((r) => [r.recordType, r]));
  const policy: Record<string, string> = { ...DEFAULT_RETENTION };
  for (const [t, r] of rows) policy[t] = r.period;
  return { policy, rows };
}

export async function listRetention(deps: Pick<RetentionDeps, 'db' | 'config'>, actor: Actor): Promise<RetentionPolicyList> {
  if (!roleAllows(actor, 'admin.manage') && !roleAllows(actor, 'audit.read')) throw forbidden(`Your role (${actor.role}) may not read retention settings`);
  const { policy, rows } = await loadRetentionPolicy(deps.db);
  return {
    items: RETENTION_RECORD_TYPES.map((t) => ({
      recordType: t, period: policy[t], minimum: deps.config.retention.minimums[t], source: rows.has(t) ? 'configured' as const : 'default' as const,
      updatedAt: rows.get(t)?.updatedAt.toISOString() ?? null,
    })),
  };
}

/** Administrator sets the period of a record type (ISO 8601 duration or "forever"), never below its legal minimum; audited. */
export async function setRetention(deps: Pick<RetentionDeps, 'db' | 'config'>, actor: Actor, recordType: RetentionRecordType, period: string): Promise<RetentionPolicyList> {
  requireRole(actor, 'admin.manage');
  try {
    parseRetentionPeriod(period);
  } catch (e) {
    throw badRequest('invalid_period', `period: ${(e as Error).message}`, [{ field: 'body.period', message: (e as Error).message }]);
  }
  const minimum = deps.config.retention.minimums[recordType];
  if (!periodAtLeast(period, minimum)) {
    const message = `period ${period} is below the legal minimum for ${recordType} (${minimum})`;
    throw badRequest('below_legal_minimum', `period: ${message}`, [{ field: 'body.period', message, minimum }]);
  }
  await transaction(deps.db, async (tx) => {
    const { policy } = await loadRetentionPolicy(tx);
    await tx.insert(retentionPolicies).values({ recordType, period, updatedBy: actor.userId })
      .onConflictDoUpdate({ target: retentionPolicies.recordType, set: { period, updatedBy: actor.userId, updatedAt: new Date() } });
    await recordAudit(tx, actor, 'retention.changed', { type: 'retention_policy', id: recordType }, { recordType, from: policy[recordType] ?? null, to: period, minimum });
  });
  return listRetention(deps, actor);
}

interface Target {
  recordType: RetentionRecordType;
  id: string;
  orderId: string;
  createdAt: Date;
  auditType: string;
  /** SHA-256 of the record's content: the media file's bytes as recorded, or the canonical JSON of the stored row. */
  contentSha256: string;
  remove: (tx: Db) => Promise<void>;
  file?: { path: string; key: string | null };
  facts: Record<string, unknown>;
}

/** The Postgres error code, also when the driver wraps the error (DrizzleQueryError.cause). */
function pgCode(e: unknown): string | undefined {
  const x = e as { code?: string; cause?: { code?: string } };
  return x?.code ?? x?.cause?.code;
}

/** A record deleted meanwhile (another node's sweep, a concurrent approval) gets no second tombstone. */
function gone(rows: unknown[], type: string, id: string): void {
  if (rows.length === 0) throw conflict('already_deleted', `${type} ${id} was deleted meanwhile`);
}

function rowHash(row: unknown): string {
  return sha256Hex(canonicalJson(JSON.parse(JSON.stringify(row))));
}

async function loadTarget(db: Db, dataDir: string, type: RetentionRecordType, id: string): Promise<Target | null> {
  if (type === 'findings') {
    const [f] = await db.select().from(findings).where(eq(findings.id, id));
    return f ? {
      recordType: type, id, orderId: f.orderId, createdAt: f.signedAt, auditType: 'finding', contentSha256: rowHash(f),
      facts: { kind: f.kind, signedBy: f.signedBy, signedAt: f.signedAt.toISOString(), signature: (f.envelope as { signature?: string }).signature ?? null },
      remove: async (tx) => {
        // An accepted suggestion keeps its reading but no longer points at the deleted finding.
        await tx.update(suggestedFindings).set({ findingId: null }).where(eq(suggestedFindings.findingId, id));
        gone(await tx.delete(findings).where(eq(findings.id, id)).returning({ id: findings.id }), type, id);
      },
    } : null;
  }
  if (type === 'decisions') {
    const [d] = await db.select().from(decisions).where(eq(decisions.id, id));
    return d ? {
      recordType: type, id, orderId: d.orderId, createdAt: d.signedAt, auditType: 'decision', contentSha256: rowHash(d),
      facts: { outcome: d.outcome, signedBy: d.signedBy, signedAt: d.signedAt.toISOString(), signature: (d.envelope as { signature?: string }).signature ?? null },
      remove: async (tx) => {
        // The review and the effect belong to the decision and go with it (the audit log keeps their history).
        await tx.delete(decisionReviews).where(eq(decisionReviews.decisionId, id));
        await tx.delete(decisionEffects).where(eq(decisionEffects.decisionId, id));
        gone(await tx.delete(decisions).where(eq(decisions.id, id)).returning({ id: decisions.id }), type, id);
      },
    } : null;
  }
  if (type === 'suggested_findings') {
    const [s] = await db.select().from(suggestedFindings).where(eq(suggestedFindings.id, id));
    return s ? {
      recordType: type, id, orderId: s.orderId, createdAt: s.createdAt, auditType: 'suggested_finding', contentSha256: rowHash(s),
      facts: { field: s.field, status: s.status }, remove: async (tx) => { gone(await tx.delete(suggestedFindings).where(eq(suggestedFindings.id, id)).returning({ id: suggestedFindings.id }), type, id); },
    } : null;
  }
  const kind = type === 'recordings' ? 'recording' : 'snapshot';
  const m = await findCaseMedia(db, dataDir, id);
  if (!m || m.kind !== kind) return null;
  const table = m.source === 'case_media' ? caseMedia : m.source === 'recording_segment' ? recordingSegments : sessionSnapshots;
  return {
    recordType: type, id, orderId: m.orderId, createdAt: m.createdAt, auditType: m.source, file: { path: m.path, key: m.key }, contentSha256: m.sha256,
    facts: { name: m.name, size: m.size, sha256: m.sha256, sessionId: m.sessionId },
    remove: async (tx) => { gone(await tx.delete(table).where(eq(table.id, id)).returning({ id: table.id }), type, id); },
  };
}

interface Assessment {
  decision: DeletionDecision;
  period: string;
  minimum: string;
  order: typeof inspectionOrders.$inferSelect;
}

/**
 * May this record be deleted now? Throws 409 with the reason in words: under retention (the configured period or the
 * legal minimum, whichever ends later), the case still open, or the case under a hold.
 */
async function assess(deps: Pick<RetentionDeps, 'db' | 'config'>, target: Target, order: typeof inspectionOrders.$inferSelect, now: Date): Promise<Assessment> {
  const type = target.recordType;
  const { policy } = await loadRetentionPolicy(deps.db);
  const period = policy[type];
  const minimum = deps.config.retention.minimums[type];
  const byPolicy = decideDeletion({ recordType: type, createdAt: target.createdAt, now, policy });
  const byMinimum = decideDeletion({ recordType: type, createdAt: target.createdAt, now, policy: { [type]: minimum } });
  const details = { recordType: type, id: target.id, orderId: order.id, period, minimum };
  // The stricter answer wins: kept forever or without a policy, else the later of the two dates.
  const refused = [byPolicy, byMinimum].filter((d) => !d.deletable)
    .sort((x, y) => (x.retainUntil === null ? -1 : y.retainUntil === null ? 1 : y.retainUntil.localeCompare(x.retainUntil)))[0];
  if (refused) {
    const why = refused === byMinimum ? `under the legal minimum retention (${minimum}) until ${refused.retainUntil}` : `${refused.message} (legal minimum ${minimum})`;
    throw conflict(refused.reason === 'under_retention' ? 'under_retention' : 'retained', `${type} ${target.id} may not be deleted: ${why}`, { ...details, reason: refused.reason, retainUntil: refused.retainUntil });
  }
  const later = [byPolicy, byMinimum].sort((a, b) => String(b.retainUntil).localeCompare(String(a.retainUntil)))[0];
  if (!(TERMINAL_STATES as readonly string[]).includes(order.state)) {
    throw conflict('case_open', `${type} ${target.id} may not be deleted: its case (order ${order.orderNo}) is still open (${order.state}); evidence of an open case is never deleted`, { ...details, state: order.state });
  }
  const hold = await holdOf(deps.db, order);
  if (hold) throw conflict('case_on_hold', `${type} ${target.id} may not be deleted: its case (order ${order.orderNo}) is under a hold (${hold})`, { ...details, hold });
  return { decision: later, period, minimum, order };
}

/** Why a case is under a hold, or null: its goods are held, or the decision in effect is a hold or an enforcement referral. */
async function holdOf(db: Db, order: typeof inspectionOrders.$inferSelect): Promise<string | null> {
  const [decl] = await db.select({ status: declarations.status, no: declarations.declarationNo }).from(declarations).where(eq(declarations.id, order.declarationId));
  if (decl?.status === 'held') return `the goods of declaration ${decl.no} are held`;
  const [effect] = await db.select({ outcome: decisionEffects.outcome }).from(decisionEffects).where(eq(decisionEffects.orderId, order.id));
  if (effect && (effect.outcome === 'hold' || effect.outcome === 'refer_enforcement')) return `the decision in effect is ${effect.outcome === 'hold' ? 'a hold' : 'a referral for enforcement'}`;
  return null;
}

async function loadOrder(db: Db, id: string) {
  const [o] = await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, id));
  return o ?? null;
}

/** The target, visible to the actor (404 otherwise: another office's record is never revealed). */
async function loadVisibleTarget(deps: Pick<RetentionDeps, 'db' | 'config'>, actor: Actor, type: RetentionRecordType, id: string) {
  const target = await loadTarget(deps.db, deps.config.dataDir, type, id);
  const order = target ? await loadOrder(deps.db, target.orderId) : null;
  authorizeCase(actor, 'admin.manage', order, id);
  if (!target) throw notFound('Record', id);
  return { target, order };
}

export interface TombstoneRecord {
  kind: typeof TOMBSTONE_KIND;
  recordType: RetentionRecordType;
  recordId: string;
  auditType: string;
  orderId: string;
  orderNo: string;
  officeId: string;
  recordCreatedAt: string;
  contentSha256: string;
  /** For a media file: the SHA-256 of the bytes removed (null when the file was already missing). */
  fileSha256AtDeletion?: string | null;
  facts: Record<string, unknown>;
  /** `four_eyes`: asked by one administrator and approved by another; `policy`: the automatic sweep after the period. */
  basis: 'four_eyes' | 'policy';
  deletionRequestId: string | null;
  requestedBy: { id: string; username: string } | null;
  requestedAt: string | null;
  approvedBy: { id: string; username: string } | null;
  approvedAt: string | null;
  reason: string;
  retention: { period: string; minimum: string; retainUntil: string | null };
  deletedAt: string;
}

/** Checks a tombstone (from an audit entry's summary) against published keys: a valid signature, and a tombstone. */
export function verifyTombstone(envelope: unknown, publicKeys: readonly PublicKeyInfo[]) {
  const v = verifySignedRecord(envelope, publicKeys);
  const rec = (envelope as SignedEnvelope<TombstoneRecord> | null)?.record;
  if (v.ok && rec?.kind !== TOMBSTONE_KIND) return { ok: false, problems: [`record.kind: expected ${TOMBSTONE_KIND}`] };
  return v;
}

/** Deletes the record and writes its signed tombstone into the audit log, in one transaction; the media file after commit. */
async function executeDeletion(deps: RetentionDeps, actor: Actor, target: Target, a: Assessment, meta: {
  basis: TombstoneRecord['basis']; request: typeof deletionRequests.$inferSelect | null; reason: string; approver: { id: string; username: string } | null; now: Date;
}): Promise<SignedEnvelope<TombstoneRecord>> {
  const requester = meta.request ? await userRef(deps.db, meta.request.requestedBy) : null;
  const record: TombstoneRecord = {
    kind: TOMBSTONE_KIND,
    recordType: target.recordType, recordId: target.id, auditType: target.auditType,
    orderId: a.order.id, orderNo: a.order.orderNo, officeId: a.order.officeId,
    recordCreatedAt: target.createdAt.toISOString(), contentSha256: target.contentSha256,
    ...(target.file ? { fileSha256AtDeletion: await mediaSha256(deps.store, target.file) } : {}),
    facts: JSON.parse(JSON.stringify(target.facts)),
    basis: meta.basis,
    deletionRequestId: meta.request?.id ?? null,
    requestedBy: requester, requestedAt: meta.request?.requestedAt.toISOString() ?? null,
    approvedBy: meta.approver, approvedAt: meta.approver ? meta.now.toISOString() : null,
    reason: meta.reason,
    retention: { period: a.period, minimum: a.minimum, retainUntil: a.decision.retainUntil },
    deletedAt: meta.now.toISOString(),
  };
  const tombstone = await signRecordWithRing(deps.keys, record, {
    signerId: actor.userId ?? actor.username, signerRole: actor.role, at: meta.now,
  });
  await transaction(deps.db, async (tx) => {
    try {
      await target.remove(tx);
    } catch (e) {
      if (pgCode(e) === '23503') {
        throw new AppError('record_referenced', 409, `${target.recordType} ${target.id} is referenced by other records of the case (a later correction of it); delete that first`);
      }
      throw e;
    }
    if (meta.request) {
      await tx.update(deletionRequests).set({ status: 'executed', decidedBy: actor.userId, decidedAt: meta.now, tombstone })
        .where(and(eq(deletionRequests.id, meta.request.id), eq(deletionRequests.status, 'pending')));
    }
    await recordAudit(tx, actor, 'retention.deleted', { type: target.auditType, id: target.id }, {
      recordType: target.recordType, orderId: a.order.id, contentSha256: target.contentSha256, basis: meta.basis, deletionRequestId: meta.request?.id ?? null, tombstone,
    });
  });
  if (target.file) await removeMedia(deps.store, target.file);
  return tombstone;
}

async function userRef(db: Db, id: string): Promise<{ id: string; username: string }> {
  const [u] = await db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, id));
  return u ?? { id, username: '?' };
}

export type DeletionRequestRow = typeof deletionRequests.$inferSelect;

export function deletionRequestView(r: DeletionRequestRow, now = new Date()) {
  const status = r.status === 'pending' && r.expiresAt.getTime() <= now.getTime() ? 'expired' : r.status;
  return {
    id: r.id, recordType: r.recordType, recordId: r.recordId, orderId: r.orderId, officeId: r.officeId, contentSha256: r.contentSha256,
    reason: r.reason, status, requestedBy: r.requestedBy, requestedAt: r.requestedAt.toISOString(), expiresAt: r.expiresAt.toISOString(),
    decidedBy: r.decidedBy, decidedAt: r.decidedAt?.toISOString() ?? null, decisionReason: r.decisionReason, tombstone: r.tombstone ?? null,
  };
}

function requireUserAdmin(actor: Actor): asserts actor is Actor & { userId: string } {
  requireRole(actor, 'admin.manage');
  if (actor.kind !== 'user' || !actor.userId) throw forbidden('Deletion requests are made and approved by named administrators');
}

/**
 * Administrator A asks for the deletion of one record, with a reason. Refused (409) when the rules do not allow the
 * deletion now (retention, open case, hold) or another request for the record is pending. Audited.
 */
export async function requestDeletion(deps: RetentionDeps, actor: Actor, input: { recordType: RetentionRecordType; recordId: string; reason: string }, now = new Date()) {
  requireUserAdmin(actor);
  const reason = input.reason.trim();
  if (reason.length < 10) throw badRequest('invalid_deletion_request', 'reason: say why the record is deleted (at least 10 characters)', [{ field: 'body.reason', message: 'at least 10 characters' }]);
  const { target, order } = await loadVisibleTarget(deps, actor, input.recordType, input.recordId);
  const a = await assess(deps, target, order, now);
  // A request that was never approved in time no longer blocks a new one.
  await deps.db.update(deletionRequests).set({ status: 'expired' })
    .where(and(eq(deletionRequests.recordType, target.recordType), eq(deletionRequests.recordId, target.id), eq(deletionRequests.status, 'pending'), lte(deletionRequests.expiresAt, now)));
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + deps.config.retention.approvalHours * 3600_000);
  const row = await transaction(deps.db, async (tx) => {
    let r: DeletionRequestRow;
    try {
      [r] = await tx.insert(deletionRequests).values({
        id, recordType: target.recordType, recordId: target.id, orderId: order.id, officeId: order.officeId, contentSha256: target.contentSha256,
        reason, requestedBy: actor.userId, requestedAt: now, expiresAt,
      }).returning();
    } catch (e) {
      if (pgCode(e) === '23505') throw conflict('deletion_pending', `${target.recordType} ${target.id}: a deletion request is already waiting for approval`);
      throw e;
    }
    await recordAudit(tx, actor, 'retention.deletion_requested', { type: 'deletion_request', id }, {
      recordType: target.recordType, recordId: target.id, orderId: order.id, contentSha256: target.contentSha256, reason, expiresAt: expiresAt.toISOString(),
      retainUntil: a.decision.retainUntil,
    });
    return r;
  });
  return deletionRequestView(row, now);
}

async function loadRequest(deps: RetentionDeps, actor: Actor, id: string): Promise<DeletionRequestRow> {
  const [r] = await deps.db.select().from(deletionRequests).where(eq(deletionRequests.id, id));
  // Another office's request is not found (never revealed).
  if (!r || (actor.kind !== 'system' && actor.officeId !== r.officeId)) throw notFound('Deletion request', id);
  return r;
}

/**
 * Administrator B (not the one who asked) approves: the rules are checked again (retention, open case, hold, the
 * record unchanged since the request), then the record is deleted with its signed tombstone. 403 `four_eyes` for
 * the requester; 409 for a request expired, already decided, or a record changed since.
 */
export async function approveDeletion(deps: RetentionDeps, actor: Actor, id: string, now = new Date()) {
  requireUserAdmin(actor);
  const r = await loadRequest(deps, actor, id);
  if (r.requestedBy === actor.userId) throw new AppError('four_eyes', 403, 'Four eyes: a deletion must be approved by a different administrator from the one who asked for it');
  if (r.status !== 'pending') throw conflict('request_decided', `Deletion request ${id} is ${r.status}`);
  // separation of duties (issue 13.4): not an account an administrator set up within RVI_DUTY_WINDOW_DAYS (the
  // requester could otherwise create a second administrator and approve their own request with it)
  await assertApprovalDuties(deps.db, actor, { otherRoles: [{ userId: r.requestedBy, role: 'the administrator who asked for this deletion' }], windowHours: dutyWindowHours(deps.config), now });
  if (r.expiresAt.getTime() <= now.getTime()) {
    await deps.db.update(deletionRequests).set({ status: 'expired' }).where(and(eq(deletionRequests.id, id), eq(deletionRequests.status, 'pending')));
    throw conflict('request_expired', `Deletion request ${id} expired at ${r.expiresAt.toISOString()} without approval; ask again`);
  }
  const { target, order } = await loadVisibleTarget(deps, actor, r.recordType as RetentionRecordType, r.recordId);
  if (target.contentSha256 !== r.contentSha256) throw conflict('record_changed', `${r.recordType} ${r.recordId} changed since the deletion was asked for; ask again`);
  const a = await assess(deps, target, order, now);
  const tombstone = await executeDeletion(deps, actor, target, a, {
    basis: 'four_eyes', request: r, reason: r.reason, approver: { id: actor.userId, username: actor.username }, now,
  });
  const [row] = await deps.db.select().from(deletionRequests).where(eq(deletionRequests.id, id));
  return { deleted: true, request: deletionRequestView(row, now), tombstone };
}

/** Any administrator of the office (the requester too: withdrawing) turns a pending request down, with a reason. Audited. */
export async function rejectDeletion(deps: RetentionDeps, actor: Actor, id: string, reason: string, now = new Date()) {
  requireUserAdmin(actor);
  const r = await loadRequest(deps, actor, id);
  if (r.status !== 'pending') throw conflict('request_decided', `Deletion request ${id} is ${r.status}`);
  const row = await transaction(deps.db, async (tx) => {
    const [u] = await tx.update(deletionRequests).set({ status: 'rejected', decidedBy: actor.userId, decidedAt: now, decisionReason: reason })
      .where(and(eq(deletionRequests.id, id), eq(deletionRequests.status, 'pending'))).returning();
    if (!u) throw conflict('request_decided', `Deletion request ${id} was decided meanwhile`);
    await recordAudit(tx, actor, 'retention.deletion_rejected', { type: 'deletion_request', id }, { recordType: r.recordType, recordId: r.recordId, reason });
    return u;
  });
  return deletionRequestView(row, now);
}

/** The office's deletion requests, newest first (administrators, auditors, supervisors). */
export async function listDeletionRequests(deps: RetentionDeps, actor: Actor, now = new Date()) {
  if (!roleAllows(actor, 'admin.manage') && !roleAllows(actor, 'audit.read')) throw forbidden(`Your role (${actor.role}) may not read deletion requests`);
  const rows = await deps.db.select().from(deletionRequests)
    .where(actor.kind === 'system' ? undefined : eq(deletionRequests.officeId, actor.officeId ?? ''))
    .orderBy(desc(deletionRequests.requestedAt)).limit(500);
  return { items: rows.map((r) => deletionRequestView(r, now)) };
}

export interface SweepResult {
  deleted: { recordType: RetentionRecordType; id: string }[];
  /** Records past their period but kept, by reason code (case_open, case_on_hold, record_referenced, ...). */
  kept: Record<string, number>;
}

/**
 * The automatic sweep: every record past its retention (the configured period, never shorter than the legal minimum)
 * whose case is closed and not under a hold is deleted with a signed tombstone naming the policy as the basis. Records
 * of open or held cases, or still referenced, are kept and counted. A type kept `forever` is never swept.
 */
export async function sweepRetention(deps: RetentionDeps, actor: Actor, now = new Date(), limit = 500): Promise<SweepResult> {
  const { policy } = await loadRetentionPolicy(deps.db);
  const out: SweepResult = { deleted: [], kept: {} };
  for (const type of RETENTION_RECORD_TYPES) {
    const candidates = await candidatesOf(deps.db, type, policy[type], deps.config.retention.minimums[type], now, limit);
    for (const id of candidates) {
      const target = await loadTarget(deps.db, deps.config.dataDir, type, id);
      const order = target ? await loadOrder(deps.db, target.orderId) : null;
      if (!target || !order) continue;
      try {
        const a = await assess(deps, target, order, now);
        await executeDeletion(deps, actor, target, a, {
          basis: 'policy', request: null, approver: null, now,
          reason: `automatic retention sweep: ${type} past its retention (${a.period}, legal minimum ${a.minimum}) and its case closed`,
        });
        out.deleted.push({ recordType: type, id });
      } catch (e) {
        if (!(e instanceof AppError) || e.status !== 409) throw e;
        out.kept[e.code] = (out.kept[e.code] ?? 0) + 1;
      }
    }
  }
  return out;
}

/** Ids of records of `type` created before the later of (now − period) and (now − minimum); the rules are checked per record. */
async function candidatesOf(db: Db, type: RetentionRecordType, period: string | undefined, minimum: string, now: Date, limit: number): Promise<string[]> {
  if (!period || parseRetentionPeriod(period) === null || parseRetentionPeriod(minimum) === null) return [];
  // Generous pre-filter (a record made a year and a day ago at most); decideDeletion gives the exact answer per record.
  const cutoff = new Date(now.getTime() - 364 * 86_400_000);
  if (type === 'findings') return (await db.select({ id: findings.id }).from(findings).where(lte(findings.signedAt, cutoff)).orderBy(asc(findings.signedAt)).limit(limit)).map((r) => r.id);
  if (type === 'decisions') return (await db.select({ id: decisions.id }).from(decisions).where(lte(decisions.signedAt, cutoff)).orderBy(asc(decisions.signedAt)).limit(limit)).map((r) => r.id);
  if (type === 'suggested_findings') return (await db.select({ id: suggestedFindings.id }).from(suggestedFindings).where(lte(suggestedFindings.createdAt, cutoff)).limit(limit)).map((r) => r.id);
  const kind = type === 'recordings' ? 'recording' : 'snapshot';
  const own = (await db.select({ id: caseMedia.id }).from(caseMedia).where(and(eq(caseMedia.kind, kind), lte(caseMedia.createdAt, cutoff))).limit(limit)).map((r) => r.id);
  const session = type === 'recordings'
    ? await db.select({ id: recordingSegments.id }).from(recordingSegments).innerJoin(liveSessions, eq(liveSessions.id, recordingSegments.sessionId))
      .where(lte(recordingSegments.sealedAt, cutoff)).limit(limit)
    : await db.select({ id: sessionSnapshots.id }).from(sessionSnapshots).innerJoin(liveSessions, eq(liveSessions.id, sessionSnapshots.sessionId))
      .where(lte(sessionSnapshots.createdAt, cutoff)).limit(limit);
  return [...own, ...session.map((r) => r.id)];
}
