// Sends webhook deliveries (issue 19.4): rows of webhook_deliveries claimed with FOR UPDATE SKIP LOCKED and a lease
// (several worker nodes may share the table; a node killed mid-send leaves its rows to be claimed again when the
// lease lapses: at least once, nothing lost), one subject at a time per subscription (a later event of a declaration
// waits while an earlier one is still pending), retried with exponential back-off until MAX_ATTEMPTS.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WEBHOOK_SIGNATURE_HEADER, type WebhookEvent, type WebhookEventType } from '@rvi/contracts';
import { OUTBOX_CHANNEL } from '../../platform/outbox.ts';
import type { Database } from '../../platform/db.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { CUSTOMS_ONLY_FIELDS, feedWebhooks } from './webhooks.feed.ts';
import { signWebhook } from './webhooks.signature.ts';
import { guardedLookup, literalRefusal, type AllowedNetworks } from '../../platform/egress.ts';

export interface WebhookWorkerOptions {
  /** Fallback polling of the audit chain and of due retries (a change's NOTIFY on the outbox channel wakes it sooner). */
  pollMs?: number;
  /** Requests in flight at once (different subjects or subscriptions). */
  concurrency?: number;
  /** One request's time limit. */
  timeoutMs?: number;
  /** First retry after this long, doubling each attempt, at most maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Attempts before a delivery is marked failed (an administrator can still redeliver it). */
  maxAttempts?: number;
  log?: (msg: string) => void;
  userAgent?: string;
  /** Non-public networks the sender may call besides public addresses (RVI_WEBHOOK_ALLOW_NETWORKS; see webhooks.egress.ts) */
  allowNetworks?: AllowedNetworks;
}

interface Claimed {
  id: string;
  attempts: number;
  event_id: string;
  event_type: WebhookEventType;
  subject_id: string;
  url: string;
  secret_enc: string;
  org_kind: 'customs_office' | 'enterprise';
  data: Record<string, unknown>;
  occurred_at: Date | string;
}

/** The retry delay after attempt `n` (1-based): base · 2^(n-1), capped. */
export function backoffMs(n: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, n - 1));
}

/** The JSON body of a delivery; an enterprise's copy leaves out customs' risk fields. */
export function webhookBody(c: Pick<Claimed, 'event_id' | 'event_type' | 'subject_id' | 'org_kind' | 'data' | 'occurred_at'>): string {
  const data = { ...c.data };
  if (c.org_kind === 'enterprise') for (const f of CUSTOMS_ONLY_FIELDS) delete data[f];
  const ev: WebhookEvent = { id: c.event_id, type: c.event_type, occurredAt: new Date(c.occurred_at).toISOString(), subject: { type: 'declaration', id: c.subject_id }, data };
  return JSON.stringify(ev);
}

export class WebhookWorker {
  private readonly o: Required<WebhookWorkerOptions>;
  private readonly lookup: ReturnType<typeof guardedLookup>;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private stopped = true;
  private feeding: Promise<void> | null = null;
  private feedAgain = false;
  private sending: Promise<void> | null = null;
  private sendAgain = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly database: Database, private readonly secrets: SecretBox, opts: WebhookWorkerOptions = {}) {
    this.o = {
      pollMs: opts.pollMs ?? 250,
      concurrency: opts.concurrency ?? 8,
      timeoutMs: opts.timeoutMs ?? 10_000,
      baseBackoffMs: opts.baseBackoffMs ?? 1000,
      maxBackoffMs: opts.maxBackoffMs ?? 3600_000,
      maxAttempts: opts.maxAttempts ?? 16,
      log: opts.log ?? ((m) => console.error(m)),
      userAgent: opts.userAgent ?? 'customs-rvi-webhooks',
      allowNetworks: opts.allowNetworks ?? [],
    };
    this.lookup = guardedLookup(this.o.allowNetworks);
  }

  /** The lease of a claimed row: a request's limit plus a margin (a crashed node's rows are sent again after it). */
  get leaseMs(): number { return this.o.timeoutMs + 5000; }

  /** Starts listening and polling; stop() waits for a start still under way (the module starts it without waiting). */
  start(): Promise<void> {
    if (!this.stopped) return this.starting ?? Promise.resolve();
    this.stopped = false;
    this.starting = this.begin().finally(() => { this.starting = null; });
    return this.starting;
  }

  private starting: Promise<void> | null = null;

  private async begin(): Promise<void> {
    try {
      // every unit of work that changed something writes outbox rows, whose insert trigger notifies this channel
      const unlisten = await this.database.listen(OUTBOX_CHANNEL, () => this.kick());
      // stopped while the LISTEN connection was being opened: close it (it held the process and a connection open)
      if (this.stopped) { await unlisten().catch(() => undefined); return; }
      this.unlisten = unlisten;
    } catch (e) {
      this.o.log(`webhooks: LISTEN unavailable, polling only: ${(e as Error).message}`);
    }
    if (this.stopped) return;
    const t = setInterval(() => this.kick(), this.o.pollMs);
    t.unref();
    this.timers.push(t);
    this.kick();
  }

  /** Stops claiming and waits for the requests in flight (their rows are finished; unclaimed ones wait for the next start). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.starting;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.feeding;
    await this.sending;
    await Promise.allSettled([...this.inflight]);
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
  }

  /** Reads the audit chain for new events and sends what is due. */
  kick(): void {
    if (this.stopped) return;
    if (this.feeding) { this.feedAgain = true; return; }
    this.feeding = this.feed().catch((e) => { if (!this.stopped) this.o.log(`webhooks: fan-out failed: ${(e as Error).message}`); }).finally(() => {
      this.feeding = null;
      if (this.feedAgain) { this.feedAgain = false; this.kick(); }
    });
  }

  /** Waits until nothing is due now (deliveries waiting for a back-off are not waited for): tests, orderly hand-over. */
  async settle(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.kick();
      await this.feeding;
      await this.sending;
      await Promise.allSettled([...this.inflight]);
      const [r] = await this.database.query<{ n: number; behind: boolean }>(
        `select (select count(*)::int from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id and s.active
                   where d.status = 'pending' and d.next_attempt_at <= now()) as n,
                coalesce((select max(seq) from audit_log), 0) > coalesce((select last_seq from webhook_cursor where id = 1), -1) as behind`);
      if (!r.n && !r.behind && !this.inflight.size) return;
      if (Date.now() > end) throw new Error(`webhooks: ${r.n} delivery(ies) still due after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  private async feed(): Promise<void> {
    for (let i = 0; i < 20 && !this.stopped; i++) {
      const r = await feedWebhooks(this.database.db);
      if (r.read < 500) break;
    }
    this.send();
  }

  private send(): void {
    if (this.stopped) return;
    if (this.sending) { this.sendAgain = true; return; }
    this.sending = this.pump().catch((e) => { if (!this.stopped) this.o.log(`webhooks: send failed: ${(e as Error).message}`); }).finally(() => {
      this.sending = null;
      if (this.sendAgain) { this.sendAgain = false; this.send(); }
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      const free = this.o.concurrency - this.inflight.size;
      if (free <= 0 || this.stopped) return;
      const rows = await this.claim(free);
      if (!rows.length) return;
      for (const r of rows) {
        const p: Promise<void> = this.deliver(r)
          .catch((e) => this.o.log(`webhooks: delivery ${r.id}: ${(e as Error).message}`))
          .finally(() => { this.inflight.delete(p); this.send(); });
        this.inflight.add(p);
      }
    }
  }

  /**
   * Claims due deliveries: pending, due, of an active subscription, and the earliest pending one of their subject for
   * that subscription (in order per subject). The lease moves next_attempt_at forward, so neither this node's next
   * claim nor another node takes the row while it is being sent.
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const ids = await this.database.query<{ id: string }>(
      `update webhook_deliveries set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision)
        where id in (
          select d.id from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id and s.active
           where d.status = 'pending' and d.next_attempt_at <= now()
             and not exists (select 1 from webhook_deliveries e where e.subscription_id = d.subscription_id and e.subject_id = d.subject_id
                              and e.status = 'pending' and e.event_seq < d.event_seq)
           order by d.event_seq limit $1 for update of d skip locked)
        returning id`, [limit, this.leaseMs / 1000]);
    if (!ids.length) return [];
    return this.database.query<Claimed>(
      `select d.id, d.attempts, d.event_id, d.event_type, d.subject_id, s.url, s.secret_enc, o.kind as org_kind, e.data, e.occurred_at
         from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id join organisations o on o.id = s.org_id
         join integration_events e on e.seq = d.event_seq
        where d.id = any($1::text[]) order by d.event_seq`, [ids.map((r) => r.id)]);
  }

  private async deliver(c: Claimed): Promise<void> {
    const body = webhookBody(c);
    const secret = this.secrets.unseal(c.secret_enc);
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      status = await this.post(new URL(c.url), body, {
        'content-type': 'application/json', 'user-agent': this.o.userAgent, [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, body),
        'customs-rvi-event': c.event_type, 'customs-rvi-event-id': c.event_id, 'customs-rvi-delivery': c.id,
      });
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      const err = e as Error & { code?: string };
      error = (err.name === 'TimeoutError' ? `timeout after ${this.o.timeoutMs} ms` : err.code === 'EGRESS_REFUSED' ? err.message : err.code ?? err.message).slice(0, 500);
    }
    const ms = Math.round(performance.now() - started);
    if (!error) {
      await this.database.query(
        `with a as (insert into webhook_attempts (delivery_id, attempt, status_code, duration_ms) values ($1, $2, $3, $4))
         update webhook_deliveries set status = 'delivered', delivered_at = now(), last_status_code = $3, last_error = null, last_duration_ms = $4 where id = $1`,
        [c.id, c.attempts, status, ms]);
      return;
    }
    const giveUp = c.attempts >= this.o.maxAttempts;
    const wait = backoffMs(c.attempts, this.o.baseBackoffMs, this.o.maxBackoffMs) / 1000;
    await this.database.query(
      `with a as (insert into webhook_attempts (delivery_id, attempt, status_code, error, duration_ms) values ($1, $2, $3, $4, $5))
       update webhook_deliveries set status = $6, next_attempt_at = now() + make_interval(secs => $7::double precision),
              last_status_code = $3, last_error = $4, last_duration_ms = $5 where id = $1`,
      [c.id, c.attempts, status, error, ms, giveUp ? 'failed' : 'pending', wait]);
  }

  /**
   * One POST with node:http(s): redirects are not followed (a 3xx is a failed delivery), the socket's DNS lookup
   * refuses non-public addresses (an address literal is checked here: sockets skip the lookup for those), the whole
   * exchange is bounded by timeoutMs. Resolves with the status once the answer's body has been read.
   */
  private post(url: URL, body: string, headers: Record<string, string>): Promise<number> {
    const refused = literalRefusal(url, this.o.allowNetworks);
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: this.lookup,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', (e) => reject(e.name === 'AbortError' ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : e));
      req.end(body);
    });
  }
}
