// Real VP8 frames from libvpx (ffmpeg → IVF), packetized as Chrome does (RFC 7741 descriptor X=1 I=1 M=1, one
// partition), for deterministic tests of the recorder's frame assembly: the tests drop, reorder, duplicate and
// truncate packets and compare what was written with the original frames, byte for byte and decoded picture by picture.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { RtpHeader, RtpPacket } from 'werift';

export interface ClipFrame {
  data: Buffer;
  keyframe: boolean;
  /** index in the clip */
  n: number;
}

export function makeVp8Ivf(path: string, o: { seconds?: number; fps?: number; gop?: number; width?: number; height?: number; kbps?: number } = {}): Promise<string> {
  const { seconds = 3, fps = 30, gop = 30, width = 320, height = 180, kbps = 400 } = o;
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds),
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`, '-g', String(gop), '-keyint_min', String(gop), '-auto-alt-ref', '0', '-f', 'ivf', path],
    (err) => (err ? reject(err) : resolve(path)));
  });
}

export function readIvf(path: string): ClipFrame[] {
  const d = readFileSync(path);
  if (d.subarray(0, 4).toString() !== 'DKIF') throw new Error(`${path} is not IVF`);
  const frames: ClipFrame[] = [];
  let p = d.readUInt16LE(6);
  while (p + 12 <= d.length) {
    const size = d.readUInt32LE(p);
    const data = d.subarray(p + 12, p + 12 + size);
    frames.push({ data: Buffer.from(data), keyframe: (data[0] & 1) === 0, n: frames.length });
    p += 12 + size;
  }
  return frames;
}

/** Writes frames as IVF (e.g. what the recorder wrote, extracted, or the originals) for ffmpeg to decode. */
export function ivfBytes(frames: Buffer[], width: number, height: number): Buffer {
  const head = Buffer.alloc(32);
  head.write('DKIF', 0);
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(32, 6);
  head.write('VP80', 8);
  head.writeUInt16LE(width, 12);
  head.writeUInt16LE(height, 14);
  head.writeUInt32LE(30, 16);
  head.writeUInt32LE(1, 20);
  head.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(12);
    h.writeUInt32LE(f.length, 0);
    h.writeBigUInt64LE(BigInt(i), 4);
    parts.push(h, f);
  });
  return Buffer.concat(parts);
}

export interface Packetized {
  packets: RtpPacket[];
  /** frame index of each packet */
  frameOf: number[];
}

/** Packetizes frames like libwebrtc: 15-bit picture id, S=1 on the first packet, marker on the last. */
export function packetizeVp8(frames: ClipFrame[], o: { mtu?: number; ssrc?: number; seq?: number; ts?: number; tsStep?: number } = {}): Packetized {
  const { mtu = 900, ssrc = 0x1111, tsStep = 3000 } = o;
  let seq = o.seq ?? 65000; // wraps inside the clip
  let ts = o.ts ?? 0xffff0000;
  const packets: RtpPacket[] = [];
  const frameOf: number[] = [];
  frames.forEach((f, i) => {
    const pid = (1000 + i) & 0x7fff;
    for (let off = 0; off < f.data.length; off += mtu) {
      const chunk = f.data.subarray(off, Math.min(f.data.length, off + mtu));
      const desc = Buffer.from([0x80 | (off === 0 ? 0x10 : 0), 0x80, 0x80 | (pid >> 8), pid & 0xff]);
      const last = off + mtu >= f.data.length;
      const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: ts >>> 0, ssrc, marker: last });
      packets.push(new RtpPacket(header, Buffer.concat([desc, chunk])));
      frameOf.push(i);
      seq = (seq + 1) & 0xffff;
    }
    ts = (ts + tsStep) >>> 0;
  });
  return { packets, frameOf };
}

/** Renumbers sequence numbers consecutively (what the sender's pacer does when it drops queued packets). */
export function renumber(packets: RtpPacket[], startSeq: number): RtpPacket[] {
  return packets.map((p, i) => {
    const q = p.clone();
    q.header.sequenceNumber = (startSeq + i) & 0xffff;
    return q;
  });
}
