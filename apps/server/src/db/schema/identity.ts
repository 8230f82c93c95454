// Identity and interfaces (issue 19): single sign-on links, second factors, API tokens, webhooks.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { authSessions, organisations, users } from './core.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * A user's account at an external identity system: OpenID Connect (`subject` = issuer + ' ' + sub) or LDAP
 * (`subject` = the entry's DN). Users provisioned by single sign-on have no usable local password.
 */
export const userIdentities = pgTable('user_identities', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id),
  provider: text('provider').$type<'oidc' | 'ldap'>().notNull(),
  subject: text('subject').notNull(),
  /** The claims / attributes seen at the last login (role and office mapping is re-applied at each login). */
  lastClaims: jsonb('last_claims'),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastLoginAt: ts('last_login_at'),
}, (t) => [uniqueIndex('user_identities_subject_uq').on(t.provider, t.subject), index('user_identities_user_idx').on(t.userId)]);

/**
 * One OpenID Connect login in progress (authorisation code + PKCE): the browser holds `id` in a short-lived cookie,
 * so a callback is accepted only in the browser that started it (login CSRF).
 */
export const oidcLoginStates = pgTable('oidc_login_states', {
  id: text('id').primaryKey(),
  state: text('state').notNull().unique(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  returnTo: text('return_to').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/** Second-factor state of a login session: pending until the user proves a factor; `verifiedAt` drives step-up. */
export const sessionFactors = pgTable('session_factors', {
  sessionId: text('session_id').primaryKey().references(() => authSessions.id, { onDelete: 'cascade' }),
  /** 'pending': a factor must be given; 'enrol': the role requires one and none is set up; 'ok'. */
  state: text('state').$type<'pending' | 'enrol' | 'ok'>().notNull(),
  /** How the first factor was given: password, ldap, oidc. */
  method: text('method').notNull(),
  verifiedAt: ts('verified_at'),
  /** Outstanding WebAuthn challenge (registration or authentication) for this session. */
  challenge: text('challenge'),
  challengeExpiresAt: ts('challenge_expires_at'),
});

/** TOTP (RFC 6238) secret of a user, encrypted at rest; `lastStep` refuses a code that was already used. */
export const totpFactors = pgTable('totp_factors', {
  userId: text('user_id').primaryKey().references(() => users.id),
  secretEnc: text('secret_enc').notNull(),
  confirmedAt: ts('confirmed_at'),
  lastStep: bigint('last_step', { mode: 'number' }),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Single-use recovery codes (SHA-256 of each; shown once when generated). */
export const recoveryCodes = pgTable('recovery_codes', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id),
  codeHash: text('code_hash').notNull(),
  usedAt: ts('used_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('recovery_codes_user_idx').on(t.userId)]);

/** WebAuthn credentials (passkeys, security keys). */
export const webauthnCredentials = pgTable('webauthn_credentials', {
  id: text('id').primaryKey(),
  userId: text('user_id').notNull().references(() => users.id),
  publicKey: text('public_key').notNull(),
  counter: bigint('counter', { mode: 'number' }).notNull().default(0),
  transports: jsonb('transports').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  name: text('name').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
}, (t) => [index('webauthn_credentials_user_idx').on(t.userId)]);

/**
 * System-to-system credentials bound to one organisation. The secret is shown once; only its SHA-256 is kept.
 * Scopes are action names of the rule table; `role` caps them (a token never does more than that role may).
 */
export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  name: text('name').notNull(),
  role: text('role').notNull(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  secretHash: text('secret_hash').notNull(),
  rateLimitPerMinute: integer('rate_limit_per_minute').notNull(),
  expiresAt: ts('expires_at').notNull(),
  revokedAt: ts('revoked_at'),
  lastUsedAt: ts('last_used_at'),
  lastUsedIp: text('last_used_ip'),
  rotatedFromId: text('rotated_from_id'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('api_tokens_org_idx').on(t.orgId)]);

/** Every call made with an API token (method, route, status), beside the audit chain's entries for its changes. */
export const apiTokenCalls = pgTable('api_token_calls', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  tokenId: text('token_id').notNull(),
  orgId: text('org_id').notNull(),
  method: text('method').notNull(),
  route: text('route').notNull(),
  status: integer('status').notNull(),
  ip: text('ip'),
  requestId: text('request_id'),
  at: ts('at').notNull().defaultNow(),
}, (t) => [index('api_token_calls_token_idx').on(t.tokenId, t.id)]);

/**
 * Integration events, written in the same transaction as the change they describe (an outbox): webhooks are
 * delivered from here. `subjectId` orders deliveries (in order per subject); `orgId`/`officeId` decide who may see it.
 */
export const integrationEvents = pgTable('integration_events', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  id: text('id').notNull().unique(),
  type: text('type').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  orgId: text('org_id'),
  officeId: text('office_id'),
  data: jsonb('data').notNull(),
  occurredAt: ts('occurred_at').notNull().defaultNow(),
});

/** An organisation's webhook endpoint. The signing secret is kept (it must sign), shown once at creation. */
export const webhookSubscriptions = pgTable('webhook_subscriptions', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organisations.id),
  url: text('url').notNull(),
  events: jsonb('events').$type<string[]>().notNull(),
  secretEnc: text('secret_enc').notNull(),
  active: boolean('active').notNull().default(true),
  description: text('description'),
  createdBy: text('created_by').references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('webhook_subscriptions_org_idx').on(t.orgId)]);

/** One event to one subscription: the delivery log (attempts, last status, next retry). */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  id: text('id').primaryKey(),
  subscriptionId: text('subscription_id').notNull().references(() => webhookSubscriptions.id),
  eventSeq: bigint('event_seq', { mode: 'number' }).notNull(),
  eventId: text('event_id').notNull(),
  eventType: text('event_type').notNull(),
  subjectId: text('subject_id').notNull(),
  /** 'pending' (waiting or retrying), 'delivered', 'failed' (gave up after the last attempt). */
  status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
  lastStatusCode: integer('last_status_code'),
  lastError: text('last_error'),
  lastDurationMs: integer('last_duration_ms'),
  deliveredAt: ts('delivered_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [
  uniqueIndex('webhook_deliveries_event_uq').on(t.subscriptionId, t.eventSeq),
  index('webhook_deliveries_pending_idx').on(t.status, t.nextAttemptAt),
  index('webhook_deliveries_sub_idx').on(t.subscriptionId, t.eventSeq),
]);

/** How far the webhook fan-out has read the integration events (one row). */
export const webhookCursor = pgTable('webhook_cursor', {
  id: integer('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});

/** Every attempt of a delivery (the delivery log the administration pages show): when, HTTP status or error, latency. */
export const webhookAttempts = pgTable('webhook_attempts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  deliveryId: text('delivery_id').notNull().references(() => webhookDeliveries.id),
  attempt: integer('attempt').notNull(),
  at: ts('at').notNull().defaultNow(),
  statusCode: integer('status_code'),
  error: text('error'),
  durationMs: integer('duration_ms').notNull(),
}, (t) => [index('webhook_attempts_delivery_idx').on(t.deliveryId, t.id)]);
