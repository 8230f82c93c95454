// Stills waiting for upload (issue 16.2): each full-resolution still is hashed and written to IndexedDB before the
// first upload attempt, and leaves the queue only when the server has acknowledged it. A dropped network, a closed
// tab or a reload loses nothing: the next page of the same session uploads what is left, oldest first. Uploads are
// idempotent by the still's clientId (the server stores a clientId once), so a retry after a lost answer is harmless.

export interface QueuedStill {
  clientId: string;
  /** the session the still belongs to (a queue is shared by the origin; each page uploads its own session's) */
  sessionId: string;
  blob: Blob;
  sha256: string;
  width: number;
  height: number;
  takenAt: string;
  method: string;
  requestId?: string;
  rung?: string;
  attempts: number;
}

/** 'done': stored (or already stored); 'retry': try again later (network, 5xx, 408/429); 'drop': refused for good (4xx). */
export type UploadOutcome = 'done' | 'retry' | 'drop';

export interface StillQueueOptions {
  sessionId: string;
  upload: (s: QueuedStill) => Promise<UploadOutcome>;
  /** a still was stored by the server / refused for good */
  onDone?: (s: QueuedStill, outcome: 'done' | 'drop') => void;
  /** the number of stills waiting changed */
  onPending?: (n: number) => void;
  dbName?: string;
  /** backoff between attempts: min(maxDelayMs, baseDelayMs × 2^attempt) */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const STORE = 'stills';

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

export class StillQueue {
  private db?: Promise<IDBDatabase>;
  private running = false;
  private stopped = false;
  private wake?: () => void;

  constructor(private readonly o: StillQueueOptions) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const r = indexedDB.open(this.o.dbName ?? 'rvi-stills', 1);
      r.onupgradeneeded = () => {
        const s = r.result.createObjectStore(STORE, { keyPath: 'clientId' });
        s.createIndex('session', 'sessionId');
      };
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return req(fn(db.transaction(STORE, mode).objectStore(STORE)));
  }

  /** Stills of this session still waiting, oldest first. */
  async pending(): Promise<QueuedStill[]> {
    const all = await this.tx('readonly', (s) => s.index('session').getAll(this.o.sessionId) as IDBRequest<QueuedStill[]>);
    return all.sort((a, b) => a.takenAt.localeCompare(b.takenAt));
  }

  /** Keeps the still (durably) and wakes the uploader. */
  async add(still: Omit<QueuedStill, 'attempts' | 'sessionId'>): Promise<void> {
    await this.tx('readwrite', (s) => s.put({ ...still, sessionId: this.o.sessionId, attempts: 0 }));
    this.o.onPending?.((await this.pending()).length);
    this.kick();
  }

  /** Starts uploading (what an earlier page left, and whatever is added). */
  start(): void {
    this.stopped = false;
    if (!this.running) void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.kick();
  }

  /** Try now (e.g. the browser came back online). */
  kick(): void {
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const next = (await this.pending())[0];
        this.o.onPending?.((await this.pending()).length);
        if (!next) {
          await this.sleep(60_000);
          continue;
        }
        let outcome: UploadOutcome;
        try {
          outcome = await this.o.upload(next);
        } catch {
          outcome = 'retry';
        }
        if (outcome === 'retry') {
          next.attempts++;
          await this.tx('readwrite', (s) => s.put(next));
          await this.sleep(Math.min(this.o.maxDelayMs ?? 5000, (this.o.baseDelayMs ?? 500) * 2 ** Math.min(10, next.attempts - 1)));
          continue;
        }
        await this.tx('readwrite', (s) => s.delete(next.clientId));
        this.o.onDone?.(next, outcome);
      }
    } finally {
      this.running = false;
    }
  }
}
