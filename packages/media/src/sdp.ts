// Small SDP edits.

export interface BitrateHints {
  /** initial estimate Chrome starts from (kbit/s) */
  startKbps: number;
  /** floor; keep low so a device on a bad network can go down to it */
  minKbps: number;
  /** ceiling */
  maxKbps: number;
}

/** Adds x-google-{start,min,max}-bitrate to the fmtp of every VP8/H264/VP9/AV1 payload in the video sections. */
export function addVideoBitrateHints(sdp: string, hints: BitrateHints): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdp.split(eol);
  const params = `x-google-start-bitrate=${Math.round(hints.startKbps)};x-google-min-bitrate=${Math.round(hints.minKbps)};x-google-max-bitrate=${Math.round(hints.maxKbps)}`;
  const out: string[] = [];
  let inVideo = false;
  let videoPts = new Set<string>();
  let withFmtp = new Set<string>();
  const flush = () => {
    // add fmtp lines for payloads that had none (before the next m= section)
    for (const pt of videoPts) if (!withFmtp.has(pt)) out.push(`a=fmtp:${pt} ${params}`);
  };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (inVideo) flush();
      inVideo = line.startsWith('m=video');
      videoPts = new Set();
      withFmtp = new Set();
    } else if (inVideo) {
      const rtp = /^a=rtpmap:(\d+) (VP8|VP9|H264|AV1)\//i.exec(line);
      if (rtp) videoPts.add(rtp[1]);
      const fm = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (fm && videoPts.has(fm[1]) && !fm[2].includes('x-google-')) {
        withFmtp.add(fm[1]);
        out.push(`a=fmtp:${fm[1]} ${fm[2]};${params}`);
        continue;
      }
    }
    if (line === '' && inVideo) {
      flush();
      inVideo = false;
    }
    out.push(line);
  }
  if (inVideo) flush();
  return out.join(eol);
}

/** Number of m= sections of a kind. */
export function countMedia(sdp: string, kind: 'audio' | 'video'): number {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith(`m=${kind}`)).length;
}
