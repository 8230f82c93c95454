import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreateWebhookBody, ErrorBody, IdParams, UpdateWebhookBody, WEBHOOK_EVENT_TYPES, WEBHOOK_REPLAY_WINDOW_SECONDS, WebhookDelivery, WebhookDeliveryList,
  WebhookDeliveryQuery, WebhookEvent, WebhookListQuery, WebhookSecret, WebhookSubscription, WebhookSubscriptionList,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { actorOf } from '../../platform/http.ts';
import { parseNetworks } from '../../platform/egress.ts';
import {
  createSubscription, listDeliveries, listSubscriptions, redeliver, rotateSubscriptionSecret, updateSubscription,
} from './webhooks.service.ts';

const tags = ['webhooks'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
// administrators and enterprise users (or an API token with the scope); which organisations' endpoints is the
// service's rule (administrators: their office and its enterprises; enterprise users: their own)
const access = { action: 'webhook.manage' } as const;
const id = (req: { params: unknown }) => (req.params as IdParams).id;

const SIGNING = `Every delivery is a POST of one WebhookEvent (application/json) with the header \`Customs-RVI-Signature: t=<unix seconds>,v1=<hex>\`, `
  + 'where v1 = HMAC-SHA256(secret, `${t}.${raw body}`). Verify over the raw body with a constant-time comparison, refuse a t more than '
  + `${WEBHOOK_REPLAY_WINDOW_SECONDS} s from your clock (replay window), answer 2xx within 10 s, and de-duplicate on the event id: delivery is at least once, `
  + 'in order per declaration, retried with exponential back-off (1 s, 2 s, 4 s … at most 1 h, 16 attempts). Headers Customs-RVI-Event, Customs-RVI-Event-Id, Customs-RVI-Delivery name the event and the delivery.';

/** Webhook endpoints, their delivery log and manual redelivery (issue 19.4); the sender is webhooks.worker.ts. */
export function webhookRoutes(app: FastifyInstance, ctx: AppContext) {
  const allowed = parseNetworks(ctx.config.webhookAllowNetworks);
  // the payload every endpoint receives, in the OpenAPI document's components (#/components/schemas/WebhookEvent)
  app.addSchema(WebhookEvent);

  app.get('/api/webhooks/event-types', {
    config: { access },
    schema: {
      tags, summary: 'The events an endpoint may subscribe to, and how deliveries are signed', description: SIGNING,
      response: { 200: Type.Object({ types: Type.Array(Type.String()), signatureHeader: Type.String(), replayWindowSeconds: Type.Integer(), example: Type.Ref('WebhookEvent') }), 401: ErrorBody },
    },
  }, async () => ({
    types: [...WEBHOOK_EVENT_TYPES], signatureHeader: 'Customs-RVI-Signature', replayWindowSeconds: WEBHOOK_REPLAY_WINDOW_SECONDS,
    example: { id: '5b0f6f1e-2f5c-4a43-9d55-6d2f0b7d1c11', type: 'goods.released', occurredAt: '2026-12-07T09:30:00.000Z', subject: { type: 'declaration', id: 'D-1' },
      data: { declarationId: 'D-1', orderId: 'O-1', orderNo: 'RVI-2026-000123', decisionId: 'DEC-1', outcome: 'release', releasedAt: '2026-12-07T09:30:00.000Z' } },
  }));

  app.get('/api/webhooks/subscriptions', {
    config: { access },
    schema: { tags, summary: 'Webhook endpoints of the organisations the caller manages', querystring: WebhookListQuery, response: { 200: WebhookSubscriptionList, ...errors } },
  }, async (req) => listSubscriptions(ctx.db, actorOf(req), req.query as WebhookListQuery));

  app.post('/api/webhooks/subscriptions', {
    config: { access },
    schema: {
      tags, summary: 'Subscribe an endpoint to events (an enterprise hears of its own declarations, a customs office of its office). The signing secret is shown once',
      description: SIGNING, body: CreateWebhookBody, response: { 201: WebhookSecret, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await createSubscription(ctx.db, ctx.secrets, actorOf(req), req.body as CreateWebhookBody, allowed)));

  app.patch('/api/webhooks/subscriptions/:id', {
    config: { access },
    schema: { tags, summary: 'Change the URL, events or description; pause (active=false: nothing is queued or sent) or resume', params: IdParams, body: UpdateWebhookBody, response: { 200: WebhookSubscription, ...errors } },
  }, async (req) => updateSubscription(ctx.db, actorOf(req), id(req), req.body as UpdateWebhookBody, allowed));

  app.post('/api/webhooks/subscriptions/:id/rotate-secret', {
    config: { access },
    schema: { tags, summary: 'A new signing secret, shown once; deliveries from now on are signed with it', params: IdParams, response: { 200: WebhookSecret, ...errors } },
  }, async (req) => rotateSubscriptionSecret(ctx.db, ctx.secrets, actorOf(req), id(req)));

  app.get('/api/webhooks/subscriptions/:id/deliveries', {
    config: { access },
    schema: { tags, summary: 'The delivery log of an endpoint (newest first): status, attempts with HTTP status, error and latency', params: IdParams, querystring: WebhookDeliveryQuery, response: { 200: WebhookDeliveryList, ...errors } },
  }, async (req) => listDeliveries(ctx.db, actorOf(req), id(req), req.query as WebhookDeliveryQuery));

  app.post('/api/webhooks/deliveries/:id/redeliver', {
    config: { access },
    schema: { tags, summary: 'Send a delivery again now (same event id and body, a new signature)', params: IdParams, response: { 200: WebhookDelivery, ...errors } },
  }, async (req) => redeliver(ctx.db, actorOf(req), id(req)));
}
