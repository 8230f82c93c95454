import { canonicalJson, sha256Hex } from './canonical.ts';

/** The chain's first entry links to this value. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit entry that its hash covers (everything but the hash itself). */
export interface AuditEntryBody {
  seq: number;
  at: string; // ISO 8601 with milliseconds, UTC
  actorId: string | null;
  actorRole: string | null;
  orgId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  summary: unknown;
  requestId: string | null;
  prevHash: string;
}

export interface AuditEntry extends AuditEntryBody {
  hash: string;
}

export function auditEntryHash(body: AuditEntryBody): string {
  return sha256Hex(
    canonicalJson({
      seq: body.seq,
      at: body.at,
      actorId: body.actorId,
      actorRole: body.actorRole,
      orgId: body.orgId,
      action: body.action,
      targetType: body.targetType,
      targetId: body.targetId,
      summary: body.summary ?? null,
      requestId: body.requestId,
      prevHash: body.prevHash,
    }),
  );
}

export interface ChainProblem {
  seq: number;
  problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap';
  message: string;
}

/**
 * Walks entries in order and returns the first problem, or null when the chain holds.
 * `expectedPrev` lets a caller verify a contiguous slice of the chain (an evidence package holds
 * only a case's entries, each of which still carries its own prevHash: pass `null` to trust the first prevHash).
 */
export function verifyAuditChain(
  entries: Iterable<AuditEntry>,
  opts: { expectedPrev?: string | null; contiguous?: boolean } = {},
): ChainProblem | null {
  let prev: string | null = opts.expectedPrev === undefined ? GENESIS_HASH : opts.expectedPrev;
  let prevSeq: number | null = null;
  const contiguous = opts.contiguous ?? true;
  for (const e of entries) {
    if (contiguous && prevSeq !== null && e.seq !== prevSeq + 1) {
      return { seq: e.seq, problem: 'sequence_gap', message: `entry ${e.seq} follows entry ${prevSeq}` };
    }
    if (!contiguous && prevSeq !== null && e.seq <= prevSeq) {
      return { seq: e.seq, problem: 'sequence_gap', message: `entry ${e.seq} is out of order after ${prevSeq}` };
    }
    if (contiguous && prev !== null && e.prevHash !== prev) {
      return { seq: e.seq, problem: 'prev_hash_mismatch', message: `entry ${e.seq} does not link to the entry before it` };
    }
    const h = auditEntryHash(e);
    if (h !== e.hash) {
      return { seq: e.seq, problem: 'hash_mismatch', message: `entry ${e.seq} was altered: its content does not match its hash` };
    }
    prev = e.hash;
    prevSeq = e.seq;
  }
  return null;
}
