import { randomUUID } from 'node:crypto';
import type { DomainEventName, DomainEvents, LiveKey, Notification } from '@rvi/contracts';
import type { AuditEntry } from '@rvi/evidence';
import { notifications, outbox } from '../db/schema.ts';
import { recordAudit, type AuditTarget } from './audit-chain.ts';
import type { Actor } from './actor.ts';
import type { Db } from './db.ts';

/**
 * One use case = one unit of work: the change, its audit entry and everything that must happen because of it are
 * written in ONE transaction. Reactions are never run "after commit" from memory: `emit`, `notify` and `invalidate`
 * become outbox rows (db/schema/outbox.ts) that commit or roll back with the change, and the dispatcher
 * (platform/outbox.ts) delivers them at least once afterwards — even after a crash right after the commit.
 *
 *   return inTransaction(db, actor, async (uow) => {
 *     const order = await repo.lock(uow.tx, id);
 *     ...change...
 *     await uow.audit('order.cancelled', { type: 'inspection_order', id }, { reason });
 *     await uow.notify([order.inspectorId], 'order.cancelled', { orderId: id });
 *     uow.invalidate([`office:${order.officeId}`], [['orders']]);
 *     uow.emit('risk.selected', {...});      // typed by DomainEvents (packages/contracts/src/events.ts)
 *   });
 *
 * Called with a transaction (`uow.tx` of an outer unit), it nests as a savepoint and its rows commit with the outer one.
 */
export interface UnitOfWork {
  /** The transaction: pass it to repositories and to other services' functions. */
  readonly tx: Db;
  readonly actor: Actor;
  /** Appends the audit entry for this change (same transaction; the hash chain is serialised by an advisory lock). */
  audit(action: string, target: AuditTarget | null, summary: unknown): Promise<AuditEntry>;
  /** Records a domain event in the outbox; returns its id (what handlers key their idempotency on). */
  emit<K extends DomainEventName>(event: K, payload: DomainEvents[K]): string;
  /** Stores one in-app notification per user (duplicates and empty ids dropped) and pushes it live after commit. */
  notify(userIds: (string | null | undefined)[], kind: string, payload: Record<string, unknown>): Promise<void>;
  /** Rooms (`office:<id>`, `org:<id>`, `user:<id>`) whose open pages refetch the given query-key prefixes after commit. */
  invalidate(rooms: (string | null | undefined)[], keys: LiveKey[]): void;
}

/** What the realtime handler delivers to WebSocket rooms (one row per unit of work that changed something visible). */
export interface RealtimePush {
  invalidate: { room: string; keys: LiveKey[] }[];
  notifications: { userId: string; notification: Notification }[];
}
/** Every row kind the outbox carries: the domain events plus the realtime push. */
export type OutboxEvents = DomainEvents & { 'realtime.push': RealtimePush };
export type OutboxEventName = keyof OutboxEvents;

/**
 * The one place a Drizzle transaction is typed as our `Db` (PgTransaction and PgDatabase differ only in members we
 * never use on a transaction), so services and repositories accept either.
 */
export function transaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((txx) => fn(txx as unknown as Db));
}

/** Runs `fn` as one unit of work (see UnitOfWork); its outbox rows are written just before the commit. */
export async function inTransaction<T>(db: Db, actor: Actor, fn: (uow: UnitOfWork) => Promise<T>): Promise<T> {
  return transaction(db, async (tx) => {
    const uow = new Work(tx, actor);
    const out = await fn(uow);
    await uow.writeOutbox();
    return out;
  });
}

class Work implements UnitOfWork {
  private readonly events: { id: string; event: OutboxEventName; payload: unknown }[] = [];
  private readonly rooms = new Map<string, Set<string>>();
  private readonly pushed: RealtimePush['notifications'] = [];

  constructor(readonly tx: Db, readonly actor: Actor) {}

  audit(action: string, target: AuditTarget | null, summary: unknown): Promise<AuditEntry> {
    return recordAudit(this.tx, this.actor, action, target, summary);
  }

  emit<K extends DomainEventName>(event: K, payload: DomainEvents[K]): string {
    const id = randomUUID();
    this.events.push({ id, event, payload });
    return id;
  }

  async notify(userIds: (string | null | undefined)[], kind: string, payload: Record<string, unknown>): Promise<void> {
    const ids = [...new Set(userIds.filter((x): x is string => typeof x === 'string' && x.length > 0))];
    if (!ids.length) return;
    const rows = await this.tx.insert(notifications).values(ids.map((userId) => ({ id: randomUUID(), userId, kind, payload }))).returning();
    for (const r of rows) {
      this.pushed.push({ userId: r.userId, notification: { id: r.id, kind: r.kind, payload: r.payload as Record<string, unknown>, readAt: null, createdAt: r.createdAt.toISOString() } });
    }
  }

  invalidate(rooms: (string | null | undefined)[], keys: LiveKey[]): void {
    for (const r of rooms) {
      if (!r || r.endsWith(':null') || r.endsWith(':undefined')) continue;
      let set = this.rooms.get(r);
      if (!set) this.rooms.set(r, (set = new Set()));
      for (const k of keys) set.add(JSON.stringify(k));
    }
  }

  /** @internal Writes the collected rows (one multi-row insert) inside the transaction. */
  async writeOutbox(): Promise<void> {
    const rows = [...this.events];
    if (this.rooms.size || this.pushed.length) {
      const push: RealtimePush = {
        invalidate: [...this.rooms].map(([room, keys]) => ({ room, keys: [...keys].map((k) => JSON.parse(k) as LiveKey) })),
        notifications: this.pushed,
      };
      rows.push({ id: randomUUID(), event: 'realtime.push', payload: push });
    }
    if (!rows.length) return;
    await this.tx.insert(outbox).values(rows.map((r) => ({ id: r.id, event: r.event, payload: r.payload, actorId: this.actor.userId, requestId: this.actor.requestId })));
  }
}
