// Live remote-inspection sessions (issue 5): the session and its state, the timeline of events, recording segments
// (sealed with SHA-256 when closed), full-resolution snapshots, single-use device join tokens, and the checklist
// (templates per goods category, the session's steps with their results).
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { organisations, users } from './core.ts';
import { appointments, inspectionOrders } from './orders.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Text in the two interface languages (a free-text step typed by the inspector has the same text in both). */
export type LocalizedText = { en: string; 'zh-CN': string };

/**
 * One live session of an inspection order. `state`: requested → ringing → connected ⇄ reconnecting → ended, changed
 * only through transitionSession(). `mediaNode` names the media node (process) hosting the session.
 */
export const liveSessions = pgTable('live_sessions', {
  id: text('id').primaryKey(),
  orderId: text('order_id').notNull().references(() => inspectionOrders.id),
  officeId: text('office_id').notNull().references(() => organisations.id),
  enterpriseId: text('enterprise_id').notNull().references(() => organisations.id),
  appointmentId: text('appointment_id').references(() => appointments.id),
  /** The inspector who conducts (the order's assigned inspector when the session was opened). */
  inspectorId: text('inspector_id').notNull().references(() => users.id),
  /** The enterprise's on-site operator booked for the appointment (the device link is bound to them). */
  operatorUserId: text('operator_user_id').references(() => users.id),
  state: text('state').notNull(),
  goodsCategory: text('goods_category').notNull(),
  checklistTemplateId: text('checklist_template_id'),
  mediaNode: text('media_node').notNull(),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  connectedAt: ts('connected_at'),
  endedAt: ts('ended_at'),
  endReason: text('end_reason'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [
  index('live_sessions_order_idx').on(t.orderId, t.createdAt),
  index('live_sessions_office_state_idx').on(t.officeId, t.state),
  // At most one open session per order.
  uniqueIndex('live_sessions_open_order_uq').on(t.orderId).where(sql`state <> 'ended'`),
]);

/**
 * Media nodes (processes hosting live sessions' media and recording). The id is stable across restarts (configured or
 * kept in the data directory), so a restarted node finds its own sessions; the heartbeat tells the other nodes whether
 * it is alive, so sessions of a node that is gone are taken over (issue 11; the scale-out issue adds capacity here).
 */
export const mediaNodes = pgTable('media_nodes', {
  id: text('id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: ts('started_at').notNull(),
  heartbeatAt: ts('heartbeat_at').notNull(),
  /** what the node reports with every heartbeat (issue 15): placement picks a live node below capacity and CPU limit */
  region: text('region'),
  publicAddress: text('public_address'),
  capacity: integer('capacity').notNull().default(40),
  sessions: integer('sessions').notNull().default(0),
  cpuPct: doublePrecision('cpu_pct').notNull().default(0),
  freeDiskMb: integer('free_disk_mb'),
  /** a stopping node takes no new sessions */
  draining: boolean('draining').notNull().default(false),
});

/**
 * The session timeline: state changes, joins/leaves, reconnects, checklist steps, instructions, snapshot requests and
 * arrivals, drawings, chat, stats summaries, recording segments. `clientId` makes device-sent events idempotent.
 */
export const sessionEvents = pgTable('session_events', {
  id: text('id').primaryKey(),
  seq: bigserial('seq', { mode: 'number' }).notNull(),
  sessionId: text('session_id').notNull().references(() => liveSessions.id),
  at: ts('at').notNull().defaultNow(),
  kind: text('kind').notNull(),
  source: text('source').$type<'inspector' | 'observer' | 'device' | 'system'>().notNull(),
  actorId: text('actor_id'),
  clientId: text('client_id'),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
}, (t) => [
  index('session_events_session_idx').on(t.sessionId, t.seq),
  uniqueIndex('session_events_client_uq').on(t.sessionId, t.clientId).where(sql`client_id is not null`),
]);

/** A closed recording segment (WebM), sealed: SHA-256, size and duration stored, file kept in the object store. */
export const recordingSegments = pgTable('recording_segments', {
  id: text('id').primaryKey(),
  sessionId: text('session_id').notNull().references(() => liveSessions.id),
  index: integer('index').notNull(),
  /** Object-store key (relative to DATA_DIR/media for the local store). */
  key: text('key').notNull(),
  sha256: text('sha256').notNull(),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  durationMs: integer('duration_ms').notNull(),
  startedAt: ts('started_at').notNull(),
  endedAt: ts('ended_at').notNull(),
  /** rotate | reconnect | media-gap | stop | recovered */
  reason: text('reason').notNull(),
  /** sealed at start-up from a file a killed process left behind */
  recovered: boolean('recovered').notNull().default(false),
  /** which recording of the session: 'camera' (the device's video and sound) or 'inspector' (the inspector's voice, audio only) */
  track: text('track').notNull().default('camera'),
  sealedAt: ts('sealed_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('recording_segments_key_uq').on(t.key), index('recording_segments_session_idx').on(t.sessionId, t.index)]);

/** A full-resolution still uploaded by the device; `clientId` (generated by the device) makes retried uploads idempotent. */
export const sessionSnapshots = pgTable('session_snapshots', {
  id: text('id').primaryKey(),
  sessionId: text('session_id').notNull().references(() => liveSessions.id),
  clientId: text('client_id').notNull(),
  key: text('key').notNull(),
  sha256: text('sha256').notNull(),
  bytes: integer('bytes').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  mime: text('mime').notNull(),
  /** imagecapture | canvas (how the device captured it) */
  method: text('method'),
  /** when the device says it took the still: a claim, kept as sent (its clock may be wrong or set on purpose) */
  takenAt: ts('taken_at').notNull(),
  /** when the server received the upload (the server's clock): the time of record beside the device's claim */
  receivedAt: ts('received_at').notNull().defaultNow(),
  uploadedBy: text('uploaded_by').references(() => users.id),
  /** the inspector's snapshot-request event this answers, if any */
  requestEventId: text('request_event_id'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('session_snapshots_client_uq').on(t.sessionId, t.clientId), index('session_snapshots_session_idx').on(t.sessionId, t.takenAt)]);

/**
 * Device join links. The join token is random, stored only as its SHA-256, short-lived and single use: redeeming it
 * (the camera page opening the link) gives the device its device key (also stored hashed), valid until the session
 * ends, which the page uses for its WebSocket, reconnections and snapshot uploads.
 */
export const deviceJoinTokens = pgTable('device_join_tokens', {
  id: text('id').primaryKey(),
  sessionId: text('session_id').notNull().references(() => liveSessions.id),
  appointmentId: text('appointment_id').references(() => appointments.id),
  operatorUserId: text('operator_user_id').references(() => users.id),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  usedFrom: text('used_from'),
  deviceKeyHash: text('device_key_hash').unique(),
  revokedAt: ts('revoked_at'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('device_join_tokens_session_idx').on(t.sessionId)]);

/** Checklist template for a goods category (`general` applies to every category without its own). */
export const checklistTemplates = pgTable('checklist_templates', {
  id: text('id').primaryKey(),
  goodsCategory: text('goods_category').notNull(),
  name: jsonb('name').$type<LocalizedText>().notNull(),
  steps: jsonb('steps').$type<{ key: string; text: LocalizedText }[]>().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [uniqueIndex('checklist_templates_active_uq').on(t.goodsCategory).where(sql`active`)]);

/** The session's checklist: steps copied from the template (or added by the inspector), sent to the device, ticked with a result. */
export const sessionSteps = pgTable('session_steps', {
  id: text('id').primaryKey(),
  sessionId: text('session_id').notNull().references(() => liveSessions.id),
  ordinal: integer('ordinal').notNull(),
  templateKey: text('template_key'),
  text: jsonb('text').$type<LocalizedText>().notNull(),
  status: text('status').$type<'pending' | 'sent' | 'done'>().notNull().default('pending'),
  result: text('result').$type<'pass' | 'fail' | 'not_applicable'>(),
  note: text('note'),
  sentAt: ts('sent_at'),
  doneAt: ts('done_at'),
  doneBy: text('done_by').references(() => users.id),
}, (t) => [uniqueIndex('session_steps_ordinal_uq').on(t.sessionId, t.ordinal)]);
