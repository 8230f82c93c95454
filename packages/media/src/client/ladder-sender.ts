// The quality ladder applied to a real RTCRtpSender (issue 16.1), and Opus set up to protect the voice first.
import { RUNG_SPECS, type LadderInput, type Rung } from '../ladder.ts';
import type { PublisherStats } from './stats.ts';

/**
 * Applies a rung to the video sender without renegotiation: scaleResolutionDownBy from the camera's own height (never
 * up), maxBitrate and maxFramerate; on the stills and audio rungs the encoding is made inactive (no video RTP at all).
 * The camera track itself stays on: the operator keeps the preview to aim, and the stills are taken from it.
 */
export async function applyRung(sender: RTCRtpSender, rung: Rung, o: { trackHeight?: number; maxKbps?: number; degradationPreference?: RTCDegradationPreference }): Promise<void> {
  const spec = RUNG_SPECS[rung];
  const p = sender.getParameters() as RTCRtpSendParameters & { degradationPreference?: RTCDegradationPreference };
  const e = p.encodings?.[0] as (RTCRtpEncodingParameters & { maxFramerate?: number }) | undefined;
  if (!e) return;
  e.active = spec.video;
  if (spec.video) {
    const h = o.trackHeight && o.trackHeight > 0 ? o.trackHeight : spec.height!;
    e.scaleResolutionDownBy = Math.max(1, Math.round((h / spec.height!) * 100) / 100);
    e.maxBitrate = Math.min(spec.maxKbps!, o.maxKbps ?? Infinity) * 1000;
    e.maxFramerate = spec.maxFps;
  }
  // 180p15 is the smallest picture worth sending: the encoder keeps its size and gives up frame rate instead (with
  // 'balanced' it went down to 240×135 on the weak link); above it the ladder itself chooses the size
  const pref = rung === '180p15' ? 'maintain-resolution' : o.degradationPreference;
  if (pref) p.degradationPreference = pref;
  await sender.setParameters(p);
}

/** The ladder's input from one publisher stats sample. */
export function ladderInput(s: PublisherStats, rung: Rung, at: number): LadderInput {
  const spec = RUNG_SPECS[rung];
  return {
    at,
    connected: s.level !== 'down',
    lossPct: s.packetLossPct ?? null,
    rttMs: s.rttMs ?? null,
    availableKbps: s.availableKbps ?? null,
    bandwidthLimited: s.qualityLimitation === 'bandwidth',
    // the sent picture stalls: frames per second far below what the rung asks for
    stalled: spec.video && s.fps !== undefined && spec.maxFps !== undefined && s.fps < spec.maxFps / 3,
  };
}

/**
 * Opus as the device's voice should be sent on a bad network: in-band FEC (each packet carries a coarse copy of the
 * previous one, so a single loss is repaired without a retransmission) and DTX (near-silent stretches send almost
 * nothing, leaving the bits to the picture). The sender follows the parameters of the remote description, so they
 * are set in the media node's answer before the browser applies it.
 */
export function opusForBadNetworks(sdp: string, o: { dtx?: boolean } = {}): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const opus = new Set(lines.map((l) => /^a=rtpmap:(\d+) opus\//i.exec(l)?.[1]).filter((x): x is string => !!x));
  if (!opus.size) return sdp;
  const want: Record<string, string> = { useinbandfec: '1', ...(o.dtx !== false ? { usedtx: '1' } : {}) };
  const seen = new Set<string>();
  const out = lines.map((l) => {
    const m = /^a=fmtp:(\d+) (.*)$/.exec(l);
    if (!m || !opus.has(m[1])) return l;
    seen.add(m[1]);
    const params = new Map(m[2].split(';').map((kv) => kv.trim()).filter(Boolean).map((kv) => kv.split('=') as [string, string]));
    for (const [k, v] of Object.entries(want)) params.set(k, v);
    return `a=fmtp:${m[1]} ${[...params].map(([k, v]) => `${k}=${v}`).join(';')}`;
  });
  // an Opus payload without fmtp gets one, right after its rtpmap
  const result: string[] = [];
  for (const l of out) {
    result.push(l);
    const pt = /^a=rtpmap:(\d+) opus\//i.exec(l)?.[1];
    if (pt && !seen.has(pt)) result.push(`a=fmtp:${pt} ${Object.entries(want).map(([k, v]) => `${k}=${v}`).join(';')}`);
  }
  return result.join(eol);
}
