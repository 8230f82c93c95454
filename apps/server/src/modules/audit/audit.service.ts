import { asc, desc, eq, and, inArray, sql, type SQL } from 'drizzle-orm';
import type { AuditEntry, PublicKeyInfo, SignedCheckpoint } from '@rvi/evidence';
import { walkAuditLog, type CheckpointProblem } from './audit.checkpoints.ts';
import { auditLog } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';

// The append itself lives in platform/ (the unit of work writes it in every transaction); re-exported for modules.
export { recordAudit, type AuditTarget } from '../../platform/audit-chain.ts';

function toEntry(r: typeof auditLog.$inferSelect): AuditEntry {
  return { ...r, summary: r.summary ?? null };
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  firstBroken: { seq: number; problem: string; message: string } | null;
  /** Problems found comparing the log with the checkpoints given (truncated, rewritten, or a bad checkpoint). */
  checkpointProblems: CheckpointProblem[];
  /** How many checkpoints the log was compared with. */
  checkpointsChecked: number;
}

/**
 * Walks the whole chain in pages (constant memory) and names the first broken entry; compares the log with every
 * checkpoint given (signed by one of `trustedKeys`): shorter than one → log_truncated; other entries → log_rewritten.
 * Without checkpoints, a log truncated or rewritten and rehashed by its database owner still verifies: keep
 * checkpoints outside the database (README, "Guarantees").
 */
export async function verifyAuditLog(db: Db, opts: { checkpoints?: readonly SignedCheckpoint[]; trustedKeys?: readonly (PublicKeyInfo | string)[] } = {}): Promise<VerifyResult> {
  const w = await walkAuditLog(db, opts.checkpoints ?? [], opts.trustedKeys ?? []);
  return {
    ok: !w.firstBroken && w.checkpointProblems.length === 0,
    entries: w.firstBroken ? w.firstBroken.seq - 1 : w.entries,
    firstBroken: w.firstBroken,
    checkpointProblems: w.checkpointProblems,
    checkpointsChecked: w.checkpointsChecked,
  };
}

export async function listAuditForTarget(db: Db, type: string, id: string): Promise<AuditEntry[]> {
  const rows = await db.select().from(auditLog).where(and(eq(auditLog.targetType, type), eq(auditLog.targetId, id))).orderBy(asc(auditLog.seq));
  return rows.map(toEntry);
}

/**
 * The customs office an audit entry is about (issue 13, item 5), as SQL over `audit_log a`: the office of its target
 * record (an order, declaration, finding, session, user, office…; an enterprise counts as its supervising office),
 * else of the order its summary names (a record deleted under retention), else of the organisation of who acted.
 * Null: about no office at all (the system acting on nothing office-owned, e.g. the first-start seed).
 */
const OFFICE_OF_ORG = (org: SQL) => sql`(select case when o.kind = 'customs_office' then o.id else o.supervising_office_id end from organisations o where o.id = ${org})`;
const VIA_ORDER = (orderId: SQL) => sql`(select io.office_id from inspection_orders io where io.id = ${orderId})`;
export const AUDIT_ENTRY_OFFICE = sql`coalesce(
  case a.target_type
    when 'inspection_order' then ${VIA_ORDER(sql`a.target_id`)}
    when 'declaration' then (select d.customs_office_id from declarations d where d.id = a.target_id)
    when 'finding' then (select f.office_id from findings f where f.id = a.target_id)
    when 'decision' then (select x.office_id from decisions x where x.id = a.target_id)
    when 'decision_review' then (select ${VIA_ORDER(sql`r.order_id`)} from decision_reviews r where r.id = a.target_id)
    when 'suggested_finding' then (select ${VIA_ORDER(sql`s.order_id`)} from suggested_findings s where s.id = a.target_id)
    when 'case_media' then (select ${VIA_ORDER(sql`m.order_id`)} from case_media m where m.id = a.target_id)
    when 'live_session' then (select ls.office_id from live_sessions ls where ls.id = a.target_id)
    when 'recording_segment' then (select ls.office_id from recording_segments rs join live_sessions ls on ls.id = rs.session_id where rs.id = a.target_id)
    when 'session_snapshot' then (select ls.office_id from session_snapshots ss join live_sessions ls on ls.id = ss.session_id where ss.id = a.target_id)
    when 'snapshot' then (select ls.office_id from session_snapshots ss join live_sessions ls on ls.id = ss.session_id where ss.id = a.target_id)
    when 'arrival_notice' then (select d.customs_office_id from arrival_notices n join declarations d on d.id = n.declaration_id where n.id = a.target_id)
    when 'inspection_application' then (select d.customs_office_id from inspection_applications ia join declarations d on d.id = ia.declaration_id where ia.id = a.target_id)
    when 'import_batch' then (select ${OFFICE_OF_ORG(sql`b.org_id`)} from import_batches b where b.id = a.target_id)
    when 'dispatch_run' then (select dr.office_id from dispatch_runs dr where dr.id = a.target_id)
    when 'selection_run' then (select sr.office_id from selection_runs sr where sr.id = a.target_id)
    when 'eligibility_rule_set' then (select e.office_id from eligibility_rule_sets e where e.id = a.target_id)
    when 'deletion_request' then (select dq.office_id from deletion_requests dq where dq.id = a.target_id)
    when 'user' then (select ${OFFICE_OF_ORG(sql`u.org_id`)} from users u where u.id = a.target_id)
    when 'office' then a.target_id
    when 'organisation' then ${OFFICE_OF_ORG(sql`a.target_id`)}
  end,
  ${VIA_ORDER(sql`a.summary->>'orderId'`)},
  ${OFFICE_OF_ORG(sql`a.org_id`)}
)`;

/**
 * Whose entries an actor may list: their own office's (customs staff; an enterprise user never gets here), or every
 * office's (null) for the system and for an auditor named in RVI_NATIONAL_AUDITORS (the national auditor capability:
 * configuration, outside what an administrator can grant in the application).
 */
export function auditScopeOf(actor: Actor, nationalAuditors: readonly string[]): string | null {
  if (actor.kind === 'system') return null;
  if (actor.role === 'auditor' && nationalAuditors.includes(actor.username)) return null;
  // No office: nothing matches (an empty id is no organisation's).
  return actor.officeId ?? '';
}

/**
 * Latest entries, newest first. `officeId`: only entries about that office or about no office (AUDIT_ENTRY_OFFICE);
 * null: every entry (a national auditor, the system).
 */
export async function listAudit(db: Db, opts: { limit: number; beforeSeq?: number; officeId: string | null }): Promise<AuditEntry[]> {
  const before = opts.beforeSeq ? sql`where a.seq < ${opts.beforeSeq}` : sql``;
  const scoped = opts.officeId === null ? sql`` : sql`where x.office is null or x.office = ${opts.officeId}`;
  const res = await db.execute(sql`select x.seq from (select a.seq, ${AUDIT_ENTRY_OFFICE} as office from audit_log a ${before}) x ${scoped} order by x.seq desc limit ${opts.limit}`);
  const seqs = (res as unknown as { rows: { seq: number | string }[] }).rows.map((r) => Number(r.seq));
  if (seqs.length === 0) return [];
  const rows = await db.select().from(auditLog).where(inArray(auditLog.seq, seqs)).orderBy(desc(auditLog.seq));
  return rows.map(toEntry);
}
