import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { verifyAuditSubset, type AuditEntry, type AuditSubsetProblem } from './audit-chain.ts';
import { signBytes, type KeyRing, type SigningKey } from './keys.ts';
import { ZipFileWriter } from './zip-writer.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import {
  AUDIT_NAME,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  MANIFEST_SIGNATURE_CONTEXT,
  MEDIA_DIR,
  MEDIA_NAME_RE,
  RESERVED_MANIFEST_FIELDS,
  SIGNATURE_FORMAT,
  SIGNATURE_NAME,
  type EvidenceManifest,
  type ManifestFile,
  type ManifestSignature,
  type TimeRange,
} from './package-format.ts';

export interface ExportFile {
  /** Base name inside `media/` (see MEDIA_NAME_RE). */
  name: string;
  /** Where the file is on disk. */
  path: string;
  kind: string;
  timeRange?: { start: Date | string; end: Date | string };
}

export interface ExportOptions {
  /** Path of the zip to write. Written to a temporary name next to it and renamed when complete. */
  out: string;
  /** The case's records (declaration, findings, decisions, ...): copied into manifest.json. */
  manifestBase: Record<string, unknown>;
  files: ExportFile[];
  /** The case's audit entries (any order; written sorted by seq). */
  auditEntries: AuditEntry[];
  /** Signs with the ring's active key; or pass `signingKey` directly. */
  keyRing?: KeyRing;
  signingKey?: SigningKey;
  /** The global chain's last entry now, recorded in the manifest. */
  auditChainHead?: { seq: number; hash: string };
  /** A signed checkpoint of the whole log and the inclusion proof of each excerpt entry (by seq). */
  auditCheckpoint?: { signed: SignedCheckpoint; proofs: Map<number, string[]> };
  createdAt?: Date;
  /** Replace an existing file at `out` (default false: refuse). */
  overwrite?: boolean;
  /** fsync the zip before renaming it into place (default true). */
  fsync?: boolean;
  /** Write ZIP64 records even for a small package (tests that path). */
  forceZip64?: boolean;
}

export interface ExportResult {
  path: string;
  bytes: number;
  manifestSha256: string;
  keyId: string;
  files: ManifestFile[];
  auditEntries: number;
  /** Problems in the audit entries as handed in (exported anyway: the package shows what the server held). */
  auditProblems: AuditSubsetProblem[];
}

function isoField(v: Date | string, field: string): string {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new TypeError(`${field}: not a valid time`);
  return d.toISOString();
}

function checkInputs(opts: ExportOptions): { timeRanges: (TimeRange | undefined)[] } {
  if (typeof opts.out !== 'string' || opts.out === '') throw new TypeError('out: required');
  if (!opts.manifestBase || typeof opts.manifestBase !== 'object' || Array.isArray(opts.manifestBase)) throw new TypeError('manifestBase: expected an object');
  for (const f of RESERVED_MANIFEST_FIELDS) {
    if (f in opts.manifestBase) throw new TypeError(`manifestBase.${f}: reserved, filled in by the exporter`);
  }
  canonicalJson(opts.manifestBase); // refuses values JSON cannot carry faithfully
  if (!Array.isArray(opts.files)) throw new TypeError('files: expected an array');
  if (!Array.isArray(opts.auditEntries)) throw new TypeError('auditEntries: expected an array');
  if (!opts.keyRing && !opts.signingKey) throw new TypeError('keyRing: required');
  const seen = new Set<string>();
  const timeRanges = opts.files.map((f, i) => {
    if (typeof f?.name !== 'string' || !MEDIA_NAME_RE.test(f.name)) {
      throw new TypeError(`files[${i}].name: ${JSON.stringify(f?.name)} is not a safe file name (letters, digits, . _ -; no leading dot)`);
    }
    if (seen.has(f.name)) throw new TypeError(`files[${i}].name: ${f.name} is listed twice`);
    seen.add(f.name);
    if (typeof f.path !== 'string' || f.path === '') throw new TypeError(`files[${i}].path: required`);
    if (typeof f.kind !== 'string' || f.kind === '') throw new TypeError(`files[${i}].kind: required`);
    if (f.timeRange === undefined) return undefined;
    const start = isoField(f.timeRange.start, `files[${i}].timeRange.start`);
    const end = isoField(f.timeRange.end, `files[${i}].timeRange.end`);
    if (end < start) throw new TypeError(`files[${i}].timeRange: end ${end} is before start ${start}`);
    return { start, end };
  });
  return { timeRanges };
}

/**
 * Writes an evidence package (see package-format.ts). Media files are streamed from disk, hashed on the way and
 * stored without compression (recordings are already compressed), so memory stays flat whatever their size
 * (three 4 MiB buffers). The zip appears at `out` only once complete (and fsynced, by default).
 */
export async function exportEvidencePackage(opts: ExportOptions): Promise<ExportResult> {
  const { timeRanges } = checkInputs(opts);
  const key = opts.signingKey ?? (await opts.keyRing!.activeKey());
  const createdAt = (opts.createdAt ?? new Date()).toISOString();

  const stats = await Promise.all(
    opts.files.map(async (f, i) => {
      const st = await fs.stat(f.path).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`files[${i}].path: cannot read ${f.path} (${e.code ?? e.message})`);
      });
      if (!st.isFile()) throw new Error(`files[${i}].path: ${f.path} is not a regular file`);
      return st;
    }),
  );
  if (!opts.overwrite && (await fs.stat(opts.out).then(() => true, () => false))) {
    throw new Error(`out: ${opts.out} already exists`);
  }

  const audit = [...opts.auditEntries].sort((a, b) => a.seq - b.seq);
  const auditProblems = verifyAuditSubset(audit);
  const auditBytes = Buffer.from(audit.map((e) => canonicalJson(e) + '\n').join(''), 'utf8');

  const tmp = join(dirname(opts.out), `.${basename(opts.out)}.${randomUUID()}.partial`);
  const zip = await ZipFileWriter.create(tmp, { mtime: new Date(createdAt), forceZip64: opts.forceZip64 });
  try {
    await zip.addBuffer(AUDIT_NAME, auditBytes, { deflate: true });
    const files: ManifestFile[] = [];
    for (const [i, f] of opts.files.entries()) {
      const name = MEDIA_DIR + f.name;
      const hash = createHash('sha256');
      await zip.addFile(name, f.path, stats[i].size, (chunk) => hash.update(chunk)).catch((e: Error) => {
        throw new Error(`files[${i}]: ${e.message}`);
      });
      const entry: ManifestFile = { name, kind: f.kind, size: stats[i].size, sha256: hash.digest('hex') };
      if (timeRanges[i]) entry.timeRange = timeRanges[i];
      files.push(entry);
    }

    const manifest: EvidenceManifest = {
      ...opts.manifestBase,
      format: MANIFEST_FORMAT,
      createdAt,
      files,
      audit: {
        name: AUDIT_NAME,
        entries: audit.length,
        size: auditBytes.length,
        sha256: sha256Hex(auditBytes),
        firstSeq: audit.length ? audit[0].seq : null,
        lastSeq: audit.length ? audit[audit.length - 1].seq : null,
        ...(opts.auditChainHead ? { chainHead: { seq: opts.auditChainHead.seq, hash: opts.auditChainHead.hash } } : {}),
        ...(opts.auditCheckpoint ? {
          checkpoint: opts.auditCheckpoint.signed,
          proofs: audit.filter((e) => opts.auditCheckpoint!.proofs.has(e.seq)).map((e) => ({ seq: e.seq, path: opts.auditCheckpoint!.proofs.get(e.seq)! })),
        } : {}),
      },
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
    const manifestSha256 = sha256Hex(manifestBytes);
    const sig: ManifestSignature = {
      format: SIGNATURE_FORMAT,
      algorithm: 'Ed25519',
      keyId: key.keyId,
      publicKey: key.info.publicKey,
      publicKeyPem: key.info.publicKeyPem,
      signedAt: new Date().toISOString(),
      manifestSha256,
      signature: signBytes(key, Buffer.concat([Buffer.from(MANIFEST_SIGNATURE_CONTEXT, 'utf8'), manifestBytes])),
    };
    await zip.addBuffer(MANIFEST_NAME, manifestBytes, { deflate: true });
    await zip.addBuffer(SIGNATURE_NAME, Buffer.from(JSON.stringify(sig, null, 2) + '\n', 'utf8'), { deflate: false });
    await zip.finish({ sync: opts.fsync ?? true });
    const { size: bytes } = await fs.stat(tmp);
    if (!opts.overwrite) {
      // link() refuses to replace, so two exports racing for one name cannot overwrite each other.
      await fs.link(tmp, opts.out).catch((e: NodeJS.ErrnoException) => {
        throw new Error(e.code === 'EEXIST' ? `out: ${opts.out} already exists` : `out: cannot create ${opts.out} (${e.message})`);
      });
      await fs.rm(tmp, { force: true });
    } else {
      await fs.rename(tmp, opts.out);
    }
    return { path: opts.out, bytes, manifestSha256, keyId: key.keyId, files, auditEntries: audit.length, auditProblems };
  } catch (e) {
    await zip.abort();
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
