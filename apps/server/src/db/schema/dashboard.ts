// Command platform figures (issue 8). The figures are read from small pre-aggregated tables, never from scans of the
// workflow's events:
// - dash_dirty_orders: a queue of orders whose figures may have changed. Database triggers (migration
//   `dashboard_triggers`) append to it in the same transaction as any change to an inspection order, its decision
//   effect or its eligibility decision, so no change is missed whichever service made it.
// - dash_order_facts: one row per inspected order (office-local inspection day, mode, channel, selection, times).
// - dash_daily, dash_release_buckets, dash_inspector_daily, dash_reason_daily: sums per office and day, kept up to
//   date by applying each re-computed fact as a delta (old row subtracted, new row added).
// - dash_simulated_times: the simulated timeline of demo-history cases (their real rows carry the time they were
//   generated; the figures use the simulated one). Every such order is marked simulated in its fact row.
import { bigserial, boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Orders whose figures must be recomputed (appended by triggers; drained by the refresh). */
export const dashDirtyOrders = pgTable('dash_dirty_orders', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  orderId: text('order_id').notNull(),
  queuedAt: ts('queued_at').notNull().defaultNow(),
});

/** One row per inspected order: the facts every figure is derived from. */
export const dashOrderFacts = pgTable('dash_order_facts', {
  orderId: text('order_id').primaryKey(),
  officeId: text('office_id').notNull(),
  enterpriseId: text('enterprise_id').notNull(),
  inspectorId: text('inspector_id'),
  /** Office-local day the inspection was completed: the day the period filter applies to. */
  day: date('day', { mode: 'string' }).notNull(),
  channel: text('channel').notNull(),
  mode: text('mode').notNull(),
  selection: text('selection').notNull(),
  /** Application by the enterprise, else selection by targeting, else the order's creation. */
  startAt: ts('start_at').notNull(),
  arrivedAt: ts('arrived_at'),
  inspectedAt: ts('inspected_at').notNull(),
  releasedAt: ts('released_at'),
  releaseMinutes: doublePrecision('release_minutes'),
  waitingMinutes: doublePrecision('waiting_minutes'),
  decided: boolean('decided').notNull(),
  fraud: boolean('fraud').notNull(),
  critical: boolean('critical').notNull(),
  /** Why an on-site inspection was not remote: fired on-site rule ids, or inspector_choice / remote_fallback / undecided / default_onsite. */
  reasons: jsonb('reasons').$type<string[]>().notNull(),
  simulated: boolean('simulated').notNull(),
  refreshedAt: ts('refreshed_at').notNull().defaultNow(),
}, (t) => [index('dash_order_facts_office_day_idx').on(t.officeId, t.day, t.mode, t.channel, t.releaseMinutes)]);

/** Per office, day, channel, mode and selection: inspections, releases, waiting, decisions and fraud found. */
export const dashDaily = pgTable('dash_daily', {
  officeId: text('office_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  channel: text('channel').notNull(),
  mode: text('mode').notNull(),
  selection: text('selection').notNull(),
  inspections: integer('inspections').notNull().default(0),
  released: integer('released').notNull().default(0),
  releaseMinutes: doublePrecision('release_minutes').notNull().default(0),
  waited: integer('waited').notNull().default(0),
  waitingMinutes: doublePrecision('waiting_minutes').notNull().default(0),
  decided: integer('decided').notNull().default(0),
  fraud: integer('fraud').notNull().default(0),
  critical: integer('critical').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.officeId, t.day, t.channel, t.mode, t.selection] })]);

/** Time-to-release distribution: releases per bucket (bucket edges in minutes: see dashboard.figures.ts). */
export const dashReleaseBuckets = pgTable('dash_release_buckets', {
  officeId: text('office_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  channel: text('channel').notNull(),
  mode: text('mode').notNull(),
  bucket: integer('bucket').notNull(),
  n: integer('n').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.officeId, t.day, t.channel, t.mode, t.bucket] })]);

/** Inspections per inspector and day (the efficiency figure counts inspector-days with at least one inspection). */
export const dashInspectorDaily = pgTable('dash_inspector_daily', {
  officeId: text('office_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  inspectorId: text('inspector_id').notNull(),
  channel: text('channel').notNull(),
  mode: text('mode').notNull(),
  n: integer('n').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.officeId, t.day, t.inspectorId, t.channel, t.mode] })]);

/** On-site inspections per reason they were not remote (an inspection with two fired rules counts under both). */
export const dashReasonDaily = pgTable('dash_reason_daily', {
  officeId: text('office_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  channel: text('channel').notNull(),
  reason: text('reason').notNull(),
  n: integer('n').notNull().default(0),
}, (t) => [primaryKey({ columns: [t.officeId, t.day, t.channel, t.reason] })]);

/** The simulated timeline of a demo-history case (generated by running the real workflow, then dated into the past). */
export const dashSimulatedTimes = pgTable('dash_simulated_times', {
  orderId: text('order_id').primaryKey(),
  startAt: ts('start_at').notNull(),
  arrivedAt: ts('arrived_at'),
  inspectedAt: ts('inspected_at').notNull(),
  releasedAt: ts('released_at'),
  generatedAt: ts('generated_at').notNull().defaultNow(),
  runId: text('run_id').notNull(),
});

/** State of the figure refresh (last run, rows processed), one row per key. */
export const dashRefreshState = pgTable('dash_refresh_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
