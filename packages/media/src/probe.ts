// ffprobe helpers: what a recording really contains (duration from packets, frame gaps, resolution).
import { execFile } from 'node:child_process';

export interface ProbeResult {
  /** ffprobe could parse the file and it has at least one video packet */
  ok: boolean;
  error?: string;
  /** from first to last packet (+ one frame), over all streams (ms) */
  durationMs: number;
  videoPackets: number;
  audioPackets: number;
  /** largest distance between consecutive video packets (ms) */
  maxVideoGapMs: number;
  /** time (ms from the start) where the largest video gap begins */
  maxVideoGapAtMs: number;
  width?: number;
  height?: number;
  /** duration stored in the container header (s), as ffprobe reads it */
  headerDurationS?: number;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export async function probeMedia(path: string, ffprobe = 'ffprobe'): Promise<ProbeResult> {
  const r = await run(ffprobe, ['-v', 'error', '-show_entries', 'stream=index,codec_type,width,height:format=duration:packet=stream_index,pts_time',
    '-of', 'json', path]);
  const empty: ProbeResult = { ok: false, durationMs: 0, videoPackets: 0, audioPackets: 0, maxVideoGapMs: 0, maxVideoGapAtMs: 0 };
  if (r.code !== 0 && !r.stdout) return { ...empty, error: r.stderr.trim().slice(0, 500) || `ffprobe exit ${r.code}` };
  let j: { streams?: { index: number; codec_type: string; width?: number; height?: number }[]; packets?: { stream_index: number; pts_time?: string }[]; format?: { duration?: string } };
  try {
    j = JSON.parse(r.stdout);
  } catch {
    return { ...empty, error: 'ffprobe output is not JSON' };
  }
  const streams = j.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  const vts: number[] = [];
  let aCount = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const p of j.packets ?? []) {
    const t = Number(p.pts_time);
    if (!Number.isFinite(t)) continue;
    min = Math.min(min, t);
    max = Math.max(max, t);
    if (video && p.stream_index === video.index) vts.push(t);
    else if (audio && p.stream_index === audio.index) aCount++;
  }
  vts.sort((a, b) => a - b);
  let gap = 0;
  let gapAt = 0;
  for (let i = 1; i < vts.length; i++) {
    const d = vts[i] - vts[i - 1];
    if (d > gap) { gap = d; gapAt = vts[i - 1] - (Number.isFinite(min) ? min : 0); }
  }
  const frame = vts.length > 1 ? (vts[vts.length - 1] - vts[0]) / (vts.length - 1) : 0;
  const headerDurationS = j.format?.duration !== undefined ? Number(j.format.duration) : undefined;
  return {
    // a file with a video track needs video packets; an audio-only recording (the inspector's voice) audio packets
    ok: video ? vts.length > 0 : aCount > 0,
    error: (video ? vts.length : aCount) ? undefined : (r.stderr.trim().slice(0, 500) || (video || !audio ? 'no video packets' : 'no audio packets')),
    durationMs: Number.isFinite(min) ? Math.round((max - min + frame) * 1000) : 0,
    videoPackets: vts.length,
    audioPackets: aCount,
    maxVideoGapMs: Math.round(gap * 1000),
    maxVideoGapAtMs: Math.round(gapAt * 1000),
    width: video?.width,
    height: video?.height,
    headerDurationS,
  };
}

/** Decodes the whole file with ffmpeg (to null). ok = exit 0 and no decode errors. Slower than probeMedia. */
export async function decodeCheck(path: string, ffmpeg = 'ffmpeg'): Promise<{ ok: boolean; errors: string[] }> {
  const r = await run(ffmpeg, ['-v', 'error', '-nostdin', '-i', path, '-f', 'null', '-'], 300_000);
  const errors = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/Unknown-sized element/.test(l));
  return { ok: r.code === 0 && errors.length === 0, errors: errors.slice(0, 20) };
}
