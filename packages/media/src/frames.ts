// Frame assembly for the recorder: turns the publisher's RTP (possibly reordered, duplicated, retransmitted after a
// NACK, or missing packets) into whole, decodable video frames — and nothing else.
//
// Why our own (root cause of the corrupted recordings, issue 11): werift's depacketizer ends a frame only at an RTP
// marker bit. When a keyframe is requested, Chrome's pacer flushes the packets of the frame it is sending
// (libwebrtc "keyframe flushing"); sequence numbers are assigned when packets leave the pacer, so the stream shows no
// sequence gap, only a frame without its last packets (no marker) followed by the keyframe. werift glued the two into
// one "frame" that starts with the truncated inter frame's header: decoders read it as an inter frame, the keyframe is
// lost, and every following frame is predicted from a wrong picture until the next keyframe — the smeared blocks seen
// in every recording (measured: the recorded frame = 13,740 bytes of a truncated frame + the 45,122-byte keyframe).
// werift also kept passing inter frames after a real loss (their reference is gone) and its jitter buffer dropped the
// packets still buffered when it gave up on a hole.
//
// Here a frame is released only when it is complete: it starts with a frame-start packet (VP8: S=1, partition 0;
// H.264: first packet of a new timestamp), every sequence number up to the marker packet is present, and all share one
// RTP timestamp. A hole is waited for (NACK retransmissions) up to `repairMs`; after that, or when the sender
// truncated a frame, the picture's reference chain is broken: inter frames are dropped until the next complete
// keyframe, a keyframe is requested at once, and the gap is reported.
import { dePacketizeRtpPackets, type RtpPacket } from 'werift';

export type VideoCodecName = 'VP8' | 'MPEG4/ISO/AVC';

export interface AssembledFrame {
  data: Buffer;
  keyframe: boolean;
  /** RTP timestamp, unwrapped (extended beyond 32 bits) */
  rtpTs: number;
  /** arrival (ms, the recorder's clock) of the frame's first packet */
  arrivalMs: number;
  width?: number;
  height?: number;
}

export interface FrameGap {
  /** RTP timestamp (unwrapped) of the last frame released before the break; undefined at the very start */
  afterRtpTs?: number;
  /** RTP timestamp of the keyframe that repaired it */
  resumeRtpTs: number;
  /** frames not written (incomplete, or inter frames whose reference was lost) */
  droppedFrames: number;
  reason: 'loss' | 'truncated';
}

export interface AssemblerOptions {
  codec: VideoCodecName;
  /** how long a missing packet is waited for (retransmission) before the frame counts as lost; default 1000 ms */
  repairMs?: number;
  onFrame: (f: AssembledFrame) => void;
  /** the reference chain is broken: ask the sender for a keyframe now */
  onKeyframeNeeded?: (reason: 'loss' | 'truncated' | 'start') => void;
  /** a break was repaired by a keyframe (not called for the wait for the first keyframe) */
  onGap?: (g: FrameGap) => void;
  /** packets buffered at most (bounded memory); older holes are given up beyond it. Default 4000. */
  maxPackets?: number;
}

interface Held {
  rtp: RtpPacket;
  ts: number;
  arrivalMs: number;
  /** padding only (the sender's bandwidth probes): takes a sequence number, carries no media */
  filler: boolean;
}

interface Vp8Descriptor {
  start: boolean;
  nonReference: boolean;
  /** byte offset of the VP8 payload */
  offset: number;
}

/** RFC 7741 §4.2 payload descriptor. */
export function parseVp8Descriptor(b: Buffer): Vp8Descriptor | undefined {
  if (b.length < 1) return undefined;
  const x = (b[0] & 0x80) !== 0;
  const n = (b[0] & 0x20) !== 0;
  const s = (b[0] & 0x10) !== 0;
  const pid = b[0] & 0x07;
  let off = 1;
  if (x) {
    if (b.length < 2) return undefined;
    const ext = b[1];
    off = 2;
    if (ext & 0x80) off += b.length > off && b[off] & 0x80 ? 2 : 1; // I: PictureID, 7 or 15 bits
    if (ext & 0x40) off += 1; // L: TL0PICIDX
    if (ext & 0x30) off += 1; // T or K: TID/Y/KEYIDX
  }
  if (off > b.length) return undefined;
  return { start: s && pid === 0, nonReference: n, offset: off };
}

/** Width/height from a VP8 keyframe header (RFC 6386 §9.1), or undefined. */
export function vp8KeyframeSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 10 || (data[0] & 1) !== 0) return undefined;
  if (data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) return undefined;
  return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
}

/** Unwraps 16-bit sequence numbers into a monotonic number line. */
export class SeqUnwrapper {
  private last?: number;
  private ext = 0;
  unwrap(seq: number): number {
    if (this.last === undefined) {
      this.last = seq;
      this.ext = seq;
      return seq;
    }
    let d = (seq - this.last) & 0xffff;
    if (d >= 0x8000) d -= 0x10000;
    const v = this.ext + d;
    if (d > 0) {
      this.last = seq;
      this.ext = v;
    }
    return v;
  }
}

/** Unwraps 32-bit RTP timestamps. */
export class TsUnwrapper {
  private last?: number;
  private ext = 0;
  unwrap(ts: number): number {
    if (this.last === undefined) {
      this.last = ts;
      this.ext = ts;
      return ts;
    }
    let d = (ts - this.last) >>> 0;
    if (d >= 0x80000000) d -= 0x100000000;
    const v = this.ext + d;
    if (d > 0) {
      this.last = ts;
      this.ext = v;
    }
    return v;
  }
}

export class VideoFrameAssembler {
  private held = new Map<number, Held>();
  private seqs = new SeqUnwrapper();
  private tss = new TsUnwrapper();
  /** first sequence number not yet released (or given up) */
  private next?: number;
  private highest?: number;
  /** true until a complete keyframe: inter frames cannot be decoded */
  private broken = true;
  private started = false;
  private brokenReason: 'loss' | 'truncated' = 'loss';
  private skipping = false;
  private releasedAny = false;
  private askOnNextInter = false;
  private dropped = 0;
  private lastReleasedTs?: number;
  private readonly repairMs: number;
  private readonly maxPackets: number;
  readonly stats = { frames: 0, keyframes: 0, droppedFrames: 0, lostPackets: 0, truncatedFrames: 0, duplicates: 0, late: 0, repaired: 0 };
  private missingSince = new Map<number, number>();

  constructor(private readonly opts: AssemblerOptions) {
    this.repairMs = opts.repairMs ?? 1000;
    this.maxPackets = opts.maxPackets ?? 4000;
  }

  /** True while frames are held waiting for a missing packet. */
  get waiting(): boolean {
    return this.next !== undefined && this.highest !== undefined && this.highest >= this.next && !this.held.has(this.next);
  }

  /** RTP timestamp (unwrapped) of the oldest packet not yet released, if any: no frame earlier than this can still come. */
  get pendingTs(): number | undefined {
    if (this.next === undefined) return undefined;
    let min: number | undefined;
    for (const h of this.held.values()) if (min === undefined || h.ts < min) min = h.ts;
    return min;
  }

  push(rtp: RtpPacket, arrivalMs: number): void {
    const seq = this.seqs.unwrap(rtp.header.sequenceNumber);
    const ts = this.tss.unwrap(rtp.header.timestamp);
    if (this.next !== undefined && seq < this.next) {
      // before anything was released, an earlier packet is the stream's real beginning (it arrived reordered)
      if (this.releasedAny || this.next - seq > 500) {
        this.stats.late++;
        return;
      }
      for (let s = seq + 1; s < this.next; s++) if (!this.held.has(s)) this.missingSince.set(s, arrivalMs);
      this.next = seq;
    }
    if (this.held.has(seq)) {
      this.stats.duplicates++;
      return;
    }
    if (this.missingSince.delete(seq)) this.stats.repaired++;
    this.held.set(seq, { rtp, ts, arrivalMs, filler: rtp.payload.length === 0 });
    if (this.next === undefined) this.next = seq;
    if (this.highest === undefined || seq > this.highest) {
      if (this.highest !== undefined) for (let s = this.highest + 1; s < seq; s++) this.missingSince.set(s, arrivalMs);
      this.highest = seq;
    }
    this.drain(arrivalMs);
  }

  /** Gives up holes older than repairMs (call periodically: a hole at the end of the stream has no later packet). */
  tick(nowMs: number): void {
    this.drain(nowMs);
  }

  /** End of input: releases complete frames, drops the rest. */
  flush(): void {
    this.drain(Infinity);
    this.held.clear();
    this.missingSince.clear();
  }

  /** Forget the reference chain (new publisher connection): wait for a keyframe again. */
  reset(): void {
    this.held.clear();
    this.missingSince.clear();
    this.next = undefined;
    this.highest = undefined;
    this.seqs = new SeqUnwrapper();
    this.tss = new TsUnwrapper();
    this.broken = true;
    this.started = false;
    this.skipping = false;
    this.releasedAny = false;
    this.dropped = 0;
    this.lastReleasedTs = undefined;
  }

  private drain(nowMs: number): void {
    for (;;) {
      if (this.next === undefined || this.highest === undefined || this.next > this.highest) return;
      const h = this.held.get(this.next);
      if (h?.filler) {
        // Chrome probes bandwidth with padding-only packets on the media stream (no RTX negotiated): skip them
        this.forget(this.next);
        this.next++;
        continue;
      }
      // at the very start the first packets may still come, reordered: wait before calling the head unusable
      if (!this.releasedAny && h && !this.isStartAt(this.next, h) && !this.overdue(Number.NaN, nowMs)) return;
      if (this.skipping) {
        // dropping the rest of an unusable frame: up to the next frame start
        if (h && this.isStartAt(this.next, h)) {
          this.skipping = false;
          continue;
        }
        if (!h && !this.overdue(this.next, nowMs)) return; // a missing packet may be the next frame's start
        if (!h) this.stats.lostPackets++;
        this.forget(this.next);
        this.next++;
        continue;
      }
      if (!h) {
        if (!this.overdue(this.next, nowMs)) return; // wait for a retransmission
        this.stats.lostPackets++;
        this.forget(this.next);
        this.next++;
        this.dropFrame('loss', false);
        continue;
      }
      if (!this.isStartAt(this.next, h)) {
        this.dropFrame('loss', false); // a continuation whose frame start never came
        continue;
      }
      let s = this.next;
      let end: 'complete' | 'truncated' | 'hole';
      for (;;) {
        const p = this.held.get(s);
        if (!p) {
          end = 'hole';
          break;
        }
        if (p.filler || p.ts !== h.ts || (s !== this.next && this.isStartAt(s, p))) {
          end = 'truncated'; // the sender never finished this frame: the next one began before its marker
          break;
        }
        if (p.rtp.header.marker) {
          end = 'complete';
          break;
        }
        s++;
      }
      if (end === 'complete') {
        this.release(this.next, s);
        continue;
      }
      if (end === 'hole' && !this.overdue(s, nowMs) && this.held.size < this.maxPackets) return;
      const nonReference = this.opts.codec === 'VP8' && (parseVp8Descriptor(h.rtp.payload)?.nonReference ?? false);
      if (end === 'truncated') {
        this.stats.truncatedFrames++;
        for (let x = this.next; x < s; x++) this.forget(x);
        this.next = s;
        this.dropFrame('truncated', nonReference, false);
        continue;
      }
      // the hole at s is not coming back: drop the frame (its remaining packets too)
      for (let x = this.next; x < s; x++) this.forget(x);
      this.next = s;
      this.dropFrame('loss', nonReference);
    }
  }

  private forget(seq: number): void {
    this.held.delete(seq);
    this.missingSince.delete(seq);
  }

  private isStartAt(seq: number, h: Held): boolean {
    if (this.opts.codec === 'VP8') return parseVp8Descriptor(h.rtp.payload)?.start ?? false;
    // H.264: a frame starts where the timestamp changes after the previous frame
    const prev = this.held.get(seq - 1);
    if (prev) return prev.ts !== h.ts;
    return this.lastReleasedTs === undefined || h.ts !== this.lastReleasedTs;
  }

  private overdue(seq: number, nowMs: number): boolean {
    if (this.held.size >= this.maxPackets) return true;
    const since = this.missingSince.get(seq);
    if (since !== undefined) return nowMs - since >= this.repairMs;
    // never seen as missing (e.g. the first packets of the stream): measure from the oldest held packet
    let oldest = Infinity;
    for (const x of this.held.values()) oldest = Math.min(oldest, x.arrivalMs);
    return nowMs - oldest >= this.repairMs;
  }

  /**
   * One frame cannot be written. A non-reference frame costs nothing else; any other breaks the chain of reference
   * pictures. `skipRest`: drop the frame's remaining packets up to the next frame start.
   */
  private dropFrame(reason: 'loss' | 'truncated', nonReference: boolean, skipRest = true): void {
    this.stats.droppedFrames++;
    if (skipRest) this.skipping = true;
    if (nonReference) return;
    this.dropped++;
    this.breakChain(reason);
  }

  private breakChain(reason: 'loss' | 'truncated'): void {
    if (this.broken) return;
    this.broken = true;
    this.brokenReason = reason;
    // A truncated frame is what the sender's pacer leaves when it flushes its queue for a keyframe (libwebrtc's
    // keyframe flushing): the keyframe follows at once. Asking for another one would flush again — a loop of
    // keyframes. Ask only if the next frame turns out not to be a keyframe.
    if (reason === 'truncated') this.askOnNextInter = true;
    else this.opts.onKeyframeNeeded?.(reason);
  }

  private release(from: number, to: number): void {
    const packets: RtpPacket[] = [];
    let arrivalMs = Infinity;
    const first = this.held.get(from)!;
    for (let s = from; s <= to; s++) {
      const h = this.held.get(s)!;
      packets.push(h.rtp);
      arrivalMs = Math.min(arrivalMs, h.arrivalMs);
      this.held.delete(s);
      this.missingSince.delete(s);
    }
    this.next = to + 1;
    this.releasedAny = true;
    const frame = this.depacketize(packets);
    if (!frame) {
      this.dropFrame('loss', false, false);
      return;
    }
    const { data, keyframe } = frame;
    if (this.broken) {
      if (!keyframe) {
        this.stats.droppedFrames++;
        this.dropped++;
        if (!this.started) this.opts.onKeyframeNeeded?.('start');
        else if (this.askOnNextInter) {
          this.askOnNextInter = false;
          this.opts.onKeyframeNeeded?.(this.brokenReason);
        }
        return;
      }
      this.askOnNextInter = false;
      this.broken = false;
      if (this.started) this.opts.onGap?.({ afterRtpTs: this.lastReleasedTs, resumeRtpTs: first.ts, droppedFrames: this.dropped, reason: this.brokenReason });
      this.dropped = 0;
    }
    this.started = true;
    this.lastReleasedTs = first.ts;
    this.stats.frames++;
    if (keyframe) this.stats.keyframes++;
    const size = keyframe && this.opts.codec === 'VP8' ? vp8KeyframeSize(data) : undefined;
    this.opts.onFrame({ data, keyframe, rtpTs: first.ts, arrivalMs, ...size });
  }

  private depacketize(packets: RtpPacket[]): { data: Buffer; keyframe: boolean } | undefined {
    if (this.opts.codec === 'VP8') {
      const parts: Buffer[] = [];
      for (const p of packets) {
        const d = parseVp8Descriptor(p.payload);
        if (!d) return undefined;
        parts.push(p.payload.subarray(d.offset));
      }
      const data = Buffer.concat(parts);
      if (!data.length) return undefined;
      return { data, keyframe: (data[0] & 1) === 0 };
    }
    try {
      const r = dePacketizeRtpPackets('MPEG4/ISO/AVC', packets);
      return r.data.length ? { data: r.data, keyframe: r.isKeyframe } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Opus (one frame per packet): puts packets back in order within a small window and drops duplicates. */
export class AudioReorder {
  private held = new Map<number, { rtp: RtpPacket; ts: number; arrivalMs: number }>();
  private seqs = new SeqUnwrapper();
  private tss = new TsUnwrapper();
  private next?: number;
  readonly stats = { frames: 0, lost: 0, late: 0, duplicates: 0 };

  constructor(private readonly onFrame: (f: { data: Buffer; rtpTs: number; arrivalMs: number }) => void, private readonly windowMs = 80) {}

  push(rtp: RtpPacket, arrivalMs: number): void {
    const seq = this.seqs.unwrap(rtp.header.sequenceNumber);
    const ts = this.tss.unwrap(rtp.header.timestamp);
    if (this.next !== undefined && seq < this.next) {
      this.stats.late++;
      return;
    }
    if (this.held.has(seq)) {
      this.stats.duplicates++;
      return;
    }
    this.held.set(seq, { rtp, ts, arrivalMs });
    this.next ??= seq;
    this.drain(arrivalMs);
  }

  /** Oldest RTP timestamp still held (no earlier audio frame can come), if any. */
  get pendingTs(): number | undefined {
    let min: number | undefined;
    for (const h of this.held.values()) if (min === undefined || h.ts < min) min = h.ts;
    return min;
  }

  tick(nowMs: number): void {
    this.drain(nowMs);
  }

  flush(): void {
    this.drain(Infinity);
  }

  reset(): void {
    this.held.clear();
    this.next = undefined;
    this.seqs = new SeqUnwrapper();
    this.tss = new TsUnwrapper();
  }

  private drain(nowMs: number): void {
    while (this.next !== undefined && this.held.size) {
      const h = this.held.get(this.next);
      if (h) {
        this.held.delete(this.next);
        this.next++;
        if (h.rtp.payload.length) {
          this.stats.frames++;
          this.onFrame({ data: h.rtp.payload, rtpTs: h.ts, arrivalMs: h.arrivalMs });
        }
        continue;
      }
      let oldest = Infinity;
      for (const x of this.held.values()) oldest = Math.min(oldest, x.arrivalMs);
      if (nowMs - oldest < this.windowMs) return;
      this.stats.lost++;
      this.next++;
    }
  }
}
