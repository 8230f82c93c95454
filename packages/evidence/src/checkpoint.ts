// Signed checkpoints of the audit log, in the style of Certificate Transparency's signed tree heads (RFC 6962 / 9162):
// the server signs {treeSize, rootHash, headHash, at}. rootHash is the Merkle tree hash (RFC 6962 §2.1) over the
// entries' chain hashes in seq order; headHash is the chain hash of entry `treeSize`. Whoever keeps a checkpoint can
// later tell whether the log still holds exactly those `treeSize` entries: a truncated log is shorter, a rewritten
// (even rehashed) log has another head and root. Inclusion proofs (RFC 6962 §2.1.1) show that one entry is entry `seq`
// of the log a checkpoint signed, with log2(treeSize) hashes: evidence packages carry them for their audit excerpt.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { keyIdFor, parsePublicKey, rawPublicKey, signBytes, verifyBytes, type PublicKeyInfo, type SigningKey } from './keys.ts';
import type { KeyObject } from 'node:crypto';

export const CHECKPOINT_FORMAT = 'rvi-audit-checkpoint/1' as const;
/** Domain separation: a checkpoint signature can never pass for a record or manifest signature. */
export const CHECKPOINT_SIGNATURE_CONTEXT = 'rvi-audit-checkpoint/1\n';

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  /** Which log: the server's public origin or name (a verifier compares it with the log it checks). */
  log: string;
  /** Number of entries covered: entries seq 1..treeSize. */
  treeSize: number;
  /** RFC 6962 Merkle tree hash over the entries' chain hashes (hex); the empty-tree hash for treeSize 0. */
  rootHash: string;
  /** Chain hash of entry `treeSize` (hex), or the genesis hash for an empty log. */
  headHash: string;
  /** When it was signed (ISO 8601 UTC). */
  at: string;
}

export interface SignedCheckpoint {
  checkpoint: Checkpoint;
  algorithm: 'Ed25519';
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64 (a verifier must still pin the server's key to trust it). */
  publicKey: string;
  /** base64 over CHECKPOINT_SIGNATURE_CONTEXT + canonicalJson(checkpoint). */
  signature: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** RFC 6962 leaf hash of an audit entry: SHA-256(0x00 || the 32 bytes of its chain hash). */
export function leafHash(entryHashHex: string): Buffer {
  return sha256(LEAF, Buffer.from(entryHashHex, 'hex'));
}
const nodeHash = (l: Uint8Array, r: Uint8Array) => sha256(NODE, l, r);
/** Merkle tree hash of an empty tree: SHA-256 of nothing. */
export const EMPTY_TREE_HASH = sha256().toString('hex');

/** The largest power of two smaller than n (n >= 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 Merkle tree hash over leaf hashes [lo, hi). Iterative levels: O(n) hashes, O(n) memory for the level. */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  if (leaves.length === 0) return EMPTY_TREE_HASH;
  return subtreeRoot(leaves, 0, leaves.length).toString('hex');
}

function subtreeRoot(leaves: readonly Uint8Array[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return Buffer.from(leaves[lo]);
  // RFC 6962 trees are left-balanced: the left subtree is the largest power of two below n. Computing the perfect
  // left part level by level avoids deep recursion on big logs.
  const k = split(n);
  return nodeHash(perfectRoot(leaves, lo, k), subtreeRoot(leaves, lo + k, hi));
}

function perfectRoot(leaves: readonly Uint8Array[], lo: number, size: number): Buffer {
  let level: Buffer[] = [];
  for (let i = 0; i < size; i++) level.push(Buffer.from(leaves[lo + i]));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i], level[i + 1]));
    level = next;
  }
  return level[0];
}

/** RFC 6962 §2.1.1 audit path of leaf `index` (0-based) in the tree of `leaves`, as hex hashes, bottom first. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): string[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  const path: Buffer[] = [];
  const walk = (m: number, lo: number, hi: number) => {
    const n = hi - lo;
    if (n === 1) return;
    const k = split(n);
    if (m < k) {
      walk(m, lo, lo + k);
      path.push(subtreeRoot(leaves, lo + k, hi));
    } else {
      walk(m - k, lo + k, hi);
      path.push(perfectRoot(leaves, lo, k));
    }
  };
  walk(index, 0, leaves.length);
  return path.map((b) => b.toString('hex'));
}

/** Proofs for many leaves at once, sharing the work: each subtree hash is computed once. */
export function inclusionProofs(leaves: readonly Uint8Array[], indexes: readonly number[]): Map<number, string[]> {
  const memo = new Map<string, Buffer>();
  const root = (lo: number, hi: number): Buffer => {
    const key = `${lo}:${hi}`;
    // small subtrees are recomputed (cheap) rather than remembered: memory stays ~n/128 entries
    if (hi - lo <= 256) return subtreeRoot(leaves, lo, hi);
    let h = memo.get(key);
    if (!h) {
      const k = split(hi - lo);
      h = nodeHash(root(lo, lo + k), root(lo + k, hi));
      memo.set(key, h);
    }
    return h;
  };
  const out = new Map<number, string[]>();
  for (const index of indexes) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
    const path: Buffer[] = [];
    const walk = (m: number, lo: number, hi: number) => {
      if (hi - lo === 1) return;
      const k = split(hi - lo);
      if (m < k) {
        walk(m, lo, lo + k);
        path.push(root(lo + k, hi));
      } else {
        walk(m - k, lo + k, hi);
        path.push(root(lo, lo + k));
      }
    };
    walk(index, 0, leaves.length);
    out.set(index, path.map((b) => b.toString('hex')));
  }
  return out;
}

/** RFC 9162 §2.1.3.2: does `path` prove that `leaf` is leaf `index` of a tree of `treeSize` with root `rootHex`? */
export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, path: readonly string[], rootHex: string): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  if (!Array.isArray(path) || path.some((p) => typeof p !== 'string' || !HEX64.test(p))) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    const h = Buffer.from(p, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(h, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, h);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === rootHex;
}

export function checkpointBytes(c: Checkpoint): Buffer {
  return Buffer.from(CHECKPOINT_SIGNATURE_CONTEXT + canonicalJson(c), 'utf8');
}

/** Signs a checkpoint with `key`. */
export function signCheckpoint(c: Omit<Checkpoint, 'format'>, key: SigningKey): SignedCheckpoint {
  const checkpoint: Checkpoint = { format: CHECKPOINT_FORMAT, log: c.log, treeSize: c.treeSize, rootHash: c.rootHash, headHash: c.headHash, at: c.at };
  return { checkpoint, algorithm: 'Ed25519', keyId: key.keyId, publicKey: key.info.publicKey, signature: signBytes(key, checkpointBytes(checkpoint)) };
}

export interface CheckpointCheck {
  ok: boolean;
  problems: string[];
  /** True when the signature was checked against a key the caller trusts (pinned or the server's own ring). */
  trusted: boolean;
}

/**
 * Checks a signed checkpoint's shape and signature. With `trustedKeys` (the server's key ring or keys the user
 * pinned), the signing key must be one of them, valid at `checkpoint.at`; without, only the embedded key is used
 * (which proves nothing about who signed it: `trusted` is then false).
 */
export function verifyCheckpoint(value: unknown, trustedKeys?: readonly (PublicKeyInfo | KeyObject | string)[]): CheckpointCheck {
  const problems: string[] = [];
  const s = value as Partial<SignedCheckpoint> | null;
  if (!s || typeof s !== 'object' || Array.isArray(s)) return { ok: false, problems: ['checkpoint: not an object'], trusted: false };
  const c = s.checkpoint as Partial<Checkpoint> | undefined;
  if (!c || typeof c !== 'object') return { ok: false, problems: ['checkpoint: missing the signed "checkpoint" object'], trusted: false };
  if (c.format !== CHECKPOINT_FORMAT) problems.push(`checkpoint.format: expected ${CHECKPOINT_FORMAT}`);
  if (typeof c.log !== 'string') problems.push('checkpoint.log: expected a string');
  if (!Number.isSafeInteger(c.treeSize) || (c.treeSize as number) < 0) problems.push('checkpoint.treeSize: expected a whole number ≥ 0');
  if (typeof c.rootHash !== 'string' || !HEX64.test(c.rootHash)) problems.push('checkpoint.rootHash: expected 64 hex digits');
  if (typeof c.headHash !== 'string' || !HEX64.test(c.headHash)) problems.push('checkpoint.headHash: expected 64 hex digits');
  if (typeof c.at !== 'string' || Number.isNaN(Date.parse(c.at))) problems.push('checkpoint.at: expected an ISO 8601 time');
  if (s.algorithm !== 'Ed25519') problems.push('checkpoint.algorithm: expected Ed25519');
  if (problems.length) return { ok: false, problems, trusted: false };
  let embedded: KeyObject;
  try {
    embedded = parsePublicKey(String(s.publicKey ?? ''));
  } catch (e) {
    return { ok: false, problems: [`checkpoint.publicKey: ${(e as Error).message}`], trusted: false };
  }
  const raw = rawPublicKey(embedded);
  if (keyIdFor(raw) !== s.keyId) problems.push(`checkpoint.keyId ${JSON.stringify(s.keyId)} does not match its public key`);
  const bytes = checkpointBytes({ format: CHECKPOINT_FORMAT, log: c.log!, treeSize: c.treeSize!, rootHash: c.rootHash!, headHash: c.headHash!, at: c.at! });
  if (!verifyBytes(embedded, bytes, String(s.signature ?? ''))) problems.push(`checkpoint signature invalid (checkpoint of ${c.treeSize} entries at ${c.at} was altered or forged)`);
  let trusted = false;
  if (trustedKeys) {
    const match = trustedKeys.find((k) => {
      const kr = typeof k === 'string' ? rawPublicKey(parsePublicKey(k)) : 'asymmetricKeyType' in (k as object) ? rawPublicKey(k as KeyObject) : Buffer.from((k as PublicKeyInfo).publicKey, 'base64');
      return kr.equals(raw);
    });
    if (!match) problems.push(`checkpoint signed by key ${keyIdFor(raw)}, which is not a trusted key`);
    else {
      trusted = true;
      const info = typeof match === 'object' && 'createdAt' in (match as object) ? (match as PublicKeyInfo) : null;
      const t = Date.parse(c.at!);
      if (info && t < Date.parse(info.createdAt)) problems.push(`checkpoint signed at ${c.at}, before key ${info.keyId} was created`);
      if (info && info.retiredAt !== null && t >= Date.parse(info.retiredAt)) problems.push(`checkpoint signed at ${c.at}, after key ${info.keyId} was retired`);
    }
  }
  return { ok: problems.length === 0, problems, trusted: trusted && problems.length === 0 };
}

/**
 * Reads checkpoints from text: one signed checkpoint as JSON, a JSON array of them, or JSON Lines (the server's
 * DATA_DIR/audit/checkpoints.jsonl). Throws naming the line that is not a checkpoint.
 */
export function parseCheckpoints(text: string): SignedCheckpoint[] {
  const t = text.trim();
  if (t === '') throw new Error('no checkpoint in the file');
  if (t.startsWith('[')) {
    const list = JSON.parse(t) as unknown;
    if (!Array.isArray(list)) throw new Error('expected a list of checkpoints');
    return list as SignedCheckpoint[];
  }
  try {
    return [JSON.parse(t) as SignedCheckpoint];
  } catch {
    return t.split('\n').filter((l) => l.trim()).map((l, i) => {
      try {
        return JSON.parse(l) as SignedCheckpoint;
      } catch {
        throw new Error(`line ${i + 1} is not JSON`);
      }
    });
  }
}

/**
 * The Merkle tree hash of a growing list of leaves in O(log n) memory (RFC 6962 trees are left-balanced: the root
 * folds the perfect subtrees of the binary decomposition of n, largest first). Used to check a log against many
 * checkpoints in one pass, and to sign a checkpoint without holding every leaf.
 */
export class MerkleFrontier {
  /** Perfect subtree roots, largest (leftmost) first, with their sizes. */
  private stack: { size: number; hash: Buffer }[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(leaf: Uint8Array): void {
    let cur: { size: number; hash: Buffer } = { size: 1, hash: Buffer.from(leaf) };
    while (this.stack.length && this.stack[this.stack.length - 1].size === cur.size) {
      const left = this.stack.pop()!;
      cur = { size: cur.size * 2, hash: nodeHash(left.hash, cur.hash) };
    }
    this.stack.push(cur);
    this.n++;
  }

  root(): string {
    if (this.n === 0) return EMPTY_TREE_HASH;
    let r = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash(this.stack[i].hash, r);
    return r.toString('hex');
  }
}

/**
 * Signs a checkpoint over `leaves` (the whole log's leaf hashes, seq order) and makes the inclusion proofs of the
 * entries `seqs` (what an evidence package carries for its audit excerpt).
 */
export function checkpointWithProofs(
  leaves: readonly Uint8Array[], headHash: string, seqs: readonly number[], key: SigningKey, log: string, at = new Date(),
): { signed: SignedCheckpoint; proofs: Map<number, string[]> } {
  const signed = signCheckpoint({ log, treeSize: leaves.length, rootHash: merkleRoot(leaves), headHash, at: at.toISOString() }, key);
  const inTree = seqs.filter((s) => s >= 1 && s <= leaves.length);
  const byIndex = inclusionProofs(leaves, inTree.map((s) => s - 1));
  return { signed, proofs: new Map(inTree.map((s) => [s, byIndex.get(s - 1)!])) };
}
