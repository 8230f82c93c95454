// Signed checkpoints of the audit log (issue 13, item 2), in the style of Certificate Transparency's signed tree heads:
// the server signs {treeSize, rootHash, headHash, at} with its key ring, periodically and on demand, and keeps every
// checkpoint OUTSIDE the database: appended to DATA_DIR/audit/checkpoints.jsonl, served at GET /api/audit/checkpoint,
// embedded in every evidence package, and optionally pushed to an external witness (RVI_AUDIT_WITNESS_URL). Anyone
// holding a checkpoint can later check that the log still has those entries, unchanged: `rvi audit verify --checkpoint`.
//
// Before signing, the server checks the log against its previous checkpoint (same root over the first treeSize entries,
// every later entry hashed and linked), so it never vouches for a log that was truncated or rewritten since.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { asc, desc, gt, sql } from 'drizzle-orm';
import {
  auditEntryHash, GENESIS_HASH, leafHash, MerkleFrontier, parseCheckpoints, signCheckpoint, verifyCheckpoint, type KeyRing, type SignedCheckpoint,
} from '@rvi/evidence';
import { auditLog } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';

export interface CheckpointProblem {
  treeSize: number;
  at: string;
  problem: 'log_truncated' | 'log_rewritten' | 'bad_checkpoint' | 'untrusted_checkpoint';
  message: string;
}

export interface ChainProblem {
  seq: number;
  problem: string;
  message: string;
}

export interface LogWalk {
  entries: number;
  head: string;
  /** Merkle root over all the entries walked. */
  root: string;
  firstBroken: ChainProblem | null;
  checkpointProblems: CheckpointProblem[];
  /** Checkpoints the log was compared with (trusted and well-formed). */
  checkpointsChecked: number;
}

const PAGE = 5000;

/**
 * Walks the whole chain in pages (constant memory: the Merkle frontier is log2 n hashes), checking every entry's hash,
 * the sequence and the links, and compares the log with each checkpoint as the walk passes its size: the Merkle root of
 * the first treeSize entries and the head hash must match; a log shorter than a checkpoint is truncated.
 * `trusted` are the keys a checkpoint must be signed by (the server's ring, or keys the caller pinned).
 */
export async function walkAuditLog(db: Db, checkpoints: readonly SignedCheckpoint[], trusted: Parameters<typeof verifyCheckpoint>[1]): Promise<LogWalk> {
  const checkpointProblems: CheckpointProblem[] = [];
  const pending: SignedCheckpoint[] = [];
  for (const c of checkpoints) {
    const v = verifyCheckpoint(c, trusted);
    const tsz = Number((c as SignedCheckpoint)?.checkpoint?.treeSize ?? -1);
    const at = String((c as SignedCheckpoint)?.checkpoint?.at ?? '?');
    if (!v.ok) checkpointProblems.push({ treeSize: tsz, at, problem: v.problems.some((p) => /not a trusted key/.test(p)) ? 'untrusted_checkpoint' : 'bad_checkpoint', message: v.problems.join('; ') });
    else pending.push(c);
  }
  pending.sort((a, b) => a.checkpoint.treeSize - b.checkpoint.treeSize);
  const frontier = new MerkleFrontier();
  let next = 0;
  const compare = (head: string) => {
    while (next < pending.length && pending[next].checkpoint.treeSize === frontier.size) {
      const c = pending[next++].checkpoint;
      const rootOk = frontier.root() === c.rootHash;
      const headOk = head === c.headHash;
      if (!rootOk || !headOk) {
        checkpointProblems.push({
          treeSize: c.treeSize, at: c.at, problem: 'log_rewritten',
          message: `the log's first ${c.treeSize} entries differ from the checkpoint signed at ${c.at} (${!headOk ? `entry ${c.treeSize} has another hash` : 'another Merkle root'}): entries were changed or replaced since`,
        });
      }
    }
  };
  compare(GENESIS_HASH);
  let after = 0;
  let prev = GENESIS_HASH;
  let firstBroken: ChainProblem | null = null;
  for (;;) {
    const rows = await db.select().from(auditLog).where(gt(auditLog.seq, after)).orderBy(asc(auditLog.seq)).limit(PAGE);
    if (rows.length === 0) break;
    for (const r of rows) {
      const e = { ...r, summary: r.summary ?? null };
      if (!firstBroken) {
        if (e.seq !== after + 1) firstBroken = { seq: after + 1, problem: 'sequence_gap', message: `entry ${after + 1} is missing` };
        else if (e.prevHash !== prev) firstBroken = { seq: e.seq, problem: 'prev_hash_mismatch', message: `entry ${e.seq} does not link to the entry before it` };
        else if (auditEntryHash(e) !== e.hash) firstBroken = { seq: e.seq, problem: 'hash_mismatch', message: `entry ${e.seq} was altered: its content does not match its hash` };
      }
      // the Merkle leaves are the stored hashes in seq order, whatever the chain says: a gap or a bad entry also
      // shows up as a checkpoint mismatch
      frontier.push(leafHash(/^[0-9a-f]{64}$/.test(e.hash) ? e.hash : '0'.repeat(64)));
      after = e.seq;
      prev = e.hash;
      compare(e.hash);
    }
  }
  for (; next < pending.length; next++) {
    const c = pending[next].checkpoint;
    checkpointProblems.push({
      treeSize: c.treeSize, at: c.at, problem: 'log_truncated',
      message: `the log has ${frontier.size} entries, but the checkpoint signed at ${c.at} covers ${c.treeSize}: ${c.treeSize - frontier.size} entries were removed`,
    });
  }
  return { entries: frontier.size, head: prev, root: frontier.root(), firstBroken, checkpointProblems, checkpointsChecked: checkpoints.length - checkpointProblems.filter((p) => p.problem === 'bad_checkpoint' || p.problem === 'untrusted_checkpoint').length };
}

/** The entries' hashes 1..n as Merkle leaves (for inclusion proofs); 32 bytes an entry. */
export async function auditLeaves(db: Db, upTo: number): Promise<Buffer[]> {
  const leaves: Buffer[] = [];
  let after = 0;
  while (after < upTo) {
    const rows = await db.select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog)
      .where(sql`${auditLog.seq} > ${after} and ${auditLog.seq} <= ${upTo}`).orderBy(asc(auditLog.seq)).limit(PAGE * 4);
    if (!rows.length) break;
    for (const r of rows) leaves.push(leafHash(r.hash));
    after = rows[rows.length - 1].seq;
  }
  return leaves;
}

export interface CheckpointOptions {
  db: Db;
  keys: KeyRing;
  dataDir: string;
  /** The log's name in its checkpoints (the public origin, or "customs-rvi"). */
  log: string;
  witnessUrl: string | null;
  warn?: (obj: object, msg: string) => void;
}

/**
 * The checkpoints of this server: signs, stores (DATA_DIR/audit/checkpoints.jsonl, append only, fsynced), pushes to
 * the witness. One signing at a time per process.
 */
export class AuditCheckpoints {
  private running: Promise<SignedCheckpoint> | null = null;
  readonly file: string;
  constructor(private readonly o: CheckpointOptions) {
    this.file = join(o.dataDir, 'audit', 'checkpoints.jsonl');
  }

  /** Every checkpoint this server stored, oldest first. */
  async all(): Promise<SignedCheckpoint[]> {
    const text = await fs.readFile(this.file, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : Promise.reject(e)));
    return text.trim() ? parseCheckpoints(text) : [];
  }

  async latest(): Promise<SignedCheckpoint | null> {
    const all = await this.all();
    return all.length ? all[all.length - 1] : null;
  }

  /** Signs a checkpoint of the log as it is now (after checking it against the previous one). */
  create(opts: { ifGrown?: boolean } = {}): Promise<SignedCheckpoint> {
    this.running ??= this.createNow(opts).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async createNow(opts: { ifGrown?: boolean }): Promise<SignedCheckpoint> {
    const previous = await this.latest();
    const [head] = await this.o.db.select({ seq: auditLog.seq }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    if (opts.ifGrown && previous && previous.checkpoint.treeSize === (head?.seq ?? 0)) return previous;
    // everything up to the previous checkpoint must still be what it signed, and everything after it intact
    const walk = await walkAuditLog(this.o.db, previous ? [previous] : [], await this.o.keys.listPublicKeys());
    if (walk.firstBroken || walk.checkpointProblems.length) {
      const why = walk.checkpointProblems[0]?.message ?? walk.firstBroken!.message;
      this.o.warn?.({ firstBroken: walk.firstBroken, checkpointProblems: walk.checkpointProblems }, 'audit log does not verify: no checkpoint signed');
      throw new AppError('audit_log_broken', 409, `The audit log does not verify, so no checkpoint is signed: ${why}`, { firstBroken: walk.firstBroken, checkpointProblems: walk.checkpointProblems });
    }
    // entries appended during the walk are left for the next checkpoint: this one covers exactly the walked prefix
    const signed = signCheckpoint({ log: this.o.log, treeSize: walk.entries, rootHash: walk.root, headHash: walk.head, at: new Date().toISOString() }, await this.o.keys.activeKey());
    await this.store(signed);
    void this.push(signed);
    return signed;
  }

  /** Appends a checkpoint to the file (also those signed for evidence packages). */
  async store(signed: SignedCheckpoint): Promise<void> {
    await fs.mkdir(join(this.o.dataDir, 'audit'), { recursive: true, mode: 0o700 });
    const fh = await fs.open(this.file, 'a', 0o644);
    try {
      await fh.write(JSON.stringify(signed) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Sends a checkpoint to the external witness; a failure is logged (the next checkpoint is sent again). */
  async push(signed: SignedCheckpoint): Promise<boolean> {
    if (!this.o.witnessUrl) return false;
    try {
      const r = await fetch(this.o.witnessUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed), signal: AbortSignal.timeout(10_000),
      });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      return true;
    } catch (e) {
      this.o.warn?.({ err: e, witness: new URL(this.o.witnessUrl).origin }, 'audit checkpoint: witness did not accept it');
      return false;
    }
  }
}
