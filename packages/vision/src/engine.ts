/**
 * The vision engine: a small pool of worker threads (default one), each holding the OCR models, fed
 * through a queue. Recognition never runs on the caller's thread, so an API server stays responsive
 * while images are read. Models are loaded once per worker, when the engine is created.
 */
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { VisionAnalyzer, withObjects, type ObjectsResult, type ReadOptions, type VisionReading } from './analyzer.ts';
import { ImageDecodeError } from './ocr/raster.ts';

export type VisionErrorReason = 'not_found' | 'not_a_file' | 'unsupported_format' | 'corrupt' | 'too_large' | 'empty' | 'invalid_input' | 'queue_full' | 'closed' | 'worker_failed' | 'internal';

export class VisionError extends Error {
  readonly reason: VisionErrorReason;
  constructor(reason: VisionErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VisionError';
    this.reason = reason;
  }
}

export interface VisionEngineOptions {
  /** Worker threads, each with its own copy of the models (~60 MB). Default 1. */
  workers?: number;
  /** onnxruntime threads per worker. Default: all cores divided among the workers. */
  threadsPerWorker?: number;
  /** Load the object detector (goods, persons, faces). Default true; a live reader that reads text only saves ~3 s of start. */
  objects?: boolean;
  /** Run on the calling thread instead of workers (tests, scripts). */
  inProcess?: boolean;
  /** Reject new images when this many are already waiting. Default 64. */
  maxQueue?: number;
  /** Refuse files larger than this. Default 40 MB. */
  maxBytes?: number;
}

/** A label reading (objects and faces still empty) and the object detection that follows it. */
export interface LabelReading {
  reading: VisionReading;
  /** The detector's result for the same image; rejects with a VisionError when detection failed (the labels stand). */
  objects: Promise<ObjectsResult>;
}

export interface VisionEngine {
  /** Reads one image (file path or encoded bytes), objects included. @throws VisionError */
  readImage(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<VisionReading>;
  /**
   * Labels first: resolves as soon as the text of the image is read; the object detector runs afterwards, when no label
   * reading is waiting, and its result comes in `objects`. @throws VisionError
   */
  readLabels(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<LabelReading>;
  /** Images accepted and not yet finished. */
  readonly pending: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BYTES = 40 * 1024 * 1024;

async function loadInput(input: string | Buffer | Uint8Array, maxBytes: number): Promise<Buffer> {
  if (typeof input === 'string') {
    if (!input) throw new VisionError('invalid_input', 'image path is empty');
    let st;
    try {
      st = await stat(input);
    } catch (err) {
      throw new VisionError('not_found', `no such file: ${input}`, { cause: err });
    }
    if (!st.isFile()) throw new VisionError('not_a_file', `not a regular file: ${input}`);
    if (st.size > maxBytes) throw new VisionError('too_large', `file is ${st.size} bytes, the limit is ${maxBytes}`);
    return readFile(input);
  }
  if (!(input instanceof Uint8Array)) throw new VisionError('invalid_input', 'image must be a file path, Buffer or Uint8Array');
  if (input.byteLength > maxBytes) throw new VisionError('too_large', `image is ${input.byteLength} bytes, the limit is ${maxBytes}`);
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** readImage from readLabels: the label reading completed with its objects. */
async function readWhole(engine: VisionEngine, input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<VisionReading> {
  const t0 = performance.now();
  const { reading, objects } = await engine.readLabels(input, options);
  return withObjects(reading, await objects, performance.now() - t0);
}

/** A label reading whose objects promise carries VisionErrors and never goes unhandled when dropped. */
function labelReading(reading: VisionReading, objects: Promise<ObjectsResult>): LabelReading {
  const mapped = objects.catch((err: unknown) => { throw toVisionError(err); });
  mapped.catch(() => undefined);
  return { reading, objects: mapped };
}

function toVisionError(err: unknown): VisionError {
  if (err instanceof VisionError) return err;
  if (err instanceof ImageDecodeError) return new VisionError(err.reason, err.message, { cause: err });
  return new VisionError('internal', err instanceof Error ? err.message : String(err), { cause: err });
}

class InProcessEngine implements VisionEngine {
  pending = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  constructor(private readonly analyzer: VisionAnalyzer, private readonly opts: Required<Pick<VisionEngineOptions, 'maxQueue' | 'maxBytes'>>) {}

  readImage(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<VisionReading> {
    return readWhole(this, input, options);
  }

  async readLabels(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<LabelReading> {
    if (this.closed) throw new VisionError('closed', 'vision engine is closed');
    if (this.pending >= this.opts.maxQueue) throw new VisionError('queue_full', `${this.pending} images already waiting`);
    this.pending++;
    try {
      const buffer = await loadInput(input, this.opts.maxBytes);
      const run = this.queue.then(() => this.analyzer.analyzeLabels(buffer, options));
      this.queue = run.catch(() => undefined);
      const { reading, objects } = await run;
      return labelReading(reading, objects);
    } catch (err) {
      throw toVisionError(err);
    } finally {
      this.pending--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.analyzer.close();
  }
}

interface PendingJob {
  labels: { resolve: (r: VisionReading) => void; reject: (e: VisionError) => void };
  objects: { resolve: (r: ObjectsResult) => void; reject: (e: VisionError) => void };
}

interface WorkerReply {
  type?: string; id?: number; phase?: 'labels' | 'objects'; ok?: boolean; reading?: VisionReading; result?: ObjectsResult;
  error?: { reason: VisionErrorReason; message: string }; message?: string;
}

class PooledWorker {
  readonly jobs = new Map<number, PendingJob>();
  readonly ready: Promise<void>;
  private worker: Worker;
  private exited = false;

  constructor(threads: number, objects: boolean, onExit: (w: PooledWorker) => void) {
    this.worker = new Worker(new URL('./vision.worker-entry.mjs', import.meta.url), { workerData: { threads, objects } });
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (msg: WorkerReply) => {
        if (msg.type === 'ready') return resolve();
        if (msg.type === 'failed') return reject(new VisionError('worker_failed', `OCR models failed to load: ${msg.message}`));
        const job = this.jobs.get(msg.id!);
        if (!job) return;
        const failed = () => new VisionError(msg.error!.reason, msg.error!.message);
        // A job ends with its objects, or with its labels when they failed (no objects follow then).
        if (msg.phase === 'objects' || !msg.ok) {
          this.jobs.delete(msg.id!);
          if (this.jobs.size === 0) this.worker.unref();
        }
        if (msg.phase === 'objects') {
          if (msg.ok) job.objects.resolve(msg.result!);
          else job.objects.reject(failed());
        } else if (msg.ok) job.labels.resolve(msg.reading!);
        else job.labels.reject(failed());
      });
      this.worker.on('error', (err) => {
        reject(new VisionError('worker_failed', `vision worker failed: ${err.message}`, { cause: err }));
        this.failAll(err);
      });
      this.worker.on('exit', (code) => {
        this.exited = true;
        this.failAll(new Error(`vision worker exited with code ${code}`));
        onExit(this);
      });
    });
    this.ready.catch(() => undefined);
  }

  private failAll(err: Error): void {
    for (const job of this.jobs.values()) {
      // labels already resolved ignore the rejection; their objects get it
      job.labels.reject(new VisionError('worker_failed', err.message, { cause: err }));
      job.objects.reject(new VisionError('worker_failed', err.message, { cause: err }));
    }
    this.jobs.clear();
  }

  async run(id: number, buffer: Buffer, options: ReadOptions | undefined): Promise<LabelReading> {
    let objects!: PendingJob['objects'];
    const objectsP = new Promise<ObjectsResult>((resolve, reject) => (objects = { resolve, reject }));
    objectsP.catch(() => undefined); // a failed image rejects its labels, and nobody asks for its objects
    const reading = await new Promise<VisionReading>((resolve, reject) => {
      this.jobs.set(id, { labels: { resolve, reject }, objects });
      this.worker.ref(); // keep the process alive while a result is due
      // Copy into a fresh ArrayBuffer and transfer it: the caller's buffer stays usable.
      const copy = new Uint8Array(buffer.byteLength);
      copy.set(buffer);
      this.worker.postMessage({ id, buffer: copy, options }, [copy.buffer]);
    });
    return labelReading(reading, objectsP);
  }

  /**
   * Asks the worker to free its models and end (terminating a thread that still holds onnxruntime sessions can abort
   * the process); terminated only if it has not ended within 10 s.
   */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    try {
      this.worker.postMessage({ type: 'close' });
    } catch {
      await this.worker.terminate();
      return;
    }
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

class WorkerPoolEngine implements VisionEngine {
  private workers: PooledWorker[] = [];
  private nextId = 1;
  private closed = false;
  pending = 0;

  constructor(private readonly size: number, private readonly threads: number, private readonly objects: boolean, private readonly opts: Required<Pick<VisionEngineOptions, 'maxQueue' | 'maxBytes'>>) {
    for (let i = 0; i < size; i++) this.spawn();
  }

  private spawn(): PooledWorker {
    const w = new PooledWorker(this.threads, this.objects, (dead) => {
      this.workers = this.workers.filter((x) => x !== dead);
    });
    this.workers.push(w);
    return w;
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  readImage(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<VisionReading> {
    return readWhole(this, input, options);
  }

  async readLabels(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<LabelReading> {
    if (this.closed) throw new VisionError('closed', 'vision engine is closed');
    if (this.pending >= this.opts.maxQueue) throw new VisionError('queue_full', `${this.pending} images already waiting`);
    this.pending++;
    try {
      const buffer = await loadInput(input, this.opts.maxBytes);
      // A worker that died is replaced on demand.
      while (this.workers.length < this.size) this.spawn();
      const worker = this.workers.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      await worker.ready;
      return await worker.run(this.nextId++, buffer, options);
    } catch (err) {
      throw toVisionError(err);
    } finally {
      this.pending--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers = [];
  }
}

/**
 * Creates an engine and waits until its models are loaded.
 * @throws VisionError('worker_failed') when the models cannot be loaded.
 */
export async function createVisionEngine(options: VisionEngineOptions = {}): Promise<VisionEngine> {
  const opts = { maxQueue: options.maxQueue ?? 64, maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES };
  const cores = Math.max(1, availableParallelism());
  if (options.inProcess) {
    return new InProcessEngine(await VisionAnalyzer.create({ threads: options.threadsPerWorker ?? cores, objects: options.objects }), opts);
  }
  const workers = Math.max(1, Math.min(options.workers ?? 1, 8));
  const threads = options.threadsPerWorker ?? Math.max(1, Math.floor(cores / workers));
  const engine = new WorkerPoolEngine(workers, threads, options.objects !== false, opts);
  try {
    await engine.start();
  } catch (err) {
    await engine.close();
    throw toVisionError(err);
  }
  return engine;
}

let shared: Promise<VisionEngine> | null = null;

/** Reads an image with a process-wide engine (created on first use, one worker). */
export async function readImage(input: string | Buffer | Uint8Array, options?: ReadOptions): Promise<VisionReading> {
  if (!shared) {
    shared = createVisionEngine();
    shared.catch(() => (shared = null));
  }
  return (await shared).readImage(input, options);
}

/** Stops the process-wide engine used by readImage(). */
export async function closeSharedEngine(): Promise<void> {
  const s = shared;
  shared = null;
  if (s) await (await s).close();
}
