// Signing of findings, decisions and reviews: the canonical record names the signing user and the time, the server's
// active key signs it (Ed25519, @rvi/evidence), and the envelope is stored with the row exactly as signed. Reading a
// record back checks the signature against the published keys and that every column still agrees with what was
// signed, so a change made behind the application's back (the database refuses UPDATE, but a superuser could) shows.
import { eq } from 'drizzle-orm';
import { canonicalJson, signRecordWithRing, verifySignedRecord, type KeyRing, type PublicKeyInfo, type SignedEnvelope } from '@rvi/evidence';
import { users } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { forbidden } from '../../platform/errors.ts';

/** The services' dependencies: the database and the key ring (AppContext satisfies it). */
export interface SigningDeps {
  db: Db;
  keys: KeyRing;
}

export interface SignerInfo {
  id: string;
  username: string;
  name: string;
  role: string;
}

/** The signing user as named in the record. Only a person signs: a system actor (job, CLI) cannot. */
export async function signerOf(tx: Db, actor: Actor): Promise<SignerInfo> {
  if (actor.kind !== 'user' || !actor.userId) throw forbidden('Findings and decisions are signed by a person; log in as one');
  const [u] = await tx.select({ name: users.displayName }).from(users).where(eq(users.id, actor.userId)).limit(1);
  return { id: actor.userId, username: actor.username, name: u?.name ?? actor.username, role: actor.role };
}

/**
 * Signs a record. The time is taken once, here, so the record's `signedAt`, the envelope's and the row's agree to
 * the millisecond.
 */
export async function signNow<T extends Record<string, unknown>>(keys: KeyRing, signer: SignerInfo, build: (signedAt: string) => T): Promise<{ envelope: SignedEnvelope<T>; signedAt: Date }> {
  const at = new Date();
  const record = build(at.toISOString());
  const envelope = await signRecordWithRing(keys, record, { signerId: signer.id, signerRole: signer.role, at });
  return { envelope, signedAt: at };
}

export interface SignatureCheck {
  keyId: string;
  algorithm: string;
  signature: string;
  signedAt: string;
  valid: boolean;
  problems: string[];
}

/**
 * Verifies a stored envelope against the published keys, and that the stored columns (`columns`) agree with the
 * signed record field by field.
 */
export function checkSignature(envelope: unknown, columns: Record<string, unknown>, keys: readonly PublicKeyInfo[]): SignatureCheck {
  const env = (envelope ?? {}) as Partial<SignedEnvelope<Record<string, unknown>>>;
  const r = verifySignedRecord(envelope, keys);
  const problems = [...r.problems];
  const rec = (env.record ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(columns)) {
    let same: boolean;
    try {
      same = canonicalJson(rec[k] ?? null) === canonicalJson(v ?? null);
    } catch {
      same = false;
    }
    if (!same) problems.push(`${k}: the stored value differs from the signed record`);
  }
  return {
    keyId: String(env.keyId ?? ''), algorithm: String(env.algorithm ?? ''), signature: String(env.signature ?? ''),
    signedAt: String(env.signedAt ?? ''), valid: problems.length === 0, problems,
  };
}
