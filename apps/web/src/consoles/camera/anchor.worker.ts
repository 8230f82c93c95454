// The AR anchor tracker off the main thread: the camera page posts small RGBA frames (one at a time; it skips frames
// while this one works), this worker answers where the frozen frame's marked region is now. OpenCV.js is loaded
// here only, when the first drawing arrives, so the camera page starts as fast as before.
import cvModule from '@techstark/opencv-js';
import { AnchorTracker, readyCv, type Region } from '@rvi/media/anchor';

export type AnchorIn =
  | { type: 'reference'; width: number; height: number; rgba: ArrayBuffer; region: Region }
  | { type: 'frame'; seq: number; rgba: ArrayBuffer }
  | { type: 'stop' };
export type AnchorOut =
  | { type: 'ready'; features: number; loadMs: number }
  | { type: 'result'; seq: number; state: 'acquiring' | 'tracking' | 'lost'; reason: string | null; H: number[] | null; ms: number; points: number }
  | { type: 'error'; message: string };

const t0 = performance.now();
const cvReady = readyCv(cvModule);
let tracker: AnchorTracker | null = null;
let size = { width: 0, height: 0 };

function gray(rgba: ArrayBuffer): Uint8Array {
  const src = new Uint8Array(rgba);
  const out = new Uint8Array(src.length / 4);
  // BT.601 luma, integer arithmetic
  for (let i = 0, j = 0; j < out.length; i += 4, j++) out[j] = (77 * src[i] + 150 * src[i + 1] + 29 * src[i + 2]) >> 8;
  return out;
}

const post = (m: AnchorOut) => (self as unknown as Worker).postMessage(m);

self.onmessage = async (ev: MessageEvent<AnchorIn>) => {
  const m = ev.data;
  try {
    const { cv } = await cvReady;
    if (m.type === 'reference') {
      if (!tracker || size.width !== m.width || size.height !== m.height) {
        tracker?.dispose();
        size = { width: m.width, height: m.height };
        tracker = new AnchorTracker(cv, size);
      }
      const r = tracker.setReference(gray(m.rgba), m.region);
      post({ type: 'ready', features: r.features, loadMs: Math.round(performance.now() - t0) });
    } else if (m.type === 'frame') {
      if (!tracker) return;
      const r = tracker.track(gray(m.rgba));
      post({ type: 'result', seq: m.seq, state: r.state, reason: r.reason, H: r.H, ms: r.ms, points: r.points });
    } else {
      tracker?.dispose();
      tracker = null;
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};
