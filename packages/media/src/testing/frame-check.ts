// Proves the picture of a recording, frame by frame: decodes every recorded video frame with ffmpeg, reads the frame
// number drawn by the publisher (frame-pattern.ts) and compares the frame with the reference rendering of that number
// (PSNR of the luma plane). A recorder that writes frames with missing packets, in the wrong order or after a lost
// reference frame decodes "without errors" into smeared blocks; this check sees them.
import { spawn } from 'node:child_process';
import { bitOf, panOffset, PATTERN } from './frame-pattern.ts';

export interface Texture {
  /** luma of the 2W×H texture, BT.709 weights at full range: what Chrome's canvas capture puts in the VP8 stream */
  y: Uint8Array;
  width: number;
  height: number;
}

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exit ${code}: ${err.slice(0, 500)}`))));
  });
}

/**
 * Writes the pattern's texture as a PNG (2W×H): the photo (or a generated picture) filling W×H, next to its mirror
 * image, so a pan over W pixels never runs off the edge.
 */
export async function makeTexture(outPng: string, photo?: string): Promise<string> {
  const { width: w, height: h } = PATTERN;
  const input = photo ? ['-i', photo] : ['-f', 'lavfi', '-i', `mandelbrot=size=${w}x${h}:start_scale=0.02:end_pts=1`];
  await run('ffmpeg', ['-v', 'error', '-y', ...input, '-frames:v', '1', '-filter_complex',
    `[0:v]scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},format=rgb24,split[a][b];[b]hflip[c];[a][c]hstack`, outPng]);
  return outPng;
}

/**
 * Loads the PNG texture and computes its luma as the browser's RGB → I420 conversion does for a canvas capture
 * (fitted on a clean keyframe: Y = 0.207 R + 0.713 G + 0.072 B + 1.0, black blocks decode to 1 and white to 255,
 * i.e. BT.709 at full range; BT.601 limited range, libyuv's ARGBToI420, was 12 grey levels off).
 */
export async function loadTexture(png: string): Promise<Texture> {
  const width = PATTERN.width * 2;
  const height = PATTERN.height;
  const rgb = await run('ffmpeg', ['-v', 'error', '-i', png, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  if (rgb.length !== width * height * 3) throw new Error(`texture ${png}: expected ${width}×${height}, got ${rgb.length} bytes`);
  const y = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < y.length; i++, j += 3) y[i] = (54 * rgb[j] + 183 * rgb[j + 1] + 19 * rgb[j + 2] + 128) >> 8;
  return { y, width, height };
}

/** The reference luma of frame n (W×H). */
export function referenceFrame(tex: Texture, n: number): Uint8Array {
  const { width: w, height: h, bits, blockW, blockH } = PATTERN;
  const out = new Uint8Array(w * h);
  const off = panOffset(n);
  for (let row = 0; row < h; row++) out.set(tex.y.subarray(row * tex.width + off, row * tex.width + off + w), row * w);
  for (let k = 0; k < bits; k++) {
    const bit = bitOf(n, k);
    for (let r = 0; r < 2 * blockH; r++) {
      const white = r < blockH ? bit : 1 - bit;
      out.fill(white ? 255 : 0, r * w + k * blockW, r * w + (k + 1) * blockW);
    }
  }
  return out;
}

/** Reads the frame number from a decoded W×H luma plane; undefined when any block is ambiguous. */
export function readFrameNumber(y: Uint8Array): number | undefined {
  const { width: w, bits, blockW, blockH } = PATTERN;
  const mean = (x0: number, y0: number) => {
    let s = 0;
    let c = 0;
    for (let r = y0 + blockH / 4; r < y0 + (3 * blockH) / 4; r++) {
      for (let x = x0 + blockW / 4; x < x0 + (3 * blockW) / 4; x++) {
        s += y[r * w + x];
        c++;
      }
    }
    return s / c;
  };
  let n = 0;
  for (let k = 0; k < bits; k++) {
    const top = mean(k * blockW, 0);
    const bottom = mean(k * blockW, blockH);
    if (Math.abs(top - bottom) < 80) return undefined;
    n = n * 2 + (top > bottom ? 1 : 0);
  }
  return n;
}

export function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

export interface VideoPacket {
  ptsS: number;
  key: boolean;
}

/** Video packets of a file (no decoding): presentation time and keyframe flag. */
export async function videoPackets(path: string): Promise<VideoPacket[]> {
  const out = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', path]);
  return out.toString().trim().split('\n').filter(Boolean).map((l) => {
    const [pts, flags] = l.split(',');
    return { ptsS: Number(pts), key: (flags ?? '').includes('K') };
  });
}

/** Decodes every video frame of a file to W×H luma (scaled if the stream's size differs) and calls onFrame in order. */
export function decodeFrames(path: string, onFrame: (y: Uint8Array, index: number) => void): Promise<{ frames: number; errors: string[] }> {
  const { width: w, height: h } = PATTERN;
  const frameBytes = (w * h * 3) / 2;
  return new Promise((resolve, reject) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', path, '-map', '0:v:0', '-fps_mode', 'passthrough',
      '-vf', `scale=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let index = 0;
    let err = '';
    p.stdout.on('data', (d: Buffer) => {
      pending.push(d);
      pendingBytes += d.length;
      while (pendingBytes >= frameBytes) {
        const all = Buffer.concat(pending);
        const frame = all.subarray(0, frameBytes);
        onFrame(new Uint8Array(frame.buffer, frame.byteOffset, w * h), index++);
        const rest = all.subarray(frameBytes);
        pending = rest.length ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const errors = err.split('\n').filter(Boolean);
      if (code !== 0 && index === 0) reject(new Error(`ffmpeg exit ${code}: ${err.slice(0, 500)}`));
      else resolve({ frames: index, errors });
    });
  });
}

export interface FrameResult {
  segment: number;
  /** decoded frame index within its segment */
  index: number;
  ptsS: number;
  key: boolean;
  /** number read from the picture (undefined: unreadable) */
  number?: number;
  psnr: number;
}

export interface RecordingCheck {
  frames: number;
  /** frames whose number reads right and whose PSNR against the reference is ≥ minPsnr */
  okFrames: number;
  okPct: number;
  psnrP5: number;
  psnrP50: number;
  /** longest distance between keyframes within a segment (s) */
  keyframeIntervalMaxS: number;
  keyframes: number;
  /** jumps in the frame numbers inside a segment, beyond the publisher's own frame steps */
  holes: { segment: number; afterNumber: number; missing: number; atS: number }[];
  decodeErrors: string[];
  perFrame: FrameResult[];
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/**
 * Checks recorded segments (in order) against the pattern. `expectedStep`: frame-number step between consecutive
 * published frames (1 when the page requests a frame per drawing).
 */
export async function checkRecording(paths: string[], tex: Texture, o: { minPsnr?: number } = {}): Promise<RecordingCheck> {
  const minPsnr = o.minPsnr ?? 30;
  const perFrame: FrameResult[] = [];
  const decodeErrors: string[] = [];
  let keyframeIntervalMaxS = 0;
  let keyframes = 0;
  for (const [segment, path] of paths.entries()) {
    const packets = await videoPackets(path);
    let lastKey: number | undefined;
    for (const pk of packets) {
      if (pk.key) {
        keyframes++;
        if (lastKey !== undefined) keyframeIntervalMaxS = Math.max(keyframeIntervalMaxS, pk.ptsS - lastKey);
        lastKey = pk.ptsS;
      }
    }
    if (lastKey !== undefined && packets.length) keyframeIntervalMaxS = Math.max(keyframeIntervalMaxS, packets[packets.length - 1].ptsS - lastKey);
    const r = await decodeFrames(path, (y, index) => {
      const number = readFrameNumber(y);
      const p = number === undefined ? 0 : psnr(y, referenceFrame(tex, number));
      perFrame.push({ segment, index, ptsS: packets[index]?.ptsS ?? NaN, key: packets[index]?.key ?? false, number, psnr: p });
    });
    decodeErrors.push(...r.errors.map((e) => `${path}: ${e}`));
  }
  const holes: RecordingCheck['holes'] = [];
  for (let i = 1; i < perFrame.length; i++) {
    const a = perFrame[i - 1];
    const b = perFrame[i];
    if (a.segment !== b.segment || a.number === undefined || b.number === undefined) continue;
    if (b.number - a.number > 1) holes.push({ segment: b.segment, afterNumber: a.number, missing: b.number - a.number - 1, atS: b.ptsS });
  }
  const okFrames = perFrame.filter((f) => f.number !== undefined && f.psnr >= minPsnr).length;
  const ps = perFrame.map((f) => f.psnr).sort((a, b) => a - b);
  return {
    frames: perFrame.length, okFrames, okPct: perFrame.length ? (100 * okFrames) / perFrame.length : 0,
    psnrP5: pct(ps, 5), psnrP50: pct(ps, 50), keyframeIntervalMaxS, keyframes, holes, decodeErrors, perFrame,
  };
}

/**
 * Writes the pattern as a y4m file (frames 0 … frames-1, grey: the reference luma, neutral chroma) for Chromium's
 * `--use-file-for-fake-video-capture`: the camera page then streams numbered frames whose reference is exactly
 * `referenceFrame(tex, n)`. The fake camera loops the file, so numbers repeat every `frames` frames.
 */
export async function writePatternY4m(path: string, tex: Texture, o: { frames: number; fps: number }): Promise<string> {
  const { width: w, height: h } = PATTERN;
  const { open } = await import('node:fs/promises');
  const f = await open(path, 'w');
  try {
    await f.write(`YUV4MPEG2 W${w} H${h} F${o.fps}:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n`);
    const chroma = Buffer.alloc((w * h) / 2, 128);
    for (let n = 0; n < o.frames; n++) {
      await f.write('FRAME\n');
      await f.write(referenceFrame(tex, n));
      await f.write(chroma);
    }
  } finally {
    await f.close();
  }
  return path;
}
