// Where webhook events come from (issue 19.4). Every use case writes its audit entry in the change's own transaction
// (platform/audit-chain.ts), and the chain is appended under a transaction-scoped advisory lock, so `audit_log.seq`
// is gapless and commits in seq order. The fan-out reads the chain from a cursor (webhook_cursor id 1), turns the
// entries that integrators care about into integration events and one delivery row per matching subscription, and
// moves the cursor — all in ONE transaction: a crash before the commit re-reads the same entries, after it the
// deliveries are in the database. The domain-event outbox (platform/outbox.ts) carries only the six events the
// workflow reacts to (declaration.submitted/imported, risk.*, snapshot.stored); booking, sessions and decisions emit
// none, and their audit entries are the one record every change is guaranteed to leave.
import { randomUUID } from 'node:crypto';
import { asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { WebhookEventType } from '@rvi/contracts';
import { CUSTOMS_ONLY_WEBHOOK_EVENTS } from '@rvi/contracts';
import {
  auditLog, declarations, decisions, inspectionOrders, integrationEvents, liveSessions, organisations, webhookCursor, webhookDeliveries,
  webhookSubscriptions,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { transaction } from '../../platform/unit-of-work.ts';

type AuditRow = typeof auditLog.$inferSelect;
export interface IntegrationEvent {
  id: string;
  type: WebhookEventType;
  declarationId: string;
  orgId: string | null;
  officeId: string | null;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** Fields an enterprise's endpoint never receives (why a declaration was selected is customs' risk information). */
export const CUSTOMS_ONLY_FIELDS = ['reason'] as const;

const CURSOR_ID = 1;
/** The audit actions that can become webhook events (everything else is skipped without a lookup). */
const SOURCES = new Set(['declaration.submitted', 'risk.scored', 'risk.selection_drawn', 'order.booked', 'session.connected', 'session.ended',
  'decision.signed', 'decision.effective']);

interface Facts { declarationId: string; orgId: string; officeId: string }
type Draft = { type: WebhookEventType; declarationId?: string; orderId?: string; sessionId?: string; data: Record<string, unknown>; at: AuditRow };

function draftsOf(a: AuditRow): Draft[] {
  const s = (a.summary ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  switch (a.action) {
    case 'declaration.submitted':
      return [{ type: 'declaration.submitted', declarationId: a.targetId!, data: { declarationNo: str('declarationNo') ?? null }, at: a }];
    case 'risk.scored':
      // one entry per scored batch (its first declaration and size): an office-level signal, never told to traders
      return str('first') ? [{ type: 'declaration.scored', declarationId: str('first'), data: { modelVersion: s.modelVersion ?? null, declarations: s.declarations ?? null }, at: a }] : [];
    case 'risk.selection_drawn':
      return (Array.isArray(s.selected) ? (s.selected as string[]) : []).map((x) => {
        const i = x.lastIndexOf(':');
        return { type: 'declaration.selected' as const, declarationId: x.slice(0, i), data: { runId: a.targetId, reason: x.slice(i + 1) }, at: a };
      });
    case 'order.booked':
      return [{ type: 'inspection.booked', orderId: a.targetId!, data: { orderId: a.targetId, orderNo: str('orderNo') ?? null }, at: a }];
    case 'session.connected':
      // started = the device's first connection (ringing → connected); a reconnection is not a new start
      return s.from === 'ringing' ? [{ type: 'session.started', sessionId: a.targetId!, data: { sessionId: a.targetId, orderId: str('orderId') ?? null }, at: a }] : [];
    case 'session.ended':
      return [{ type: 'session.ended', sessionId: a.targetId!, data: { sessionId: a.targetId, orderId: str('orderId') ?? null }, at: a }];
    case 'decision.signed':
      return [{ type: 'decision.signed', orderId: str('orderId'), data: { decisionId: a.targetId, orderId: str('orderId') ?? null, orderNo: str('orderNo') ?? null, outcome: s.outcome ?? null, requiresApproval: s.requiresApproval ?? null }, at: a }];
    case 'decision.effective': {
      const base = { decisionId: a.targetId, orderId: str('orderId') ?? null, orderNo: str('orderNo') ?? null, outcome: s.outcome ?? null };
      const out: Draft[] = [];
      if (str('releasedAt')) out.push({ type: 'goods.released', orderId: str('orderId'), data: { ...base, releasedAt: str('releasedAt') }, at: a });
      // released with a correction: the trader must amend the declaration (the corrections are in the decision)
      // (the audit entry counts them; resolve() puts in the decision's corrections themselves)
      if (s.outcome === 'release_with_correction') out.push({ type: 'declaration.amendment_requested', orderId: str('orderId'), data: { ...base, corrections: [] }, at: a });
      return out;
    }
    default:
      return [];
  }
}

/** Resolves each draft's declaration, enterprise and office (one query per kind of subject). */
async function resolve(tx: Db, drafts: Draft[]): Promise<IntegrationEvent[]> {
  const sessionIds = [...new Set(drafts.flatMap((d) => (d.sessionId ? [d.sessionId] : [])))];
  const sessions = sessionIds.length ? await tx.select({ id: liveSessions.id, orderId: liveSessions.orderId }).from(liveSessions).where(inArray(liveSessions.id, sessionIds)) : [];
  const orderOfSession = new Map(sessions.map((r) => [r.id, r.orderId]));
  const orderIds = [...new Set(drafts.flatMap((d) => { const o = d.orderId ?? (d.sessionId ? orderOfSession.get(d.sessionId) : undefined); return o ? [o] : []; }))];
  const orders = orderIds.length ? await tx.select({ id: inspectionOrders.id, declarationId: inspectionOrders.declarationId, orgId: inspectionOrders.enterpriseId, officeId: inspectionOrders.officeId })
    .from(inspectionOrders).where(inArray(inspectionOrders.id, orderIds)) : [];
  const byOrder = new Map<string, Facts>(orders.map((o) => [o.id, o]));
  const declIds = [...new Set(drafts.flatMap((d) => (d.declarationId ? [d.declarationId] : [])))];
  const decls = declIds.length ? await tx.select({ id: declarations.id, orgId: declarations.orgId, officeId: declarations.customsOfficeId }).from(declarations).where(inArray(declarations.id, declIds)) : [];
  const byDecl = new Map<string, Facts>(decls.map((d) => [d.id, { declarationId: d.id, orgId: d.orgId, officeId: d.officeId }]));
  // what the trader must amend: the signed decision's corrections (field, declared, corrected)
  const amendIds = drafts.flatMap((d) => (d.type === 'declaration.amendment_requested' && typeof d.data.decisionId === 'string' ? [d.data.decisionId] : []));
  const amendRows = amendIds.length ? await tx.select({ id: decisions.id, corrections: decisions.corrections }).from(decisions).where(inArray(decisions.id, amendIds)) : [];
  const correctionsOf = new Map(amendRows.map((r) => [r.id, r.corrections.map((c) => ({ field: c.field, declared: c.declared, corrected: c.corrected }))]));
  const out: IntegrationEvent[] = [];
  for (const d of drafts) {
    if (d.type === 'declaration.amendment_requested') d.data.corrections = correctionsOf.get(String(d.data.decisionId)) ?? [];
    const orderId = d.orderId ?? (d.sessionId ? orderOfSession.get(d.sessionId) : undefined);
    const f = d.declarationId ? byDecl.get(d.declarationId) : orderId ? byOrder.get(orderId) : undefined;
    if (!f) continue; // the subject no longer exists (deleted under a retention rule): nothing to tell
    const customsOnly = CUSTOMS_ONLY_WEBHOOK_EVENTS.includes(d.type);
    out.push({
      id: randomUUID(), type: d.type, declarationId: f.declarationId, orgId: customsOnly ? null : f.orgId, officeId: f.officeId,
      data: { declarationId: f.declarationId, ...d.data }, occurredAt: new Date(d.at.at),
    });
  }
  return out;
}

export interface FeedResult { read: number; events: number; deliveries: number }

/**
 * One step of the fan-out: up to `limit` audit entries after the cursor become integration events and deliveries,
 * in one transaction. The first run starts at the chain's end (history before webhooks existed is not replayed).
 * Several nodes may run it: the cursor row is locked, so each entry is fanned out exactly once.
 */
export async function feedWebhooks(db: Db, limit = 500): Promise<FeedResult> {
  return transaction(db, async (tx) => {
    let [cur] = await tx.select().from(webhookCursor).where(eq(webhookCursor.id, CURSOR_ID)).for('update');
    if (!cur) {
      const [top] = await tx.select({ seq: sql<number>`coalesce(max(${auditLog.seq}), 0)` }).from(auditLog);
      await tx.insert(webhookCursor).values({ id: CURSOR_ID, lastSeq: Number(top?.seq ?? 0) }).onConflictDoNothing();
      [cur] = await tx.select().from(webhookCursor).where(eq(webhookCursor.id, CURSOR_ID)).for('update');
    }
    const entries = await tx.select().from(auditLog).where(gt(auditLog.seq, cur.lastSeq)).orderBy(asc(auditLog.seq)).limit(limit);
    if (!entries.length) return { read: 0, events: 0, deliveries: 0 };
    const events = await resolve(tx, entries.filter((e) => SOURCES.has(e.action)).flatMap(draftsOf));
    let deliveries = 0;
    if (events.length) {
      const inserted = await tx.insert(integrationEvents).values(events.map((e) => ({
        id: e.id, type: e.type, subjectType: 'declaration', subjectId: e.declarationId, orgId: e.orgId, officeId: e.officeId, data: e.data, occurredAt: e.occurredAt,
      }))).returning({ seq: integrationEvents.seq, id: integrationEvents.id });
      const seqOf = new Map(inserted.map((r) => [r.id, r.seq]));
      const subs = await tx.select({ id: webhookSubscriptions.id, orgId: webhookSubscriptions.orgId, events: webhookSubscriptions.events, kind: organisations.kind })
        .from(webhookSubscriptions).innerJoin(organisations, eq(organisations.id, webhookSubscriptions.orgId))
        .where(eq(webhookSubscriptions.active, true));
      const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
      for (const e of events) {
        for (const s of subs) {
          if (!s.events.includes(e.type)) continue;
          // organisation isolation: an enterprise hears of its own declarations, a customs office of its office's
          const mine = s.kind === 'enterprise' ? e.orgId !== null && s.orgId === e.orgId : s.orgId === e.officeId;
          if (!mine) continue;
          rows.push({ id: randomUUID(), subscriptionId: s.id, eventSeq: seqOf.get(e.id)!, eventId: e.id, eventType: e.type, subjectId: e.declarationId });
        }
      }
      for (let i = 0; i < rows.length; i += 1000) await tx.insert(webhookDeliveries).values(rows.slice(i, i + 1000));
      deliveries = rows.length;
    }
    await tx.update(webhookCursor).set({ lastSeq: entries[entries.length - 1].seq }).where(eq(webhookCursor.id, CURSOR_ID));
    return { read: entries.length, events: events.length, deliveries };
  });
}
