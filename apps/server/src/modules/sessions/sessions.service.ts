// Live sessions, use cases in domain words: open a session for a booked order (device link issued), redeem the link
// on the device, guide (steps, instructions, snapshot requests, drawings, chat), store snapshots, seal recording
// segments, end the session. Each use case authorises with sessions.policy, applies the rule, persists, writes the
// timeline event and audits in ONE transaction; live delivery (device socket, viewers, invalidations) happens after
// commit through the LiveRoom port.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import sharp from 'sharp';
import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type {
  CreateSessionBody, DeviceLink, DeviceState, GuidanceBody, RedeemResult, SessionDetail, SessionEvent, SessionListQuery, SessionView,
  SessionViewer, SnapshotUploadQuery, SnapshotUploadResult, StepResultBody,
} from '@rvi/contracts';
import {
  appointments, deviceJoinTokens, inspectionOrders, liveSessions, mediaNodes, organisations, recordingSegments, sessionEvents, sessionSnapshots, sessionSteps,
} from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor, type Actor } from '../../platform/actor.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../platform/errors.ts';
import { authorize, isCustoms, requireRole } from '../../platform/policy.ts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { assertKey, ObjectStoreError, storedSha256 } from '../../adapters/object-store.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { inTransaction, transaction } from '../../platform/unit-of-work.ts';
import { findBadText } from '../../platform/validation.ts';
import { lockOrder, transitionOrder } from '../orders/orders.state.ts';
import { scopeOf } from '../orders/orders.policy.ts';
import { recordOperatorJoined } from '../booking/booking.service.ts';
import { ensureDefaultTemplates, templateFor } from './sessions.checklists.ts';
import { authorizeSession, sessionCan } from './sessions.policy.ts';
import { operatorContact, presentChannels, type InviteEnv } from './sessions.contact.ts';
import { presentEvent, presentRecording, presentSession, presentSnapshot, presentStep, takenAtClaim, userNames } from './sessions.presenter.ts';
import { invalidateSession, refreshSessionPages, sessionPath, transitionSession, type SessionRow } from './sessions.state.ts';
import { hashSecret, newSecret, qrSvg } from './sessions.tokens.ts';
import type { SessionState } from '@rvi/contracts';

type TokenRow = typeof deviceJoinTokens.$inferSelect;

/**
 * What the service needs from the live side: the media node hosting the session, in this process or reached through
 * the node bus (sessions.relay.ts).
 */
export interface LiveRoom {
  /** viewers currently watching (conductor and observers) */
  viewers(sessionId: string): Promise<SessionViewer[]>;
  device(sessionId: string): Promise<{ connected: boolean; publisher: string }>;
  /** sends a guidance event to the device's socket(s) and to the viewers */
  deliver(sessionId: string, event: SessionEvent): void;
  /** stops the media of a session (recording sealed) and tells the device it ended */
  close(sessionId: string, reason: string): Promise<void>;
}

export interface SessionsEnv {
  db: Db;
  store: ObjectStore;
  live: LiveRoom;
  /** this process's media node (the node that takes sessions over and is the fallback host); null on API-only nodes */
  nodeId: string;
  /** chooses the media node of a new session (placement: live, below capacity and CPU limit, near the office) */
  placeSession?: (db: Db, officeId: string) => Promise<string>;
  /** camera links by e-mail / SMS (issue 12): the adapters (null when not configured) and the resend limits */
  invite?: InviteEnv;
}

export const DEFAULT_LINK_TTL_MIN = 30;
/** a device key outlives its link but not the day: the session is one appointment */
const DEVICE_KEY_MAX_MS = 12 * 3600_000;
const ORDER_STATES_FOR_SESSION = ['booked', 'in_progress'];


export async function loadSession(db: Db, id: string): Promise<SessionRow | null> {
  if (typeof id !== 'string' || id.length > 64) return null;
  const [row] = await db.select().from(liveSessions).where(eq(liveSessions.id, id)).limit(1);
  return row ?? null;
}

export async function orderNoOf(db: Db, orderId: string): Promise<string> {
  const [o] = await db.select({ no: inspectionOrders.orderNo }).from(inspectionOrders).where(eq(inspectionOrders.id, orderId)).limit(1);
  return o?.no ?? '';
}

/** Appends a timeline event (in the caller's transaction). A repeated `clientId` returns the stored event. */
export async function addSessionEvent(tx: Db, sessionId: string, kind: string, source: SessionEvent['source'], actorId: string | null, payload: Record<string, unknown>, clientId?: string | null) {
  if (clientId) {
    const [prev] = await tx.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.clientId, clientId))).limit(1);
    if (prev) return { row: prev, duplicate: true };
  }
  const [row] = await tx.insert(sessionEvents).values({ id: randomUUID(), sessionId, kind, source, actorId, clientId: clientId ?? null, payload }).returning();
  return { row, duplicate: false };
}

// ------------------------------------------------------------------------------------------------ opening

function linkFor(baseUrl: string, token: string, expiresAt: Date): DeviceLink {
  // the token travels in the fragment: browsers never send it to the server with the page request (no log, no referrer)
  const url = `${baseUrl.replace(/\/+$/, '')}/camera.html#t=${token}`;
  return { url, token, expiresAt: expiresAt.toISOString(), qrSvg: qrSvg(url) };
}

export interface IssueLinkOptions {
  /** revoke the older unused links now (default); a send by e-mail/SMS revokes them only once it was delivered */
  revokePrevious?: boolean;
  /** more fields of the `device_link.issued` event and audit entry (e.g. invite: 'email,sms') */
  extra?: Record<string, unknown>;
}

export async function issueLinkInTx(tx: Db, actor: Actor, s: SessionRow, ttlMinutes: number, baseUrl: string, opts: IssueLinkOptions = {}): Promise<DeviceLink & { tokenId: string }> {
  const token = newSecret();
  const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
  // the newest link is the valid one: unused older links stop working
  if (opts.revokePrevious ?? true) await revokeUnusedLinks(tx, s.id);
  const id = randomUUID();
  await tx.insert(deviceJoinTokens).values({
    id, sessionId: s.id, appointmentId: s.appointmentId, operatorUserId: s.operatorUserId, tokenHash: hashSecret(token), expiresAt, createdBy: actor.userId,
  });
  const extra = opts.extra ?? {};
  await addSessionEvent(tx, s.id, 'device_link.issued', actor.kind === 'system' ? 'system' : isCustoms(actor) ? 'inspector' : 'device', actor.userId, { tokenId: id, expiresAt: expiresAt.toISOString(), ...extra });
  await recordAudit(tx, actor, 'session.device_link_issued', { type: 'live_session', id: s.id }, { tokenId: id, expiresAt: expiresAt.toISOString(), operatorUserId: s.operatorUserId, ...extra });
  return { ...linkFor(baseUrl, token, expiresAt), tokenId: id };
}

/** Unused, unrevoked links of a session stop working (all but `except`); returns the ids revoked. */
export async function revokeUnusedLinks(tx: Db, sessionId: string, except?: string): Promise<string[]> {
  const rows = await tx.update(deviceJoinTokens).set({ revokedAt: new Date() })
    .where(and(eq(deviceJoinTokens.sessionId, sessionId), isNull(deviceJoinTokens.usedAt), isNull(deviceJoinTokens.revokedAt), ...(except ? [ne(deviceJoinTokens.id, except)] : [])))
    .returning({ id: deviceJoinTokens.id });
  return rows.map((r) => r.id);
}

/**
 * The assigned inspector opens the live session of a booked remote order: the order moves booked → in_progress (if
 * not already), the checklist is copied from the goods category's template, and a device link is issued for the
 * booked on-site operator (who is notified).
 */
export async function openSession(env: SessionsEnv, actor: Actor, body: CreateSessionBody, baseUrl: string): Promise<{ session: SessionDetail; link: DeviceLink; tokenId: string }> {
  requireRole(actor, 'session.conduct');
  await ensureDefaultTemplates(env.db);
  const out = await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    const order = await lockOrder(tx, body.orderId);
    authorize(actor, 'session.conduct', order ? scopeOf(order) : null, 'Inspection order', body.orderId);
    if (actor.kind !== 'system' && order!.inspectorId !== actor.userId) throw forbidden('Only the inspector assigned to this order may open its live session');
    if (order!.mode !== 'remote') throw conflict('not_remote', `Order ${order!.orderNo} is not a remote inspection (mode ${order!.mode ?? 'undecided'})`);
    if (!ORDER_STATES_FOR_SESSION.includes(order!.state)) {
      throw conflict('order_not_ready', `Order ${order!.orderNo} is ${order!.state}; a live session needs a booked order (or one in progress)`, { state: order!.state });
    }
    const [open] = await tx.select({ id: liveSessions.id }).from(liveSessions).where(and(eq(liveSessions.orderId, order!.id), ne(liveSessions.state, 'ended'))).limit(1);
    if (open) throw conflict('session_open', `Order ${order!.orderNo} already has an open session`, { sessionId: open.id });
    const [appt] = await tx.select().from(appointments)
      .where(and(eq(appointments.orderId, order!.id), eq(appointments.kind, 'remote'), eq(appointments.status, 'accepted')))
      .orderBy(desc(appointments.startAt)).limit(1);
    if (!appt?.operatorUserId) throw conflict('no_booking', `Order ${order!.orderNo} has no accepted remote appointment with an on-site operator`);
    if (order!.state === 'booked') await transitionOrder(uow, order!, 'in_progress', { reason: 'live session opened' });
    const template = await templateFor(tx, order!.goodsCategory);
    const id = randomUUID();
    const mediaNode = env.placeSession ? await env.placeSession(tx, order!.officeId) : env.nodeId;
    const [s] = await tx.insert(liveSessions).values({
      id, orderId: order!.id, officeId: order!.officeId, enterpriseId: order!.enterpriseId, appointmentId: appt.id, inspectorId: order!.inspectorId!,
      operatorUserId: appt.operatorUserId, state: 'requested', goodsCategory: order!.goodsCategory, checklistTemplateId: template?.id ?? null,
      mediaNode, createdBy: actor.userId,
    }).returning();
    if (template?.steps.length) {
      await tx.insert(sessionSteps).values(template.steps.map((st, i) => ({ id: randomUUID(), sessionId: id, ordinal: i + 1, templateKey: st.key, text: st.text })));
    }
    await addSessionEvent(tx, id, 'state.requested', 'inspector', actor.userId, { orderNo: order!.orderNo, template: template?.id ?? null });
    await recordAudit(tx, actor, 'session.requested', { type: 'live_session', id }, {
      orderId: order!.id, orderNo: order!.orderNo, appointmentId: appt.id, operatorUserId: appt.operatorUserId, mediaNode,
    });
    const link = await issueLinkInTx(tx, actor, s, body.linkTtlMinutes ?? DEFAULT_LINK_TTL_MIN, baseUrl);
    await uow.notify([appt.operatorUserId], 'session.requested', { sessionId: id, orderId: order!.id, orderNo: order!.orderNo });
    invalidateSession(uow, s, true);
    return { s, link };
  }).catch(uniqueToConflict);
  const { tokenId, ...link } = out.link;
  return { session: await getSession(env, actor, out.s.id), link, tokenId };
}

function uniqueToConflict(e: unknown): never {
  if ((e as { code?: string }).code === '23505' && /live_sessions_open_order_uq/.test(String((e as Error).message))) {
    throw conflict('session_open', 'This order already has an open session');
  }
  throw e;
}

/** A fresh device link (the previous unused one stops working): the conducting inspector, or the booked operator. */
export async function issueDeviceLink(env: SessionsEnv, actor: Actor, sessionId: string, ttlMinutes: number | undefined, baseUrl: string): Promise<DeviceLink> {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'issueLink', s, sessionId);
  const link = await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    const { tokenId: _id, ...l } = await issueLinkInTx(tx, actor, s, ttlMinutes ?? DEFAULT_LINK_TTL_MIN, baseUrl);
    invalidateSession(uow, s);
    return l;
  });
  return link;
}

// ------------------------------------------------------------------------------------------------ device side

/** Why a device credential was refused; the camera page shows a page per code. */
export class DeviceRefusal extends AppError {
  constructor(code: 'token_unknown' | 'token_used' | 'token_expired' | 'token_revoked' | 'session_ended', message: string) {
    super(code, code === 'token_unknown' ? 404 : code === 'token_used' ? 409 : 410, message);
  }
}

export function deviceActor(s: SessionRow, token: TokenRow, requestId: string | null = null): Actor {
  return {
    kind: 'user', userId: token.operatorUserId, username: `device:${token.id.slice(0, 8)}`, role: 'onsite_operator',
    orgId: s.enterpriseId, orgKind: 'enterprise', officeId: s.officeId, requestId,
  };
}

/**
 * The camera page opens its link: the join token is single use and short-lived. Returns the device key (valid until
 * the session ends) that the page uses for its WebSocket, reconnections and uploads. Moves the session to ringing.
 */
export async function redeemJoinToken(env: SessionsEnv, token: string, from: string): Promise<RedeemResult & { tokenId: string }> {
  const hash = hashSecret(token);
  const [t] = await env.db.select().from(deviceJoinTokens).where(eq(deviceJoinTokens.tokenHash, hash)).limit(1);
  if (!t) throw new DeviceRefusal('token_unknown', 'This link is not valid. Ask the inspector for a new link.');
  const s = (await loadSession(env.db, t.sessionId))!;
  if (s.state === 'ended') throw new DeviceRefusal('session_ended', 'This inspection session has ended.');
  if (t.usedAt) throw new DeviceRefusal('token_used', 'This link was already used. Each link works once: ask the inspector for a new link.');
  if (t.revokedAt) throw new DeviceRefusal('token_revoked', 'This link was replaced by a newer one. Use the newest link.');
  if (t.expiresAt.getTime() <= Date.now()) throw new DeviceRefusal('token_expired', 'This link has expired. Ask the inspector for a new link.');
  const deviceKey = newSecret();
  const actor = deviceActor(s, t);
  await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    // single use even under concurrent opens: only one update finds used_at still null
    const [claimed] = await tx.update(deviceJoinTokens).set({ usedAt: new Date(), usedFrom: from.slice(0, 300), deviceKeyHash: hashSecret(deviceKey) })
      .where(and(eq(deviceJoinTokens.id, t.id), isNull(deviceJoinTokens.usedAt), isNull(deviceJoinTokens.revokedAt))).returning();
    if (!claimed) throw new DeviceRefusal('token_used', 'This link was already used. Each link works once: ask the inspector for a new link.');
    // one device per session: the key of a link redeemed earlier stops working now (a lost or shared phone is cut off)
    const replaced = await tx.update(deviceJoinTokens).set({ revokedAt: new Date() })
      .where(and(eq(deviceJoinTokens.sessionId, s.id), ne(deviceJoinTokens.id, t.id), isNotNull(deviceJoinTokens.usedAt), isNull(deviceJoinTokens.revokedAt)))
      .returning({ id: deviceJoinTokens.id });
    await addSessionEvent(tx, s.id, 'device.link_opened', 'device', t.operatorUserId, { tokenId: t.id, from: from.slice(0, 300) });
    await recordAudit(tx, actor, 'session.device_link_redeemed', { type: 'live_session', id: s.id }, {
      tokenId: t.id, from: from.slice(0, 300), revokedKeys: replaced.map((r) => r.id),
    });
    const cur = (await tx.select().from(liveSessions).where(eq(liveSessions.id, s.id)).for('update'))[0];
    if (cur.state === 'requested') await transitionSession(uow, cur, 'ringing', { source: 'device', reason: 'device opened the link' });
    invalidateSession(uow, s);
  });
  if (s.appointmentId) {
    await recordOperatorJoined(env.db, systemActor('device-join'), s.appointmentId).catch(() => undefined);
  }
  return {
    sessionId: s.id, deviceKey, tokenId: t.id, orderNo: await orderNoOf(env.db, s.orderId),
    operatorName: (await userNames(env.db, [t.operatorUserId])).get(t.operatorUserId ?? '') ?? null,
  };
}

export interface DeviceContext {
  session: SessionRow;
  token: TokenRow;
  actor: Actor;
}

/** Resolves a device key (WebSocket, uploads, state); refuses keys of ended sessions and revoked or stale keys. */
export async function resolveDeviceKey(db: Db, key: string, requestId: string | null = null): Promise<DeviceContext> {
  if (typeof key !== 'string' || key.length < 16 || key.length > 128) throw new DeviceRefusal('token_unknown', 'Missing or malformed device key');
  const [t] = await db.select().from(deviceJoinTokens).where(eq(deviceJoinTokens.deviceKeyHash, hashSecret(key))).limit(1);
  return checkDeviceToken(db, t, requestId);
}

/** The device of a redeemed link by the link's id (a media node, for a device socket an API node checked and relays). */
export async function loadDeviceByToken(db: Db, tokenId: string, requestId: string | null = null): Promise<DeviceContext> {
  const [t] = await db.select().from(deviceJoinTokens).where(eq(deviceJoinTokens.id, tokenId)).limit(1);
  if (t && !t.deviceKeyHash) throw new DeviceRefusal('token_unknown', 'This device is not joined to a session. Open the link again.');
  return checkDeviceToken(db, t, requestId);
}

async function checkDeviceToken(db: Db, t: TokenRow | undefined, requestId: string | null): Promise<DeviceContext> {
  if (!t) throw new DeviceRefusal('token_unknown', 'This device is not joined to a session. Open the link again.');
  const s = (await loadSession(db, t.sessionId))!;
  if (s.state === 'ended') throw new DeviceRefusal('session_ended', 'This inspection session has ended.');
  if (t.revokedAt) throw new DeviceRefusal('token_revoked', 'This device was replaced by a newer link. Use the newest link.');
  if (t.usedAt && Date.now() - t.usedAt.getTime() > DEVICE_KEY_MAX_MS) throw new DeviceRefusal('token_expired', 'This device\'s access has expired. Ask the inspector for a new link.');
  return { session: s, token: t, actor: deviceActor(s, t, requestId) };
}

/** What the camera page needs after a reload: the state and the guidance so far (steps, instructions, drawings, chat). */
export async function deviceState(env: SessionsEnv, dev: DeviceContext): Promise<DeviceState> {
  const rows = await env.db.select().from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, dev.session.id), inArray(sessionEvents.kind, GUIDANCE_KINDS)))
    .orderBy(desc(sessionEvents.seq)).limit(100);
  const names = await userNames(env.db, rows.map((r) => r.actorId));
  return {
    sessionId: dev.session.id, state: dev.session.state as SessionState, orderNo: await orderNoOf(env.db, dev.session.orderId),
    guidance: rows.reverse().map((r) => presentEvent(r, names)),
  };
}

/** Chat from the device (idempotent by the device's clientId). */
export async function recordDeviceChat(env: SessionsEnv, dev: DeviceContext, clientId: string, text: string): Promise<SessionEvent> {
  if (typeof text !== 'string' || !text.trim() || text.length > 1000) throw badRequest('validation', 'chat.text must be 1-1000 characters');
  const bad = findBadText(text, 'chat.text');
  if (bad) throw badRequest('validation', `${bad.field} ${bad.message}`, [bad]);
  if (typeof clientId !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(clientId)) throw badRequest('validation', 'chat.clientId must be 8-64 characters of A-Z a-z 0-9 _ -');
  const { row, duplicate } = await addSessionEvent(env.db, dev.session.id, 'chat', 'device', dev.token.operatorUserId, { text: text.trim() }, clientId);
  const ev = presentEvent(row, await userNames(env.db, [row.actorId]));
  if (!duplicate) {
    env.live.deliver(dev.session.id, ev);
    await refreshSessionPages(env.db, dev.session);
  }
  return ev;
}

// ------------------------------------------------------------------------------------------------ guidance

export const GUIDANCE_KINDS = ['step.sent', 'step.done', 'instruction', 'snapshot.requested', 'snapshot.stored', 'drawing', 'drawing.cleared', 'chat', 'state.ended', 'quality.pinned'];

/**
 * Inspector → device guidance: a checklist step, a free-text instruction, a snapshot request, a drawing on a frozen
 * frame, a live pointer, chat. Stored as a timeline event (idempotent by clientId), then delivered to the device and the viewers.
 * Observers may chat; everything else is the conductor's.
 */
export async function recordGuidance(env: SessionsEnv, actor: Actor, sessionId: string, body: GuidanceBody): Promise<SessionEvent> {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, body.kind === 'chat' ? 'view' : 'conduct', s, sessionId);
  if (s.state === 'ended') throw conflict('session_ended', 'The session has ended');
  const source = actor.userId === s.inspectorId ? 'inspector' : 'observer';
  const { row, duplicate } = await transaction(env.db, async (tx) => {
    switch (body.kind) {
      case 'step': {
        const [step] = await tx.select().from(sessionSteps).where(and(eq(sessionSteps.id, body.stepId), eq(sessionSteps.sessionId, s.id))).limit(1);
        if (!step) throw notFound('Checklist step', body.stepId);
        if (step.status === 'pending') await tx.update(sessionSteps).set({ status: 'sent', sentAt: new Date() }).where(eq(sessionSteps.id, step.id));
        return addSessionEvent(tx, s.id, 'step.sent', source, actor.userId, { stepId: step.id, ordinal: step.ordinal, text: step.text }, body.clientId);
      }
      case 'instruction':
        return addSessionEvent(tx, s.id, 'instruction', source, actor.userId, { text: body.text.trim() }, body.clientId);
      case 'snapshot_request':
        return addSessionEvent(tx, s.id, 'snapshot.requested', source, actor.userId, { note: body.note ?? null }, body.clientId);
      case 'drawing': {
        if (body.snapshotId) {
          const [snap] = await tx.select({ id: sessionSnapshots.id }).from(sessionSnapshots).where(and(eq(sessionSnapshots.id, body.snapshotId), eq(sessionSnapshots.sessionId, s.id))).limit(1);
          if (!snap) throw notFound('Snapshot', body.snapshotId);
        }
        if (!body.snapshotId && !body.frameJpeg) throw badRequest('validation', 'drawing: give the frozen frame as snapshotId or frameJpeg');
        return addSessionEvent(tx, s.id, 'drawing', source, actor.userId, {
          snapshotId: body.snapshotId ?? null, frameJpeg: body.frameJpeg ?? null, frameWidth: body.frameWidth ?? null, frameHeight: body.frameHeight ?? null, shapes: body.shapes,
        }, body.clientId);
      }
      case 'clear_drawing':
        return addSessionEvent(tx, s.id, 'drawing.cleared', source, actor.userId, {}, body.clientId);
      case 'camera':
        return addSessionEvent(tx, s.id, 'camera.requested', source, actor.userId, { action: body.action }, body.clientId);
      case 'pointer':
        // on the timeline too: where the inspector pointed, when (evidence of the guidance given)
        return addSessionEvent(tx, s.id, 'pointer', source, actor.userId, { x: Math.round(body.x * 10_000) / 10_000, y: Math.round(body.y * 10_000) / 10_000 }, body.clientId);
      case 'chat':
        return addSessionEvent(tx, s.id, 'chat', source, actor.userId, { text: body.text.trim() }, body.clientId);
      case 'quality':
        // the device applies it and reports its rung (quality.rung); the pin itself says who asked for it
        return addSessionEvent(tx, s.id, 'quality.pinned', source, actor.userId, { pin: body.pin }, body.clientId);
    }
  });
  const ev = presentEvent(row, await userNames(env.db, [row.actorId]));
  if (!duplicate) {
    env.live.deliver(s.id, ev);
    if (body.kind === 'pointer') return ev; // transient: the device and the viewers draw it; no list needs reloading
    await refreshSessionPages(env.db, s);
  }
  return ev;
}

export async function addStep(env: SessionsEnv, actor: Actor, sessionId: string, text: string) {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'conduct', s, sessionId);
  const row = await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    await tx.select({ id: liveSessions.id }).from(liveSessions).where(eq(liveSessions.id, s.id)).for('update');
    const [{ max }] = await tx.select({ max: sql<number>`coalesce(max(${sessionSteps.ordinal}), 0)::int` }).from(sessionSteps).where(eq(sessionSteps.sessionId, s.id));
    const [r] = await tx.insert(sessionSteps).values({ id: randomUUID(), sessionId: s.id, ordinal: max + 1, text: { en: text.trim(), 'zh-CN': text.trim() } }).returning();
    await addSessionEvent(tx, s.id, 'step.added', 'inspector', actor.userId, { stepId: r.id, ordinal: r.ordinal, text: r.text });
    invalidateSession(uow, s);
    return r;
  });
  return presentStep(row);
}

/** The conductor ticks a step with its result (audited: it is part of the inspection's findings trail). */
export async function recordStepResult(env: SessionsEnv, actor: Actor, sessionId: string, stepId: string, body: StepResultBody) {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'conduct', s, sessionId);
  const { row, event } = await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    const [r] = await tx.update(sessionSteps).set({ status: 'done', result: body.result, note: body.note?.trim() || null, doneAt: new Date(), doneBy: actor.userId, sentAt: sql`coalesce(${sessionSteps.sentAt}, now())` })
      .where(and(eq(sessionSteps.id, stepId), eq(sessionSteps.sessionId, s.id))).returning();
    if (!r) throw notFound('Checklist step', stepId);
    const ev = await addSessionEvent(tx, s.id, 'step.done', 'inspector', actor.userId, { stepId, ordinal: r.ordinal, text: r.text, result: body.result, note: r.note });
    await recordAudit(tx, actor, 'session.step_recorded', { type: 'live_session', id: s.id }, { stepId, ordinal: r.ordinal, step: r.text.en, result: body.result, note: r.note });
    invalidateSession(uow, s);
    return { row: r, event: ev.row };
  });
  env.live.deliver(s.id, presentEvent(event, await userNames(env.db, [event.actorId])));
  return presentStep(row);
}

// ------------------------------------------------------------------------------------------------ reading

export async function getSession(env: SessionsEnv, actor: Actor, id: string): Promise<SessionDetail> {
  const s = await loadSession(env.db, id);
  authorizeSession(actor, 'view', s, id);
  const [steps, events, recs, snaps] = await Promise.all([
    env.db.select().from(sessionSteps).where(eq(sessionSteps.sessionId, id)).orderBy(asc(sessionSteps.ordinal)),
    env.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, id)).orderBy(desc(sessionEvents.seq)).limit(500),
    env.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, id)).orderBy(asc(recordingSegments.startedAt), asc(recordingSegments.index)),
    env.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, id)).orderBy(asc(sessionSnapshots.takenAt)),
  ]);
  const names = await userNames(env.db, [s.inspectorId, s.operatorUserId, ...events.map((e) => e.actorId)]);
  return {
    ...presentSession(s, await orderNoOf(env.db, s.orderId), names, actor),
    steps: steps.map(presentStep),
    // the newest 500, oldest first; frames of drawings are left out of the list (GET the event to see one)
    events: events.reverse().map((e) => presentEvent(e.kind === 'drawing' ? { ...e, payload: { ...e.payload, frameJpeg: e.payload.frameJpeg ? '(omitted)' : null } } : e, names)),
    recordings: recs.map(presentRecording),
    snapshots: snaps.map(presentSnapshot),
    viewers: s.state === 'ended' ? [] : await env.live.viewers(id),
    device: s.state === 'ended' ? { connected: false, publisher: 'absent' } : await env.live.device(id),
    ...(sessionCan(actor, s).invite ? { inviteChannels: presentChannels(await operatorContact(env.db, env.invite, s.operatorUserId)) } : {}),
  };
}

export async function getSessionEvent(env: SessionsEnv, actor: Actor, id: string, eventId: string): Promise<SessionEvent> {
  const s = await loadSession(env.db, id);
  authorizeSession(actor, 'view', s, id);
  const [e] = await env.db.select().from(sessionEvents).where(and(eq(sessionEvents.id, eventId), eq(sessionEvents.sessionId, id))).limit(1);
  if (!e) throw notFound('Session event', eventId);
  return presentEvent(e, await userNames(env.db, [e.actorId]));
}

/** Sessions of the actor's office (customs with session.observe or session.conduct), newest first. */
export async function listSessions(env: SessionsEnv, actor: Actor, q: SessionListQuery): Promise<{ items: SessionView[] }> {
  if (actor.kind !== 'system' && !isCustoms(actor)) throw forbidden('Enterprise users cannot list live inspection sessions');
  const conds = [];
  if (actor.kind !== 'system') conds.push(eq(liveSessions.officeId, actor.officeId ?? ''));
  if (q.orderId) conds.push(eq(liveSessions.orderId, q.orderId));
  if (q.state === 'open') conds.push(ne(liveSessions.state, 'ended'));
  else if (q.state) conds.push(eq(liveSessions.state, q.state));
  const rows = await env.db.select({ s: liveSessions, orderNo: inspectionOrders.orderNo }).from(liveSessions)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, liveSessions.orderId)).where(and(...conds)).orderBy(desc(liveSessions.createdAt)).limit(200);
  const names = await userNames(env.db, rows.flatMap((r) => [r.s.inspectorId, r.s.operatorUserId]));
  return { items: rows.map((r) => presentSession(r.s, r.orderNo, names, actor)).filter((v) => v.can.observe) };
}

/**
 * The on-site operator's open sessions (their enterprise portal offers a fresh camera link for each): only sessions
 * booked with this user, never anyone else's; no customs details.
 */
export async function listOperatorSessions(env: SessionsEnv, actor: Actor): Promise<{ items: { id: string; orderNo: string; state: SessionState; createdAt: string }[] }> {
  if (actor.kind !== 'user' || !actor.userId || isCustoms(actor)) return { items: [] };
  const rows = await env.db.select({ s: liveSessions, orderNo: inspectionOrders.orderNo }).from(liveSessions)
    .innerJoin(inspectionOrders, eq(inspectionOrders.id, liveSessions.orderId))
    .where(and(eq(liveSessions.operatorUserId, actor.userId), eq(liveSessions.enterpriseId, actor.orgId ?? ''), ne(liveSessions.state, 'ended')))
    .orderBy(desc(liveSessions.createdAt)).limit(20);
  return { items: rows.map((r) => ({ id: r.s.id, orderNo: r.orderNo, state: r.s.state as SessionState, createdAt: r.s.createdAt.toISOString() })) };
}

// ------------------------------------------------------------------------------------------------ ending

/** The conductor ends the session: media stops (segments sealed), device links die, state → ended. */
export async function endSession(env: SessionsEnv, actor: Actor, id: string, reason: string | undefined): Promise<SessionDetail> {
  const s = await loadSession(env.db, id);
  authorizeSession(actor, 'end', s, id);
  await env.live.close(id, reason ?? 'ended by the inspector');
  await inTransaction(env.db, actor, async (uow) => {
    const tx = uow.tx;
    const [cur] = await tx.select().from(liveSessions).where(eq(liveSessions.id, id)).for('update');
    if (cur.state === 'ended') throw conflict('session_ended', 'The session has already ended');
    await tx.update(deviceJoinTokens).set({ revokedAt: new Date() }).where(and(eq(deviceJoinTokens.sessionId, id), isNull(deviceJoinTokens.revokedAt)));
    const [{ n, ms }] = await tx.select({ n: sql<number>`count(*)::int`, ms: sql<number>`coalesce(sum(${recordingSegments.durationMs}), 0)::int` })
      .from(recordingSegments).where(eq(recordingSegments.sessionId, id));
    await transitionSession(uow, cur, 'ended', { reason: reason ?? 'ended by the inspector', detail: { segments: n, recordedMs: ms } });
    invalidateSession(uow, cur, true);
  });
  return getSession(env, actor, id);
}

/** Open sessions nobody will finish: never connected, or the device did not come back. */
export const ABANDON_AFTER_MS = { neverConnected: 2 * 3600_000, reconnecting: 30 * 60_000 };

/**
 * Sweep (every minute, and on demand in tests): ends this node's sessions that were never connected within 2 h of
 * opening, or that have been reconnecting for 30 min (the device is gone). Their media stops and recordings are
 * sealed like any other end; the audit entry is the system's.
 */
export async function endAbandonedSessions(env: SessionsEnv, now = new Date()): Promise<string[]> {
  const open = await env.db.select().from(liveSessions).where(and(eq(liveSessions.mediaNode, env.nodeId), inArray(liveSessions.state, ['requested', 'ringing', 'reconnecting'])));
  const due = open.filter((s) => s.state === 'reconnecting'
    ? now.getTime() - s.updatedAt.getTime() > ABANDON_AFTER_MS.reconnecting
    : now.getTime() - s.createdAt.getTime() > ABANDON_AFTER_MS.neverConnected);
  const ended: string[] = [];
  for (const s of due) {
    const reason = s.state === 'reconnecting' ? 'the device did not come back' : 'the device never connected';
    await env.live.close(s.id, reason);
    const done = await inTransaction(env.db, systemActor('session-sweep'), async (uow) => {
      const tx = uow.tx;
      const [cur] = await tx.select().from(liveSessions).where(eq(liveSessions.id, s.id)).for('update');
      if (!cur || cur.state !== s.state || cur.updatedAt.getTime() !== s.updatedAt.getTime()) return false; // changed meanwhile
      await tx.update(deviceJoinTokens).set({ revokedAt: new Date() }).where(and(eq(deviceJoinTokens.sessionId, s.id), isNull(deviceJoinTokens.revokedAt)));
      await transitionSession(uow, cur, 'ended', { source: 'system', reason });
      return true;
    });
    if (done) ended.push(s.id);
  }
  return ended;
}

// ------------------------------------------------------------------------------------------------ media state

const chains = new Map<string, Promise<unknown>>();

/** Runs state updates of one session one after the other (media callbacks arrive concurrently). */
function serial<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(sessionId) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => undefined);
  chains.set(sessionId, settled);
  void settled.then(() => { if (chains.get(sessionId) === settled) chains.delete(sessionId); });
  return next;
}

/**
 * The media node saw the device's media go live, stall or leave: move the session along the legal path (e.g.
 * requested → ringing → connected). Ignored for ended sessions and when already there.
 */
export function followMediaState(env: SessionsEnv, sessionId: string, target: 'connected' | 'reconnecting', detail: Record<string, unknown> = {}): Promise<void> {
  return serial(sessionId, async () => {
    await inTransaction(env.db, systemActor('media-node'), async (uow) => {
      const tx = uow.tx;
      const [cur] = await tx.select().from(liveSessions).where(eq(liveSessions.id, sessionId)).for('update');
      if (!cur || cur.state === 'ended' || cur.state === target) return;
      if (target === 'reconnecting' && cur.state !== 'connected') return;
      const path = sessionPath(cur.state as SessionState, target);
      if (!path) return;
      let row = cur;
      for (const step of path) row = await transitionSession(uow, row, step, { source: 'system', reason: `media ${target === 'connected' ? 'live' : 'interrupted'}`, detail });
    });
  });
}

/** Timeline-only events from the live side (joins, leaves, stats summaries, segment opened); never audited. */
export async function recordLiveEvent(env: SessionsEnv, sessionId: string, kind: string, source: SessionEvent['source'], actorId: string | null, payload: Record<string, unknown>): Promise<void> {
  await addSessionEvent(env.db, sessionId, kind, source, actorId, payload);
}

/**
 * A change of the device's network path, quality rung or network level (network.transport, quality.rung, stats): on the timeline, and the
 * office's pages refreshed at once, so the command wall shows the same rung as the camera page and the console
 * (rare events: the ladder has hysteresis, the path changes on reconnects).
 */
export async function recordDeviceNetwork(env: SessionsEnv, session: Pick<SessionRow, 'id' | 'officeId' | 'enterpriseId' | 'operatorUserId'>, kind: 'network.transport' | 'quality.rung' | 'stats', source: SessionEvent['source'], actorId: string | null, payload: Record<string, unknown>): Promise<void> {
  await addSessionEvent(env.db, session.id, kind, source, actorId, payload);
  await refreshSessionPages(env.db, session);
}

/** The device's AR tracker found, lost or re-found the anchored drawing: a timeline event the viewers see at once. */
export async function addAnchorState(env: SessionsEnv, dev: DeviceContext, p: { drawingId: string; state: string; reason: string | null }): Promise<SessionEvent> {
  const { row } = await addSessionEvent(env.db, dev.session.id, 'anchor.state', 'device', dev.token.operatorUserId, p);
  return presentEvent(row, await userNames(env.db, [row.actorId]));
}

/** The device's answer to a remote camera control (applied, or why not: no torch, no zoom on this camera). */
export async function addCameraResult(env: SessionsEnv, dev: DeviceContext, r: { requestId: string | null; action: string | null; ok: boolean; detail: string | null; zoom: number | null }): Promise<SessionEvent> {
  const { row } = await addSessionEvent(env.db, dev.session.id, 'camera.result', 'device', dev.token.operatorUserId, r);
  return presentEvent(row, await userNames(env.db, [row.actorId]));
}

/**
 * Who watched the live stream and when is part of the evidence trail: joins and leaves of the conductor and observers
 * are timeline events and audit entries.
 */
export async function recordViewerPresence(env: SessionsEnv, actor: Actor, sessionId: string, joined: boolean, detail: Record<string, unknown>): Promise<void> {
  await transaction(env.db, async (tx) => {
    await addSessionEvent(tx, sessionId, joined ? 'viewer.joined' : 'viewer.left', detail.mode === 'conduct' ? 'inspector' : 'observer', actor.userId, detail);
    await recordAudit(tx, actor, joined ? 'session.viewer_joined' : 'session.viewer_left', { type: 'live_session', id: sessionId }, detail);
  });
}

/** The conducting inspector let an observer speak to the device, or withdrew it: timeline and audit. */
export async function recordTalkPermission(env: SessionsEnv, actor: Actor, sessionId: string, detail: { userId: string; name: string; role: string; allowed: boolean }): Promise<void> {
  await transaction(env.db, async (tx) => {
    await addSessionEvent(tx, sessionId, 'talk.permission', 'inspector', actor.userId, detail);
    await recordAudit(tx, actor, detail.allowed ? 'session.talk_allowed' : 'session.talk_withdrawn', { type: 'live_session', id: sessionId }, detail);
  });
}

// ------------------------------------------------------------------------------------------------ media nodes

/** Media nodes beat every second (with their load); one counts as gone when its heartbeat is older than this. */
export const MEDIA_NODE_HEARTBEAT_MS = 1000;
export const MEDIA_NODE_LOST_AFTER_MS = Number(process.env.RVI_MEDIA_LOST_AFTER_MS ?? 4000);

export interface MediaNodeBeat {
  id: string;
  host: string;
  pid: number;
  region?: string | null;
  publicAddress?: string | null;
  capacity?: number;
  sessions?: number;
  cpuPct?: number;
  freeDiskMb?: number | null;
  draining?: boolean;
}

/** Registers this media node (a restart keeps the id and gets a new start time) and beats its heartbeat with its load. */
export async function beatMediaNode(db: Db, node: MediaNodeBeat, startedAt?: Date): Promise<void> {
  const now = new Date();
  const load = {
    host: node.host, pid: node.pid, region: node.region ?? null, publicAddress: node.publicAddress ?? null, capacity: node.capacity ?? 40,
    sessions: node.sessions ?? 0, cpuPct: node.cpuPct ?? 0, freeDiskMb: node.freeDiskMb ?? null, draining: node.draining ?? false,
  };
  await db.insert(mediaNodes).values({ id: node.id, ...load, startedAt: startedAt ?? now, heartbeatAt: now })
    .onConflictDoUpdate({ target: mediaNodes.id, set: { heartbeatAt: now, ...load, ...(startedAt ? { startedAt } : {}) } });
}

/**
 * The media node for a new session: among the nodes whose heartbeat is fresh, that are not draining and are below
 * their capacity (open sessions they host): those below the CPU limit (RVI_MEDIA_CPU_LIMIT, machine CPU percent,
 * default 85) first, then those in the office's region, then the one with the fewest open sessions, then the lowest CPU. `fallback` (this process's own node, when it has one) when none is
 * live; without one, 503 no_media_node.
 */
export async function placeSession(db: Db, officeId: string, fallback: string | null, now = new Date()): Promise<string> {
  const [office] = await db.select({ region: organisations.region }).from(organisations).where(eq(organisations.id, officeId)).limit(1);
  const nodes = await db.select().from(mediaNodes)
    .where(and(eq(mediaNodes.draining, false), gt(mediaNodes.heartbeatAt, new Date(now.getTime() - MEDIA_NODE_LOST_AFTER_MS))));
  const open = new Map((await db.select({ node: liveSessions.mediaNode, n: count() }).from(liveSessions).where(ne(liveSessions.state, 'ended')).groupBy(liveSessions.mediaNode))
    .map((r) => [r.node, Number(r.n)]));
  const region = office?.region ?? null;
  const cpuLimit = Number(process.env.RVI_MEDIA_CPU_LIMIT ?? 85);
  // capacity is a hard limit; the CPU limit a preference (a busy node is better than no session)
  const fit = nodes.filter((n) => (open.get(n.id) ?? 0) < n.capacity)
    .sort((a, b) => Number(a.cpuPct >= cpuLimit) - Number(b.cpuPct >= cpuLimit)
      || Number(region !== null && b.region === region) - Number(region !== null && a.region === region)
      || (open.get(a.id) ?? 0) - (open.get(b.id) ?? 0) || a.cpuPct - b.cpuPct || a.id.localeCompare(b.id));
  if (fit[0]) return fit[0].id;
  if (fallback) return fallback;
  throw new AppError('no_media_node', 503, nodes.length ? 'Every media node is at capacity: try again in a few minutes' : 'No media node is running: the live session cannot start');
}

/**
 * Open sessions this node must take over: its own from before a restart (`restarted`), and those of nodes whose
 * heartbeat has lapsed or that never registered (e.g. ids from older versions) — orphans of any node.
 */
export async function sessionsToTakeOver(env: SessionsEnv, opts: { restarted: boolean; now?: Date }): Promise<{ session: SessionRow; lostAt: Date; node: string }[]> {
  const now = opts.now ?? new Date();
  const open = await env.db.select().from(liveSessions).where(ne(liveSessions.state, 'ended'));
  if (!open.length) return [];
  const nodes = new Map((await env.db.select().from(mediaNodes)).map((n) => [n.id, n]));
  const out: { session: SessionRow; lostAt: Date; node: string }[] = [];
  for (const s of open) {
    if (s.mediaNode === env.nodeId) {
      if (opts.restarted) out.push({ session: s, lostAt: s.updatedAt, node: s.mediaNode });
      continue;
    }
    const n = nodes.get(s.mediaNode);
    if (n && now.getTime() - n.heartbeatAt.getTime() < MEDIA_NODE_LOST_AFTER_MS) continue; // alive: its sessions are its own
    out.push({ session: s, lostAt: n?.heartbeatAt && n.heartbeatAt < s.updatedAt ? s.updatedAt : (n?.heartbeatAt ?? s.updatedAt), node: s.mediaNode });
  }
  return out;
}

/**
 * This node takes a session over from a lost node (or from itself before a restart): the timeline and the audit log
 * say the media node was lost at `lostAt` (the end of the last recorded media, when known), a connected session
 * becomes "reconnecting" (its device comes back by itself), and the session is bound to this node. Returns false when
 * another node took it first or it ended meanwhile.
 */
export async function takeOverSession(env: SessionsEnv, sessionId: string, fromNode: string, lostAt: Date, why: 'restart' | 'node lost'): Promise<boolean> {
  const done = await inTransaction(env.db, systemActor('media-recovery'), async (uow) => {
    const tx = uow.tx;
    const [cur] = await tx.select().from(liveSessions).where(eq(liveSessions.id, sessionId)).for('update');
    if (!cur || cur.state === 'ended' || cur.mediaNode !== fromNode) return false;
    const detail = { node: fromNode, newNode: env.nodeId, lostAt: lostAt.toISOString(), why };
    await addSessionEvent(tx, sessionId, 'media.node_lost', 'system', null, detail);
    await recordAudit(tx, systemActor('media-recovery'), 'session.media_interrupted', { type: 'live_session', id: sessionId }, { ...detail, state: cur.state });
    await tx.update(liveSessions).set({ mediaNode: env.nodeId, updatedAt: new Date() }).where(eq(liveSessions.id, sessionId));
    const row = { ...cur, mediaNode: env.nodeId };
    if (cur.state === 'connected') {
      await transitionSession(uow, row, 'reconnecting', { source: 'system', reason: why === 'restart' ? 'media node restarted' : 'media node lost', detail });
    }
    invalidateSession(uow, cur);
    return true;
  });
  return done;
}

/**
 * The first camera segment index a node taking a session over records with: one past every index any node opened
 * (the timeline's `recording.opened` events) or sealed, so the lost node's unsealed segments keep their numbers and
 * object keys when they are recovered.
 */
export async function nextSegmentIndex(db: Db, sessionId: string): Promise<number> {
  const opened = await db.select({ payload: sessionEvents.payload }).from(sessionEvents)
    .where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, 'recording.opened')));
  const sealed = await db.select({ index: recordingSegments.index }).from(recordingSegments)
    .where(and(eq(recordingSegments.sessionId, sessionId), eq(recordingSegments.track, 'camera')));
  return Math.max(-1, ...opened.map((e) => Number((e.payload as { index?: unknown }).index ?? -1)), ...sealed.map((r) => r.index)) + 1;
}

/** The recording of a taken-over session continues: "recording resumed at T", with the gap since the node was lost. */
export async function recordRecordingResumed(env: SessionsEnv, sessionId: string, at: Date, lostAt: Date, index: number): Promise<void> {
  const detail = { at: at.toISOString(), lostAt: lostAt.toISOString(), gapMs: Math.max(0, at.getTime() - lostAt.getTime()), index };
  await transaction(env.db, async (tx) => {
    await addSessionEvent(tx, sessionId, 'recording.resumed', 'system', null, detail);
    await recordAudit(tx, systemActor('recorder'), 'session.recording_resumed', { type: 'live_session', id: sessionId }, detail);
  });
}

// ------------------------------------------------------------------------------------------------ recordings

export interface SegmentToSeal {
  sessionId: string;
  path: string;
  index: number;
  startedAt: Date;
  endedAt: Date;
  durationMs: number;
  sha256: string;
  bytes: number;
  reason: string;
  recovered?: boolean;
  /** why the segment began (start | rotate | reconnect | resume) */
  openReason?: string;
  /** stretches without decodable video inside the segment (ms from its start) */
  gaps?: { fromMs: number; toMs: number; droppedFrames: number; reason: string }[];
  /** which recording: the device's camera and sound (default) or the inspector's voice (audio only) */
  track?: 'camera' | 'inspector';
}

/**
 * Seals a closed recording segment: checks the file still hashes as the recorder reported, stores it in the object
 * store, records it with its SHA-256, size and duration, audits. Idempotent by object key.
 */
export async function sealSegment(env: SessionsEnv, seg: SegmentToSeal): Promise<typeof recordingSegments.$inferSelect | null> {
  const s = await loadSession(env.db, seg.sessionId);
  if (!s) return null;
  const track = seg.track ?? 'camera';
  const key = segmentKey(env.store, seg.path, s.id, track, seg.index);
  const stored = await env.store.putFile(key, seg.path, { expectedSha256: seg.sha256, move: true });
  const row = await inTransaction(env.db, systemActor(seg.recovered ? 'recording-recovery' : 'recorder'), async (uow) => {
    const tx = uow.tx;
    const [r] = await tx.insert(recordingSegments).values({
      id: randomUUID(), sessionId: s.id, index: seg.index, key, sha256: stored.sha256, bytes: stored.bytes, durationMs: Math.max(0, Math.round(seg.durationMs)),
      startedAt: seg.startedAt, endedAt: seg.endedAt, reason: seg.reason, recovered: !!seg.recovered, track,
    }).onConflictDoNothing().returning();
    if (!r) return null;
    const more = { openReason: seg.openReason ?? null, gaps: seg.gaps ?? [], track };
    await addSessionEvent(tx, s.id, 'recording.segment', 'system', null, {
      segmentId: r.id, index: r.index, durationMs: r.durationMs, sha256: r.sha256, bytes: r.bytes, reason: r.reason, recovered: r.recovered,
      startedAt: r.startedAt.toISOString(), endedAt: r.endedAt.toISOString(), ...more,
    });
    await recordAudit(tx, systemActor(seg.recovered ? 'recording-recovery' : 'recorder'), 'session.recording_sealed', { type: 'recording_segment', id: r.id }, {
      sessionId: s.id, orderId: s.orderId, index: r.index, key, sha256: r.sha256, bytes: r.bytes, durationMs: r.durationMs,
      startedAt: r.startedAt.toISOString(), endedAt: r.endedAt.toISOString(), reason: r.reason, recovered: r.recovered, ...more,
    });
    invalidateSession(uow, s);
    return r;
  });
  return row;
}

/**
 * The object key of a recording file: where it lies in the local store, else recordings/<file name> (the same key an
 * S3 store gets, so a node's buffer folder maps to the same keys), else recordings/<session>/[track-]NNNN.webm.
 */
export function segmentKey(store: ObjectStore, path: string, sessionId: string, track: 'camera' | 'inspector', index: number): string {
  const local = store.keyOf(path);
  if (local) return local;
  const byName = `recordings/${basename(path)}`;
  try {
    assertKey(byName);
    if (store.kind !== 'local') return byName;
  } catch { /* not a valid key: fall through */ }
  return `recordings/${sessionId}/${track === 'camera' ? '' : `${track}-`}${String(index).padStart(4, '0')}.webm`;
}

export async function sealedKeys(db: Db): Promise<Set<string>> {
  return new Set((await db.select({ key: recordingSegments.key }).from(recordingSegments)).map((r) => r.key));
}

/**
 * The stored object of a recording segment or snapshot, checked before a byte is served: its size and SHA-256 must
 * still be the ones recorded when it was stored (read streamed, never held in memory). Altered bytes are refused with
 * 409 `media_altered` (as the evidence export refuses them), and the refusal is audited.
 */
async function openObject(env: SessionsEnv, actor: Actor, rec: { key: string; sha256: string; bytes: number; sessionId: string }, what: 'Recording' | 'Snapshot', id: string) {
  const info = await env.store.stat(rec.key);
  if (!info) throw notFound(`${what} file`, id);
  const now = info.bytes === rec.bytes ? await storedSha256(env.store, rec.key) : null;
  if (now !== rec.sha256) {
    await transaction(env.db, async (tx) => {
      await recordAudit(tx, actor, 'media.altered_refused', { type: what === 'Recording' ? 'recording_segment' : 'session_snapshot', id }, {
        sessionId: rec.sessionId, key: rec.key, expectedSha256: rec.sha256, expectedBytes: rec.bytes, foundSha256: now, foundBytes: info.bytes,
      });
    });
    throw conflict('media_altered', `${what} ${id} was altered since it was stored (its SHA-256 or size differs from the recorded one): not served`, { id, expectedSha256: rec.sha256 });
  }
  return info;
}

/** A recording segment to play back (conductor and observers of the session's office). */
export async function openRecording(env: SessionsEnv, actor: Actor, sessionId: string, segmentId: string) {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'view', s, sessionId);
  const [r] = await env.db.select().from(recordingSegments).where(and(eq(recordingSegments.id, segmentId), eq(recordingSegments.sessionId, sessionId))).limit(1);
  if (!r) throw notFound('Recording', segmentId);
  const info = await openObject(env, actor, r, 'Recording', segmentId);
  const audioOnly = r.track !== 'camera';
  return {
    key: r.key, bytes: info.bytes, mime: audioOnly ? 'audio/webm' : 'video/webm', sha256: r.sha256,
    name: `${sessionId}${audioOnly ? `~${r.track}` : ''}-${String(r.index).padStart(4, '0')}.webm`,
  };
}

export async function openSnapshot(env: SessionsEnv, actor: Actor, sessionId: string, snapshotId: string) {
  const s = await loadSession(env.db, sessionId);
  authorizeSession(actor, 'view', s, sessionId);
  const [r] = await env.db.select().from(sessionSnapshots).where(and(eq(sessionSnapshots.id, snapshotId), eq(sessionSnapshots.sessionId, sessionId))).limit(1);
  if (!r) throw notFound('Snapshot', snapshotId);
  const info = await openObject(env, actor, r, 'Snapshot', snapshotId);
  return { key: r.key, bytes: info.bytes, mime: r.mime, sha256: r.sha256, name: `${snapshotId}.${r.mime === 'image/png' ? 'png' : 'jpg'}` };
}

// ------------------------------------------------------------------------------------------------ snapshots

const SNAPSHOT_MAX_BYTES = 20 * 1024 * 1024;

/** Width and height from a JPEG (SOFn marker) or PNG (IHDR) header; null when the bytes are neither. */
export function imageSize(b: Buffer): { mime: 'image/jpeg' | 'image/png'; width: number; height: number } | null {
  if (b.length > 24 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a && b.toString('ascii', 12, 16) === 'IHDR') {
    return { mime: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) { i++; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
    const len = b.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { mime: 'image/jpeg', height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    if (marker === 0xda || marker === 0xd9) return null;
    i += 2 + len;
  }
  return null;
}

const TYPE_OF_FORMAT: Record<string, 'image/jpeg' | 'image/png'> = { jpeg: 'image/jpeg', png: 'image/png' };

/**
 * The still decoded as the image type it claims (its Content-Type: image/jpeg or image/png; application/octet-stream
 * claims nothing): the header must name that type and the whole image must decode (a truncated or junk body with a
 * valid-looking header is refused), so what is stored as evidence is a picture. 415 `image_type_mismatch` when the
 * bytes are another type than claimed, 400 `invalid_image` when they are no decodable JPEG or PNG; both name `body`.
 */
export async function decodeSnapshot(body: Buffer, claimedType?: string): Promise<{ mime: 'image/jpeg' | 'image/png'; width: number; height: number }> {
  const claim = String(claimedType ?? '').split(';')[0].trim().toLowerCase();
  const claimed = claim === 'image/jpeg' || claim === 'image/png' ? claim : null;
  const header = imageSize(body);
  const field = (message: string) => [{ field: 'body', message }];
  if (claimed && header && header.mime !== claimed) {
    throw new AppError('image_type_mismatch', 415, `body is ${header.mime}, not the ${claimed} its Content-Type claims`, field(`is ${header.mime}, not ${claimed}`));
  }
  if (!header) {
    const what = claimed ?? 'a JPEG or PNG image';
    throw badRequest('invalid_image', `body is not ${claimed ? `a ${claimed} image` : what}`, field(`is not ${what}`));
  }
  try {
    // a full decode (shrunk while loading, so memory stays small): a header followed by junk or cut short fails here
    const meta = await sharp(body, { failOn: 'error', limitInputPixels: 20_000 * 20_000 }).metadata();
    if (TYPE_OF_FORMAT[meta.format ?? ''] !== header.mime || meta.width !== header.width || meta.height !== header.height) throw new Error('header disagrees');
    await sharp(body, { failOn: 'error', limitInputPixels: 20_000 * 20_000 }).resize(64, 64, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw badRequest('invalid_image', `body does not decode as ${header.mime === 'image/png' ? 'a PNG' : 'a JPEG'} image (corrupt or cut short)`, field(`does not decode as ${header.mime}`));
  }
  return header;
}

/**
 * A full-resolution still from the device. Idempotent by the device's clientId (retries until acknowledged get the
 * stored snapshot back); the SHA-256 is computed here and refused when it differs from the device's own. The real
 * size is read from the image header. Emits `snapshot.stored` (outbox) with the change: vision reads it.
 */
export async function storeSnapshot(env: SessionsEnv, dev: DeviceContext, q: SnapshotUploadQuery, body: Buffer, claimedType?: string): Promise<SnapshotUploadResult> {
  const receivedAt = new Date();
  const sid = dev.session.id;
  const [prev] = await env.db.select().from(sessionSnapshots).where(and(eq(sessionSnapshots.sessionId, sid), eq(sessionSnapshots.clientId, q.clientId))).limit(1);
  if (prev) return { id: prev.id, sha256: prev.sha256, bytes: prev.bytes, width: prev.width, height: prev.height, duplicate: true };
  if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('invalid_image', 'The body must be the image bytes (image/jpeg or image/png)');
  if (body.length > SNAPSHOT_MAX_BYTES) throw badRequest('too_large', `A snapshot may be at most ${SNAPSHOT_MAX_BYTES} bytes`);
  const size = await decodeSnapshot(body, claimedType);
  const id = randomUUID();
  const key = `snapshots/${sid}/${id}.${size.mime === 'image/png' ? 'png' : 'jpg'}`;
  let stored;
  try {
    stored = await env.store.put(key, body, { expectedSha256: q.sha256, maxBytes: SNAPSHOT_MAX_BYTES });
  } catch (e) {
    if (e instanceof ObjectStoreError && e.code === 'hash_mismatch') throw badRequest('hash_mismatch', 'The uploaded bytes do not match the SHA-256 the device computed; upload again');
    throw e;
  }
  let duplicate = false;
  let evRow: typeof sessionEvents.$inferSelect | undefined;
  const row = await inTransaction(env.db, dev.actor, async (uow) => {
    const tx = uow.tx;
    const [r] = await tx.insert(sessionSnapshots).values({
      id, sessionId: sid, clientId: q.clientId, key, sha256: stored.sha256, bytes: stored.bytes, width: size.width, height: size.height, mime: size.mime,
      method: q.method ?? null, takenAt: new Date(q.takenAt), receivedAt, uploadedBy: dev.token.operatorUserId, requestEventId: q.requestId ?? null,
    }).onConflictDoNothing().returning();
    if (!r) {
      duplicate = true;
      return (await tx.select().from(sessionSnapshots).where(and(eq(sessionSnapshots.sessionId, sid), eq(sessionSnapshots.clientId, q.clientId))).limit(1))[0];
    }
    const ev = await addSessionEvent(tx, sid, 'snapshot.stored', 'device', dev.token.operatorUserId, {
      snapshotId: id, sha256: r.sha256, bytes: r.bytes, width: r.width, height: r.height, method: r.method, requestId: r.requestEventId,
      ...(q.rung ? { rung: q.rung } : {}),
    });
    await recordAudit(tx, dev.actor, 'session.snapshot_stored', { type: 'session_snapshot', id }, {
      sessionId: sid, orderId: dev.session.orderId, sha256: r.sha256, bytes: r.bytes, width: r.width, height: r.height, key,
      claimedWidth: q.width, claimedHeight: q.height,
      // the device's clock is a claim; the server's receipt time is the time of record
      takenAtClaim: q.takenAt, receivedAt: receivedAt.toISOString(), ...takenAtClaim(new Date(q.takenAt), receivedAt),
    });
    invalidateSession(uow, dev.session);
    // label recognition reads it (vision module), also after a crash right after this commit
    uow.emit('snapshot.stored', { sessionId: sid, snapshotId: id, path: env.store.localPath(key) ?? key, key, orderId: dev.session.orderId });
    evRow = ev.row;
    return r;
  });
  if (duplicate) {
    await env.store.delete(key).catch(() => undefined);
    return { id: row.id, sha256: row.sha256, bytes: row.bytes, width: row.width, height: row.height, duplicate: true };
  }
  const ev = evRow;
  if (ev) env.live.deliver(sid, presentEvent(ev, await userNames(env.db, [ev.actorId])));
  return { id, sha256: row.sha256, bytes: row.bytes, width: row.width, height: row.height, duplicate: false };
}
