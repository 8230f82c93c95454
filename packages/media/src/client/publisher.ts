// The on-site device's publisher: camera + microphone to the media node, with reconnect, camera switch and torch.
import type { ServerToClient } from '../signalling.ts';
import {
  defaultReconnectPolicy, Emitter, sendWhenReady, trickleCandidates, type ConnectionState, type ReconnectPolicy, type SignallingTransport,
} from './common.ts';
import { PublisherStatsSampler, type PublisherStats } from './stats.ts';
import { QualityLadder, RUNG_SPECS, type LadderReason, type LadderState, type Rung } from '../ladder.ts';
import { applyRung, ladderInput, opusForBadNetworks } from './ladder-sender.ts';

export interface PublisherOptions {
  transport: SignallingTransport;
  sessionId: string;
  /** video constraints; default rear camera ("environment"), 1280x720, 30 fps */
  video?: MediaTrackConstraints;
  /** audio constraints or false; default echo cancellation + noise suppression */
  audio?: MediaTrackConstraints | boolean;
  /** publish this stream instead of opening the camera (tests, canvas capture) */
  stream?: MediaStream;
  /**
   * What the encoder gives up first when bandwidth or CPU is short. Default 'balanced' (resolution and frame rate
   * both drop, as the inspector expects on a bad network); 'maintain-resolution' keeps detail (text) and drops fps.
   */
  degradationPreference?: RTCDegradationPreference;
  /** encoder ceiling (kbit/s); default 2500 */
  maxBitrateKbps?: number;
  reconnectPolicy?: ReconnectPolicy;
  /** a connection attempt that is not connected after this long is retried (ms); default 4000 */
  connectTimeoutMs?: number;
  /** a 'disconnected' connection is given this long to recover by itself (ms); default 1500 */
  disconnectGraceMs?: number;
  iceServers?: RTCIceServer[];
  /** send the offer at once and trickle candidates (default true) */
  trickle?: boolean;
  /** stats/quality events interval (ms); default 1000; 0 disables */
  statsIntervalMs?: number;
  /** also send stats to the server (default true) */
  reportStats?: boolean;
  /** override for tests */
  getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream>;
  /**
   * Two-way audio: offer the audio m-line sendrecv so the media node can send the inspector's voice (the talk
   * channel) back; it arrives as the `talk` event. Default true.
   */
  receiveTalk?: boolean;
  /**
   * The quality ladder (issue 16): the sender steps between 720p30 and audio only from what the network does. `cap`:
   * the highest rung the operator allows ("save data"); `pin`: the rung the inspector pinned. false: no ladder (the
   * browser's own adaptation only). Default on, uncapped.
   */
  ladder?: { cap?: Rung | null; pin?: Rung | null } | false;
  /** Opus DTX (default true; FEC is always asked for) */
  opusDtx?: boolean;
}

export interface PublisherEvents extends Record<string, unknown> {
  state: { state: ConnectionState; previous: ConnectionState; attempt?: number };
  quality: PublisherStats;
  stream: MediaStream;
  error: Error;
  /** server messages the app may care about (recording on/off, talker) */
  message: ServerToClient;
  /** the talk channel from the media node (the inspector's voice): play it (an <audio> element) */
  talk: MediaStream;
  /** the ladder moved to another rung (or the same rung for another reason) */
  rung: LadderState & { previous: LadderState };
}

const DEFAULT_VIDEO: MediaTrackConstraints = {
  facingMode: { ideal: 'environment' },
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

export class PublisherClient extends Emitter<PublisherEvents> {
  private pc?: RTCPeerConnection;
  private _state: ConnectionState = 'idle';
  private _stream?: MediaStream;
  private facing: 'environment' | 'user' = 'environment';
  private attempt = 0;
  private reconnectStartedAt = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private unsub: (() => void)[] = [];
  private joined = false;
  private statsTimer?: ReturnType<typeof setInterval>;
  private sampler = new PublisherStatsSampler();
  private iceServers: RTCIceServer[];
  private connectSeq = 0;
  private closed = false;
  /** the voice the inspector (or an allowed observer) sends down to this device */
  readonly talkStream = new MediaStream();
  /** the quality ladder (null when disabled) */
  readonly ladder: QualityLadder | null;

  constructor(private readonly opts: PublisherOptions) {
    super();
    this.iceServers = opts.iceServers ?? [];
    this.ladder = opts.ladder === false ? null : new QualityLadder({ cap: opts.ladder?.cap ?? null, pin: opts.ladder?.pin ?? null }, performance.now());
    this.ladder?.onChange((st, previous) => {
      void this.applyCurrentRung();
      this.emit('rung', { ...st, previous });
    });
  }

  /** the rung the ladder is on now, and why */
  get rung(): { rung: Rung; reason: LadderReason } | null {
    const c = this.ladder?.current;
    return c ? { rung: c.rung, reason: c.reason } : null;
  }

  /** The inspector pinned a rung (null: the ladder is free again). */
  setPin(rung: Rung | null): void {
    this.ladder?.setPin(rung, performance.now());
  }

  /** The operator's "save data" cap (null: off). */
  setCap(rung: Rung | null): void {
    this.ladder?.setCap(rung, performance.now());
  }

  private async applyCurrentRung(): Promise<void> {
    const s = this.videoSender();
    if (!s || !this.ladder) return;
    const track = this.videoTrack;
    await applyRung(s, this.ladder.current.rung, {
      trackHeight: track?.getSettings().height, maxKbps: this.opts.maxBitrateKbps ?? 2500, degradationPreference: this.opts.degradationPreference ?? 'balanced',
    }).catch((e) => this.emit('error', e as Error));
  }

  get state(): ConnectionState {
    return this._state;
  }

  get stream(): MediaStream | undefined {
    return this._stream;
  }

  get videoTrack(): MediaStreamTrack | undefined {
    return this._stream?.getVideoTracks()[0];
  }

  /** Opens the camera (unless a stream was given), joins the session and connects. */
  async start(): Promise<void> {
    if (this._state !== 'idle') throw new Error('publisher already started');
    this.setState('connecting');
    try {
      this._stream = this.opts.stream ?? (await this.gum({ video: this.videoConstraints(), audio: this.opts.audio ?? { echoCancellation: true, noiseSuppression: true, autoGainControl: true } }));
    } catch (e) {
      this.setState('failed');
      throw new Error(`camera/microphone unavailable: ${(e as Error).message}`);
    }
    this.emit('stream', this._stream);
    const t = this.opts.transport;
    this.unsub.push(t.onMessage((m) => void this.onMessage(m)));
    if (t.onOpen) this.unsub.push(t.onOpen(() => this.join()));
    if (t.isOpen !== false) this.join();
    const every = this.opts.statsIntervalMs ?? 1000;
    if (every > 0) this.statsTimer = setInterval(() => void this.sampleStats(), every);
  }

  /** Leaves the session and releases the camera (unless the stream was given by the caller). */
  stop(): void {
    this.closed = true;
    try {
      this.opts.transport.send({ type: 'bye' });
    } catch {
      /* transport down */
    }
    this.teardown();
    if (!this.opts.stream) this._stream?.getTracks().forEach((tr) => tr.stop());
    this.setState('closed');
  }

  /** Switches between rear and front camera (or to a given deviceId). Keeps the connection; no renegotiation. */
  async switchCamera(deviceId?: string): Promise<void> {
    const old = this.videoTrack;
    if (!old || this.opts.stream) throw new Error('no camera track to switch');
    this.facing = this.facing === 'environment' ? 'user' : 'environment';
    // stop first: many phones cannot open two cameras at once
    old.stop();
    const constraints: MediaTrackConstraints = deviceId
      ? { ...this.videoConstraints(), facingMode: undefined, deviceId: { exact: deviceId } }
      : this.videoConstraints();
    const s = await this.gum({ video: constraints, audio: false });
    const track = s.getVideoTracks()[0];
    this._stream!.removeTrack(old);
    this._stream!.addTrack(track);
    await this.videoSender()?.replaceTrack(track);
    await this.applyCurrentRung(); // the other camera may have another height
    this.emit('stream', this._stream!);
  }

  /** Whether the current camera exposes a torch (Android Chrome rear cameras mostly do). */
  torchSupported(): boolean {
    const t = this.videoTrack;
    const caps = (t?.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { torch?: boolean };
    return caps.torch === true;
  }

  async setTorch(on: boolean): Promise<boolean> {
    const t = this.videoTrack;
    if (!t || !this.torchSupported()) return false;
    await t.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
    return true;
  }

  /** Current sender parameters; exposed so the UI can show what the encoder is asked to do. */
  async setDegradationPreference(pref: RTCDegradationPreference): Promise<void> {
    this.opts.degradationPreference = pref;
    const s = this.videoSender();
    if (s) await applySenderParams(s, pref, this.opts.maxBitrateKbps ?? 2500);
    await this.applyCurrentRung();
  }

  // ------------------------------------------------------------------------------------------------

  private videoSender(): RTCRtpSender | undefined {
    return this.pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
  }

  /** What this device receives on the talk channel (inbound audio): level 0..1 and the energy played so far. */
  async talkStats(): Promise<{ audioLevel: number; totalAudioEnergy: number; packetsReceived: number; jitterBufferDelayMs?: number } | null> {
    if (!this.pc) return null;
    let out: { audioLevel: number; totalAudioEnergy: number; packetsReceived: number; jitterBufferDelayMs?: number } | null = null;
    (await this.pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out = {
          audioLevel: r.audioLevel ?? 0, totalAudioEnergy: r.totalAudioEnergy ?? 0, packetsReceived: r.packetsReceived ?? 0,
          jitterBufferDelayMs: r.jitterBufferEmittedCount ? Math.round((1000 * r.jitterBufferDelay) / r.jitterBufferEmittedCount) : undefined,
        };
      }
    });
    return out;
  }

  private videoConstraints(): MediaTrackConstraints {
    return { ...DEFAULT_VIDEO, ...this.opts.video, ...(this.opts.video?.facingMode ? {} : { facingMode: { ideal: this.facing } }) };
  }

  private gum(c: MediaStreamConstraints): Promise<MediaStream> {
    return (this.opts.getUserMedia ?? ((x) => navigator.mediaDevices.getUserMedia(x)))(c);
  }

  private setState(state: ConnectionState): void {
    if (state === this._state) return;
    const previous = this._state;
    this._state = state;
    this.emit('state', { state, previous, attempt: this.attempt || undefined });
  }

  private join(): void {
    if (this.closed) return;
    this.joined = false;
    this.opts.transport.send({ type: 'join', sessionId: this.opts.sessionId, role: 'publisher' });
  }

  private async onMessage(m: ServerToClient): Promise<void> {
    if (this.closed) return;
    this.emit('message', m);
    switch (m.type) {
      case 'joined':
        if (m.role !== 'publisher') return;
        if (m.iceServers?.length && !this.opts.iceServers) this.iceServers = m.iceServers;
        this.joined = true;
        // (re)joined on a new socket: negotiate unless media still flows (the node kept our peer connection)
        if (this.pc?.connectionState !== 'connected') void this.connect();
        return;
      case 'answer':
        if (!this.pc || this.pc.signalingState !== 'have-local-offer') return;
        try {
          await this.pc.setRemoteDescription({ type: 'answer', sdp: opusForBadNetworks(m.sdp, { dtx: this.opts.opusDtx }) });
        } catch (e) {
          this.emit('error', e as Error);
          this.scheduleReconnect();
        }
        return;
      case 'error':
        this.emit('error', new Error(`${m.code}: ${m.message}`));
        if (m.code === 'node_changed') {
          // the session moved to another media node (the old one died): a new connection there, at once
          this.dropPc();
          this.setState('reconnecting');
          this.join();
        } else if (m.code === 'not_joined' || m.code === 'unknown_session') this.join();
        return;
      case 'bye':
        if (/replaced/.test(m.reason)) return; // an older socket of ours
        this.teardown();
        this.setState('closed');
        return;
    }
  }

  private async connect(): Promise<void> {
    if (this.closed || !this._stream) return;
    const seq = ++this.connectSeq;
    this.clearTimers();
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
    }
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    const video = this._stream.getVideoTracks()[0];
    const audio = this._stream.getAudioTracks()[0];
    const maxKbps = this.opts.maxBitrateKbps ?? 2500;
    if (video) {
      const tx = pc.addTransceiver(video, { direction: 'sendonly', streams: [this._stream], sendEncodings: [{ maxBitrate: maxKbps * 1000 }] });
      await applySenderParams(tx.sender, this.opts.degradationPreference ?? 'balanced', maxKbps).catch(() => {});
      if (this.ladder) await this.applyCurrentRung();
    }
    if (audio || this.opts.receiveTalk !== false) {
      const tx = audio
        ? pc.addTransceiver(audio, { direction: this.opts.receiveTalk === false ? 'sendonly' : 'sendrecv', streams: [this._stream] })
        : pc.addTransceiver('audio', { direction: 'recvonly' });
      // audio first: Opus in-band FEC is on by default in Chrome; give audio high network priority
      const p = tx.sender.getParameters();
      if (p.encodings?.[0]) {
        (p.encodings[0] as RTCRtpEncodingParameters & { networkPriority?: string }).networkPriority = 'high';
        p.encodings[0].priority = 'high';
        await tx.sender.setParameters(p).catch(() => {});
      }
    }
    pc.ontrack = (ev) => {
      if (this.pc !== pc || ev.track.kind !== 'audio') return;
      for (const old of this.talkStream.getTracks()) this.talkStream.removeTrack(old);
      this.talkStream.addTrack(ev.track);
      this.emit('talk', this.talkStream);
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const s = pc.connectionState;
      if (s === 'connected') {
        this.ladder?.resume(performance.now());
        this.attempt = 0;
        this.clearTimers();
        this.setState('connected');
      } else if (s === 'failed') this.scheduleReconnect();
      else if (s === 'disconnected') {
        this.setState('reconnecting');
        this.later(() => {
          if (this.pc === pc && pc.connectionState !== 'connected') this.scheduleReconnect();
        }, this.opts.disconnectGraceMs ?? 1500);
      }
    };
    const current = () => this.pc === pc && seq === this.connectSeq && !this.closed;
    const trickle = this.opts.trickle ?? true;
    if (trickle) trickleCandidates(pc, this.opts.transport, current);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await sendWhenReady(pc, this.opts.transport, 'offer', trickle, current);
    if (!current()) return;
    // watchdog: not connected in time → next attempt
    this.later(() => {
      if (this.pc === pc && pc.connectionState !== 'connected') this.scheduleReconnect();
    }, this.opts.connectTimeoutMs ?? 4000);
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    if (this.attempt === 0) this.reconnectStartedAt = Date.now();
    this.attempt++;
    const delay = (this.opts.reconnectPolicy ?? defaultReconnectPolicy)(this.attempt, Date.now() - this.reconnectStartedAt);
    this.clearTimers();
    if (delay === null) {
      this.setState('failed');
      return;
    }
    this.setState(this._state === 'connecting' && this.attempt === 1 ? 'connecting' : 'reconnecting');
    this.later(() => {
      if (this.joined && this.opts.transport.isOpen !== false) void this.connect();
      else this.join(); // joined → connect
      // if nothing answers, try again
      this.later(() => {
        if (this.pc?.connectionState !== 'connected') this.scheduleReconnect();
      }, (this.opts.connectTimeoutMs ?? 4000) + 500);
    }, delay);
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private dropPc(): void {
    this.clearTimers();
    if (!this.pc) return;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.pc = undefined;
  }

  private teardown(): void {
    this.clearTimers();
    clearInterval(this.statsTimer);
    this.unsub.forEach((u) => u());
    this.unsub = [];
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
      this.pc = undefined;
    }
  }

  private async sampleStats(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const s = this.sampler.sample(await pc.getStats(), pc.connectionState === 'connected');
    this.emit('quality', s);
    // the ladder hears every sample; while the video encoding is off, its (stale) video figures are not used
    if (this.ladder) {
      const r = this.ladder.current.rung;
      const x = ladderInput(s, r, performance.now());
      this.ladder.update(RUNG_SPECS[r].video ? x : { ...x, bandwidthLimited: false, stalled: false });
    }
    const rung = this.ladder?.current;
    if (this.opts.reportStats !== false && pc.connectionState === 'connected') {
      this.opts.transport.send({
        type: 'stats',
        stats: { bitrateKbps: s.bitrateKbps, rttMs: s.rttMs, packetLossPct: s.packetLossPct, jitterMs: s.jitterMs, fps: s.fps, width: s.width, height: s.height, qualityLimitation: s.qualityLimitation, transport: s.transport,
          ...(rung ? { rung: rung.rung, rungReason: rung.reason.code, ...(rung.reason.value !== undefined ? { rungValue: rung.reason.value } : {}) } : {}) },
      });
    }
  }
}

async function applySenderParams(sender: RTCRtpSender, pref: RTCDegradationPreference, maxKbps: number): Promise<void> {
  const p = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: RTCDegradationPreference };
  p.degradationPreference = pref;
  if (p.encodings?.[0]) p.encodings[0].maxBitrate = maxKbps * 1000;
  await sender.setParameters(p);
}
