// Server-side recording of one session into WebM segments that hold only decodable frames.
//
// Pipeline: video RTP → VideoFrameAssembler (frames.ts: reorder, wait for NACK retransmissions, complete frames only,
// drop inter frames after a break until the next keyframe, report the gap) ─┐
//           audio RTP → AudioReorder ─────────────────────────────────────────┴→ time-ordered merge → segment (werift's
// WebM muxer, one open descriptor, a metadata sidecar) → sealed (duration, size, fsync, SHA-256).
//
// Clock: each track's media time is its RTP timestamp (unwrapped, exact) anchored at the arrival time of its first
// frame, rounded once per frame — not werift's NTP stage, whose `ntpTime2Sec` reads the 32-bit NTP fraction as decimal
// digits (frame gaps of up to 0.9 s where the first sender reports arrive). The wall-clock start and end of a segment
// (what the evidence states) come from the media: the first and last frame's capture time, through the sender's
// reports (parsed correctly here) when they have arrived, else through the arrival anchor.
//
// Keyframes: one is requested when a segment must start, at once when the reference chain breaks, and whenever the
// last one is older than `keyframeIntervalMs` (default 3 s), so any moment of a recording can be sought to and any
// loss heals within a few seconds.

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RtpPacket } from 'werift';
import { DurationPosition, WebmCallback, replaceSegmentSize } from 'werift/nonstandard';
import { AudioReorder, VideoFrameAssembler, type FrameGap, type VideoCodecName } from './frames.ts';

export { vp8KeyframeSize } from './frames.ts';

/** 'video-resumed': an audio-only segment (sound while the publisher sent no video: stills or audio rung) ends at the first keyframe */
export type SegmentCloseReason = 'rotate' | 'reconnect' | 'media-gap' | 'stop' | 'crash' | 'video-resumed';
export type SegmentOpenReason = 'start' | 'rotate' | 'reconnect' | 'resume' | 'video-resumed';

/** A stretch of a segment without (decodable) video. Times in ms from the segment's start. */
export interface RecordingGap {
  fromMs: number;
  toMs: number;
  /** frames the recorder did not write (incomplete, or inter frames whose reference was lost) */
  droppedFrames: number;
  /** loss: packets lost for good; truncated: the sender dropped a frame's tail; no-video: no video packets arrived */
  reason: 'loss' | 'truncated' | 'no-video';
}

export interface SegmentOpenInfo {
  sessionId: string;
  path: string;
  index: number;
  /** capture time of the segment's first frame */
  startedAt: Date;
  reason: SegmentOpenReason;
}

export interface SegmentInfo {
  sessionId: string;
  path: string;
  index: number;
  /** capture time of the first frame (from the media, not from when the file was handled) */
  startedAt: Date;
  /** capture time of the last frame */
  endedAt: Date;
  /** media duration written in the file (ms) */
  durationMs: number;
  sha256: string;
  bytes: number;
  reason: SegmentCloseReason;
  openReason?: SegmentOpenReason;
  videoFrames?: number;
  keyframes?: number;
  gaps?: RecordingGap[];
}

/** The metadata sidecar (`<segment>.webm.json`), rewritten as the segment grows; crash recovery reads it. */
export interface SegmentSidecar {
  version: 1;
  sessionId: string;
  index: number;
  openReason: SegmentOpenReason;
  /** capture time of the first frame (ISO) */
  startedAt: string;
  /** wall clock of media time 0 of the file (ms since epoch): the time of any frame = origin + its pts */
  originMs: number;
  /** the start time came from the sender's reports (else from the arrival of the first packet) */
  startFromSenderReport: boolean;
  codec: VideoCodecName | 'none';
  width?: number;
  height?: number;
  gaps: RecordingGap[];
  closed?: { reason: SegmentCloseReason; endedAt: string; durationMs: number };
}

export interface RecorderOptions {
  dir: string;
  sessionId: string;
  /** rotate every N ms of wall time (default 5 min; 0: never) */
  rotateMs?: number;
  /** close the segment when neither video nor audio arrived for this long (default 1000 ms); the next keyframe resumes */
  gapMs?: number;
  /** first index; default: one past the highest index already in `dir` for this session (never overwrites) */
  startIndex?: number;
  /** how long a missing video packet is waited for (NACK retransmission) before it counts as lost (default 1000 ms) */
  repairMs?: number;
  /** @deprecated old name of repairMs */
  jitterMs?: number;
  /** ask for a keyframe when the last one is older than this (ms; default 2500; 0: only when needed) */
  keyframeIntervalMs?: number;
  videoCodec?: VideoCodecName;
  /** open reason of the first segment (default 'start'; 'resume' when a restarted node continues a session) */
  firstOpenReason?: SegmentOpenReason;
  /** which tracks are recorded (default both). Audio only: e.g. the inspector's voice. */
  tracks?: { video?: boolean; audio?: boolean };
  /** a second recording of the same session, e.g. 'inspector' (the inspector's voice) → <session>~inspector-0000.webm */
  label?: string;
  onSegmentOpen?: (s: SegmentOpenInfo) => void;
  onSegmentClose?: (s: SegmentInfo) => void;
  /** a break in the video was repaired (the gap is also in the segment's info and sidecar) */
  onGap?: (g: RecordingGap & { sessionId: string; index: number; at: Date }) => void;
  onError?: (e: Error) => void;
  /** called when the recorder needs a keyframe (segment start, unrepaired loss, keyframe interval) */
  requestKeyframe?: (reason: string) => void;
  /** wall clock (ms); tests */
  now?: () => number;
}

const DAY_MS = 24 * 3600 * 1000;
/** a frame waits at most this long (ms) for the other track before it is written anyway */
const MAX_HOLD_MS = 2000;
/** a track that delivered nothing for this long does not hold the other back */
const IDLE_MS = 1000;

/** `<session>-NNNN.webm`, or `<session>~<label>-NNNN.webm` for a labelled track ('~' never occurs in a safe name). */
export function segmentFileName(sessionId: string, index: number, label?: string): string {
  return `${safeName(sessionId)}${label ? `~${safeName(label)}` : ''}-${String(index).padStart(4, '0')}.webm`;
}

export function sidecarPath(segmentPath: string): string {
  return `${segmentPath}.json`;
}

export function safeName(sessionId: string): string {
  return sessionId.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Highest segment index present in dir for this session (and label), or -1. */
export function lastSegmentIndex(dir: string, sessionId: string, label?: string): number {
  if (!existsSync(dir)) return -1;
  const prefix = `${safeName(sessionId)}${label ? `~${safeName(label)}` : ''}-`;
  let max = -1;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.webm')) continue;
    const n = Number(name.slice(prefix.length, -5));
    if (Number.isInteger(n) && n > max) max = n;
  }
  return max;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** NTP timestamp (64-bit, RFC 5905) → ms since the Unix epoch. */
export function ntpToUnixMs(ntp: bigint): number {
  const sec = Number(ntp >> 32n);
  const frac = Number(ntp & 0xffffffffn);
  return (sec - 2_208_988_800) * 1000 + (frac * 1000) / 2 ** 32;
}

/**
 * Capture time from RTCP sender reports: the sender's own clock for an RTP timestamp. Trusted as is when it agrees
 * with ours as far as the network can tell (the smallest arrival − sent seen is between 0 and 2 s: a one-way delay);
 * a device whose clock is off by more is moved onto our clock by that smallest difference (offset + shortest delay).
 */
class SenderClock {
  private sr?: { ntpMs: number; rtpTs: number };
  private offsetMs = Infinity;
  constructor(private readonly clockRate: number) {}
  report(ntpMs: number, rtpTs: number, arrivalWallMs: number): void {
    this.sr = { ntpMs, rtpTs: rtpTs >>> 0 };
    this.offsetMs = Math.min(this.offsetMs, arrivalWallMs - ntpMs);
  }
  /** wall ms (our clock) of the RTP timestamp (low 32 bits used), or undefined before the first report */
  wallOf(rtpTs: number): number | undefined {
    if (!this.sr || !Number.isFinite(this.offsetMs)) return undefined;
    let d = ((rtpTs >>> 0) - this.sr.rtpTs) >>> 0;
    if (d >= 0x80000000) d -= 0x100000000;
    const correction = this.offsetMs >= 0 && this.offsetMs <= 2000 ? 0 : this.offsetMs;
    return this.sr.ntpMs + (d * 1000) / this.clockRate + correction;
  }
}

/** Per-track media clock: RTP timestamp (unwrapped) anchored at the first frame's arrival; ms, rounded per frame. */
class TrackClock {
  private baseTs?: number;
  private anchorMs = 0;
  constructor(private readonly clockRate: number) {}
  get anchored(): boolean {
    return this.baseTs !== undefined;
  }
  time(ts: number, arrivalMs: number): number {
    if (this.baseTs === undefined) {
      this.baseTs = ts;
      this.anchorMs = arrivalMs;
    }
    return Math.round(this.anchorMs + ((ts - this.baseTs) * 1000) / this.clockRate);
  }
  peek(ts: number): number | undefined {
    return this.baseTs === undefined ? undefined : this.anchorMs + ((ts - this.baseTs) * 1000) / this.clockRate;
  }
  reset(): void {
    this.baseTs = undefined;
  }
}

interface QFrame {
  kind: 'video' | 'audio';
  data: Buffer;
  keyframe: boolean;
  /** media time (ms, recorder clock) */
  time: number;
  rtpTs: number;
  queuedAt: number;
  width?: number;
  height?: number;
}

/** One WebM file and its sidecar. */
class Segment {
  readonly path: string;
  private fd: number | undefined;
  private webm: WebmCallback;
  private done: Promise<number>;
  private resolveDone!: (durationMs: number) => void;
  bytes = 0;
  firstTime: number;
  lastTime: number;
  private lastVideoTime?: number;
  private lastAudioTime?: number;
  videoFrames = 0;
  keyframes = 0;
  readonly gaps: RecordingGap[] = [];
  sidecar: SegmentSidecar;
  private closed = false;
  /** false: an audio-only file (no video track in its header) */
  readonly hasVideo: boolean;

  constructor(
    readonly index: number,
    dir: string,
    private readonly opts: RecorderOptions,
    readonly openReason: SegmentOpenReason,
    first: QFrame,
    startWallMs: number,
    startFromSenderReport: boolean,
    codec: VideoCodecName | 'none',
  ) {
    this.hasVideo = codec !== 'none';
    this.path = join(dir, segmentFileName(opts.sessionId, index, opts.label));
    this.fd = openSync(this.path, 'wx'); // never overwrite evidence
    this.done = new Promise((r) => (this.resolveDone = r));
    this.firstTime = first.time;
    this.lastTime = first.time;
    const tracks: ConstructorParameters<typeof WebmCallback>[0] = [];
    if (codec !== 'none') tracks.push({ kind: 'video', codec, clockRate: 90000, trackNumber: 1, width: first.width ?? 1280, height: first.height ?? 720 });
    if (opts.tracks?.audio !== false) tracks.push({ kind: 'audio', codec: 'OPUS', clockRate: 48000, trackNumber: codec !== 'none' ? 2 : 1 });
    this.webm = new WebmCallback(tracks, { duration: DAY_MS });
    this.webm.pipe(async (o) => {
      if (o.saveToFile) this.writeBytes(o.saveToFile);
      else if (o.eol) this.finish(o.eol.durationElement, o.eol.duration);
    });
    this.sidecar = {
      version: 1, sessionId: opts.sessionId, index, openReason, startedAt: new Date(startWallMs).toISOString(),
      originMs: Math.round(startWallMs), startFromSenderReport, codec, width: first.width, height: first.height, gaps: this.gaps,
    };
    this.saveSidecar();
  }

  /** The start time is now known from the sender's reports: restate it (file times are unchanged). */
  restart(startWallMs: number): void {
    this.sidecar.startedAt = new Date(startWallMs).toISOString();
    this.sidecar.originMs = Math.round(startWallMs);
    this.sidecar.startFromSenderReport = true;
    this.saveSidecar();
  }

  get startWallMs(): number {
    return this.sidecar.originMs;
  }

  write(f: QFrame): void {
    if (this.closed) return;
    // Each track's times only go forward (a track is in order by construction; this guards rounding). Across tracks
    // the merge keeps time order; when it could not wait (a track stalled past MAX_HOLD_MS / IDLE_MS), a late frame
    // keeps its own time: Matroska allows interleaved blocks slightly out of order, while moving a video frame onto a
    // later time would give two frames one timestamp.
    const last = f.kind === 'video' ? this.lastVideoTime : this.lastAudioTime;
    const time = last === undefined ? f.time : Math.max(f.time, last + 1);
    if (f.kind === 'video') this.lastVideoTime = time;
    else this.lastAudioTime = time;
    if (time > this.lastTime) this.lastTime = time;
    const frame = { data: f.data, isKeyframe: f.keyframe, time };
    if (f.kind === 'video') {
      this.videoFrames++;
      if (f.keyframe) this.keyframes++;
      this.webm.inputVideo({ frame });
    } else this.webm.inputAudio({ frame });
  }

  addGap(g: RecordingGap): void {
    this.gaps.push(g);
    this.saveSidecar();
  }

  saveSidecar(): void {
    const p = sidecarPath(this.path);
    try {
      writeFileSync(`${p}.tmp`, JSON.stringify(this.sidecar));
      renameSync(`${p}.tmp`, p);
    } catch (e) {
      this.opts.onError?.(e as Error);
    }
  }

  private writeBytes(buf: Buffer): void {
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

  /** Finalises the file (duration, cues, size). Resolves with the media duration in ms. */
  async close(reason: SegmentCloseReason): Promise<number> {
    if (this.closed) return this.done;
    this.closed = true;
    this.webm.stop();
    const timeout = new Promise<number>((r) => setTimeout(() => r(-1), 5000).unref());
    let d = await Promise.race([this.done, timeout]);
    if (d < 0 && this.fd !== undefined) {
      // the muxer never reached its end: keep what was written (recoverSegments can repair it)
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
      d = this.lastTime - this.firstTime;
    }
    this.sidecar.closed = { reason, endedAt: new Date(this.startWallMs + (this.lastTime - this.firstTime)).toISOString(), durationMs: Math.round(d) };
    this.saveSidecar();
    return d;
  }
}

/**
 * Records a session's relayed RTP into numbered WebM segments. Feed it with `video(rtp)` / `audio(rtp)` and the
 * sender reports (`senderReport`). Segments change on rotation (every `rotateMs`, at a keyframe: nothing is lost or
 * doubled between them), on `reconnect()` (a new publisher connection), and after a media gap (> gapMs without any
 * media); a break in the video inside a segment is skipped to the next keyframe and recorded as a gap.
 */
export class SessionRecorder {
  private current: Segment | undefined;
  private nextIndex: number;
  private rotateTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private closing = new Set<Promise<void>>();
  private nextReason: SegmentOpenReason = 'start';
  private rotatePending = false;
  private readonly perfOrigin = performance.now();
  private readonly wallOrigin: number;
  readonly closedSegments: SegmentInfo[] = [];
  private vAsm: VideoFrameAssembler;
  private aOrd: AudioReorder;
  private vClock = new TrackClock(90000);
  private aClock = new TrackClock(48000);
  private vSender = new SenderClock(90000);
  private vq: QFrame[] = [];
  private aq: QFrame[] = [];
  private lastVideoPacketAt = -Infinity;
  private lastAudioPacketAt = -Infinity;
  private lastKeyframeAt = -Infinity;
  private lastKeyRequestAt = -Infinity;
  private videoHighestTs?: number;
  private audioHighestTs?: number;
  private lastVideoWrittenTime?: number;
  /** sound that came while no segment was open and a video keyframe was awaited (see route) */
  private pendingAudio: QFrame[] = [];
  private readonly video_: boolean;
  private readonly audio_: boolean;
  private readonly gapMs: number;
  private readonly keyframeIntervalMs: number;
  private codec: VideoCodecName;

  constructor(private readonly opts: RecorderOptions) {
    if (!opts.dir) throw new Error('recorder: dir is required');
    mkdirSync(opts.dir, { recursive: true });
    this.wallOrigin = (opts.now ?? Date.now)() - this.perfOrigin;
    this.nextIndex = opts.startIndex ?? lastSegmentIndex(opts.dir, opts.sessionId, opts.label) + 1;
    this.video_ = opts.tracks?.video !== false;
    this.audio_ = opts.tracks?.audio !== false;
    this.gapMs = opts.gapMs ?? 1000;
    this.keyframeIntervalMs = opts.keyframeIntervalMs ?? 2500;
    this.codec = opts.videoCodec ?? 'VP8';
    this.nextReason = opts.firstOpenReason ?? 'start';
    this.vAsm = this.newAssembler();
    this.aOrd = this.newAudio();
    this.tickTimer = setInterval(() => this.tick(), 100);
    this.tickTimer.unref();
  }

  private newAssembler(): VideoFrameAssembler {
    return new VideoFrameAssembler({
      codec: this.codec,
      repairMs: this.opts.repairMs ?? this.opts.jitterMs ?? 1000,
      onFrame: (f) => {
        const time = this.vClock.time(f.rtpTs, f.arrivalMs);
        this.videoHighestTs = Math.max(this.videoHighestTs ?? -Infinity, f.rtpTs);
        this.vq.push({ kind: 'video', data: f.data, keyframe: f.keyframe, time, rtpTs: f.rtpTs, queuedAt: this.nowMs(), width: f.width, height: f.height });
        if (f.keyframe) this.lastKeyframeAt = this.nowMs();
      },
      onKeyframeNeeded: (reason) => this.askKeyframe(reason === 'start' ? 'segment-start' : `recorder-${reason}`, reason !== 'start'),
      onGap: (g) => this.onAssemblerGap(g),
    });
  }

  private newAudio(): AudioReorder {
    return new AudioReorder((f) => {
      const time = this.aClock.time(f.rtpTs, f.arrivalMs);
      this.audioHighestTs = Math.max(this.audioHighestTs ?? -Infinity, f.rtpTs);
      this.aq.push({ kind: 'audio', data: f.data, keyframe: true, time, rtpTs: f.rtpTs, queuedAt: this.nowMs() });
    });
  }

  get segmentIndex(): number | undefined {
    return this.current?.index;
  }

  /** Assembly and loss figures of the current publisher connection (tests, stats). */
  get stats(): { video: VideoFrameAssembler['stats']; audio: AudioReorder['stats'] } {
    return { video: this.vAsm.stats, audio: this.aOrd.stats };
  }

  /** Codec of the video RTP from the next publisher connection on (the publisher may renegotiate on reconnect). */
  setVideoCodec(codec: VideoCodecName): void {
    if (codec === this.codec) return;
    this.codec = codec;
    this.reconnect();
  }

  /** Media time written in the current segment so far (ms). */
  get currentDurationMs(): number {
    const c = this.current;
    return c ? c.lastTime - c.firstTime : 0;
  }

  private nowMs(): number {
    return performance.now() - this.perfOrigin;
  }

  private wallOf(t: number): number {
    return this.wallOrigin + this.perfOrigin + t;
  }

  video(rtp: RtpPacket): void {
    if (this.stopped || !this.video_) return;
    const now = this.nowMs();
    this.lastVideoPacketAt = now;
    this.vAsm.push(rtp, now);
    this.pump();
  }

  audio(rtp: RtpPacket): void {
    if (this.stopped || !this.audio_) return;
    const now = this.nowMs();
    this.lastAudioPacketAt = now;
    this.aOrd.push(rtp, now);
    this.pump();
  }

  /** An RTCP sender report of the publisher (NTP time as the 64-bit timestamp, RTP timestamp of the same instant). */
  senderReport(kind: 'video' | 'audio', ntpTimestamp: bigint, rtpTimestamp: number): void {
    if (kind !== 'video' || this.stopped) return;
    this.vSender.report(ntpToUnixMs(ntpTimestamp), rtpTimestamp, (this.opts.now ?? Date.now)());
    const c = this.current;
    if (c && !c.sidecar.startFromSenderReport && this.firstRtpOf.get(c) !== undefined) {
      const w = this.vSender.wallOf(this.firstRtpOf.get(c)!);
      if (w !== undefined) c.restart(w);
    }
  }

  private firstRtpOf = new WeakMap<Segment, number>();

  /** Timed rotation: the next segment starts at the next keyframe (requested now). */
  rotate(): void {
    if (this.stopped || !this.current || this.rotatePending) return;
    this.rotatePending = true;
    this.askKeyframe('rotate', true);
  }

  /** Publisher reconnected (new peer, new SSRCs and clocks): close the segment now; the next keyframe opens one. */
  reconnect(): void {
    this.vAsm.flush();
    this.aOrd.flush();
    this.pump(true);
    this.closeCurrent('reconnect');
    this.nextReason = 'reconnect';
    this.vAsm = this.newAssembler();
    this.aOrd = this.newAudio();
    this.vClock.reset();
    this.aClock.reset();
    this.vSender = new SenderClock(90000);
    this.videoHighestTs = undefined;
    this.audioHighestTs = undefined;
    this.lastVideoWrittenTime = undefined;
    this.pendingAudio = [];
  }

  private askKeyframe(reason: string, urgent: boolean): void {
    const now = this.nowMs();
    if (!urgent && now - this.lastKeyRequestAt < 1000) return;
    this.lastKeyRequestAt = now;
    this.opts.requestKeyframe?.(reason);
  }

  private onAssemblerGap(g: FrameGap): void {
    const c = this.current;
    if (!c) return;
    const from = g.afterRtpTs === undefined ? c.firstTime : (this.vClock.peek(g.afterRtpTs) ?? c.firstTime);
    const to = this.vClock.peek(g.resumeRtpTs) ?? from;
    const gap: RecordingGap = { fromMs: Math.max(0, Math.round(from - c.firstTime)), toMs: Math.max(0, Math.round(to - c.firstTime)), droppedFrames: g.droppedFrames, reason: g.reason };
    c.addGap(gap);
    this.opts.onGap?.({ ...gap, sessionId: this.opts.sessionId, index: c.index, at: new Date(c.startWallMs + gap.fromMs) });
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.nowMs();
    this.vAsm.tick(now);
    this.aOrd.tick(now);
    this.pump();
    const c = this.current;
    if (c) {
      const videoIdle = !this.video_ || now - this.lastVideoPacketAt > this.gapMs;
      const audioIdle = !this.audio_ || now - this.lastAudioPacketAt > this.gapMs;
      if (videoIdle && audioIdle) {
        this.pump(true);
        this.closeCurrent('media-gap');
        this.nextReason = 'resume';
        return;
      }
    }
    if (this.video_ && now - this.lastVideoPacketAt < this.gapMs) {
      // a keyframe at least every keyframeIntervalMs while recording, and while waiting for one to (re)start
      const waiting = !c || this.rotatePending || !c.hasVideo;
      if (waiting || (this.keyframeIntervalMs > 0 && now - this.lastKeyframeAt > this.keyframeIntervalMs)) this.askKeyframe(waiting ? 'segment-start' : 'keyframe-interval', false);
    }
  }

  /** Horizon of a track: no frame earlier than this (media ms) can still come from it. */
  private horizon(kind: 'video' | 'audio'): number {
    const now = this.nowMs();
    if (kind === 'video') {
      if (!this.video_ || now - this.lastVideoPacketAt > IDLE_MS) return Infinity;
      const ts = this.vAsm.pendingTs ?? this.videoHighestTs;
      const t = ts === undefined ? undefined : this.vClock.peek(ts);
      return t ?? -Infinity;
    }
    if (!this.audio_ || now - this.lastAudioPacketAt > IDLE_MS) return Infinity;
    const ts = this.aOrd.pendingTs ?? this.audioHighestTs;
    const t = ts === undefined ? undefined : this.aClock.peek(ts);
    return t ?? -Infinity;
  }

  /** Writes queued frames in time order across tracks (the muxer drops frames that go back in time). */
  private pump(all = false): void {
    const now = this.nowMs();
    for (;;) {
      const v = this.vq[0];
      const a = this.aq[0];
      let f: QFrame | undefined;
      if (v && a) f = v.time <= a.time ? v : a;
      else if (v) f = all || v.time <= this.horizon('audio') || now - v.queuedAt > MAX_HOLD_MS ? v : undefined;
      else if (a) f = all || a.time <= this.horizon('video') || now - a.queuedAt > MAX_HOLD_MS ? a : undefined;
      if (!f) return;
      (f === v ? this.vq : this.aq).shift();
      this.route(f);
    }
  }

  private route(f: QFrame): void {
    if (f.kind === 'video') {
      if (this.current && !this.current.hasVideo) {
        // video is back after an audio-only stretch: the sound-only file ends at the keyframe a video segment opens on
        if (!f.keyframe) { this.askKeyframe('segment-start', false); return; }
        this.closeCurrent('video-resumed');
        this.nextReason = 'video-resumed';
      }
      if (f.keyframe && this.current && this.rotatePending) {
        this.rotatePending = false;
        this.closeCurrent('rotate');
        this.nextReason = 'rotate';
      }
      if (!this.current) {
        if (!f.keyframe) return; // cannot start a segment on an inter frame (a keyframe was asked for)
        this.openSegment(f);
      } else if (this.lastVideoWrittenTime !== undefined && f.time - this.lastVideoWrittenTime > this.gapMs && !this.vAsm.waiting) {
        // video stopped for a while inside the segment (audio went on): mark it
        const c = this.current;
        c.addGap({ fromMs: Math.round(this.lastVideoWrittenTime - c.firstTime), toMs: Math.round(f.time - c.firstTime), droppedFrames: 0, reason: 'no-video' });
      }
      this.lastVideoWrittenTime = f.time;
      this.current!.write(f);
      return;
    }
    if (!this.current) {
      if (this.video_ && !this.audioOnlyDue(f)) return; // a segment starts with video (keyframe requested)
      if (this.video_) {
        // no video for a while but sound goes on (the stills or audio rung, or a camera that sends none): the sound
        // is recorded in an audio-only segment, from the first frame held while waiting
        const held = this.pendingAudio;
        this.pendingAudio = [];
        this.openSegment(held[0], 'none');
        for (const h of held.slice(1)) this.current!.write(h);
        return;
      }
      this.openSegment(f);
    }
    if (f.time < this.current!.firstTime) return; // audio from before the segment's first frame
    this.current!.write(f);
  }

  /**
   * Holds a frame of sound that came with no segment open while video is expected; true when the video has been
   * silent for gapMs and the held sound spans gapMs (then it opens an audio-only segment). A session's start, a
   * reconnect or a rotation, where video follows within moments, opens on the keyframe as before.
   */
  private audioOnlyDue(f: QFrame): boolean {
    const held = this.pendingAudio;
    held.push(f);
    while (held.length > 1 && f.time - held[0].time > 2 * this.gapMs) held.shift();
    return this.nowMs() - this.lastVideoPacketAt > this.gapMs && f.time - held[0].time >= this.gapMs;
  }

  private openSegment(first: QFrame, codec: VideoCodecName | 'none' = this.video_ ? this.codec : 'none'): void {
    if (first.kind === 'video') this.pendingAudio = [];
    const fromSr = first.kind === 'video' ? this.vSender.wallOf(first.rtpTs) : undefined;
    const startWall = fromSr ?? this.wallOf(first.time);
    const seg = new Segment(this.nextIndex++, this.opts.dir, this.opts, this.nextReason, first, startWall, fromSr !== undefined, codec);
    if (first.kind === 'video') this.firstRtpOf.set(seg, first.rtpTs);
    this.current = seg;
    if (this.opts.rotateMs !== 0) {
      clearTimeout(this.rotateTimer);
      this.rotateTimer = setTimeout(() => this.rotate(), this.opts.rotateMs ?? 5 * 60_000);
      this.rotateTimer.unref();
    }
    this.opts.onSegmentOpen?.({ sessionId: this.opts.sessionId, path: seg.path, index: seg.index, startedAt: new Date(startWall), reason: this.nextReason });
  }

  private closeCurrent(reason: SegmentCloseReason): void {
    const seg = this.current;
    // a segment whose video stopped while its sound went on to the end: the stretch is marked like one in the middle
    const lastVideo = this.lastVideoWrittenTime;
    if (seg?.hasVideo && lastVideo !== undefined && seg.lastTime - lastVideo > this.gapMs) {
      seg.addGap({ fromMs: Math.round(lastVideo - seg.firstTime), toMs: Math.round(seg.lastTime - seg.firstTime), droppedFrames: 0, reason: 'no-video' });
    }
    this.current = undefined;
    this.rotatePending = false;
    this.lastVideoWrittenTime = undefined;
    clearTimeout(this.rotateTimer);
    if (!seg) return;
    const p = (async () => {
      try {
        const durationMs = await seg.close(reason);
        const start = seg.startWallMs;
        const info: SegmentInfo = {
          sessionId: this.opts.sessionId, path: seg.path, index: seg.index, startedAt: new Date(start),
          endedAt: new Date(start + (seg.lastTime - seg.firstTime)), durationMs: Math.round(durationMs),
          sha256: await sha256File(seg.path), bytes: statSync(seg.path).size, reason, openReason: seg.openReason,
          videoFrames: seg.videoFrames, keyframes: seg.keyframes, gaps: [...seg.gaps],
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
    if (!this.stopped) {
      this.vAsm.flush();
      this.aOrd.flush();
      this.pump(true);
      this.stopped = true;
      clearTimeout(this.rotateTimer);
      clearInterval(this.tickTimer);
      this.closeCurrent('stop');
    }
    while (this.closing.size) await Promise.all([...this.closing]);
    return this.closedSegments;
  }
}

/** Reads a segment's sidecar, if it has one. */
export function readSidecar(segmentPath: string): SegmentSidecar | undefined {
  try {
    const s = JSON.parse(readFileSync(sidecarPath(segmentPath), 'utf8')) as SegmentSidecar;
    return s?.version === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a segment's sidecar (after the segment is sealed elsewhere). */
export function removeSidecar(segmentPath: string): void {
  rmSync(sidecarPath(segmentPath), { force: true });
}
