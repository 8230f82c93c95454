/**
 * A phone pointed at a container door, as the media node receives it: ffmpeg encodes a picture sequence (an empty
 * door, then the door with its number) as real-time VP8 RTP (libvpx, as a browser sends) to a local UDP port; the
 * packets are parsed (RFC 3550) and handed to the caller. For the live-reading test and benchmark.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RtpLike } from '../live/live-reader.ts';

/** Parses one RTP datagram (fixed header, CSRCs, header extension, padding). */
export function parseRtp(b: Buffer): RtpLike | null {
  if (b.length < 12 || b[0] >> 6 !== 2) return null;
  const cc = b[0] & 0x0f;
  let off = 12 + 4 * cc;
  if (b[0] & 0x10) {
    if (b.length < off + 4) return null;
    off += 4 + 4 * b.readUInt16BE(off + 2);
  }
  let end = b.length;
  if (b[0] & 0x20) end -= b[b.length - 1];
  if (off > end) return null;
  return { header: { sequenceNumber: b.readUInt16BE(2), timestamp: b.readUInt32BE(4), marker: (b[1] & 0x80) !== 0 }, payload: b.subarray(off, end) };
}

export interface DoorStream {
  /** When the first packet arrived (ms since epoch): the number is in view from `firstPacketAt + blankSeconds`. */
  firstPacketAt: number;
  done: Promise<void>;
  stop(): void;
}

export async function streamDoorRtp(o: { blank: Buffer; door: Buffer; blankSeconds: number; doorSeconds: number; width: number; height: number; kbps?: number; onRtp: (p: RtpLike) => void }): Promise<DoorStream> {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-rtp-door-'));
  writeFileSync(join(dir, 'blank.jpg'), o.blank);
  writeFileSync(join(dir, 'door.jpg'), o.door);
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.setRecvBufferSize?.(4 * 1024 * 1024);
  const stream: DoorStream = { firstPacketAt: 0, done: Promise.resolve(), stop: () => {} };
  sock.on('message', (m) => {
    const p = parseRtp(m);
    if (!p) return;
    if (!stream.firstPacketAt) stream.firstPacketAt = Date.now();
    o.onRtp(p);
  });
  const { width: w, height: h } = o;
  const ff = spawn('ffmpeg', [
    '-v', 'error', '-re', '-loop', '1', '-framerate', '30', '-t', String(o.blankSeconds), '-i', join(dir, 'blank.jpg'),
    '-re', '-loop', '1', '-framerate', '30', '-t', String(o.doorSeconds), '-i', join(dir, 'door.jpg'),
    // a hand-held camera: the picture moves a little all the time
    '-filter_complex', `[0:v]scale=${w}:${h},setsar=1[a];[1:v]scale=${w}:${h},setsar=1[b];[a][b]concat=n=2:v=1[c];[c]crop=${w - 16}:${h - 16}:'8+6*sin(t*2)':'8+6*cos(t*2)',scale=${w}:${h},format=yuv420p[v]`,
    '-map', '[v]', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${o.kbps ?? 1500}k`, '-g', '90', '-auto-alt-ref', '0',
    '-payload_type', '96', '-f', 'rtp', `rtp://127.0.0.1:${(sock.address()).port}?pkt_size=1200`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  ff.stderr.on('data', (d) => (err = (err + String(d)).slice(-1000)));
  stream.done = new Promise((resolve, reject) => ff.on('exit', (code) => {
    setTimeout(() => {
      sock.close();
      rmSync(dir, { recursive: true, force: true });
      if (code === 0 || code === null || code === 255) resolve(); else reject(new Error(`ffmpeg exited ${code}: ${err}`));
    }, 200);
  }));
  stream.stop = () => { if (ff.exitCode === null) ff.kill('SIGTERM'); };
  return stream;
}
