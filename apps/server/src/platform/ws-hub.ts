import type { WebSocket } from 'ws';
import type { LiveKey, ServerToClient } from '@rvi/contracts';
import type { Actor } from './actor.ts';
import type { RealtimePush } from './unit-of-work.ts';

/** Carries room messages to every API node (ws-fanout.ts: Postgres LISTEN/NOTIFY). */
export interface RoomBus {
  publish(rooms: string[], msg: ServerToClient): Promise<void>;
}

/**
 * Rooms of live WebSocket connections: `user:<id>`, `org:<id>`, `office:<id>` (customs staff of an office).
 * Each process holds its own connections. With a bus (several API nodes on one Postgres), publish() goes through it
 * and every node, this one included, delivers to its own sockets (deliverLocal); without one (PGlite, a single
 * process) delivery is direct.
 */
export class WsHub {
  private rooms = new Map<string, Set<WebSocket>>();
  private bus: RoomBus | null = null;
  private onBusError: (e: Error) => void = (e) => console.error(`ws hub: broadcast failed, delivered on this node only: ${e.message}`);

  /** Routes every publish through the bus from now on. */
  attach(bus: RoomBus, onError?: (e: Error) => void): void {
    this.bus = bus;
    if (onError) this.onBusError = onError;
  }

  static roomsFor(actor: Actor): string[] {
    const rooms = [`user:${actor.userId}`];
    if (actor.orgId) rooms.push(`org:${actor.orgId}`);
    if (actor.orgKind === 'customs_office' && actor.officeId) rooms.push(`office:${actor.officeId}`);
    return rooms;
  }

  join(socket: WebSocket, rooms: string[]): void {
    for (const r of rooms) {
      let set = this.rooms.get(r);
      if (!set) this.rooms.set(r, (set = new Set()));
      set.add(socket);
    }
    socket.once('close', () => {
      for (const r of rooms) {
        const set = this.rooms.get(r);
        set?.delete(socket);
        if (set && set.size === 0) this.rooms.delete(r);
      }
    });
  }

  /** Sends to a room on every node (through the bus, when attached). */
  publish(room: string, msg: ServerToClient): void {
    this.send([room], msg);
  }

  invalidate(rooms: string[], keys: LiveKey[]): void {
    const unique = [...new Set(rooms)];
    if (unique.length) this.send(unique, { type: 'invalidate', keys });
  }

  private send(rooms: string[], msg: ServerToClient): void {
    if (!this.bus) {
      this.deliverLocal(rooms, JSON.stringify(msg));
      return;
    }
    this.bus.publish(rooms, msg).catch((e: Error) => {
      this.onBusError(e);
      this.deliverLocal(rooms, JSON.stringify(msg));
    });
  }

  /** Delivers a message (JSON text) to this node's sockets in the rooms; returns how many sockets got it. */
  deliverLocal(rooms: string[], text: string): number {
    let n = 0;
    const sent = new Set<WebSocket>();
    for (const room of rooms) {
      for (const s of this.rooms.get(room) ?? []) {
        if (sent.has(s)) continue;
        sent.add(s);
        if (s.readyState === 1) { s.send(text); n++; }
      }
    }
    return n;
  }

  connections(room: string): number {
    return this.rooms.get(room)?.size ?? 0;
  }
}

/** The outbox's `realtime.push` handler: invalidations and notifications of one unit of work, to this node's sockets. */
export function deliverRealtime(hub: WsHub, push: RealtimePush): void {
  for (const { room, keys } of push.invalidate) hub.invalidate([room], keys);
  for (const { userId, notification } of push.notifications) hub.publish(`user:${userId}`, { type: 'notification', notification });
}
