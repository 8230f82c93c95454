import type { ServerToClient } from '@rvi/contracts';
import type { Database } from './db.ts';

/** Channel every API node LISTENs on for WebSocket room messages. */
export const WS_CHANNEL = 'rvi_ws';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger messages go through the ws_fanout table. */
const MAX_INLINE = 7000;

interface Envelope {
  /** rooms */
  r: string[];
  /** the message, JSON text (inline) … */
  m?: string;
  /** … or the id of its ws_fanout row */
  ref?: number;
}

/**
 * Fan-out of WebSocket room messages across API nodes through Postgres LISTEN/NOTIFY: a node publishes with
 * `pg_notify('rvi_ws', …)` and every node (itself included) delivers to the sockets it holds. The message is sent
 * after the change committed (the outbox dispatcher or the handler that committed calls publish), and NOTIFY is
 * itself transactional, so a node never announces a change another node cannot read yet.
 *
 * Invalidations are hints: a node whose LISTEN connection was down for a moment misses them, and its pages refetch
 * on reconnect (the web client refetches every query when its WebSocket re-opens), so nothing is stored for replay.
 */
export class WsFanout {
  private unlisten: (() => Promise<void>) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Messages this node published and received back (for tests and the health report). */
  delivered = 0;

  constructor(
    private readonly database: Database,
    private readonly deliver: (rooms: string[], text: string) => void,
    private readonly log: (msg: string) => void = (m) => console.error(m),
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(WS_CHANNEL, (payload) => { void this.receive(payload); });
    // oversized messages are read once by every node within seconds; older rows are no longer needed
    this.timer = setInterval(() => {
      void this.database.query("delete from ws_fanout where created_at < now() - interval '5 minutes'").catch(() => undefined);
    }, 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = null;
  }

  /** Sends a message to rooms on every node. */
  async publish(rooms: string[], msg: ServerToClient): Promise<void> {
    const text = JSON.stringify(msg);
    let env: Envelope = { r: rooms, m: text };
    if (JSON.stringify(env).length > MAX_INLINE) {
      const [row] = await this.database.query<{ id: number }>('insert into ws_fanout (body) values ($1) returning id', [text]);
      env = { r: rooms, ref: Number(row.id) };
      if (JSON.stringify(env).length > MAX_INLINE) {
        // a message for very many rooms: one notification per slice of rooms
        const per = Math.max(1, Math.floor(rooms.length / Math.ceil(JSON.stringify(env).length / MAX_INLINE)));
        for (let i = 0; i < rooms.length; i += per) await this.notify({ r: rooms.slice(i, i + per), ref: env.ref });
        return;
      }
    }
    await this.notify(env);
  }

  private async notify(env: Envelope): Promise<void> {
    await this.database.query('select pg_notify($1, $2)', [WS_CHANNEL, JSON.stringify(env)]);
  }

  private async receive(payload: string): Promise<void> {
    if (!payload) return; // the LISTEN connection (re)connected
    try {
      const env = JSON.parse(payload) as Envelope;
      let text = env.m;
      if (text === undefined && env.ref !== undefined) {
        const [row] = await this.database.query<{ body: string }>('select body from ws_fanout where id = $1', [env.ref]);
        text = row?.body;
      }
      if (text === undefined || !Array.isArray(env.r)) return;
      this.delivered++;
      this.deliver(env.r, text);
    } catch (e) {
      this.log(`ws fan-out: dropped a message: ${(e as Error).message}`);
    }
  }
}
