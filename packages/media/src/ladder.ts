// The quality ladder of a live session (issue 16): which picture the device sends, from what the network really does.
// 720p30 → 540p30 → 360p30 → 180p15 → audio + full-resolution stills (uploaded over HTTP) → audio only.
// Audio is never given up: it is protected first (Opus FEC, high priority) and every rung keeps it.
//
// Inputs are the publisher's getStats figures once a second: loss the media node reports (RTCP receiver reports),
// round-trip time, the browser's available outgoing bitrate (its congestion controller, fed by our transport-wide
// feedback), whether the encoder is held back by bandwidth, and whether the sent picture stalls.
//
// Hysteresis, so it does not flap: a rung is left downwards only after its limits were broken for `downAfterMs`
// (2 s: fast), and to the rung that the current figures can carry (several rungs at once on a collapse); upwards one
// rung at a time, only after `upHoldMs` (8 s) without a bad sample, and a step up that fails within a short while
// (the network could not carry it) doubles the wait before that rung is tried again (up to 64 s).
// Why a tried step rather than "available ≥ what the next rung needs": a sender that is held at a low rung sends
// little, and Chrome's estimate does not grow past ~1.5x what is really sent (application-limited), so the figure
// for the next rung only appears once the next rung is tried; Chrome's encoder never sends above its estimate, so a
// try costs resolution, not congestion.
// Pure and DOM-free: unit-tested with made-up figures, used by the camera page through the publisher client.

export const RUNGS = ['720p30', '540p30', '360p30', '180p15', 'stills', 'audio'] as const;
export type Rung = (typeof RUNGS)[number];

export interface RungSpec {
  /** video is sent (false: audio only on the media path; stills go over HTTP on the stills rung) */
  video: boolean;
  /** the picture height aimed for (the camera's own is scaled down by setParameters, never up) */
  height?: number;
  maxFps?: number;
  /** the encoder's ceiling */
  maxKbps?: number;
  /** the available outgoing bitrate this rung needs to stay (below it for downAfterMs: step down) */
  needKbps: number;
  /** loss (%, smoothed) that makes this rung step down */
  lossDownPct: number;
  /** round-trip time (ms, smoothed) that makes this rung step down */
  rttDownMs: number;
  /** full-resolution stills every N ms while on this rung */
  stillEveryMs?: number;
}

/**
 * The rungs. Loss limits follow the steps proposed in jitsi-meet#16689 (720p above 2-3 % loss, 180p above 5 %, no video
 * above ~15 %), shifted up a little because NACK retransmission repairs most of a few per cent; the bitrates are what
 * VP8 needs for a readable picture at that size (a container number at 180p15 is legible from ~100 kbit/s); an audio
 * stream with Opus FEC is ~40 kbit/s, so the stills rung needs a little more than that to also move its photos.
 */
export const RUNG_SPECS: Record<Rung, RungSpec> = {
  '720p30': { video: true, height: 720, maxFps: 30, maxKbps: 2500, needKbps: 1200, lossDownPct: 3, rttDownMs: 400 },
  '540p30': { video: true, height: 540, maxFps: 30, maxKbps: 1300, needKbps: 650, lossDownPct: 4, rttDownMs: 500 },
  '360p30': { video: true, height: 360, maxFps: 30, maxKbps: 700, needKbps: 330, lossDownPct: 6, rttDownMs: 700 },
  '180p15': { video: true, height: 180, maxFps: 15, maxKbps: 170, needKbps: 95, lossDownPct: 12, rttDownMs: 1200 },
  stills: { video: false, needKbps: 45, lossDownPct: 30, rttDownMs: 2500, stillEveryMs: 5000 },
  audio: { video: false, needKbps: 0, lossDownPct: Infinity, rttDownMs: Infinity },
};

export const rungIndex = (r: Rung): number => RUNGS.indexOf(r);
export const isRung = (v: unknown): v is Rung => typeof v === 'string' && (RUNGS as readonly string[]).includes(v);
/** The lower (worse) of two rungs. */
export const lowerOf = (a: Rung, b: Rung): Rung => (rungIndex(a) >= rungIndex(b) ? a : b);

/** Why the ladder is where it is: shown on both sides in words (en, zh-CN) and put on the timeline. */
export type LadderReasonCode =
  | 'start' | 'loss' | 'rtt' | 'bandwidth' | 'stalled' | 'recovered' | 'pinned' | 'unpinned' | 'save_data';
export interface LadderReason {
  code: LadderReasonCode;
  /** the figure that decided it (loss %, RTT ms, kbit/s), when there is one */
  value?: number;
}

export interface LadderInput {
  /** ms (any monotonic clock) */
  at: number;
  /** media connected: samples while not connected do not move the ladder (a cut is not a bad network) */
  connected: boolean;
  lossPct?: number | null;
  rttMs?: number | null;
  availableKbps?: number | null;
  /** the encoder says bandwidth holds it back (qualityLimitationReason 'bandwidth') */
  bandwidthLimited?: boolean;
  /** the picture stalls: video frames sent well below what the rung asks (sender side) or freezes at the receiver */
  stalled?: boolean;
}

export interface LadderState {
  rung: Rung;
  reason: LadderReason;
  /** when the rung was entered (the input clock) */
  since: number;
}

export interface LadderOptions {
  start?: Rung;
  /** highest rung allowed by the operator ("save data" before joining) */
  cap?: Rung | null;
  /** highest rung allowed by the inspector (pinned, e.g. "stills only") */
  pin?: Rung | null;
  downAfterMs?: number;
  upHoldMs?: number;
  maxUpHoldMs?: number;
  /** after any change, bandwidth figures are trusted only after this long (the estimate needs time to follow) */
  settleMs?: number;
  /** smoothing of loss and RTT (weight of the newest sample) */
  alpha?: number;
}

/** The rung "save data" allows at most: 360p (≈0.7 Mbit/s at most instead of 2.5). */
export const SAVE_DATA_CAP: Rung = '360p30';

export class QualityLadder {
  private state: LadderState;
  private cap: Rung | null;
  private pin: Rung | null;
  private readonly o: Required<Omit<LadderOptions, 'start' | 'cap' | 'pin'>>;
  private loss: number | null = null;
  private rtt: number | null = null;
  private badSince: number | null = null;
  private badReason: LadderReason | null = null;
  private goodSince: number | null = null;
  private lastUp: { from: Rung; at: number } | null = null;
  /** failed tries per rung (a try of rung r that fell back soon): doubles the hold before trying r again */
  private failures = new Map<Rung, number>();
  /** bandwidth and stall figures are trusted settleMs after this (a change of rung, or the media (re)connecting) */
  private settleFrom = 0;
  private listeners = new Set<(s: LadderState, previous: LadderState) => void>();

  constructor(opts: LadderOptions = {}, now = 0) {
    this.o = {
      downAfterMs: opts.downAfterMs ?? 2000, upHoldMs: opts.upHoldMs ?? 8000, maxUpHoldMs: opts.maxUpHoldMs ?? 64_000,
      settleMs: opts.settleMs ?? 4000, alpha: opts.alpha ?? 0.4,
    };
    this.cap = opts.cap ?? null;
    this.pin = opts.pin ?? null;
    const ceiling = this.ceiling();
    const start = lowerOf(opts.start ?? '720p30', ceiling);
    this.state = { rung: start, reason: { code: this.pin && start === this.pin ? 'pinned' : this.cap && start === this.cap ? 'save_data' : 'start' }, since: now };
  }

  get current(): LadderState {
    return { ...this.state, reason: { ...this.state.reason } };
  }

  /** the rung nothing above which is allowed now (pin and cap) */
  ceiling(): Rung {
    let c: Rung = RUNGS[0];
    if (this.cap) c = lowerOf(c, this.cap);
    if (this.pin) c = lowerOf(c, this.pin);
    return c;
  }

  onChange(fn: (s: LadderState, previous: LadderState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * The inspector pins a rung (null: free again): the ladder goes there at once and never above it; below a video pin
   * it still steps down when the network cannot carry it, a stills or audio pin is held exactly.
   */
  setPin(pin: Rung | null, now: number): LadderState {
    this.pin = pin;
    if (pin) this.move(pin, { code: 'pinned' }, now);
    else this.resetCounters(now);
    if (!pin && this.state.reason.code === 'pinned') this.state = { ...this.state, reason: { code: 'unpinned' } };
    return this.current;
  }

  /**
   * The media (re)connected: the browser's estimate and the encoder start again from scratch, so their figures are
   * given settleMs before they may move the ladder (a slow first second is no reason to leave 720p).
   */
  resume(now: number): void {
    this.settleFrom = now;
    this.resetCounters(now);
  }

  /** The operator's "save data" (a cap) on or off. */
  setCap(cap: Rung | null, now: number): LadderState {
    this.cap = cap;
    if (cap && rungIndex(this.state.rung) < rungIndex(cap)) this.move(cap, { code: 'save_data' }, now);
    return this.current;
  }

  /** One sample (about once a second). Returns the state after it; `onChange` listeners hear of a change. */
  update(x: LadderInput): LadderState {
    if (!x.connected) {
      // no figures during a cut: neither a reason to go down nor a stable period to go up
      this.badSince = null;
      this.goodSince = null;
      return this.current;
    }
    const a = this.o.alpha;
    if (typeof x.lossPct === 'number' && Number.isFinite(x.lossPct)) this.loss = this.loss === null ? x.lossPct : a * x.lossPct + (1 - a) * this.loss;
    if (typeof x.rttMs === 'number' && Number.isFinite(x.rttMs)) this.rtt = this.rtt === null ? x.rttMs : a * x.rttMs + (1 - a) * this.rtt;
    const avail = typeof x.availableKbps === 'number' && Number.isFinite(x.availableKbps) ? x.availableKbps : null;
    const settled = x.at - Math.max(this.state.since, this.settleFrom) >= this.o.settleMs;
    const r = this.state.rung;
    const bad = this.breaks(r, { avail, settled, stalled: !!x.stalled, limited: !!x.bandwidthLimited });

    // a pin of a rung with no video (stills only, audio only) is exactly that rung: nothing to step down to that helps
    if (bad && !(this.pin && !RUNG_SPECS[this.pin].video && r === this.pin)) {
      this.goodSince = null;
      this.badSince ??= x.at;
      this.badReason = bad;
      if (x.at - this.badSince >= this.o.downAfterMs && r !== 'audio') {
        // the highest lower rung the figures carry (at least one step down)
        let target = RUNGS[rungIndex(r) + 1];
        while (target !== 'audio' && this.breaks(target, { avail, settled: true, stalled: false, limited: true })) target = RUNGS[rungIndex(target) + 1];
        if (this.pin && !RUNG_SPECS[this.pin].video && rungIndex(target) > rungIndex(this.pin) && this.pin !== 'audio') target = this.pin;
        // a try that fell back soon: the next try of that rung waits longer
        if (this.lastUp && this.lastUp.from === target && x.at - this.lastUp.at < this.o.upHoldMs * 1.5) {
          this.failures.set(r, Math.min(6, (this.failures.get(r) ?? 0) + 1));
        }
        this.move(target, bad, x.at);
      }
      return this.current;
    }
    this.badSince = null;
    this.badReason = null;
    this.goodSince ??= x.at;
    // a rung held for a good while after a step up: its failed tries are forgiven
    if (this.lastUp && this.lastUp.from !== r && x.at - this.state.since >= 30_000) this.failures.delete(r);

    const up = rungIndex(r) > rungIndex(this.ceiling()) ? RUNGS[rungIndex(r) - 1] : null;
    if (!up) return this.current;
    const hold = Math.min(this.o.maxUpHoldMs, this.o.upHoldMs * 2 ** (this.failures.get(up) ?? 0));
    if (x.at - this.goodSince < hold || x.at - this.state.since < hold) return this.current;
    // room to try: the network is clean for the rung above, and the encoder is not already held back by bandwidth
    // (the estimate itself cannot show room a low rung never uses: see the top of this file)
    const s = RUNG_SPECS[up];
    const clean = (this.loss ?? 0) < s.lossDownPct / 2 && (this.rtt ?? 0) < s.rttDownMs * 0.7;
    // (seen on the weak link: a try of 360p every 8-16 s cost frames) — so a try wants the estimate near the rung above,
    // or clearly above what this rung may send; after four holds clean it is tried anyway (a static shot sends little,
    // and its estimate never shows the room)
    const longClean = x.at - this.goodSince >= hold * 4 && x.at - this.state.since >= hold * 4;
    const room = avail === null || avail >= s.needKbps * 0.8 || (!x.bandwidthLimited && avail >= (RUNG_SPECS[r].maxKbps ?? 0) * 1.25) || longClean;
    if (clean && room) {
      this.lastUp = { from: r, at: x.at };
      this.move(up, { code: 'recovered', ...(avail !== null ? { value: Math.round(avail) } : {}) }, x.at);
    }
    return this.current;
  }

  /** The first limit of rung `r` the figures break, or null. */
  private breaks(r: Rung, f: { avail: number | null; settled: boolean; stalled: boolean; limited: boolean }): LadderReason | null {
    const s = RUNG_SPECS[r];
    // a low estimate alone is no reason: a static shot on a perfect link sends little and the estimate stays low
    // (issue 12); it counts when the encoder says bandwidth holds it back, or on rungs without video
    if (this.loss !== null && this.loss >= s.lossDownPct) return { code: 'loss', value: Math.round(this.loss * 10) / 10 };
    if (this.rtt !== null && this.rtt >= s.rttDownMs) return { code: 'rtt', value: Math.round(this.rtt) };
    if (f.settled && f.avail !== null && f.avail < s.needKbps && (f.limited || !s.video)) return { code: 'bandwidth', value: Math.round(f.avail) };
    if (f.settled && f.stalled && s.video) return { code: 'stalled' };
    return null;
  }

  private resetCounters(now: number): void {
    this.badSince = null;
    this.badReason = null;
    this.goodSince = now;
  }

  private move(rung: Rung, reason: LadderReason, now: number): void {
    const previous = this.current;
    this.resetCounters(now);
    if (rung === this.state.rung && reason.code === this.state.reason.code) return;
    this.state = { rung, reason, since: rung === this.state.rung ? this.state.since : now };
    if (rung !== previous.rung || reason.code !== previous.reason.code) for (const fn of this.listeners) fn(this.current, previous);
  }
}
