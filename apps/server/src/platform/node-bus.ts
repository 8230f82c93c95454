import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './db.ts';

/** Every process also listens here: messages for all nodes (e.g. "session moved to another media node"). */
const BROADCAST = 'rvi_nodes';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; larger messages go through the ws_fanout table. */
const MAX_INLINE = 7000;

export interface BusMessage {
  /** kind: handlers are registered per kind */
  k: string;
  [field: string]: unknown;
}

type Handler = (msg: BusMessage) => void | Promise<void>;

/** The LISTEN channel of a node address (channel names are identifiers: the address is hashed). */
export function channelOf(address: string): string {
  return `rvi_n_${createHash('sha256').update(address).digest('hex').slice(0, 32)}`;
}

/**
 * Messages between the processes of one deployment (API nodes and media nodes) through Postgres LISTEN/NOTIFY: each
 * process listens on the channel of its own address and on a broadcast channel. Sends from one process are issued one
 * after the other (NOTIFY is delivered in commit order), and received messages are handled one at a time, so two
 * messages from one sender to one receiver arrive in the order they were sent — the signalling of a WebRTC peer
 * (join, offer, candidates) depends on it.
 *
 * Nothing is stored for replay: a message to a process that is gone is lost, which the callers expect (a request
 * times out; a peer whose media node died re-joins the node that took its session over).
 */
export class NodeBus {
  private handlers = new Map<string, Handler>();
  private unlisten: Array<() => Promise<void>> = [];
  private sending: Promise<unknown> = Promise.resolve();
  private receiving: Promise<unknown> = Promise.resolve();
  private pending = new Map<string, { resolve(m: BusMessage): void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly database: Database,
    /** this process's address (a media node's id, or an API process's own id) */
    readonly address: string,
    private readonly log: (msg: string) => void = (m) => console.error(m),
  ) {
    this.on('reply', (m) => {
      const p = this.pending.get(String(m.id));
      if (!p) return;
      this.pending.delete(String(m.id));
      clearTimeout(p.timer);
      p.resolve(m);
    });
  }

  async start(): Promise<void> {
    for (const ch of [channelOf(this.address), BROADCAST]) {
      this.unlisten.push(await this.database.listen(ch, (payload) => {
        if (!payload) return; // the LISTEN connection (re)connected
        this.receiving = this.receiving.then(() => this.receive(payload));
      }));
    }
  }

  async stop(): Promise<void> {
    for (const u of this.unlisten.splice(0)) await u().catch(() => undefined);
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  /** Registers the handler of one message kind (one per kind). */
  on(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }

  /** Sends to one address; resolves once the notification is committed. */
  send(address: string, msg: BusMessage): Promise<void> {
    return this.enqueue(channelOf(address), msg);
  }

  /** Sends to every process (itself included). */
  broadcast(msg: BusMessage): Promise<void> {
    return this.enqueue(BROADCAST, msg);
  }

  /** Sends and waits for the handler's answer (`reply(msg, answer)`); null when none came within `timeoutMs`. */
  async request(address: string, msg: BusMessage, timeoutMs: number): Promise<BusMessage | null> {
    const id = randomBytes(9).toString('base64url');
    const answer = new Promise<BusMessage | null>((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(id); resolve(null); }, timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer });
    });
    await this.send(address, { ...msg, id, r: this.address });
    return answer;
  }

  /** Answers a request received by a handler. */
  reply(request: BusMessage, answer: Record<string, unknown>): Promise<void> {
    return this.send(String(request.r), { ...answer, k: 'reply', id: request.id });
  }

  private enqueue(channel: string, msg: BusMessage): Promise<void> {
    const next = this.sending.then(() => this.notify(channel, msg));
    this.sending = next.catch(() => undefined);
    return next;
  }

  private async notify(channel: string, msg: BusMessage): Promise<void> {
    let text = JSON.stringify(msg);
    if (text.length > MAX_INLINE) {
      const [row] = await this.database.query<{ id: number }>('insert into ws_fanout (body) values ($1) returning id', [text]);
      text = JSON.stringify({ k: '$ref', ref: Number(row.id) });
    }
    await this.database.query('select pg_notify($1, $2)', [channel, text]);
  }

  private async receive(payload: string): Promise<void> {
    try {
      let msg = JSON.parse(payload) as BusMessage;
      if (msg.k === '$ref') {
        const [row] = await this.database.query<{ body: string }>('select body from ws_fanout where id = $1', [msg.ref]);
        if (!row) return;
        msg = JSON.parse(row.body) as BusMessage;
      }
      await this.handlers.get(msg.k)?.(msg);
    } catch (e) {
      this.log(`node bus: a message failed: ${(e as Error).message}`);
    }
  }
}
