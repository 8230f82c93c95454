// AR anchoring: keeps an annotation made on a frozen frame attached to the goods as the camera moves, tilts or zooms.
//
// Runs on the camera page in a worker (see apps/web/src/consoles/camera/anchor.worker.ts) on small grayscale frames
// (e.g. 320×180) with OpenCV compiled to WebAssembly (@techstark/opencv-js):
// - acquire: ORB features of the marked region of the frozen frame matched against the current frame (Hamming
//   distance, ratio test) and a RANSAC homography; used at the start and to re-acquire after the region was lost;
// - track: corners of the region (Shi–Tomasi) followed frame to frame by pyramidal Lucas–Kanade optical flow; the
//   homography from the frozen frame to the current one is refitted every frame by RANSAC from the points' frozen-frame
//   positions, so errors of single points do not accumulate; lost points are replaced from the current frame;
// - gives up honestly: too few inliers, an implausible homography (mirror, collapse) or the region out of view →
//   state 'lost' with the reason, and acquisition is retried on later frames.
// The caller sends at most one frame at a time, so a slow phone gets fewer updates rather than a frozen preview.
import { applyH, invertH, plausible, toNormalised, type Mat3, type Point } from './homography.ts';

/** What the tracker needs of OpenCV.js (a narrow view of its API, so the browser bundle and Node tests agree). */
export interface CvMat {
  rows: number;
  cols: number;
  data: Uint8Array;
  data32F: Float32Array;
  data64F: Float64Array;
  delete(): void;
}
interface CvVector<T> { size(): number; get(i: number): T; delete(): void }
interface CvKeyPoint { pt: { x: number; y: number } }
interface CvDMatch { queryIdx: number; trainIdx: number; distance: number }
export interface Cv {
  Mat: { new (): CvMat; new (rows: number, cols: number, type: number): CvMat; zeros(rows: number, cols: number, type: number): CvMat };
  Size: new (w: number, h: number) => unknown;
  Rect: new (x: number, y: number, w: number, h: number) => unknown;
  Scalar: new (v: number) => unknown;
  TermCriteria: new (type: number, max: number, eps: number) => unknown;
  KeyPointVector: new () => CvVector<CvKeyPoint>;
  DMatchVectorVector: new () => CvVector<CvVector<CvDMatch>>;
  ORB: new (n: number) => { detectAndCompute(img: CvMat, mask: CvMat, kp: CvVector<CvKeyPoint>, desc: CvMat): void; delete(): void };
  BFMatcher: new (norm: number, crossCheck: boolean) => { knnMatch(q: CvMat, t: CvMat, m: CvVector<CvVector<CvDMatch>>, k: number): void; delete(): void };
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  goodFeaturesToTrack(img: CvMat, corners: CvMat, max: number, quality: number, minDist: number, mask: CvMat): void;
  calcOpticalFlowPyrLK(prev: CvMat, next: CvMat, prevPts: CvMat, nextPts: CvMat, status: CvMat, err: CvMat, win: unknown, maxLevel: number, criteria: unknown, flags?: number): void;
  findHomography(src: CvMat, dst: CvMat, method: number, threshold: number, mask: CvMat): CvMat;
  rectangle(img: CvMat, p1: { x: number; y: number }, p2: { x: number; y: number }, color: unknown, thickness: number): void;
  CV_8UC1: number;
  CV_32FC2: number;
  NORM_HAMMING: number;
  RANSAC: number;
  OPTFLOW_USE_INITIAL_FLOW: number;
  TERM_CRITERIA_EPS: number;
  TERM_CRITERIA_COUNT: number;
}

/** A region of the frame, in fractions (0..1) of its width and height. */
export interface Region { x: number; y: number; width: number; height: number }

export type AnchorState = 'acquiring' | 'tracking' | 'lost';
export type LostReason = 'not_found' | 'out_of_view' | 'too_few_points';

export interface TrackResult {
  state: AnchorState;
  reason: LostReason | null;
  /** frozen frame → this frame, in normalised coordinates (0..1 of each frame); null unless tracking */
  H: number[] | null;
  points: number;
  inliers: number;
  /** the tracker's own time for this frame (ms) */
  ms: number;
}

export interface TrackerOptions {
  /** processing size of every frame handed to `track` (the reference is resized to it by the caller) */
  width: number;
  height: number;
  maxPoints?: number;
  /** while lost, try acquiring on every n-th frame (acquisition costs several times a tracking step) */
  acquireEvery?: number;
}

const MIN_INLIERS = 10;
const MARGIN = 0.15;

/** The region enlarged to a useful size for features: at least 40 % of the frame each way, clipped to the frame. */
export function featureRegion(r: Region): Region {
  const w = Math.min(1, Math.max(0.4, r.width * (1 + 2 * MARGIN)));
  const h = Math.min(1, Math.max(0.4, r.height * (1 + 2 * MARGIN)));
  const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
  const x = Math.min(1 - w, Math.max(0, cx - w / 2));
  const y = Math.min(1 - h, Math.max(0, cy - h / 2));
  return { x, y, width: w, height: h };
}

export class AnchorTracker {
  private readonly W: number;
  private readonly H: number;
  private readonly maxPoints: number;
  private readonly acquireEvery: number;
  private refDesc: CvMat | null = null;
  private refKp: [number, number][] = [];
  private region: Region | null = null;
  private corners: Point[] = [];
  /** tracked points: where each was in the frozen frame and where it is in the previous frame (pixels) */
  private ref: [number, number][] = [];
  private cur: [number, number][] = [];
  private prev: CvMat | null = null;
  private Hpx: number[] | null = null;
  private state: AnchorState = 'acquiring';
  private reason: LostReason | null = null;
  private frame = 0;
  private readonly orb;
  private readonly matcher;

  constructor(private readonly cv: Cv, opts: TrackerOptions) {
    this.W = opts.width;
    this.H = opts.height;
    this.maxPoints = opts.maxPoints ?? 120;
    this.acquireEvery = opts.acquireEvery ?? 3;
    this.orb = new cv.ORB(600);
    this.matcher = new cv.BFMatcher(cv.NORM_HAMMING, false);
  }

  /** The frozen frame (grayscale, W×H) and the marked region on it (fractions). */
  setReference(gray: Uint8Array, region: Region): { features: number } {
    const { cv, W, H } = this;
    this.reset();
    this.region = region;
    const r = featureRegion(region);
    const px = { x: r.x * W, y: r.y * H, w: r.width * W, h: r.height * H };
    this.corners = [[px.x, px.y], [px.x + px.w, px.y], [px.x + px.w, px.y + px.h], [px.x, px.y + px.h]];
    const img = this.mat(gray);
    const mask = cv.Mat.zeros(H, W, cv.CV_8UC1);
    cv.rectangle(mask, { x: Math.round(px.x), y: Math.round(px.y) }, { x: Math.round(px.x + px.w), y: Math.round(px.y + px.h) }, new cv.Scalar(255), -1);
    const kp = new cv.KeyPointVector();
    const desc = new cv.Mat();
    this.orb.detectAndCompute(img, mask, kp, desc);
    this.refKp = [];
    for (let i = 0; i < kp.size(); i++) this.refKp.push([kp.get(i).pt.x, kp.get(i).pt.y]);
    this.refDesc = desc;
    kp.delete();
    // corners to follow, in the frozen frame
    const pts = new cv.Mat();
    cv.goodFeaturesToTrack(img, pts, this.maxPoints, 0.01, Math.max(4, Math.round(W / 60)), mask);
    this.refCorners = [];
    for (let i = 0; i < pts.rows; i++) this.refCorners.push([pts.data32F[2 * i], pts.data32F[2 * i + 1]]);
    pts.delete();
    mask.delete();
    this.refImg?.delete();
    this.refImg = img;
    this.state = 'acquiring';
    return { features: this.refKp.length };
  }
  private refCorners: [number, number][] = [];
  private refImg: CvMat | null = null;

  /** One camera frame (grayscale, W×H): where the frozen frame's region is now. */
  track(gray: Uint8Array): TrackResult {
    const t0 = performance.now();
    const img = this.mat(gray);
    this.frame++;
    try {
      if (!this.refDesc) return this.result(t0, 0);
      if (this.state === 'tracking' && this.prev) this.follow(img);
      if (this.state !== 'tracking' && (this.state === 'acquiring' || this.frame % this.acquireEvery === 0)) this.acquire(img);
      return this.result(t0, this.ref.length);
    } finally {
      this.prev?.delete();
      this.prev = img;
    }
  }

  private result(t0: number, points: number): TrackResult {
    const H = this.state === 'tracking' && this.Hpx ? toNormalised(this.Hpx, this.W, this.H, this.W, this.H) : null;
    return { state: this.state, reason: this.reason, H, points, inliers: this.ref.length, ms: performance.now() - t0 };
  }

  private acquire(img: CvMat): void {
    const { cv } = this;
    const kp = new cv.KeyPointVector();
    const desc = new cv.Mat();
    const none = new cv.Mat();
    this.orb.detectAndCompute(img, none, kp, desc);
    none.delete();
    const src: number[] = [], dst: number[] = [];
    if (desc.rows >= 2 && this.refDesc!.rows >= 2) {
      const matches = new cv.DMatchVectorVector();
      this.matcher.knnMatch(this.refDesc!, desc, matches, 2);
      for (let i = 0; i < matches.size(); i++) {
        const m = matches.get(i);
        if (m.size() < 2) continue;
        const a = m.get(0), b = m.get(1);
        if (a.distance < 0.8 * b.distance) {
          src.push(...this.refKp[a.queryIdx]);
          const p = kp.get(a.trainIdx).pt;
          dst.push(p.x, p.y);
        }
      }
      matches.delete();
    }
    kp.delete();
    desc.delete();
    const fit = src.length / 2 >= MIN_INLIERS ? this.fit(src, dst, 4) : null;
    if (!fit || fit.inliers < MIN_INLIERS) return this.lose(this.state === 'lost' && this.reason === 'out_of_view' ? 'out_of_view' : 'not_found');
    // seed the tracked points: the frozen frame's corners where the homography puts them now, refined by optical flow
    // from the frozen frame itself, coarse to fine (descriptor matches on repetitive goods, such as corrugated
    // container walls, can agree on a view shifted by one period; the blurred upper pyramid levels cannot)
    const ref: [number, number][] = [], guess: [number, number][] = [];
    for (const [x, y] of this.refCorners) {
      const p = applyH(fit.H, x, y);
      if (p && p[0] >= 0 && p[1] >= 0 && p[0] < this.W && p[1] < this.H) {
        ref.push([x, y]);
        guess.push(p);
      }
    }
    if (ref.length < MIN_INLIERS) return this.lose('not_found');
    const a = cv.matFromArray(ref.length, 1, cv.CV_32FC2, ref.flat());
    const b = cv.matFromArray(guess.length, 1, cv.CV_32FC2, guess.flat());
    const status = new cv.Mat();
    const err = new cv.Mat();
    cv.calcOpticalFlowPyrLK(this.refImg!, img, a, b, status, err, new cv.Size(31, 31), 4,
      new cv.TermCriteria(cv.TERM_CRITERIA_EPS | cv.TERM_CRITERIA_COUNT, 30, 0.01), cv.OPTFLOW_USE_INITIAL_FLOW);
    const r2: [number, number][] = [], c2: [number, number][] = [];
    for (let i = 0; i < ref.length; i++) {
      const x = b.data32F[2 * i], y = b.data32F[2 * i + 1];
      if (status.data[i] === 1 && x >= 0 && y >= 0 && x < this.W && y < this.H) {
        r2.push(ref[i]);
        c2.push([x, y]);
      }
    }
    [a, b, status, err].forEach((m) => m.delete());
    const refined = r2.length >= MIN_INLIERS ? this.fit(r2.flat(), c2.flat(), 2, true) : null;
    if (!refined || refined.inliers < MIN_INLIERS) return this.lose('not_found');
    this.Hpx = refined.H;
    this.ref = r2.filter((_, i) => refined.mask[i]);
    this.cur = c2.filter((_, i) => refined.mask[i]);
    this.state = 'tracking';
    this.reason = null;
    this.checkInView();
  }

  private follow(img: CvMat): void {
    const { cv } = this;
    if (this.cur.length < MIN_INLIERS) return this.lose('too_few_points');
    const prevPts = cv.matFromArray(this.cur.length, 1, cv.CV_32FC2, this.cur.flat());
    const nextPts = new cv.Mat();
    const status = new cv.Mat();
    const err = new cv.Mat();
    cv.calcOpticalFlowPyrLK(this.prev!, img, prevPts, nextPts, status, err, new cv.Size(21, 21), 3,
      new cv.TermCriteria(cv.TERM_CRITERIA_EPS | cv.TERM_CRITERIA_COUNT, 20, 0.03));
    const ref: [number, number][] = [], cur: [number, number][] = [];
    for (let i = 0; i < this.cur.length; i++) {
      const x = nextPts.data32F[2 * i], y = nextPts.data32F[2 * i + 1];
      if (status.data[i] === 1 && x >= 0 && y >= 0 && x < this.W && y < this.H) {
        ref.push(this.ref[i]);
        cur.push([x, y]);
      }
    }
    [prevPts, nextPts, status, err].forEach((m) => m.delete());
    if (cur.length < MIN_INLIERS) return this.lose(this.outOfView() ? 'out_of_view' : 'too_few_points');
    const fit = this.fit(ref.flat(), cur.flat(), 2, true);
    if (!fit || fit.inliers < Math.max(MIN_INLIERS, 0.3 * cur.length)) return this.lose(this.outOfView() ? 'out_of_view' : 'too_few_points');
    this.Hpx = fit.H;
    // keep the inliers only; points far from the model are on something else (a hand, the background)
    this.ref = ref.filter((_, i) => fit.mask[i]);
    this.cur = cur.filter((_, i) => fit.mask[i]);
    this.checkInView();
    if (this.state === 'tracking' && this.ref.length < 0.5 * this.maxPoints) this.reseed(img);
  }

  /** New corners in the current view of the region, mapped back into the frozen frame through the current homography. */
  private reseed(img: CvMat): void {
    const { cv } = this;
    const inv = invertH(this.Hpx!);
    if (!inv) return;
    const q = this.corners.map(([x, y]) => applyH(this.Hpx!, x, y));
    if (q.some((p) => !p)) return;
    const xs = q.map((p) => p![0]), ys = q.map((p) => p![1]);
    const x0 = Math.max(0, Math.min(...xs)), y0 = Math.max(0, Math.min(...ys));
    const x1 = Math.min(this.W, Math.max(...xs)), y1 = Math.min(this.H, Math.max(...ys));
    if (x1 - x0 < 8 || y1 - y0 < 8) return;
    const mask = cv.Mat.zeros(this.H, this.W, cv.CV_8UC1);
    cv.rectangle(mask, { x: Math.round(x0), y: Math.round(y0) }, { x: Math.round(x1), y: Math.round(y1) }, new cv.Scalar(255), -1);
    // no new corner next to an existing one
    for (const [x, y] of this.cur) cv.rectangle(mask, { x: Math.round(x - 4), y: Math.round(y - 4) }, { x: Math.round(x + 4), y: Math.round(y + 4) }, new cv.Scalar(0), -1);
    const pts = new cv.Mat();
    cv.goodFeaturesToTrack(img, pts, this.maxPoints - this.cur.length, 0.01, Math.max(4, Math.round(this.W / 60)), mask);
    for (let i = 0; i < pts.rows; i++) {
      const p: [number, number] = [pts.data32F[2 * i], pts.data32F[2 * i + 1]];
      const r = applyH(inv, p[0], p[1]);
      if (!r) continue;
      this.ref.push(r);
      this.cur.push(p);
    }
    pts.delete();
    mask.delete();
  }

  private fit(src: number[], dst: number[], threshold: number, wantMask = false): { H: number[]; inliers: number; mask: boolean[] } | null {
    const { cv } = this;
    const n = src.length / 2;
    const a = cv.matFromArray(n, 1, cv.CV_32FC2, src);
    const b = cv.matFromArray(n, 1, cv.CV_32FC2, dst);
    const mask = new cv.Mat();
    const Hm = cv.findHomography(a, b, cv.RANSAC, threshold, mask);
    a.delete();
    b.delete();
    try {
      if (Hm.rows !== 3 || Hm.cols !== 3) return null;
      const H = Array.from(Hm.data64F);
      const inl: boolean[] = [];
      let inliers = 0;
      for (let i = 0; i < n; i++) {
        const ok = mask.data[i] === 1;
        if (wantMask) inl.push(ok);
        if (ok) inliers++;
      }
      const area = this.W * this.H;
      // the region's view: no mirror, no fold, between 1/40 and 40 times its size in the frozen frame
      const rArea = Math.abs((this.corners[1][0] - this.corners[0][0]) * (this.corners[3][1] - this.corners[0][1]));
      if (!plausible(H, this.corners, rArea / 40, Math.min(40 * rArea, 60 * area))) return null;
      return { H, inliers, mask: inl };
    } finally {
      Hm.delete();
      mask.delete();
    }
  }

  /** The marked region (not the enlarged feature region) must be at least partly in the frame. */
  private outOfView(): boolean {
    if (!this.Hpx || !this.region) return true;
    const r = this.region;
    const c = applyH(this.Hpx, (r.x + r.width / 2) * this.W, (r.y + r.height / 2) * this.H);
    if (!c) return true;
    return c[0] < 0 || c[1] < 0 || c[0] > this.W || c[1] > this.H;
  }

  private checkInView(): void {
    if (this.outOfView()) this.lose('out_of_view');
  }

  private lose(reason: LostReason): void {
    this.state = 'lost';
    this.reason = reason;
    this.ref = [];
    this.cur = [];
    this.Hpx = null;
  }

  private mat(gray: Uint8Array): CvMat {
    if (gray.length !== this.W * this.H) throw new Error(`frame of ${gray.length} bytes, expected ${this.W}×${this.H}`);
    const m = new this.cv.Mat(this.H, this.W, this.cv.CV_8UC1);
    m.data.set(gray);
    return m;
  }

  private reset(): void {
    this.refImg?.delete();
    this.refImg = null;
    this.refDesc?.delete();
    this.refDesc = null;
    this.ref = [];
    this.cur = [];
    this.Hpx = null;
    this.reason = null;
  }

  dispose(): void {
    this.reset();
    this.prev?.delete();
    this.prev = null;
    this.orb.delete();
    this.matcher.delete();
  }
}

/** Where the tracker says a point of the frozen frame (fractions) is now (fractions), or null. */
export function anchoredPoint(H: Mat3 | null, x: number, y: number): [number, number] | null {
  return H ? applyH(H, x, y) : null;
}

/**
 * OpenCV.js as imported (browser bundle or Node) → the ready module. Its Emscripten module is a thenable that resolves
 * to itself (awaiting it, or returning it from an async function, never ends) and a late onRuntimeInitialized is not
 * called: wait until the API is there, and hand it over wrapped.
 */
export async function readyCv(mod: unknown, timeoutMs = 60_000): Promise<{ cv: Cv }> {
  const m = mod as Partial<Cv>;
  const end = Date.now() + timeoutMs;
  while (typeof m.Mat !== 'function' || typeof m.calcOpticalFlowPyrLK !== 'function') {
    if (Date.now() > end) throw new Error('OpenCV.js did not start');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { cv: m as Cv };
}
