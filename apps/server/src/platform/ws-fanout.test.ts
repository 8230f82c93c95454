// WebSocket rooms across API nodes. Two nodes on one Postgres database (a fresh database on the local server): a
// declaration filed through node A invalidates the pages of a supervisor connected to node B, a notification pushed by
// A reaches the user's socket on B, a message too large for NOTIFY still arrives (ws_fanout table), and a login
// back-off earned on A holds on B. On PGlite (one process, no bus) delivery stays in-process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { declarationBody, startTestApp, TEST_PASSWORD } from '../../test/harness.ts';
import { inTransaction } from './unit-of-work.ts';
import { systemActor } from './actor.ts';
import { freshPostgres, loginAt, openLive, startNode, type ApiNode } from '../../test/nodes.ts';
import { liveKeys } from '@rvi/contracts';

let db: Awaited<ReturnType<typeof freshPostgres>>;
let a: ApiNode;
let b: ApiNode;

before(async () => {
  db = await freshPostgres();
  a = await startNode(db.url, { seed: true });
  b = await startNode(db.url);
});
after(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

test('a change made through node A invalidates the pages open on node B; a notification pushed on A arrives on B', async () => {
  const supCookie = await loginAt(b.base, 'supervisor');
  const sup = await openLive(b.base, supCookie);
  const post = (base: string, cookie: string, url: string, body: unknown) =>
    fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });
  const decl = await post(a.base, await loginAt(a.base, 'alpha.user'), '/api/declarations', declarationBody('FAN-0001'));
  const declBody = await decl.json();
  assert.equal(decl.status, 201, JSON.stringify(declBody));
  // the same supervisor's session works on either node (sessions are rows in Postgres)
  const order = await post(a.base, supCookie, '/api/orders', { declarationId: declBody.id, reason: 'fan-out test' });
  assert.equal(order.status, 201, await order.text());
  await sup.next((m) => m.type === 'invalidate' && JSON.stringify(m.keys).includes('orders'));
  // a unit of work committed on A: its realtime row goes through the outbox (either node's dispatcher), then to every node
  const hello = sup.messages.find((m: any) => m.type === 'hello') as { userId: string; rooms: string[] };
  const office = hello.rooms.find((r) => r.startsWith('office:'))!;
  await inTransaction(a.ctx.db, systemActor('fan-out-test'), async (uow) => { uow.invalidate([office], [liveKeys.vision('fan-out-probe')]); });
  await sup.next((m) => m.type === 'invalidate' && JSON.stringify(m.keys).includes('fan-out-probe'));
  // a direct push from A's hub (what jobs and the outbox handler do) to a user connected on B
  a.ctx.hub.publish(`user:${hello.userId}`, { type: 'notification', notification: { id: 'n-1', kind: 'test', payload: { big: 'x'.repeat(20_000) }, readAt: null, createdAt: new Date().toISOString() } });
  const big = await sup.next((m) => m.type === 'notification' && m.notification.id === 'n-1');
  assert.equal(big.notification.payload.big.length, 20_000, 'larger than a NOTIFY payload: carried through the ws_fanout table');
  assert.equal(sup.messages.filter((m: any) => m.type === 'notification').length, 1, 'delivered once, not once per node');
  sup.close();
});

test('the login back-off is shared: failures on node A refuse the next try on node B', async () => {
  const tryAt = (base: string, password: string) => fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'inspector2', password }) });
  for (let i = 0; i < 4; i++) assert.equal((await tryAt(i % 2 ? b.base : a.base, 'wrong-password')).status, 401);
  const refused = await tryAt(b.base, TEST_PASSWORD);
  assert.equal(refused.status, 429, 'node B knows of the failures on node A');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
});

test('PGlite (a single process): no bus, rooms are delivered in-process', async () => {
  const t = await startTestApp({ databaseUrl: null }, { jobs: false }); // PGlite even when DATABASE_URL is set
  try {
    assert.equal(t.ctx.fanout, null);
    let got = '';
    const socket = { readyState: 1, send: (x: string) => { got = x; }, once: () => undefined } as never;
    t.ctx.hub.join(socket, ['user:u1']);
    t.ctx.hub.invalidate(['user:u1'], [['orders']]);
    assert.deepEqual(JSON.parse(got), { type: 'invalidate', keys: [['orders']] }, 'synchronously, on this node');
  } finally {
    await t.close();
  }
});

test('a logout on node A ends the session on node B at once, not after B\'s cached lookup expires', async () => {
  const cookie = await loginAt(a.base, 'inspector1');
  const me = (base: string) => fetch(`${base}/api/auth/me`, { headers: { cookie } }).then((r) => r.status);
  assert.equal(await me(b.base), 200, 'B has looked the session up (and caches it for RVI_SESSION_CACHE_MS, 5 s)');
  const out = await fetch(`${a.base}/api/auth/logout`, { method: 'POST', headers: { cookie } });
  assert.ok(out.status < 300, `logout: ${out.status}`);
  const t0 = Date.now();
  let status = 200;
  while (Date.now() - t0 < 2500 && status === 200) {
    status = await me(b.base);
    if (status === 200) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(status, 401, 'B refuses the session within 2.5 s of the logout (its cache would have kept it 5 s)');
});
