// HTTP and WebSocket routes of live sessions. Customs routes (/api/sessions) use the session cookie like every API
// route; device routes (/api/device/*) are public in app.ts and check the device's token/key here instead.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  AddStepBody, ChecklistTemplateList, CreateSessionBody, CreateSessionResult, DeviceKeyQuery, DeviceLink, DeviceState, EndSessionBody, ErrorBody,
  GuidanceBody, Id, IdParams, InviteResult, IssueLinkBody, SendLinkBody, OperatorSessionList, RedeemBody, RedeemResult, SessionDetail, SessionEvent, SessionList, SessionListQuery, SessionStep,
  SnapshotUploadQuery, SnapshotUploadResult, StepResultBody,
} from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import { DEVICE_KEY_PROTOCOL_PREFIX } from '@rvi/contracts';
import type { ObjectStore } from '../../adapters/object-store.ts';
import { actorOf } from '../../platform/http.ts';
import { AppError } from '../../platform/errors.ts';
import { listTemplates } from './sessions.checklists.ts';
import { LiveMedia, mediaNodeId } from './sessions.media.ts';
import { sendDeviceLink, sendOpenedLink } from './sessions.invite.ts';
import {
  addStep, deviceState, endAbandonedSessions, endSession, getSession, getSessionEvent, issueDeviceLink, listOperatorSessions, listSessions, openRecording, openSession, openSnapshot,
  placeSession, recordGuidance, recordStepResult, redeemJoinToken, resolveDeviceKey, storeSnapshot, type SessionsEnv,
} from './sessions.service.ts';
import { RelayedLive, serveRelay } from './sessions.relay.ts';
import { LiveReadings } from './sessions.live-reading.ts';
import { VisionRunner } from '../vision/vision.service.ts';

const tags = ['sessions'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const deviceErrors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody };
const Binary = Type.String({ description: 'file bytes', format: 'binary' });

const live = new WeakMap<AppContext, { media: LiveMedia | null; env: SessionsEnv; relay: RelayedLive }>();

/** The live side of this app (tests use it to reach the media node). */
export function liveSessionsOf(ctx: AppContext): { media: LiveMedia; env: SessionsEnv } | undefined {
  const l = live.get(ctx);
  return l?.media ? { media: l.media, env: l.env } : undefined;
}

/**
 * The origin device links are built on: RVI_PUBLIC_URL, else the address this server listens on (development and
 * tests), never the request's Host header (a forged Host would otherwise put someone else's address in the link an
 * operator receives by e-mail or SMS).
 */
export function linkOrigin(app: FastifyInstance, ctx: AppContext): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl;
  const a = app.server.address();
  if (a && typeof a === 'object') {
    const host = a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }
  return `http://localhost:${ctx.config.port}`;
}

/** The device key of an HTTP call: the X-Device-Key header only (a key never travels in a URL, so never in access logs). */
function deviceKeyOf(req: FastifyRequest): string {
  const h = req.headers['x-device-key'];
  return String((Array.isArray(h) ? h[0] : h) ?? '');
}

/**
 * The device key of a WebSocket upgrade: browsers cannot set headers on a WebSocket, so the camera page offers two
 * subprotocols, `rvi-device` and `rvi-device-key.<key>`; the server answers with `rvi-device` only (ws-options in
 * app.ts), so the key is never echoed.
 */
export function deviceKeyOfUpgrade(req: FastifyRequest): string {
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((x) => x.trim());
  const k = offered.find((x) => x.startsWith(DEVICE_KEY_PROTOCOL_PREFIX));
  return k ? k.slice(DEVICE_KEY_PROTOCOL_PREFIX.length) : '';
}

function clientOf(req: FastifyRequest): string {
  return `${req.ip} ${String(req.headers['user-agent'] ?? '').slice(0, 200)}`;
}

/** Serves an object with HTTP range support (the browser's player seeks in recordings). */
async function sendObject(req: FastifyRequest, reply: FastifyReply, store: ObjectStore, o: { key: string; bytes: number; mime: string; sha256: string; name: string }) {
  reply.header('accept-ranges', 'bytes').header('content-type', o.mime).header('x-content-sha256', o.sha256)
    .header('content-disposition', `inline; filename="${o.name}"`).header('cache-control', 'private, no-store').header('x-content-type-options', 'nosniff');
  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    let start = m && m[1] !== '' ? Number(m[1]) : NaN;
    let end = m && m[2] !== '' ? Number(m[2]) : NaN;
    if (m && m[1] === '' && m[2] !== '') {
      start = Math.max(0, o.bytes - Number(m[2]));
      end = o.bytes - 1;
    }
    if (Number.isNaN(end)) end = o.bytes - 1;
    if (!m || Number.isNaN(start) || start > end || start >= o.bytes) {
      return reply.status(416).header('content-type', 'application/json; charset=utf-8').header('content-range', `bytes */${o.bytes}`).send({ error: { code: 'range_not_satisfiable', message: `Range ${range} is outside 0-${o.bytes - 1}` } });
    }
    end = Math.min(end, o.bytes - 1);
    reply.status(206).header('content-range', `bytes ${start}-${end}/${o.bytes}`).header('content-length', String(end - start + 1));
    return reply.send(await store.get(o.key, { start, end }));
  }
  reply.header('content-length', String(o.bytes));
  return reply.send(await store.get(o.key));
}

/**
 * The live side of this process: its media node when it has the media role (recovery at start, heartbeat, take-over
 * sweep, shutdown), and the relay that reaches sessions hosted by other media nodes (sessions.relay.ts). Installed by
 * the routes on an API node, and by `rvi serve --roles media` on a media-only node (whose `app` serves only health).
 */
export function installLive(app: FastifyInstance, ctx: AppContext): { media: LiveMedia | null; env: SessionsEnv; relay: RelayedLive } {
  const existing = live.get(ctx);
  if (existing) return existing;
  const hostsMedia = ctx.config.roles.includes('media');
  const nodeId = mediaNodeId(ctx.config.dataDir);
  const media = hostsMedia
    ? new LiveMedia({
      dataDir: ctx.config.dataDir, iceServers: ctx.config.iceServers, turn: ctx.config.turn, log: app.log,
      region: ctx.config.media.region, publicAddress: ctx.config.media.publicAddress, capacity: ctx.config.media.capacity,
    })
    : null;
  const relay = new RelayedLive(ctx.db, media, hostsMedia ? nodeId : null, ctx.bus, app.log);
  const env: SessionsEnv = {
    db: ctx.db, store: ctx.store, live: relay, nodeId,
    // one process on PGlite hosts every session itself; a cluster places each on a live media node
    placeSession: ctx.bus ? (db, officeId) => placeSession(db, officeId, hostsMedia ? nodeId : null) : undefined,
    invite: { mail: ctx.mail, sms: ctx.sms, resendSeconds: ctx.config.linkResendSeconds, perHour: ctx.config.linkSendsPerHour },
  };
  const out = { media, env, relay };
  live.set(ctx, out);
  if (!media) return out;
  media.env = env;
  if (ctx.config.liveReading.enabled) installLiveReading(app, ctx, media, env);
  if (ctx.bus) serveRelay(ctx.bus, media, ctx.db, app.log);
  app.addHook('onReady', async () => {
    const r = await media.recover();
    if (r.sealed || r.skipped) app.log.info(r, 'recordings left by a previous process');
  });
  // sessions of media nodes that are gone (any node) are taken over: every second in a cluster, where a lost node's
  // devices wait for it; then those abandoned are ended (every minute)
  let last = 0;
  const sweep = setInterval(() => {
    const all = Date.now() - last >= 60_000;
    if (!ctx.bus && !all) return;
    if (all) last = Date.now();
    media.takeOver().then(() => (all ? endAbandonedSessions(env) : undefined)).catch((err) => app.log.error({ err }, 'abandoned-session sweep failed'));
  }, 1000);
  sweep.unref();
  app.addHook('preClose', async () => { await media.drain(); });
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await media.shutdown();
  });
  return out;
}

/**
 * Live reading on this media node (issue 17.3): the OCR engine of this process (the vision jobs' when this process runs
 * them, else its own), loaded at start so the first reading of a session is as fast as the later ones.
 */
function installLiveReading(app: FastifyInstance, ctx: AppContext, media: LiveMedia, env: SessionsEnv): void {
  let own: VisionRunner | null = null;
  const engine = () => (ctx.vision?.runner ?? (own ??= new VisionRunner())).get();
  media.liveReading = new LiveReadings(env, {
    nodeCpu: ctx.config.liveReading.cpu, engine, log: app.log,
    requestKeyframe: (sessionId) => media.node.requestKeyframe(sessionId, 'live-reading'),
  });
  app.addHook('onReady', async () => {
    void engine().catch((err) => app.log.error({ err }, 'live reading: the OCR models failed to load'));
  });
  app.addHook('onClose', async () => {
    await media.liveReading?.close();
    await own?.close();
  });
}

export function sessionsRoutes(app: FastifyInstance, ctx: AppContext) {
  const store = ctx.store;
  const { env, relay: media } = installLive(app, ctx);
  const baseUrl = () => linkOrigin(app, ctx);

  ctx.wsHandlers.set('signal', (actor, msg, socket) => {
    const m = msg as { sessionId?: unknown; payload?: unknown };
    void media.onSignal(actor, m.sessionId, m.payload, socket);
  });

  // ---------------------------------------------------------------------------------------------- customs

  app.get('/api/sessions', {
    // the service refuses enterprise roles (403) and lists only sessions of the caller's office they may observe or conduct (none for administrator/auditor)
    config: { access: { action: 'office.read' } },
    schema: { tags, summary: 'Live sessions of your office you may watch (newest first)', querystring: SessionListQuery, response: { 200: SessionList, ...errors } },
  }, async (req) => listSessions(env, actorOf(req), req.query as SessionListQuery));

  app.get('/api/sessions/for-operator', {
    // any user: the service lists only open sessions booked with this user in their own enterprise (customs users get none)
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'On-site operator: my open live sessions (to get a camera link for the phone or glasses)', response: { 200: OperatorSessionList, ...errors } },
  }, async (req) => listOperatorSessions(env, actorOf(req)));

  app.post('/api/sessions', {
    // the service then requires the order visible (404) and assigned to this inspector (403)
    config: { access: { action: 'session.conduct' } },
    schema: {
      tags, summary: 'Assigned inspector: open the live session of a booked remote order; issues the device link for the booked operator',
      body: CreateSessionBody, response: { 201: CreateSessionResult, ...errors },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const body = req.body as CreateSessionBody;
    const { session, link, tokenId } = await openSession(env, actor, body, baseUrl());
    // one-tap joining: the link goes to the operator by e-mail / SMS where possible (failures are in `invite`)
    const invite = body.sendLink === false ? null : await sendOpenedLink(env, actor, session.id, { ...link, tokenId }).catch((err) => {
      req.log.error({ err }, 'sending the camera link failed');
      return null;
    });
    return reply.status(201).send({ session, link, invite });
  });

  app.get('/api/sessions/:id', {
    // authorizeSession 'view': an observer of the office or the conducting inspector (who also has session.observe)
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: { tags, summary: 'A session with its checklist, timeline, recordings, snapshots and who is watching', params: IdParams, response: { 200: SessionDetail, ...errors } },
  }, async (req) => getSession(env, actorOf(req), (req.params as IdParams).id));

  app.get('/api/sessions/:id/events/:eventId', {
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: { tags, summary: 'One timeline event in full (e.g. a drawing with its frame)', params: Type.Object({ id: Id, eventId: Id }), response: { 200: SessionEvent, ...errors } },
  }, async (req) => {
    const p = req.params as { id: string; eventId: string };
    return getSessionEvent(env, actorOf(req), p.id, p.eventId);
  });

  app.post('/api/sessions/:id/device-link', {
    // authorizeSession 'issueLink': the conducting inspector (session.conduct) or the booked on-site operator (no session action), 404 for another organisation / office
    config: { access: { authenticated: true } },
    schema: { tags, summary: 'A fresh single-use device link (the conducting inspector or the booked operator); older unused links stop working', params: IdParams, body: IssueLinkBody, response: { 200: DeviceLink, ...errors } },
  }, async (req) => issueDeviceLink(env, actorOf(req), (req.params as IdParams).id, (req.body as IssueLinkBody).ttlMinutes, baseUrl()));

  app.post('/api/sessions/:id/send-link', {
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: {
      tags, summary: 'Send a fresh single-use camera link to the booked on-site operator by e-mail and/or SMS (the conducting inspector or a supervisor of the office); older unused links stop working once it was delivered',
      params: IdParams, body: SendLinkBody, response: { 200: InviteResult, ...errors, 429: ErrorBody },
    },
  }, async (req) => sendDeviceLink(env, actorOf(req), (req.params as IdParams).id, (req.body as SendLinkBody | undefined) ?? {}, baseUrl()));

  app.post('/api/sessions/:id/guidance', {
    // authorizeSession: chat needs 'view' (observer or conductor), every other kind 'conduct' (the conducting inspector)
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: { tags, summary: 'Guide the device: checklist step, instruction, snapshot request, drawing on a frozen frame, chat', params: IdParams, body: GuidanceBody, response: { 200: SessionEvent, ...errors } },
  }, async (req) => recordGuidance(env, actorOf(req), (req.params as IdParams).id, req.body as GuidanceBody));

  app.post('/api/sessions/:id/steps', {
    // authorizeSession 'conduct': only the inspector the session belongs to
    config: { access: { action: 'session.conduct', scope: 'record' } },
    schema: { tags, summary: 'Add a checklist step of your own', params: IdParams, body: AddStepBody, response: { 200: SessionStep, ...errors } },
  }, async (req) => addStep(env, actorOf(req), (req.params as IdParams).id, (req.body as AddStepBody).text));

  app.post('/api/sessions/:id/steps/:stepId/result', {
    config: { access: { action: 'session.conduct', scope: 'record' } },
    schema: { tags, summary: 'Tick a checklist step with its result', params: Type.Object({ id: Id, stepId: Id }), body: StepResultBody, response: { 200: SessionStep, ...errors } },
  }, async (req) => {
    const p = req.params as { id: string; stepId: string };
    return recordStepResult(env, actorOf(req), p.id, p.stepId, req.body as StepResultBody);
  });

  app.post('/api/sessions/:id/end', {
    // authorizeSession 'end': only the conducting inspector, while the session is open (409 session_ended)
    config: { access: { action: 'session.conduct', scope: 'record' } },
    schema: { tags, summary: 'End the session: media stops, recording segments are sealed and listed', params: IdParams, body: EndSessionBody, response: { 200: SessionDetail, ...errors } },
  }, async (req) => endSession(env, actorOf(req), (req.params as IdParams).id, (req.body as EndSessionBody | undefined)?.reason));

  app.get('/api/sessions/:id/snapshots/:snapshotId', {
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: { tags, summary: 'Download a snapshot (full resolution; X-Content-SHA256 header; 409 media_altered when its bytes no longer match it)', params: Type.Object({ id: Id, snapshotId: Id }), response: { 200: Binary, 206: Binary, 416: ErrorBody, ...errors } },
  }, async (req, reply) => {
    const p = req.params as { id: string; snapshotId: string };
    return sendObject(req, reply, store, await openSnapshot(env, actorOf(req), p.id, p.snapshotId));
  });

  app.get('/api/sessions/:id/recordings/:segmentId', {
    config: { access: { action: 'session.observe', scope: 'record' } },
    schema: { tags, summary: 'Play or download a recording segment (WebM; Range requests for seeking; 409 media_altered when its bytes no longer match it)', params: Type.Object({ id: Id, segmentId: Id }), response: { 200: Binary, 206: Binary, 416: ErrorBody, ...errors } },
  }, async (req, reply) => {
    const p = req.params as { id: string; segmentId: string };
    return sendObject(req, reply, store, await openRecording(env, actorOf(req), p.id, p.segmentId));
  });

  app.get('/api/checklist-templates', {
    // customs reference data (read by the administrator's settings page): what customs checks is not for enterprises
    config: { access: { action: 'office.read' } },
    schema: { tags, summary: 'Checklist templates per goods category (customs staff)', response: { 200: ChecklistTemplateList, ...errors } },
  }, async (req) => {
    actorOf(req);
    return { items: await listTemplates(ctx.db) };
  });

  // ---------------------------------------------------------------------------------------------- device (public, token-checked)

  app.post('/api/device/redeem', {
    config: { access: { device: true } },
    schema: {
      tags: ['device'], summary: 'The camera page opens its link: single-use, short-lived token → device key', security: [],
      body: RedeemBody, response: { 200: RedeemResult, ...deviceErrors },
    },
  }, async (req) => {
    const r = await redeemJoinToken(env, (req.body as RedeemBody).token, clientOf(req));
    // the device that held the previous key of this session (if any) is disconnected: its key no longer works
    media.dropDevices(r.sessionId, r.tokenId, 'replaced by a newer link');
    const { tokenId: _t, ...out } = r;
    return out;
  });

  app.get('/api/device/state', {
    config: { access: { device: true } },
    schema: { tags: ['device'], summary: 'The device\'s session state and guidance so far (after a reload)', security: [], querystring: DeviceKeyQuery, response: { 200: DeviceState, ...deviceErrors } },
  }, async (req) => deviceState(env, await resolveDeviceKey(ctx.db, deviceKeyOf(req), req.id)));

  app.register(async (sub) => {
    sub.addContentTypeParser(['image/jpeg', 'image/png', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    sub.post('/api/device/snapshots', {
      config: { access: { device: true }, bodyTypes: ['image/jpeg', 'image/png', 'application/octet-stream'] },
      schema: {
        tags: ['device'], summary: 'Upload a full-resolution still (body: the JPEG/PNG bytes, decoded as the type its Content-Type claims: 415 image_type_mismatch, 400 invalid_image); idempotent by clientId', security: [],
        querystring: SnapshotUploadQuery, response: { 200: SnapshotUploadResult, 415: ErrorBody, ...deviceErrors },
      },
    }, async (req) => {
      const q = req.query as SnapshotUploadQuery;
      return storeSnapshot(env, await resolveDeviceKey(ctx.db, deviceKeyOf(req), req.id), q, req.body as Buffer, req.headers['content-type']);
    });
  });

  app.get('/api/device/ws', { websocket: true, config: { access: { device: true } }, schema: { hide: true } }, (socket, req) => {
    // messages that arrive while the key is checked are kept and handled in order afterwards
    const early: string[] = [];
    const keep = (raw: unknown) => early.push(String(raw));
    socket.on('message', keep);
    if ((req.query as Record<string, unknown>)?.token !== undefined) {
      socket.send(JSON.stringify({ type: 'refused', code: 'key_in_url', message: 'The device key must not travel in the URL: offer it as the WebSocket subprotocol rvi-device-key.<key>' }));
      socket.close(4400, 'key_in_url');
      return;
    }
    resolveDeviceKey(ctx.db, deviceKeyOfUpgrade(req), req.id).then((dev) => {
      socket.off('message', keep);
      media.attachDevice(socket, dev, early);
    }, (e) => {
      // an unexpected error (e.g. a failed query) is logged; the device gets a generic message, never its text
      const known = e instanceof AppError && e.status < 500;
      if (!known) req.log.error({ err: e, reqId: req.id }, 'device WebSocket: key check failed');
      const code = known ? e.code : 'internal';
      socket.send(JSON.stringify({ type: 'refused', code, message: known ? e.message : `Internal error (request ${req.id})` }));
      socket.close(4403, code);
    });
  });
}
