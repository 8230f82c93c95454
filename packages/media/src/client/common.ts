// Shared pieces of the browser clients: transport, typed events, reconnect policy.
import type { ClientToServer, ServerToClient } from '../signalling.ts';


/** Carries signalling messages; plug in any WebSocket (or other channel). */
export interface SignallingTransport {
  send(msg: ClientToServer): void;
  /** subscribe to server messages; returns an unsubscribe function */
  onMessage(cb: (msg: ServerToClient) => void): () => void;
  /** optional: called every time the underlying connection (re)opens; clients then re-join */
  onOpen?(cb: () => void): () => void;
  /** optional: whether messages can be sent now */
  readonly isOpen?: boolean;
}

/** A reconnect policy returns the delay before attempt `attempt` (1-based), or null to give up. */
export type ReconnectPolicy = (attempt: number, elapsedMs: number) => number | null;

/** Default: 0, 250, 500, 1000 ms then every 1 s, for up to 2 minutes of trying. */
export const defaultReconnectPolicy: ReconnectPolicy = (attempt, elapsedMs) =>
  elapsedMs > 120_000 ? null : attempt <= 1 ? 0 : Math.min(1000, 250 * 2 ** (attempt - 2));

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

type Listener<T> = (payload: T) => void;

/** Minimal typed event emitter. */
export class Emitter<Events extends Record<string, unknown>> {
  private listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};
  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    (this.listeners[event] ??= new Set()).add(fn);
    return () => this.off(event, fn);
  }
  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    this.listeners[event]?.delete(fn);
  }
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const fn of this.listeners[event] ?? []) {
      try {
        fn(payload);
      } catch (e) {
        console.error(`listener for ${String(event)} failed`, e);
      }
    }
  }
}

/** Resolves when ICE gathering is complete (or after timeoutMs with what was gathered). */
export function iceGatheringDone(pc: RTCPeerConnection, timeoutMs = 2000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const t = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/**
 * WebSocket transport with automatic reconnect (fixed short backoff). Messages sent while the socket is down are
 * dropped: the clients re-send what matters (join, offer) from `onOpen`.
 */
export function createWebSocketTransport(url: string, opts: { protocols?: string | string[]; retryMs?: number } = {}): SignallingTransport & { close(): void } {
  const msgListeners = new Set<(m: ServerToClient) => void>();
  const openListeners = new Set<() => void>();
  let ws: WebSocket | undefined;
  let closed = false;
  const connect = () => {
    if (closed) return;
    const sock = new WebSocket(url, opts.protocols);
    ws = sock;
    sock.onopen = () => openListeners.forEach((f) => f());
    sock.onmessage = (ev) => {
      let m: ServerToClient;
      try {
        m = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      msgListeners.forEach((f) => f(m));
    };
    sock.onclose = () => {
      if (ws === sock) ws = undefined;
      if (!closed) setTimeout(connect, opts.retryMs ?? 500);
    };
  };
  connect();
  return {
    send(m) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
    },
    onMessage(cb) {
      msgListeners.add(cb);
      return () => msgListeners.delete(cb);
    },
    onOpen(cb) {
      openListeners.add(cb);
      return () => openListeners.delete(cb);
    },
    get isOpen() {
      return ws?.readyState === WebSocket.OPEN;
    },
    close() {
      closed = true;
      ws?.close();
    },
  };
}

/** Sends the local description now and trickles candidates, or waits for gathering (non-trickle). */
export async function sendWhenReady(pc: RTCPeerConnection, transport: SignallingTransport, type: 'offer' | 'answer', trickle: boolean, stillCurrent: () => boolean): Promise<void> {
  if (!trickle) {
    await iceGatheringDone(pc);
    if (stillCurrent()) transport.send({ type, sdp: pc.localDescription!.sdp });
    return;
  }
  if (!stillCurrent()) return;
  transport.send({ type, sdp: pc.localDescription!.sdp });
}

/** Trickle: forward local candidates (set before setLocalDescription). */
export function trickleCandidates(pc: RTCPeerConnection, transport: SignallingTransport, stillCurrent: () => boolean): void {
  pc.onicecandidate = (ev) => {
    if (!stillCurrent() || !ev.candidate) return;
    transport.send({ type: 'candidate', candidate: ev.candidate.candidate, sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex });
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
