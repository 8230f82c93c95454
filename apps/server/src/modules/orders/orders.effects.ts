import { createNotifications, pushNotifications } from '../notifications/notifications.service.ts';
import type { Db } from '../../platform/db.ts';
import type { WsHub } from '../../platform/ws-hub.ts';

type NotificationRow = Awaited<ReturnType<typeof createNotifications>>[number];

/**
 * What a use case wants the outside world to hear about, collected inside its transaction and delivered after
 * commit: notification rows are stored in the transaction (so they roll back with it) and pushed live afterwards;
 * invalidations tell open pages to refetch. Services take an optional Effects; HTTP handlers flush it with ctx.hub.
 */
export class Effects {
  readonly notifications: NotificationRow[] = [];
  private readonly invalidations = new Map<string, Set<string>>();

  /** Stores one notification per user (duplicates and nulls dropped). */
  async notify(tx: Db, userIds: (string | null | undefined)[], kind: string, payload: Record<string, unknown>): Promise<void> {
    const ids = userIds.filter((x): x is string => typeof x === 'string' && x.length > 0);
    if (!ids.length) return;
    this.notifications.push(...(await createNotifications(tx, ids, kind, payload)));
  }

  /** Rooms (`office:<id>`, `org:<id>`, `user:<id>`) whose pages should refetch the given query-key prefixes. */
  invalidate(rooms: (string | null | undefined)[], keys: string[][]): void {
    for (const r of rooms) {
      if (!r || r.endsWith(':null') || r.endsWith(':undefined')) continue;
      let set = this.invalidations.get(r);
      if (!set) this.invalidations.set(r, (set = new Set()));
      for (const k of keys) set.add(JSON.stringify(k));
    }
  }

  /** Delivers after commit. Without a hub (CLI, jobs without sockets) the stored notifications are listed on next fetch. */
  flush(hub: WsHub | null | undefined): void {
    if (!hub) return;
    pushNotifications(hub, this.notifications);
    for (const [room, keys] of this.invalidations) hub.invalidate([room], [...keys].map((k) => JSON.parse(k) as string[]));
  }
}

/** The query keys an order change invalidates, for the rooms of everyone concerned. */
export function invalidateOrder(fx: Effects | undefined, o: { officeId: string; enterpriseId: string; inspectorId?: string | null }, extraUsers: (string | null | undefined)[] = []): void {
  if (!fx) return;
  fx.invalidate([`office:${o.officeId}`, `org:${o.enterpriseId}`, o.inspectorId ? `user:${o.inspectorId}` : null, ...extraUsers.map((u) => (u ? `user:${u}` : null))], [['orders'], ['notifications']]);
}
