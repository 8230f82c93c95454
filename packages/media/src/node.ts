// MediaNode: a werift-based selective forwarding + recording node. Rooms are keyed by session id; one publisher
// (the on-site device: audio + video) and any number of viewers (inspector, observers) per room. The node offers
// sendonly tracks to viewers and relays the publisher's RTP to them; media never flows peer-to-peer.
// Transport-agnostic: `handle(peerId, message)` returns the direct responses; unsolicited messages (publisher state,
// recording state) go through `options.send`.

import { randomBytes } from 'node:crypto';
import {
  MediaStreamTrack, RTCPeerConnection, RtcpSrPacket, type RTCRtpTransceiver, type RtpPacket,
  useNACK, usePLI, useSdesMid, useTWCC, useTransportWideCC, useOPUS, useVP8, useH264,
} from 'werift';
import { NackGenerator } from './nack.ts';
import { SessionRecorder, lastSegmentIndex, type RecordingGap, type SegmentInfo, type SegmentOpenInfo } from './recorder.ts';
import { addVideoBitrateHints, countMedia, type BitrateHints } from './sdp.ts';
import {
  parseClientMessage, SignallingError, type ClientStatsReport, type ClientToServer, type PeerRole, type PublisherState,
  type ServerToClient,
} from './signalling.ts';
import { TwccFeedbackGenerator } from './twcc.ts';

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface MediaNodeOptions {
  /** STUN/TURN servers for the server's peers. Default none (host candidates only; no public STUN). */
  iceServers?: IceServer[];
  /** ICE servers handed to clients in `joined` (default: iceServers). */
  clientIceServers?: IceServer[];
  /** UDP port range for ICE, e.g. [40000, 40999] (firewall rules). */
  icePortRange?: [number, number];
  /** extra host addresses to advertise (e.g. the public IP behind 1:1 NAT) */
  iceAdditionalHostAddresses?: string[];
  /** offer/accept H264 (constrained baseline, packetization-mode 1) after VP8. Default false. */
  h264?: boolean;
  /**
   * Bandwidth estimation feedback to the publisher: 'twcc' (our transport-wide CC feedback, default; Chrome adapts
   * send rate, resolution and frame rate to the real path) or 'none' (no feedback: Chrome ramps by loss only).
   */
  bwe?: 'twcc' | 'none';
  /** x-google bitrate hints in the publisher's answer (kbit/s). Default start 1000, min 100, max 2500. */
  bitrate?: Partial<BitrateHints>;
  /**
   * Record each room's publisher. `false` to disable. `repairMs`: how long a lost video packet is waited for
   * (retransmission) before the recorder skips to the next keyframe; `keyframeIntervalMs`: longest time between
   * recorded keyframes (a keyframe is requested when it passes; default 3000).
   */
  recording?: false | { dir: string; rotateMinutes?: number; gapMs?: number; repairMs?: number; keyframeIntervalMs?: number; /** @deprecated */ jitterMs?: number };
  /** Unsolicited messages to a peer. */
  send?: (peerId: string, message: ServerToClient) => void;
  onSegmentOpen?: (s: SegmentOpenInfo) => void;
  onSegmentClose?: (s: SegmentInfo) => void;
  /** a break in a recording's video (lost packets, a truncated frame) was skipped to the next keyframe */
  onRecordingGap?: (g: RecordingGap & { sessionId: string; index: number; at: Date }) => void;
  onStats?: (e: { sessionId: string; peerId: string; role: PeerRole; stats: ClientStatsReport }) => void;
  onEvent?: (e: MediaNodeEvent) => void;
  onError?: (e: Error, context: string) => void;
  /** publisher counts as lost when no RTP arrives for this long (ms). Default 2000. */
  publisherTimeoutMs?: number;
  /** minimum interval between keyframe requests to the publisher (ms). Default 200. */
  pliIntervalMs?: number;
  /**
   * Every RTP packet of the talk channel (the viewer voice the device hears: the inspector, or an observer allowed to
   * speak), after it was relayed. For recording the inspector's voice as evidence.
   */
  onTalkRtp?: (e: { sessionId: string; peerId: string; rtp: RtpPacket }) => void;
  /**
   * Frame tap (issue 17, live reading): every video RTP packet of a room's publisher, after it was relayed and
   * recorded. The packet is shared: read it or clone it, never modify it. Must return quickly (it runs on the relay's
   * path); a throw is reported through onError and never stops the relay.
   */
  onVideoRtp?: (e: { sessionId: string; codec: 'VP8' | 'MPEG4/ISO/AVC'; rtp: RtpPacket }) => void;
}

export type MediaNodeEvent =
  | { type: 'publisher-state'; sessionId: string; state: PublisherState; peerId?: string }
  /** who holds the talk channel now (viewer peer id) or null: the device hears that viewer, other viewers too */
  | { type: 'talker'; sessionId: string; peerId: string | null }
  | { type: 'viewer-joined' | 'viewer-left'; sessionId: string; peerId: string }
  | { type: 'keyframe-requested'; sessionId: string; reason: string };

interface Peer {
  id: string;
  sessionId: string;
  role: PeerRole;
  pc?: RTCPeerConnection;
  out?: ViewerOut;
}

interface ViewerOut {
  pc: RTCPeerConnection;
  video: MediaStreamTrack;
  audio: MediaStreamTrack;
  videoTx: RTCRtpTransceiver;
  audioTx: RTCRtpTransceiver;
  videoEpoch: number;
  audioEpoch: number;
  /** talk channel (3rd m-line, sendrecv): the floor holder's voice to this viewer; this viewer's microphone back */
  talk: MediaStreamTrack;
  talkTx: RTCRtpTransceiver;
  talkEpoch: number;
}

/** The voice going down to the device (publisher's audio m-line offered sendrecv). */
interface TalkOut {
  track: MediaStreamTrack;
  tx: RTCRtpTransceiver;
  epoch: number;
}

interface RoomStats {
  videoPackets: number;
  videoBytes: number;
  audioPackets: number;
  audioBytes: number;
  keyframeRequests: number;
  publisherConnects: number;
}

class Room {
  publisher?: Peer;
  pubPc?: RTCPeerConnection;
  videoTx?: RTCRtpTransceiver;
  videoSsrc?: number;
  videoCodec: 'VP8' | 'MPEG4/ISO/AVC' = 'VP8';
  viewers = new Map<string, Peer>();
  recorder?: SessionRecorder;
  state: PublisherState = 'absent';
  lastRtpAt = 0;
  /** bumped on every new publisher source: viewers' senders then rewrite seq/timestamps for continuity */
  videoEpoch = 0;
  audioEpoch = 0;
  lastPli = 0;
  pliTimer?: NodeJS.Timeout;
  twcc?: TwccFeedbackGenerator;
  /** the device's speaker path (absent when its offer's audio is sendonly) */
  talkOut?: TalkOut;
  /** viewers asking to talk, most recent last; the last one holds the floor */
  talkers: string[] = [];
  /** bumped when the floor changes: receivers' sequence numbers and timestamps continue across talkers */
  talkEpoch = 0;
  nack?: NackGenerator;
  /** the publisher's own round-trip estimate (its stats reports) */
  rttMs?: number;
  stats: RoomStats = { videoPackets: 0, videoBytes: 0, audioPackets: 0, audioBytes: 0, keyframeRequests: 0, publisherConnects: 0 };
  constructor(readonly sessionId: string) {}
}

export interface RoomInfo {
  sessionId: string;
  publisher: PublisherState;
  viewers: number;
  recordingSegment?: number;
  stats: RoomStats;
}

const DEFAULT_BITRATE: BitrateHints = { startKbps: 1000, minKbps: 100, maxKbps: 2500 };

export class MediaNode {
  private rooms = new Map<string, Room>();
  /** sessions whose recording continues one a lost node left, with the first index to use (past the lost node's) */
  private resuming = new Map<string, number | undefined>();
  private peers = new Map<string, Peer>();
  private watchdog: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly opts: MediaNodeOptions = {}) {
    this.watchdog = setInterval(() => this.checkPublishers(), 500);
    this.watchdog.unref();
  }

  // ---------------------------------------------------------------- public API

  /** Handles one message from a peer (already authenticated by the app). Never throws: errors become `error` messages. */
  async handle(peerId: string, raw: unknown): Promise<ServerToClient[]> {
    try {
      if (this.closed) throw new SignallingError('unknown_session', 'media node is shutting down');
      if (typeof peerId !== 'string' || !peerId || peerId.length > 200) throw new SignallingError('bad_message', 'peerId must be a non-empty string');
      const msg = parseClientMessage(raw);
      return await this.dispatch(peerId, msg);
    } catch (e) {
      if (e instanceof SignallingError) return [{ type: 'error', code: e.code, message: e.message }];
      this.opts.onError?.(e as Error, `handle ${peerId}`);
      return [{ type: 'error', code: 'negotiation_failed', message: (e as Error).message?.slice(0, 300) || 'negotiation failed' }];
    }
  }

  /** The peer's socket closed. Viewers are removed; a publisher's media keeps flowing until it times out or is replaced. */
  disconnect(peerId: string): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    if (peer.role === 'viewer') this.removeViewer(peer);
    else this.peers.delete(peerId); // keep the pc: the device may only have lost its socket
  }

  /** Ends a session: closes every peer, stops recording. Resolves with the closed segments of this run. */
  async closeSession(sessionId: string, reason = 'session ended'): Promise<SegmentInfo[]> {
    const room = this.rooms.get(sessionId);
    if (!room) return [];
    this.rooms.delete(sessionId);
    clearTimeout(room.pliTimer);
    const closing: Promise<void>[] = [];
    for (const v of room.viewers.values()) {
      this.opts.send?.(v.id, { type: 'bye', reason });
      this.peers.delete(v.id);
      closing.push(closePc(v.out?.pc));
    }
    if (room.publisher) {
      this.opts.send?.(room.publisher.id, { type: 'bye', reason });
      this.peers.delete(room.publisher.id);
    }
    room.twcc?.close();
    room.nack?.close();
    closing.push(closePc(room.pubPc));
    await Promise.all(closing);
    return (await room.recorder?.stop()) ?? [];
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await Promise.all([...this.rooms.keys()].map((id) => this.closeSession(id, 'media node shutting down')));
  }

  /** @deprecated old name of listRooms(), kept for callers that use it */
  rooms_(): RoomInfo[] {
    return this.listRooms();
  }

  listRooms(): RoomInfo[] {
    return [...this.rooms.values()].map((r) => this.info(r));
  }

  room(sessionId: string): RoomInfo | undefined {
    const r = this.rooms.get(sessionId);
    return r && this.info(r);
  }

  /**
   * The session's recording continues one that a lost node (or this node before a restart) left: its first segment
   * opens with reason 'resume' instead of 'start'.
   */
  expectResume(sessionId: string, nextIndex?: number): void {
    this.resuming.set(sessionId, nextIndex);
  }

  /** Ask the publisher of a session for a keyframe (e.g. before a snapshot from the stream). */
  requestKeyframe(sessionId: string, reason = 'api'): void {
    const r = this.rooms.get(sessionId);
    if (r) this.pli(r, reason);
  }

  // ---------------------------------------------------------------- dispatch

  private async dispatch(peerId: string, msg: ClientToServer): Promise<ServerToClient[]> {
    const peer = this.peers.get(peerId);
    if (msg.type === 'join') {
      if (peer) throw new SignallingError('already_joined', `peer already joined session ${peer.sessionId} as ${peer.role}`);
      return this.join(peerId, msg.sessionId, msg.role);
    }
    if (!peer) throw new SignallingError('not_joined', `send join before ${msg.type}`);
    const room = this.rooms.get(peer.sessionId);
    if (!room) throw new SignallingError('unknown_session', `session ${peer.sessionId} is closed`);
    switch (msg.type) {
      case 'offer':
        if (peer.role !== 'publisher') throw new SignallingError('wrong_role', 'only the publisher sends offers; viewers answer the server offer');
        return this.publisherOffer(room, peer, msg.sdp);
      case 'answer':
        if (peer.role !== 'viewer' || !peer.out) throw new SignallingError('wrong_role', 'answer is only valid for a viewer after the server offer');
        // no keyframe request yet: packets sent before the viewer's DTLS is up are dropped; it comes on 'connected'
        await peer.out.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
        return [];
      case 'candidate': {
        const pc = peer.role === 'viewer' ? peer.out?.pc : room.publisher === peer ? room.pubPc : undefined;
        // unusable candidates (e.g. mDNS .local names) are ignored: the node also learns the peer's address from its checks
        if (pc && msg.candidate) await pc.addIceCandidate({ candidate: msg.candidate, sdpMid: msg.sdpMid ?? undefined, sdpMLineIndex: msg.sdpMLineIndex ?? undefined }).catch(() => {});
        return [];
      }
      case 'restart':
        if (peer.role !== 'viewer') throw new SignallingError('wrong_role', 'publishers reconnect by sending a new offer');
        return [await this.viewerOffer(room, peer)];
      case 'stats':
        if (peer.role === 'publisher' && typeof msg.stats.rttMs === 'number') room.rttMs = msg.stats.rttMs;
        this.opts.onStats?.({ sessionId: peer.sessionId, peerId, role: peer.role, stats: msg.stats });
        return [];
      case 'talk':
        if (peer.role !== 'viewer') throw new SignallingError('wrong_role', 'only viewers talk to the device');
        this.setTalking(room, peer.id, msg.on);
        return [];
      case 'bye':
        if (peer.role === 'viewer') this.removeViewer(peer);
        else {
          this.peers.delete(peerId);
          if (room.publisher === peer) {
            room.publisher = undefined;
            room.twcc?.close();
            room.twcc = undefined;
            room.nack?.close();
            room.nack = undefined;
            void closePc(room.pubPc);
            room.pubPc = undefined;
            room.recorder?.reconnect();
            this.setState(room, 'absent');
          }
        }
        return [];
    }
    return [];
  }

  private join(peerId: string, sessionId: string, role: PeerRole): ServerToClient[] | Promise<ServerToClient[]> {
    let room = this.rooms.get(sessionId);
    if (!room) {
      room = new Room(sessionId);
      this.rooms.set(sessionId, room);
    }
    const peer: Peer = { id: peerId, sessionId, role };
    this.peers.set(peerId, peer);
    const ice = this.opts.clientIceServers ?? this.opts.iceServers;
    const joined: ServerToClient = { type: 'joined', sessionId, role, peerId, publisher: room.state, ...(ice?.length ? { iceServers: ice } : {}) };
    if (role === 'publisher') {
      const old = room.publisher;
      if (old && old.id !== peerId) {
        // the device came back on a new socket: it takes over; its offer replaces the old peer connection
        this.peers.delete(old.id);
        this.opts.send?.(old.id, { type: 'bye', reason: 'replaced by a new publisher connection' });
      }
      room.publisher = peer;
      return [joined, ...recordingNow(room)];
    }
    room.viewers.set(peerId, peer);
    this.opts.onEvent?.({ type: 'viewer-joined', sessionId, peerId });
    return this.viewerOffer(room, peer).then((offer) => [joined, offer, ...recordingNow(room)]);
  }

  // ---------------------------------------------------------------- publisher

  private pubConfig() {
    const twcc = (this.opts.bwe ?? 'twcc') === 'twcc';
    const fb = () => [useNACK(), usePLI(), ...(twcc ? [useTWCC()] : [])];
    const video = [useVP8({ rtcpFeedback: fb() })];
    if (this.opts.h264) video.push(useH264({ rtcpFeedback: fb() }));
    return {
      iceServers: this.opts.iceServers ?? [],
      iceUseIpv6: false,
      icePortRange: this.opts.icePortRange,
      iceAdditionalHostAddresses: this.opts.iceAdditionalHostAddresses,
      codecs: { video, audio: [useOPUS({ rtcpFeedback: twcc ? [useTWCC()] : [] })] },
      headerExtensions: {
        video: [useSdesMid(), ...(twcc ? [useTransportWideCC()] : [])],
        audio: [useSdesMid(), ...(twcc ? [useTransportWideCC()] : [])],
      },
    };
  }

  private async publisherOffer(room: Room, peer: Peer, sdp: string): Promise<ServerToClient[]> {
    if (room.publisher !== peer) throw new SignallingError('wrong_role', 'another publisher has taken over this session');
    if (countMedia(sdp, 'video') !== 1 || countMedia(sdp, 'audio') > 1) throw new SignallingError('bad_message', 'offer.sdp must have exactly one video and at most one audio section');
    // every publisher offer starts a fresh peer connection (first connect, ICE restart after a drop, page reload)
    const reconnect = !!room.pubPc;
    if (room.pubPc) {
      room.twcc?.close();
      room.twcc = undefined;
      room.nack?.close();
      room.nack = undefined;
      const old = room.pubPc;
      room.pubPc = undefined;
      void closePc(old);
      room.recorder?.reconnect();
      this.setState(room, 'reconnecting');
    }
    const pc = new RTCPeerConnection(this.pubConfig());
    room.pubPc = pc;
    room.stats.publisherConnects++;
    pc.onTrack.subscribe((track) => this.onPublisherTrack(room, pc, track));
    pc.connectionStateChange.subscribe((s) => {
      if (room.pubPc !== pc) return;
      if (s === 'connected') this.pli(room, reconnect ? 'publisher-reconnected' : 'publisher-connected');
      if ((s === 'failed' || s === 'disconnected') && room.state === 'live') this.setState(room, 'reconnecting');
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      noteTransports(pc);
      await this.openTalkOut(room, pc, sdp);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      noteTransports(pc);
      await gathered(pc);
    } catch (e) {
      if (room.pubPc === pc) room.pubPc = undefined;
      void closePc(pc);
      throw new SignallingError('negotiation_failed', `could not negotiate with the publisher: ${(e as Error).message}`.slice(0, 300));
    }
    if ((this.opts.bwe ?? 'twcc') === 'twcc') this.installTwcc(room, pc);
    this.installNack(room, pc);
    const local = pc.localDescription?.sdp ?? '';
    const hints = { ...DEFAULT_BITRATE, ...this.opts.bitrate };
    return [{ type: 'answer', sdp: addVideoBitrateHints(local, hints) }];
  }

  /**
   * Two-way audio: when the device offers its audio m-line sendrecv, the node answers sendrecv with a track that
   * carries the talk channel (the floor holder's voice) to the device's speaker.
   */
  private async openTalkOut(room: Room, pc: RTCPeerConnection, offerSdp: string): Promise<void> {
    room.talkOut = undefined;
    const audioSection = offerSdp.split(/(?=^m=)/m).find((m) => m.startsWith('m=audio')) ?? '';
    if (!/^a=(sendrecv|recvonly)\s*$/m.test(audioSection)) return;
    const tx = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!tx) return;
    const track = new MediaStreamTrack({ kind: 'audio' });
    tx.setDirection('sendrecv');
    await tx.sender.replaceTrack(track);
    room.talkOut = { track, tx, epoch: -1 };
  }

  /** A viewer starts or stops talking; the most recent talker still on holds the floor. */
  private setTalking(room: Room, peerId: string, on: boolean): void {
    const before = room.talkers.at(-1) ?? null;
    room.talkers = room.talkers.filter((p) => p !== peerId);
    if (on) room.talkers.push(peerId);
    const now = room.talkers.at(-1) ?? null;
    if (now === before) return;
    room.talkEpoch++;
    this.opts.onEvent?.({ type: 'talker', sessionId: room.sessionId, peerId: now });
    this.broadcast(room, { type: 'talker', peerId: now });
  }

  /** RTP from a viewer's microphone: relayed only while that viewer holds the floor. */
  private relayTalk(room: Room, from: Peer, rtp: RtpPacket): void {
    if (room.talkers.at(-1) !== from.id) return;
    const out = rtp.clone();
    out.header.extensions = [];
    const t = room.talkOut;
    if (t && room.publisher) {
      if (t.epoch !== room.talkEpoch) {
        t.epoch = room.talkEpoch;
        t.tx.sender.replaceRTP(out.header, true);
      }
      t.track.writeRtp(out);
    }
    for (const v of room.viewers.values()) {
      const o = v.out;
      if (!o || v.id === from.id) continue;
      if (o.talkEpoch !== room.talkEpoch) {
        o.talkEpoch = room.talkEpoch;
        o.talkTx.sender.replaceRTP(out.header, true);
      }
      o.talk.writeRtp(out);
    }
    if (this.opts.onTalkRtp) {
      try {
        this.opts.onTalkRtp({ sessionId: room.sessionId, peerId: from.id, rtp: rtp.clone() });
      } catch (e) {
        this.opts.onError?.(e as Error, 'onTalkRtp');
      }
    }
  }

  private installTwcc(room: Room, pc: RTCPeerConnection): void {
    const transceivers = pc.getTransceivers();
    const first = transceivers[0];
    if (!first) return;
    const dtls = first.receiver.dtlsTransport;
    const gen = new TwccFeedbackGenerator({ sendRtcp: (p) => dtls.sendRtcp(p as never) }, first.receiver.rtcpSsrc);
    room.twcc = gen;
    for (const t of transceivers) {
      // werift calls receiver.receiverTWCC.handleTWCC(seq) for every RTP packet; replace its generator with ours
      (t.receiver as unknown as { receiverTWCC: unknown }).receiverTWCC = {
        twccRunning: true,
        handleTWCC: (seq: number) => gen.onPacket(seq),
      };
    }
  }

  /** Our NACK requests replace werift's (which gives up after 50 ms: less than a mobile round trip). */
  private installNack(room: Room, pc: RTCPeerConnection): void {
    const t = pc.getTransceivers().find((x) => x.kind === 'video');
    if (!t) return;
    const rx = t.receiver;
    const gen = new NackGenerator({
      senderSsrc: rx.rtcpSsrc,
      sendRtcp: (p) => rx.dtlsTransport.sendRtcp([p as never]),
      rttMs: () => room.rttMs,
      maxAgeMs: this.opts.recording ? (this.opts.recording.repairMs ?? 1000) : 1000,
    });
    (rx as unknown as { nack: unknown }).nack = gen;
    room.nack = gen;
  }

  private onPublisherTrack(room: Room, pc: RTCPeerConnection, track: MediaStreamTrack): void {
    const tx = pc.getTransceivers().find((t) => t.receiver.tracks.includes(track));
    if (track.kind === 'video') {
      room.videoTx = tx;
      room.videoEpoch++;
      room.videoCodec = /h264/i.test(track.codec?.name ?? '') ? 'MPEG4/ISO/AVC' : 'VP8';
      room.recorder?.setVideoCodec(room.videoCodec);
    } else room.audioEpoch++;
    track.onReceiveRtcp.subscribe((rtcp) => {
      if (room.pubPc !== pc || !(rtcp instanceof RtcpSrPacket)) return;
      room.recorder?.senderReport(track.kind === 'video' ? 'video' : 'audio', rtcp.senderInfo.ntpTimestamp, rtcp.senderInfo.rtpTimestamp);
    });
    track.onReceiveRtp.subscribe((rtp) => {
      if (room.pubPc !== pc) return;
      room.lastRtpAt = Date.now();
      if (room.state !== 'live') this.setState(room, 'live');
      if (track.kind === 'video') {
        if (room.videoSsrc !== rtp.header.ssrc) {
          room.videoSsrc = rtp.header.ssrc;
          if (room.twcc) room.twcc.mediaSsrc = rtp.header.ssrc;
        }
        room.stats.videoPackets++;
        room.stats.videoBytes += rtp.payload.length;
        this.relay(room, rtp, 'video');
        this.ensureRecorder(room)?.video(rtp);
        if (this.opts.onVideoRtp) this.tapVideo(room, rtp);
      } else {
        room.stats.audioPackets++;
        room.stats.audioBytes += rtp.payload.length;
        this.relay(room, rtp, 'audio');
        room.recorder?.audio(rtp);
      }
    });
  }

  private tapVideo(room: Room, rtp: RtpPacket): void {
    try {
      this.opts.onVideoRtp!({ sessionId: room.sessionId, codec: room.videoCodec, rtp });
    } catch (e) {
      this.opts.onError?.(e as Error, 'onVideoRtp');
    }
  }

  private relay(room: Room, rtp: RtpPacket, kind: 'audio' | 'video'): void {
    if (room.viewers.size === 0) return;
    const out = rtp.clone();
    out.header.extensions = []; // the publisher's extension ids mean nothing on the viewers' connections
    for (const v of room.viewers.values()) {
      const o = v.out;
      if (!o) continue;
      if (kind === 'video') {
        if (o.videoEpoch !== room.videoEpoch) {
          o.videoEpoch = room.videoEpoch;
          o.videoTx.sender.replaceRTP(out.header, true);
        }
        o.video.writeRtp(out);
      } else {
        if (o.audioEpoch !== room.audioEpoch) {
          o.audioEpoch = room.audioEpoch;
          o.audioTx.sender.replaceRTP(out.header, true);
        }
        o.audio.writeRtp(out);
      }
    }
  }

  private ensureRecorder(room: Room): SessionRecorder | undefined {
    const rec = this.opts.recording;
    if (!rec) return undefined;
    if (!room.recorder) {
      const resumed = this.resuming.has(room.sessionId);
      const resumeAt = this.resuming.get(room.sessionId);
      this.resuming.delete(room.sessionId);
      room.recorder = new SessionRecorder({
        dir: rec.dir,
        sessionId: room.sessionId,
        videoCodec: room.videoCodec,
        rotateMs: rec.rotateMinutes === undefined ? undefined : rec.rotateMinutes * 60_000,
        gapMs: rec.gapMs,
        repairMs: rec.repairMs ?? rec.jitterMs,
        keyframeIntervalMs: rec.keyframeIntervalMs,
        firstOpenReason: resumed ? 'resume' : 'start',
        // the lost node's segments (sealed or not) keep their numbers: this node's continue after them
        startIndex: resumeAt === undefined ? undefined : Math.max(resumeAt, lastSegmentIndex(rec.dir, room.sessionId) + 1),
        requestKeyframe: (reason) => this.pli(room, `recorder:${reason}`),
        onGap: (g) => this.opts.onRecordingGap?.(g),
        onSegmentOpen: (s) => {
          this.broadcast(room, { type: 'recording', state: 'on', segmentIndex: s.index });
          this.opts.onSegmentOpen?.(s);
        },
        onSegmentClose: (s) => {
          if (room.recorder?.segmentIndex === undefined) this.broadcast(room, { type: 'recording', state: 'off', segmentIndex: s.index });
          this.opts.onSegmentClose?.(s);
        },
        onError: (e) => this.opts.onError?.(e, `recorder ${room.sessionId}`),
      });
    }
    return room.recorder;
  }

  /** Keyframe request to the publisher, at most one per pliIntervalMs (a request inside the window is sent at its end). */
  private pli(room: Room, reason: string): void {
    const interval = this.opts.pliIntervalMs ?? 200;
    const send = () => {
      room.pliTimer = undefined;
      const rx = room.videoTx?.receiver;
      if (!rx || room.videoSsrc === undefined) return;
      room.lastPli = Date.now();
      room.stats.keyframeRequests++;
      rx.sendRtcpPLI(room.videoSsrc).catch(() => {});
      this.opts.onEvent?.({ type: 'keyframe-requested', sessionId: room.sessionId, reason });
    };
    const wait = room.lastPli + interval - Date.now();
    if (wait <= 0) send();
    else if (!room.pliTimer) {
      room.pliTimer = setTimeout(send, wait);
      room.pliTimer.unref();
    }
  }

  private setState(room: Room, state: PublisherState): void {
    if (room.state === state) return;
    room.state = state;
    this.broadcast(room, { type: 'publisher', state }, true);
    this.opts.onEvent?.({ type: 'publisher-state', sessionId: room.sessionId, state, peerId: room.publisher?.id });
  }

  private broadcast(room: Room, msg: ServerToClient, viewersOnly = false): void {
    const send = this.opts.send;
    if (!send) return;
    for (const v of room.viewers.keys()) send(v, msg);
    if (!viewersOnly && room.publisher && this.peers.has(room.publisher.id)) send(room.publisher.id, msg);
  }

  private checkPublishers(): void {
    const timeout = this.opts.publisherTimeoutMs ?? 2000;
    const now = Date.now();
    for (const room of this.rooms.values()) {
      if (room.state === 'live' && now - room.lastRtpAt > timeout) this.setState(room, 'reconnecting');
    }
  }

  // ---------------------------------------------------------------- viewers

  private viewerConfig(room: Room) {
    const fb = () => [useNACK(), usePLI()];
    // the relay forwards the publisher's payload as is: viewers get the publisher's codec only
    const video = room.videoCodec === 'VP8' || !this.opts.h264 ? [useVP8({ rtcpFeedback: fb() })] : [useH264({ rtcpFeedback: fb() })];
    return {
      iceServers: this.opts.iceServers ?? [],
      iceUseIpv6: false,
      icePortRange: this.opts.icePortRange,
      iceAdditionalHostAddresses: this.opts.iceAdditionalHostAddresses,
      codecs: { video, audio: [useOPUS()] },
      headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    };
  }

  private async viewerOffer(room: Room, peer: Peer): Promise<ServerToClient> {
    if (peer.out) {
      const old = peer.out;
      peer.out = undefined;
      void closePc(old.pc);
    }
    const pc = new RTCPeerConnection(this.viewerConfig(room));
    const video = new MediaStreamTrack({ kind: 'video' });
    const audio = new MediaStreamTrack({ kind: 'audio' });
    const talk = new MediaStreamTrack({ kind: 'audio' });
    const videoTx = pc.addTransceiver(video, { direction: 'sendonly' });
    const audioTx = pc.addTransceiver(audio, { direction: 'sendonly' });
    const talkTx = pc.addTransceiver(talk, { direction: 'sendrecv' });
    const out: ViewerOut = { pc, video, audio, videoTx, audioTx, videoEpoch: -1, audioEpoch: -1, talk, talkTx, talkEpoch: -1 };
    pc.onTrack.subscribe((track) => {
      if (track.kind !== 'audio') return;
      track.onReceiveRtp.subscribe((rtp) => {
        if (peer.out === out) this.relayTalk(room, peer, rtp);
      });
    });
    videoTx.sender.onPictureLossIndication.subscribe(() => this.pli(room, 'viewer-pli'));
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected' && peer.out === out) this.pli(room, 'viewer-connected');
    });
    noteTransports(pc);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    noteTransports(pc);
    await gathered(pc);
    peer.out = out;
    return { type: 'offer', sdp: pc.localDescription?.sdp ?? offer.sdp };
  }

  private removeViewer(peer: Peer): void {
    this.peers.delete(peer.id);
    const room = this.rooms.get(peer.sessionId);
    if (room?.talkers.includes(peer.id)) this.setTalking(room, peer.id, false);
    if (room?.viewers.delete(peer.id)) this.opts.onEvent?.({ type: 'viewer-left', sessionId: peer.sessionId, peerId: peer.id });
    void closePc(peer.out?.pc);
    peer.out = undefined;
  }

  private info(r: Room): RoomInfo {
    return { sessionId: r.sessionId, publisher: r.state, viewers: r.viewers.size, recordingSegment: r.recorder?.segmentIndex, stats: { ...r.stats } };
  }
}

/** A (re)joining peer learns at once that the session is being recorded (it may have missed the 'on'). */
function recordingNow(room: Room): ServerToClient[] {
  const index = room.recorder?.segmentIndex;
  return index === undefined ? [] : [{ type: 'recording', state: 'on', segmentIndex: index }];
}

// werift 0.25.2 gathers one ICE/DTLS transport per m-line; after BUNDLE the unused ones are no longer referenced by
// any transceiver and pc.close() does not stop them (their UDP sockets stay open). Remember every transport we
// saw and stop the leftovers on close.
const seenTransports = new WeakMap<RTCPeerConnection, Set<{ stop(): Promise<unknown> | unknown }>>();

function noteTransports(pc: RTCPeerConnection): void {
  let set = seenTransports.get(pc);
  if (!set) seenTransports.set(pc, (set = new Set()));
  for (const t of pc.getTransceivers()) {
    const d = (t as unknown as { dtlsTransport?: { stop(): Promise<unknown> } }).dtlsTransport;
    if (d) set.add(d);
  }
}

async function closePc(pc: RTCPeerConnection | undefined): Promise<void> {
  if (!pc) return;
  await pc.close().catch(() => {});
  for (const d of seenTransports.get(pc) ?? []) {
    try {
      await d.stop();
    } catch {
      /* already stopped */
    }
  }
}

function gathered(pc: RTCPeerConnection, timeoutMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        clearTimeout(t);
        unSubscribe();
        resolve();
      }
    });
  });
}

/** Parses RVI_ICE_SERVERS-style JSON: [{"urls": "turn:host:3478", "username": "u", "credential": "p"}]. */
export function parseIceServers(json: string | undefined): IceServer[] {
  if (!json?.trim()) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new Error('RVI_ICE_SERVERS must be JSON: [{"urls":"turn:host:3478","username":"u","credential":"p"}]');
  }
  if (!Array.isArray(v)) throw new Error('RVI_ICE_SERVERS must be a JSON array');
  return v.map((s, i) => {
    if (typeof s !== 'object' || s === null) throw new Error(`RVI_ICE_SERVERS[${i}] must be an object`);
    const { urls, username, credential } = s as Record<string, unknown>;
    const list = Array.isArray(urls) ? urls : [urls];
    if (!list.length || !list.every((u) => typeof u === 'string' && /^(stun|stuns|turn|turns):/.test(u)))
      throw new Error(`RVI_ICE_SERVERS[${i}].urls must be stun:/turn: URL(s)`);
    if (username !== undefined && typeof username !== 'string') throw new Error(`RVI_ICE_SERVERS[${i}].username must be a string`);
    if (credential !== undefined && typeof credential !== 'string') throw new Error(`RVI_ICE_SERVERS[${i}].credential must be a string`);
    return { urls: urls as string | string[], username: username as string | undefined, credential: credential as string | undefined };
  });
}

export function newPeerId(): string {
  return randomBytes(9).toString('base64url');
}

