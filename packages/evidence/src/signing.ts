import { canonicalJson } from './canonical.ts';
import {
  keyIdFor,
  parsePublicKey,
  signBytes,
  SIGNATURE_ALGORITHM,
  verifyBytes,
  type KeyRing,
  type PublicKeyInfo,
  type SigningKey,
} from './keys.ts';

/**
 * A record (finding, decision, ...) as signed when submitted. Never changed afterwards: a correction is a new
 * record that references this one.
 */
export interface SignedEnvelope<T = unknown> {
  record: T;
  signer: { id: string; role: string };
  /** ISO 8601 UTC with milliseconds. */
  signedAt: string;
  keyId: string;
  algorithm: typeof SIGNATURE_ALGORITHM;
  /** Ed25519 signature, base64, over {@link signedRecordBytes}. */
  signature: string;
}

export interface SignMeta {
  signerId: string;
  signerRole: string;
  at: Date | string;
}

/**
 * Domain-separation prefix: a record signature can never be replayed as a manifest signature or the other way round.
 * The signed bytes are this prefix followed by the canonical JSON of the envelope without `signature`.
 */
export const RECORD_SIGNATURE_CONTEXT = 'rvi-signed-record/1\n';

export function signedRecordBytes(env: Omit<SignedEnvelope, 'signature'>): Buffer {
  const body = canonicalJson({
    record: env.record,
    signer: { id: env.signer.id, role: env.signer.role },
    signedAt: env.signedAt,
    keyId: env.keyId,
    algorithm: env.algorithm,
  });
  return Buffer.from(RECORD_SIGNATURE_CONTEXT + body, 'utf8');
}

function toIso(at: Date | string, field: string): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw new TypeError(`${field}: not a valid time`);
  return d.toISOString();
}

/** Signs `record` with `key`, naming the signer and the time. `record` must be JSON data (see canonicalJson). */
export function signRecord<T>(record: T, meta: SignMeta, key: SigningKey): SignedEnvelope<T> {
  if (typeof meta.signerId !== 'string' || meta.signerId === '') throw new TypeError('signerId: required');
  if (typeof meta.signerRole !== 'string' || meta.signerRole === '') throw new TypeError('signerRole: required');
  const unsigned = {
    record,
    signer: { id: meta.signerId, role: meta.signerRole },
    signedAt: toIso(meta.at, 'at'),
    keyId: key.keyId,
    algorithm: SIGNATURE_ALGORITHM,
  };
  return { ...unsigned, signature: signBytes(key, signedRecordBytes(unsigned)) };
}

/** Signs with the ring's active key. */
export async function signRecordWithRing<T>(ring: KeyRing, record: T, meta: SignMeta): Promise<SignedEnvelope<T>> {
  return signRecord(record, meta, await ring.activeKey());
}

export interface VerifyRecordResult {
  ok: boolean;
  problems: string[];
  /** The key that made a valid signature. */
  key?: PublicKeyInfo;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/**
 * Checks a signed envelope against published keys (`GET /api/keys`): the key is known, its id matches its bytes,
 * the signature is valid, and the record was signed within the key's validity period. Never throws on bad input.
 */
export function verifySignedRecord(envelope: unknown, publicKeys: readonly PublicKeyInfo[]): VerifyRecordResult {
  const problems: string[] = [];
  const env = envelope as Partial<SignedEnvelope> | null;
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return { ok: false, problems: ['envelope: not an object'] };
  if (!('record' in env)) problems.push('envelope.record: missing');
  if (!env.signer || typeof env.signer.id !== 'string' || typeof env.signer.role !== 'string') problems.push('envelope.signer: expected {id, role} strings');
  if (typeof env.signedAt !== 'string' || !ISO_RE.test(env.signedAt)) problems.push('envelope.signedAt: expected an ISO 8601 UTC time');
  if (env.algorithm !== SIGNATURE_ALGORITHM) problems.push(`envelope.algorithm: expected ${SIGNATURE_ALGORITHM}, got ${JSON.stringify(env.algorithm)}`);
  if (typeof env.keyId !== 'string') problems.push('envelope.keyId: missing');
  if (typeof env.signature !== 'string') problems.push('envelope.signature: missing');
  if (problems.length) return { ok: false, problems };

  const info = publicKeys.find((k) => k.keyId === env.keyId);
  if (!info) return { ok: false, problems: [`signed with unknown key ${env.keyId}`] };
  let key;
  try {
    key = parsePublicKey(info.publicKey);
  } catch (e) {
    return { ok: false, problems: [`key ${info.keyId}: ${(e as Error).message}`] };
  }
  const raw = Buffer.from(info.publicKey, 'base64');
  if (keyIdFor(raw) !== info.keyId) return { ok: false, problems: [`key ${info.keyId}: id does not match its public key bytes`] };

  let bytes: Buffer;
  try {
    bytes = signedRecordBytes(env as SignedEnvelope);
  } catch (e) {
    return { ok: false, problems: [`envelope.record: not canonical JSON data (${(e as Error).message})`] };
  }
  if (!verifyBytes(key, bytes, env.signature!)) {
    problems.push(`signature invalid: the record, signer or time was changed after signing (key ${info.keyId})`);
  }
  const t = Date.parse(env.signedAt!);
  if (t < Date.parse(info.createdAt)) problems.push(`signed at ${env.signedAt}, before key ${info.keyId} was created (${info.createdAt})`);
  if (info.retiredAt !== null && t >= Date.parse(info.retiredAt)) {
    problems.push(`signed at ${env.signedAt}, after key ${info.keyId} was retired (${info.retiredAt})`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, problems, key: info };
}
