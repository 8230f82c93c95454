import { asc, desc, eq, and, sql } from 'drizzle-orm';
import { auditEntryHash, GENESIS_HASH, type AuditEntry, type PublicKeyInfo, type SignedCheckpoint } from '@rvi/evidence';
import { walkAuditLog, type CheckpointProblem } from './audit.checkpoints.ts';
import { auditLog } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';

/** Advisory lock key that serialises appends to the chain across connections and processes. */
const AUDIT_LOCK_KEY = 7_320_415_001;

export interface AuditTarget {
  type: string;
  id: string | null;
}

/**
 * Appends one entry to the hash chain. Call it inside the transaction that makes the change, so the change
 * and its audit entry commit or roll back together.
 */
export async function recordAudit(tx: Db, actor: Actor, action: string, target: AuditTarget | null, summary: unknown): Promise<AuditEntry> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const [last] = await tx.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
  const body = {
    seq: (last?.seq ?? 0) + 1,
    at: new Date().toISOString(),
    actorId: actor.userId,
    actorRole: actor.role,
    orgId: actor.orgId,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    summary: summary === undefined ? null : JSON.parse(JSON.stringify(summary)),
    requestId: actor.requestId,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const entry: AuditEntry = { ...body, hash: auditEntryHash(body) };
  await tx.insert(auditLog).values(entry);
  return entry;
}

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

export async function listAudit(db: Db, opts: { limit: number; beforeSeq?: number; orgId?: string }): Promise<AuditEntry[]> {
  const conds = [];
  if (opts.beforeSeq) conds.push(sql`${auditLog.seq} < ${opts.beforeSeq}`);
  if (opts.orgId) conds.push(eq(auditLog.orgId, opts.orgId));
  const rows = await db.select().from(auditLog).where(conds.length ? and(...conds) : undefined).orderBy(desc(auditLog.seq)).limit(opts.limit);
  return rows.map(toEntry);
}
