// The live side of sessions in this process: one MediaNode (werift relay + recorder), the device sockets
// (/api/device/ws) and the viewers' signalling over /api/ws (`signal` messages). Authorisation happens at join (the
// service's policy); afterwards messages of a joined peer go to the node. Media events drive the session state
// (connected ⇄ reconnecting), closed recording segments are sealed, joins/leaves and stats summaries go to the timeline.
import { mkdirSync, statSync, statfsSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { RtpPacket } from 'werift';
import {
  MediaNode, SessionRecorder, networkQuality, newPeerId, parseIceServers, recoverSegments, removeSidecar, type ClientStatsReport, type MediaNodeEvent, type SegmentInfo, type ServerToClient as MediaMessage,
} from '@rvi/media';
import type { AnchorUpdate, GuidanceBody, SessionEvent, SessionViewer, ViewerSignalExtra } from '@rvi/contracts';
import { ANCHOR_REASONS, ANCHOR_STATES, GuidanceBody as GuidanceSchema } from '@rvi/contracts';
import { systemActor, type Actor } from '../../platform/actor.ts';
import { AppError } from '../../platform/errors.ts';
import { problems } from '../../platform/validation.ts';
import { authorizeSession } from './sessions.policy.ts';
import {
  addAnchorState, addCameraResult, beatMediaNode, followMediaState, recordDeviceNetwork, loadSession, recordDeviceChat, recordGuidance, recordLiveEvent, recordRecordingResumed, recordTalkPermission, recordViewerPresence, sealedKeys, sealSegment,
  sessionsToTakeOver, takeOverSession, MEDIA_NODE_HEARTBEAT_MS, nextSegmentIndex, type DeviceContext, type MediaNodeBeat, type SessionsEnv,
} from './sessions.service.ts';
import { userNames } from './sessions.presenter.ts';
import { turnServerFor, type TurnConfig } from './sessions.turn.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
export { mediaNodeId } from '../../platform/node-id.ts';

/**
 * What the live side needs of a peer's socket: a WebSocket held by this process, or a socket held by another API node
 * and reached through the node bus (sessions.relay.ts).
 */
export interface PeerSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (raw: unknown) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

const MEDIA_TYPES = new Set(['join', 'offer', 'answer', 'candidate', 'restart', 'stats', 'bye']);
const STATS_EVENT_EVERY_MS = 30_000;
/** a change of the device's network level is stored at once, but not more often than this (a level at a threshold flips) */
const LEVEL_EVENT_MIN_MS = 3000;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

interface Logger {
  info(o: unknown, msg?: string): void;
  warn(o: unknown, msg?: string): void;
  error(o: unknown, msg?: string): void;
}

interface ViewerPeer {
  kind: 'viewer';
  peerId: string;
  sessionId: string;
  socket: PeerSocket;
  actor: Actor;
  info: SessionViewer;
  lastStats?: ClientStatsReport;
  lastStatsEventAt: number;
}

interface DevicePeer {
  kind: 'device';
  peerId: string;
  sessionId: string;
  socket: PeerSocket;
  dev: DeviceContext;
  lastStats?: ClientStatsReport;
  lastStatsEventAt: number;
  /** the network level (good/fair/poor) of the last stats event stored: a change is stored at once, not after 30 s */
  lastLevel?: string;
  /** the last AR anchor state put on the timeline (drawing:state:reason) and when */
  anchorState?: string;
  anchorStateAt?: number;
}

export interface LiveMediaOptions {
  dataDir: string;
  iceServers: unknown[];
  /** TURN servers each joining peer gets its own time-limited credentials for (RVI_TURN_URLS / RVI_TURN_SECRET) */
  turn?: TurnConfig | null;
  log: Logger;
  /** rotate recording segments every N minutes (default 5) */
  rotateMinutes?: number;
  /** reported with the heartbeat for placement (RVI_MEDIA_REGION, RVI_MEDIA_PUBLIC_ADDRESS, RVI_MEDIA_CAPACITY) */
  region?: string | null;
  publicAddress?: string | null;
  capacity?: number;
}


export class LiveMedia {
  readonly recordingsDir: string;
  private _node?: MediaNode;
  private peers = new Map<string, ViewerPeer | DevicePeer>();
  private socketPeers = new WeakMap<PeerSocket, Map<string, string>>();
  private sealing = new Map<string, Set<Promise<unknown>>>();
  private publisherState = new Map<string, string>();
  /** announced (first keyframe written) minus closed segments per session: 0 while live means a segment waits */
  private activeSegments = new Map<string, number>();
  private keyframeWatch?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  /** the inspector's voice per session: its own audio-only recording (`<session>~inspector-NNNN.webm`), sealed like the rest */
  private voices = new Map<string, { rec: SessionRecorder; ssrc?: number }>();
  /** observers the conducting inspector allowed to speak to the device, per session (user ids; kept across rejoins) */
  private talkAllowed = new Map<string, Set<string>>();
  /** sessions taken over (after a restart or from a lost node): when their recording resumes, and since when it was lost */
  private resuming = new Map<string, Date>();
  env!: SessionsEnv;
  /** called after this node took a session over (the relay tells the API nodes, whose peers then re-join here) */
  onTakenOver?: (sessionId: string) => void;
  private cpuTimes?: { busy: number; total: number };
  private draining = false;
  /**
   * Optional interceptor of the device's ICE path (the browser test puts a UDP proxy there to cut the device's
   * network): `offer` filters the device's offer SDP, `answer` rewrites the node's answer before the device gets it.
   */
  devicePath?: { offer(sdp: string): string; answer(sdp: string): Promise<string> };
  /** Live reading (sessions.live-reading.ts): every video packet of a publisher, and the end of its session. Set before the node is first used. */
  liveReading?: { tap(e: { sessionId: string; codec: string; rtp: RtpPacket }): void; stop(sessionId: string): Promise<void>; close(): Promise<void> };

  constructor(private readonly opts: LiveMediaOptions) {
    this.recordingsDir = join(opts.dataDir, 'media', 'recordings');
  }

  /** The process's media node, created on first use (a server that never hosts a session pays nothing). */
  get node(): MediaNode {
    if (!this._node) {
      const ice = parseIceServers(JSON.stringify(this.opts.iceServers ?? []));
      this._node = new MediaNode({
        iceServers: ice,
        recording: { dir: this.recordingsDir, rotateMinutes: this.opts.rotateMinutes ?? 5 },
        send: (peerId, msg) => this.sendToPeer(peerId, msg),
        onEvent: (e) => this.onNodeEvent(e),
        onSegmentOpen: (s) => {
          this.activeSegments.set(s.sessionId, (this.activeSegments.get(s.sessionId) ?? 0) + 1);
          void recordLiveEvent(this.env, s.sessionId, 'recording.opened', 'system', null, { index: s.index, reason: s.reason, startedAt: s.startedAt.toISOString() }).catch((e) => this.logError(e, 'segment open'));
          const lostAt = this.resuming.get(s.sessionId);
          if (lostAt) {
            this.resuming.delete(s.sessionId);
            void recordRecordingResumed(this.env, s.sessionId, s.startedAt, lostAt, s.index).catch((e) => this.logError(e, 'recording resumed'));
          }
        },
        onRecordingGap: (g) => {
          void recordLiveEvent(this.env, g.sessionId, 'recording.gap', 'system', null, {
            index: g.index, at: g.at.toISOString(), fromMs: g.fromMs, toMs: g.toMs, droppedFrames: g.droppedFrames, reason: g.reason,
          }).catch((e) => this.logError(e, 'recording gap'));
        },
        onSegmentClose: (s) => {
          this.activeSegments.set(s.sessionId, (this.activeSegments.get(s.sessionId) ?? 0) - 1);
          this.trackSeal(s.sessionId, this.seal(s, false));
        },
        onStats: (e) => this.onStats(e.peerId, e.stats),
        onTalkRtp: (e) => this.recordVoice(e.sessionId, e.rtp),
        ...(this.liveReading ? { onVideoRtp: (e: { sessionId: string; codec: string; rtp: RtpPacket }) => this.liveReading!.tap(e) } : {}),
        onError: (e, context) => this.opts.log.warn({ err: e, context }, 'media node error'),
      });
      // A new segment (start, after a gap, after a reconnect) begins at a keyframe; the recorder asks once, and a
      // lost request would leave the recording waiting while the viewers already see video (seen after a 10 s
      // network cut without ICE restart). Ask again every second while media is live and no segment is writing.
      this.keyframeWatch = setInterval(() => {
        for (const r of this._node?.listRooms() ?? []) {
          if (r.publisher === 'live' && (this.activeSegments.get(r.sessionId) ?? 0) <= 0) this._node!.requestKeyframe(r.sessionId, 'recording-waits-for-keyframe');
        }
      }, 1000);
      this.keyframeWatch.unref();
    }
    return this._node;
  }

  // -------------------------------------------------------------------------------------------- LiveRoom (service port)

  viewers(sessionId: string): SessionViewer[] {
    return [...this.peers.values()].filter((p): p is ViewerPeer => p.kind === 'viewer' && p.sessionId === sessionId).map((p) => p.info);
  }

  device(sessionId: string): { connected: boolean; publisher: string } {
    const connected = [...this.peers.values()].some((p) => p.kind === 'device' && p.sessionId === sessionId);
    return { connected, publisher: this._node?.room(sessionId)?.publisher ?? this.publisherState.get(sessionId) ?? 'absent' };
  }

  deliver(sessionId: string, event: SessionEvent): void {
    for (const p of this.peers.values()) {
      if (p.sessionId !== sessionId) continue;
      if (p.kind === 'device') send(p.socket, { type: 'guide', event });
      else send(p.socket, { type: 'signal', sessionId, payload: { type: 'guide', event } satisfies ViewerSignalExtra });
    }
  }

  async close(sessionId: string, reason: string): Promise<void> {
    // a last stats summary for the timeline: what the node relayed, and each peer's last report
    const room = this._node?.room(sessionId);
    if (room) {
      const peers = [...this.peers.values()].filter((p) => p.sessionId === sessionId && p.lastStats)
        .map((p) => ({ role: p.kind === 'device' ? 'publisher' : 'viewer', name: p.kind === 'viewer' ? p.info.name : null, ...p.lastStats }));
      await recordLiveEvent(this.env, sessionId, 'stats.summary', 'system', null, {
        videoBytes: room.stats.videoBytes, audioBytes: room.stats.audioBytes, videoPackets: room.stats.videoPackets,
        keyframeRequests: room.stats.keyframeRequests, publisherConnects: room.stats.publisherConnects, peers,
      }).catch((e) => this.logError(e, 'stats summary'));
    }
    for (const p of [...this.peers.values()]) {
      if (p.sessionId !== sessionId || p.kind !== 'device') continue;
      send(p.socket, { type: 'ended', reason });
    }
    if (this._node) await this._node.closeSession(sessionId, reason);
    await this.liveReading?.stop(sessionId).catch((e) => this.logError(e, 'live reading stop'));
    await this.stopVoice(sessionId);
    this.talkAllowed.delete(sessionId);
    await this.sealed(sessionId);
    for (const p of [...this.peers.values()]) {
      if (p.sessionId !== sessionId) continue;
      this.peers.delete(p.peerId);
      if (p.kind === 'device') p.socket.close(4000, 'session ended');
    }
    this.publisherState.delete(sessionId);
    this.activeSegments.delete(sessionId);
  }

  // -------------------------------------------------------------------------------------------- lifecycle

  /**
   * Start-up: register this node, seal the segments a killed process left in the recordings folder (with the times of
   * their own media, reason 'crash'), then take over the open sessions this node hosted before the restart and those
   * of lost nodes: timeline and audit say when the media was lost; the recording resumes in a 'resume' segment when
   * the device comes back. Also started: the heartbeat, and the sweep for orphans of any node.
   */
  async recover(): Promise<{ sealed: number; skipped: number; takenOver: number }> {
    await beatMediaNode(this.env.db, this.load(), new Date());
    this.heartbeat ??= setInterval(() => {
      void beatMediaNode(this.env.db, this.load()).catch((e) => this.logError(e, 'heartbeat'));
    }, MEDIA_NODE_HEARTBEAT_MS);
    this.heartbeat.unref();
    const known = await sealedKeys(this.env.db);
    const found = await recoverSegments(this.recordingsDir, { isSealed: (p) => known.has(this.env.store.keyOf(p) ?? (this.env.store.kind === 's3' ? `recordings/${basename(p)}` : '')) });
    let sealed = 0;
    let skipped = 0;
    const lastMedia = new Map<string, Date>();
    for (const r of found) {
      if (r.label && r.label !== 'inspector') continue; // not a recording this server makes
      const s = await loadSession(this.env.db, r.sessionKey);
      if (!s || !r.playable) {
        skipped++;
        this.opts.log.warn({ path: r.path, error: r.error, session: !!s }, 'recording left by a previous process cannot be sealed');
        continue;
      }
      // the media's own times (sidecar); a file from before sidecars: its last write is when its last frame arrived
      const endedAt = r.endedAt ?? statSync(r.path).mtime;
      const startedAt = r.startedAt ?? new Date(endedAt.getTime() - r.durationMs);
      const ok = await this.seal({
        sessionId: s.id, path: r.path, index: r.index, startedAt, endedAt, durationMs: r.durationMs, sha256: r.sha256, bytes: r.bytes,
        reason: r.closeReason ?? 'crash', openReason: r.openReason, gaps: r.gaps,
      }, true, r.label ? 'inspector' : 'camera');
      if (!ok) { skipped++; continue; }
      sealed++;
      if (r.label) continue; // the voice says nothing about when the device's media stopped
      if (!lastMedia.has(s.id) || lastMedia.get(s.id)! < endedAt) lastMedia.set(s.id, endedAt);
    }
    const takenOver = await this.takeOver(true, lastMedia);
    return { sealed, skipped, takenOver };
  }

  /** What this node reports with its heartbeat: identity, where it is, its load (sessions, machine CPU, free disk). */
  private load(): MediaNodeBeat {
    const cores = cpus();
    const busy = cores.reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
    const total = cores.reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle, 0);
    const prev = this.cpuTimes;
    this.cpuTimes = { busy, total };
    const cpuPct = prev && total > prev.total ? Math.round((1000 * (busy - prev.busy)) / (total - prev.total)) / 10 : 0;
    let freeDiskMb: number | null = null;
    try {
      mkdirSync(this.recordingsDir, { recursive: true });
      const st = statfsSync(this.recordingsDir);
      freeDiskMb = Math.floor((st.bavail * st.bsize) / 1048576);
    } catch { /* unknown */ }
    return {
      id: this.env.nodeId, host: hostname(), pid: process.pid, region: this.opts.region ?? null, publicAddress: this.opts.publicAddress ?? null,
      capacity: this.opts.capacity ?? 40, sessions: this._node?.listRooms().length ?? 0, cpuPct, freeDiskMb, draining: this.draining,
    };
  }

  /** A stopping node takes no new sessions (its heartbeat says so at once). */
  async drain(): Promise<void> {
    this.draining = true;
    await beatMediaNode(this.env.db, this.load()).catch((e) => this.logError(e, 'heartbeat'));
  }

  /** Takes over open sessions of lost nodes (and, after a restart, this node's own); returns how many. */
  async takeOver(restarted = false, lastMedia = new Map<string, Date>()): Promise<number> {
    let n = 0;
    for (const t of await sessionsToTakeOver(this.env, { restarted })) {
      const lostAt = lastMedia.get(t.session.id) ?? t.lostAt;
      const ok = await takeOverSession(this.env, t.session.id, t.node, lostAt, restarted && t.node === this.env.nodeId ? 'restart' : 'node lost')
        .catch((e) => { this.logError(e, 'take over'); return false; });
      if (!ok) continue;
      n++;
      this.onTakenOver?.(t.session.id);
      if (t.session.state === 'connected' || t.session.state === 'reconnecting') {
        this.resuming.set(t.session.id, lostAt);
        this.node.expectResume(t.session.id, await nextSegmentIndex(this.env.db, t.session.id));
      }
    }
    return n;
  }

  async shutdown(): Promise<void> {
    clearInterval(this.keyframeWatch);
    clearInterval(this.heartbeat);
    if (this._node) await this._node.close();
    await Promise.all([...this.voices.keys()].map((id) => this.stopVoice(id)));
    await Promise.all([...this.sealing.keys()].map((id) => this.sealed(id)));
  }

  // -------------------------------------------------------------------------------------------- device socket

  /** Disconnects the session's devices except the one holding `keepTokenId`'s key (their keys were revoked). */
  dropDevices(sessionId: string, keepTokenId: string, reason: string): void {
    for (const p of [...this.peers.values()]) {
      if (p.kind !== 'device' || p.sessionId !== sessionId || p.dev.token.id === keepTokenId) continue;
      send(p.socket, { type: 'refused', code: 'token_revoked', message: `This device was ${reason}.` });
      p.socket.close(4403, 'token_revoked');
    }
  }

  /** A device WebSocket (already authenticated by its device key). */
  attachDevice(socket: PeerSocket, dev: DeviceContext, early: string[] = []): void {
    const peerId = newPeerId();
    const peer: DevicePeer = { kind: 'device', peerId, sessionId: dev.session.id, socket, dev, lastStatsEventAt: 0 };
    this.peers.set(peerId, peer);
    this.presence(dev.session.id);
    void recordLiveEvent(this.env, dev.session.id, 'device.connected', 'device', dev.token.operatorUserId, {}).catch((e) => this.logError(e, 'device event'));
    // one message at a time, in order (an offer must not overtake its join)
    let chain = Promise.resolve();
    const handle = (raw: string) => {
      chain = chain.then(() => this.onDeviceMessage(peer, raw)).catch((e) => this.logError(e, 'device message'));
    };
    early.forEach(handle);
    socket.on('message', (raw) => handle(String(raw)));
    socket.on('close', () => {
      if (this.peers.get(peerId) !== peer) return;
      this.peers.delete(peerId);
      this._node?.disconnect(peerId);
      void recordLiveEvent(this.env, dev.session.id, 'device.disconnected', 'device', dev.token.operatorUserId, {}).catch((e) => this.logError(e, 'device event'));
    });
  }

  private async onDeviceMessage(peer: DevicePeer, raw: string): Promise<void> {
    if (raw.length > 80_000) return send(peer.socket, { type: 'error', code: 'bad_message', message: 'message too large' });
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(raw);
    } catch {
      return send(peer.socket, { type: 'error', code: 'bad_message', message: 'message is not valid JSON' });
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'ping') return send(peer.socket, { type: 'pong' });
    if (msg.type === 'chat') {
      try {
        const ev = await recordDeviceChat(this.env, peer.dev, msg.clientId as string, msg.text as string);
        send(peer.socket, { type: 'chat-ack', clientId: msg.clientId, eventId: ev.id });
      } catch (e) {
        if (e instanceof AppError && e.status < 500) return send(peer.socket, { type: 'error', code: e.code, message: e.message });
        this.logError(e, 'device chat');
        send(peer.socket, { type: 'error', code: 'internal', message: 'the message could not be stored' });
      }
      return;
    }
    if (msg.type === 'camera-result') {
      // what the device did with a remote camera control: on the timeline, and to the viewers at once
      const ok = msg.ok === true;
      const detail = typeof msg.detail === 'string' ? msg.detail.slice(0, 200) : null;
      const requestId = typeof msg.requestId === 'string' && ID_RE.test(msg.requestId) ? msg.requestId : null;
      const action = typeof msg.action === 'string' ? msg.action.slice(0, 20) : null;
      const zoom = typeof msg.zoom === 'number' && Number.isFinite(msg.zoom) ? msg.zoom : null;
      const ev = await addCameraResult(this.env, peer.dev, { requestId, action, ok, detail, zoom });
      this.deliver(peer.sessionId, ev);
      return;
    }
    if (msg.type === 'anchor') return this.onAnchor(peer, msg);
    if (!MEDIA_TYPES.has(String(msg.type))) return send(peer.socket, { type: 'error', code: 'bad_message', message: `unknown message type ${String(msg.type).slice(0, 40)}` });
    // the device publishes into its own session only, whatever it says
    if (msg.type === 'join') msg = { type: 'join', sessionId: peer.sessionId, role: 'publisher' };
    if (msg.type === 'offer' && this.devicePath && typeof msg.sdp === 'string') msg = { ...msg, sdp: this.devicePath.offer(msg.sdp) };
    // with a test path on the device's ICE (a cut, an impaired link), its trickled candidates are kept from the node too:
    // a direct pair would bypass the path (and a "cut" would recover at once over it)
    if (msg.type === 'candidate' && this.devicePath) return;
    const s = await loadSession(this.env.db, peer.sessionId);
    if (!s || s.state === 'ended') return send(peer.socket, { type: 'ended', reason: 'session ended' });
    for (const out of await this.node.handle(peer.peerId, msg)) send(peer.socket, await this.toDevice(this.withTurn(peer, out)));
  }

  /**
   * The device's AR tracker: where the anchored drawing is in its camera now. Relayed to the viewers as it comes (up to
   * ~10 a second, not stored); a change of state (found, lost, out of view) goes on the timeline.
   */
  private async onAnchor(peer: DevicePeer, msg: Record<string, unknown>): Promise<void> {
    const H = msg.H === null ? null : Array.isArray(msg.H) && msg.H.length === 9 && msg.H.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (msg.H as number[]) : undefined;
    const state = (ANCHOR_STATES as readonly unknown[]).includes(msg.state) ? (msg.state as AnchorUpdate['state']) : null;
    const reason = msg.reason === null || (ANCHOR_REASONS as readonly unknown[]).includes(msg.reason) ? (msg.reason as AnchorUpdate['reason']) : undefined;
    const drawingId = typeof msg.drawingId === 'string' && ID_RE.test(msg.drawingId) ? msg.drawingId : null;
    const at = typeof msg.at === 'number' && Number.isFinite(msg.at) ? msg.at : null;
    if (H === undefined || !state || reason === undefined || !drawingId || at === null || (state === 'tracking') !== (H !== null)) {
      return send(peer.socket, { type: 'error', code: 'bad_message', message: 'anchor needs drawingId, state (acquiring|tracking|lost), reason, H (9 numbers while tracking, else null) and at' });
    }
    const update: AnchorUpdate = { type: 'anchor', drawingId, state, reason, H, at };
    for (const v of this.peers.values()) {
      if (v.kind === 'viewer' && v.sessionId === peer.sessionId) send(v.socket, { type: 'signal', sessionId: peer.sessionId, payload: update satisfies ViewerSignalExtra });
    }
    const key = `${drawingId}:${state}:${reason ?? ''}`;
    // on the timeline: found / lost / out of view (not "looking", the start of every drawing); the first state of each
    // drawing at once, then at most one change every 2 s, so a flapping tracker cannot flood it
    if (state === 'acquiring' || peer.anchorState === key) return;
    const sameDrawing = peer.anchorState?.startsWith(`${drawingId}:`) ?? false;
    if (sameDrawing && Date.now() - (peer.anchorStateAt ?? 0) < 2000) return;
    peer.anchorState = key;
    peer.anchorStateAt = Date.now();
    this.deliver(peer.sessionId, await addAnchorState(this.env, peer.dev, { drawingId, state, reason }));
  }

  private async toDevice(m: MediaMessage): Promise<MediaMessage> {
    return m.type === 'answer' && this.devicePath ? { ...m, sdp: await this.devicePath.answer(m.sdp) } : m;
  }

  // -------------------------------------------------------------------------------------------- viewers (/api/ws)

  /** Handler for `{type:'signal', sessionId, payload}` on the authenticated /api/ws socket. */
  async onSignal(actor: Actor, sessionId: unknown, payload: unknown, socket: PeerSocket): Promise<void> {
    if (typeof sessionId !== 'string' || !ID_RE.test(sessionId)) return send(socket, { type: 'signal', sessionId: String(sessionId).slice(0, 64), payload: denied('bad_message', 'sessionId must be 1-64 characters of A-Z a-z 0-9 _ -') });
    const reply = (p: unknown) => send(socket, { type: 'signal', sessionId, payload: p });
    if (!payload || typeof payload !== 'object') return reply(denied('bad_message', 'payload must be an object'));
    const msg = payload as Record<string, unknown>;
    try {
      if (msg.type === 'guide') {
        const issues = problems(GuidanceSchema, msg.body);
        if (issues.length) return reply(denied('validation', issues.map((i) => `${i.field}: ${i.message}`).join('; ')));
        const ev = await recordGuidance(this.env, actor, sessionId, msg.body as GuidanceBody);
        return reply({ type: 'guide-ack', clientId: (msg.body as { clientId?: string }).clientId ?? null, eventId: ev.id } satisfies ViewerSignalExtra);
      }
      if (!MEDIA_TYPES.has(String(msg.type)) && msg.type !== 'talk' && msg.type !== 'allow-talk') return reply(denied('bad_message', `unknown payload type ${String(msg.type).slice(0, 40)}`));
      let peers = this.socketPeers.get(socket);
      const existing = peers?.get(sessionId);
      if (msg.type === 'join') {
        if (msg.role !== 'viewer') return reply(denied('forbidden', 'Only the device publishes; customs staff join as viewers'));
        const s = await loadSession(this.env.db, sessionId);
        authorizeSession(actor, 'view', s, sessionId);
        if (s.state === 'ended') return reply(denied('session_ended', 'The session has ended'));
        const old = existing ? this.peers.get(existing) : undefined;
        if (old?.kind === 'viewer') this.leave(old, 'rejoined');
        const peerId = newPeerId();
        const mode = actor.userId === s.inspectorId ? 'conduct' : 'observe';
        const peer: ViewerPeer = {
          kind: 'viewer', peerId, sessionId, socket, actor, lastStatsEventAt: 0,
          info: {
            userId: actor.userId ?? '', name: actor.username, role: actor.role, mode, joinedAt: new Date().toISOString(),
            mayTalk: mode === 'conduct' || !!(actor.userId && this.talkAllowed.get(sessionId)?.has(actor.userId)),
          },
        };
        const names = await userNames(this.env.db, [actor.userId]);
        peer.info.name = names.get(actor.userId ?? '') ?? actor.username;
        this.peers.set(peerId, peer);
        if (!peers) {
          peers = new Map();
          this.socketPeers.set(socket, peers);
          socket.once('close', () => {
            for (const id of peers!.values()) {
              const p = this.peers.get(id);
              if (p?.kind === 'viewer') this.leave(p, 'socket closed');
            }
          });
        }
        peers.set(sessionId, peerId);
        this.presence(sessionId);
        void recordViewerPresence(this.env, actor, sessionId, true, { name: peer.info.name, role: actor.role, mode })
          .then(() => this.invalidate(s)).catch((e) => this.logError(e, 'viewer event'));
        for (const out of await this.node.handle(peerId, { type: 'join', sessionId, role: 'viewer' })) reply(this.withTurn(peer, out));
        const dev = [...this.peers.values()].find((p) => p.kind === 'device' && p.sessionId === sessionId) as DevicePeer | undefined;
        if (dev?.lastStats) reply({ type: 'device-stats', stats: { ...dev.lastStats } } satisfies ViewerSignalExtra);
        return;
      }
      const peer = existing ? this.peers.get(existing) : undefined;
      if (!peer || peer.kind !== 'viewer') return reply(denied('not_joined', `send join before ${String(msg.type)}`));
      if (msg.type === 'bye') {
        this.leave(peer, 'left');
        return;
      }
      if (msg.type === 'allow-talk') return await this.allowTalk(peer, msg, reply);
      // the inspector conducting the session speaks to the device (and is recorded); observers listen, and speak only
      // while the inspector allows them to
      if (msg.type === 'talk' && msg.on !== false && !peer.info.mayTalk) {
        return reply(denied('forbidden', 'Only the inspector conducting the session, or an observer they allowed, speaks to the device'));
      }
      for (const out of await this.node.handle(peer.peerId, msg)) reply(this.withTurn(peer, out));
    } catch (e) {
      if (e instanceof AppError) return reply(denied(e.code, e.message));
      this.logError(e, 'signal');
      return reply(denied('internal', 'signalling failed'));
    }
  }

  /**
   * `{type:'allow-talk', userId, allow}` from the conducting inspector: an observer of the session may (or may no
   * longer) speak to the device. Withdrawing it takes the floor from them at once. Timeline event and audit entry.
   */
  private async allowTalk(peer: ViewerPeer, msg: Record<string, unknown>, reply: (p: unknown) => void): Promise<void> {
    if (peer.info.mode !== 'conduct') return reply(denied('forbidden', 'Only the inspector conducting the session lets observers speak'));
    if (typeof msg.userId !== 'string' || !ID_RE.test(msg.userId)) return reply(denied('validation', 'userId: must be the id of an observer of this session'));
    if (typeof msg.allow !== 'boolean') return reply(denied('validation', 'allow: must be true or false'));
    const targets = [...this.peers.values()].filter((p): p is ViewerPeer => p.kind === 'viewer' && p.sessionId === peer.sessionId && p.info.userId === msg.userId);
    if (!targets.length) return reply(denied('not_found', 'userId: no observer with this id is in the session'));
    if (targets.some((p) => p.info.mode === 'conduct')) return reply(denied('validation', 'userId: the conducting inspector always speaks'));
    let allowed = this.talkAllowed.get(peer.sessionId);
    if (!allowed) this.talkAllowed.set(peer.sessionId, (allowed = new Set()));
    if (msg.allow) allowed.add(msg.userId);
    else allowed.delete(msg.userId);
    for (const t of targets) t.info.mayTalk = msg.allow;
    // the permission is on the timeline before the floor it takes away
    await recordTalkPermission(this.env, peer.actor, peer.sessionId, { userId: msg.userId, name: targets[0].info.name, role: targets[0].info.role, allowed: msg.allow });
    for (const t of targets) {
      if (!msg.allow) for (const out of await this.node.handle(t.peerId, { type: 'talk', on: false })) send(t.socket, { type: 'signal', sessionId: t.sessionId, payload: out });
      send(t.socket, { type: 'signal', sessionId: t.sessionId, payload: { type: 'talk-permission', allowed: msg.allow } satisfies ViewerSignalExtra });
    }
    const s = await loadSession(this.env.db, peer.sessionId);
    if (s) this.invalidate(s);
    reply({ type: 'talk-permission-ack', userId: msg.userId, allowed: msg.allow } satisfies ViewerSignalExtra);
  }

  /**
   * Tells the session's device who is watching: the conducting inspector and observers by role, never by name (an
   * enterprise does not learn customs staff identities from the camera page).
   */
  private presence(sessionId: string): void {
    const viewers = this.viewers(sessionId).map((v) => ({ role: v.role, mode: v.mode }));
    for (const p of this.peers.values()) {
      if (p.kind === 'device' && p.sessionId === sessionId) send(p.socket, { type: 'presence', viewers });
    }
  }

  private leave(peer: ViewerPeer, why: string): void {
    if (this.peers.get(peer.peerId) !== peer) return;
    this.peers.delete(peer.peerId);
    this.socketPeers.get(peer.socket)?.delete(peer.sessionId);
    this._node?.disconnect(peer.peerId);
    this.presence(peer.sessionId);
    const stats = peer.lastStats ? { stats: peer.lastStats } : {};
    void recordViewerPresence(this.env, peer.actor, peer.sessionId, false, { name: peer.info.name, role: peer.actor.role, mode: peer.info.mode, why, ...stats })
      .then(() => loadSession(this.env.db, peer.sessionId)).then((s) => s && this.invalidate(s)).catch((e) => this.logError(e, 'viewer event'));
  }

  // -------------------------------------------------------------------------------------------- node callbacks

  /** A peer that joins gets TURN credentials of its own, valid for a few hours, for networks that block UDP. */
  private withTurn(p: { kind: 'device' | 'viewer'; sessionId: string }, msg: MediaMessage): MediaMessage {
    if (msg.type !== 'joined' || !this.opts.turn) return msg;
    return { ...msg, iceServers: [...(msg.iceServers ?? []), turnServerFor(this.opts.turn, p.sessionId, p.kind)] };
  }

  private sendToPeer(peerId: string, msg: MediaMessage): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    msg = this.withTurn(p, msg);
    if (p.kind === 'device') {
      // the camera page says who speaks to the operator: the inspector or an observer (by role, never by name)
      if (msg.type === 'talker') {
        const who = msg.peerId ? this.peers.get(msg.peerId) : undefined;
        return send(p.socket, { ...msg, speaker: who?.kind === 'viewer' ? (who.info.mode === 'conduct' ? 'inspector' : 'observer') : null });
      }
      void this.toDevice(msg).then((m) => send(p.socket, m));
    }
    else send(p.socket, { type: 'signal', sessionId: p.sessionId, payload: msg });
  }

  private onNodeEvent(e: MediaNodeEvent): void {
    if (e.type === 'talker') {
      // who holds the floor is evidence beside the voice recording: the timeline says who spoke when
      const who = e.peerId ? this.peers.get(e.peerId) : undefined;
      const info = who?.kind === 'viewer' ? who.info : null;
      void recordLiveEvent(this.env, e.sessionId, 'talker', info ? (info.mode === 'conduct' ? 'inspector' : 'observer') : 'system', info?.userId || null,
        info ? { name: info.name, role: info.role, mode: info.mode } : { name: null }).catch((err) => this.logError(err, 'talker event'));
      return;
    }
    if (e.type !== 'publisher-state') return;
    this.publisherState.set(e.sessionId, e.state);
    const target = e.state === 'live' ? 'connected' : 'reconnecting';
    void followMediaState(this.env, e.sessionId, target, { publisher: e.state }).catch((err) => this.logError(err, 'session state'));
  }

  private onStats(peerId: string, stats: ClientStatsReport): void {
    const p = this.peers.get(peerId);
    if (!p) return;
    const before = p.lastStats;
    p.lastStats = stats;
    if (stats.transport && stats.transport !== before?.transport) {
      // how each side reaches the node (direct, or through TURN over UDP/TCP/TLS) is part of the session record
      const payload = { role: p.kind === 'device' ? 'publisher' : 'viewer', transport: stats.transport, ...(before?.transport ? { before: before.transport } : {}) };
      const saved = p.kind === 'device'
        ? recordDeviceNetwork(this.env, p.dev.session, 'network.transport', 'device', p.dev.token.operatorUserId, payload) // the wall shows the device's path
        : recordLiveEvent(this.env, p.sessionId, 'network.transport', p.info.mode === 'conduct' ? 'inspector' : 'observer', p.actor.userId, payload);
      void saved.catch((e) => this.logError(e, 'transport event'));
    }
    if (p.kind === 'device' && stats.rung && (stats.rung !== before?.rung || stats.rungReason !== before?.rungReason)) {
      // the quality ladder's rung and why (issue 16): audio-only and stills periods are part of the session record
      void recordDeviceNetwork(this.env, p.dev.session, 'quality.rung', 'device', p.dev.token.operatorUserId,
        { rung: stats.rung, reason: stats.rungReason ?? null, value: stats.rungValue ?? null, before: before?.rung ?? null }).catch((e) => this.logError(e, 'rung event'));
    }
    if (p.kind === 'device') {
      // the inspector sees what the device really sends (resolution and frame rate drop on a bad network)
      for (const v of this.peers.values()) {
        if (v.kind === 'viewer' && v.sessionId === p.sessionId) send(v.socket, { type: 'signal', sessionId: p.sessionId, payload: { type: 'device-stats', stats: { ...stats } } });
      }
    }
    const now = Date.now();
    // the command wall reads the device's latest stored figures: a new network level (by the camera page's own
    // rule) is stored at once and pushed to the office's pages, so the wall, the camera page and the console agree
    const level = p.kind === 'device' ? networkQuality(stats) : undefined;
    const newLevel = p.kind === 'device' && level !== p.lastLevel && now - p.lastStatsEventAt >= LEVEL_EVENT_MIN_MS;
    if (!newLevel && now - p.lastStatsEventAt < STATS_EVENT_EVERY_MS) return;
    p.lastStatsEventAt = now;
    const payload = { role: p.kind === 'device' ? 'publisher' : 'viewer', ...stats };
    if (p.kind === 'device') {
      const changed = level !== p.lastLevel;
      p.lastLevel = level;
      const saved = changed ? recordDeviceNetwork(this.env, p.dev.session, 'stats', 'device', p.dev.token.operatorUserId, payload)
        : recordLiveEvent(this.env, p.sessionId, 'stats', 'device', p.dev.token.operatorUserId, payload);
      void saved.catch((e) => this.logError(e, 'stats event'));
      return;
    }
    void recordLiveEvent(this.env, p.sessionId, 'stats', p.info.mode === 'conduct' ? 'inspector' : 'observer', p.actor.userId, payload).catch((e) => this.logError(e, 'stats event'));
  }

  /**
   * The inspector's voice as relayed to the device (the viewer holding the floor), recorded on its own: one segment
   * per time someone spoke (a pause over a second closes it), with its true times, so the timeline shows who said what
   * when. A change of talker (another SSRC) starts a new segment.
   */
  private recordVoice(sessionId: string, rtp: RtpPacket): void {
    let v = this.voices.get(sessionId);
    if (!v) {
      const rec = new SessionRecorder({
        dir: this.recordingsDir, sessionId, label: 'inspector', tracks: { video: false, audio: true },
        rotateMs: (this.opts.rotateMinutes ?? 5) * 60_000,
        onSegmentClose: (s) => this.trackSeal(sessionId, this.seal(s, false, 'inspector')),
        onError: (e) => this.logError(e, `voice recorder ${sessionId}`),
      });
      v = { rec };
      this.voices.set(sessionId, v);
    }
    if (v.ssrc !== undefined && v.ssrc !== rtp.header.ssrc) v.rec.reconnect();
    v.ssrc = rtp.header.ssrc;
    v.rec.audio(rtp);
  }

  private async stopVoice(sessionId: string): Promise<void> {
    const v = this.voices.get(sessionId);
    if (!v) return;
    this.voices.delete(sessionId);
    await v.rec.stop().catch((e) => this.logError(e, `voice recorder ${sessionId}`));
  }

  /** Seals a closed segment; false (and logged) when it could not be sealed, e.g. its bytes no longer match its hash. */
  private async seal(s: SegmentInfo, recovered: boolean, track: 'camera' | 'inspector' = 'camera'): Promise<boolean> {
    try {
      await sealSegment(this.env, { ...s, recovered, track });
      removeSidecar(s.path); // the sealed record (DB + audit) now holds what the sidecar said
      return true;
    } catch (e) {
      this.logError(e, `sealing ${s.path}`);
      return false;
    }
  }

  private trackSeal(sessionId: string, p: Promise<unknown>): void {
    let set = this.sealing.get(sessionId);
    if (!set) this.sealing.set(sessionId, (set = new Set()));
    set.add(p);
    void p.finally(() => {
      set!.delete(p);
      if (!set!.size && this.sealing.get(sessionId) === set) this.sealing.delete(sessionId);
    });
  }

  /** Resolves when every segment of the session closed so far is sealed. */
  async sealed(sessionId: string): Promise<void> {
    for (let set = this.sealing.get(sessionId); set?.size; set = this.sealing.get(sessionId)) await Promise.all([...set]);
  }

  /** Open session pages of the office refetch (a recording segment was sealed, a stream came or went). */
  private invalidate(s: { officeId: string }): void {
    void inTransaction(this.env.db, systemActor('media-node'), async (uow) => uow.invalidate([`office:${s.officeId}`], [['sessions']]))
      .catch((e) => this.logError(e, 'session refresh'));
  }

  private logError(e: unknown, context: string): void {
    this.opts.log.error({ err: e, context }, 'live session error');
  }
}


function denied(code: string, message: string): ViewerSignalExtra {
  return { type: 'denied', code, message };
}

function send(socket: PeerSocket, msg: unknown): void {
  if (socket.readyState === 1) socket.send(JSON.stringify(msg));
}
