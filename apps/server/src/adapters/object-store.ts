// ObjectStore port: where evidence files (recording segments, snapshots) live. Every write is hashed (SHA-256) and
// sized while it streams, lands atomically (temporary file + rename) and never silently replaces an object: writing
// the same key again with the same bytes is a no-op (idempotent retries), with other bytes it is refused.
//
// Implementations: LocalObjectStore (a directory, default DATA_DIR/media) and S3ObjectStore (s3-object-store.ts: AWS
// S3, MinIO, Ceph RGW; chosen by RVI_S3_BUCKET, see object-store.config.ts). localPath() returning null (S3) is the
// one place callers must cope with: ffprobe, OCR and evidence export then work on a downloaded temporary copy.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ObjectInfo {
  key: string;
  bytes: number;
  modifiedAt: Date;
}

export interface PutResult {
  key: string;
  bytes: number;
  sha256: string;
  /** false when an identical object was already stored under this key */
  created: boolean;
}

export interface PutOptions {
  /** refuse the write when the bytes do not hash to this (hex SHA-256) */
  expectedSha256?: string;
  /** refuse bodies larger than this */
  maxBytes?: number;
}

export class ObjectStoreError extends Error {
  constructor(readonly code: 'invalid_key' | 'object_exists' | 'hash_mismatch' | 'too_large' | 'not_found', message: string) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(key: string, body: Buffer | Readable, opts?: PutOptions): Promise<PutResult>;
  /** Stores a file that already exists on disk (moved when it is on the same volume, else copied). */
  putFile(key: string, path: string, opts?: PutOptions & { move?: boolean }): Promise<PutResult>;
  /** Reads an object, or the inclusive byte range [start, end]. */
  get(key: string, range?: { start: number; end: number }): Promise<Readable>;
  stat(key: string): Promise<ObjectInfo | null>;
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<boolean>;
  /** The object's path on this machine (local store), or null (remote stores). */
  localPath(key: string): string | null;
  /** Key of a local path inside the store, or null when the path is outside it. */
  keyOf(path: string): string | null;
}

/** SHA-256 (hex) of an object's current bytes, read streamed; null when it cannot be read. */
export async function storedSha256(store: ObjectStore, key: string): Promise<string | null> {
  try {
    const h = createHash('sha256');
    for await (const chunk of await store.get(key)) h.update(chunk as Buffer);
    return h.digest('hex');
  } catch {
    return null;
  }
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512 || !KEY_RE.test(key) || key.split('/').includes('..')) {
    throw new ObjectStoreError('invalid_key', `object key ${JSON.stringify(String(key).slice(0, 80))} must be /-separated segments of letters, digits, ".", "_" or "-"`);
  }
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** A directory as object store. Keys map to files under `root`; `root/.tmp` holds writes in progress. */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  localPath(key: string): string {
    assertKey(key);
    return join(this.root, ...key.split('/'));
  }

  keyOf(path: string): string | null {
    const rel = relative(this.root, resolve(path));
    if (!rel || rel.startsWith('..') || rel.includes(`..${sep}`)) return null;
    const key = rel.split(sep).join('/');
    return KEY_RE.test(key) ? key : null;
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<PutResult> {
    const dest = this.localPath(key);
    const tmpDir = join(this.root, '.tmp');
    await fs.mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const h = createHash('sha256');
    let bytes = 0;
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > max) return cb(new ObjectStoreError('too_large', `object ${key} is larger than ${max} bytes`));
        h.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, meter, out);
      const fh = await fs.open(tmp, 'r');
      await fh.sync().finally(() => fh.close());
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    const sha256 = h.digest('hex');
    return this.land(key, dest, tmp, { sha256, bytes }, opts);
  }

  async putFile(key: string, path: string, opts: PutOptions & { move?: boolean } = {}): Promise<PutResult> {
    const dest = this.localPath(key);
    const src = resolve(path);
    const digest = await hashFile(src);
    if (opts.maxBytes !== undefined && digest.bytes > opts.maxBytes) throw new ObjectStoreError('too_large', `${path} is larger than ${opts.maxBytes} bytes`);
    if (src === dest) {
      if (opts.expectedSha256 && opts.expectedSha256 !== digest.sha256) throw new ObjectStoreError('hash_mismatch', `${key}: content does not hash to the expected SHA-256`);
      return { key, ...digest, created: true };
    }
    if (opts.move) {
      await fs.mkdir(dirname(dest), { recursive: true });
      return this.land(key, dest, src, digest, opts);
    }
    return this.put(key, createReadStream(src), opts);
  }

  /** Moves a finished temporary file into place; refuses to replace different content. */
  private async land(key: string, dest: string, from: string, digest: { sha256: string; bytes: number }, opts: PutOptions): Promise<PutResult> {
    if (opts.expectedSha256 && opts.expectedSha256 !== digest.sha256) {
      if (from.startsWith(join(this.root, '.tmp'))) await fs.rm(from, { force: true });
      throw new ObjectStoreError('hash_mismatch', `${key}: content does not hash to the expected SHA-256`);
    }
    await fs.mkdir(dirname(dest), { recursive: true });
    const existing = await fs.stat(dest).catch(() => null);
    if (existing) {
      const have = await hashFile(dest);
      if (from.startsWith(join(this.root, '.tmp'))) await fs.rm(from, { force: true });
      if (have.sha256 === digest.sha256) return { key, ...digest, created: false };
      throw new ObjectStoreError('object_exists', `object ${key} already exists with other content`);
    }
    // link + unlink would be exclusive on every filesystem; rename after the check is enough for one writer per key
    await fs.rename(from, dest);
    return { key, ...digest, created: true };
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const p = this.localPath(key);
    const st = await fs.stat(p).catch(() => null);
    if (!st?.isFile()) throw new ObjectStoreError('not_found', `object ${key} not found`);
    return createReadStream(p, range ? { start: range.start, end: range.end } : {});
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const st = await fs.stat(this.localPath(key)).catch(() => null);
    return st?.isFile() ? { key, bytes: st.size, modifiedAt: st.mtime } : null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const clean = prefix.replace(/\/+$/, '');
    if (clean) assertKey(clean);
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, keyPrefix: string) => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.name === '.tmp') continue;
        const k = keyPrefix ? `${keyPrefix}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(join(dir, e.name), k);
        else if (e.isFile()) {
          const st = await fs.stat(join(dir, e.name));
          out.push({ key: k, bytes: st.size, modifiedAt: st.mtime });
        }
      }
    };
    await walk(clean ? this.localPath(clean) : this.root, clean);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    try {
      await fs.unlink(this.localPath(key));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }
}
