import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Transactional outbox: every reaction to a change (domain events, live invalidations, notification pushes) is a row
 * written in the same transaction as the change (platform/unit-of-work.ts), so a crash between commit and reaction
 * loses nothing. The dispatcher (platform/outbox.ts) claims pending rows with a lease (several nodes may consume the
 * same table), delivers them at least once, and marks them dispatched; dispatched rows are pruned after a few days.
 * An insert notifies channel `rvi_outbox` (trigger in the migration) so dispatchers wake at once; they also poll.
 */
export const outbox = pgTable('outbox', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  /** The event id handlers key their idempotency on (e.g. the pg-boss job id derived from it). */
  id: text('id').notNull().unique(),
  event: text('event').notNull(),
  payload: jsonb('payload').notNull(),
  /** Who caused it (user id, or null for the system) and the request, for tracing a reaction back to its cause. */
  actorId: text('actor_id'),
  requestId: text('request_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
  availableAt: ts('available_at').notNull().defaultNow(),
  attempts: integer('attempts').notNull().default(0),
  lockedUntil: ts('locked_until'),
  lastError: text('last_error'),
  dispatchedAt: ts('dispatched_at'),
}, (t) => [
  index('outbox_pending_idx').on(t.seq).where(sql`dispatched_at is null`),
  index('outbox_dispatched_idx').on(t.dispatchedAt),
]);

/** Handlers that already ran for an event with several handlers: a retry runs only the ones that failed. */
export const outboxDeliveries = pgTable('outbox_deliveries', {
  eventId: text('event_id').notNull(),
  handler: text('handler').notNull(),
  deliveredAt: ts('delivered_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.eventId, t.handler] })]);

/**
 * WebSocket messages too large for a NOTIFY payload (PostgreSQL's limit is 8000 bytes): the broadcast carries only the
 * row id and every API node reads the message here (platform/ws-fanout.ts). Pruned after a few minutes.
 */
export const wsFanout = pgTable('ws_fanout', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  body: text('body').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/**
 * Failed-login counters shared by every API node (modules/auth/auth.service.ts LoginThrottle): keys `p:<user>|<client>`,
 * `c:<client>`, `a:<user>`; a row is forgotten after an hour without a new failure.
 */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull(),
  lastAt: ts('last_at').notNull(),
}, (t) => [index('login_throttle_last_idx').on(t.lastAt)]);
