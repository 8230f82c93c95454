// Server-side recording of one session into WebM segments, built from werift's RTP building blocks
// (jitter buffer → depacketizer → WebM muxer) with our own clock stage and file writer.
//
// Why not werift's MediaRecorder as is (see README "Recording: the 0.9 s gap"):
//  - its default clock (NtpTimeCallback) maps RTP to wall time through RTCP sender reports, and werift 0.25.2's
//    `ntpTime2Sec` turns the 32-bit NTP fraction into seconds by string concatenation (`Number(`${sec}.${frac}`)`),
//    so 0.1431 s (frac 614 6xx xxx) reads as 0.6146 s. The mapped time jumps by up to ~0.9 s whenever a new SR
//    arrives whose mangled fraction lands later than the running clock, and the stage never goes back: frame gaps
//    (seen at t≈1-2 s, where the first SRs arrive) and a recording longer than the session.
//  - its RtpTimeCallback (disableNtp) truncates each frame delta to whole ms (33.33 → 33): ~1 % drift vs audio.
//  - its file writer calls appendFile (open+write+close) for every block.
// Here each track's time is its RTP timestamp (unwrapped, exact) anchored at the arrival time of its first packet,
// rounded once per frame; frames of both tracks are interleaved in time order before the muxer; files are written
// through one open descriptor.

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RtpPacket } from 'werift';
import {
  DepacketizeCallback, DurationPosition, JitterBufferCallback, WebmCallback, replaceSegmentSize,
} from 'werift/nonstandard';

export type SegmentCloseReason = 'rotate' | 'reconnect' | 'media-gap' | 'stop';
export type SegmentOpenReason = 'start' | 'rotate' | 'reconnect' | 'resume';

export interface SegmentOpenInfo {
  sessionId: string;
  path: string;
  index: number;
  startedAt: Date;
  reason: SegmentOpenReason;
}

export interface SegmentInfo {
  sessionId: string;
  path: string;
  index: number;
  startedAt: Date;
  endedAt: Date;
  /** media duration written in the file (ms) */
  durationMs: number;
  sha256: string;
  bytes: number;
  reason: SegmentCloseReason;
}

export interface RecorderOptions {
  dir: string;
  sessionId: string;
  /** rotate every N ms of wall time (default 5 min) */
  rotateMs?: number;
  /** close the segment when no video arrived for this long (default 1000 ms), reopen on the next packet */
  gapMs?: number;
  /** first index; default: one past the highest index already in `dir` for this session (never overwrites) */
  startIndex?: number;
  /** jitter buffer latency (ms) for video reordering / NACK repair (default 150) */
  jitterMs?: number;
  videoCodec?: 'VP8' | 'MPEG4/ISO/AVC';
  onSegmentOpen?: (s: SegmentOpenInfo) => void;
  onSegmentClose?: (s: SegmentInfo) => void;
  onError?: (e: Error) => void;
  /** called when the recorder needs a keyframe (segment start, packet loss) */
  requestKeyframe?: () => void;
}

const DAY_MS = 24 * 3600 * 1000;
const HOLD_MS = 300;

export function segmentFileName(sessionId: string, index: number): string {
  return `${safeName(sessionId)}-${String(index).padStart(4, '0')}.webm`;
}

export function safeName(sessionId: string): string {
  return sessionId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Highest segment index present in dir for this session, or -1. */
export function lastSegmentIndex(dir: string, sessionId: string): number {
  if (!existsSync(dir)) return -1;
  const prefix = `${safeName(sessionId)}-`;
  let max = -1;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.webm')) continue;
    const n = Number(name.slice(prefix.length, -5));
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}

/** Per-track clock: unwrapped RTP timestamp anchored at the first packet's arrival; ms, rounded per frame. */
class TrackClock {
  private base?: number;
  private last = 0;
  private cycles = 0;
  private anchorMs = 0;
  constructor(private readonly clockRate: number, private readonly anchor: () => number) {}
  time(ts: number): number {
    if (this.base === undefined) {
      this.base = ts;
      this.last = ts;
      this.anchorMs = this.anchor();
    }
    if (ts < this.last && this.last - ts > 0x80000000) this.cycles++; // forward wrap
    else if (ts > this.last && ts - this.last > 0x80000000) this.cycles--; // late packet from before a wrap
    this.last = ts;
    const unwrapped = ts + this.cycles * 0x100000000 - this.base;
    return Math.round(this.anchorMs + (unwrapped * 1000) / this.clockRate);
  }
}

/** One WebM file. */
class Segment {
  readonly path: string;
  readonly startedAt = new Date();
  private fd: number | undefined;
  /** created at the first video keyframe, whose size goes into the track header */
  private webm: WebmCallback | undefined;
  private readonly videoCodec: 'VP8' | 'MPEG4/ISO/AVC';
  private vJitter: JitterBufferCallback;
  private vDepack: DepacketizeCallback;
  private aDepack: DepacketizeCallback;
  private vClock: TrackClock;
  private aClock: TrackClock;
  private done!: Promise<number>;
  private resolveDone!: (durationMs: number) => void;
  private closed = false;
  bytes = 0;
  firstKeyframe = false;
  lastVideoAt = 0;
  firstWrittenTime: number | undefined;
  /** closed without any keyframe: the file was removed */
  empty = false;
  onStart?: () => void;
  lastWrittenTime = 0;
  private vq: { data: Buffer; isKeyframe: boolean; time: number }[] = [];
  private aq: { data: Buffer; isKeyframe: boolean; time: number }[] = [];
  onFirstKeyframe?: () => void;

  constructor(readonly index: number, dir: string, sessionId: string, opts: RecorderOptions, epoch: () => number, onLoss: () => void) {
    this.path = join(dir, segmentFileName(sessionId, index));
    this.fd = openSync(this.path, 'wx'); // never overwrite evidence
    this.done = new Promise((r) => (this.resolveDone = r));
    this.vClock = new TrackClock(90000, epoch);
    this.aClock = new TrackClock(48000, epoch);
    const videoCodec = opts.videoCodec ?? 'VP8';
    this.videoCodec = videoCodec;
    this.vJitter = new JitterBufferCallback(90000, { latency: opts.jitterMs ?? 150 });
    this.vDepack = new DepacketizeCallback(videoCodec, { isFinalPacketInSequence: (h: { marker: boolean }) => h.marker });
    this.aDepack = new DepacketizeCallback('OPUS');
    this.vJitter.pipe((o: { rtp?: RtpPacket; isPacketLost?: unknown; eol?: boolean }) => {
      if (o.rtp) this.vDepack.input({ rtp: o.rtp, time: this.vClock.time(o.rtp.header.timestamp) });
      else if (o.isPacketLost) onLoss();
    });
    this.vDepack.pipe((o: { frame?: { data: Buffer; isKeyframe: boolean; time: number } }) => {
      if (!o.frame) return;
      if (o.frame.isKeyframe && !this.firstKeyframe) {
        this.firstKeyframe = true;
        this.onFirstKeyframe?.();
      }
      if (this.firstKeyframe) this.lastVideoAt = Date.now();
      this.vq.push(o.frame);
      this.interleave(false);
    });
    this.aDepack.pipe((o: { frame?: { data: Buffer; isKeyframe: boolean; time: number } }) => {
      if (o.frame) {
        this.aq.push(o.frame);
        this.interleave(false);
      }
    });
  }

  /**
   * The muxer needs frames in time order across tracks, or it writes negative cluster times (werift's WebmBase
   * adds a negative delta to the cluster timecode). A video frame is complete only when its last packet arrived,
   * so audio frames that arrived meanwhile carry later times: hold both queues HOLD_MS and release in time order.
   */
  private interleave(all: boolean): void {
    const vq = this.vq;
    const aq = this.aq;
    if (!this.webm) {
      // before the first keyframe: video deltas are useless, audio waits (bounded) for the keyframe's time
      while (vq.length && !vq[0].isKeyframe) vq.shift();
      if (!vq.length) {
        while (aq.length > 150) aq.shift(); // 3 s of 20 ms frames
        return;
      }
      this.startMuxer(vq[0]);
    }
    const webm = this.webm!;
    const newest = Math.max(vq.length ? vq[vq.length - 1].time : -Infinity, aq.length ? aq[aq.length - 1].time : -Infinity);
    for (;;) {
      const v = vq[0];
      const a = aq[0];
      const next = v && (!a || v.time <= a.time) ? 'v' : a ? 'a' : undefined;
      if (!next) return;
      const f = next === 'v' ? v : a;
      if (!all && newest - f.time < HOLD_MS && (next === 'v' ? !a : !v)) return; // the other track may still bring earlier frames
      if (next === 'v') webm.inputVideo({ frame: vq.shift()! });
      else webm.inputAudio({ frame: aq.shift()! });
      this.firstWrittenTime ??= f.time;
      this.lastWrittenTime = f.time;
    }
  }

  private startMuxer(keyframe: { data: Buffer }): void {
    const size = this.videoCodec === 'VP8' ? vp8KeyframeSize(keyframe.data) : undefined;
    this.webm = new WebmCallback(
      [
        { kind: 'video', codec: this.videoCodec, clockRate: 90000, trackNumber: 1, width: size?.width ?? 1280, height: size?.height ?? 720 },
        { kind: 'audio', codec: 'OPUS', clockRate: 48000, trackNumber: 2 },
      ],
      { duration: DAY_MS },
    );
    this.webm.pipe(async (o) => {
      if (o.saveToFile) this.write(o.saveToFile);
      else if (o.eol) this.finish(o.eol.durationElement, o.eol.duration);
    });
    this.onStart?.();
  }

  video(rtp: RtpPacket): void {
    if (!this.closed) this.vJitter.input({ rtp });
  }

  audio(rtp: RtpPacket): void {
    if (!this.closed) this.aDepack.input({ rtp, time: this.aClock.time(rtp.header.timestamp) });
  }

  private write(buf: Buffer): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, buf);
    this.bytes += buf.length;
  }

  private finish(durationElement: Uint8Array, durationMs: number): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, durationElement, 0, durationElement.length, DurationPosition);
    const size = statSync(this.path).size;
    const resize = replaceSegmentSize(size);
    writeSync(this.fd, resize, 0, resize.length, 40 /* SegmentSizePosition */);
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
    this.bytes = size;
    this.resolveDone(durationMs);
  }

  /** Stops input, finalises the file (duration, cues, size). Resolves with the media duration in ms. */
  async close(): Promise<number> {
    if (this.closed) return this.done;
    this.closed = true;
    // flush frames still held in the jitter buffer and the interleaver
    this.vJitter.input({ eol: true });
    this.interleave(true);
    if (!this.webm) {
      // never got a keyframe: nothing worth keeping
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      rmSync(this.path, { force: true });
      this.empty = true;
      return 0;
    }
    this.webm.stop();
    const timeout = new Promise<number>((r) => setTimeout(() => r(-1), 5000).unref());
    const d = await Promise.race([this.done, timeout]);
    if (d < 0 && this.fd !== undefined) {
      // muxer never reached eol: close what we have (recoverSegments can repair it)
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
      return 0;
    }
    return d;
  }
}

/** Width/height from a VP8 keyframe header (RFC 6386 9.1), or undefined. */
export function vp8KeyframeSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 10 || (data[0] & 1) !== 0) return undefined;
  if (data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return undefined;
  return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Records a session's relayed RTP into numbered WebM segments. Feed it with `video(rtp)` / `audio(rtp)`.
 * Rotation: every `rotateMs` (make-before-break: the old segment keeps recording until the new one has its first
 * keyframe, so there is no hole between segments), on `reconnect()`, and after a media gap (> gapMs without video).
 */
export class SessionRecorder {
  private current: Segment | undefined;
  private pending: Segment | undefined; // next segment during a make-before-break rotation
  private nextIndex: number;
  private rotateTimer: NodeJS.Timeout | undefined;
  private gapTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastLossPli = 0;
  private closing = new Set<Promise<void>>();
  private nextReason: SegmentOpenReason = 'start';
  private readonly epochStart = performance.now();
  readonly closedSegments: SegmentInfo[] = [];

  constructor(private readonly opts: RecorderOptions) {
    if (!opts.dir) throw new Error('recorder: dir is required');
    mkdirSync(opts.dir, { recursive: true });
    this.nextIndex = opts.startIndex ?? lastSegmentIndex(opts.dir, opts.sessionId) + 1;
    const gapMs = opts.gapMs ?? 1000;
    this.gapTimer = setInterval(() => {
      const c = this.current;
      if (c && c.firstKeyframe && Date.now() - c.lastVideoAt > gapMs) this.closeCurrent('media-gap');
    }, Math.min(250, gapMs / 2));
    this.gapTimer.unref();
  }

  get segmentIndex(): number | undefined {
    return this.current?.index;
  }

  /** Codec of the video RTP from the next segment on (the publisher may renegotiate on reconnect). */
  setVideoCodec(codec: 'VP8' | 'MPEG4/ISO/AVC'): void {
    (this.opts as { videoCodec?: string }).videoCodec = codec;
  }

  /** Media time handed to the muxer in the current segment so far (ms). */
  get currentDurationMs(): number {
    const c = this.current;
    return c?.firstWrittenTime === undefined ? 0 : c.lastWrittenTime - c.firstWrittenTime;
  }

  private epoch = () => performance.now() - this.epochStart;

  private open(reason: SegmentOpenReason): Segment {
    const seg = new Segment(this.nextIndex++, this.opts.dir, this.opts.sessionId, this.opts, this.epoch, () => this.onLoss());
    // announced when its muxer starts (first keyframe): a segment that never gets one is removed, not reported
    seg.onStart = () => this.announce(seg, reason);
    this.opts.requestKeyframe?.();
    if (this.opts.rotateMs !== 0) {
      clearTimeout(this.rotateTimer);
      this.rotateTimer = setTimeout(() => this.rotate(), this.opts.rotateMs ?? 5 * 60_000);
      this.rotateTimer.unref();
    }
    return seg;
  }

  private announce(seg: Segment, reason: SegmentOpenReason): void {
    this.opts.onSegmentOpen?.({ sessionId: this.opts.sessionId, path: seg.path, index: seg.index, startedAt: seg.startedAt, reason });
  }

  private onLoss(): void {
    const now = Date.now();
    if (now - this.lastLossPli > 1000) {
      this.lastLossPli = now;
      this.opts.requestKeyframe?.();
    }
  }

  video(rtp: RtpPacket): void {
    if (this.stopped) return;
    if (!this.current) this.current = this.open(this.nextReason);
    this.pending?.video(rtp.clone()); // the depacketizer clears packets it consumed: each segment gets its own
    this.current.video(rtp);
  }

  audio(rtp: RtpPacket): void {
    if (this.stopped) return;
    if (!this.current) return; // a segment starts with video (keyframe requested on open)
    this.pending?.audio(rtp.clone());
    this.current.audio(rtp);
  }

  /** Timed rotation, make-before-break: the next segment is announced and takes over at its first keyframe. */
  rotate(): void {
    if (this.stopped || !this.current || this.pending) return;
    const next = this.open('rotate');
    this.pending = next;
    const swap = () => {
      if (this.pending !== next) return;
      this.pending = undefined;
      const old = this.current;
      this.current = next;
      if (old) this.finishSegment(old, 'rotate');
    };
    next.onFirstKeyframe = swap;
    setTimeout(swap, 3000).unref(); // no keyframe within 3 s: switch anyway
  }

  /** Publisher reconnected (new peer / new SSRCs): close the segment now; the next packet opens a new one. */
  reconnect(): void {
    this.closeCurrent('reconnect');
  }

  private closeCurrent(reason: SegmentCloseReason): void {
    const old = this.current;
    const pend = this.pending;
    this.current = undefined;
    this.pending = undefined;
    this.nextReason = reason === 'reconnect' ? 'reconnect' : 'resume';
    if (old) this.finishSegment(old, reason);
    if (pend) this.discard(pend);
  }

  /** A rotation target that never got its keyframe: its audio is also in the old segment; remove it. */
  private discard(seg: Segment): void {
    const p = seg.close().then(() => {
      rmSync(seg.path, { force: true });
      if (this.nextIndex === seg.index + 1) this.nextIndex = seg.index;
    }, (e) => this.opts.onError?.(e as Error));
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  private finishSegment(seg: Segment, reason: SegmentCloseReason): void {
    const p = (async () => {
      try {
        const durationMs = await seg.close();
        if (seg.empty) {
          if (this.nextIndex === seg.index + 1) this.nextIndex = seg.index;
          return;
        }
        const info: SegmentInfo = {
          sessionId: this.opts.sessionId, path: seg.path, index: seg.index, startedAt: seg.startedAt, endedAt: new Date(),
          durationMs: Math.round(durationMs), sha256: await sha256File(seg.path), bytes: statSync(seg.path).size, reason,
        };
        this.closedSegments.push(info);
        this.opts.onSegmentClose?.(info);
      } catch (e) {
        this.opts.onError?.(e as Error);
      }
    })();
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /** Stops recording; resolves when every segment is finalised and hashed. */
  async stop(): Promise<SegmentInfo[]> {
    this.stopped = true;
    clearTimeout(this.rotateTimer);
    clearInterval(this.gapTimer);
    this.closeCurrent('stop');
    while (this.closing.size) await Promise.all([...this.closing]);
    return this.closedSegments;
  }
}
