import type { Database } from './db.ts';
import type { OutboxEventName, OutboxEvents } from './unit-of-work.ts';

/** Channel the outbox insert trigger notifies (migration 0011): dispatchers wake at once instead of waiting a poll. */
export const OUTBOX_CHANNEL = 'rvi_outbox';

export interface OutboxMeta {
  /** The event id: key idempotency on it (a handler may see the same event again after a crash or a retry). */
  eventId: string;
  event: OutboxEventName;
  createdAt: Date;
  /** 1 on the first delivery. */
  attempt: number;
  actorId: string | null;
  requestId: string | null;
}
export type OutboxHandler<K extends OutboxEventName> = (payload: OutboxEvents[K], meta: OutboxMeta) => Promise<unknown>;

export interface OutboxOptions {
  /** Polling fallback (LISTEN/NOTIFY does the fast path); retries are picked up by it too. */
  pollMs?: number;
  /** Events handled at once (a slow handler — scoring a large import without a job queue — does not hold up the rest). */
  concurrency?: number;
  /** How long a claimed row is reserved for this dispatcher (renewed while its handlers run; a crashed node's rows are
   *  claimed again once it lapses). */
  leaseMs?: number;
  /** Dispatched rows are deleted after this long (they stay a while for tracing and tests). */
  retentionMs?: number;
  log?: (msg: string) => void;
}

interface Row {
  seq: number;
  id: string;
  event: OutboxEventName;
  payload: unknown;
  attempts: number;
  created_at: Date | string;
  actor_id: string | null;
  request_id: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Delivers outbox rows at least once to the handlers modules register (`on(event, name, fn)`): in-process reactions,
 * pg-boss jobs (send with `jobIdFor(meta.eventId, …)` so a repeat is a no-op), WebSocket rooms. Several dispatchers
 * (nodes) may share one table: rows are claimed with `FOR UPDATE SKIP LOCKED` and a lease. A failing handler is
 * retried with back-off (never dropped: "selected but never inspected" is the failure this exists to prevent); when an
 * event has several handlers, the ones that succeeded are recorded in outbox_deliveries and not run again.
 * Works the same on PGlite (listen on the embedded instance) and on a PostgreSQL server (a dedicated LISTEN client).
 */
export class Outbox {
  private readonly handlers = new Map<OutboxEventName, { name: string; fn: OutboxHandler<never> }[]>();
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly opts: Required<Omit<OutboxOptions, 'log'>> & { log: (msg: string) => void };
  private started = false;
  private stopped = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private lastPrune = 0;

  constructor(private readonly database: Database, opts: OutboxOptions = {}) {
    this.opts = {
      pollMs: opts.pollMs ?? 1000,
      concurrency: opts.concurrency ?? 4,
      leaseMs: opts.leaseMs ?? 30_000,
      retentionMs: opts.retentionMs ?? 3 * 24 * 3600_000,
      log: opts.log ?? ((m) => console.error(m)),
    };
  }

  /** Registers a named handler for an event (names are unique per event and stable: they key the delivery records). */
  on<K extends OutboxEventName>(event: K, name: string, fn: OutboxHandler<K>): this {
    const list = this.handlers.get(event) ?? [];
    if (list.some((h) => h.name === name)) throw new Error(`outbox: handler ${name} for ${event} registered twice`);
    list.push({ name, fn: fn as OutboxHandler<never> });
    this.handlers.set(event, list);
    return this;
  }

  /** Starts dispatching (after every module registered its handlers: an event without handlers is marked done). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      this.unlisten = await this.database.listen(OUTBOX_CHANNEL, () => this.kick());
    } catch (e) {
      this.opts.log(`outbox: LISTEN unavailable, polling only: ${(e as Error).message}`);
    }
    this.timers.push(setInterval(() => this.kick(), this.opts.pollMs));
    this.timers.push(setInterval(() => { void this.renewLeases(); }, Math.max(1000, this.opts.leaseMs / 3)));
    for (const t of this.timers) t.unref();
    this.kick();
  }

  /** Stops claiming, waits for the handlers running now, stops listening. Unfinished rows stay for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.pumping;
    await Promise.allSettled([...this.inflight.values()]);
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
  }

  /** Looks for work now (the insert trigger's NOTIFY and the poll timer call it). */
  kick(): void {
    if (!this.started || this.stopped) return;
    if (this.pumping) { this.again = true; return; }
    this.pumping = this.pump().catch((e) => this.opts.log(`outbox: dispatch failed: ${(e as Error).message}`)).finally(() => {
      this.pumping = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }

  /**
   * Waits until every row available now (and every row their handlers wrote) is dispatched: for tests and for an
   * orderly hand-over. Rows waiting for a retry back-off are not waited for.
   */
  async settle(timeoutMs = 30_000): Promise<void> {
    if (!this.started) throw new Error('outbox: settle() on a dispatcher that was not started');
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.kick();
      await this.pumping;
      await Promise.allSettled([...this.inflight.values()]);
      const [row] = await this.database.query<{ n: number }>(
        'select count(*)::int as n from outbox where dispatched_at is null and available_at <= now()');
      if (Number(row?.n ?? 0) === 0 && this.inflight.size === 0 && !this.pumping) return;
      if (Date.now() > end) throw new Error(`outbox: ${row?.n} event(s) still pending after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      const free = this.opts.concurrency - this.inflight.size;
      if (free <= 0 || this.stopped) return;
      const rows = await this.claim(free);
      if (!rows.length) break;
      for (const r of rows.sort((a, b) => a.seq - b.seq)) {
        const p = this.deliver(r)
          .catch((e) => this.opts.log(`outbox: event ${r.event} ${r.id}: ${(e as Error).message}`))
          .finally(() => { this.inflight.delete(r.seq); this.kick(); });
        this.inflight.set(r.seq, p);
      }
    }
    if (Date.now() - this.lastPrune > 10 * 60_000) {
      this.lastPrune = Date.now();
      await this.prune();
    }
  }

  private async claim(limit: number): Promise<Row[]> {
    const mine = [...this.inflight.keys()];
    return this.database.query<Row>(
      `update outbox set locked_until = now() + make_interval(secs => $2::double precision), attempts = attempts + 1
        where seq in (select seq from outbox
                       where dispatched_at is null and available_at <= now() and (locked_until is null or locked_until < now())
                         and not (seq = any($3::bigint[]))
                       order by seq limit $1 for update skip locked)
        returning seq, id, event, payload, attempts, created_at, actor_id, request_id`,
      [limit, this.opts.leaseMs / 1000, mine],
    ).then((rows) => rows.map((r) => ({ ...r, seq: Number(r.seq) })));
  }

  private async deliver(row: Row): Promise<void> {
    const handlers = this.handlers.get(row.event) ?? [];
    const several = handlers.length > 1;
    const done = several && row.attempts > 1
      ? new Set((await this.database.query<{ handler: string }>('select handler from outbox_deliveries where event_id = $1', [row.id])).map((r) => r.handler))
      : new Set<string>();
    const meta: OutboxMeta = {
      eventId: row.id, event: row.event, createdAt: new Date(row.created_at), attempt: row.attempts, actorId: row.actor_id, requestId: row.request_id,
    };
    const failures: string[] = [];
    for (const h of handlers) {
      if (done.has(h.name)) continue;
      try {
        await h.fn(row.payload as never, meta);
        if (several) await this.database.query('insert into outbox_deliveries (event_id, handler) values ($1, $2) on conflict do nothing', [row.id, h.name]);
      } catch (e) {
        const msg = `${h.name}: ${(e as Error)?.message ?? String(e)}`;
        failures.push(msg);
        this.opts.log(`outbox: ${row.event} ${row.id} attempt ${row.attempts} failed in ${msg}`);
      }
    }
    if (!failures.length) {
      await this.database.query('update outbox set dispatched_at = now(), locked_until = null, last_error = null where seq = $1', [row.seq]);
    } else {
      const backoffS = Math.min(2 ** (row.attempts - 1), 300);
      await this.database.query(
        'update outbox set locked_until = null, available_at = now() + make_interval(secs => $2::double precision), last_error = $3 where seq = $1',
        [row.seq, backoffS, failures.join('; ').slice(0, 4000)],
      );
    }
  }

  private async renewLeases(): Promise<void> {
    const mine = [...this.inflight.keys()];
    if (!mine.length || this.stopped) return;
    await this.database.query('update outbox set locked_until = now() + make_interval(secs => $2::double precision) where seq = any($1::bigint[]) and dispatched_at is null',
      [mine, this.opts.leaseMs / 1000]).catch((e) => this.opts.log(`outbox: lease renewal failed: ${(e as Error).message}`));
  }

  private async prune(): Promise<void> {
    const secs = this.opts.retentionMs / 1000;
    await this.database.query('delete from outbox where dispatched_at < now() - make_interval(secs => $1::double precision)', [secs]);
    await this.database.query('delete from outbox_deliveries where delivered_at < now() - make_interval(secs => $1::double precision)', [secs]);
  }
}
