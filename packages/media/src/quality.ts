// Network quality of a live session from what the transport really does: packet loss, round-trip time, jitter,
// frame rate (when the encoder says the network or CPU limits it) and freezes. Never from bitrate alone: a steady
// shot of a container door legitimately encodes at 100-200 kbit/s on a perfect link (issue 12), and a bitrate floor
// turned such a shot into a false "poor" badge and a false critical alert.
// Pure and DOM-free: the camera page, the inspector console and the server's command wall use the same rule.

export type NetworkQualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

export interface NetworkFigures {
  /** packets lost / expected over the last interval, % */
  packetLossPct?: number | null;
  rttMs?: number | null;
  /** interarrival jitter, ms */
  jitterMs?: number | null;
  /** frames per second actually sent or decoded */
  fps?: number | null;
  /** the sender's qualityLimitationReason: 'bandwidth' | 'cpu' | 'none' | 'other' */
  qualityLimitation?: string | null;
  /** receiver freezes (video stalls ≥ 150 ms + 3 frame times, as Chrome counts them) per minute */
  freezesPerMin?: number | null;
  /** informative only: never decides the level */
  bitrateKbps?: number | null;
}

/**
 * Thresholds, worst first. Loss and RTT follow the usual interactive-video limits (ITU-T G.1010: ≤ 1 % loss and
 * ≤ 150 ms one way for good conversational quality; Opus FEC and NACK hide ~2 % loss); jitter beyond 50 ms starts to
 * grow the jitter buffer and the delay the inspector feels; a frame rate that the encoder itself lowered because of
 * the network (or CPU) is a real symptom, a low frame rate of a static source is not.
 */
export const QUALITY_LIMITS = {
  poor: { lossPct: 5, rttMs: 400, jitterMs: 100, freezesPerMin: 3, limitedFps: 10 },
  fair: { lossPct: 2, rttMs: 200, jitterMs: 50, freezesPerMin: 1, limitedFps: 20 },
} as const;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** good / fair / poor from loss, RTT, jitter, limited frame rate and freezes; unknown when none of them is known. */
export function networkQuality(f: NetworkFigures | null | undefined): NetworkQualityLevel {
  if (!f) return 'unknown';
  const loss = num(f.packetLossPct), rtt = num(f.rttMs), jitter = num(f.jitterMs), fps = num(f.fps), freezes = num(f.freezesPerMin);
  if (loss === null && rtt === null && jitter === null && freezes === null) return 'unknown';
  const limited = f.qualityLimitation === 'bandwidth' || f.qualityLimitation === 'cpu';
  const worse = (l: (typeof QUALITY_LIMITS)['poor' | 'fair']) =>
    (loss ?? 0) >= l.lossPct || (rtt ?? 0) >= l.rttMs || (jitter ?? 0) >= l.jitterMs || (freezes ?? 0) >= l.freezesPerMin
    || (limited && fps !== null && fps < l.limitedFps);
  if (worse(QUALITY_LIMITS.poor)) return 'poor';
  if (worse(QUALITY_LIMITS.fair)) return 'fair';
  return 'good';
}
