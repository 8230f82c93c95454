/**
 * Layout of an evidence package (a zip):
 *   audit.jsonl     the case's audit entries, one canonical JSON object a line, in seq order, each with seq/prevHash/hash
 *   media/<name>    recordings and snapshots, stored (not deflated)
 *   manifest.json   the case's records, and the name, size, SHA-256 (and time range) of every other file
 *   manifest.sig    Ed25519 signature over MANIFEST_SIGNATURE_CONTEXT + the exact bytes of manifest.json,
 *                   with the key id and public key (so a verifier can pin the server's key)
 * Nothing else may be in the zip.
 */
import type { SignedCheckpoint } from './checkpoint.ts';

export const MANIFEST_FORMAT = 'rvi-evidence/1' as const;
export const SIGNATURE_FORMAT = 'rvi-evidence-signature/1' as const;
export const MANIFEST_NAME = 'manifest.json';
export const SIGNATURE_NAME = 'manifest.sig';
export const AUDIT_NAME = 'audit.jsonl';
export const MEDIA_DIR = 'media/';
/** Prefixed to the manifest bytes before signing, so a manifest signature cannot pass for a record signature. */
export const MANIFEST_SIGNATURE_CONTEXT = 'rvi-evidence-manifest/1\n';

/** A media file's base name: letters, digits, '.', '_', '-'; no leading dot; at most 200 characters. */
export const MEDIA_NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

export interface TimeRange {
  /** ISO 8601 UTC. */
  start: string;
  end: string;
}

export interface ManifestFile {
  /** Path inside the zip, e.g. `media/session-1.webm`. */
  name: string;
  /** e.g. 'recording', 'snapshot'. */
  kind: string;
  size: number;
  sha256: string;
  timeRange?: TimeRange;
}

export interface ManifestAudit {
  name: typeof AUDIT_NAME;
  entries: number;
  size: number;
  sha256: string;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The global chain's last entry when the package was made, if the exporter passed it (lets an auditor compare with the server later). */
  chainHead?: { seq: number; hash: string };
  /**
   * A signed checkpoint of the whole audit log at export (CT-style signed tree head) and, for every entry of the
   * excerpt, its RFC 6962 inclusion proof in that checkpoint's Merkle tree: the verifier proves offline that each entry
   * is entry `seq` of the log the server signed. Keep the checkpoint: `rvi audit verify --checkpoint` later shows
   * whether the server's log still holds it.
   */
  checkpoint?: SignedCheckpoint;
  proofs?: { seq: number; path: string[] }[];
}

export interface EvidenceManifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  files: ManifestFile[];
  audit: ManifestAudit;
  /** Plus the exporter's own fields (manifestBase): the case's records. */
  [field: string]: unknown;
}

export interface ManifestSignature {
  format: typeof SIGNATURE_FORMAT;
  algorithm: 'Ed25519';
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  publicKeyPem: string;
  signedAt: string;
  manifestSha256: string;
  /** base64 */
  signature: string;
}

/** Keys an exporter's manifestBase may not use: the package fills them in. */
export const RESERVED_MANIFEST_FIELDS = ['format', 'createdAt', 'files', 'audit'] as const;
