/**
 * Live reading from a session's video (the media node's edge computing): VP8 RTP packets from the node's frame tap
 * are put back into frames (RFC 7741), written as an IVF stream into ffmpeg, which decodes them and hands back one
 * JPEG still a second; stills whose picture changed are read by the vision engine (OCR only, no barcodes or objects),
 * and container / seal numbers are reported as they first appear, each with the still it was read from and its
 * SHA-256 (evidence, not a hint).
 *
 * CPU is bounded per stream by a budget (a token bucket in core-seconds) that pays for both the decoder and the reading:
 * when they cost more than the budget the reading rate drops; the relay never waits for any of this (packets are copied into a bounded queue and dropped,
 * never blocked on, when ffmpeg falls behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { VisionEngine } from '../engine.ts';
import type { VisionReading } from '../analyzer.ts';

/** The parts of an RTP packet the reader needs (werift's RtpPacket has them). */
export interface RtpLike {
  header: { sequenceNumber: number; timestamp: number; marker: boolean };
  payload: Buffer;
}

export interface LiveReading {
  kind: 'container' | 'container_unverified' | 'seal';
  value: string;
  /** When the frame it was read from was decoded (ms since epoch). */
  at: number;
  /** The still (JPEG) and its SHA-256, hex. */
  still: Buffer;
  sha256: string;
  width: number;
  height: number;
  /** The whole reading of that still (boxes for the overlay). */
  reading: VisionReading;
}

export interface LiveReaderOptions {
  engine: VisionEngine;
  /** Ask the publisher for a keyframe (decoding starts at one). */
  requestKeyframe?: () => void;
  /** Stills decoded per second (default 1). */
  fps?: number;
  /** CPU budget per stream, in cores (default 0.15 = 15 % of one core). */
  cpuBudget?: number;
  /** Burst allowance of the budget, core-seconds (default 1: the first readings of a new scene are not delayed). */
  burstCoreSeconds?: number;
  /** Longer side of the decoded stills (default 1280). */
  maxSide?: number;
  ffmpegPath?: string;
}

export interface LiveReaderStats {
  framesIn: number;
  framesDropped: number;
  stillsDecoded: number;
  stillsSkippedUnchanged: number;
  stillsSkippedBudget: number;
  /** skipped because the last reads of this scene found nothing new (the interval doubles up to 4 s) */
  stillsSkippedSteady: number;
  stillsRead: number;
  readCpuMs: number;
  /** ffmpeg's own CPU (decoding), ms, as read from /proc when available. */
  decoderCpuMs: number;
}

type Events = { reading: [LiveReading]; error: [Error] };

const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * VP8 payload descriptor (RFC 7741 §4.2): returns the offset of the VP8 payload and whether this packet starts a
 * frame (S bit set, partition index 0).
 */
export function parseVp8Descriptor(p: Buffer): { offset: number; start: boolean } | null {
  if (p.length < 1) return null;
  const b0 = p[0];
  let i = 1;
  if (b0 & 0x80) {
    if (p.length < 2) return null;
    const x = p[1];
    i = 2;
    if (x & 0x80) i += p[i] & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) i += 1; // TL0PICIDX
    if (x & 0x30) i += 1; // TID / KEYIDX
  }
  if (i > p.length) return null;
  return { offset: i, start: (b0 & 0x10) !== 0 && (b0 & 0x07) === 0 };
}

/** Width and height from a VP8 keyframe header (RFC 6386 §9.1), or null for an interframe. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | null {
  if (frame.length < 10 || (frame[0] & 1) !== 0) return null;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return null;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

function ivfHeader(width: number, height: number): Buffer {
  const h = Buffer.alloc(32);
  h.write('DKIF', 0, 'ascii');
  h.writeUInt16LE(0, 4);
  h.writeUInt16LE(32, 6);
  h.write('VP80', 8, 'ascii');
  h.writeUInt16LE(width, 12);
  h.writeUInt16LE(height, 14);
  h.writeUInt32LE(90_000, 16); // time base: the RTP clock
  h.writeUInt32LE(1, 20);
  h.writeUInt32LE(0, 24);
  return h;
}

function ivfFrame(frame: Buffer, pts: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32LE(frame.length, 0);
  h.writeBigUInt64LE(BigInt(pts), 4);
  return Buffer.concat([h, frame]);
}

/** Cuts a stream of concatenated JPEG images at their end markers. */
class JpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const start = this.buf.indexOf(Buffer.from([0xff, 0xd8]));
      if (start < 0) { this.buf = Buffer.alloc(0); break; }
      const end = this.buf.indexOf(Buffer.from([0xff, 0xd9]), start + 2);
      if (end < 0) { this.buf = this.buf.subarray(start); break; }
      out.push(Buffer.from(this.buf.subarray(start, end + 2)));
      this.buf = this.buf.subarray(end + 2);
    }
    return out;
  }
}

function procCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // /proc/PID/stat fields 14, 15: utime, stime in clock ticks (100 a second on Linux)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * One stream's live reader. Feed it every video RTP packet (`push`); it emits `reading` for each number that appears.
 */
export class LiveReader extends EventEmitter<Events> {
  readonly stats: LiveReaderStats = { framesIn: 0, framesDropped: 0, stillsDecoded: 0, stillsSkippedUnchanged: 0, stillsSkippedBudget: 0, stillsSkippedSteady: 0, stillsRead: 0, readCpuMs: 0, decoderCpuMs: 0 };
  private parts: Buffer[] = [];
  private frameTs = -1;
  private expectSeq = -1;
  private broken = true; // until a keyframe
  private ff: ChildProcess | null = null;
  private firstTs = -1;
  private queued = 0;
  private readonly splitter = new JpegSplitter();
  private busy = false;
  private tokens: number;
  private lastRefill = Date.now();
  private lastThumb: Buffer | null = null;
  private readonly seen = new Set<string>();
  private closed = false;
  private lastKeyRequest = 0;

  constructor(private readonly opts: LiveReaderOptions) {
    super();
    this.tokens = (opts.burstCoreSeconds ?? 1) * 1000;
    this.askKeyframe();
  }

  /** Numbers already reported in this stream. */
  get reported(): string[] {
    return [...this.seen];
  }

  private askKeyframe(): void {
    const now = Date.now();
    if (now - this.lastKeyRequest < 1000) return;
    this.lastKeyRequest = now;
    this.opts.requestKeyframe?.();
  }

  /** One VP8 RTP packet (copied as needed; never blocks). */
  push(rtp: RtpLike): void {
    if (this.closed) return;
    const { sequenceNumber: seq, timestamp: ts, marker } = rtp.header;
    if (this.expectSeq >= 0 && seq !== this.expectSeq) {
      // A lost packet: the frame being built and everything until the next keyframe is unusable.
      this.parts = [];
      this.broken = true;
      this.askKeyframe();
    }
    this.expectSeq = (seq + 1) & 0xffff;
    const d = parseVp8Descriptor(rtp.payload);
    if (!d) return;
    if (d.start || ts !== this.frameTs) {
      this.parts = [];
      this.frameTs = ts;
      if (!d.start) return; // the start of this frame was lost
    }
    this.parts.push(Buffer.from(rtp.payload.subarray(d.offset)));
    if (!marker) return;
    const frame = Buffer.concat(this.parts);
    this.parts = [];
    this.stats.framesIn++;
    this.onFrame(frame, ts);
  }

  private onFrame(frame: Buffer, ts: number): void {
    const key = vp8KeyframeSize(frame);
    if (key) this.broken = false;
    if (this.broken) {
      this.stats.framesDropped++;
      return;
    }
    if (!this.ff) {
      if (!key) return;
      this.startDecoder(key.width, key.height);
      this.firstTs = ts;
    }
    if (this.queued > MAX_QUEUED_BYTES) {
      // The decoder fell behind: drop until the next keyframe rather than hold the relay's memory.
      this.stats.framesDropped++;
      this.broken = true;
      this.askKeyframe();
      return;
    }
    const chunk = ivfFrame(frame, (ts - this.firstTs + 0x100000000) % 0x100000000);
    this.queued += chunk.length;
    this.ff!.stdin!.write(chunk, () => (this.queued -= chunk.length));
  }

  private startDecoder(width: number, height: number): void {
    const maxSide = this.opts.maxSide ?? 1280;
    const fps = this.opts.fps ?? 1;
    const scale = Math.max(width, height) > maxSide ? `,scale='if(gt(iw,ih),${maxSide},-2)':'if(gt(iw,ih),-2,${maxSide})'` : '';
    const ff = spawn(this.opts.ffmpegPath ?? 'ffmpeg', [
      '-v', 'error', '-threads', '1', '-f', 'ivf', '-i', 'pipe:0',
      '-vf', `fps=${fps}${scale}`, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.ff = ff;
    ff.stdin!.on('error', () => undefined);
    ff.stdin!.write(ivfHeader(width, height));
    let err = '';
    ff.stderr!.on('data', (d) => (err = (err + String(d)).slice(-2000)));
    ff.stdout!.on('data', (chunk: Buffer) => {
      for (const still of this.splitter.push(chunk)) this.onStill(still);
    });
    ff.on('exit', (code) => {
      this.stats.decoderCpuMs = Math.max(this.stats.decoderCpuMs, this.decoderCpu);
      if (!this.closed && code !== 0) this.emit('error', new Error(`live decoder exited ${code}: ${err.trim()}`));
      this.ff = null;
    });
  }

  private decoderCpu = 0;

  private budget: number | null = null;

  /** Changes the CPU budget (cores) from now on: a node shares its live-reading budget among its streams. */
  setCpuBudget(cores: number): void {
    this.refill();
    this.budget = cores;
  }

  private refill(): void {
    const now = Date.now();
    const budget = (this.budget ?? this.opts.cpuBudget ?? 0.15) * (now - this.lastRefill);
    this.tokens = Math.min((this.opts.burstCoreSeconds ?? 1) * 1000, this.tokens + budget);
    this.lastRefill = now;
  }

  private onStill(still: Buffer): void {
    this.stats.stillsDecoded++;
    if (this.ff?.pid) {
      // the decoder's CPU since the last still comes out of the same budget (the stream costs both)
      const now = procCpuMs(this.ff.pid) || this.decoderCpu;
      this.tokens -= Math.max(0, now - this.decoderCpu);
      this.decoderCpu = now;
    }
    this.stats.decoderCpuMs = this.decoderCpu;
    if (this.busy) return; // the previous still is still being read: this one is skipped, not queued
    this.refill();
    if (this.tokens <= 0) {
      this.stats.stillsSkippedBudget++;
      return;
    }
    this.busy = true;
    const at = Date.now();
    void this.readStill(still, at).catch((e) => this.emit('error', e as Error)).finally(() => (this.busy = false));
  }

  /**
   * Whether the picture changed since the last still read: a 48×36 grey thumbnail, pixels that moved by more than 24
   * grey levels counted. A number painted on the door changes dozens of them (white on paint); the hand-held
   * camera's wobble of a few pixels, almost none.
   */
  private async changed(still: Buffer): Promise<'same' | 'moved' | 'new-scene'> {
    const thumb = await sharp(still).resize(48, 36, { fit: 'fill' }).greyscale().raw().toBuffer();
    const prev = this.lastThumb;
    let moved = thumb.length;
    if (prev) {
      moved = 0;
      for (let i = 0; i < thumb.length; i++) if (Math.abs(thumb[i] - prev[i]) > 24) moved++;
      if (moved < 4) return 'same';
    }
    this.lastThumb = thumb;
    // a fifth of the picture changed: the camera turned to something else (another door, a seal held up)
    return moved > thumb.length / 5 ? 'new-scene' : 'moved';
  }

  /** Reads of this scene in a row that found nothing new, and when the next read may be (backing off 1, 2, 4 s). */
  private fruitless = 0;
  private nextReadAt = 0;

  private async readStill(still: Buffer, at: number): Promise<void> {
    const change = await this.changed(still);
    if (change === 'same') {
      this.stats.stillsSkippedUnchanged++;
      return;
    }
    if (change === 'new-scene') { this.fruitless = 0; this.nextReadAt = 0; }
    // the same scene, read again and again without anything new (a hand-held camera's wobble): read less often
    if (Date.now() < this.nextReadAt) {
      this.stats.stillsSkippedSteady++;
      return;
    }
    const c0 = process.cpuUsage();
    const reading = await this.opts.engine.readImage(still, { barcodes: false, objects: false });
    const c = process.cpuUsage(c0);
    // The cost charged: the process CPU while the read ran (the engine's worker threads included; other work of the
    // process in that time too, which errs on the side of reading less).
    const cost = (c.user + c.system) / 1000;
    this.tokens -= cost;
    this.stats.stillsRead++;
    this.stats.readCpuMs += cost;
    if (this.closed) return;
    const found: Array<[LiveReading['kind'], string]> = [
      ...reading.containerNumbers.map((v) => ['container', v] as [LiveReading['kind'], string]),
      ...reading.unverifiedContainerNumbers.map((v) => ['container_unverified', v] as [LiveReading['kind'], string]),
      ...reading.sealNumbers.map((v) => ['seal', v] as [LiveReading['kind'], string]),
    ];
    const sha256 = createHash('sha256').update(still).digest('hex');
    let fresh = 0;
    for (const [kind, value] of found) {
      const key = `${kind}:${value}`;
      if (this.seen.has(key)) continue;
      // An unverified reading of a number already verified in this stream adds nothing.
      if (kind === 'container_unverified' && [...this.seen].some((s) => s.startsWith('container:') && s.slice(10, 20) === value.slice(0, 10))) continue;
      this.seen.add(key);
      fresh++;
      this.emit('reading', { kind, value, at, still, sha256, width: reading.width, height: reading.height, reading });
    }
    if (fresh) this.fruitless = 0;
    else this.fruitless++;
    this.nextReadAt = this.fruitless ? Date.now() + Math.min(4000, 1000 * 2 ** (this.fruitless - 1)) : 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    const ff = this.ff;
    if (!ff) return;
    this.stats.decoderCpuMs = procCpuMs(ff.pid) || this.stats.decoderCpuMs;
    await new Promise<void>((resolve) => {
      ff.once('exit', () => resolve());
      ff.stdin!.end();
      setTimeout(() => { if (ff.exitCode === null) ff.kill('SIGKILL'); }, 2000).unref();
    });
  }
}
