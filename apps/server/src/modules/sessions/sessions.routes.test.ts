// Live sessions through the API (no browser): opening a session for a booked order (401/403/404/400/201/409),
// single-use and expiring device links, who may view or observe (enterprise never; another office never),
// guidance and checklist results, snapshots (idempotent upload, hash, real size, range download, vision event),
// the session state machine, and sealing of recordings a killed process left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { and, asc, eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, deviceJoinTokens, inspectionOrders, liveSessions, mediaNodes, recordingSegments, sessionEvents, sessionSnapshots } from '../../db/schema.ts';
import { SessionRecorder } from '@rvi/media';
import { startRtpSource } from '../../../../../packages/media/src/testing/rtp-source.ts';
import { mediaNodeId } from './sessions.media.ts';
import { systemActor } from '../../platform/actor.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';
import { AppError } from '../../platform/errors.ts';
import type { DomainEvents } from '@rvi/contracts';
import { liveSessionsOf } from './sessions.routes.ts';
import { endAbandonedSessions, followMediaState, loadSession } from './sessions.service.ts';
import { canTransitionSession, sessionPath, transitionSession } from './sessions.state.ts';
import { hashSecret } from './sessions.tokens.ts';
import { bookedOrder, otherOffice, people, type Client, type People } from './sessions.test-helpers.ts';

let t: TestApp;
let p: People;
let jpeg: Buffer;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  p = await people(t);
  const dir = join(t.config.dataDir, 'fixtures');
  mkdirSync(dir, { recursive: true });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720', '-frames:v', '1', join(dir, 'still.jpg')]);
  jpeg = readFileSync(join(dir, 'still.jpg'));
});
after(async () => t?.close());

const auditFor = async (id: string) => (await t.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, id)).orderBy(asc(auditLog.seq))).map((r) => r.action);
const anon = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, ...(payload ? { payload } : {}) });
const tokenOf = (link: { url: string }) => new URL(link.url).hash.replace('#t=', '');

async function openFor(c: Client = p.inspector1) {
  const order = await bookedOrder(t, p);
  const r = await c.post('/api/sessions', { orderId: order.id });
  assert.equal(r.status, 201, r.text);
  return { order, session: r.body.session, link: r.body.link };
}

test('opening a session: 401, 403 for roles that do not conduct and for another inspector, 404 across offices, 400, 201, 409 for a second one', async () => {
  const order = await bookedOrder(t, p);
  assert.equal((await anon('POST', '/api/sessions', { orderId: order.id })).statusCode, 401);
  assert.equal((await p.sup.post('/api/sessions', { orderId: order.id })).status, 403, 'a supervisor observes but does not conduct');
  assert.equal((await p.alpha.post('/api/sessions', { orderId: order.id })).status, 403);
  assert.equal((await p.inspector2.post('/api/sessions', { orderId: order.id })).status, 403, 'only the assigned inspector');
  const other = await otherOffice(t);
  assert.equal((await other.inspector.post('/api/sessions', { orderId: order.id })).status, 404);
  const bad = await p.inspector1.post('/api/sessions', { orderId: order.id, linkTtlMinutes: 1 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /linkTtlMinutes/);
  assert.equal((await p.inspector1.post('/api/sessions', { orderId: 'no-such-order' })).status, 404);

  const ok = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(ok.status, 201, ok.text);
  const s = ok.body.session;
  assert.equal(s.state, 'requested');
  assert.equal(s.orderNo, order.orderNo);
  assert.equal(s.operatorUserId, p.operator.userId);
  assert.deepEqual(s.can, { conduct: true, observe: true, end: true, issueLink: true, invite: true });
  // checklist from the goods category's template (HS 8517 → machinery and electronics)
  assert.equal(s.goodsCategory, 'machinery_electronics');
  assert.deepEqual(s.steps.map((x: any) => x.templateKey), ['container-number', 'door-seal', 'open-carton-3', 'nameplate', 'weigh-carton']);
  assert.equal(s.steps[0].text['zh-CN'], '请展示集装箱号');
  assert.match(ok.body.link.url, /\/camera\.html#t=[A-Za-z0-9_-]{43}$/);
  assert.match(ok.body.link.qrSvg, /^<svg/);
  // the token is stored only as its hash
  const [tok] = await t.ctx.db.select().from(deviceJoinTokens).where(eq(deviceJoinTokens.sessionId, s.id));
  assert.equal(tok.tokenHash, hashSecret(tokenOf(ok.body.link)));
  assert.ok(!JSON.stringify(tok).includes(tokenOf(ok.body.link)));
  const [o] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.id));
  assert.equal(o.state, 'in_progress', 'the order starts with its session');
  assert.deepEqual(await auditFor(s.id), ['session.requested', 'session.device_link_issued']);

  const dup = await p.inspector1.post('/api/sessions', { orderId: order.id });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'session_open');
  assert.equal(dup.body.error.details.sessionId, s.id);
});

test('device links are single use and short-lived; a newer link replaces an unused one; keys die with the session', async () => {
  const { session, link } = await openFor();
  const token = tokenOf(link);
  assert.equal((await anon('POST', '/api/device/redeem', { token: 'x' })).statusCode, 400);
  const unknown = await anon('POST', '/api/device/redeem', { token: 'A'.repeat(43) });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'token_unknown');

  const r = await anon('POST', '/api/device/redeem', { token });
  assert.equal(r.statusCode, 200, r.body);
  const { deviceKey, sessionId } = r.json();
  assert.equal(sessionId, session.id);
  assert.equal((await loadSession(t.ctx.db, session.id))!.state, 'ringing');
  const again = await anon('POST', '/api/device/redeem', { token });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'token_used');
  assert.match(again.json().error.message, /already used/);
  const byHeader = await t.app.inject({ url: '/api/device/state', headers: { 'x-device-key': deviceKey } });
  assert.equal(byHeader.statusCode, 200, 'the key travels in a header, out of access logs');
  assert.equal(byHeader.json().state, 'ringing');
  const inUrl = await anon('GET', `/api/device/state?token=${deviceKey}`);
  assert.equal(inUrl.statusCode, 400, 'a key in the URL is refused');
  assert.match(inUrl.json().error.message, /querystring\.token/);
  assert.equal((await t.app.inject({ url: '/api/device/state' })).statusCode, 404);

  // expired: a link issued and left past its time
  const l2 = (await p.inspector1.post(`/api/sessions/${session.id}/device-link`, { ttlMinutes: 5 })).body;
  await t.ctx.db.update(deviceJoinTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(deviceJoinTokens.tokenHash, hashSecret(tokenOf(l2))));
  const exp = await anon('POST', '/api/device/redeem', { token: tokenOf(l2) });
  assert.equal(exp.statusCode, 410);
  assert.equal(exp.json().error.code, 'token_expired');

  // the booked operator sees the session in the portal (nobody else does) and may ask for a fresh link
  assert.ok((await p.operator.get('/api/sessions/for-operator')).body.items.some((x: any) => x.id === session.id));
  assert.deepEqual((await p.alpha.get('/api/sessions/for-operator')).body.items, []);
  assert.deepEqual((await p.inspector1.get('/api/sessions/for-operator')).body.items, []);
  // a fresh link makes the previous unused one stop working
  const l3 = await p.operator.post(`/api/sessions/${session.id}/device-link`, {});
  assert.equal(l3.status, 200, l3.text);
  const l4 = (await p.inspector1.post(`/api/sessions/${session.id}/device-link`, {})).body;
  const revoked = await anon('POST', '/api/device/redeem', { token: tokenOf(l3.body) });
  assert.equal(revoked.statusCode, 410);
  assert.equal(revoked.json().error.code, 'token_revoked');
  assert.equal((await p.alpha.post(`/api/sessions/${session.id}/device-link`, {})).status, 403, 'other enterprise staff do not issue device links');
  assert.equal((await p.inspector2.post(`/api/sessions/${session.id}/device-link`, {})).status, 403);

  const end = await p.inspector1.post(`/api/sessions/${session.id}/end`, { reason: 'test over' });
  assert.equal(end.status, 200, end.text);
  assert.equal(end.body.state, 'ended');
  const afterEnd = await t.app.inject({ url: '/api/device/state', headers: { 'x-device-key': deviceKey } });
  assert.equal(afterEnd.statusCode, 410);
  assert.equal(afterEnd.json().error.code, 'session_ended');
  assert.equal((await anon('POST', '/api/device/redeem', { token: tokenOf(l4) })).json().error.code, 'session_ended');
  assert.equal((await p.inspector1.post(`/api/sessions/${session.id}/end`, {})).status, 409);
  assert.deepEqual((await auditFor(session.id)).filter((a) => a !== 'session.device_link_issued'), ['session.requested', 'session.device_link_redeemed', 'session.ringing', 'session.ended']);
});

async function wsFor(c: Client | null, path: string, deviceKey?: string): Promise<{ ws: WebSocket; messages: any[]; next(pred: (m: any) => boolean, ms?: number): Promise<any> }> {
  await t.app.listen({ port: 0, host: '127.0.0.1' }).catch(() => undefined);
  const port = (t.app.server.address() as AddressInfo).port;
  const protocols = deviceKey ? ['rvi-device', `rvi-device-key.${deviceKey}`] : undefined;
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols, c ? { headers: { cookie: c.cookie } } : {});
  const messages: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    ws, messages,
    next: (pred, ms = 5000) => {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 500)}`)), ms);
        waiters.push({ pred, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
  };
}

test('who may view: the conductor and same-office observers get an offer; enterprises are refused (403), other offices see nothing (404)', async () => {
  const { session } = await openFor();
  const other = await otherOffice(t);
  assert.equal((await anon('GET', `/api/sessions/${session.id}`)).statusCode, 401);
  assert.equal((await p.alpha.get(`/api/sessions/${session.id}`)).status, 403);
  assert.equal((await p.operator.get(`/api/sessions/${session.id}`)).status, 403, 'the operator streams but never views the customs console');
  assert.equal((await p.beta.get(`/api/sessions/${session.id}`)).status, 404);
  assert.equal((await other.supervisor.get(`/api/sessions/${session.id}`)).status, 404);
  const obs = await p.sup.get(`/api/sessions/${session.id}`);
  assert.equal(obs.status, 200);
  assert.deepEqual(obs.body.can, { conduct: false, observe: true, end: false, issueLink: false, invite: true }, 'a supervisor of the office may send the camera link');
  assert.equal((await p.inspector2.get(`/api/sessions/${session.id}`)).body.can.observe, true);
  assert.equal((await p.sup.post(`/api/sessions/${session.id}/end`, {})).status, 403);
  assert.equal((await p.inspector2.post(`/api/sessions/${session.id}/guidance`, { kind: 'instruction', text: 'open it' })).status, 403);
  assert.ok(!(await p.alpha.get('/api/sessions')).status.toString().startsWith('2'));
  assert.deepEqual((await other.supervisor.get('/api/sessions')).body.items, []);
  assert.ok((await p.sup.get('/api/sessions?state=open')).body.items.some((x: any) => x.id === session.id));

  const join = { type: 'signal', sessionId: session.id, payload: { type: 'join', sessionId: session.id, role: 'viewer' } };
  const denied = (c: any) => c.next((m: any) => m.type === 'signal' && m.payload.type === 'denied');
  const ent = await wsFor(p.alpha, '/api/ws');
  ent.ws.send(JSON.stringify(join));
  assert.equal((await denied(ent)).payload.code, 'forbidden');
  const far = await wsFor(other.supervisor, '/api/ws');
  far.ws.send(JSON.stringify(join));
  assert.equal((await denied(far)).payload.code, 'not_found');
  const asPublisher = await wsFor(p.inspector1, '/api/ws');
  asPublisher.ws.send(JSON.stringify({ ...join, payload: { ...join.payload, role: 'publisher' } }));
  assert.equal((await denied(asPublisher)).payload.code, 'forbidden');

  const sup = await wsFor(p.sup, '/api/ws');
  sup.ws.send(JSON.stringify(join));
  const offer = await sup.next((m) => m.type === 'signal' && m.payload.type === 'offer');
  assert.match(offer.payload.sdp, /^v=0/);
  const joined = sup.messages.find((m) => m.payload?.type === 'joined');
  assert.equal(joined.payload.role, 'viewer');
  // guidance over the signalling channel: observers chat, only the conductor instructs
  sup.ws.send(JSON.stringify({ type: 'signal', sessionId: session.id, payload: { type: 'guide', body: { kind: 'chat', text: 'Watching', clientId: 'ws-chat-0001' } } }));
  const ack = await sup.next((m) => m.type === 'signal' && m.payload.type === 'guide-ack');
  assert.equal(ack.payload.clientId, 'ws-chat-0001');
  sup.ws.send(JSON.stringify({ type: 'signal', sessionId: session.id, payload: { type: 'guide', body: { kind: 'instruction', text: 'Open it' } } }));
  assert.equal((await denied(sup)).payload.code, 'forbidden');
  sup.ws.send(JSON.stringify({ type: 'signal', sessionId: session.id, payload: { type: 'guide', body: { kind: 'shout' } } }));
  assert.equal((await sup.next((m) => m.payload?.type === 'denied' && m.payload.code === 'validation')).payload.code, 'validation');
  // presence: the supervisor is listed as an observer
  const viewers = (await p.inspector1.get(`/api/sessions/${session.id}`)).body.viewers;
  assert.deepEqual(viewers.map((v: any) => [v.role, v.mode]), [['supervisor', 'observe']]);
  for (const c of [ent, far, asPublisher, sup]) c.ws.close();
  // who watched is audited (join and leave)
  const seen = async () => (await auditFor(session.id)).filter((a) => a.startsWith('session.viewer_'));
  for (let i = 0; i < 50 && (await seen()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(await seen(), ['session.viewer_joined', 'session.viewer_left']);
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('observer voice (issue 12.1): an observer speaks only while the conducting inspector allows it; withdrawing takes the floor at once; timeline, audit and the device say who speaks', async () => {
  const { session, link } = await openFor();
  const sig = (payload: object) => JSON.stringify({ type: 'signal', sessionId: session.id, payload });
  const join = sig({ type: 'join', sessionId: session.id, role: 'viewer' });
  const { deviceKey } = (await anon('POST', '/api/device/redeem', { token: tokenOf(link) })).json();
  const dev = await wsFor(null, '/api/device/ws', deviceKey);
  dev.ws.send(JSON.stringify({ type: 'join', sessionId: session.id, role: 'publisher' }));
  await dev.next((m) => m.type === 'joined');
  const insp = await wsFor(p.inspector1, '/api/ws');
  insp.ws.send(join);
  const inspJoined = await insp.next((m) => m.payload?.type === 'joined');
  const sup = await wsFor(p.sup, '/api/ws');
  sup.ws.send(join);
  const supJoined = await sup.next((m) => m.payload?.type === 'joined');
  // the code of the n-th refusal this socket received (waits for it)
  const deniedCode = async (c: any, n: number) => {
    const refusals = () => c.messages.filter((x: any) => x.payload?.type === 'denied');
    await c.next((m: any) => m.payload?.type === 'denied' && refusals().length >= n);
    return refusals()[n - 1].payload.code;
  };
  const detail = async () => (await p.inspector1.get(`/api/sessions/${session.id}`)).body.viewers as { userId: string; mode: string; mayTalk: boolean }[];
  for (let i = 0; i < 50 && (await detail()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const observer = (await detail()).find((v) => v.mode === 'observe')!;
  assert.equal(observer.userId, (await p.sup.get('/api/auth/me')).body.id);
  assert.deepEqual((await detail()).map((v) => [v.mode, v.mayTalk]).sort(), [['conduct', true], ['observe', false]]);

  // not allowed yet: the observer's microphone is refused, and an observer cannot allow anyone
  sup.ws.send(sig({ type: 'talk', on: true }));
  assert.equal(await deniedCode(sup, 1), 'forbidden');
  sup.ws.send(sig({ type: 'allow-talk', userId: observer.userId, allow: true }));
  assert.equal(await deniedCode(sup, 2), 'forbidden');
  // bad input from the inspector is named
  insp.ws.send(sig({ type: 'allow-talk', allow: true }));
  assert.equal(await deniedCode(insp, 1), 'validation');
  insp.ws.send(sig({ type: 'allow-talk', userId: 'nobody-here', allow: true }));
  assert.equal(await deniedCode(insp, 2), 'not_found');
  insp.ws.send(sig({ type: 'allow-talk', userId: observer.userId, allow: 'yes' }));
  assert.equal(await deniedCode(insp, 3), 'validation');

  // allowed: the observer is told, the console lists it, the observer takes the floor and the device hears an observer
  insp.ws.send(sig({ type: 'allow-talk', userId: observer.userId, allow: true }));
  assert.equal((await insp.next((m) => m.payload?.type === 'talk-permission-ack')).payload.allowed, true);
  assert.equal((await sup.next((m) => m.payload?.type === 'talk-permission')).payload.allowed, true);
  assert.equal((await detail()).find((v) => v.mode === 'observe')!.mayTalk, true);
  sup.ws.send(sig({ type: 'talk', on: true }));
  const floor = await sup.next((m) => m.payload?.type === 'talker' && m.payload.peerId === supJoined.payload.peerId);
  assert.ok(floor);
  assert.equal((await dev.next((m) => m.type === 'talker' && m.peerId)).speaker, 'observer', 'the camera page says an observer speaks (by role, not name)');
  assert.equal(sup.messages.filter((m) => m.payload?.type === 'denied').length, 2, 'talking while allowed is not refused');

  // withdrawn: the floor goes at once, and the next try is refused again
  insp.ws.send(sig({ type: 'allow-talk', userId: observer.userId, allow: false }));
  await sup.next((m) => m.payload?.type === 'talk-permission' && m.payload.allowed === false);
  await insp.next((m) => m.payload?.type === 'talker' && m.payload.peerId === null);
  sup.ws.send(sig({ type: 'talk', on: true }));
  assert.equal(await deniedCode(sup, 3), 'forbidden');
  // the inspector still speaks
  insp.ws.send(sig({ type: 'talk', on: true }));
  assert.ok(await insp.next((m) => m.payload?.type === 'talker' && m.payload.peerId === inspJoined.payload.peerId));
  assert.equal((await dev.next((m) => m.type === 'talker' && m.peerId === inspJoined.payload.peerId)).speaker, 'inspector');

  // evidence: who allowed whom (timeline + audit) and who held the floor when (timeline)
  const kinds = async () => (await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, session.id)).orderBy(asc(sessionEvents.seq)))
    .filter((e) => e.kind === 'talk.permission' || e.kind === 'talker').map((e) => [e.kind, e.source, (e.payload as any).allowed ?? (e.payload as any).mode ?? null]);
  for (let i = 0; i < 50 && (await kinds()).length < 5; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await kinds(), [
    ['talk.permission', 'inspector', true], ['talker', 'observer', 'observe'], ['talk.permission', 'inspector', false], ['talker', 'system', null], ['talker', 'inspector', 'conduct'],
  ]);
  const actions = (await auditFor(session.id)).filter((a) => a.startsWith('session.talk_'));
  assert.deepEqual(actions, ['session.talk_allowed', 'session.talk_withdrawn']);
  for (const c of [dev, insp, sup]) c.ws.close();
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('guidance reaches the device socket and the timeline; steps are ticked with a result; chat both ways', async () => {
  const { session, link } = await openFor();
  const { deviceKey } = (await anon('POST', '/api/device/redeem', { token: tokenOf(link) })).json();
  const refused = await wsFor(null, '/api/device/ws', 'B'.repeat(43));
  assert.equal((await refused.next((m) => m.type === 'refused')).code, 'token_unknown');
  const dev = await wsFor(null, '/api/device/ws', deviceKey);
  assert.equal(dev.ws.protocol, 'rvi-device', 'the server answers with the plain protocol, never echoing the key');
  const step = session.steps[0];
  const sent = await p.inspector1.post(`/api/sessions/${session.id}/guidance`, { kind: 'step', stepId: step.id, clientId: 'step-0001-abc' });
  assert.equal(sent.status, 200, sent.text);
  const got = await dev.next((m) => m.type === 'guide' && m.event.kind === 'step.sent');
  assert.equal(got.event.payload.text.en, 'Show the container number');
  // a retried message (same clientId) is stored once
  assert.equal((await p.inspector1.post(`/api/sessions/${session.id}/guidance`, { kind: 'step', stepId: step.id, clientId: 'step-0001-abc' })).body.id, sent.body.id);

  const bad = await p.inspector1.post(`/api/sessions/${session.id}/guidance`, { kind: 'drawing', shapes: [{ type: 'arrow', x1: 0.1, y1: 0.1, x2: 2, y2: 0.5 }] });
  assert.equal(bad.status, 400);
  const noFrame = await p.inspector1.post(`/api/sessions/${session.id}/guidance`, { kind: 'drawing', shapes: [{ type: 'circle', cx: 0.5, cy: 0.5, r: 0.1 }] });
  assert.equal(noFrame.status, 400);
  assert.match(noFrame.body.error.message, /frozen frame/);
  const frame = `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  const drawing = await p.inspector1.post(`/api/sessions/${session.id}/guidance`, {
    kind: 'drawing', frameJpeg: frame, frameWidth: 1280, frameHeight: 720,
    shapes: [{ type: 'arrow', x1: 0.1, y1: 0.1, x2: 0.4, y2: 0.5 }, { type: 'circle', cx: 0.5, cy: 0.5, r: 0.1 }, { type: 'text', x: 0.2, y: 0.8, text: 'this seal' }],
  });
  assert.equal(drawing.status, 200, drawing.text);
  const d = await dev.next((m) => m.type === 'guide' && m.event.kind === 'drawing');
  assert.equal(d.event.payload.shapes.length, 3);
  assert.equal(d.event.payload.frameJpeg, frame);

  // chat from the device, idempotent by its clientId
  dev.ws.send(JSON.stringify({ type: 'chat', clientId: 'chat-dev-0001', text: 'Door is open' }));
  dev.ws.send(JSON.stringify({ type: 'chat', clientId: 'chat-dev-0001', text: 'Door is open' }));
  await dev.next((m) => m.type === 'chat-ack');
  const res = await p.inspector1.post(`/api/sessions/${session.id}/steps/${step.id}/result`, { result: 'pass', note: 'MSCU 123456-7 matches' });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'done');
  assert.equal((await p.inspector1.post(`/api/sessions/${session.id}/steps/${step.id}/result`, { result: 'maybe' })).status, 400);
  assert.equal((await p.inspector2.post(`/api/sessions/${session.id}/steps/${step.id}/result`, { result: 'pass' })).status, 403);
  const added = await p.inspector1.post(`/api/sessions/${session.id}/steps`, { text: 'Show the pallet labels' });
  assert.equal(added.body.ordinal, 6);
  // an observer may chat
  assert.equal((await p.sup.post(`/api/sessions/${session.id}/guidance`, { kind: 'chat', text: 'Ask for carton 5 too' })).status, 200);

  const detail = (await p.inspector1.get(`/api/sessions/${session.id}`)).body;
  const kinds = detail.events.map((e: any) => e.kind);
  for (const k of ['state.requested', 'device_link.issued', 'device.link_opened', 'state.ringing', 'device.connected', 'step.sent', 'drawing', 'chat', 'step.done', 'step.added']) assert.ok(kinds.includes(k), `timeline has ${k}: ${kinds}`);
  assert.equal(kinds.filter((k: string) => k === 'chat').length, 2, 'device chat stored once, plus the observer\'s');
  assert.equal(detail.events.find((e: any) => e.kind === 'drawing').payload.frameJpeg, '(omitted)');
  assert.equal(detail.steps[0].result, 'pass');
  assert.ok((await auditFor(session.id)).includes('session.step_recorded'));
  assert.equal(detail.device.connected, true);
  dev.ws.close();
  refused.ws.close();
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('the device key never travels in a URL; a newly redeemed link revokes the previous device key and cuts its socket off', async () => {
  const { session, link } = await openFor();
  const first = (await anon('POST', '/api/device/redeem', { token: tokenOf(link) })).json().deviceKey as string;
  const oldDev = await wsFor(null, '/api/device/ws', first);
  oldDev.ws.send(JSON.stringify({ type: 'ping' }));
  await oldDev.next((m) => m.type === 'pong');
  // the URL form is refused before the key is even looked at
  const inUrl = await wsFor(null, `/api/device/ws?token=${first}`);
  assert.equal((await inUrl.next((m) => m.type === 'refused')).code, 'key_in_url');

  const l2 = (await p.operator.post(`/api/sessions/${session.id}/device-link`, {})).body;
  const second = (await anon('POST', '/api/device/redeem', { token: tokenOf(l2) })).json().deviceKey as string;
  assert.equal((await oldDev.next((m) => m.type === 'refused')).code, 'token_revoked', 'the old device is told and disconnected');
  await new Promise<void>((r) => (oldDev.ws.readyState === WebSocket.CLOSED ? r() : oldDev.ws.once('close', () => r())));
  const stale = await t.app.inject({ url: '/api/device/state', headers: { 'x-device-key': first } });
  assert.equal(stale.statusCode, 410);
  assert.equal(stale.json().error.code, 'token_revoked');
  const again = await wsFor(null, '/api/device/ws', first);
  assert.equal((await again.next((m) => m.type === 'refused')).code, 'token_revoked');
  assert.equal((await t.app.inject({ url: '/api/device/state', headers: { 'x-device-key': second } })).statusCode, 200);
  const [entry] = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'session.device_link_redeemed')).orderBy(asc(auditLog.seq)))
    .filter((e) => e.targetId === session.id).slice(-1);
  assert.equal((entry.summary as { revokedKeys: string[] }).revokedKeys.length, 1);
  for (const c of [inUrl, again]) c.ws.close();
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('snapshots: stored once per clientId with their SHA-256 and real size, downloadable (with ranges) by customs only, announced to vision', async () => {
  const { session, link } = await openFor();
  const { deviceKey } = (await anon('POST', '/api/device/redeem', { token: tokenOf(link) })).json();
  const sha = createHash('sha256').update(jpeg).digest('hex');
  const q = (o: Record<string, string> = {}) => new URLSearchParams({ clientId: 'snap-0001-xyz', width: '1280', height: '720', takenAt: new Date().toISOString(), method: 'canvas', sha256: sha, ...o }).toString();
  const up = (query: string, body: Buffer = jpeg, type = 'image/jpeg', key = deviceKey) =>
    t.app.inject({ method: 'POST', url: `/api/device/snapshots?${query}`, headers: { 'content-type': type, 'x-device-key': key }, payload: body });

  assert.equal((await up(q(), jpeg, 'image/jpeg', 'C'.repeat(43))).statusCode, 404);
  assert.equal((await up(q({ token: deviceKey }))).statusCode, 400, 'a key in the URL is refused');
  assert.equal((await up(q({ width: 'wide' }))).statusCode, 400);
  const notImage = await up(q({ sha256: createHash('sha256').update('hello').digest('hex') }), Buffer.from('hello'));
  assert.equal(notImage.json().error.code, 'invalid_image');
  const corrupted = await up(q({ sha256: 'a'.repeat(64) }));
  assert.equal(corrupted.statusCode, 400);
  assert.equal(corrupted.json().error.code, 'hash_mismatch');

  const first = await up(q());
  assert.equal(first.statusCode, 200, first.body);
  const s1 = first.json();
  assert.deepEqual([s1.sha256, s1.width, s1.height, s1.bytes, s1.duplicate], [sha, 1280, 720, jpeg.length, false]);
  const retry = await up(q());
  assert.equal(retry.json().id, s1.id);
  assert.equal(retry.json().duplicate, true);
  // announced once, as an outbox row written with the snapshot (the vision module's handler reads it)
  const seen = (await t.ctx.database.query<{ payload: DomainEvents['snapshot.stored'] }>(
    "select payload from outbox where event = 'snapshot.stored' and payload->>'sessionId' = $1", [session.id])).map((r) => r.payload);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].snapshotId, s1.id);
  assert.equal(seen[0].sessionId, session.id);
  assert.equal(createHash('sha256').update(readFileSync(seen[0].path)).digest('hex'), sha, 'the vision hook gets the stored file');

  const url = `/api/sessions/${session.id}/snapshots/${s1.id}`;
  assert.equal((await anon('GET', url)).statusCode, 401);
  assert.equal((await t.app.inject({ url, headers: { cookie: p.alpha.cookie } })).statusCode, 403);
  const dl = await t.app.inject({ url, headers: { cookie: p.sup.cookie } });
  assert.equal(dl.statusCode, 200);
  assert.equal(dl.headers['content-type'], 'image/jpeg');
  assert.equal(createHash('sha256').update(dl.rawPayload).digest('hex'), sha);
  assert.equal(dl.headers['x-content-sha256'], sha);
  const part = await t.app.inject({ url, headers: { cookie: p.sup.cookie, range: 'bytes=10-19' } });
  assert.equal(part.statusCode, 206);
  assert.equal(part.headers['content-range'], `bytes 10-19/${jpeg.length}`);
  assert.deepEqual(part.rawPayload, jpeg.subarray(10, 20));
  assert.equal((await t.app.inject({ url, headers: { cookie: p.sup.cookie, range: `bytes=${jpeg.length + 5}-` } })).statusCode, 416);

  const detail = (await p.inspector1.get(`/api/sessions/${session.id}`)).body;
  assert.deepEqual(detail.snapshots.map((x: any) => [x.id, x.sha256]), [[s1.id, sha]]);
  assert.ok(detail.events.some((e: any) => e.kind === 'snapshot.stored' && e.payload.snapshotId === s1.id));
  assert.deepEqual(await auditFor(s1.id), ['session.snapshot_stored']);
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('snapshot inputs (issue 13.14): decoded as the claimed type or refused naming the body, nothing stored; the device\'s takenAt kept as a claim beside the receipt time; altered bytes never served', async () => {
  const { session, link } = await openFor();
  const { deviceKey } = (await anon('POST', '/api/device/redeem', { token: tokenOf(link) })).json();
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  let n = 0;
  const up = (body: Buffer, type: string, o: Record<string, string> = {}) => t.app.inject({
    method: 'POST', url: `/api/device/snapshots?${new URLSearchParams({ clientId: `snap-in-${++n}-abcd`, width: '1280', height: '720', takenAt: new Date().toISOString(), sha256: sha(body), ...o })}`,
    headers: { 'content-type': type, 'x-device-key': deviceKey }, payload: body,
  });
  const files = () => { try { return readdirSync(join(t.ctx.store.localPath('snapshots')!, session.id)).length; } catch { return 0; } };
  const rows = async () => (await t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, session.id))).length;

  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } }).png().toBuffer();
  // a JPEG sent as PNG, and a PNG sent as JPEG: 415, the field named
  for (const [body, type, is] of [[jpeg, 'image/png', 'image/jpeg'], [png, 'image/jpeg', 'image/png']] as const) {
    const r = await up(body, type);
    assert.equal(r.statusCode, 415, r.body);
    assert.equal(r.json().error.code, 'image_type_mismatch');
    assert.deepEqual(r.json().error.details.map((d: { field: string }) => d.field), ['body']);
    assert.match(r.json().error.message, new RegExp(is.replace('/', '\\/')));
  }
  // a 50-byte "PNG": signature and IHDR header, then junk; a JPEG cut in half; plain text claimed as JPEG
  const junkPng = Buffer.concat([png.subarray(0, 33), Buffer.alloc(17, 0x41)]);
  assert.equal(junkPng.length, 50);
  for (const [body, type] of [[junkPng, 'image/png'], [jpeg.subarray(0, jpeg.length >> 1), 'image/jpeg'], [Buffer.from('not a picture at all'), 'image/jpeg'], [junkPng, 'application/octet-stream']] as const) {
    const r = await up(body, type);
    assert.equal(r.statusCode, 400, `${type} ${body.length}: ${r.body}`);
    assert.equal(r.json().error.code, 'invalid_image');
    assert.deepEqual(r.json().error.details.map((d: { field: string }) => d.field), ['body']);
  }
  assert.equal(await rows(), 0, 'nothing refused is recorded');
  assert.equal(files(), 0, 'nothing refused is stored');

  // a real PNG as PNG is stored; a device clock 3 days behind is kept as its claim beside the server's receipt time
  const claimed = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const before = Date.now();
  const ok = await up(png, 'image/png', { takenAt: claimed, width: '64', height: '48' });
  assert.equal(ok.statusCode, 200, ok.body);
  const good = await up(jpeg, 'image/jpeg');
  assert.equal(good.statusCode, 200, good.body);
  const [row] = await t.ctx.db.select().from(sessionSnapshots).where(eq(sessionSnapshots.id, ok.json().id));
  assert.equal(row.takenAt.toISOString(), claimed);
  assert.ok(row.receivedAt.getTime() >= before - 5 && row.receivedAt.getTime() <= Date.now(), 'receipt time is the server\'s');
  const view = (await p.inspector1.get(`/api/sessions/${session.id}`)).body.snapshots.find((x: { id: string }) => x.id === row.id);
  assert.equal(view.takenAt, claimed);
  assert.equal(view.receivedAt, row.receivedAt.toISOString());
  assert.equal(view.takenAtPlausible, false);
  assert.ok(view.clockSkewMs < -3 * 86_400_000 + 60_000);
  assert.equal((await p.inspector1.get(`/api/sessions/${session.id}`)).body.snapshots.find((x: { id: string }) => x.id === good.json().id).takenAtPlausible, true);
  const [entry] = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetId, row.id), eq(auditLog.action, 'session.snapshot_stored')));
  assert.equal((entry.summary as { takenAtClaim: string }).takenAtClaim, claimed);
  assert.equal((entry.summary as { takenAtPlausible: boolean }).takenAtPlausible, false);

  // the stored file altered on disk (same size): the download and the case media route refuse it, each refusal audited
  const path = t.ctx.store.localPath(row.key)!;
  const orig = readFileSync(path);
  const altered = Buffer.from(orig);
  altered[altered.length - 20] ^= 0x01;
  writeFileSync(path, altered);
  for (const [url, range] of [[`/api/sessions/${session.id}/snapshots/${row.id}`, undefined], [`/api/sessions/${session.id}/snapshots/${row.id}`, 'bytes=0-9'], [`/api/media/${row.id}`, undefined], [`/api/media/${row.id}`, 'bytes=0-9']] as const) {
    const r = await t.app.inject({ url, headers: { cookie: p.sup.cookie, ...(range ? { range } : {}) } });
    assert.equal(r.statusCode, 409, `${url} ${range}: ${r.body}`);
    assert.equal(r.json().error.code, 'media_altered');
    assert.ok(!r.rawPayload.includes(altered.subarray(0, 8)), 'no byte of the altered file is sent');
  }
  const refusals = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.targetId, row.id), eq(auditLog.action, 'media.altered_refused')));
  assert.equal(refusals.length, 4);
  assert.equal((refusals[0].summary as { expectedSha256: string }).expectedSha256, row.sha256);
  assert.equal((refusals[0].summary as { foundSha256: string }).foundSha256, sha(altered));
  // truncated (another size) is refused too; the original bytes back: served again
  writeFileSync(path, orig.subarray(0, 100));
  assert.equal((await t.app.inject({ url: `/api/sessions/${session.id}/snapshots/${row.id}`, headers: { cookie: p.sup.cookie } })).statusCode, 409);
  writeFileSync(path, orig);
  const back = await t.app.inject({ url: `/api/sessions/${session.id}/snapshots/${row.id}`, headers: { cookie: p.sup.cookie } });
  assert.equal(back.statusCode, 200);
  assert.equal(sha(back.rawPayload), row.sha256);
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('state machine: only legal moves; media events walk the legal path; an illegal move is refused with the allowed states', async () => {
  assert.deepEqual(sessionPath('requested', 'connected'), ['ringing', 'connected']);
  assert.deepEqual(sessionPath('reconnecting', 'connected'), ['connected']);
  assert.equal(sessionPath('ended', 'connected'), null);
  assert.equal(canTransitionSession('requested', 'reconnecting'), false);
  assert.equal(canTransitionSession('connected', 'requested'), false);

  const { session } = await openFor();
  const env = liveSessionsOf(t.ctx)!.env;
  await followMediaState(env, session.id, 'reconnecting');
  assert.equal((await loadSession(t.ctx.db, session.id))!.state, 'requested', 'nothing to interrupt before media flowed');
  await followMediaState(env, session.id, 'connected');
  const s = (await loadSession(t.ctx.db, session.id))!;
  assert.equal(s.state, 'connected');
  assert.ok(s.connectedAt);
  await followMediaState(env, session.id, 'reconnecting');
  await followMediaState(env, session.id, 'connected');
  const states = (await t.ctx.db.select({ kind: sessionEvents.kind }).from(sessionEvents).where(and(eq(sessionEvents.sessionId, session.id))).orderBy(asc(sessionEvents.seq)))
    .map((e) => e.kind).filter((k) => k.startsWith('state.'));
  assert.deepEqual(states, ['state.requested', 'state.ringing', 'state.connected', 'state.reconnecting', 'state.connected']);

  const cur = (await loadSession(t.ctx.db, session.id))!;
  await assert.rejects(
    inTransaction(t.ctx.db, systemActor('test'), (uow) => transitionSession(uow, cur, 'requested')),
    (e: unknown) => e instanceof AppError && e.code === 'invalid_transition' && JSON.stringify(e.details).includes('reconnecting'),
  );
  await assert.rejects(
    inTransaction(t.ctx.db, systemActor('test'), (uow) => transitionSession(uow, { ...cur, state: 'ringing' }, 'connected')),
    (e: unknown) => e instanceof AppError && e.code === 'stale_session',
  );
  const ended = await p.inspector1.post(`/api/sessions/${session.id}/end`, { reason: 'done' });
  assert.equal(ended.body.state, 'ended');
  await followMediaState(env, session.id, 'connected');
  assert.equal((await loadSession(t.ctx.db, session.id))!.state, 'ended', 'an ended session stays ended');
  assert.equal((await p.inspector1.post(`/api/sessions/${session.id}/guidance`, { kind: 'instruction', text: 'too late' })).status, 409);
});

test('start-up recovery: a segment left by a killed process is found, checked with ffprobe, hashed, stored and audited once', async () => {
  const { session } = await openFor();
  const { media } = liveSessionsOf(t.ctx)!;
  mkdirSync(media.recordingsDir, { recursive: true });
  const path = join(media.recordingsDir, `${session.id}-0000.webm`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15', '-t', '2', '-c:v', 'libvpx', '-b:v', '300k', path]);
  const r = await media.recover();
  assert.equal(r.sealed, 1);
  const [seg] = await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, session.id));
  assert.equal(seg.recovered, true);
  assert.equal(seg.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
  assert.ok(Math.abs(seg.durationMs - 2000) < 200, `duration ${seg.durationMs}`);
  assert.deepEqual(await auditFor(seg.id), ['session.recording_sealed']);
  assert.equal((await media.recover()).sealed, 0, 'a sealed segment is not sealed again');
  const rec = await t.app.inject({ url: `/api/sessions/${session.id}/recordings/${seg.id}`, headers: { cookie: p.inspector1.cookie, range: 'bytes=0-99' } });
  assert.equal(rec.statusCode, 206);
  assert.equal(rec.headers['content-type'], 'video/webm');
  assert.equal((await t.app.inject({ url: `/api/sessions/${session.id}/recordings/${seg.id}`, headers: { cookie: p.alpha.cookie } })).statusCode, 403);
  // a recording altered in the store (same size, one byte changed) is refused at playback, ranges included, and audited
  const stored = t.ctx.store.localPath(seg.key)!;
  const bytes = readFileSync(stored);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(stored, bytes);
  for (const range of [undefined, 'bytes=0-99']) {
    const bad = await t.app.inject({ url: `/api/sessions/${session.id}/recordings/${seg.id}`, headers: { cookie: p.inspector1.cookie, ...(range ? { range } : {}) } });
    assert.equal(bad.statusCode, 409, bad.body);
    assert.equal(bad.json().error.code, 'media_altered');
  }
  assert.equal((await t.app.inject({ url: `/api/media/${seg.id}`, headers: { cookie: p.inspector1.cookie } })).json().error.code, 'media_altered');
  assert.deepEqual(await auditFor(seg.id), ['session.recording_sealed', 'media.altered_refused', 'media.altered_refused', 'media.altered_refused']);
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
  const [row] = await t.ctx.db.select().from(liveSessions).where(eq(liveSessions.id, session.id));
  assert.equal(row.state, 'ended');
});

test('a recording cut by a crash is sealed with the times of its own media (not the time of recovery), reason crash; the session is marked interrupted and resumes', async () => {
  const { session } = await openFor();
  const { media, env } = liveSessionsOf(t.ctx)!;
  await followMediaState(env, session.id, 'connected');
  // a recorder of the real kind writes into the node's folder and is abandoned mid-segment (what SIGKILL leaves)
  const rec = new SessionRecorder({ dir: media.recordingsDir, sessionId: session.id, rotateMs: 0, gapMs: 600_000 });
  const src = await startRtpSource({ seconds: 4, gop: 15 });
  const firstPacketAt = await new Promise<number>((resolve) => {
    let first = 0;
    src.onVideo = (pk) => { first ||= Date.now(); rec.video(pk); if (first) resolve(first); };
  });
  src.onAudio = (pk) => rec.audio(pk);
  await src.done;
  const lastMediaAt = Date.now();
  await new Promise((r) => setTimeout(r, 2500)); // the "outage": recovery runs well after the media ended
  const recoverAt = Date.now();
  const r = await media.recover();
  assert.ok(r.sealed >= 1 && r.takenOver >= 1, JSON.stringify(r));
  const [seg] = await t.ctx.db.select().from(recordingSegments).where(eq(recordingSegments.sessionId, session.id));
  assert.equal(seg.reason, 'crash');
  assert.equal(seg.recovered, true);
  assert.ok(Math.abs(seg.startedAt.getTime() - firstPacketAt) < 1000, `start ${seg.startedAt.getTime() - firstPacketAt} ms from the first packet`);
  assert.ok(seg.endedAt.getTime() <= lastMediaAt + 500 && seg.endedAt.getTime() < recoverAt - 1500, `end ${recoverAt - seg.endedAt.getTime()} ms before recovery`);
  const sealedAudit = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, seg.id)))[0];
  assert.equal((sealedAudit.summary as { endedAt: string }).endedAt, seg.endedAt.toISOString(), 'the audit entry states the true end');
  const events = await t.ctx.db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, session.id)).orderBy(asc(sessionEvents.seq));
  const lost = events.find((e) => e.kind === 'media.node_lost');
  assert.ok(lost, events.map((e) => e.kind).join(', '));
  assert.equal(lost.payload.lostAt, seg.endedAt.toISOString(), 'lost at the end of the last recorded media');
  assert.equal((await loadSession(t.ctx.db, session.id))!.state, 'reconnecting');
  assert.ok((await auditFor(session.id)).includes('session.media_interrupted'));
  await p.inspector1.post(`/api/sessions/${session.id}/end`, {});
});

test('orphans of a lost media node (stale heartbeat, or an id that never registered) are taken over; a live node keeps its own', async () => {
  const { media, env } = liveSessionsOf(t.ctx)!;
  const a = (await openFor()).session;
  const b = (await openFor()).session;
  const c = (await openFor()).session;
  for (const s of [a, b, c]) await followMediaState(env, s.id, 'connected');
  const old = new Date(Date.now() - 120_000);
  await t.ctx.db.insert(mediaNodes).values([
    { id: 'node-gone', host: 'h1', pid: 1, startedAt: old, heartbeatAt: old },
    { id: 'node-alive', host: 'h2', pid: 2, startedAt: old, heartbeatAt: new Date() },
  ]);
  await t.ctx.db.update(liveSessions).set({ mediaNode: 'node-gone' }).where(eq(liveSessions.id, a.id));
  await t.ctx.db.update(liveSessions).set({ mediaNode: 'myhost/4242' }).where(eq(liveSessions.id, b.id)); // an old-style id
  await t.ctx.db.update(liveSessions).set({ mediaNode: 'node-alive' }).where(eq(liveSessions.id, c.id));
  const updatedA = (await loadSession(t.ctx.db, a.id))!.updatedAt;
  const n = await media.takeOver();
  assert.ok(n >= 2);
  for (const s of [a, b]) {
    const row = (await loadSession(t.ctx.db, s.id))!;
    assert.equal(row.mediaNode, env.nodeId);
    assert.equal(row.state, 'reconnecting');
  }
  const kept = (await loadSession(t.ctx.db, c.id))!;
  assert.equal(kept.mediaNode, 'node-alive');
  assert.equal(kept.state, 'connected');
  const lostA = (await t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, a.id), eq(sessionEvents.kind, 'media.node_lost'))))[0];
  assert.equal(lostA.payload.node, 'node-gone');
  // the node's last sign of life: its last heartbeat, or a later change it made to the session
  assert.equal(lostA.payload.lostAt, new Date(Math.max(old.getTime(), updatedA.getTime())).toISOString(), 'lost at its last sign of life');
  assert.equal(await media.takeOver(), 0, 'nothing twice');
  for (const s of [a, b, c]) await p.inspector1.post(`/api/sessions/${s.id}/end`, {});
});

test('the media node id is stable: kept in the data directory, or RVI_MEDIA_NODE_ID', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-node-id-'));
  try {
    const id = mediaNodeId(dir);
    assert.doesNotMatch(id, /\/\d+$/, 'not hostname/pid');
    assert.equal(mediaNodeId(dir), id, 'the same after a restart');
    process.env.RVI_MEDIA_NODE_ID = 'edge-7';
    assert.equal(mediaNodeId(dir), 'edge-7');
  } finally {
    delete process.env.RVI_MEDIA_NODE_ID;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('abandoned sessions are ended by the sweep: never connected within 2 h, or reconnecting for 30 min', async () => {
  const env = liveSessionsOf(t.ctx)!.env;
  const a = (await openFor()).session;
  const b = (await openFor()).session;
  const c = (await openFor()).session;
  await followMediaState(env, b.id, 'connected');
  await followMediaState(env, b.id, 'reconnecting');
  await followMediaState(env, c.id, 'connected');
  const now = Date.now();
  const ended = await endAbandonedSessions(env, new Date(now + 31 * 60_000));
  assert.ok(ended.includes(b.id) && !ended.includes(a.id) && !ended.includes(c.id), 'only the one reconnecting for 30 min');
  assert.ok((await endAbandonedSessions(env, new Date(now + 121 * 60_000))).includes(a.id));
  const rows = await Promise.all([a, b, c].map((x) => loadSession(t.ctx.db, x.id)));
  assert.deepEqual(rows.map((r) => r!.state), ['ended', 'ended', 'connected']);
  assert.equal(rows[1]!.endReason, 'the device did not come back');
  assert.equal(rows[0]!.endReason, 'the device never connected');
  await p.inspector1.post(`/api/sessions/${c.id}/end`, {});
});
