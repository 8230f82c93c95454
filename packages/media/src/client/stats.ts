// getStats summaries for the publisher (network quality) and viewers (inspector stats panel).
import { networkQuality, type NetworkQualityLevel } from '../quality.ts';

export interface ViewerStats {
  at: number;
  bitrateKbps: number;
  rttMs?: number;
  /** packets lost / expected over the last interval, % */
  packetLossPct: number;
  fps?: number;
  width?: number;
  height?: number;
  framesDecoded: number;
  framesDropped?: number;
  freezeCount: number;
  totalFreezesDurationMs: number;
  jitterMs?: number;
  audioBitrateKbps: number;
  /** freezes over the last minute */
  freezesPerMin: number;
  /** from loss, RTT, jitter and freezes (never bitrate) */
  level: NetworkQualityLevel;
  /** the device's voice as played here (0..1, inbound-rtp audioLevel) */
  audioLevel?: number;
  /** cumulative energy of the received audio (grows while sound plays) */
  totalAudioEnergy?: number;
  /** how this connection reaches the media node: host, srflx, prflx, relay-udp, relay-tcp, relay-tls */
  transport?: Transport;
}

export type Transport = 'host' | 'srflx' | 'prflx' | 'relay-udp' | 'relay-tcp' | 'relay-tls';
export const TRANSPORTS: readonly Transport[] = ['host', 'srflx', 'prflx', 'relay-udp', 'relay-tcp', 'relay-tls'];

export type QualityLevel = 'good' | 'fair' | 'poor' | 'down';

export interface PublisherStats {
  at: number;
  level: QualityLevel;
  bitrateKbps: number;
  /** the browser's estimate of the bandwidth it may use (transport-wide CC) */
  availableKbps?: number;
  rttMs?: number;
  packetLossPct?: number;
  /** jitter the media node sees on our video (remote-inbound-rtp), ms */
  jitterMs?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** 'bandwidth' | 'cpu' | 'none' | 'other' */
  qualityLimitation?: string;
  transport?: Transport;
}

type Rec = Record<string, unknown> & { type: string; id: string; kind?: string; timestamp: number };

function n(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function all(report: RTCStatsReport): Rec[] {
  const out: Rec[] = [];
  report.forEach((s) => out.push(s as Rec));
  return out;
}

function selectedPair(stats: Rec[]): Rec | undefined {
  const transport = stats.find((s) => s.type === 'transport');
  const id = transport?.selectedCandidatePairId;
  return stats.find((s) => s.type === 'candidate-pair' && (id ? s.id === id : s.nominated && s.state === 'succeeded'));
}

/** The local end of the selected candidate pair: a direct path (host, srflx, prflx) or a TURN relay and how it is reached. */
export function transportOf(stats: Rec[], pair: Rec | undefined): Transport | undefined {
  const local = pair ? stats.find((s) => s.id === pair.localCandidateId) : undefined;
  const type = local?.candidateType;
  if (type === 'relay') {
    const proto = local?.relayProtocol;
    return proto === 'tcp' ? 'relay-tcp' : proto === 'tls' ? 'relay-tls' : 'relay-udp';
  }
  return type === 'host' || type === 'srflx' || type === 'prflx' ? type : undefined;
}

export class ViewerStatsSampler {
  private prev?: { t: number; bytes: number; aBytes: number; lost: number; recv: number };
  /** (time, cumulative freeze count) over the last minute */
  private freezes: { t: number; n: number }[] = [];
  sample(report: RTCStatsReport): ViewerStats {
    const stats = all(report);
    const v = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'video');
    const a = stats.find((s) => s.type === 'inbound-rtp' && s.kind === 'audio');
    const pair = selectedPair(stats);
    const now = performance.now();
    const bytes = n(v?.bytesReceived) ?? 0;
    const aBytes = n(a?.bytesReceived) ?? 0;
    const lost = n(v?.packetsLost) ?? 0;
    const recv = n(v?.packetsReceived) ?? 0;
    const p = this.prev;
    const dt = p ? (now - p.t) / 1000 : 0;
    const dLost = p ? lost - p.lost : 0;
    const dRecv = p ? recv - p.recv : 0;
    this.prev = { t: now, bytes, aBytes, lost, recv };
    const freezeCount = n(v?.freezeCount) ?? 0;
    this.freezes.push({ t: now, n: freezeCount });
    while (this.freezes.length > 1 && now - this.freezes[0].t > 60_000) this.freezes.shift();
    const freezesPerMin = Math.max(0, freezeCount - this.freezes[0].n);
    const rttMs = n(pair?.currentRoundTripTime) !== undefined ? Math.round(n(pair!.currentRoundTripTime)! * 1000) : undefined;
    const packetLossPct = dLost + dRecv > 0 ? Math.max(0, Math.round((1000 * dLost) / (dLost + dRecv)) / 10) : 0;
    const jitterMs = n(v?.jitter) !== undefined ? Math.round(n(v!.jitter)! * 1000) : undefined;
    return {
      at: Date.now(),
      bitrateKbps: p && dt > 0 ? Math.round(((bytes - p.bytes) * 8) / dt / 1000) : 0,
      audioBitrateKbps: p && dt > 0 ? Math.round(((aBytes - p.aBytes) * 8) / dt / 1000) : 0,
      rttMs,
      packetLossPct,
      fps: n(v?.framesPerSecond),
      width: n(v?.frameWidth),
      height: n(v?.frameHeight),
      framesDecoded: n(v?.framesDecoded) ?? 0,
      framesDropped: n(v?.framesDropped),
      freezeCount,
      totalFreezesDurationMs: Math.round((n(v?.totalFreezesDuration) ?? 0) * 1000),
      jitterMs,
      freezesPerMin,
      level: networkQuality({ packetLossPct, rttMs, jitterMs, freezesPerMin }),
      audioLevel: n(a?.audioLevel),
      totalAudioEnergy: n(a?.totalAudioEnergy),
      transport: transportOf(stats, pair),
    };
  }
}

export class PublisherStatsSampler {
  private prev?: { t: number; bytes: number };
  sample(report: RTCStatsReport, connected: boolean): PublisherStats {
    const stats = all(report);
    const outs = stats.filter((s) => s.type === 'outbound-rtp' && s.kind === 'video');
    const o = outs.sort((x, y) => (n(y.frameWidth) ?? 0) - (n(x.frameWidth) ?? 0))[0];
    const remote = stats.find((s) => s.type === 'remote-inbound-rtp' && s.kind === 'video');
    const pair = selectedPair(stats);
    const now = performance.now();
    const bytes = outs.reduce((sum, s) => sum + (n(s.bytesSent) ?? 0), 0);
    const p = this.prev;
    this.prev = { t: now, bytes };
    const dt = p ? (now - p.t) / 1000 : 0;
    const bitrateKbps = p && dt > 0 ? Math.round(((bytes - p.bytes) * 8) / dt / 1000) : 0;
    const availableKbps = n(pair?.availableOutgoingBitrate) !== undefined ? Math.round(n(pair!.availableOutgoingBitrate)! / 1000) : undefined;
    const rtt = n(remote?.roundTripTime) ?? n(pair?.currentRoundTripTime);
    const rttMs = rtt !== undefined ? Math.round(rtt * 1000) : undefined;
    const fl = n(remote?.fractionLost);
    const packetLossPct = fl !== undefined ? Math.round(fl * 1000) / 10 : undefined;
    const jitterMs = n(remote?.jitter) !== undefined ? Math.round(n(remote!.jitter)! * 1000) : undefined;
    const fps = n(o?.framesPerSecond);
    const qualityLimitation = typeof o?.qualityLimitationReason === 'string' ? o.qualityLimitationReason : undefined;
    // issue 12: never from bitrate (a static scene encodes small); an unknown level while connected counts as good
    // until the first receiver report arrives (RTT from the candidate pair is there from the start)
    let level: QualityLevel;
    if (!connected) level = 'down';
    else {
      const l = networkQuality({ packetLossPct, rttMs, jitterMs, fps, qualityLimitation });
      level = l === 'unknown' ? 'good' : l;
    }
    return {
      at: Date.now(), level, bitrateKbps, availableKbps, rttMs, packetLossPct, jitterMs,
      fps, width: n(o?.frameWidth), height: n(o?.frameHeight), qualityLimitation, transport: transportOf(stats, pair),
    };
  }
}
