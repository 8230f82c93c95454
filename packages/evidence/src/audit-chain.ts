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
      return { seq: prevSeq + 1, problem: 'sequence_gap', message: `entry ${prevSeq + 1} is missing (entry ${e.seq} follows entry ${prevSeq})` };
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

export interface AuditSubsetProblem {
  /** Line number (1-based) of the entry in the list or file. */
  index: number;
  seq: number | null;
  problem: 'malformed' | 'hash_mismatch' | 'out_of_order' | 'prev_hash_mismatch' | 'genesis_mismatch';
  message: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const isStrOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Names the first field of `value` that does not have the shape of an audit entry, or returns null. */
export function auditEntryShapeProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const e = value as Record<string, unknown>;
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1) return 'seq: expected a positive integer';
  if (typeof e.at !== 'string') return 'at: expected a string';
  if (typeof e.action !== 'string') return 'action: expected a string';
  for (const f of ['actorId', 'actorRole', 'orgId', 'targetType', 'targetId', 'requestId']) {
    if (!isStrOrNull(e[f])) return `${f}: expected a string or null`;
  }
  if (!('summary' in e)) return 'summary: missing';
  if (typeof e.prevHash !== 'string' || !HEX64.test(e.prevHash)) return 'prevHash: expected 64 hex digits';
  if (typeof e.hash !== 'string' || !HEX64.test(e.hash)) return 'hash: expected 64 hex digits';
  return null;
}

/**
 * Checks a case's audit entries one at a time (constant memory). A case's entries are a subset of the global chain,
 * in seq order. What this proves offline:
 * - each entry's content matches its own hash (an edited entry is caught unless its hash was recomputed too; the
 *   evidence manifest's signature covers the hash of the whole list, which catches that);
 * - seq strictly increases (no reordering, no duplicates);
 * - where two entries are neighbours in the global chain (seq n and n+1), the second links to the first;
 * - an entry with seq 1 links to GENESIS_HASH.
 * What it cannot prove without the full chain (the server's verifyAuditLog): that no entry of the case is missing
 * in a gap between non-neighbouring entries, and that an entry after a gap links to the real entry before it
 * (its prevHash names an entry that is not in the subset).
 */
export class AuditSubsetChecker {
  private prev: AuditEntry | null = null;
  private count = 0;

  get entries(): number {
    return this.count;
  }

  /** Checks the next entry; returns its problems (empty when it fits). */
  add(value: unknown): AuditSubsetProblem[] {
    this.count++;
    const index = this.count;
    const shape = auditEntryShapeProblem(value);
    if (shape) {
      const seq = typeof (value as { seq?: unknown })?.seq === 'number' ? (value as { seq: number }).seq : null;
      return [{ index, seq, problem: 'malformed', message: `audit entry ${index} is malformed: ${shape}` }];
    }
    const e = value as AuditEntry;
    const problems: AuditSubsetProblem[] = [];
    if (auditEntryHash(e) !== e.hash) {
      problems.push({ index, seq: e.seq, problem: 'hash_mismatch', message: `audit entry seq ${e.seq} was altered: its content does not match its hash` });
    }
    const prev = this.prev;
    if (prev && e.seq <= prev.seq) {
      problems.push({ index, seq: e.seq, problem: 'out_of_order', message: `audit entries out of order: seq ${e.seq} comes after seq ${prev.seq}` });
    } else if (prev && e.seq === prev.seq + 1 && e.prevHash !== prev.hash) {
      problems.push({ index, seq: e.seq, problem: 'prev_hash_mismatch', message: `audit entry seq ${e.seq} does not link to seq ${prev.seq} before it` });
    }
    if (e.seq === 1 && e.prevHash !== GENESIS_HASH) {
      problems.push({ index, seq: e.seq, problem: 'genesis_mismatch', message: 'audit entry seq 1 does not link to the genesis hash' });
    }
    // Keep the highest entry seen so one misplaced entry does not make every later one look out of order.
    if (!prev || e.seq > prev.seq) this.prev = e;
    return problems;
  }
}

/** All problems of a case's audit entries (see AuditSubsetChecker for what can and cannot be checked). */
export function verifyAuditSubset(entries: Iterable<unknown>): AuditSubsetProblem[] {
  const checker = new AuditSubsetChecker();
  const problems: AuditSubsetProblem[] = [];
  for (const e of entries) problems.push(...checker.add(e));
  return problems;
}
