// S3-compatible object store (AWS S3, MinIO, Ceph RGW; s3rver in the tests) behind the ObjectStore port, with the
// AWS SDK v3. Same contract as LocalObjectStore: every write is hashed (SHA-256) and sized before it leaves, a key is
// never silently replaced (same bytes again: no-op, other bytes: object_exists), reads support byte ranges.
//
// Integrity on arrival, twice: the SHA-256 goes with the upload as x-amz-checksum-sha256 (servers that implement
// flexible checksums, AWS S3 and MinIO, refuse a body that does not match), and the ETag the server answers is
// compared with the MD5 we computed while reading (single PUT: MD5 of the body; multipart: each part's MD5, then the
// MD5 of the parts' MD5s "-N", or of the whole body, as s3rver answers): a server without flexible checksums (s3rver, older Ceph) is checked too. Our SHA-256 is also stored as
// object metadata (x-amz-meta-sha256) so idempotent rewrites compare hashes without downloading.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { assertKey, ObjectStoreError, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './object-store.ts';

export interface S3StoreConfig {
  /** http(s)://host:port of an S3-compatible server; null: AWS S3 of `region`. */
  endpoint: string | null;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix of this deployment inside the bucket ("" or e.g. "rvi-prod/"). */
  prefix: string;
  /** Path-style addressing (http://host/bucket/key): MinIO, Ceph RGW and s3rver need it; AWS prefers virtual-hosted. */
  forcePathStyle: boolean;
  /** Files larger than this go up as a multipart upload in parts of this size (≥ 5 MiB, S3's minimum part). */
  partBytes?: number;
}

const isNotFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;
};

async function digestFile(path: string, partBytes: number): Promise<{ sha256: string; md5: string; partMd5s: Buffer[]; bytes: number }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const partMd5s: Buffer[] = [];
  let part = createHash('md5');
  let inPart = 0;
  let bytes = 0;
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) {
    let chunk = c as Buffer;
    sha.update(chunk);
    md5.update(chunk);
    bytes += chunk.length;
    while (chunk.length) {
      const take = Math.min(chunk.length, partBytes - inPart);
      part.update(chunk.subarray(0, take));
      inPart += take;
      chunk = chunk.subarray(take);
      if (inPart === partBytes) { partMd5s.push(part.digest()); part = createHash('md5'); inPart = 0; }
    }
  }
  if (inPart > 0 || partMd5s.length === 0) partMd5s.push(part.digest());
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), partMd5s, bytes };
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '').toLowerCase();

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;
  private readonly partBytes: number;

  constructor(readonly cfg: S3StoreConfig) {
    this.client = new S3Client({
      region: cfg.region,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      forcePathStyle: cfg.forcePathStyle,
      credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
      // We send our own SHA-256 checksum; the SDK's default CRC32 trailers (aws-chunked bodies) are not understood by
      // every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.partBytes = Math.max(5 * 1024 * 1024, cfg.partBytes ?? 16 * 1024 * 1024);
  }

  private k(key: string): string {
    assertKey(key);
    return `${this.cfg.prefix}${key}`;
  }

  localPath(): null { return null; }
  keyOf(): null { return null; }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<PutResult> {
    assertKey(key);
    // spooled to a temporary file first: the hash must be known before the upload (checksum header, idempotency)
    const tmp = join(tmpdir(), `rvi-s3-${randomUUID()}`);
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (bytes > max) return cb(new ObjectStoreError('too_large', `object ${key} is larger than ${max} bytes`));
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, meter, createWriteStream(tmp, { flags: 'wx' }));
      return await this.putFile(key, tmp, { ...opts, move: true });
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async putFile(key: string, path: string, opts: PutOptions & { move?: boolean } = {}): Promise<PutResult> {
    const k = this.k(key);
    const src = resolve(path);
    const d = await digestFile(src, this.partBytes);
    if (opts.maxBytes !== undefined && d.bytes > opts.maxBytes) throw new ObjectStoreError('too_large', `${path} is larger than ${opts.maxBytes} bytes`);
    if (opts.expectedSha256 && opts.expectedSha256 !== d.sha256) throw new ObjectStoreError('hash_mismatch', `${key}: content does not hash to the expected SHA-256`);
    const existing = await this.head(k);
    if (existing) {
      if (existing.sha256 !== d.sha256) throw new ObjectStoreError('object_exists', `object ${key} already exists with other content`);
      if (opts.move) await fs.rm(src, { force: true });
      return { key, bytes: d.bytes, sha256: d.sha256, created: false };
    }
    const metadata = { sha256: d.sha256 };
    if (d.partMd5s.length <= 1) {
      const r = await this.client.send(new PutObjectCommand({
        Bucket: this.cfg.bucket, Key: k, Body: createReadStream(src), ContentLength: d.bytes, Metadata: metadata,
        ChecksumSHA256: Buffer.from(d.sha256, 'hex').toString('base64'),
      }));
      if (unquote(r.ETag) !== d.md5) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: k })).catch(() => undefined);
        throw new ObjectStoreError('hash_mismatch', `${key}: the object store received other bytes (ETag ${unquote(r.ETag)}, sent MD5 ${d.md5})`);
      }
    } else {
      await this.multipart(k, key, src, d, metadata);
    }
    if (opts.move) await fs.rm(src, { force: true });
    return { key, bytes: d.bytes, sha256: d.sha256, created: true };
  }

  /** Recordings: parts of partBytes, each with its own checksum; the whole is checked by the multipart ETag. */
  private async multipart(k: string, key: string, src: string, d: Awaited<ReturnType<typeof digestFile>>, metadata: Record<string, string>): Promise<void> {
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.cfg.bucket, Key: k, Metadata: metadata }));
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let i = 0; i < d.partMd5s.length; i++) {
        const start = i * this.partBytes;
        const end = Math.min(d.bytes, start + this.partBytes) - 1;
        const r = await this.client.send(new UploadPartCommand({
          Bucket: this.cfg.bucket, Key: k, UploadId, PartNumber: i + 1, Body: createReadStream(src, { start, end }), ContentLength: end - start + 1,
        }));
        if (unquote(r.ETag) !== d.partMd5s[i].toString('hex')) throw new ObjectStoreError('hash_mismatch', `${key}: part ${i + 1} arrived altered`);
        parts.push({ PartNumber: i + 1, ETag: r.ETag! });
      }
      const done = await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.cfg.bucket, Key: k, UploadId, MultipartUpload: { Parts: parts } }));
      const want = `${createHash('md5').update(Buffer.concat(d.partMd5s)).digest('hex')}-${d.partMd5s.length}`;
      // AWS, MinIO and Ceph answer MD5-of-part-MD5s "-N"; s3rver the MD5 of the whole object: both are checks
      if (unquote(done.ETag) !== want && unquote(done.ETag) !== d.md5) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: k })).catch(() => undefined);
        throw new ObjectStoreError('hash_mismatch', `${key}: the assembled object has ETag ${unquote(done.ETag)}, expected ${want}`);
      }
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.cfg.bucket, Key: k, UploadId })).catch(() => undefined);
      throw e;
    }
  }

  private async head(k: string): Promise<{ bytes: number; modifiedAt: Date; sha256: string | null } | null> {
    try {
      const h = await this.client.send(new HeadObjectCommand({ Bucket: this.cfg.bucket, Key: k }));
      return { bytes: Number(h.ContentLength ?? 0), modifiedAt: h.LastModified ?? new Date(0), sha256: h.Metadata?.sha256 ?? null };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.k(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      return r.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new ObjectStoreError('not_found', `object ${key} not found`);
      throw e;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const h = await this.head(this.k(key));
    return h ? { key, bytes: h.bytes, modifiedAt: h.modifiedAt } : null;
  }

  /** The SHA-256 stored with the object (ours, from the upload), or null when the object is missing. */
  async storedSha256(key: string): Promise<string | null> {
    return (await this.head(this.k(key)))?.sha256 ?? null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const clean = prefix.replace(/\/+$/, '');
    if (clean) assertKey(clean);
    const full = `${this.cfg.prefix}${clean ? `${clean}/` : ''}`;
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: full, ContinuationToken: token }));
      for (const o of r.Contents ?? []) {
        if (!o.Key) continue;
        out.push({ key: o.Key.slice(this.cfg.prefix.length), bytes: Number(o.Size ?? 0), modifiedAt: o.LastModified ?? new Date(0) });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    const k = this.k(key);
    if (!(await this.head(k))) return false;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: k }));
    return true;
  }
}
