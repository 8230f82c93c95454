// Entry bundled (esbuild, iife) into the test/bench page: exposes the clients and measurement helpers on window.rvi.
import { captureStill, createWebSocketTransport, PublisherClient, ViewerClient } from '../client/index.ts';
import { bitOf, panOffset, PATTERN } from './frame-pattern.ts';

const BITS = 40;

/** A canvas stream that draws Date.now() (40 bits) as black/white blocks + an inverted check row, and moving texture. */
function timeCanvasStream(width = 1280, height = 720, fps = 30): MediaStream {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const bw = width / BITS;
  const bh = Math.round(height / 12);
  let frame = 0;
  const draw = () => {
    frame++;
    // texture so the encoder has real work (a plain picture would cost almost nothing)
    for (let i = 0; i < 24; i++) {
      ctx.fillStyle = `hsl(${(frame * 7 + i * 37) % 360} 70% 50%)`;
      const x = ((frame * (3 + i)) % width) | 0;
      const y = 2 * bh + ((i * 97 + frame * 2) % (height - 3 * bh));
      ctx.fillRect(x, y, 60 + i * 4, 40 + i * 3);
    }
    const t = Date.now();
    for (let b = 0; b < BITS; b++) {
      const bit = Math.floor(t / 2 ** (BITS - 1 - b)) % 2;
      ctx.fillStyle = bit ? '#fff' : '#000';
      ctx.fillRect(b * bw, 0, bw, bh);
      ctx.fillStyle = bit ? '#000' : '#fff';
      ctx.fillRect(b * bw, bh, bw, bh);
    }
  };
  draw();
  setInterval(draw, 1000 / fps);
  return canvas.captureStream(fps);
}

/**
 * The frame-numbered pattern (frame-pattern.ts) as a camera: frame n is drawn, then captured exactly once
 * (captureStream(0) + requestFrame), so frame numbers advance by one per published frame. `drawn()` tells how many.
 */
async function patternStream(textureUrl: string, fps = 30): Promise<{ stream: MediaStream; drawn: () => number; times: () => number[]; stop: () => void }> {
  const tex = await createImageBitmap(await (await fetch(textureUrl)).blob());
  const { width: w, height: h, bits, blockW, blockH } = PATTERN;
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { alpha: false })!;
  ctx.imageSmoothingEnabled = false;
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as MediaStreamTrack & { requestFrame(): void };
  let n = 0;
  const times: number[] = [];
  const draw = () => {
    times[n] = Date.now();
    ctx.drawImage(tex, -panOffset(n), 0);
    for (let k = 0; k < bits; k++) {
      const bit = bitOf(n, k);
      ctx.fillStyle = bit ? '#fff' : '#000';
      ctx.fillRect(k * blockW, 0, blockW, blockH);
      ctx.fillStyle = bit ? '#000' : '#fff';
      ctx.fillRect(k * blockW, blockH, blockW, blockH);
    }
    track.requestFrame();
    n++;
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  return { stream, drawn: () => n, times: () => times, stop: () => clearInterval(timer) };
}

/** Reads the frame numbers of the pattern from each displayed frame of a video element (at any received size). */
function readFrameNumbers(video: HTMLVideoElement): { numbers: number[]; rejected: number } {
  const out = { numbers: [] as number[], rejected: 0 };
  const c = document.createElement('canvas');
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  const v = video as HTMLVideoElement & { requestVideoFrameCallback(cb: () => void): number };
  const onFrame = () => {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (vw && vh) {
      c.width = PATTERN.width;
      c.height = PATTERN.height;
      ctx.drawImage(video, 0, 0, PATTERN.width, PATTERN.height);
      const img = ctx.getImageData(0, 0, PATTERN.bits * PATTERN.blockW, 2 * PATTERN.blockH).data;
      const rw = PATTERN.bits * PATTERN.blockW;
      const lum = (x: number, y: number) => {
        const i = (y * rw + x) * 4;
        return (img[i] + img[i + 1] + img[i + 2]) / 3;
      };
      let n = 0;
      let ok = true;
      for (let k = 0; k < PATTERN.bits; k++) {
        const x = Math.floor((k + 0.5) * PATTERN.blockW);
        const top = lum(x, Math.floor(PATTERN.blockH / 2));
        const bottom = lum(x, Math.floor(PATTERN.blockH * 1.5));
        if (Math.abs(top - bottom) < 80) { ok = false; break; }
        n = n * 2 + (top > bottom ? 1 : 0);
      }
      if (ok) out.numbers.push(n);
      else out.rejected++;
    }
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  return out;
}

/** Reads the time code from each displayed frame of a video element; returns the collected latencies (ms). */
function readTimeCodes(video: HTMLVideoElement): { latencies: number[]; rejected: number } {
  const out = { latencies: [] as number[], rejected: 0 };
  const c = document.createElement('canvas');
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  const v = video as HTMLVideoElement & { requestVideoFrameCallback(cb: () => void): number };
  const onFrame = () => {
    const now = Date.now();
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (w && h) {
      const bh = h / 12;
      if (c.width !== w) c.width = w;
      c.height = Math.ceil(2 * bh);
      ctx.drawImage(video, 0, 0, w, c.height, 0, 0, w, c.height);
      const img = ctx.getImageData(0, 0, w, c.height).data;
      const lum = (x: number, y: number) => {
        const i = (Math.floor(y) * w + Math.floor(x)) * 4;
        return (img[i] + img[i + 1] + img[i + 2]) / 3;
      };
      let t = 0;
      let ok = true;
      for (let b = 0; b < BITS; b++) {
        const x = (b + 0.5) * (w / BITS);
        const top = lum(x, bh * 0.5);
        const bottom = lum(x, bh * 1.5);
        if (Math.abs(top - bottom) < 100) { ok = false; break; }
        t = t * 2 + (top > bottom ? 1 : 0);
      }
      // 40 bits hold Date.now() modulo 2^40 (~35 years); compare in that ring
      const lat = (((now % 2 ** BITS) - t) + 2 ** BITS) % 2 ** BITS;
      if (ok && lat < 10_000) out.latencies.push(lat);
      else out.rejected++;
    }
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  return out;
}

/** Transport wrapper that records when each message type is sent / received (ms, performance.now()). */
function timedTransport(t: { send(m: any): void; onMessage(cb: (m: any) => void): () => void; onOpen?: any; isOpen?: boolean }, log: [string, number][]) {
  return {
    send: (m: any) => { log.push(['send ' + m.type, performance.now()]); t.send(m); },
    onMessage: (cb: (m: any) => void) => t.onMessage((m) => { log.push(['recv ' + m.type, performance.now()]); cb(m); }),
    onOpen: t.onOpen?.bind(t),
    get isOpen() { return t.isOpen; },
  };
}

/** Resolves with ms from now until the video element presents its first frame. */
function firstFrameAfter(video: HTMLVideoElement, t0: number): Promise<number> {
  const v = video as HTMLVideoElement & { requestVideoFrameCallback(cb: () => void): number };
  return new Promise((resolve) => v.requestVideoFrameCallback(() => resolve(performance.now() - t0)));
}

(globalThis as unknown as { rvi: unknown }).rvi = {
  PublisherClient, ViewerClient, createWebSocketTransport, captureStill, timeCanvasStream, readTimeCodes, patternStream, readFrameNumbers, firstFrameAfter, timedTransport,
};
