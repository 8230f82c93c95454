// Retention: how long each type of record is kept. Periods are configurable per record type (table
// retention_policies, defaults below); nothing under retention can be deleted through the API (409 naming the date
// it may first be deleted), and a deletion after retention is itself audited in the same transaction.
import { promises as fs } from 'node:fs';
import { eq } from 'drizzle-orm';
import { decideDeletion, parseRetentionPeriod, type RetentionPolicy } from '@rvi/evidence';
import { RETENTION_RECORD_TYPES, type RetentionPolicyList, type RetentionRecordType } from '@rvi/contracts';
import {
  caseMedia, decisionEffects, decisionReviews, decisions, findings, inspectionOrders, recordingSegments, retentionPolicies, sessionSnapshots, suggestedFindings,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { requireRole, roleAllows } from '../../platform/policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { authorizeCase } from '../findings/findings.policy.ts';
import { findCaseMedia } from './media.service.ts';

/** Built-in periods (a row in retention_policies overrides one). */
export const DEFAULT_RETENTION: Readonly<Record<RetentionRecordType, string>> = Object.freeze({
  findings: 'P10Y',
  decisions: 'P10Y',
  suggested_findings: 'P5Y',
  recordings: 'P5Y',
  snapshots: 'P5Y',
});

export async function loadRetentionPolicy(db: Db): Promise<{ policy: RetentionPolicy; rows: Map<string, typeof retentionPolicies.$inferSelect> }> {
  const rows = new Map((await db.select().from(retentionPolicies)).map((r) => [r.recordType, r]));
  const policy: Record<string, string> = { ...DEFAULT_RETENTION };
  for (const [t, r] of rows) policy[t] = r.period;
  return { policy, rows };
}

export async function listRetention(db: Db, actor: Actor): Promise<RetentionPolicyList> {
  if (!roleAllows(actor, 'admin.manage') && !roleAllows(actor, 'audit.read')) throw forbidden(`Your role (${actor.role}) may not read retention settings`);
  const { policy, rows } = await loadRetentionPolicy(db);
  return {
    items: RETENTION_RECORD_TYPES.map((t) => ({
      recordType: t, period: policy[t], source: rows.has(t) ? 'configured' as const : 'default' as const,
      updatedAt: rows.get(t)?.updatedAt.toISOString() ?? null,
    })),
  };
}

/** Administrator sets the period of a record type (ISO 8601 duration or "forever"); audited. */
export async function setRetention(db: Db, actor: Actor, recordType: RetentionRecordType, period: string): Promise<RetentionPolicyList> {
  requireRole(actor, 'admin.manage');
  try {
    parseRetentionPeriod(period);
  } catch (e) {
    throw badRequest('invalid_period', `period: ${(e as Error).message}`, [{ field: 'body.period', message: (e as Error).message }]);
  }
  await db.transaction(async (txx) => {
    const tx = txx as unknown as Db;
    const { policy } = await loadRetentionPolicy(tx);
    await tx.insert(retentionPolicies).values({ recordType, period, updatedBy: actor.userId })
      .onConflictDoUpdate({ target: retentionPolicies.recordType, set: { period, updatedBy: actor.userId, updatedAt: new Date() } });
    await recordAudit(tx, actor, 'retention.changed', { type: 'retention_policy', id: recordType }, { recordType, from: policy[recordType] ?? null, to: period });
  });
  return listRetention(db, actor);
}

interface Target {
  orderId: string;
  createdAt: Date;
  auditType: string;
  remove: (tx: Db) => Promise<void>;
  file?: string;
  facts: Record<string, unknown>;
}

async function loadTarget(db: Db, dataDir: string, type: RetentionRecordType, id: string): Promise<Target | null> {
  if (type === 'findings') {
    const [f] = await db.select().from(findings).where(eq(findings.id, id));
    return f ? { orderId: f.orderId, createdAt: f.signedAt, auditType: 'finding', facts: { kind: f.kind, signature: (f.envelope as { signature?: string }).signature ?? null }, remove: async (tx) => {
      // An accepted suggestion keeps its reading but no longer points at the deleted finding.
      await tx.update(suggestedFindings).set({ findingId: null }).where(eq(suggestedFindings.findingId, id));
      await tx.delete(findings).where(eq(findings.id, id));
    } } : null;
  }
  if (type === 'decisions') {
    const [d] = await db.select().from(decisions).where(eq(decisions.id, id));
    return d ? { orderId: d.orderId, createdAt: d.signedAt, auditType: 'decision', facts: { outcome: d.outcome, signature: (d.envelope as { signature?: string }).signature ?? null }, remove: async (tx) => {
      // The review and the effect belong to the decision and go with it (the audit log keeps their history).
      await tx.delete(decisionReviews).where(eq(decisionReviews.decisionId, id));
      await tx.delete(decisionEffects).where(eq(decisionEffects.decisionId, id));
      await tx.delete(decisions).where(eq(decisions.id, id));
    } } : null;
  }
  if (type === 'suggested_findings') {
    const [s] = await db.select().from(suggestedFindings).where(eq(suggestedFindings.id, id));
    return s ? { orderId: s.orderId, createdAt: s.createdAt, auditType: 'suggested_finding', facts: { field: s.field, status: s.status }, remove: async (tx) => { await tx.delete(suggestedFindings).where(eq(suggestedFindings.id, id)); } } : null;
  }
  const kind = type === 'recordings' ? 'recording' : 'snapshot';
  const m = await findCaseMedia(db, dataDir, id);
  if (!m || m.kind !== kind) return null;
  const table = m.source === 'case_media' ? caseMedia : m.source === 'recording_segment' ? recordingSegments : sessionSnapshots;
  return {
    orderId: m.orderId, createdAt: m.createdAt, auditType: m.source, file: m.path,
    facts: { name: m.name, size: m.size, sha256: m.sha256, sessionId: m.sessionId },
    remove: async (tx) => { await tx.delete(table).where(eq(table.id, id)); },
  };
}

/**
 * Administrator deletes one record after its retention period. Under retention: 409 `under_retention` with the
 * date it may first be deleted. A record others still reference (a correction, a decision's review): 409
 * `record_referenced`. Allowed deletions are audited in the same transaction; a media file is removed after commit.
 */
export async function deleteRecord(db: Db, dataDir: string, actor: Actor, type: RetentionRecordType, id: string, now = new Date()) {
  requireRole(actor, 'admin.manage');
  const target = await loadTarget(db, dataDir, type, id);
  const [order] = target ? await db.select().from(inspectionOrders).where(eq(inspectionOrders.id, target.orderId)) : [];
  authorizeCase(actor, 'admin.manage', order ?? null, id);
  if (!target) throw notFound('Record', id);
  const { policy } = await loadRetentionPolicy(db);
  const decision = decideDeletion({ recordType: type, createdAt: target.createdAt, now, policy });
  if (!decision.deletable) {
    throw conflict(decision.reason === 'under_retention' ? 'under_retention' : 'retained', `${type} ${id} may not be deleted: ${decision.message}`, {
      recordType: type, id, reason: decision.reason, retainUntil: decision.retainUntil, period: policy[type] ?? null,
    });
  }
  await db.transaction(async (txx) => {
    const tx = txx as unknown as Db;
    try {
      await target.remove(tx);
    } catch (e) {
      if ((e as { code?: string }).code === '23503') {
        throw new AppError('record_referenced', 409, `${type} ${id} is referenced by other records of the case (a later correction of it); delete that first`);
      }
      throw e;
    }
    await recordAudit(tx, actor, 'retention.deleted', { type: target.auditType, id }, {
      recordType: type, orderId: target.orderId, createdAt: target.createdAt.toISOString(), period: policy[type], retainUntil: decision.retainUntil, ...target.facts,
    });
  });
  if (target.file) await fs.rm(target.file, { force: true });
  return { deleted: true, recordType: type, id, retainUntil: decision.retainUntil };
}
