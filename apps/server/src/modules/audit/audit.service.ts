import { asc, desc, eq, and, gt, sql } from 'drizzle-orm';
import { auditEntryHash, GENESIS_HASH, verifyAuditChain, type AuditEntry } from '@rvi/evidence';
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
}

/** Walks the whole chain in pages (constant memory) and names the first broken entry. */
export async function verifyAuditLog(db: Db, pageSize = 5000): Promise<VerifyResult> {
  let after = 0;
  let prev = GENESIS_HASH;
  let count = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(pageSize);
    if (rows.length === 0) break;
    const entries = rows.map(toEntry);
    if (entries[0].seq !== after + 1) {
      return { ok: false, entries: count, firstBroken: { seq: after + 1, problem: 'sequence_gap', message: `entry ${after + 1} is missing` } };
    }
    const problem = verifyAuditChain(entries, { expectedPrev: prev });
    if (problem) return { ok: false, entries: count, firstBroken: problem };
    count += entries.length;
    after = entries[entries.length - 1].seq;
    prev = entries[entries.length - 1].hash;
  }
  return { ok: true, entries: count, firstBroken: null };
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
