// Webhook subscriptions and their delivery log (issue 19.4). Who manages which organisation's endpoints:
// - an administrator: their customs office's and those of the enterprises it supervises (customs systems are
//   configured by the administration, per office);
// - an enterprise user: their own organisation's only (and only https endpoints: an enterprise must not make the
//   server call into the customs network);
// - nobody else (the route needs webhook.manage; an API token needs that scope, and acts for its own organisation).
// A subscription another organisation owns answers 404, as any record outside the caller's reach.
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import {
  WEBHOOK_EVENT_TYPES, type CreateWebhookBody, type UpdateWebhookBody, type WebhookDelivery, type WebhookDeliveryQuery, type WebhookEventType,
  type WebhookListQuery, type WebhookSecret, type WebhookSubscription, type WebhookSubscriptionList,
} from '@rvi/contracts';
import { organisations, webhookAttempts, webhookDeliveries, webhookSubscriptions } from '../../db/schema.ts';
import type { Actor } from '../../platform/actor.ts';
import type { Db } from '../../platform/db.ts';
import { badRequest, forbidden, notFound } from '../../platform/errors.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
import { newWebhookSecret } from './webhooks.signature.ts';
import { checkEndpoint, EgressRefused, type AllowedNetworks } from '../../platform/egress.ts';

type OrgRow = typeof organisations.$inferSelect;
type SubRow = typeof webhookSubscriptions.$inferSelect;

function assertMayManageWebhooks(actor: Actor): void {
  if (actor.kind !== 'user') throw forbidden('Webhook endpoints are managed by administrators and enterprise users');
  if (actor.role !== 'administrator' && actor.role !== 'enterprise_user') throw forbidden('Only administrators and enterprise users manage webhook endpoints');
}

function manages(actor: Actor, org: Pick<OrgRow, 'id' | 'supervisingOfficeId'>): boolean {
  if (actor.role === 'enterprise_user') return org.id === actor.orgId;
  return org.id === actor.officeId || (org.supervisingOfficeId !== null && org.supervisingOfficeId === actor.officeId);
}

async function orgByRef(db: Db, actor: Actor, ref: string | undefined): Promise<OrgRow> {
  const r = ref ?? actor.orgId ?? '';
  const [o] = await db.select().from(organisations).where(or(eq(organisations.id, r), eq(organisations.code, r))).limit(1);
  if (!o || !manages(actor, o)) throw badRequest('unknown_org', `orgId: no organisation ${r}`, [{ field: 'body.orgId', message: 'is not a known organisation' }]);
  return o;
}

/** The URL's form, then where it points (loopback, private, link-local… refused unless RVI_WEBHOOK_ALLOW_NETWORKS lists it). */
async function checkUrl(actor: Actor, url: string, allowed: AllowedNetworks, field = 'body.url'): Promise<void> {
  let u: URL;
  try { u = new URL(url); } catch { throw badRequest('bad_url', `url: ${url} is not a URL`, [{ field, message: 'is not a URL' }]); }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw badRequest('bad_url', 'url: only http(s) endpoints', [{ field, message: 'must be http or https' }]);
  if (u.username || u.password) throw badRequest('bad_url', 'url: no credentials in the URL (the signature authenticates us)', [{ field, message: 'must not carry credentials' }]);
  if (actor.role === 'enterprise_user' && u.protocol !== 'https:') throw badRequest('https_required', 'url: an enterprise endpoint must use https', [{ field, message: 'must be https' }]);
  try {
    await checkEndpoint(u, allowed);
  } catch (e) {
    if (!(e instanceof EgressRefused)) throw e;
    throw badRequest('url_not_public', `url: ${e.message}`, [{ field, message: `points to a ${e.range} address (${e.address})` }]);
  }
}

async function loadVisible(db: Db, actor: Actor, id: string): Promise<{ sub: SubRow; org: OrgRow }> {
  const [r] = await db.select({ sub: webhookSubscriptions, org: organisations }).from(webhookSubscriptions)
    .innerJoin(organisations, eq(organisations.id, webhookSubscriptions.orgId)).where(eq(webhookSubscriptions.id, id)).limit(1);
  if (!r || !manages(actor, r.org)) throw notFound('Webhook subscription', id);
  return r;
}

async function present(db: Db, rows: { sub: SubRow; org: OrgRow }[]): Promise<WebhookSubscription[]> {
  const ids = rows.map((r) => r.sub.id);
  const counts = ids.length ? await db.select({ id: webhookDeliveries.subscriptionId, status: webhookDeliveries.status, n: sql<number>`count(*)::int` })
    .from(webhookDeliveries).where(and(inArray(webhookDeliveries.subscriptionId, ids), inArray(webhookDeliveries.status, ['pending', 'failed'])))
    .groupBy(webhookDeliveries.subscriptionId, webhookDeliveries.status) : [];
  const n = (id: string, s: string) => Number(counts.find((c) => c.id === id && c.status === s)?.n ?? 0);
  return rows.map(({ sub, org }) => ({
    id: sub.id, orgId: org.id, orgCode: org.code, orgName: org.name, url: sub.url, events: sub.events as WebhookEventType[], active: sub.active,
    description: sub.description, createdAt: sub.createdAt.toISOString(), pending: n(sub.id, 'pending'), failed: n(sub.id, 'failed'),
  }));
}

/** The endpoints the caller manages (an administrator may filter by organisation id or code). */
export async function listSubscriptions(db: Db, actor: Actor, q: WebhookListQuery): Promise<WebhookSubscriptionList> {
  assertMayManageWebhooks(actor);
  const rows = await db.select({ sub: webhookSubscriptions, org: organisations }).from(webhookSubscriptions)
    .innerJoin(organisations, eq(organisations.id, webhookSubscriptions.orgId)).orderBy(desc(webhookSubscriptions.createdAt));
  const mine = rows.filter((r) => manages(actor, r.org) && (!q.orgId || r.org.id === q.orgId || r.org.code === q.orgId));
  return { items: await present(db, mine), eventTypes: [...WEBHOOK_EVENT_TYPES] };
}

/** Subscribes an endpoint; the answer carries the signing secret, which is never shown again. Audited. */
export async function createSubscription(db: Db, secrets: SecretBox, actor: Actor, body: CreateWebhookBody, allowed: AllowedNetworks): Promise<WebhookSecret> {
  assertMayManageWebhooks(actor);
  const org = await orgByRef(db, actor, body.orgId);
  await checkUrl(actor, body.url, allowed);
  const secret = newWebhookSecret();
  const id = crypto.randomUUID();
  await inTransaction(db, actor, async (uow) => {
    await uow.tx.insert(webhookSubscriptions).values({
      id, orgId: org.id, url: body.url, events: [...new Set(body.events)], secretEnc: secrets.seal(secret), description: body.description ?? null,
      createdBy: actor.userId,
    });
    await uow.audit('webhook.subscription_created', { type: 'webhook_subscription', id }, { orgId: org.id, url: body.url, events: body.events });
  });
  const [subscription] = await present(db, [await loadVisible(db, actor, id)]);
  return { subscription, secret };
}

/** Changes the URL, the events, the description or pauses/resumes the endpoint (paused: nothing is sent or queued). */
export async function updateSubscription(db: Db, actor: Actor, id: string, body: UpdateWebhookBody, allowed: AllowedNetworks): Promise<WebhookSubscription> {
  assertMayManageWebhooks(actor);
  const { sub } = await loadVisible(db, actor, id);
  if (body.url !== undefined) await checkUrl(actor, body.url, allowed);
  const patch: Partial<SubRow> = {};
  if (body.url !== undefined) patch.url = body.url;
  if (body.events !== undefined) patch.events = [...new Set(body.events)];
  if (body.active !== undefined) patch.active = body.active;
  if (body.description !== undefined) patch.description = body.description;
  if (Object.keys(patch).length) {
    await inTransaction(db, actor, async (uow) => {
      await uow.tx.update(webhookSubscriptions).set(patch).where(eq(webhookSubscriptions.id, sub.id));
      await uow.audit('webhook.subscription_updated', { type: 'webhook_subscription', id }, { before: { url: sub.url, events: sub.events, active: sub.active }, after: patch });
    });
  }
  const [out] = await present(db, [await loadVisible(db, actor, id)]);
  return out;
}

/** A new signing secret (shown once); deliveries from now on are signed with it. Audited. */
export async function rotateSubscriptionSecret(db: Db, secrets: SecretBox, actor: Actor, id: string): Promise<WebhookSecret> {
  assertMayManageWebhooks(actor);
  await loadVisible(db, actor, id);
  const secret = newWebhookSecret();
  await inTransaction(db, actor, async (uow) => {
    await uow.tx.update(webhookSubscriptions).set({ secretEnc: secrets.seal(secret) }).where(eq(webhookSubscriptions.id, id));
    await uow.audit('webhook.secret_rotated', { type: 'webhook_subscription', id }, {});
  });
  const [subscription] = await present(db, [await loadVisible(db, actor, id)]);
  return { subscription, secret };
}

/** The delivery log of an endpoint, newest first, each with its attempts (time, HTTP status or error, latency). */
export async function listDeliveries(db: Db, actor: Actor, id: string, q: WebhookDeliveryQuery): Promise<{ items: WebhookDelivery[] }> {
  assertMayManageWebhooks(actor);
  await loadVisible(db, actor, id);
  const rows = await db.select().from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.subscriptionId, id), q.status ? eq(webhookDeliveries.status, q.status) : undefined))
    .orderBy(desc(webhookDeliveries.eventSeq)).limit(q.limit ?? 50);
  return { items: await presentDeliveries(db, rows) };
}

async function presentDeliveries(db: Db, rows: (typeof webhookDeliveries.$inferSelect)[]): Promise<WebhookDelivery[]> {
  const attempts = rows.length ? await db.select().from(webhookAttempts).where(inArray(webhookAttempts.deliveryId, rows.map((r) => r.id))).orderBy(webhookAttempts.id) : [];
  return rows.map((d) => ({
    id: d.id, subscriptionId: d.subscriptionId, eventId: d.eventId, eventType: d.eventType as WebhookEventType, subjectId: d.subjectId, status: d.status,
    attempts: d.attempts, nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null, lastStatusCode: d.lastStatusCode,
    lastError: d.lastError, lastDurationMs: d.lastDurationMs, deliveredAt: d.deliveredAt?.toISOString() ?? null, createdAt: d.createdAt.toISOString(),
    log: attempts.filter((a) => a.deliveryId === d.id).map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  }));
}

/**
 * Sends a delivery again now (delivered or failed alike: the receiver lost it, or fixed its endpoint). Same event id
 * and body, a fresh signature; its attempts continue in the same log. Audited.
 */
export async function redeliver(db: Db, actor: Actor, deliveryId: string): Promise<WebhookDelivery> {
  assertMayManageWebhooks(actor);
  const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId)).limit(1);
  if (!d) throw notFound('Webhook delivery', deliveryId);
  await loadVisible(db, actor, d.subscriptionId).catch(() => { throw notFound('Webhook delivery', deliveryId); });
  await inTransaction(db, actor, async (uow) => {
    await uow.tx.update(webhookDeliveries).set({ status: 'pending', nextAttemptAt: new Date(), deliveredAt: null }).where(eq(webhookDeliveries.id, deliveryId));
    await uow.audit('webhook.redelivery_requested', { type: 'webhook_delivery', id: deliveryId }, { subscriptionId: d.subscriptionId, eventId: d.eventId, previousStatus: d.status });
  });
  const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
  return (await presentDeliveries(db, [row]))[0];
}
