// One-tap joining (issue 12) with real parts: a real SMTP server (smtp-server, mails parsed with mailparser) and a
// real HTTP server standing in for the SMS gateway, both started here. The link in the received e-mail is at the
// configured public URL (whatever Host the inspector's request carried), it opens the camera page, is redeemed once
// and refused the second time; a resend revokes the older link once delivered (and is withdrawn when nothing was
// delivered); failures are reported per channel (200, never a 500), audited with masked addresses; resends are
// rate-limited; only the conductor or a supervisor of the office may send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, asc, eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../../../test/mail-server.ts';
import { auditLog, sessionEvents, users } from '../../db/schema.ts';
import { maskEmail, maskPhone } from './sessions.contact.ts';
import { bookedOrder, otherOffice, people, type People } from './sessions.test-helpers.ts';

const PUBLIC = 'https://rvi.customs.example';
const EMAIL = 'sun.hao@alpha-trading.example';
const PHONE = '+8613800000001';
const RESEND_S = 1;

let t: TestApp;
let p: People;
let smtp: TestSmtp;
let gateway: Server;
let gatewayUrl: string;
const texts: { headers: IncomingMessage['headers']; body: { to: string; text: string; from?: string; reference?: string } }[] = [];
let gatewayAnswer = { status: 200, body: '{"id":"gw-1"}' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokenOf = (url: string) => new URL(url).hash.replace('#t=', '');

before(async () => {
  smtp = await startTestSmtp();
  gateway = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      texts.push({ headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(gatewayAnswer.status, { 'content-type': 'application/json' }).end(gatewayAnswer.body);
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
  t = await startTestApp({
    publicUrl: PUBLIC, smtpUrl: smtp.url, mailFrom: 'customs-rvi <rvi@customs.example>', smsWebhookUrl: gatewayUrl, smsWebhookToken: 'gw-token', smsFrom: 'RVI',
    linkResendSeconds: RESEND_S, linkSendsPerHour: 4,
  }, { jobs: false });
  // the transports are built from the config when the context is created
  assert.ok(t.ctx.mail && t.ctx.sms, 'mail and SMS adapters configured');
  p = await people(t);
  await t.ctx.db.update(users).set({ email: EMAIL, phone: PHONE }).where(eq(users.id, p.operator.userId));
});
after(async () => {
  await t?.close();
  await smtp?.close();
  await new Promise<void>((r) => { gateway?.closeAllConnections(); gateway?.close(() => r()); });
});

const redeem = (token: string) => t.app.inject({ method: 'POST', url: '/api/device/redeem', payload: { token } });
/** the n-th e-mail about this order */
const mailFor = (orderNo: string, n = 1) => smtp.waitFor((m) => smtp.received.filter((x) => x.to === EMAIL && x.subject.includes(orderNo))[n - 1] === m);
const auditOf = async (sessionId: string) => t.ctx.db.select().from(auditLog).where(eq(auditLog.targetId, sessionId)).orderBy(asc(auditLog.seq));
const eventsOf = async (sessionId: string, kind: string) => t.ctx.db.select().from(sessionEvents).where(and(eq(sessionEvents.sessionId, sessionId), eq(sessionEvents.kind, kind))).orderBy(asc(sessionEvents.seq));

/** Opens the session of a new booked order as inspector1, with a forged Host header (links must not use it). */
async function open() {
  const order = await bookedOrder(t, p);
  const r = await t.app.inject({ method: 'POST', url: '/api/sessions', headers: { cookie: p.inspector1.cookie, host: 'evil.example' }, payload: { orderId: order.id } });
  assert.equal(r.statusCode, 201, r.body);
  return { order, body: r.json() };
}

const sendLink = (cookie: string, id: string, payload: object = {}) =>
  t.app.inject({ method: 'POST', url: `/api/sessions/${id}/send-link`, headers: { cookie, host: 'evil.example' }, payload });

test('opening a session e-mails and texts the link: it is at the public URL, opens the camera page, works once', async () => {
  const n = texts.length;
  const { order, body } = await open();
  assert.equal(body.invite.delivered, true, JSON.stringify(body.invite));
  assert.deepEqual(body.invite.deliveries.map((d: any) => [d.channel, d.ok, d.code, d.to]), [
    ['email', true, 'sent', maskEmail(EMAIL)], ['sms', true, 'sent', maskPhone(PHONE)],
  ]);
  assert.equal(maskEmail(EMAIL), 's***@alpha-trading.example');
  assert.equal(maskPhone(PHONE), '+86*********01');
  assert.ok(body.link.url.startsWith(`${PUBLIC}/camera.html#t=`), body.link.url);

  const mail: ReceivedMail = await mailFor(order.orderNo);
  assert.equal(mail.from, 'rvi@customs.example');
  assert.match(mail.subject, /Remote inspection .*camera link/);
  assert.equal(mail.headers.get('x-rvi-session'), body.session.id);
  assert.equal(mail.links.length, 1, `one link in the mail: ${mail.links}`);
  const link = mail.links[0];
  assert.ok(link.startsWith(`${PUBLIC}/camera.html#t=`), `the public URL, never the Host header: ${link}`);
  assert.ok(!link.includes('evil.example'));
  assert.match(mail.html, /Open camera/);
  assert.match(mail.text, /works once/);

  // the SMS: the same single-use link, with the gateway's token and the sender id
  assert.equal(texts.length, n + 1);
  const sms = texts.at(-1)!;
  assert.equal(sms.headers.authorization, 'Bearer gw-token');
  assert.equal(sms.body.to, PHONE);
  assert.equal(sms.body.from, 'RVI');
  assert.ok(sms.body.text.includes(link), sms.body.text);
  assert.ok(sms.body.text.length <= 160 * 2, `short enough for an SMS: ${sms.body.text.length}`);

  // the link opens the camera page (the web app's camera.html entry, which redeems the fragment's token) once
  assert.equal(new URL(link).pathname, '/camera.html');
  assert.ok(existsSync(new URL('../../../../web/camera.html', import.meta.url)), 'the camera page entry exists');
  const first = await redeem(tokenOf(link));
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json().sessionId, body.session.id);
  const again = await redeem(tokenOf(link));
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().error.code, 'token_used');

  // audited per channel, with the masked address only; on the timeline
  const audit = await auditOf(body.session.id);
  const sent = audit.filter((a) => a.action === 'session.device_link_sent');
  assert.deepEqual(sent.map((a) => [(a.summary as any).channel, (a.summary as any).to, (a.summary as any).trigger]), [
    ['email', maskEmail(EMAIL), 'session_opened'], ['sms', maskPhone(PHONE), 'session_opened'],
  ]);
  assert.ok(sent.every((a) => a.actorId === p.inspector1.userId && a.actorRole === 'inspector'), 'who sent it');
  assert.ok(!JSON.stringify(audit).includes(EMAIL) && !JSON.stringify(audit).includes(PHONE), 'no address in clear in the audit log');
  const ev = await eventsOf(body.session.id, 'device_link.sent');
  assert.equal(ev.length, 1);
  assert.equal((ev[0].payload.deliveries as unknown[]).length, 2);
});

test('the device socket accepts the key redeemed from the e-mailed link', async () => {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.app.server.address() as AddressInfo).port;
  const { order } = await open();
  const mail = await mailFor(order.orderNo);
  const r = await redeem(tokenOf(mail.links[0]));
  assert.equal(r.statusCode, 200, r.body);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/device/ws`, ['rvi-device', `rvi-device-key.${r.json().deviceKey}`]);
  const pong = await new Promise<any>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'ping' })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'pong' || m.type === 'refused') resolve(m);
    });
    ws.on('error', reject);
    setTimeout(() => reject(new Error('no answer on the device socket')), 5000);
  });
  ws.close();
  assert.equal(pong.type, 'pong');
  assert.equal((await redeem(tokenOf(mail.links[0]))).statusCode, 409, 'and the link does not work twice');
});

test('a resend: rate-limited, a new link that revokes the older one once delivered; failures per channel, never a 500', async () => {
  const { order, body } = await open();
  const id = body.session.id;
  const firstMail = await mailFor(order.orderNo);
  const tooSoon = await sendLink(p.inspector1.cookie, id);
  assert.equal(tooSoon.statusCode, 429, tooSoon.body);
  assert.equal(tooSoon.json().error.code, 'rate_limited');
  assert.match(tooSoon.json().error.message, /wait \d+ s/);
  assert.ok(Number(tooSoon.headers['retry-after']) >= 1);

  await sleep(RESEND_S * 1000 + 100);
  const ok = await sendLink(p.inspector1.cookie, id, { channels: ['email'] });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json().deliveries.map((d: any) => [d.channel, d.ok]), [['email', true]]);
  const second = await mailFor(order.orderNo, 2);
  assert.notEqual(tokenOf(second.links[0]), tokenOf(firstMail.links[0]));
  const old = await redeem(tokenOf(firstMail.links[0]));
  assert.equal(old.statusCode, 410, 'the previous link stopped working');
  assert.equal(old.json().error.code, 'token_revoked');

  // SMS gateway down, e-mail fine: delivered, the SMS failure named with its reason
  await sleep(RESEND_S * 1000 + 100);
  gatewayAnswer = { status: 503, body: 'maintenance' };
  const half = await sendLink(p.inspector1.cookie, id);
  assert.equal(half.statusCode, 200, half.body);
  const d = half.json().deliveries;
  assert.equal(half.json().delivered, true);
  assert.deepEqual(d.map((x: any) => [x.channel, x.ok, x.code, x.retryable]), [['email', true, 'sent', false], ['sms', false, 'failed', true]]);
  assert.match(d[1].message, /SMS gateway answered 503/);
  const third = await mailFor(order.orderNo, 3);
  assert.equal((await redeem(tokenOf(second.links[0]))).statusCode, 410, 'revoked by the delivered resend');

  // nothing delivered: the new link is withdrawn, the one the operator has keeps working
  await sleep(RESEND_S * 1000 + 100);
  smtp.rejectRecipients.add(EMAIL);
  gatewayAnswer = { status: 400, body: '{"error":"unknown number"}' };
  const none = await sendLink(p.inspector1.cookie, id);
  smtp.rejectRecipients.delete(EMAIL);
  gatewayAnswer = { status: 200, body: '{"id":"gw-1"}' };
  assert.equal(none.statusCode, 200, none.body);
  assert.equal(none.json().delivered, false);
  assert.deepEqual(none.json().deliveries.map((x: any) => [x.channel, x.ok, x.code, x.retryable]), [['email', false, 'rejected', false], ['sms', false, 'rejected', false]]);
  assert.ok(!JSON.stringify(none.json()).includes(EMAIL), 'addresses masked in what the inspector sees');
  const failed = (await auditOf(id)).filter((a) => a.action === 'session.device_link_send_failed');
  assert.deepEqual(failed.map((a) => [(a.summary as any).channel, (a.summary as any).to]), [['sms', maskPhone(PHONE)], ['email', maskEmail(EMAIL)], ['sms', maskPhone(PHONE)]]);
  assert.equal((await eventsOf(id, 'device_link.send_failed')).length, 1);
  const still = await redeem(tokenOf(third.links[0]));
  assert.equal(still.statusCode, 200, `the last delivered link still works: ${still.body}`);

  // at most 4 sends per hour for one session (the open's send counts)
  await sleep(RESEND_S * 1000 + 100);
  const capped = await sendLink(p.inspector1.cookie, id);
  assert.equal(capped.statusCode, 429, capped.body);
  assert.match(capped.json().error.message, /at most 4/);
});

test('no channel to try: 409 naming why for each; bad bodies are 400 naming the field', async () => {
  const { body } = await open();
  const id = body.session.id;
  await t.ctx.db.update(users).set({ phone: null }).where(eq(users.id, p.operator.userId));
  try {
    await sleep(RESEND_S * 1000 + 100);
    const r = await sendLink(p.inspector1.cookie, id, { channels: ['sms'] });
    assert.equal(r.statusCode, 409, r.body);
    assert.equal(r.json().error.code, 'no_channel');
    assert.match(r.json().error.message, /SMS: The on-site operator has no mobile number/);
    const detail = await p.inspector1.get(`/api/sessions/${id}`);
    assert.deepEqual(detail.body.inviteChannels, {
      email: { available: true, to: maskEmail(EMAIL), reason: null }, sms: { available: false, to: null, reason: 'no_address' },
    });
  } finally {
    await t.ctx.db.update(users).set({ phone: PHONE }).where(eq(users.id, p.operator.userId));
  }
  const bad = await sendLink(p.inspector1.cookie, id, { channels: ['fax'] });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /channels/);
  const badTtl = await sendLink(p.inspector1.cookie, id, { ttlMinutes: 1 });
  assert.equal(badTtl.statusCode, 400);
  assert.match(badTtl.json().error.message, /ttlMinutes/);
});

test('who may send: the conductor and a supervisor of the office; not another inspector, enterprises (403 own, 404 other), other offices (404)', async () => {
  const { order, body } = await open();
  const id = body.session.id;
  await mailFor(order.orderNo);
  const other = await otherOffice(t);
  assert.equal((await t.app.inject({ method: 'POST', url: `/api/sessions/${id}/send-link`, payload: {} })).statusCode, 401);
  for (const [who, c, status] of [
    ['inspector2 (same office, not conducting)', p.inspector2, 403], ['alpha.user (the enterprise)', p.alpha, 403], ['alpha.operator (the operator)', p.operator, 403],
    ['beta.user (another enterprise)', p.beta, 404], ['another office\'s supervisor', other.supervisor, 404], ['another office\'s inspector', other.inspector, 404],
  ] as const) {
    const r = await sendLink(c.cookie, id);
    assert.equal(r.statusCode, status, `${who}: ${r.body}`);
  }
  assert.equal((await p.inspector2.get(`/api/sessions/${id}`)).body.can.invite, false);
  assert.equal((await p.inspector2.get(`/api/sessions/${id}`)).body.inviteChannels, undefined, 'contact details only for those who may send');
  await sleep(RESEND_S * 1000 + 100);
  const sup = await sendLink(p.sup.cookie, id, { channels: ['sms'] });
  assert.equal(sup.statusCode, 200, sup.body);
  assert.equal((await p.sup.get(`/api/sessions/${id}`)).body.can.invite, true);
  const a = (await auditOf(id)).filter((x) => x.action === 'session.device_link_sent').at(-1)!;
  assert.equal((a.summary as any).trigger, 'resend');
  assert.equal((a.summary as any).channel, 'sms');

  // an ended session: 409
  assert.equal((await p.inspector1.post(`/api/sessions/${id}/end`, {})).status, 200);
  await sleep(RESEND_S * 1000 + 100);
  const ended = await sendLink(p.inspector1.cookie, id);
  assert.equal(ended.statusCode, 409, ended.body);
  assert.equal(ended.json().error.code, 'session_ended');
});

test('sendLink: false opens the session without sending', async () => {
  const order = await bookedOrder(t, p);
  const n = smtp.received.length;
  const r = await p.inspector1.post('/api/sessions', { orderId: order.id, sendLink: false });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.invite, null);
  await sleep(300);
  assert.equal(smtp.received.length, n);
});
