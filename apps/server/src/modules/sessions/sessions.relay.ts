// Live sessions across processes (issue 15): a session is hosted by one media node (`live_sessions.media_node`), but
// its device and its viewers connect to whichever API node the load balancer gave them. The API node checks who they
// are, then relays their signalling to the hosting node over the node bus (Postgres LISTEN/NOTIFY) and the node's
// answers back; the media itself (WebRTC) goes straight between the peer and the media node. When a media node dies,
// another takes its sessions over (its heartbeat lapsed) and announces it; the API nodes re-point their peers and tell
// them to re-join (`node_changed`), so the device and the consoles reconnect to the new node by themselves.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { SessionEvent, SessionViewer } from '@rvi/contracts';
import type { Actor } from '../../platform/actor.ts';
import type { Db } from '../../platform/db.ts';
import type { BusMessage, NodeBus } from '../../platform/node-bus.ts';
import { liveSessions } from '../../db/schema.ts';
import type { LiveMedia, PeerSocket } from './sessions.media.ts';
import { loadDeviceByToken, type DeviceContext, type LiveRoom } from './sessions.service.ts';

/** How long the API node trusts its cached "which node hosts this session" (a take-over also clears it at once). */
const HOST_CACHE_MS = 2000;
const PEEK_TIMEOUT_MS = 1500;
const CLOSE_TIMEOUT_MS = 60_000;

interface Logger {
  warn(o: unknown, msg?: string): void;
}

const NODE_CHANGED = { type: 'error', code: 'node_changed', message: 'the media node of this session changed: join again' } as const;

/** A peer socket held by another API node: what the live side sends goes back over the bus. */
export class RemoteSocket extends EventEmitter implements PeerSocket {
  readyState = 1;

  constructor(private readonly bus: NodeBus, readonly address: string, readonly conn: string) {
    super();
  }

  send(text: string): void {
    if (this.readyState !== 1) return;
    void this.bus.send(this.address, { k: 'out', c: this.conn, d: text }).catch(() => undefined);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState !== 1) return;
    void this.bus.send(this.address, { k: 'sock-close', c: this.conn, code, reason }).catch(() => undefined);
    this.gone();
  }

  /** the API node says its socket closed */
  gone(): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.emit('close');
  }
}

/** The media node's side of the relay: peers of other API nodes attach here; the API nodes' service calls land here. */
export function serveRelay(bus: NodeBus, media: LiveMedia, db: Db, log: Logger): void {
  const sockets = new Map<string, RemoteSocket>();
  // connection ids are random (72 bits) per API node: unique across the deployment
  const key = (m: BusMessage) => String(m.c);
  const socketOf = (m: BusMessage) => {
    let s = sockets.get(key(m));
    if (!s) {
      s = new RemoteSocket(bus, String(m.r), String(m.c));
      sockets.set(key(m), s);
      s.once('close', () => sockets.delete(key(m)));
    }
    return s;
  };
  bus.on('dev', async (m) => {
    let dev: DeviceContext;
    try {
      dev = await loadDeviceByToken(db, String(m.t));
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'internal';
      void bus.send(String(m.r), { k: 'out', c: m.c, d: JSON.stringify({ type: 'refused', code, message: (e as Error).message }) });
      void bus.send(String(m.r), { k: 'sock-close', c: m.c, code: 4403, reason: code });
      return;
    }
    sockets.get(key(m))?.gone(); // re-attached (the session came back to this node)
    sockets.delete(key(m));
    media.attachDevice(socketOf(m), dev, Array.isArray(m.e) ? m.e.map(String) : []);
  });
  bus.on('in', (m) => { sockets.get(key(m))?.emit('message', String(m.d)); });
  bus.on('gone', (m) => { sockets.get(key(m))?.gone(); });
  bus.on('sig', (m) => { void media.onSignal(m.a as Actor, m.s, m.p, socketOf(m)); });
  bus.on('deliver', (m) => { media.deliver(String(m.s), m.e as SessionEvent); });
  bus.on('drop', (m) => { media.dropDevices(String(m.s), String(m.keep), String(m.reason)); });
  bus.on('peek', (m) => { void bus.reply(m, { viewers: media.viewers(String(m.s)), device: media.device(String(m.s)) }); });
  bus.on('end', (m) => {
    // not awaited here: the bus handles one message at a time, and sealing takes seconds
    void media.close(String(m.s), String(m.reason)).catch((e) => log.warn({ err: e }, 'relay: closing a session failed'))
      .finally(() => void bus.reply(m, {}));
  });
  media.onTakenOver = (sessionId) => { void bus.broadcast({ k: 'moved', s: sessionId, to: bus.address }); };
}

interface DeviceConn {
  socket: PeerSocket;
  sessionId: string;
  tokenId: string;
  /** the node the device's messages go to; null while this process hosts it */
  node: string | null;
}

interface ViewerConn {
  id: string;
  /** session → the node its signals went to */
  sessions: Map<string, string>;
}

/**
 * The API node's side: the live side as the service sees it (LiveRoom), whichever node hosts the session, and the
 * relay of this node's peer sockets to the hosting node.
 */
export class RelayedLive implements LiveRoom {
  private hosts = new Map<string, { node: string; at: number }>();
  private devices = new Map<string, DeviceConn>();
  private viewerConns = new WeakMap<PeerSocket, ViewerConn>();
  private viewerSockets = new Map<string, PeerSocket>();

  constructor(
    private readonly db: Db,
    /** this process's media, when it hosts media (null on an API-only node) */
    private readonly media: LiveMedia | null,
    private readonly localNode: string | null,
    private readonly bus: NodeBus | null,
    private readonly log: Logger,
  ) {
    if (!bus) return;
    bus.on('out', (m) => {
      const c = String(m.c);
      const socket = this.devices.get(c)?.socket ?? this.viewerSockets.get(c);
      if (socket && socket.readyState === 1) socket.send(String(m.d));
    });
    bus.on('sock-close', (m) => {
      // only a device's own socket closes; a viewer's socket is the user's /api/ws, shared with everything else
      const d = this.devices.get(String(m.c));
      if (d) d.socket.close(Number(m.code) || 1000, String(m.reason ?? ''));
    });
    bus.on('moved', (m) => { void this.moved(String(m.s), String(m.to)); });
  }

  private isLocal(node: string | null): boolean {
    return !!this.media && (!this.bus || node === this.localNode);
  }

  /** The node hosting a session (cached briefly). */
  async hostOf(sessionId: string): Promise<string | null> {
    const c = this.hosts.get(sessionId);
    if (c && Date.now() - c.at < HOST_CACHE_MS) return c.node;
    const [row] = await this.db.select({ node: liveSessions.mediaNode }).from(liveSessions).where(eq(liveSessions.id, sessionId)).limit(1);
    if (!row) return null;
    this.hosts.set(sessionId, { node: row.node, at: Date.now() });
    return row.node;
  }

  // ------------------------------------------------------------------------------------------ LiveRoom (the service)

  async viewers(sessionId: string): Promise<SessionViewer[]> {
    return (await this.peek(sessionId)).viewers;
  }

  async device(sessionId: string): Promise<{ connected: boolean; publisher: string }> {
    return (await this.peek(sessionId)).device;
  }

  private async peek(sessionId: string): Promise<{ viewers: SessionViewer[]; device: { connected: boolean; publisher: string } }> {
    const node = await this.hostOf(sessionId);
    if (this.isLocal(node)) return { viewers: this.media!.viewers(sessionId), device: this.media!.device(sessionId) };
    const r = node && this.bus ? await this.bus.request(node, { k: 'peek', s: sessionId }, PEEK_TIMEOUT_MS) : null;
    // a node that does not answer is down or overloaded: nobody is watching through it
    return r ? { viewers: r.viewers as SessionViewer[], device: r.device as { connected: boolean; publisher: string } } : { viewers: [], device: { connected: false, publisher: 'absent' } };
  }

  deliver(sessionId: string, event: SessionEvent): void {
    void this.hostOf(sessionId).then((node) => {
      if (this.isLocal(node)) this.media!.deliver(sessionId, event);
      else if (node && this.bus) return this.bus.send(node, { k: 'deliver', s: sessionId, e: event });
    }).catch((e) => this.log.warn({ err: e }, 'relay: delivering guidance failed'));
  }

  async close(sessionId: string, reason: string): Promise<void> {
    const node = await this.hostOf(sessionId);
    if (this.isLocal(node)) return this.media!.close(sessionId, reason);
    if (!node || !this.bus) return;
    // the hosting node stops the media and seals the recording; a dead node's segments are sealed when it returns
    const r = await this.bus.request(node, { k: 'end', s: sessionId, reason }, CLOSE_TIMEOUT_MS);
    if (!r) this.log.warn({ sessionId, node }, 'relay: the media node did not confirm the end of the session');
    for (const [c, d] of this.devices) if (d.sessionId === sessionId) { d.socket.close(4000, 'session ended'); this.devices.delete(c); }
  }

  dropDevices(sessionId: string, keepTokenId: string, reason: string): void {
    this.media?.dropDevices(sessionId, keepTokenId, reason);
    void this.hostOf(sessionId).then((node) => {
      if (node && this.bus && !this.isLocal(node)) return this.bus.send(node, { k: 'drop', s: sessionId, keep: keepTokenId, reason });
    }).catch(() => undefined);
  }

  // ------------------------------------------------------------------------------------------ this node's peers

  /** A device WebSocket of this node (its key checked): attached here when this process hosts it, else relayed. */
  attachDevice(socket: PeerSocket, dev: DeviceContext, early: string[]): void {
    const node = dev.session.mediaNode;
    this.hosts.set(dev.session.id, { node, at: Date.now() });
    if (this.isLocal(node)) return this.media!.attachDevice(socket, dev, early);
    const c = randomBytes(9).toString('base64url');
    const conn: DeviceConn = { socket, sessionId: dev.session.id, tokenId: dev.token.id, node };
    this.devices.set(c, conn);
    void this.bus!.send(node, { k: 'dev', c, r: this.bus!.address, t: dev.token.id, e: early });
    socket.on('message', (raw) => {
      if (conn.node) void this.bus!.send(conn.node, { k: 'in', c, d: String(raw) }).catch(() => undefined);
    });
    socket.on('close', () => {
      this.devices.delete(c);
      if (conn.node) void this.bus!.send(conn.node, { k: 'gone', c }).catch(() => undefined);
    });
  }

  /** `{type:'signal'}` of a viewer's /api/ws socket on this node. */
  async onSignal(actor: Actor, sessionId: unknown, payload: unknown, socket: PeerSocket): Promise<void> {
    const node = typeof sessionId === 'string' && sessionId.length <= 64 ? await this.hostOf(sessionId).catch(() => null) : null;
    if (!node || this.isLocal(node)) return this.media ? this.media.onSignal(actor, sessionId, payload, socket) : this.refuse(socket, sessionId);
    let conn = this.viewerConns.get(socket);
    if (!conn) {
      const c: ViewerConn = { id: randomBytes(9).toString('base64url'), sessions: new Map() };
      conn = c;
      this.viewerConns.set(socket, c);
      this.viewerSockets.set(c.id, socket);
      socket.once('close', () => {
        this.viewerSockets.delete(c.id);
        for (const n of new Set(c.sessions.values())) void this.bus!.send(n, { k: 'gone', c: c.id }).catch(() => undefined);
      });
    }
    conn.sessions.set(sessionId as string, node);
    await this.bus!.send(node, { k: 'sig', c: conn.id, r: this.bus!.address, a: actor, s: sessionId, p: payload });
  }

  private refuse(socket: PeerSocket, sessionId: unknown): void {
    // an API-only node and a session nobody hosts: the session does not exist (or is being moved)
    socket.send(JSON.stringify({ type: 'signal', sessionId: String(sessionId).slice(0, 64), payload: { type: 'denied', code: 'not_found', message: 'Live session not found' } }));
  }

  /** Another media node took a session over: its peers on this node re-join there. */
  private async moved(sessionId: string, to: string): Promise<void> {
    this.hosts.set(sessionId, { node: to, at: Date.now() });
    for (const [c, d] of this.devices) {
      if (d.sessionId !== sessionId) continue;
      if (this.isLocal(to)) {
        d.node = null;
        this.devices.delete(c);
        try {
          this.media!.attachDevice(d.socket, await loadDeviceByToken(this.db, d.tokenId), []);
        } catch {
          d.socket.close(4403, 'token_revoked');
          continue;
        }
      } else {
        d.node = to;
        await this.bus!.send(to, { k: 'dev', c, r: this.bus!.address, t: d.tokenId, e: [] });
      }
      d.socket.send(JSON.stringify(NODE_CHANGED));
    }
    for (const id of this.viewerSockets.keys()) {
      const socket = this.viewerSockets.get(id)!;
      const conn = this.viewerConns.get(socket);
      if (!conn?.sessions.has(sessionId)) continue;
      conn.sessions.set(sessionId, to);
      socket.send(JSON.stringify({ type: 'signal', sessionId, payload: NODE_CHANGED }));
    }
  }
}
