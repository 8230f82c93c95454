import { Type, type Static } from '@sinclair/typebox';

/**
 * Signed webhooks (issue 19, item 4): an organisation subscribes an HTTPS endpoint to some of these events. Each
 * delivery is a POST of one `WebhookEvent` (JSON), signed with the subscription's secret:
 *
 *   Customs-RVI-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, `${t}.${raw body}`)>
 *
 * A receiver recomputes v1 over the raw body, compares in constant time, refuses a `t` more than 300 s from its
 * clock (the replay window), and de-duplicates on the event `id` (delivery is at least once).
 */
export const WEBHOOK_EVENT_TYPES = [
  'declaration.submitted',
  'declaration.scored',
  'declaration.selected',
  'inspection.booked',
  'session.started',
  'session.ended',
  'decision.signed',
  'goods.released',
  'declaration.amendment_requested',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WebhookEventTypeSchema = Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)));

/** Events only customs offices receive: risk scores and the reason of a selection are not told to the trader. */
export const CUSTOMS_ONLY_WEBHOOK_EVENTS: readonly WebhookEventType[] = ['declaration.scored'];

/** The header carrying `t=…,v1=…`; the replay window receivers should apply to `t`. */
export const WEBHOOK_SIGNATURE_HEADER = 'customs-rvi-signature';
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

/** The body of every delivery. `subject` orders the deliveries: events of one declaration arrive in order. */
export const WebhookEvent = Type.Object({
  /** Unique per event (the same on a retry or a manual redelivery): de-duplicate on it. */
  id: Type.String(),
  type: WebhookEventTypeSchema,
  /** When the change committed (ISO 8601). */
  occurredAt: Type.String({ format: 'date-time' }),
  /** The declaration the event is about (every event of one declaration's case has the same subject). */
  subject: Type.Object({ type: Type.Literal('declaration'), id: Type.String() }),
  /** Ids and facts of the event (orderId, orderNo, sessionId, decisionId, outcome, releasedAt, …); never personal data. */
  data: Type.Record(Type.String(), Type.Unknown()),
}, { $id: 'WebhookEvent', description: 'One webhook delivery (POST, application/json), signed in the Customs-RVI-Signature header' });
export type WebhookEvent = Static<typeof WebhookEvent>;

const Url = Type.String({ minLength: 8, maxLength: 2000, format: 'uri' });

export const CreateWebhookBody = Type.Object({
  /** Administrators: the organisation (id or code) the endpoint belongs to; others subscribe their own organisation. */
  orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  url: Url,
  events: Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
  description: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object({
  url: Type.Optional(Url),
  events: Type.Optional(Type.Array(WebhookEventTypeSchema, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true })),
  active: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookListQuery = Type.Object({
  orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });
export type WebhookListQuery = Static<typeof WebhookListQuery>;

export const WebhookSubscription = Type.Object({
  id: Type.String(),
  orgId: Type.String(),
  orgCode: Type.String(),
  orgName: Type.String(),
  url: Type.String(),
  events: Type.Array(WebhookEventTypeSchema),
  active: Type.Boolean(),
  description: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  /** Deliveries waiting (or retrying) and given up. */
  pending: Type.Integer(),
  failed: Type.Integer(),
});
export type WebhookSubscription = Static<typeof WebhookSubscription>;
export const WebhookSubscriptionList = Type.Object({ items: Type.Array(WebhookSubscription), eventTypes: Type.Array(WebhookEventTypeSchema) });
export type WebhookSubscriptionList = Static<typeof WebhookSubscriptionList>;

/** Create and rotate answer the signing secret (`whsec_…`) once; it is never shown again. */
export const WebhookSecret = Type.Object({ subscription: WebhookSubscription, secret: Type.String() });
export type WebhookSecret = Static<typeof WebhookSecret>;

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
export const WebhookDelivery = Type.Object({
  id: Type.String(),
  subscriptionId: Type.String(),
  eventId: Type.String(),
  eventType: WebhookEventTypeSchema,
  subjectId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Integer()),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  log: Type.Array(WebhookAttempt),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;
export const WebhookDeliveryList = Type.Object({ items: Type.Array(WebhookDelivery) });
export type WebhookDeliveryList = Static<typeof WebhookDeliveryList>;
export const WebhookDeliveryQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });
export type WebhookDeliveryQuery = Static<typeof WebhookDeliveryQuery>;
