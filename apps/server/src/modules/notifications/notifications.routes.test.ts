import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { notifications, users } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { inTransaction } from '../../platform/unit-of-work.ts';

let t: TestApp;
let base = '';
before(async () => {
  t = await startTestApp();
  const addr = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = addr.replace('http', 'ws');
});
after(async () => t?.close());

function open(cookie?: string): Promise<{ ws: WebSocket; messages: unknown[]; next: () => Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base}/api/ws`, { headers: cookie ? { cookie } : {} });
    const messages: unknown[] = [];
    const waiters: ((m: unknown) => void)[] = [];
    ws.on('message', (d) => { const m = JSON.parse(String(d)); const w = waiters.shift(); if (w) w(m); else messages.push(m); });
    ws.on('open', () => resolve({ ws, messages, next: () => new Promise((r) => { const m = messages.shift(); if (m) r(m); else waiters.push(r); }) }));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

test('websocket: refused without a session; a notification reaches only its user, live and in the list', async () => {
  await assert.rejects(open(), /401/);
  const alpha = await t.login('alpha.user');
  const beta = await t.login('beta.user');
  const a = await open(alpha);
  const b = await open(beta);
  assert.equal((await a.next()).type, 'hello');
  assert.equal((await b.next()).type, 'hello');
  const [alphaUser] = await t.ctx.db.select().from(users).where(eq(users.username, 'alpha.user'));
  // stored in a unit of work and pushed live through the outbox after commit, as every use case does
  await inTransaction(t.ctx.db, systemActor('test'), (uow) => uow.notify([alphaUser.id], 'order.selected', { declarationNo: 'X1' }));
  const rows = await t.ctx.db.select().from(notifications).where(eq(notifications.userId, alphaUser.id));
  assert.equal(rows.length, 1);
  const got = await a.next();
  assert.equal(got.type, 'notification');
  assert.equal(got.notification.kind, 'order.selected');
  a.ws.send(JSON.stringify({ type: 'ping' }));
  assert.equal((await a.next()).type, 'pong');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(b.messages.length, 0, 'beta receives nothing');
  const list = (await t.app.inject({ url: '/api/notifications', headers: { cookie: alpha } })).json();
  assert.equal(list.unread, 1);
  assert.equal((await t.app.inject({ url: '/api/notifications', headers: { cookie: beta } })).json().items.length, 0);
  const rd = await t.app.inject({ method: 'POST', url: '/api/notifications/read', headers: { cookie: beta }, payload: { ids: [rows[0].id] } });
  assert.equal(rd.statusCode, 204);
  assert.equal((await t.app.inject({ url: '/api/notifications', headers: { cookie: alpha } })).json().unread, 1, 'another user cannot mark it read');
  await t.app.inject({ method: 'POST', url: '/api/notifications/read', headers: { cookie: alpha }, payload: { all: true } });
  assert.equal((await t.app.inject({ url: '/api/notifications', headers: { cookie: alpha } })).json().unread, 0);
  a.ws.close();
  b.ws.close();
});
