import type { WebSocket } from 'ws';
import type { ServerToClient } from '@rvi/contracts';
import type { Actor } from './actor.ts';
import type { RealtimePush } from './unit-of-work.ts';

/**
 * Rooms of live WebSocket connections: `user:<id>`, `org:<id>`, `office:<id>` (customs staff of an office).
 * One process holds its own connections; with several API nodes, publish() would also go through a broadcast channel
 * (Postgres LISTEN/NOTIFY or NATS) so that every node delivers to its own sockets.
 */
export class WsHub {
  private rooms = new Map<string, Set<WebSocket>>();

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

  publish(room: string, msg: ServerToClient): number {
    const set = this.rooms.get(room);
    if (!set) return 0;
    const text = JSON.stringify(msg);
    for (const s of set) if (s.readyState === 1) s.send(text);
    return set.size;
  }

  invalidate(rooms: string[], keys: string[][]): void {
    for (const r of new Set(rooms)) this.publish(r, { type: 'invalidate', keys });
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
