// Signalling messages between a media client (device publisher or inspector/observer viewer) and a MediaNode.
// Transport-agnostic: the app carries these as JSON over its authenticated WebSocket.
// The server is the only media endpoint: publishers offer to it, it offers to viewers (sendonly), never peer-to-peer.

import { RUNGS, type LadderReasonCode } from './ladder.ts';

export type PeerRole = 'publisher' | 'viewer';

/** Client-side stats a client may report (summaries of getStats), forwarded to the app for the session timeline. */
export interface ClientStatsReport {
  bitrateKbps?: number;
  rttMs?: number;
  packetLossPct?: number;
  jitterMs?: number;
  fps?: number;
  width?: number;
  height?: number;
  freezeCount?: number;
  qualityLimitation?: string;
  /** host | srflx | prflx | relay-udp | relay-tcp | relay-tls: how the peer reaches the node (TURN or direct) */
  transport?: string;
  /** the quality ladder's rung (issue 16: 720p30 … stills, audio), why it is there, and the figure that decided it */
  rung?: string;
  rungReason?: string;
  rungValue?: number;
}

export type ClientToServer =
  /** First message. The app has already authenticated the socket and checked that this peer may take `role` in `sessionId`. */
  | { type: 'join'; sessionId: string; role: PeerRole }
  /** Publisher: full SDP offer (non-trickle: gathered candidates included). Also used to reconnect (ICE restart or a new peer). */
  | { type: 'offer'; sdp: string }
  /** Viewer: answer to the server's offer. */
  | { type: 'answer'; sdp: string }
  /** Trickle ICE candidate (optional: clients may send complete SDPs instead). `null` candidate = end of candidates. */
  | { type: 'candidate'; candidate: string | null; sdpMid?: string | null; sdpMLineIndex?: number | null }
  /** Viewer: ask for a fresh offer (new peer connection) after its connection failed. */
  | { type: 'restart' }
  /** Viewer: start / stop talking to the device (push-to-talk, unmute); the app decides who may. */
  | { type: 'talk'; on: boolean }
  /** Periodic client stats (forwarded to MediaNode.onStats). */
  | { type: 'stats'; stats: ClientStatsReport }
  /** Leave the room. */
  | { type: 'bye' };

export type PublisherState = 'absent' | 'live' | 'reconnecting';

export type ServerToClient =
  | { type: 'joined'; sessionId: string; role: PeerRole; peerId: string; publisher: PublisherState; iceServers?: { urls: string | string[]; username?: string; credential?: string }[] }
  | { type: 'offer'; sdp: string }
  | { type: 'answer'; sdp: string }
  /** Sent to viewers whenever the room's publisher state changes (inspector shows "reconnecting"). */
  | { type: 'publisher'; state: PublisherState }
  /** Recording status, sent to every peer of the room when a segment opens or closes. */
  | { type: 'recording'; state: 'on' | 'off'; segmentIndex: number }
  /** Who holds the talk channel now (a viewer's peer id) or null; apps may add names. */
  | { type: 'talker'; peerId: string | null }
  | { type: 'error'; code: SignallingErrorCode; message: string }
  | { type: 'bye'; reason: string };

export type SignallingErrorCode =
  | 'bad_message'
  | 'not_joined'
  | 'already_joined'
  | 'wrong_role'
  | 'room_full'
  | 'negotiation_failed'
  | 'unknown_session'
  /** the session moved to another media node (the one hosting it died): join again (sent by the app's relay) */
  | 'node_changed';

const MAX_SDP = 64 * 1024;
const LADDER_RUNGS: readonly string[] = RUNGS;
const LADDER_REASONS: readonly string[] = ['start', 'loss', 'rtt', 'bandwidth', 'stalled', 'recovered', 'pinned', 'unpinned', 'save_data'] satisfies LadderReasonCode[];
const MAX_ID = 128;
const ID_RE = /^[A-Za-z0-9_.:-]+$/;

export class SignallingError extends Error {
  constructor(readonly code: SignallingErrorCode, message: string) {
    super(message);
    this.name = 'SignallingError';
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SignallingError('bad_message', `stats.${field} must be a finite number`);
  return v;
}

function sdpField(m: Record<string, unknown>): string {
  const sdp = m.sdp;
  if (typeof sdp !== 'string' || sdp.length === 0) throw new SignallingError('bad_message', `${m.type}.sdp must be a non-empty string`);
  if (sdp.length > MAX_SDP) throw new SignallingError('bad_message', `${m.type}.sdp is longer than ${MAX_SDP} characters`);
  if (!sdp.startsWith('v=0')) throw new SignallingError('bad_message', `${m.type}.sdp does not look like SDP (must start with v=0)`);
  return sdp;
}

/** Validates an untrusted message (already JSON-parsed, or a JSON string). Throws SignallingError naming the bad field. */
export function parseClientMessage(input: unknown): ClientToServer {
  let m: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_SDP + 4096) throw new SignallingError('bad_message', 'message too large');
    try {
      m = JSON.parse(input);
    } catch {
      throw new SignallingError('bad_message', 'message is not valid JSON');
    }
  }
  if (!isObj(m)) throw new SignallingError('bad_message', 'message must be a JSON object');
  switch (m.type) {
    case 'join': {
      const { sessionId, role } = m;
      if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > MAX_ID || !ID_RE.test(sessionId))
        throw new SignallingError('bad_message', 'join.sessionId must be 1-128 characters of A-Z a-z 0-9 _ . : -');
      if (role !== 'publisher' && role !== 'viewer') throw new SignallingError('bad_message', 'join.role must be "publisher" or "viewer"');
      return { type: 'join', sessionId, role };
    }
    case 'offer':
      return { type: 'offer', sdp: sdpField(m) };
    case 'answer':
      return { type: 'answer', sdp: sdpField(m) };
    case 'candidate': {
      const c = m.candidate;
      if (c !== null && (typeof c !== 'string' || c.length > 1024)) throw new SignallingError('bad_message', 'candidate.candidate must be a string (≤1024) or null');
      const sdpMid = m.sdpMid;
      if (sdpMid !== undefined && sdpMid !== null && (typeof sdpMid !== 'string' || sdpMid.length > 32)) throw new SignallingError('bad_message', 'candidate.sdpMid must be a short string');
      const idx = m.sdpMLineIndex;
      if (idx !== undefined && idx !== null && (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > 64)) throw new SignallingError('bad_message', 'candidate.sdpMLineIndex must be an integer 0-64');
      return { type: 'candidate', candidate: c as string | null, sdpMid: sdpMid as string | null | undefined, sdpMLineIndex: idx as number | null | undefined };
    }
    case 'restart':
      return { type: 'restart' };
    case 'talk':
      if (typeof m.on !== 'boolean') throw new SignallingError('bad_message', 'talk.on must be true or false');
      return { type: 'talk', on: m.on };
    case 'bye':
      return { type: 'bye' };
    case 'stats': {
      const s = m.stats;
      if (!isObj(s)) throw new SignallingError('bad_message', 'stats.stats must be an object');
      const q = s.qualityLimitation;
      if (q !== undefined && (typeof q !== 'string' || q.length > 32)) throw new SignallingError('bad_message', 'stats.qualityLimitation must be a short string');
      const tr = s.transport;
      if (tr !== undefined && (typeof tr !== 'string' || !['host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls'].includes(tr))) {
        throw new SignallingError('bad_message', 'stats.transport must be one of host, srflx, prflx, relay-udp, relay-tcp, relay-tls');
      }
      const rung = s.rung;
      if (rung !== undefined && (typeof rung !== 'string' || !LADDER_RUNGS.includes(rung))) throw new SignallingError('bad_message', `stats.rung must be one of ${LADDER_RUNGS.join(', ')}`);
      const rr = s.rungReason;
      if (rr !== undefined && (typeof rr !== 'string' || !LADDER_REASONS.includes(rr))) throw new SignallingError('bad_message', `stats.rungReason must be one of ${LADDER_REASONS.join(', ')}`);
      return {
        type: 'stats',
        stats: {
          bitrateKbps: num(s.bitrateKbps, 'bitrateKbps'), rttMs: num(s.rttMs, 'rttMs'), packetLossPct: num(s.packetLossPct, 'packetLossPct'), jitterMs: num(s.jitterMs, 'jitterMs'),
          fps: num(s.fps, 'fps'), width: num(s.width, 'width'), height: num(s.height, 'height'), freezeCount: num(s.freezeCount, 'freezeCount'),
          qualityLimitation: q as string | undefined,
          ...(tr !== undefined ? { transport: tr as string } : {}),
          ...(rung !== undefined ? { rung: rung as string } : {}),
          ...(rr !== undefined ? { rungReason: rr as string } : {}),
          ...(s.rungValue !== undefined ? { rungValue: num(s.rungValue, 'rungValue') } : {}),
        },
      };
    }
    default:
      throw new SignallingError('bad_message', `unknown message type ${JSON.stringify(String(m.type)).slice(0, 40)}`);
  }
}
