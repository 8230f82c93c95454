// The web app's one WebSocket (/api/ws, session cookie): the notification centre's refreshes and the live session's
// signalling share it, so a tab holds one socket with one back-off. Messages are the typed vocabulary of
// packages/contracts (ServerToClient / ClientToServer; invalidations name `liveKeys`).
import type { ReconnectPolicy } from '@rvi/media/client';
import type { ClientToServer, ServerToClient } from '@rvi/contracts';

export type LiveStatus = 'connecting' | 'open' | 'closed';

/**
 * The app's socket never gives up while a page needs it: at once, then 0.5 s, 1 s, 2 s, 4 s, then every 5 s (a live
 * session must come back quickly; one try per tab every 5 s is nothing for the server).
 */
export const appReconnectPolicy: ReconnectPolicy = (attempt) => (attempt <= 1 ? 0 : Math.min(5000, 500 * 2 ** (attempt - 2)));

type Listener<T> = (v: T) => void;

export class RealtimeSocket {
  private ws: WebSocket | undefined;
  private holders = 0;
  private attempt = 0;
  private firstFailure = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly messages = new Set<Listener<ServerToClient>>();
  private readonly opens = new Set<() => void>();
  private readonly statuses = new Set<Listener<LiveStatus>>();
  status: LiveStatus = 'closed';

  constructor(private readonly url: () => string, private readonly policy: ReconnectPolicy = appReconnectPolicy) {}

  /** Keeps the socket open while at least one holder has it; returns the release. */
  acquire(): () => void {
    this.holders++;
    if (this.holders === 1) this.connect();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holders === 0) this.disconnect();
    };
  }

  private userId: string | undefined;

  /**
   * The signed-in user: when another user signs in in this tab, an open socket is opened again (its rooms were the
   * previous user's; the server derives them from the session cookie when the socket opens).
   */
  signedIn(userId: string): void {
    const changed = this.userId !== undefined && this.userId !== userId;
    this.userId = userId;
    if (changed && this.holders) {
      this.disconnect();
      this.connect();
    }
  }

  onMessage(fn: Listener<ServerToClient>): () => void {
    this.messages.add(fn);
    return () => this.messages.delete(fn);
  }

  /** Called every time the socket (re)opens: live sessions re-join then. */
  onOpen(fn: () => void): () => void {
    this.opens.add(fn);
    return () => this.opens.delete(fn);
  }

  onStatus(fn: Listener<LiveStatus>): () => void {
    this.statuses.add(fn);
    return () => this.statuses.delete(fn);
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends when open; returns false (nothing queued) otherwise. */
  send(msg: ClientToServer): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(JSON.stringify(msg));
    return true;
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    this.statuses.forEach((f) => f(s));
  }

  private connect(): void {
    clearTimeout(this.timer);
    this.setStatus('connecting');
    const sock = new WebSocket(this.url());
    this.ws = sock;
    sock.onopen = () => {
      this.attempt = 0;
      this.firstFailure = 0;
      this.setStatus('open');
      this.opens.forEach((f) => f());
    };
    sock.onmessage = (ev) => {
      let msg: ServerToClient;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      this.messages.forEach((f) => f(msg));
    };
    sock.onclose = () => {
      if (this.ws !== sock) return; // replaced (reconnect) or released
      this.ws = undefined;
      this.setStatus('closed');
      if (!this.holders) return;
      this.firstFailure ||= Date.now();
      const delay = this.policy(++this.attempt, Date.now() - this.firstFailure);
      if (delay !== null) this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private disconnect(): void {
    clearTimeout(this.timer);
    const sock = this.ws;
    this.ws = undefined;
    this.attempt = 0;
    this.firstFailure = 0;
    sock?.close();
    this.setStatus('closed');
  }
}

/** The tab's socket. */
export const realtime = new RealtimeSocket(() => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`);
