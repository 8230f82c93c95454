import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';

/**
 * A minimal zip writer for evidence packages: entries are written one after another to a file, media stored (method 0)
 * and small JSON deflated (method 8). Sizes are known before an entry is written (media are stat'ed first), and the
 * CRC-32 is patched into the local header once the data is through, so there are no data descriptors and every zip
 * tool reads the result. ZIP64 fields are written where sizes or offsets need them (packages past 4 GB).
 * Written because yazl computes CRC-32 in JavaScript (~340 MB/s here) where node's zlib.crc32 runs at ~3 GB/s.
 */

const CHUNK = 4 << 20;
const U32 = 0xffffffff;
const U16 = 0xffff;
const FLAG_UTF8 = 0x0800;
const MADE_BY_UNIX = 3 << 8;

const crc32: (data: Uint8Array, value?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32 : crc32Js;

let table: Int32Array | null = null;
/** Fallback for Node < 20.15, which has no zlib.crc32. */
function crc32Js(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getUTCFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
  };
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  date: number;
  time: number;
  zip64Local: boolean;
}

export interface ZipWriterOptions {
  mtime?: Date;
  /** Write ZIP64 fields even when not needed (to test that path with small files). */
  forceZip64?: boolean;
}

export class ZipFileWriter {
  private pos = 0;
  private readonly entries: Written[] = [];
  private readonly names = new Set<string>();
  private readonly stamp: { date: number; time: number };
  private bufs: Buffer[] | null = null;

  private constructor(private readonly fh: fs.FileHandle, private readonly opts: ZipWriterOptions) {
    this.stamp = dosDateTime(opts.mtime ?? new Date());
  }

  /** Creates `path` (refusing to replace an existing file). */
  static async create(path: string, opts: ZipWriterOptions = {}): Promise<ZipFileWriter> {
    return new ZipFileWriter(await fs.open(path, 'wx', 0o644), opts);
  }

  get bytesWritten(): number {
    return this.pos;
  }

  private async write(buf: Uint8Array): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, this.pos + done);
      done += bytesWritten;
    }
    this.pos += buf.length;
  }

  private checkName(name: string): Buffer {
    if (this.names.has(name)) throw new Error(`zip: ${name} added twice`);
    if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) throw new Error(`zip: unsafe entry name ${JSON.stringify(name)}`);
    const b = Buffer.from(name, 'utf8');
    if (b.length > U16) throw new Error('zip: entry name too long');
    this.names.add(name);
    return b;
  }

  private localHeader(e: Omit<Written, 'offset'>): Buffer {
    const extra = e.zip64Local ? Buffer.alloc(20) : Buffer.alloc(0);
    if (e.zip64Local) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(e.size), 4);
      extra.writeBigUInt64LE(BigInt(e.compressedSize), 12);
    }
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(e.zip64Local ? 45 : 20, 4);
    h.writeUInt16LE(FLAG_UTF8, 6);
    h.writeUInt16LE(e.method, 8);
    h.writeUInt16LE(e.time, 10);
    h.writeUInt16LE(e.date, 12);
    h.writeUInt32LE(e.crc, 14);
    h.writeUInt32LE(e.zip64Local ? U32 : e.compressedSize, 18);
    h.writeUInt32LE(e.zip64Local ? U32 : e.size, 22);
    h.writeUInt16LE(e.name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    return Buffer.concat([h, e.name, extra]);
  }

  /** Adds a small in-memory entry, deflated or stored. */
  async addBuffer(name: string, data: Buffer, opts: { deflate: boolean }): Promise<void> {
    const nameBuf = this.checkName(name);
    const body = opts.deflate ? zlib.deflateRawSync(data) : data;
    const e: Written = {
      name: nameBuf,
      method: opts.deflate ? 8 : 0,
      crc: crc32(data),
      compressedSize: body.length,
      size: data.length,
      offset: this.pos,
      ...this.stamp,
      zip64Local: !!this.opts.forceZip64,
    };
    await this.write(this.localHeader(e));
    await this.write(body);
    this.entries.push(e);
  }

  /**
   * Streams a file of `expectedSize` bytes into a stored entry, passing every chunk to `onChunk` (for hashing) while
   * the next one is read and the previous one written: three 4 MiB buffers, whatever the file's size.
   */
  async addFile(name: string, path: string, expectedSize: number, onChunk: (chunk: Buffer) => void): Promise<void> {
    const nameBuf = this.checkName(name);
    const zip64Local = !!this.opts.forceZip64 || expectedSize >= U32;
    const e: Written = { name: nameBuf, method: 0, crc: 0, compressedSize: expectedSize, size: expectedSize, offset: this.pos, ...this.stamp, zip64Local };
    await this.write(this.localHeader(e));
    const dataStart = this.pos;
    const src = await fs.open(path, 'r');
    const bufs = (this.bufs ??= [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)]);
    const writes: (Promise<void> | null)[] = [null, null, null];
    let crc = 0;
    let total = 0;
    try {
      let k = 0;
      let reading: Promise<{ bytesRead: number }> | null = src.read(bufs[0], 0, CHUNK, 0);
      while (reading) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) break;
        const cur = bufs[k % 3].subarray(0, bytesRead);
        total += bytesRead;
        if (total > expectedSize) throw new Error(`${path} grew while it was being exported`);
        onChunk(cur);
        crc = crc32(cur, crc);
        const next = (k + 1) % 3;
        await writes[next]; // that buffer's last write must finish before it is read into again
        reading = src.read(bufs[next], 0, CHUNK, total);
        writes[k % 3] = this.writeAt(cur, dataStart + total - bytesRead);
        k++;
      }
      await Promise.all(writes);
    } finally {
      await Promise.allSettled(writes);
      await src.close();
    }
    if (total !== expectedSize) throw new Error(`${path} is ${total} bytes, expected ${expectedSize}: it changed while it was being exported`);
    this.pos = dataStart + total;
    e.crc = crc;
    const crcBuf = Buffer.alloc(4);
    crcBuf.writeUInt32LE(crc, 0);
    await this.writeAt(crcBuf, e.offset + 14);
    this.entries.push(e);
  }

  private async writeAt(buf: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
    }
  }

  /** Writes the central directory and end records, then closes the file (not fsynced: see `sync`). */
  async finish(opts: { sync?: boolean } = {}): Promise<number> {
    const cdStart = this.pos;
    const parts: Buffer[] = [];
    for (const e of this.entries) {
      const big = this.opts.forceZip64 || e.size >= U32 || e.compressedSize >= U32;
      const bigOffset = this.opts.forceZip64 || e.offset >= U32;
      const fields: bigint[] = [];
      if (big) fields.push(BigInt(e.size), BigInt(e.compressedSize));
      if (bigOffset) fields.push(BigInt(e.offset));
      const extra = Buffer.alloc(fields.length ? 4 + 8 * fields.length : 0);
      if (fields.length) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(8 * fields.length, 2);
        fields.forEach((v, i) => extra.writeBigUInt64LE(v, 4 + 8 * i));
      }
      const needed = big || bigOffset || e.zip64Local ? 45 : 20;
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(MADE_BY_UNIX | needed, 4);
      h.writeUInt16LE(needed, 6);
      h.writeUInt16LE(FLAG_UTF8, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(e.time, 12);
      h.writeUInt16LE(e.date, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(big ? U32 : e.compressedSize, 20);
      h.writeUInt32LE(big ? U32 : e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt16LE(extra.length, 30);
      h.writeUInt16LE(0, 32); // comment length
      h.writeUInt16LE(0, 34); // disk number start
      h.writeUInt16LE(0, 36); // internal attributes
      h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
      h.writeUInt32LE(bigOffset ? U32 : e.offset, 42);
      parts.push(h, e.name, extra);
    }
    const cd = Buffer.concat(parts);
    await this.write(cd);
    const count = this.entries.length;
    const zip64 = this.opts.forceZip64 || count >= U16 || cd.length >= U32 || cdStart >= U32;
    if (zip64) {
      const recordStart = this.pos;
      const r = Buffer.alloc(56);
      r.writeUInt32LE(0x06064b50, 0);
      r.writeBigUInt64LE(44n, 4);
      r.writeUInt16LE(MADE_BY_UNIX | 45, 12);
      r.writeUInt16LE(45, 14);
      r.writeUInt32LE(0, 16);
      r.writeUInt32LE(0, 20);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(cd.length), 40);
      r.writeBigUInt64LE(BigInt(cdStart), 48);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(recordStart), 8);
      loc.writeUInt32LE(1, 16);
      await this.write(Buffer.concat([r, loc]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(zip64 ? U16 : count, 8);
    end.writeUInt16LE(zip64 ? U16 : count, 10);
    end.writeUInt32LE(zip64 ? U32 : cd.length, 12);
    end.writeUInt32LE(zip64 ? U32 : cdStart, 16);
    await this.write(end);
    if (opts.sync) await this.fh.sync();
    await this.fh.close();
    return this.pos;
  }

  /** Closes without finishing (after an error); the caller removes the file. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}
