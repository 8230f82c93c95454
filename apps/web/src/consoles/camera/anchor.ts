// AR annotations on the camera page: a drawing the inspector made on a frozen frame stays on the goods. The frozen
// frame and the live camera frames go, small (320 px wide) and one at a time, to the tracker worker; the drawing is
// redrawn over the live preview where the tracker finds the marked region, and every update goes to the inspector's
// console (which draws the same annotation over its video). A slow device gets fewer updates, never a frozen preview.
import type { Shape } from '../../features/sessions/draw.ts';
import { drawShapes, mapShapes, shapesBounds } from '../../features/sessions/draw.ts';
import type { AnchorIn, AnchorOut } from './anchor.worker.ts';

export interface AnchorUpdate {
  drawingId: string;
  state: 'acquiring' | 'tracking' | 'lost';
  reason: string | null;
  H: number[] | null;
  /** capture time of the tracked frame (ms since the epoch) */
  at: number;
  ms: number;
}
/** Test and benchmark hook: every tracked frame with the pixels the tracker saw. */
type Probe = (u: AnchorUpdate & { seq: number }, rgba: Uint8ClampedArray, width: number, height: number) => void;

const WIDTH = 320;
const MIN_INTERVAL_MS = 45; // ≤ ~22 tracked frames a second

export class AnchorView {
  private worker: Worker | null = null;
  private drawing: { id: string; shapes: Shape[] } | null = null;
  private size = { width: WIDTH, height: 180 };
  private work = document.createElement('canvas');
  private busy = false;
  private seq = 0;
  private lastAt = 0;
  private inFlight = new Map<number, { at: number; rgba: Uint8ClampedArray | null }>();
  private running = false;
  last: AnchorUpdate | null = null;
  visible = true;

  constructor(private readonly video: HTMLVideoElement, private readonly overlay: HTMLCanvasElement, private readonly onUpdate: (u: AnchorUpdate) => void) {}

  /** Anchors a drawing made on `frameJpeg` (data URL): finds it in the live view and follows it. */
  async start(drawingId: string, frameJpeg: string, shapes: Shape[]): Promise<void> {
    this.stop();
    const vw = this.video.videoWidth, vh = this.video.videoHeight;
    if (!vw || !vh) await new Promise((r) => this.video.addEventListener('loadedmetadata', r, { once: true }));
    this.size = { width: WIDTH, height: Math.round((WIDTH * this.video.videoHeight) / this.video.videoWidth) || 180 };
    this.work.width = this.size.width;
    this.work.height = this.size.height;
    const img = new Image();
    img.src = frameJpeg;
    await img.decode();
    const ctx = this.work.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(img, 0, 0, this.size.width, this.size.height);
    const ref = ctx.getImageData(0, 0, this.size.width, this.size.height);
    this.drawing = { id: drawingId, shapes };
    this.worker = new Worker(new URL('./anchor.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<AnchorOut>) => this.onResult(ev.data);
    this.worker.onerror = (ev) => { document.body.dataset.anchorError = ev.message || 'the tracker could not start'; };
    const region = shapesBounds(shapes, { width: img.naturalWidth, height: img.naturalHeight });
    this.post({ type: 'reference', width: this.size.width, height: this.size.height, rgba: ref.data.buffer, region }, [ref.data.buffer]);
    this.busy = true; // until the worker has loaded OpenCV and the reference
    this.update({ drawingId, state: 'acquiring', reason: null, H: null, at: Date.now(), ms: 0 });
    this.running = true;
    this.loop();
  }

  stop(): void {
    this.running = false;
    this.worker?.terminate();
    this.worker = null;
    this.drawing = null;
    this.busy = false;
    this.inFlight.clear();
    this.last = null;
    this.paint();
  }

  private post(m: AnchorIn, transfer: Transferable[] = []): void {
    this.worker?.postMessage(m, transfer);
  }

  private loop(): void {
    if (!this.running) return;
    const next = () => {
      const v = this.video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number };
      if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => this.loop());
      else requestAnimationFrame(() => this.loop());
    };
    const now = performance.now();
    if (!this.busy && now - this.lastAt >= MIN_INTERVAL_MS && this.video.readyState >= 2) {
      this.lastAt = now;
      const ctx = this.work.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(this.video, 0, 0, this.size.width, this.size.height);
      const frame = ctx.getImageData(0, 0, this.size.width, this.size.height);
      const seq = ++this.seq;
      const probe = (window as unknown as { rviAnchorProbe?: Probe }).rviAnchorProbe;
      this.inFlight.set(seq, { at: Date.now(), rgba: probe ? new Uint8ClampedArray(frame.data) : null });
      this.busy = true;
      this.post({ type: 'frame', seq, rgba: frame.data.buffer }, [frame.data.buffer]);
    }
    next();
  }

  private onResult(m: AnchorOut): void {
    if (!this.drawing) return;
    if (m.type === 'ready') {
      this.busy = false;
      document.body.dataset.anchorLoadMs = String(m.loadMs);
      return;
    }
    if (m.type === 'error') {
      this.busy = false;
      document.body.dataset.anchorError = m.message;
      return;
    }
    this.busy = false;
    const f = this.inFlight.get(m.seq);
    this.inFlight.delete(m.seq);
    const u: AnchorUpdate = { drawingId: this.drawing.id, state: m.state, reason: m.reason, H: m.H, at: f?.at ?? Date.now(), ms: m.ms };
    const probe = (window as unknown as { rviAnchorProbe?: Probe }).rviAnchorProbe;
    if (probe && f?.rgba) probe({ ...u, seq: m.seq }, f.rgba, this.size.width, this.size.height);
    this.update(u);
  }

  private update(u: AnchorUpdate): void {
    this.last = u;
    this.paint();
    this.onUpdate(u);
  }

  /** Redraws the anchored drawing over the live preview (letterboxed like the video). */
  paint(): void {
    const box = this.overlay.getBoundingClientRect();
    const frame = { width: this.video.videoWidth, height: this.video.videoHeight };
    const shapes = this.visible && this.drawing && this.last?.H ? mapShapes(this.drawing.shapes, this.last.H, frame) : [];
    drawShapes(this.overlay, shapes, { width: box.width, height: box.height }, frame.width ? frame : null);
    this.overlay.dataset.state = this.last?.state ?? 'off';
    this.overlay.dataset.shapes = String(shapes.length);
  }
}
