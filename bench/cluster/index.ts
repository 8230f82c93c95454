/**
 * npm run bench -- cluster [--duration S] [--connections N]
 *
 * Real processes on loopback (apps/server/test/cluster.ts): a fresh Postgres database, s3rver, two API nodes
 * (`rvi serve`, all roles) and HAProxy from deploy/haproxy.cfg. Measures, with autocannon:
 *  - list_rps_1node: GET /api/declarations?limit=50 through a HAProxy whose two server lines both point at node 1;
 *  - list_rps_2nodes: the same through the cluster's HAProxy (node 1 and node 2), and min_node_share: the smaller of
 *    the two nodes' shares of the 2xx answers during that run (HAProxy's per-server counters);
 *  - cpu_ms_per_request: CPU time (user + system, /proc) of both node processes during the 2-node run / requests;
 *  - api_failover_s: node 1 killed (SIGKILL) under a stream of writes (POST /api/declarations, 4 at a time): seconds
 *    from the kill to the first of an unbroken run of 20 successes; lost_events: acknowledged writes without their
 *    stored declaration or outbox event after the outbox drained; audit_ok: GET /api/audit/verify.
 * On this 2-core machine (shared with other sessions) two nodes cannot double throughput: both rps figures are printed
 * as measured.
 * Then the media part (apps/server/test/media-cluster.ts): this process as the API node, two media-only processes
 * (`rvi serve --roles media`), a live session from the camera page in Chromium:
 *  - cpu_pct_per_stream: CPU of the hosting media process over 10 s of one 640×480 stream (relay + recording), in % of
 *    one core;
 *  - media_failover_s: the hosting node killed (SIGKILL): seconds until the session is connected again on the other
 *    node (heartbeat lapse 3 s in this run; the default is 4 s).
 * Last line: cluster: api_nodes=2 media_nodes=2 s3=1 min_node_share=… list_rps_1node=… list_rps_2nodes=…
 *   media_failover_s=na api_failover_s=… lost_jobs=… lost_events=… audit_ok=… cpu_ms_per_request=… cpu_pct_per_stream=na
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { declarationBody } from '../../apps/server/test/harness.ts';
import { loginAt } from '../../apps/server/test/nodes.ts';
import { answersByServer, cpuMs, sleep, startCluster, waitFor } from '../../apps/server/test/cluster.ts';
import { killHost, startMediaCluster, streamSession } from '../../apps/server/test/media-cluster.ts';

const arg = (n: string, d: number) => { const i = process.argv.indexOf(n); return i > 0 ? Number(process.argv[i + 1]) : d; };
const duration = arg('--duration', 10);
const connections = arg('--connections', 20);

const c = await startCluster(2);
try {
  const cookie = await loginAt(c.lb.base, 'supervisor');
  const load = async (base: string, label: string) => {
    const url = `${base}/api/declarations?limit=50`;
    await autocannon({ url, connections: 5, duration: 2, headers: { cookie } }); // warm-up
    const r = await autocannon({ url, connections, duration, headers: { cookie } });
    if (r.non2xx > 0) throw new Error(`${label}: ${r.non2xx} non-2xx answers`);
    console.log(`${label}: GET /api/declarations?limit=50, ${connections} connections, ${duration} s: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.errors} errors`);
    return r;
  };

  const one = await c.startLb([c.nodes[0]]);
  const r1 = await load(one.base, '1 node');
  await sleep(1000);

  const before = await answersByServer(c.lb);
  const cpu0 = c.nodes.map((n) => cpuMs(n.proc.child.pid!));
  const r2 = await load(c.lb.base, '2 nodes');
  const cpu1 = c.nodes.map((n) => cpuMs(n.proc.child.pid!));
  const after = await answersByServer(c.lb);
  const served = ['node1', 'node2'].map((s) => (after[s] ?? 0) - (before[s] ?? 0));
  const total = served[0] + served[1];
  const minShare = total ? Math.min(...served) / total : 0;
  const cpuPerRequest = (cpu1[0] - cpu0[0] + cpu1[1] - cpu0[1]) / Math.max(1, r2.requests.total);
  console.log(`2 nodes: answers node1=${served[0]} node2=${served[1]}; node CPU ${(cpu1[0] - cpu0[0]).toFixed(0)} + ${(cpu1[1] - cpu0[1]).toFixed(0)} ms for ${r2.requests.total} requests`);

  // failover under writes
  const alpha = await loginAt(c.lb.base, 'alpha.user');
  const results: { no: string; status: number; at: number }[] = [];
  let killedAt = 0;
  let n = 0;
  const writer = async () => {
    while (!killedAt || Date.now() < killedAt + 10_000) {
      const no = `BENCH-${String(++n).padStart(5, '0')}`;
      if (n === 100) { c.nodes[0].proc.child.kill('SIGKILL'); killedAt = Date.now(); }
      const status = await fetch(`${c.lb.base}/api/declarations`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: alpha }, body: JSON.stringify(declarationBody(no)) })
        .then((r) => r.status, () => 0);
      results.push({ no, status, at: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: 4 }, writer));
  const after_ = results.filter((r) => r.at >= killedAt).sort((a, b) => a.at - b.at);
  let streak = 0;
  let recoveredAt = NaN;
  for (const r of after_) {
    streak = r.status === 201 ? streak + 1 : 0;
    if (streak === 1) recoveredAt = r.at;
    if (streak >= 20) break;
  }
  const failoverS = Math.max(0, (recoveredAt - killedAt) / 1000);
  const acked = results.filter((r) => r.status === 201);
  console.log(`failover: ${results.length} writes, ${acked.length} acknowledged, ${results.length - acked.length} failed (statuses ${[...new Set(results.filter((r) => r.status !== 201).map((r) => r.status))].join(',') || 'none'})`);

  const client = new pg.Client({ connectionString: c.dbUrl });
  await client.connect();
  let lostEvents = NaN;
  let lostJobs = NaN;
  try {
    await waitFor('outbox drained', async () => (await client.query<{ n: number }>('select count(*)::int as n from outbox where dispatched_at is null')).rows[0].n === 0, 90_000);
    const stored = new Set((await client.query<{ no: string }>("select declaration_no as no from declarations where declaration_no like 'BENCH-%'")).rows.map((r) => r.no));
    const events = (await client.query<{ n: number }>("select count(*)::int as n from outbox o join declarations d on d.id = o.payload->>'declarationId' where o.event = 'declaration.submitted' and d.declaration_no like 'BENCH-%' and o.dispatched_at is not null")).rows[0].n;
    lostEvents = acked.filter((r) => !stored.has(r.no)).length + Math.max(0, stored.size - events);
    // jobs: pg-boss jobs that failed for good (none expected)
    lostJobs = (await client.query<{ n: number }>("select count(*)::int as n from pgboss.job where state = 'failed'").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n;
  } finally {
    await client.end();
  }
  const auditor = await loginAt(c.lb.base, 'auditor');
  const verify = await (await fetch(`${c.lb.base}/api/audit/verify`, { headers: { cookie: auditor } })).json() as { ok: boolean };

  await c.close();

  const mc = await startMediaCluster(['media-a', 'media-b']);
  let streamCpuPct = NaN;
  let mediaFailoverS = NaN;
  try {
    const live = await streamSession(mc);
    const pid = mc.media.get(live.host)!.proc.child.pid!;
    const [c0, t0] = [cpuMs(pid), Date.now()];
    await sleep(10_000);
    streamCpuPct = (100 * (cpuMs(pid) - c0)) / (Date.now() - t0);
    const f = await killHost(mc, live);
    mediaFailoverS = f.failoverS;
    console.log(`media: one stream on ${live.host}: ${streamCpuPct.toFixed(1)} % of a core; killed: taken over by ${f.other} after ${f.takenOverS.toFixed(1)} s, connected there after ${f.failoverS.toFixed(1)} s`);
  } finally {
    await mc.close();
  }
  console.log(`cluster: api_nodes=2 media_nodes=2 s3=1 min_node_share=${minShare.toFixed(2)} list_rps_1node=${r1.requests.average.toFixed(0)} list_rps_2nodes=${r2.requests.average.toFixed(0)} media_failover_s=${mediaFailoverS.toFixed(1)} api_failover_s=${failoverS.toFixed(2)} lost_jobs=${lostJobs} lost_events=${lostEvents} audit_ok=${verify.ok ? 1 : 0} cpu_ms_per_request=${cpuPerRequest.toFixed(2)} cpu_pct_per_stream=${streamCpuPct.toFixed(1)}`);
} catch (e) {
  await c.close().catch(() => undefined);
  throw e;
}
