// A scene with KNOWN motion for the AR anchoring tests and benchmark: a real cargo photo seen by a camera that pans,
// tilts (keystone) and zooms, frame by frame, as a plane homography whose value at every frame is known exactly.
// The frame number is drawn as black/white blocks along the bottom-left edge, so whoever sees a frame (the camera
// page's tracker probe) can tell which frame it was and compare with the truth.
//
// Scripts: 'orbit' is periodic (150 frames = 5 s at 30 fps, the loop is seamless so Chromium's fake camera can play
// the file over and over); 'leave' pans the marked spot out of the view and back.
import { execFileSync } from 'node:child_process';
import { writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { homographyFrom4, multiplyH, type Point } from '../anchor/homography.ts';
import { readyCv, type Cv, type CvMat } from '../anchor/tracker.ts';

export const SCENE = { width: 1280, height: 720, fps: 30, period: 150, codeBits: 10, codeBlockW: 64, codeBlockH: 32 } as const;
export type Script = 'orbit' | 'leave';

/** Where the photo's corners (TL, TR, BR, BL; the photo is SCENE.width × SCENE.height) are in the camera frame n. */
export function sceneCorners(n: number, script: Script = 'orbit'): Point[] {
  const { width: W, height: H, period: P } = SCENE;
  const a = (2 * Math.PI * n) / P;
  let dx: number, dy: number, s: number, k: number;
  if (script === 'orbit') {
    dx = 150 * Math.sin(a);
    dy = 60 * Math.sin(2 * a);
    s = 1.5 + 0.12 * Math.sin(a + 1);          // zoom 1.38 … 1.62
    k = 40 * Math.sin(a + 0.5);                 // keystone (tilt)
  } else {
    // hold, then pan right by 1.2 frame widths (the left half of the photo leaves the view), then back
    const t = (n % (2 * P)) / (2 * P);
    const u = t < 0.15 ? 0 : t < 0.5 ? (t - 0.15) / 0.35 : t < 0.65 ? 1 : 1 - (t - 0.65) / 0.35;
    dx = 1150 * (0.5 - 0.5 * Math.cos(Math.PI * u));
    dy = 0;
    s = 1.5;
    k = 0;
  }
  const cx = W / 2 + dx, cy = H / 2 + dy, hw = (W / 2) * s, hh = (H / 2) * s;
  return [[cx - hw + k, cy - hh], [cx + hw - k, cy - hh], [cx + hw + k * 0.3, cy + hh], [cx - hw - k * 0.3, cy + hh]];
}

/** photo pixels → camera frame pixels at frame n (both SCENE.width × SCENE.height) */
export function sceneH(n: number, script: Script = 'orbit'): number[] {
  const { width: W, height: H } = SCENE;
  return homographyFrom4([[0, 0], [W, 0], [W, H], [0, H]], sceneCorners(n, script));
}

/** The photo as planes of SCENE size (cover-cropped), read by ffmpeg. */
export function loadPhoto(path: string): { y: Uint8Array; u: Uint8Array; v: Uint8Array } {
  const { width: W, height: H } = SCENE;
  const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H}`,
    '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-'], { maxBuffer: 64 << 20 });
  const ys = W * H, cs = ys / 4;
  return { y: raw.subarray(0, ys), u: raw.subarray(ys, ys + cs), v: raw.subarray(ys + cs, ys + 2 * cs) };
}

function warp(cv: Cv & CvExtra, plane: Uint8Array, w: number, h: number, Hm: number[], outW: number, outH: number, border: number): Uint8Array {
  const src = new cv.Mat(h, w, cv.CV_8UC1);
  src.data.set(plane);
  const dst = new cv.Mat();
  const M = cv.matFromArray(3, 3, cv.CV_64F, Hm);
  cv.warpPerspective(src, dst, M, new cv.Size(outW, outH), cv.INTER_LINEAR, cv.BORDER_CONSTANT, new cv.Scalar(border));
  const out = new Uint8Array(dst.data);
  [src, dst, M].forEach((m) => m.delete());
  return out;
}

/** Extra OpenCV calls only the scene generator needs. */
export interface CvExtra {
  warpPerspective(src: CvMat, dst: CvMat, M: CvMat, size: unknown, flags: number, border: number, value: unknown): void;
  resize(src: CvMat, dst: CvMat, size: unknown, fx: number, fy: number, interp: number): void;
  CV_64F: number;
  INTER_LINEAR: number;
  INTER_AREA: number;
  BORDER_CONSTANT: number;
}

/** Frame n as YUV 4:2:0 planes at SCENE size, with the frame code stamped in. */
export function renderFrame(cv: Cv & CvExtra, photo: ReturnType<typeof loadPhoto>, n: number, script: Script = 'orbit'): { y: Uint8Array; u: Uint8Array; v: Uint8Array } {
  const { width: W, height: H } = SCENE;
  const Hs = sceneH(n, script);
  const half = multiplyH(multiplyH([0.5, 0, 0, 0, 0.5, 0, 0, 0, 1], Hs), [2, 0, 0, 0, 2, 0, 0, 0, 1]);
  const y = warp(cv, photo.y, W, H, Hs, W, H, 16);
  const u = warp(cv, photo.u, W / 2, H / 2, half, W / 2, H / 2, 128);
  const v = warp(cv, photo.v, W / 2, H / 2, half, W / 2, H / 2, 128);
  stampCode(y, u, v, n % 2 ** SCENE.codeBits);
  return { y, u, v };
}

function stampCode(y: Uint8Array, u: Uint8Array, v: Uint8Array, n: number): void {
  const { width: W, height: H, codeBits, codeBlockW: bw, codeBlockH: bh } = SCENE;
  // upper half of each block: the bit; lower half: its inverse (a misread block is then caught, never guessed)
  for (let k = 0; k < codeBits; k++) {
    const on = Math.floor(n / 2 ** (codeBits - 1 - k)) % 2 === 1;
    for (let r = H - bh; r < H; r++) y.fill(on === r < H - bh / 2 ? 235 : 16, r * W + k * bw, r * W + (k + 1) * bw);
    for (let r = (H - bh) / 2; r < H / 2; r++) {
      u.fill(128, r * (W / 2) + (k * bw) / 2, r * (W / 2) + ((k + 1) * bw) / 2);
      v.fill(128, r * (W / 2) + (k * bw) / 2, r * (W / 2) + ((k + 1) * bw) / 2);
    }
  }
}

/**
 * The frame number drawn in a grayscale (or RGBA, stride 4) picture of any size showing a whole scene frame; null
 * when a block is ambiguous or its two halves disagree (never guessed). Self-contained: it is also sent into the
 * browser as a probe.
 */
export function readCode(pixels: ArrayLike<number>, w: number, h: number, stride = 1): number | null {
  // no inner functions: the source of this function is sent into pages as it is (no bundler helpers there)
  const bits = 10, bwf = 64 / 1280, bhf = 32 / 720;
  const rows = [Math.floor(h - 0.75 * bhf * h), Math.floor(h - 0.25 * bhf * h)];
  let n = 0;
  for (let k = 0; k < bits; k++) {
    const x = Math.floor((k + 0.5) * bwf * w);
    const m = [0, 0];
    for (let i = 0; i < 2; i++) for (let dx = -2; dx <= 2; dx++) m[i] += pixels[(rows[i] * w + x + dx) * stride] / 5;
    if (Math.abs(m[0] - m[1]) < 70) return null; // the halves must be clearly opposite
    n = n * 2 + (m[0] > m[1] ? 1 : 0);
  }
  return n;
}

/** Writes `frames` frames of the script as a .y4m file (Chromium's --use-file-for-fake-video-capture plays it in a loop). */
export function writeSceneY4m(cv: Cv & CvExtra, photoPath: string, file: string, frames: number = SCENE.period, script: Script = 'orbit'): void {
  const photo = loadPhoto(photoPath);
  writeFileSync(file, `YUV4MPEG2 W${SCENE.width} H${SCENE.height} F${SCENE.fps}:1 Ip A1:1 C420jpeg\n`);
  const fd = openSync(file, 'a');
  try {
    for (let n = 0; n < frames; n++) {
      const f = renderFrame(cv, photo, n, script);
      writeSync(fd, 'FRAME\n');
      writeSync(fd, f.y);
      writeSync(fd, f.u);
      writeSync(fd, f.v);
    }
  } finally {
    closeSync(fd);
  }
}

/** Frame n of the script as grayscale at w×h, downscaled as a browser canvas would (area averaging). */
export function grayFrame(cv: Cv & CvExtra, photo: ReturnType<typeof loadPhoto>, n: number, w: number, h: number, script: Script = 'orbit'): Uint8Array {
  const { y } = renderFrame(cv, photo, n, script);
  const src = new cv.Mat(SCENE.height, SCENE.width, cv.CV_8UC1);
  src.data.set(y);
  const dst = new cv.Mat();
  cv.resize(src, dst, new cv.Size(w, h), 0, 0, cv.INTER_AREA);
  const out = new Uint8Array(dst.data);
  src.delete();
  dst.delete();
  return out;
}

/** Loads OpenCV.js (WebAssembly) in Node. */
export async function loadCv(): Promise<{ cv: Cv & CvExtra }> {
  const mod = (await import('@techstark/opencv-js')).default as unknown;
  return (await readyCv(mod)) as { cv: Cv & CvExtra };
}
