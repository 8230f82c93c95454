// The cluster on loopback, every part a real process: a fresh database on the local Postgres server, an S3 server
// (s3rver), two API nodes (`rvi serve`, all roles) and HAProxy configured by deploy/haproxy.cfg. Logging in through
// the load balancer works whichever node answers; a WebSocket on node 2 receives the invalidation of a change made
// through node 1; requests are spread over both nodes; node 1 is killed (SIGKILL) during a burst of writes through
// the load balancer: requests keep succeeding through node 2, every write that was acknowledged is in the database,
// every outbox event is delivered (node 1's claimed rows are taken over when their lease lapses), the audit chain
// verifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { declarationBody } from './harness.ts';
import { loginAt, openLive } from './nodes.ts';
import { answersByServer, startCluster, waitFor, type Cluster } from './cluster.ts';

let c: Cluster;
let LB = '';
let nodes: Cluster['nodes'];
let db: { url: string };
before(async () => {
  c = await startCluster(2);
  LB = c.lb.base;
  nodes = c.nodes;
  db = { url: c.dbUrl };
});
after(async () => c?.close());

const post = (base: string, cookie: string, url: string, body: unknown) =>
  fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) });

test('through the load balancer: both nodes serve, a login works on either, a WebSocket on node 2 sees a change made through node 1', { timeout: 60_000 }, async () => {
  // both nodes in rotation (health answers name the node)
  const seen = new Set<string>();
  for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(((await (await fetch(`${LB}/api/health`)).json()) as { node: string }).node);
  assert.equal(seen.size, 2, `requests reach both nodes: ${[...seen].join(', ')}`);
  const counts = await answersByServer(c.lb);
  assert.ok(counts.node1 > 0 && counts.node2 > 0, JSON.stringify(counts));
  const sup = await loginAt(LB, 'supervisor');
  for (let i = 0; i < 6; i++) assert.equal((await fetch(`${LB}/api/auth/me`, { headers: { cookie: sup } })).status, 200, 'the login holds on every node');

  const live = await openLive(nodes[1].base, sup);
  const viaLb = await openLive(LB, sup);
  const alpha = await loginAt(LB, 'alpha.user');
  const d = await post(nodes[0].base, alpha, '/api/declarations', declarationBody('CL-0001'));
  const decl = await d.json() as { id: string };
  assert.equal(d.status, 201, JSON.stringify(decl));
  const o = await post(nodes[0].base, sup, '/api/orders', { declarationId: decl.id, reason: 'cluster test' });
  assert.equal(o.status, 201, await o.text());
  await live.next((m) => m.type === 'invalidate' && JSON.stringify(m.keys).includes('orders'));
  await viaLb.next((m) => m.type === 'invalidate' && JSON.stringify(m.keys).includes('orders'));
  live.close();
  viaLb.close();
});

test('node 1 killed (SIGKILL) during a burst of writes: requests keep succeeding, nothing acknowledged is lost, every outbox event is delivered, the audit chain verifies', { timeout: 150_000 }, async () => {
  const alpha = await loginAt(LB, 'alpha.user');
  const results: { no: string; status: number; at: number }[] = [];
  let killedAt = 0;
  let n = 0;
  // writes go on for 8 s after the kill
  const worker = async () => {
    while (!killedAt || Date.now() < killedAt + 8000) {
      const no = `BURST-${String(++n).padStart(4, '0')}`;
      if (n === 60) {
        nodes[0].proc.child.kill('SIGKILL');
        killedAt = Date.now();
      }
      const status = await post(LB, alpha, '/api/declarations', declarationBody(no)).then((r) => r.status, () => 0);
      results.push({ no, status, at: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const acked = results.filter((r) => r.status === 201);
  const failed = results.filter((r) => r.status !== 201);
  const lateFailures = failed.filter((r) => r.at > killedAt + 3000);
  assert.ok(killedAt > 0);
  assert.deepEqual(lateFailures, [], 'from 3 s after the kill every request succeeds (node 2 alone)');
  assert.ok(failed.length <= 4, `at most the requests in flight on node 1 when it died fail: ${JSON.stringify(failed)}`);
  assert.ok(acked.filter((r) => r.at > killedAt + 3000).length >= 20, 'writes continue after the kill');

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const stored = new Set((await client.query<{ no: string }>("select declaration_no as no from declarations where declaration_no like 'BURST-%'")).rows.map((r) => r.no));
    const lost = acked.filter((r) => !stored.has(r.no));
    assert.deepEqual(lost, [], 'every acknowledged write is in the database');
    // node 1's claimed outbox rows are claimed again by node 2 once their lease (30 s) lapses
    const waitStart = Date.now();
    const pending = await waitFor('every outbox event dispatched', async () => {
      const { rows } = await client.query<{ n: number }>('select count(*)::int as n from outbox where dispatched_at is null');
      return rows[0].n === 0 ? 'done' : null;
    }, 75_000);
    assert.equal(pending, 'done');
    console.log(`cluster test: writes=${results.length} acknowledged=${acked.length} failed=${failed.length} (${failed.map((f) => f.status).join(',')}) stored=${stored.size} outbox_drained_after_s=${((Date.now() - waitStart) / 1000).toFixed(1)}`);
    const submitted = (await client.query<{ n: number }>("select count(*)::int as n from outbox where event = 'declaration.submitted' and payload->>'declarationId' in (select id from declarations where declaration_no like 'BURST-%')")).rows[0].n;
    assert.equal(submitted, stored.size, 'one event per stored declaration, all dispatched');
  } finally {
    await client.end();
  }
  const auditor = await loginAt(LB, 'auditor');
  const v = await fetch(`${LB}/api/audit/verify`, { headers: { cookie: auditor } });
  const verify = await v.json() as { ok: boolean };
  assert.equal(v.status, 200, JSON.stringify(verify));
  assert.equal(verify.ok, true, JSON.stringify(verify).slice(0, 500));
  const h = await fetch(`${LB}/api/health`);
  assert.equal(h.status, 200, 'the load balancer answers from node 2');
});
