// Every figure against a small hand-computed dataset (the expected numbers are worked out in the comments), the
// filters, CSV, incremental refresh, and who may read office-wide figures. Real database (PGlite; Postgres with
// DATABASE_URL), real routes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { organisations } from '../../db/schema.ts';
import { addCase, decideCase, L } from './dashboard.test-helpers.ts';

let t: TestApp;
const cookies: Record<string, string> = {};
const P = 'from=2025-03-03&to=2025-03-09';
let o9 = '';

async function get(user: string | null, url: string) {
  const r = await t.app.inject({ method: 'GET', url, headers: user ? { cookie: cookies[user] } : {} });
  let body: any = null;
  try { body = r.json(); } catch { body = null; }
  return { status: r.statusCode, body, text: r.body, headers: r.headers };
}

/*
 * The dataset (office-local times, Asia/Shanghai). Inspection day = the office-local day of `inspected`.
 *  O1 remote yellow risk   inspector1 selected 03-03 09:00 (order 09:20) arrived 09:30 inspected 03-03 10:00 released 11:00   → 120 min, wait 90
 *  O2 remote yellow appl.  inspector1 applied 03-03 08:00 (order 08:30)                 inspected 03-03 11:00 released 12:00   → 240 min, no arrival
 *  O3 remote green  random inspector2 order 03-04 09:00 arrived 09:00                   inspected 03-04 09:40 released 10:00   → 60 min, wait 60, fraud (release with correction)
 *  O4 onsite red    risk   inspector2 order 03-03 09:00 arrived 10:00                   inspected 03-04 15:00 hold             → fraud + critical; rule red-channel
 *  O5 onsite yellow risk   inspector2 order 03-04 08:00 arrived 03-05 08:00             inspected 03-05 16:00 released 03-06 08:00 → 2880 min, wait 1440, fraud; inspector chose on site
 *  O6 remote red    risk   inspector1 order 03-05 09:00 arrived 09:15                   inspected 03-05 10:00 released 10:30   → 90 min, wait 75
 *  O9 onsite green  random inspector1 order 03-05 22:00                                 inspected 03-06 00:30 (= 03-05 16:30 UTC) not decided; rules no-registered-device + hazardous-goods
 *  O7 remote, inspected 03-10 (outside the period); O8 booked, never inspected; O10 another office.
 */
before(async () => {
  t = await startTestApp({}, { jobs: false });
  for (const u of ['supervisor', 'admin', 'auditor', 'inspector1', 'alpha.user', 'alpha.operator']) cookies[u] = await t.login(u);
  const remote = { decided: 'remote' as const, recommendation: 'remote' as const, fired: [] };
  await addCase(t, { inspector: 'inspector1', mode: 'remote', channel: 'yellow', selection: 'risk', selectedAt: L('2025-03-03 09:00'), createdAt: L('2025-03-03 09:20'), arrivedAt: L('2025-03-03 09:30'), inspectedAt: L('2025-03-03 10:00'), decision: { outcome: 'release', at: L('2025-03-03 11:00'), fraud: false }, eligibility: remote });
  await addCase(t, { inspector: 'inspector1', mode: 'remote', channel: 'yellow', selection: 'application', appliedAt: L('2025-03-03 08:00'), createdAt: L('2025-03-03 08:30'), inspectedAt: L('2025-03-03 11:00'), decision: { outcome: 'release', at: L('2025-03-03 12:00'), fraud: false }, eligibility: remote });
  await addCase(t, { inspector: 'inspector2', enterprise: 'beta', mode: 'remote', channel: 'green', selection: 'random', createdAt: L('2025-03-04 09:00'), arrivedAt: L('2025-03-04 09:00'), inspectedAt: L('2025-03-04 09:40'), decision: { outcome: 'release_with_correction', at: L('2025-03-04 10:00'), fraud: true }, eligibility: remote });
  await addCase(t, { inspector: 'inspector2', mode: 'onsite', channel: 'red', selection: 'risk', createdAt: L('2025-03-03 09:00'), arrivedAt: L('2025-03-03 10:00'), inspectedAt: L('2025-03-04 15:00'), decision: { outcome: 'hold', at: L('2025-03-04 18:00'), fraud: true, critical: true }, eligibility: { decided: 'onsite', recommendation: 'onsite', fired: [{ ruleId: 'red-channel', outcome: 'onsite' }] } });
  await addCase(t, { inspector: 'inspector2', enterprise: 'beta', mode: 'onsite', channel: 'yellow', selection: 'risk', createdAt: L('2025-03-04 08:00'), arrivedAt: L('2025-03-05 08:00'), inspectedAt: L('2025-03-05 16:00'), decision: { outcome: 'release_with_correction', at: L('2025-03-06 08:00'), fraud: true }, eligibility: { decided: 'onsite', recommendation: 'remote', fired: [] } });
  await addCase(t, { inspector: 'inspector1', mode: 'remote', channel: 'red', selection: 'risk', createdAt: L('2025-03-05 09:00'), arrivedAt: L('2025-03-05 09:15'), inspectedAt: L('2025-03-05 10:00'), decision: { outcome: 'release', at: L('2025-03-05 10:30'), fraud: false }, eligibility: remote });
  o9 = await addCase(t, { inspector: 'inspector1', mode: 'onsite', channel: 'green', selection: 'random', createdAt: L('2025-03-05 22:00'), inspectedAt: L('2025-03-06 00:30'), eligibility: { decided: 'onsite', recommendation: 'onsite', fired: [{ ruleId: 'no-registered-device', outcome: 'onsite' }, { ruleId: 'hazardous-goods', outcome: 'onsite' }, { ruleId: 'some-remote-rule', outcome: 'remote' }] } });
  await addCase(t, { inspector: 'inspector1', mode: 'remote', channel: 'yellow', selection: 'risk', createdAt: L('2025-03-10 09:00'), inspectedAt: L('2025-03-10 10:00'), decision: { outcome: 'release', at: L('2025-03-10 10:10'), fraud: false }, eligibility: remote });
  await addCase(t, { inspector: 'inspector1', mode: 'remote', channel: 'yellow', selection: 'risk', createdAt: L('2025-03-04 09:00'), eligibility: remote });
  const other = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: other, kind: 'customs_office', name: 'Other Customs', code: `CUS-OT-${other.slice(0, 4)}` });
  await addCase(t, { officeId: other, inspector: 'inspector2', mode: 'remote', channel: 'green', selection: 'random', createdAt: L('2025-03-04 09:00'), inspectedAt: L('2025-03-04 10:00'), decision: { outcome: 'release', at: L('2025-03-04 10:30'), fraud: true } });
});
after(async () => t?.close());

test('time to release: median, mean and distribution, remote vs on-site', async () => {
  const r = await get('supervisor', `/api/dashboard/figures/release-time?${P}`);
  assert.equal(r.status, 200, r.text);
  const by = Object.fromEntries(r.body.summary.map((s: any) => [s.mode, s]));
  // remote releases 60, 90, 120, 240 min → median 105 min = 1.75 h, mean 127.5 min = 2.125 h
  assert.deepEqual(by.remote, { mode: 'remote', released: 4, medianHours: 1.75, meanHours: 2.125 });
  // on-site: O5 only, 2880 min = 48 h
  assert.deepEqual(by.onsite, { mode: 'onsite', released: 1, medianHours: 48, meanHours: 48 });
  // all: 60, 90, 120, 240, 2880 → median 120 min = 2 h; mean 3390 / 5 = 678 min = 11.3 h
  assert.deepEqual(by.all, { mode: 'all', released: 5, medianHours: 2, meanHours: 11.3 });
  // buckets: [60,120) holds 60 and 90; [120,240) 120; [240,480) 240; on-site [2880,4320) 2880
  const d = r.body.distribution;
  assert.equal(d.length, 10);
  assert.deepEqual(d.map((b: any) => b.remote), [0, 0, 2, 1, 1, 0, 0, 0, 0, 0]);
  assert.deepEqual(d.map((b: any) => b.onsite), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual([d[2].fromMinutes, d[2].toMinutes, d[9].fromMinutes, d[9].toMinutes], [60, 120, 10080, null]);
  assert.equal(r.body.filter.from, '2025-03-03');
  assert.equal(r.body.filter.timeZone, 'Asia/Shanghai');
});

test('inspections per inspector per day, remote vs on-site, and the efficiency ratio', async () => {
  const r = await get('supervisor', `/api/dashboard/figures/inspector-throughput?${P}`);
  assert.equal(r.status, 200, r.text);
  // remote: 4 inspections on 3 inspector-days (i1 03-03 ×2, i1 03-05, i2 03-04) → 1.333; on-site: 3 on 3 (i2 03-04, i2 03-05, i1 03-06) → 1
  assert.deepEqual(r.body.byMode, [
    { mode: 'remote', inspections: 4, inspectorDays: 3, perInspectorDay: 1.333 },
    { mode: 'onsite', inspections: 3, inspectorDays: 3, perInspectorDay: 1 },
  ]);
  assert.equal(r.body.efficiencyRatio, 1.333);
  const i1 = r.body.inspectors.find((i: any) => i.name.startsWith('Zhang Wei'));
  const i2 = r.body.inspectors.find((i: any) => i.name.startsWith('Wang Fang'));
  assert.deepEqual([i1.remote, i1.remoteDays, i1.onsite, i1.onsiteDays], [3, 2, 1, 1]);
  assert.deepEqual([i2.remote, i2.remoteDays, i2.onsite, i2.onsiteDays], [1, 1, 2, 2]);
  // O9 was inspected at 00:30 office time on 03-06 (16:30 UTC on 03-05): it counts on 03-06
  assert.deepEqual(r.body.series.map((s: any) => [s.day, s.remote, s.onsite]), [
    ['2025-03-03', 2, 0], ['2025-03-04', 1, 1], ['2025-03-05', 1, 1], ['2025-03-06', 0, 1],
  ]);
});

test('remote share and why the others were not remote', async () => {
  const r = await get('auditor', `/api/dashboard/figures/remote-share?${P}`);
  assert.equal(r.status, 200, r.text);
  // 4 of 7 remote; on-site O4 (red-channel), O5 (inspector's choice), O9 (two rules; the remote rule is not a reason)
  assert.deepEqual([r.body.inspections, r.body.remote, r.body.onsite, r.body.remoteShare], [7, 4, 3, 0.5714]);
  const reasons = Object.fromEntries(r.body.reasons.map((x: any) => [x.reason, [x.count, x.shareOfOnsite]]));
  assert.deepEqual(reasons, {
    'red-channel': [1, 0.3333], inspector_choice: [1, 0.3333], 'no-registered-device': [1, 0.3333], 'hazardous-goods': [1, 0.3333],
  });
  assert.match(r.body.reasons.find((x: any) => x.reason === 'red-channel').description, /Red-channel/);
});

test('targeting hit rate: risk-selected vs random, per channel', async () => {
  const r = await get('admin', `/api/dashboard/figures/hit-rate?${P}`);
  assert.equal(r.status, 200, r.text);
  // decided: O1..O6 (O9 awaits its decision); fraud: O3, O4, O5; critical: O4
  assert.deepEqual(r.body.overall, { inspected: 6, fraud: 3, critical: 1, hitRate: 0.5 });
  const sel = Object.fromEntries(r.body.bySelection.map((x: any) => [x.selection, [x.inspected, x.fraud, x.hitRate]]));
  // risk: O1 O4 O5 O6 → 2/4; random: O3 → 1/1; application: O2 → 0/1; manual: none
  assert.deepEqual(sel, { risk: [4, 2, 0.5], random: [1, 1, 1], manual: [0, 0, null], application: [1, 0, 0] });
  const ch = Object.fromEntries(r.body.byChannel.map((x: any) => [x.channel, [x.inspected, x.fraud, x.hitRate]]));
  // red: O4 O6 → 1/2; yellow: O1 O2 O5 → 1/3; green: O3 → 1/1
  assert.deepEqual(ch, { red: [2, 1, 0.5], yellow: [3, 1, 0.3333], green: [1, 1, 1] });
  assert.equal(r.body.lift, 0.5);
});

test('enterprise cost proxies: trips avoided and waiting hours from arrival to release', async () => {
  const r = await get('supervisor', `/api/dashboard/figures/enterprise-cost?${P}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.tripsAvoided, 4);
  assert.equal(r.body.inspections, 7);
  const w = Object.fromEntries(r.body.waiting.map((x: any) => [x.mode, [x.releases, x.totalHours, x.meanHours]]));
  // remote: O1 90 + O3 60 + O6 75 = 225 min = 3.75 h over 3; on-site: O5 1440 min = 24 h; all: 27.75 h over 4 = 6.9375
  assert.deepEqual(w, { remote: [3, 3.75, 1.25], onsite: [1, 24, 24], all: [4, 27.75, 6.938] });
  assert.deepEqual(r.body.series.map((s: any) => [s.day, s.tripsAvoided, s.waitingHours]), [
    // per inspection day: O5's 24 h count on 03-05, the day it was inspected
    ['2025-03-03', 2, 1.5], ['2025-03-04', 1, 1], ['2025-03-05', 1, 25.25], ['2025-03-06', 0, 0],
  ]);
});

test('filters: mode, channel, period; the default period is the last 28 days', async () => {
  const remote = await get('supervisor', `/api/dashboard/figures/release-time?${P}&mode=remote`);
  assert.deepEqual(remote.body.summary.map((s: any) => s.released), [4, 0, 4]);
  const red = await get('supervisor', `/api/dashboard/figures/hit-rate?${P}&channel=red`);
  assert.deepEqual([red.body.overall.inspected, red.body.overall.fraud], [2, 1]);
  assert.equal(red.body.filter.channel, 'red');
  const onsite = await get('supervisor', `/api/dashboard/figures/remote-share?${P}&mode=onsite`);
  assert.deepEqual([onsite.body.inspections, onsite.body.remote, onsite.body.onsite], [3, 0, 3]);
  const longer = await get('supervisor', '/api/dashboard/figures/remote-share?from=2025-03-03&to=2025-03-10');
  assert.equal(longer.body.remote, 5, 'O7 (03-10) is inside the longer period');
  const oneDay = await get('supervisor', '/api/dashboard/figures/enterprise-cost?from=2025-03-06&to=2025-03-06');
  assert.deepEqual([oneDay.body.tripsAvoided, oneDay.body.inspections], [0, 1]);
  const dflt = await get('supervisor', '/api/dashboard/figures/remote-share');
  assert.equal(dflt.status, 200);
  assert.equal(dflt.body.inspections, 0, 'nothing in the last 28 days');
  const span = (Date.parse(dflt.body.filter.to) - Date.parse(dflt.body.filter.from)) / 86_400_000;
  assert.equal(span, 27);
});

test('CSV downloads carry the figure\'s table', async () => {
  const r = await get('supervisor', `/api/dashboard/figures/hit-rate?${P}&format=csv`);
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/csv/);
  assert.match(String(r.headers['content-disposition']), /attachment; filename="hit-rate_2025-03-03_2025-03-09.csv"/);
  const lines = r.text.trim().split('\r\n');
  assert.equal(lines[0], 'group,value,inspected,fraud,critical,hit_rate');
  assert.ok(lines.includes('selection,risk,4,2,1,0.5'));
  assert.ok(lines.includes('channel,yellow,3,1,0,0.3333'));
  assert.equal(lines.at(-1), 'all,,6,3,1,0.5');
  const rel = await get('supervisor', `/api/dashboard/figures/release-time?${P}&format=csv`);
  assert.ok(rel.text.split('\r\n').includes('summary,remote,4,1.75,2.125,,,,,'));
  for (const f of ['inspector-throughput', 'remote-share', 'enterprise-cost']) {
    const c = await get('auditor', `/api/dashboard/figures/${f}?${P}&format=csv`);
    assert.equal(c.status, 200, f);
    assert.ok(c.text.split('\r\n').length > 2, f);
  }
  const share = await get('auditor', `/api/dashboard/figures/remote-share?${P}&format=csv`);
  assert.ok(share.text.includes('red-channel,Red-channel orders are inspected on site,1,0.3333'));
});

test('figures follow the workflow incrementally: a later decision is counted, nothing is recomputed twice', async () => {
  await decideCase(t, o9, { outcome: 'hold', at: L('2025-03-06 09:00'), fraud: true });
  const queued = (await t.ctx.db.execute(sql`select count(*)::int as n from dash_dirty_orders`)) as unknown as { rows: { n: number }[] };
  assert.ok(Number(queued.rows[0].n) >= 1, 'the change queued the order');
  const r = await get('supervisor', `/api/dashboard/figures/hit-rate?${P}`);
  assert.deepEqual(r.body.overall, { inspected: 7, fraud: 4, critical: 1, hitRate: 0.5714 });
  const again = (await t.ctx.db.execute(sql`select count(*)::int as n from dash_dirty_orders`)) as unknown as { rows: { n: number }[] };
  assert.equal(Number(again.rows[0].n), 0, 'the read drained the queue');
  // Other figures are unchanged by a decision that does not release (O9 was held).
  const rel = await get('supervisor', `/api/dashboard/figures/release-time?${P}`);
  assert.equal(rel.body.summary[2].released, 5);
  const sums = (await t.ctx.db.execute(sql`select sum(inspections)::int as n from dash_daily where office_id = ${t.orgs.office}`)) as unknown as { rows: { n: number }[] };
  assert.equal(Number(sums.rows[0].n), 8, 'each inspected order counted once (7 in the period + O7)');
});

test('authorisation: office staff with dashboard.read only; other offices are not found; bad filters are named', async () => {
  const url = `/api/dashboard/figures/remote-share?${P}`;
  assert.equal((await get(null, url)).status, 401);
  for (const u of ['alpha.user', 'alpha.operator', 'inspector1']) {
    const r = await get(u, url);
    assert.equal(r.status, 403, u);
    assert.equal(r.body.error.code, 'forbidden');
  }
  for (const f of ['release-time', 'inspector-throughput', 'hit-rate', 'enterprise-cost']) {
    assert.equal((await get('alpha.user', `/api/dashboard/figures/${f}`)).status, 403, f);
    assert.equal((await get('inspector1', `/api/dashboard/figures/${f}?format=csv`)).status, 403, f);
  }
  const other = await get('supervisor', `${url}&officeId=${t.orgs.alpha}`);
  assert.equal(other.status, 404);
  assert.equal((await get('supervisor', `${url}&officeId=${t.orgs.office}`)).status, 200);
  const bad = await get('supervisor', '/api/dashboard/figures/remote-share?from=2025-03-09&to=2025-03-03');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'invalid_period');
  const badChannel = await get('supervisor', '/api/dashboard/figures/remote-share?channel=blue');
  assert.equal(badChannel.status, 400);
  assert.match(badChannel.body.error.message, /querystring\.channel/);
  assert.equal((await get('supervisor', '/api/dashboard/figures/remote-share?from=2025-02-30')).status, 400);
  assert.equal((await get('supervisor', '/api/dashboard/figures/remote-share?surprise=1')).status, 400);
  assert.equal((await get('supervisor', '/api/dashboard/figures/no-such-figure')).status, 404);
});

test('a release through the real workflow (order, dispatch, eligibility, booking, start, decision) shows in today\'s figures', async () => {
  const { setUpActors, orderInProgress } = await import('../findings/findings.test-helpers.ts');
  const a = await setUpActors(t);
  const o = await orderInProgress(t, a);
  const dec = await a.inspector1.post(`/api/orders/${o.id}/decisions`, { outcome: 'release' });
  assert.equal(dec.status, 201, dec.text);
  const r = await get('supervisor', '/api/dashboard/figures/release-time');
  assert.equal(r.status, 200);
  assert.equal(r.body.summary[0].released, 1, 'one remote release today');
  assert.equal(r.body.summary[1].released, 0);
  const th = await get('supervisor', '/api/dashboard/figures/inspector-throughput');
  assert.deepEqual(th.body.byMode[0], { mode: 'remote', inspections: 1, inspectorDays: 1, perInspectorDay: 1 });
  const cost = await get('supervisor', '/api/dashboard/figures/enterprise-cost?mode=remote');
  assert.equal(cost.body.tripsAvoided, 1);
});
