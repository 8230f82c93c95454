// Inspection orders (issue 4): from selection to an agreed appointment. Inspectors' profiles, rosters and conflicts
// feed dispatch; eligibility rule sets are versioned data; appointments carry the booking; every state change is
// kept in order_transitions (and the hash-chained audit log).
import { sql } from 'drizzle-orm';
import { boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { arrivalNotices, declarations, inspectionApplications, organisations, users } from './core.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A customs inspector as dispatch sees them: office, qualifications (goods categories), daily capacity. */
export const inspectorProfiles = pgTable('inspector_profiles', {
  userId: text('user_id').primaryKey().references(() => users.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  qualifications: jsonb('qualifications').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  dailyCapacity: integer('daily_capacity').notNull().default(6),
  active: boolean('active').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('inspector_profiles_office_idx').on(t.officeId)]);

/** Duty roster: one row per inspector and office-local day (on duty, or explicitly off: leave, training). */
export const inspectorRosters = pgTable('inspector_rosters', {
  inspectorId: text('inspector_id').notNull().references(() => users.id),
  date: date('date', { mode: 'string' }).notNull(),
  onDuty: boolean('on_duty').notNull(),
  note: text('note'),
}, (t) => [primaryKey({ columns: [t.inspectorId, t.date] }), index('inspector_rosters_date_idx').on(t.date)]);

/** Declared conflicts of interest: the inspector is never dispatched to this enterprise. */
export const inspectorConflicts = pgTable('inspector_conflicts', {
  inspectorId: text('inspector_id').notNull().references(() => users.id),
  enterpriseId: text('enterprise_id').notNull().references(() => organisations.id),
  reason: text('reason').notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.inspectorId, t.enterpriseId] })]);

/**
 * Per-office booking and dispatch settings: working hours (the office's time zone is organisations.time_zone),
 * appointment length, buffer, grace period before an appointment counts as missed, rotation window.
 */
export const officeOrderSettings = pgTable('office_order_settings', {
  officeId: text('office_id').primaryKey().references(() => organisations.id),
  weekly: jsonb('weekly').$type<Record<string, { start: string; end: string }[]>>().notNull(),
  closedDates: jsonb('closed_dates').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  slotMinutes: integer('slot_minutes').notNull().default(60),
  bufferMinutes: integer('buffer_minutes').notNull().default(0),
  graceMinutes: integer('grace_minutes').notNull().default(15),
  noticeMinutes: integer('notice_minutes').notNull().default(60),
  rotationDays: integer('rotation_days').notNull().default(7),
  /** Dispatch may plan an order onto one of the next N duty days when nobody can take it on its own day. */
  lookaheadDays: integer('lookahead_days').notNull().default(5),
  /** Weight read or weighed may differ from the declared gross/net mass by this many percent before it is a finding. */
  weightTolerancePct: doublePrecision('weight_tolerance_pct').notNull().default(5),
  reminderMinutes: integer('reminder_minutes').notNull().default(60),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** The inspection of one declaration's goods. `state` follows @rvi/dispatch's order state machine. */
export const inspectionOrders = pgTable('inspection_orders', {
  id: text('id').primaryKey(),
  orderNo: text('order_no').notNull().unique(),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  enterpriseId: text('enterprise_id').notNull().references(() => organisations.id),
  state: text('state').notNull(),
  mode: text('mode').$type<'remote' | 'onsite'>(),
  /** Goods category derived from the HS chapter; inspectors must hold it as a qualification. */
  goodsCategory: text('goods_category').notNull(),
  hs6: text('hs6').notNull(),
  hazardous: boolean('hazardous').notNull().default(false),
  /** Risk channel at selection (green/yellow/red); customs-only. */
  channel: text('channel').notNull(),
  selection: text('selection').$type<'risk' | 'random' | 'manual' | 'application'>().notNull(),
  inspectOnArrival: boolean('inspect_on_arrival').notNull().default(false),
  goodsArrivedAt: ts('goods_arrived_at'),
  priority: integer('priority').notNull().default(0),
  /** Office-local day the inspection is due (dispatch date). */
  dueDate: date('due_date', { mode: 'string' }).notNull(),
  inspectorId: text('inspector_id').references(() => users.id),
  /** Office-local day the order counts against the inspector's capacity (set by dispatch/reassignment). */
  assignedDate: date('assigned_date', { mode: 'string' }),
  dispatchRunId: text('dispatch_run_id'),
  /** Why the last dispatch run left it unassigned: {runId, reason, message, blockingRules}. */
  unassignedReason: jsonb('unassigned_reason'),
  /** Slots offered to the enterprise when the remote inspection was registered. */
  proposedSlots: jsonb('proposed_slots'),
  registeredAt: ts('registered_at'),
  missedCount: integer('missed_count').notNull().default(0),
  applicationId: text('application_id').references(() => inspectionApplications.id),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [
  index('inspection_orders_office_state_idx').on(t.officeId, t.state),
  index('inspection_orders_inspector_idx').on(t.inspectorId, t.assignedDate),
  index('inspection_orders_enterprise_idx').on(t.enterpriseId, t.createdAt),
  // One live order per declaration (a cancelled or closed one may be followed by a new one).
  uniqueIndex('inspection_orders_live_decl_uq').on(t.declarationId).where(sql`state not in ('cancelled', 'closed')`),
]);

export const orderTransitions = pgTable('order_transitions', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  fromState: text('from_state'),
  toState: text('to_state').notNull(),
  actorId: text('actor_id'),
  actorRole: text('actor_role'),
  reason: text('reason'),
  at: ts('at').notNull().defaultNow(),
}, (t) => [index('order_transitions_order_idx').on(t.orderId, t.at)]);

/** Every dispatch run: seed, exact input and result, so `rvi dispatch replay` can recompute it. */
export const dispatchRuns = pgTable('dispatch_runs', {
  id: text('id').primaryKey(),
  officeId: text('office_id').notNull().references(() => organisations.id),
  algorithm: text('algorithm').notNull(),
  seed: text('seed').notNull(),
  runDate: date('run_date', { mode: 'string' }).notNull(),
  input: jsonb('input').notNull(),
  inputHash: text('input_hash').notNull(),
  result: jsonb('result').notNull(),
  summary: jsonb('summary').notNull(),
  actorId: text('actor_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('dispatch_runs_office_idx').on(t.officeId, t.createdAt)]);

/** Remote-eligibility rules of an office, versioned; exactly one version is active. */
export const eligibilityRuleSets = pgTable('eligibility_rule_sets', {
  id: text('id').primaryKey(),
  officeId: text('office_id').notNull().references(() => organisations.id),
  version: integer('version').notNull(),
  rules: jsonb('rules').notNull(),
  defaultOutcome: text('default_outcome').$type<'remote' | 'onsite'>().notNull().default('remote'),
  active: boolean('active').notNull().default(false),
  note: text('note'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  uniqueIndex('eligibility_rule_sets_office_version_uq').on(t.officeId, t.version),
  uniqueIndex('eligibility_rule_sets_active_uq').on(t.officeId).where(sql`active`),
]);

/** The inspector's remote/on-site decision with the recommendation it was made against. */
export const eligibilityDecisions = pgTable('eligibility_decisions', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  ruleSetId: text('rule_set_id').notNull().references(() => eligibilityRuleSets.id),
  ruleSetVersion: integer('rule_set_version').notNull(),
  facts: jsonb('facts').notNull(),
  recommendation: text('recommendation').$type<'remote' | 'onsite'>().notNull(),
  fired: jsonb('fired').notNull(),
  decidedMode: text('decided_mode').$type<'remote' | 'onsite'>().notNull(),
  overridden: boolean('overridden').notNull(),
  reason: text('reason'),
  decidedBy: text('decided_by').references(() => users.id),
  decidedAt: ts('decided_at').notNull().defaultNow(),
}, (t) => [index('eligibility_decisions_order_idx').on(t.orderId)]);

/**
 * Appointments: a remote inspection slot agreed with the enterprise (kind remote) or an on-site visit (kind onsite).
 * Accepted rows block the inspector's and the operator's time; the partial unique indexes back up the in-transaction
 * overlap check (which runs under a per-person advisory lock).
 */
export const appointments = pgTable('appointments', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  kind: text('kind').$type<'remote' | 'onsite'>().notNull(),
  inspectorId: text('inspector_id').notNull().references(() => users.id),
  operatorUserId: text('operator_user_id').references(() => users.id),
  startAt: ts('start_at').notNull(),
  endAt: ts('end_at').notNull(),
  status: text('status').$type<'proposed' | 'accepted' | 'missed' | 'cancelled' | 'completed'>().notNull(),
  proposedBy: text('proposed_by').$type<'customs' | 'enterprise'>().notNull(),
  location: text('location'),
  operatorJoinedAt: ts('operator_joined_at'),
  /** An ad hoc "now" session the inspector asked for: it takes effect when the enterprise consents. */
  adHoc: boolean('ad_hoc').notNull().default(false),
  consentedBy: text('consented_by').references(() => users.id),
  consentedAt: ts('consented_at'),
  confirmationSentAt: ts('confirmation_sent_at'),
  reminderSentAt: ts('reminder_sent_at'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  index('appointments_order_idx').on(t.orderId),
  index('appointments_inspector_idx').on(t.inspectorId, t.startAt),
  index('appointments_operator_idx').on(t.operatorUserId, t.startAt),
  uniqueIndex('appointments_inspector_start_uq').on(t.inspectorId, t.startAt).where(sql`status = 'accepted'`),
  uniqueIndex('appointments_operator_start_uq').on(t.operatorUserId, t.startAt).where(sql`status = 'accepted'`),
]);

/** Camera devices an enterprise registered for remote inspections (phone, AR glasses). */
export const enterpriseDevices = pgTable('enterprise_devices', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  active: boolean('active').notNull().default(true),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('enterprise_devices_org_idx').on(t.orgId)]);

export const connectionTests = pgTable('connection_tests', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  deviceId: text('device_id').notNull().references(() => enterpriseDevices.id),
  passed: boolean('passed').notNull(),
  rttMs: integer('rtt_ms'),
  bitrateKbps: integer('bitrate_kbps'),
  testedBy: text('tested_by').references(() => users.id),
  testedAt: ts('tested_at').notNull().defaultNow(),
}, (t) => [index('connection_tests_org_idx').on(t.orgId, t.testedAt)]);

/** Arrival confirmation of an arrival notice (who confirmed the goods arrived, when). */
export const arrivalConfirmations = pgTable('arrival_confirmations', {
  arrivalNoticeId: text('arrival_notice_id').primaryKey().references(() => arrivalNotices.id),
  declarationId: text('declaration_id').notNull().references(() => declarations.id),
  confirmedBy: text('confirmed_by').references(() => users.id),
  confirmedAt: ts('confirmed_at').notNull().defaultNow(),
});
