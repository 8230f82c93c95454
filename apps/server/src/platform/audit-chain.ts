// The hash-chained audit log's append: one entry per change, in the change's transaction. Reading and verifying the
// chain, checkpoints and the audit routes are the audit module's (modules/audit).
import { desc, sql } from 'drizzle-orm';
import { auditEntryHash, GENESIS_HASH, type AuditEntry } from '@rvi/evidence';
import { auditLog } from '../db/schema.ts';
import type { Db } from './db.ts';
import type { Actor } from './actor.ts';

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
    // an API token's changes name the token (issue 19): `token:<id>`
    actorId: actor.token ? `token:${actor.token.id}` : actor.userId,
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
