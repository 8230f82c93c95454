import { createHash, type Hash, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AuditSubsetChecker, type AuditEntry } from './audit-chain.ts';
import { leafHash, verifyCheckpoint, verifyInclusion } from './checkpoint.ts';
import { keyIdFor, parsePublicKey, rawPublicKey, verifyBytes, type PublicKeyInfo } from './keys.ts';
import {
  AUDIT_NAME,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  MANIFEST_SIGNATURE_CONTEXT,
  MEDIA_DIR,
  MEDIA_NAME_RE,
  SIGNATURE_FORMAT,
  SIGNATURE_NAME,
  type EvidenceManifest,
  type ManifestSignature,
} from './package-format.ts';

export interface VerifyOptions {
  /**
   * The key(s) the package must be signed by: PEM / base64 text, a KeyObject, or published key infos
   * (`GET /api/keys`, whose validity periods are then checked too). Without it the signature is checked only against
   * the key inside the package, which proves the package is unchanged since signing but not who signed it.
   */
  publicKey?: string | KeyObject | PublicKeyInfo | PublicKeyInfo[];
}

export interface VerifyPackageResult {
  ok: boolean;
  problems: string[];
  /** The signer's key id (as stated in manifest.sig), when readable. */
  keyId?: string;
  /** True when the signature was checked against a key given by the caller. */
  pinned: boolean;
  files: number;
  bytesHashed: number;
  auditEntries: number;
  /** The audit checkpoint the package carries (the excerpt was checked against it), when readable. */
  checkpoint?: { treeSize: number; at: string; rootHash: string; keyId: string };
}

const MAX_ENTRIES = 100_000;
const MAX_MANIFEST_BYTES = 64 << 20;
const MAX_SIGNATURE_BYTES = 64 << 10;
const MAX_AUDIT_LINE = 16 << 20;
const MAX_AUDIT_BYTES = 1 << 30;
const CHUNK = 4 << 20;
const HEX64 = /^[0-9a-f]{64}$/;

interface PinnedKey {
  raw: Buffer;
  info?: PublicKeyInfo;
}

function pinnedKeys(given: NonNullable<VerifyOptions['publicKey']>): PinnedKey[] {
  const list = Array.isArray(given) ? given : [given];
  if (list.length === 0) throw new Error('publicKey: empty key list');
  return list.map((k) => {
    if (typeof k === 'string') return { raw: rawPublicKey(parsePublicKey(k)) };
    if ('asymmetricKeyType' in k && typeof (k as KeyObject).export === 'function') {
      if ((k as KeyObject).asymmetricKeyType !== 'ed25519') throw new Error('publicKey: not an Ed25519 key');
      return { raw: rawPublicKey(k as KeyObject) };
    }
    const info = k as PublicKeyInfo;
    return { raw: rawPublicKey(parsePublicKey(info.publicKey)), info };
  });
}

/** Collects entries of the central directory; yauzl checks names are relative and free of `..`. */
async function readEntries(zip: yauzl.ZipFile, problems: string[]): Promise<Map<string, yauzl.Entry>> {
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entries.has(entry.fileName)) problems.push(`${entry.fileName}: appears twice in the package`);
      else if (entries.size >= MAX_ENTRIES) {
        problems.push(`package has more than ${MAX_ENTRIES} entries`);
        return resolve();
      } else entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (e: Error) => {
      problems.push(`zip structure: ${e.message}`);
      resolve();
    });
    zip.readEntry();
  });
  return entries;
}

/**
 * Reads an entry's content through `sink`, in order, holding at most two chunks. Stored entries are read straight from
 * the file with double buffering (the next read runs while this chunk is hashed); deflated ones go through yauzl.
 * Also checks that the local header agrees with the central directory, so every zip tool sees the same file.
 */
async function streamEntry(
  zip: yauzl.ZipFile,
  fh: fs.FileHandle,
  entry: yauzl.Entry,
  bufs: [Buffer, Buffer],
  sink: (chunk: Buffer) => void,
): Promise<string | null> {
  if (entry.isEncrypted()) return 'is encrypted';
  let header: yauzl.LocalFileHeader;
  try {
    header = await zip.readLocalFileHeaderPromise(entry);
  } catch (e) {
    return `local header unreadable (${(e as Error).message})`;
  }
  if (header.fileName.toString('utf8') !== entry.fileName) return 'local header names a different file than the central directory';
  if (header.compressionMethod !== entry.compressionMethod) return 'local header and central directory disagree on compression';

  if (entry.compressionMethod === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) return 'stored entry with differing sizes';
    let pos = header.fileDataStart;
    const end = pos + entry.compressedSize;
    let i = 0;
    let pending = pos < end ? fh.read(bufs[0], 0, Math.min(CHUNK, end - pos), pos) : null;
    while (pending) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return 'truncated: the package ends inside this file';
      const cur = bufs[i];
      pos += bytesRead;
      i ^= 1;
      pending = pos < end ? fh.read(bufs[i], 0, Math.min(CHUNK, end - pos), pos) : null;
      sink(cur.subarray(0, bytesRead));
    }
    return null;
  }
  if (!entry.canDecodeFileData()) return `uses unsupported compression method ${entry.compressionMethod}`;
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (e) {
    return `unreadable (${(e as Error).message})`;
  }
  try {
    for await (const chunk of stream) sink(chunk as Buffer);
  } catch (e) {
    return `unreadable (${(e as Error).message})`;
  }
  return null;
}

async function readSmallEntry(zip: yauzl.ZipFile, fh: fs.FileHandle, entry: yauzl.Entry, bufs: [Buffer, Buffer], max: number): Promise<Buffer | string> {
  if (entry.uncompressedSize > max) return `is ${entry.uncompressedSize} bytes, more than the ${max} allowed`;
  const parts: Buffer[] = [];
  let size = 0;
  const err = await streamEntry(zip, fh, entry, bufs, (c) => {
    size += c.length;
    parts.push(Buffer.from(c)); // copy: the chunk buffers are reused
  });
  if (err) return err;
  if (size > max) return `is more than ${max} bytes`;
  return Buffer.concat(parts);
}

function checkSignature(
  sigBytes: Buffer,
  manifestBytes: Buffer,
  pins: PinnedKey[] | null,
  problems: string[],
): { keyId?: string; raw?: Buffer } {
  let sig: Partial<ManifestSignature>;
  try {
    sig = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    problems.push(`${SIGNATURE_NAME}: not valid JSON`);
    return {};
  }
  if (sig === null || typeof sig !== 'object') {
    problems.push(`${SIGNATURE_NAME}: not an object`);
    return {};
  }
  if (sig.format !== SIGNATURE_FORMAT) problems.push(`${SIGNATURE_NAME}: format ${JSON.stringify(sig.format)} is not ${SIGNATURE_FORMAT}`);
  if (sig.algorithm !== 'Ed25519') {
    problems.push(`${SIGNATURE_NAME}: algorithm ${JSON.stringify(sig.algorithm)} is not Ed25519`);
    return {};
  }
  let key: KeyObject;
  try {
    key = parsePublicKey(String(sig.publicKey ?? ''));
  } catch (e) {
    problems.push(`${SIGNATURE_NAME}: ${(e as Error).message}`);
    return {};
  }
  const raw = rawPublicKey(key);
  const keyId = keyIdFor(raw);
  if (sig.keyId !== keyId) problems.push(`${SIGNATURE_NAME}: keyId ${JSON.stringify(sig.keyId)} does not match its public key (${keyId})`);
  const manifestSha = createHash('sha256').update(manifestBytes).digest('hex');
  if (sig.manifestSha256 !== undefined && sig.manifestSha256 !== manifestSha) {
    problems.push(`${MANIFEST_NAME}: SHA-256 differs from the one recorded in ${SIGNATURE_NAME} (manifest altered after signing)`);
  }
  const signed = Buffer.concat([Buffer.from(MANIFEST_SIGNATURE_CONTEXT, 'utf8'), manifestBytes]);
  if (!verifyBytes(key, signed, String(sig.signature ?? ''))) {
    problems.push(`${SIGNATURE_NAME}: signature does not match ${MANIFEST_NAME} (manifest altered after signing, or signature forged)`);
  }
  if (pins) {
    const pin = pins.find((p) => p.raw.equals(raw));
    if (!pin) {
      problems.push(`${SIGNATURE_NAME}: signed by key ${keyId}, not by the pinned key (${pins.map((p) => keyIdFor(p.raw)).join(', ')})`);
    } else if (pin.info && typeof sig.signedAt === 'string') {
      const t = Date.parse(sig.signedAt);
      if (!(t >= Date.parse(pin.info.createdAt))) problems.push(`${SIGNATURE_NAME}: signed at ${sig.signedAt}, before key ${keyId} was created`);
      if (pin.info.retiredAt !== null && !(t < Date.parse(pin.info.retiredAt))) {
        problems.push(`${SIGNATURE_NAME}: signed at ${sig.signedAt}, after key ${keyId} was retired (${pin.info.retiredAt})`);
      }
    }
  }
  return { keyId, raw };
}

interface Expected {
  size: number;
  sha256: string;
}

/** Checks the manifest's shape and returns what each listed file must be, by zip path. */
function expectedFiles(manifest: unknown, problems: string[]): Map<string, Expected> | null {
  const m = manifest as Partial<EvidenceManifest> | null;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) {
    problems.push(`${MANIFEST_NAME}: not an object`);
    return null;
  }
  if (m.format !== MANIFEST_FORMAT) problems.push(`${MANIFEST_NAME}: format ${JSON.stringify(m.format)} is not ${MANIFEST_FORMAT}`);
  const expected = new Map<string, Expected>();
  const sizeOk = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(m.files)) problems.push(`${MANIFEST_NAME}: files is not a list`);
  else {
    m.files.forEach((f, i) => {
      const name = f?.name;
      if (typeof name !== 'string' || !name.startsWith(MEDIA_DIR) || !MEDIA_NAME_RE.test(name.slice(MEDIA_DIR.length))) {
        problems.push(`${MANIFEST_NAME}: files[${i}].name ${JSON.stringify(name)} is not a media/ file name`);
      } else if (expected.has(name)) problems.push(`${MANIFEST_NAME}: ${name} is listed twice`);
      else if (!sizeOk(f.size) || typeof f.sha256 !== 'string' || !HEX64.test(f.sha256)) {
        problems.push(`${MANIFEST_NAME}: ${name} has no valid size and sha256`);
      } else expected.set(name, { size: f.size, sha256: f.sha256 });
    });
  }
  const a = m.audit;
  if (!a || typeof a !== 'object') problems.push(`${MANIFEST_NAME}: audit is missing`);
  else if (a.name !== AUDIT_NAME || !sizeOk(a.size) || typeof a.sha256 !== 'string' || !HEX64.test(a.sha256) || !sizeOk(a.entries)) {
    problems.push(`${MANIFEST_NAME}: audit must give name "${AUDIT_NAME}", size, sha256 and entries`);
  } else expected.set(AUDIT_NAME, { size: a.size, sha256: a.sha256 });
  return expected;
}

/**
 * Verifies an evidence package offline: the manifest's signature (and, with `publicKey`, that the pinned key made it),
 * every listed file's size and SHA-256, the audit entries' own hashes, order and links, that every listed file is
 * present and that nothing unlisted is. Streams the zip: memory stays flat whatever its size. Never throws on a bad
 * package; problems are returned, one sentence each, naming the file.
 */
export async function verifyEvidencePackage(zipPath: string, opts: VerifyOptions = {}): Promise<VerifyPackageResult> {
  const problems: string[] = [];
  const result = (extra: Partial<VerifyPackageResult> = {}): VerifyPackageResult => ({
    ok: problems.length === 0,
    problems,
    pinned: false,
    files: 0,
    bytesHashed: 0,
    auditEntries: 0,
    ...extra,
  });
  let pins: PinnedKey[] | null = null;
  if (opts.publicKey !== undefined) {
    try {
      pins = pinnedKeys(opts.publicKey);
    } catch (e) {
      problems.push(`pinned key: ${(e as Error).message}`);
      return result();
    }
  }

  let fh: fs.FileHandle;
  try {
    fh = await fs.open(zipPath, 'r');
  } catch (e) {
    problems.push(`cannot open ${zipPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return result();
  }
  let zip: yauzl.ZipFile | null = null;
  try {
    try {
      zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true, decodeStrings: true });
    } catch (e) {
      problems.push(`not a readable zip: ${(e as Error).message}`);
      return result();
    }
    const entries = await readEntries(zip, problems);
    const bufs: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];

    const manifestEntry = entries.get(MANIFEST_NAME);
    const sigEntry = entries.get(SIGNATURE_NAME);
    if (!manifestEntry) problems.push(`${MANIFEST_NAME}: missing from the package`);
    if (!sigEntry) problems.push(`${SIGNATURE_NAME}: missing from the package`);
    if (!manifestEntry) return result({ pinned: pins !== null });

    const manifestBytes = await readSmallEntry(zip, fh, manifestEntry, bufs, MAX_MANIFEST_BYTES);
    if (typeof manifestBytes === 'string') {
      problems.push(`${MANIFEST_NAME}: ${manifestBytes}`);
      return result({ pinned: pins !== null });
    }
    let keyId: string | undefined;
    let signerRaw: Buffer | undefined;
    if (sigEntry) {
      const sigBytes = await readSmallEntry(zip, fh, sigEntry, bufs, MAX_SIGNATURE_BYTES);
      if (typeof sigBytes === 'string') problems.push(`${SIGNATURE_NAME}: ${sigBytes}`);
      else ({ keyId, raw: signerRaw } = checkSignature(sigBytes, manifestBytes, pins, problems));
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(manifestBytes.toString('utf8'));
    } catch {
      problems.push(`${MANIFEST_NAME}: not valid JSON`);
      return result({ keyId, pinned: pins !== null });
    }
    const expected = expectedFiles(manifest, problems) ?? new Map<string, Expected>();

    for (const name of entries.keys()) {
      if (name !== MANIFEST_NAME && name !== SIGNATURE_NAME && !expected.has(name)) {
        problems.push(`${name}: in the package but not listed in the manifest`);
      }
    }
    for (const name of expected.keys()) {
      if (!entries.has(name)) problems.push(`${name}: listed in the manifest but missing from the package`);
    }

    // Read in file order so the disk streams forwards.
    const toCheck = [...expected.keys()]
      .filter((n) => entries.has(n))
      .sort((a, b) => entries.get(a)!.relativeOffsetOfLocalHeader - entries.get(b)!.relativeOffsetOfLocalHeader);
    let bytesHashed = 0;
    let files = 0;
    const audit = new AuditSubsetChecker();
    const inclusion = checkpointCheck(manifest as EvidenceManifest, pins, signerRaw, problems);
    for (const name of toCheck) {
      const entry = entries.get(name)!;
      const want = expected.get(name)!;
      const sizeDiffers = entry.uncompressedSize !== want.size;
      if (sizeDiffers) {
        problems.push(`${name}: size ${entry.uncompressedSize} bytes differs from the manifest's ${want.size}`);
        // A media file of the wrong size needs no hashing; the audit entries are still checked one by one
        // (unless the entry claims an absurd size: a deflate bomb would keep the verifier busy for nothing).
        if (name !== AUDIT_NAME || entry.uncompressedSize > MAX_AUDIT_BYTES) continue;
      }
      const hash: Hash = createHash('sha256');
      let size = 0;
      let sink = (c: Buffer) => {
        hash.update(c);
        size += c.length;
      };
      let finishAudit: (() => void) | null = null;
      if (name === AUDIT_NAME) ({ sink, finish: finishAudit } = auditSink(hash, audit, problems, (n) => (size += n), inclusion?.entry));
      const err = await streamEntry(zip, fh, entry, bufs, sink);
      if (err) {
        problems.push(`${name}: ${err}`);
        continue;
      }
      finishAudit?.();
      bytesHashed += size;
      if (name !== AUDIT_NAME) files++;
      if (sizeDiffers) continue;
      if (size !== want.size) problems.push(`${name}: ${size} bytes, the manifest says ${want.size}`);
      else if (hash.digest('hex') !== want.sha256) problems.push(`${name}: SHA-256 does not match the manifest (content altered)`);
    }
    const m = manifest as EvidenceManifest;
    if (entries.has(AUDIT_NAME) && expected.has(AUDIT_NAME) && audit.entries !== m.audit.entries) {
      problems.push(`${AUDIT_NAME}: holds ${audit.entries} entries, the manifest says ${m.audit.entries}`);
    }
    inclusion?.finish(audit.entries);
    return result({ keyId, pinned: pins !== null, files, bytesHashed, auditEntries: audit.entries, checkpoint: inclusion?.summary });
  } finally {
    zip?.close();
    await fh.close();
  }
}

/**
 * The audit excerpt against the checkpoint the package carries: the checkpoint is signed by the pinned key (or, without
 * one, by the same key as the manifest), and each entry comes with an RFC 6962 inclusion proof for its position in the
 * checkpoint's tree. Returns the per-entry check, or null when there is nothing to check against (reported).
 */
function checkpointCheck(m: EvidenceManifest, pins: PinnedKey[] | null, signerRaw: Buffer | undefined, problems: string[]) {
  const cp = m?.audit?.checkpoint;
  if (!m?.audit || typeof m.audit !== 'object') return null;
  if (cp === undefined) {
    problems.push(`${MANIFEST_NAME}: audit.checkpoint is missing: the audit excerpt cannot be checked against a signed checkpoint of the log`);
    return null;
  }
  const trusted = pins ? pins.map((p) => p.info ?? p.raw.toString('base64')) : signerRaw ? [signerRaw.toString('base64')] : [];
  const v = verifyCheckpoint(cp, trusted);
  if (!v.ok) {
    problems.push(...v.problems.map((p) => `${MANIFEST_NAME}: audit.checkpoint: ${p}`));
    return null;
  }
  const c = cp.checkpoint;
  const proofs = new Map<number, unknown>();
  if (!Array.isArray(m.audit.proofs)) problems.push(`${MANIFEST_NAME}: audit.proofs: expected a list of inclusion proofs`);
  else for (const p of m.audit.proofs) if (p && Number.isSafeInteger(p.seq)) proofs.set(p.seq, p.path);
  let unproven = 0;
  return {
    summary: { treeSize: c.treeSize, at: c.at, rootHash: c.rootHash, keyId: cp.keyId },
    entry(e: AuditEntry) {
      if (e.seq > c.treeSize) {
        problems.push(`${AUDIT_NAME}: entry seq ${e.seq} is after the checkpoint (${c.treeSize} entries): not covered by it`);
        return;
      }
      if (e.seq === c.treeSize && e.hash !== c.headHash) problems.push(`${AUDIT_NAME}: entry seq ${e.seq} is the checkpoint's head but has another hash`);
      const path = proofs.get(e.seq);
      if (!verifyInclusion(leafHash(e.hash), e.seq - 1, c.treeSize, path as string[], c.rootHash)) {
        if (unproven++ < 20) problems.push(`${AUDIT_NAME}: entry seq ${e.seq} is not entry ${e.seq} of the log the checkpoint signed (inclusion proof ${path === undefined ? 'missing' : 'fails'})`);
      }
    },
    finish(_entries: number) {
      if (unproven > 20) problems.push(`${AUDIT_NAME}: ${unproven - 20} more entries fail their inclusion proof`);
    },
  };
}

/** Hashes audit.jsonl and feeds each line (one canonical JSON entry) to the chain checker as it streams past. */
function auditSink(hash: Hash, checker: AuditSubsetChecker, problems: string[], count: (n: number) => void, onEntry?: (e: AuditEntry) => void) {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let tooLong = false;
  const line = (buf: Buffer) => {
    const text = buf.toString('utf8');
    if (text === '') {
      problems.push(`${AUDIT_NAME}: empty line after entry ${checker.entries}`);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push(`${AUDIT_NAME}: line ${checker.entries + 1} is not valid JSON`);
      checker.add(undefined); // keeps line numbers in step
      return;
    }
    const found = checker.add(value);
    for (const p of found) problems.push(p.message);
    if (onEntry && !found.some((p) => p.problem === 'malformed')) onEntry(value as AuditEntry);
  };
  const sink = (chunk: Buffer) => {
    hash.update(chunk);
    count(chunk.length);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const part = chunk.subarray(start, nl);
      if (tooLong) tooLong = false;
      else if (carryLen) {
        line(Buffer.concat([...carry, part]));
      } else line(part);
      carry = [];
      carryLen = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !tooLong) {
      carryLen += chunk.length - start;
      if (carryLen > MAX_AUDIT_LINE) {
        problems.push(`${AUDIT_NAME}: line ${checker.entries + 1} is longer than ${MAX_AUDIT_LINE} bytes`);
        checker.add(undefined);
        tooLong = true;
        carry = [];
        carryLen = 0;
      } else carry.push(Buffer.from(chunk.subarray(start))); // copy: chunk buffers are reused
    }
  };
  const finish = () => {
    if (carryLen) problems.push(`${AUDIT_NAME}: last line has no newline (file truncated?)`);
  };
  return { sink, finish };
}
