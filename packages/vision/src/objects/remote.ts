/**
 * The object detector on a thread of its own (objects.worker.ts), so that detection overlaps with the OCR instead of
 * blocking its event loop. Same results as ObjectDetector.detect / detectFaces on the same 512×512 copy.
 */
import { Worker } from 'node:worker_threads';
import type { RasterImage } from '../ocr/raster.ts';
import type { DetectedFace, DetectedObject } from './detector.ts';

interface Reply { type?: string; id?: number; ok?: boolean; objects?: DetectedObject[]; faces?: DetectedFace[]; message?: string }

export class RemoteObjectDetector {
  private nextId = 1;
  private readonly jobs = new Map<number, { resolve: (r: { objects: DetectedObject[]; faces: DetectedFace[] }) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(private readonly worker: Worker) {}

  /** Starts the thread and waits until its models are loaded (and their kernels compiled). */
  static async start(): Promise<RemoteObjectDetector> {
    const worker = new Worker(new URL('./objects.worker-entry.mjs', import.meta.url));
    worker.unref();
    const d = new RemoteObjectDetector(worker);
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: Reply) => {
        if (msg.type === 'ready') return resolve();
        if (msg.type === 'failed') return reject(new Error(`object detector failed to load: ${msg.message}`));
        const job = d.jobs.get(msg.id!);
        if (!job) return;
        d.jobs.delete(msg.id!);
        if (d.jobs.size === 0) worker.unref();
        if (msg.ok) job.resolve({ objects: msg.objects ?? [], faces: msg.faces ?? [] });
        else job.reject(new Error(msg.message ?? 'object detection failed'));
      });
      worker.on('error', (err) => {
        reject(err);
        d.failAll(err);
      });
      worker.on('exit', (code) => {
        d.exited = true;
        const err = new Error(`object detector thread exited with code ${code}`);
        reject(err);
        d.failAll(err);
      });
    });
    return d;
  }

  private failAll(err: Error): void {
    for (const job of this.jobs.values()) job.reject(err);
    this.jobs.clear();
  }

  /** Objects, and faces where a person is seen, in pixels of `img` (the detector's 512×512 copy). */
  detect(img: RasterImage): Promise<{ objects: DetectedObject[]; faces: DetectedFace[] }> {
    if (this.exited) return Promise.reject(new Error('object detector thread has ended'));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.jobs.set(id, { resolve, reject });
      this.worker.ref();
      const rgb = new Uint8Array(img.data.byteLength);
      rgb.set(img.data);
      this.worker.postMessage({ id, rgb, width: img.width, height: img.height }, [rgb.buffer]);
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage({ type: 'close' });
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
