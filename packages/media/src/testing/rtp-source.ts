// Real VP8 + Opus RTP from ffmpeg (libvpx/libopus), for recorder tests and the load benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { RtpPacket } from 'werift';

export interface RtpSourceOptions {
  width?: number;
  height?: number;
  fps?: number;
  videoKbps?: number;
  /** keyframe interval in frames (default 2 s worth) */
  gop?: number;
  /** stop after this many seconds (default: run until stop()) */
  seconds?: number;
  /** pace in real time (default true) */
  realtime?: boolean;
}

export interface RtpSource {
  onVideo?: (p: RtpPacket) => void;
  onAudio?: (p: RtpPacket) => void;
  /** resolves when ffmpeg exits */
  done: Promise<void>;
  pid?: number;
  stop(): void;
}

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.setRecvBufferSize?.(4 * 1024 * 1024);
  return s;
}

/** Starts ffmpeg encoding testsrc2 + a sine tone to RTP on two local UDP ports. */
export async function startRtpSource(o: RtpSourceOptions = {}): Promise<RtpSource> {
  const { width = 640, height = 360, fps = 30, videoKbps = 800, realtime = true } = o;
  const gop = o.gop ?? fps * 2;
  const vs = await udp();
  const as = await udp();
  const src: RtpSource = { done: Promise.resolve(), stop: () => {} };
  vs.on('message', (m) => { try { src.onVideo?.(RtpPacket.deSerialize(m)); } catch { /* not RTP */ } });
  as.on('message', (m) => { try { src.onAudio?.(RtpPacket.deSerialize(m)); } catch { /* not RTP */ } });
  const dur = o.seconds ? ['-t', String(o.seconds)] : [];
  const args = [
    '-v', 'error',
    ...(realtime ? ['-re'] : []), ...dur, '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(realtime ? ['-re'] : []), ...dur, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${videoKbps}k`, '-g', String(gop),
    '-auto-alt-ref', '0', '-payload_type', '96', '-ssrc', String(0x1234), '-f', 'rtp', `rtp://127.0.0.1:${vs.address().port}?pkt_size=1200`,
    '-map', '1:a', '-c:a', 'libopus', '-b:a', '32k', '-payload_type', '111', '-ssrc', String(0x5678), '-f', 'rtp', `rtp://127.0.0.1:${as.address().port}`,
  ];
  const ff: ChildProcess = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  ff.stderr?.on('data', (d) => (err += String(d)));
  src.done = new Promise((resolve) => ff.on('exit', () => {
    // let the last datagrams drain
    setTimeout(() => { vs.close(); as.close(); resolve(); }, 100);
  }));
  src.pid = ff.pid;
  src.stop = () => { if (ff.exitCode === null) ff.kill('SIGTERM'); };
  void err;
  return src;
}

/** Captures `seconds` of RTP (as raw datagrams with arrival offsets) for replay. */
export async function captureRtp(o: RtpSourceOptions & { seconds: number }): Promise<{ video: { at: number; buf: Buffer }[]; audio: { at: number; buf: Buffer }[] }> {
  const out = { video: [] as { at: number; buf: Buffer }[], audio: [] as { at: number; buf: Buffer }[] };
  const t0 = performance.now();
  const s = await startRtpSource(o);
  s.onVideo = (p) => out.video.push({ at: performance.now() - t0, buf: p.serialize() });
  s.onAudio = (p) => out.audio.push({ at: performance.now() - t0, buf: p.serialize() });
  await s.done;
  return out;
}
