import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Notification, NotificationList } from '@rvi/contracts';
import { notifications } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';

type Row = typeof notifications.$inferSelect;
const present = (r: Row): Notification => ({
  id: r.id, kind: r.kind, payload: r.payload as Record<string, unknown>, readAt: r.readAt?.toISOString() ?? null, createdAt: r.createdAt.toISOString(),
});

export async function listNotifications(db: Db, actor: Actor, limit = 50): Promise<NotificationList> {
  const rows = await db.select().from(notifications).where(eq(notifications.userId, actor.userId!)).orderBy(desc(notifications.createdAt)).limit(limit);
  const [u] = await db.select({ n: sql<number>`count(*)::int` }).from(notifications).where(and(eq(notifications.userId, actor.userId!), isNull(notifications.readAt)));
  return { items: rows.map(present), unread: Number(u?.n ?? 0) };
}

/** Marks the actor's own notifications read (ids of other users are ignored). */
export async function markRead(db: Db, actor: Actor, ids: string[] | 'all'): Promise<void> {
  const mine = eq(notifications.userId, actor.userId!);
  await db.update(notifications).set({ readAt: new Date() })
    .where(ids === 'all' ? and(mine, isNull(notifications.readAt)) : and(mine, inArray(notifications.id, ids.length ? ids : ['-'])));
}
