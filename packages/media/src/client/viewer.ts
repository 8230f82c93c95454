// Inspector / observer side: receives the relayed stream from the media node and reports getStats figures.
import type { PublisherState, ServerToClient } from '../signalling.ts';
import {
  defaultReconnectPolicy, Emitter, sendWhenReady, trickleCandidates, type ConnectionState, type ReconnectPolicy, type SignallingTransport,
} from './common.ts';
import { ViewerStatsSampler, type ViewerStats } from './stats.ts';

export interface ViewerOptions {
  transport: SignallingTransport;
  sessionId: string;
  /** attach the stream to this element (autoplay, playsInline are set) */
  videoElement?: HTMLVideoElement;
  /** stats interval (ms); default 1000; 0 disables */
  statsIntervalMs?: number;
  reportStats?: boolean;
  reconnectPolicy?: ReconnectPolicy;
  iceServers?: RTCIceServer[];
  /** send the answer at once and trickle candidates (default true; the node also learns addresses from ICE checks) */
  trickle?: boolean;
  /** microphone constraints for talking to the device; default echo cancellation, noise suppression, auto gain */
  talkAudio?: MediaTrackConstraints;
  /** override for tests */
  getUserMedia?: (c: MediaStreamConstraints) => Promise<MediaStream>;
}

export interface ViewerEvents extends Record<string, unknown> {
  state: { state: ConnectionState; previous: ConnectionState };
  stream: MediaStream;
  /** first decoded video frame, ms after join() was sent (or after a restart) */
  firstFrame: { ms: number };
  stats: ViewerStats;
  publisher: PublisherState;
  recording: { state: 'on' | 'off'; segmentIndex: number };
  error: Error;
  /** the talk channel: other viewers' voice to the device (e.g. the inspector, heard by observers) */
  talk: MediaStream;
  /** who holds the talk channel (peer id; compare with `peerId`), or null */
  talker: { peerId: string | null };
  /** this viewer's own talking state (after startTalking / stopTalking) */
  talking: { on: boolean };
}

export class ViewerClient extends Emitter<ViewerEvents> {
  private pc?: RTCPeerConnection;
  private _state: ConnectionState = 'idle';
  private unsub: (() => void)[] = [];
  private sampler = new ViewerStatsSampler();
  private statsTimer?: ReturnType<typeof setInterval>;
  private joinSentAt = 0;
  private firstFrameSeen = false;
  private attempt = 0;
  private reconnectStartedAt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private iceServers: RTCIceServer[];
  private closed = false;
  readonly stream = new MediaStream();
  /** what others say on the talk channel (not our own voice) */
  readonly talkStream = new MediaStream();
  publisherState: PublisherState = 'absent';
  /** our peer id in the room (from `joined`) */
  peerId: string | null = null;
  private mic?: MediaStreamTrack;
  private _talking = false;

  constructor(private readonly opts: ViewerOptions) {
    super();
    this.iceServers = opts.iceServers ?? [];
  }

  get state(): ConnectionState {
    return this._state;
  }

  start(): void {
    if (this._state !== 'idle') throw new Error('viewer already started');
    this.setState('connecting');
    const t = this.opts.transport;
    this.unsub.push(t.onMessage((m) => void this.onMessage(m)));
    if (t.onOpen) this.unsub.push(t.onOpen(() => this.join()));
    if (t.isOpen !== false) this.join();
    const v = this.opts.videoElement;
    if (v) {
      v.autoplay = true;
      v.playsInline = true;
      v.srcObject = this.stream;
    }
    const every = this.opts.statsIntervalMs ?? 1000;
    if (every > 0) this.statsTimer = setInterval(() => void this.sampleStats(), every);
  }

  get talking(): boolean {
    return this._talking;
  }

  /** The microphone track while talking (for a local level meter). */
  get micTrack(): MediaStreamTrack | undefined {
    return this.mic;
  }

  /**
   * Talk to the device (unmute, or push-to-talk pressed): opens the microphone once (echo cancellation and noise
   * suppression on), sends it on the talk channel and asks the node for the floor. The app decides who may talk.
   */
  async startTalking(): Promise<void> {
    if (this.closed) return;
    if (!this.mic || this.mic.readyState === 'ended') {
      const gum = this.opts.getUserMedia ?? ((c) => navigator.mediaDevices.getUserMedia(c));
      const s = await gum({ audio: this.opts.talkAudio ?? { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
      this.mic = s.getAudioTracks()[0];
    }
    this.mic.enabled = true;
    await this.talkSender()?.replaceTrack(this.mic);
    this._talking = true;
    this.opts.transport.send({ type: 'talk', on: true });
    this.emit('talking', { on: true });
  }

  /** Stop talking (mute, or push-to-talk released): the track stays open (no new permission prompt next time). */
  stopTalking(): void {
    if (this.mic) this.mic.enabled = false;
    if (this._talking) this.opts.transport.send({ type: 'talk', on: false });
    this._talking = false;
    this.emit('talking', { on: false });
  }

  private talkSender(): RTCRtpSender | undefined {
    const t = this.pc?.getTransceivers()[2];
    return t && t.receiver.track.kind === 'audio' ? t.sender : undefined;
  }

  stop(): void {
    this.closed = true;
    this.mic?.stop();
    try {
      this.opts.transport.send({ type: 'bye' });
    } catch {
      /* transport down */
    }
    clearInterval(this.statsTimer);
    clearTimeout(this.retryTimer);
    this.unsub.forEach((u) => u());
    this.pc?.close();
    this.pc = undefined;
    this.setState('closed');
  }

  /** Current stats once (also emitted every statsIntervalMs). */
  async getStats(): Promise<ViewerStats | undefined> {
    if (!this.pc) return undefined;
    return this.sampler.sample(await this.pc.getStats());
  }

  private setState(state: ConnectionState): void {
    if (state === this._state) return;
    const previous = this._state;
    this._state = state;
    this.emit('state', { state, previous });
  }

  private join(): void {
    if (this.closed) return;
    this.joinSentAt = performance.now();
    this.firstFrameSeen = false;
    this.opts.transport.send({ type: 'join', sessionId: this.opts.sessionId, role: 'viewer' });
  }

  private async onMessage(m: ServerToClient): Promise<void> {
    if (this.closed) return;
    switch (m.type) {
      case 'joined':
        if (m.iceServers?.length && !this.opts.iceServers) this.iceServers = m.iceServers;
        this.peerId = m.peerId;
        this.publisherState = m.publisher;
        this.emit('publisher', m.publisher);
        return;
      case 'offer':
        await this.answer(m.sdp).catch((e) => {
          this.emit('error', e as Error);
          this.scheduleRestart();
        });
        return;
      case 'publisher':
        this.publisherState = m.state;
        this.emit('publisher', m.state);
        return;
      case 'recording':
        this.emit('recording', { state: m.state, segmentIndex: m.segmentIndex });
        return;
      case 'talker':
        this.emit('talker', { peerId: m.peerId });
        return;
      case 'error':
        this.emit('error', new Error(`${m.code}: ${m.message}`));
        // the session moved to another media node (node_changed), or a restart reached a node that does not know
        // this viewer (not_joined): join there; its offer follows
        if (m.code === 'node_changed' || m.code === 'not_joined') {
          clearTimeout(this.retryTimer);
          if (this.pc) {
            this.pc.onconnectionstatechange = null;
            this.pc.close();
            this.pc = undefined;
          }
          this.setState('reconnecting');
          this.join();
        }
        return;
      case 'bye':
        this.stop();
        return;
    }
  }

  /** What this viewer receives: the device's audio and the talk channel (levels 0..1, cumulative energy). */
  async audioStats(): Promise<{ device?: { audioLevel: number; totalAudioEnergy: number }; talk?: { audioLevel: number; totalAudioEnergy: number } }> {
    const out: { device?: { audioLevel: number; totalAudioEnergy: number }; talk?: { audioLevel: number; totalAudioEnergy: number } } = {};
    const pc = this.pc;
    if (!pc) return out;
    const mids = pc.getTransceivers().map((t) => t.mid);
    (await pc.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp' || r.kind !== 'audio') return;
      const v = { audioLevel: r.audioLevel ?? 0, totalAudioEnergy: r.totalAudioEnergy ?? 0 };
      if (r.mid !== undefined && r.mid === mids[2]) out.talk = v;
      else out.device = v;
    });
    return out;
  }

  private async answer(sdp: string): Promise<void> {
    if (this.pc) {
      this.pc.onconnectionstatechange = null;
      this.pc.close();
    }
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.ontrack = (ev) => {
      // m-lines: 0 video, 1 the device's audio, 2 the talk channel (sendrecv)
      if (pc.getTransceivers().indexOf(ev.transceiver) === 2) {
        for (const old of this.talkStream.getTracks()) this.talkStream.removeTrack(old);
        this.talkStream.addTrack(ev.track);
        this.emit('talk', this.talkStream);
        return;
      }
      for (const old of this.stream.getTracks()) if (old.kind === ev.track.kind) this.stream.removeTrack(old);
      this.stream.addTrack(ev.track);
      this.emit('stream', this.stream);
      if (ev.track.kind === 'video') this.watchFirstFrame(pc);
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      const s = pc.connectionState;
      if (s === 'connected') {
        this.attempt = 0;
        this.setState('connected');
      } else if (s === 'failed') this.scheduleRestart();
      else if (s === 'disconnected') {
        this.setState('reconnecting');
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          if (this.pc === pc && pc.connectionState !== 'connected') this.scheduleRestart();
        }, 2000);
      }
    };
    const trickle = this.opts.trickle ?? true;
    if (trickle) trickleCandidates(pc, this.opts.transport, () => this.pc === pc);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const talk = pc.getTransceivers()[2];
    if (talk && talk.receiver.track.kind === 'audio') {
      talk.direction = 'sendrecv';
      if (this.mic && this._talking) await talk.sender.replaceTrack(this.mic);
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await sendWhenReady(pc, this.opts.transport, 'answer', trickle, () => this.pc === pc);
  }

  /** Polls framesDecoded quickly until the first frame (cheap; stops at the first frame). */
  private watchFirstFrame(pc: RTCPeerConnection): void {
    if (this.firstFrameSeen) return;
    const tick = async () => {
      if (this.pc !== pc || this.firstFrameSeen || this.closed) return;
      let decoded = 0;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') decoded = s.framesDecoded ?? 0;
      });
      if (decoded > 0) {
        this.firstFrameSeen = true;
        this.emit('firstFrame', { ms: Math.round(performance.now() - this.joinSentAt) });
      } else setTimeout(tick, 20);
    };
    void tick();
  }

  private scheduleRestart(): void {
    if (this.closed) return;
    if (this.attempt === 0) this.reconnectStartedAt = Date.now();
    this.attempt++;
    const delay = (this.opts.reconnectPolicy ?? defaultReconnectPolicy)(this.attempt, Date.now() - this.reconnectStartedAt);
    clearTimeout(this.retryTimer);
    if (delay === null) {
      this.setState('failed');
      return;
    }
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.joinSentAt = performance.now();
      this.firstFrameSeen = false;
      this.opts.transport.send({ type: 'restart' });
      this.retryTimer = setTimeout(() => {
        if (this.pc?.connectionState !== 'connected') this.scheduleRestart();
      }, 5000);
    }, delay);
  }

  private async sampleStats(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const s = this.sampler.sample(await pc.getStats());
    this.emit('stats', s);
    if (this.opts.reportStats && pc.connectionState === 'connected') {
      this.opts.transport.send({
        type: 'stats',
        stats: { bitrateKbps: s.bitrateKbps, rttMs: s.rttMs, packetLossPct: s.packetLossPct, jitterMs: s.jitterMs, fps: s.fps, width: s.width, height: s.height, freezeCount: s.freezeCount, transport: s.transport },
      });
    }
  }
}
