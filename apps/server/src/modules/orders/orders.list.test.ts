// Order lists at real volumes (issue 18): 3,600 orders in two customs offices and two enterprises. Search (order,
// declaration and container numbers, enterprise name), sorting and paging run in the database and agree with the
// same computation done here on the rows; every list stays inside the caller's organisation or office; bad query
// parameters get 400 naming the field. Runs on PGlite, and on Postgres with DATABASE_URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { organisations, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';
import { addInspector, client, type Client } from './orders.test-helpers.ts';
import { seedOrderVolume, type Seeded } from './orders.list.test-helpers.ts';

const PER_OFFICE = { alpha: 2000, beta: 1000, office2: 600 };

let t: TestApp;
let sup: Client;
let sup2: Client;
let alpha: Client;
let beta: Client;
let insp: Client;
let inspId: string;
let office2: string;
const seeded: Seeded[] = [];

before(async () => {
  t = await startTestApp({}, { jobs: false });
  const db = t.ctx.db;
  office2 = randomUUID();
  await db.insert(organisations).values({ id: office2, kind: 'customs_office', name: 'Pudong Airport Customs', code: 'CUS-PD', timeZone: 'Asia/Shanghai' });
  await db.insert(users).values({ id: randomUUID(), orgId: office2, username: 'pd.supervisor', displayName: 'PD supervisor', role: 'supervisor', passwordHash: await hashPassword(TEST_PASSWORD) });
  inspId = await addInspector(t, 'list.inspector', { qualifications: ['general'], capacity: 100 });
  [sup, sup2, alpha, beta, insp] = await Promise.all(['supervisor', 'pd.supervisor', 'alpha.user', 'beta.user', 'list.inspector'].map((u) => client(t, u)));

  seeded.push(...await seedOrderVolume(t, [
    ['alpha', t.orgs.office, PER_OFFICE.alpha, 'ALP'], ['beta', t.orgs.office, PER_OFFICE.beta, 'BET'], ['alpha', office2, PER_OFFICE.office2, 'PDX'],
  ], inspId));
});
after(async () => t?.close());

const idsOf = (body: { items: { id: string }[] }) => body.items.map((o) => o.id);

/** Every page of a list, fetched with offset paging. */
async function allPages(c: Client, url: string, limit: number): Promise<{ ids: string[]; totals: number[] }> {
  const ids: string[] = [];
  const totals: number[] = [];
  for (let offset = 0; ; offset += limit) {
    const r = await c.get(`${url}${url.includes('?') ? '&' : '?'}limit=${limit}&offset=${offset}`);
    assert.equal(r.status, 200, r.text);
    totals.push(r.body.total);
    ids.push(...idsOf(r.body));
    if (r.body.items.length < limit) return { ids, totals };
  }
}

test('enterprise: its own orders only, every one exactly once over the pages, total counted', async (tc) => {
  const mine = seeded.filter((s) => s.enterpriseId === t.orgs.alpha);
  const started = performance.now();
  const first = await alpha.get('/api/orders?limit=50');
  const ms = performance.now() - started;
  assert.equal(first.status, 200);
  assert.equal(first.body.total, mine.length);
  assert.equal(first.body.items.length, 50);
  assert.deepEqual([first.body.limit, first.body.offset, first.body.totalIsExact], [50, 0, true]);
  tc.diagnostic(`alpha first page of ${mine.length}: ${ms.toFixed(0)} ms`);
  const { ids, totals } = await allPages(alpha, '/api/orders?sort=orderNo', 500);
  assert.equal(ids.length, mine.length);
  assert.equal(new Set(ids).size, mine.length, 'no order on two pages');
  assert.ok(totals.every((n) => n === mine.length));
  assert.deepEqual(new Set(ids), new Set(mine.map((s) => s.id)), 'exactly the enterprise\'s orders, from both offices');
  const b = await beta.get('/api/orders?limit=1');
  assert.equal(b.body.total, PER_OFFICE.beta);
  // Another enterprise's order numbers and containers find nothing.
  const foreign = seeded.find((s) => s.enterpriseId === t.orgs.alpha && s.containers.length)!;
  assert.equal((await beta.get(`/api/orders?q=${foreign.containers[0]}`)).body.total, 0);
  assert.equal((await beta.get(`/api/orders?q=${foreign.orderNo}`)).body.total, 0);
});

test('sorting by declaration number, date and appointment, both directions, matches the rows', async () => {
  const office = seeded.filter((s) => s.officeId === t.orgs.office);
  const byNo = [...office].sort((a, b) => (a.declarationNo < b.declarationNo ? -1 : 1)).map((s) => s.id);
  const asc = await sup.get('/api/orders?sort=declarationNo&order=asc&limit=100&offset=200');
  assert.equal(asc.body.total, office.length);
  assert.deepEqual(idsOf(asc.body), byNo.slice(200, 300));
  const desc = await sup.get('/api/orders?sort=declarationNo&order=desc&limit=100');
  assert.deepEqual(idsOf(desc.body), [...byNo].reverse().slice(0, 100));

  const dates = (await sup.get('/api/orders?sort=date&order=desc&limit=500')).body.items.map((o: { assignedDate: string | null; dueDate: string }) => o.assignedDate ?? o.dueDate);
  assert.deepEqual(dates, [...dates].sort().reverse());

  // Inbox: my open orders, the soonest appointment first and those without one after.
  const mineOpen = office.filter((s) => s.inspectorId === inspId && !['closed', 'cancelled'].includes(s.state));
  const inbox = await insp.get('/api/orders?mine=true&open=true&sort=appointment&order=asc&limit=500');
  assert.equal(inbox.status, 200, inbox.text);
  assert.equal(inbox.body.total, mineOpen.length);
  const withAppt = mineOpen.filter((s) => s.appointmentAt).sort((a, b) => a.appointmentAt! - b.appointmentAt!).map((s) => s.id);
  assert.ok(withAppt.length > 10);
  assert.deepEqual(idsOf(inbox.body).slice(0, withAppt.length), withAppt);
  assert.ok(inbox.body.items.slice(withAppt.length).every((o: { appointment: unknown }) => o.appointment === null));
  assert.ok(inbox.body.items.every((o: { state: string; inspectorId: string }) => o.inspectorId === inspId && !['closed', 'cancelled'].includes(o.state)));
});

test('search: order number, declaration number prefix, container numbers of the declaration and its arrival notice, enterprise name', async () => {
  const office = seeded.filter((s) => s.officeId === t.orgs.office);
  const withContainer = office.find((s) => s.containers.length)!;
  const r1 = await sup.get(`/api/orders?q=${withContainer.containers[0]}`);
  assert.deepEqual(idsOf(r1.body), [withContainer.id]);
  // A prefix of the owner code and serial finds every container starting with it (lower case too).
  const prefix = withContainer.containers[0].slice(0, 8).toLowerCase();
  const expected = office.filter((s) => s.containers.some((c) => c.toLowerCase().startsWith(prefix)));
  assert.equal((await sup.get(`/api/orders?q=${prefix}&limit=500`)).body.total, expected.length);
  const withNotice = office.find((s) => s.noticeContainers.length)!;
  assert.deepEqual(idsOf((await sup.get(`/api/orders?q=${withNotice.noticeContainers[0]}`)).body), [withNotice.id]);
  assert.deepEqual(idsOf((await sup.get(`/api/orders?q=${encodeURIComponent(withNotice.orderNo.slice(-8))}`)).body), [withNotice.id]);
  const declPrefix = 'LST-BET-0012';
  assert.equal((await sup.get(`/api/orders?q=${declPrefix}`)).body.total, office.filter((s) => s.declarationNo.startsWith(declPrefix)).length);
  const [beta] = await t.ctx.db.select().from(organisations).where(eq(organisations.id, t.orgs.beta));
  const byName = await sup.get(`/api/orders?q=${encodeURIComponent(beta.name.slice(2, 8).toUpperCase())}&limit=1`);
  assert.equal(byName.body.total, PER_OFFICE.beta, `"${beta.name.slice(2, 8)}" finds the enterprise's orders`);
  // LIKE's wildcards are searched for, not used: '%' and '_' match nothing here.
  assert.equal((await sup.get('/api/orders?q=%25')).body.total, 0);
  assert.equal((await sup.get('/api/orders?q=_')).body.total, 0);
  // Filters combine with the search and the paging.
  const booked = await sup.get('/api/orders?q=LST-ALP&state=booked&mode=remote&limit=5');
  assert.equal(booked.body.total, office.filter((s) => s.declarationNo.startsWith('LST-ALP') && s.state === 'booked' && s.mode === 'remote').length);
  assert.ok(booked.body.items.every((o: { state: string; mode: string }) => o.state === 'booked' && o.mode === 'remote'));
});

test('office isolation: the other office sees and finds only its own orders', async () => {
  const mine = seeded.filter((s) => s.officeId === office2);
  const r = await sup2.get('/api/orders?limit=1');
  assert.equal(r.body.total, mine.length);
  assert.equal((await sup.get('/api/orders?limit=1')).body.total, PER_OFFICE.alpha + PER_OFFICE.beta);
  const other = seeded.find((s) => s.officeId === t.orgs.office && s.containers.length)!;
  assert.equal((await sup2.get(`/api/orders?q=${other.containers[0]}`)).body.total, 0);
  assert.equal((await sup2.get('/api/orders?q=LST-ALP')).body.total, 0);
  assert.equal((await sup2.get('/api/orders/plan?q=LST-ALP&from=2030-01-01&days=31')).body.total, 0);
  const plan2 = await sup2.get('/api/orders/plan?from=2030-01-01&days=31&limit=10');
  assert.ok(plan2.body.orders.every((o: { officeId: string }) => o.officeId === office2));
});

test('the plan: a filtered, sorted page with its total; counts by state over the whole range', async (tc) => {
  const office = seeded.filter((s) => s.officeId === t.orgs.office);
  const inRange = office.filter((s) => s.state === 'selected' || (s.dueDate >= '2030-01-01' && s.dueDate <= '2030-01-07'));
  const started = performance.now();
  const plan = await sup.get('/api/orders/plan?from=2030-01-01&days=7&limit=50');
  tc.diagnostic(`plan page of ${inRange.length}: ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(plan.status, 200, plan.text);
  assert.equal(plan.body.total, inRange.length);
  assert.equal(plan.body.orders.length, 50);
  assert.equal(Object.values(plan.body.byState as Record<string, number>).reduce((a, b) => a + b, 0), inRange.length);
  assert.equal(plan.body.unassigned, inRange.filter((s) => s.state === 'selected').length);
  const inspLoad = plan.body.byInspector.find((i: { inspectorId: string }) => i.inspectorId === inspId);
  assert.equal(inspLoad.orders, inRange.filter((s) => s.inspectorId === inspId && s.state !== 'cancelled').length);

  const filtered = await sup.get('/api/orders/plan?from=2030-01-01&days=7&q=LST-BET&unassigned=true&sort=declarationNo&order=desc&limit=20&offset=20');
  const expected = inRange.filter((s) => s.declarationNo.startsWith('LST-BET') && s.state === 'selected').sort((a, b) => (a.declarationNo < b.declarationNo ? 1 : -1));
  assert.equal(filtered.body.total, expected.length);
  assert.deepEqual(idsOf({ items: filtered.body.orders }), expected.slice(20, 40).map((s) => s.id));
  assert.equal(filtered.body.byState.selected, plan.body.byState.selected, 'the counts ignore the filters');
  const byInspector = await sup.get(`/api/orders/plan?from=2030-01-01&days=7&inspectorId=${inspId}&sort=inspector&limit=500`);
  assert.ok(byInspector.body.orders.every((o: { inspectorId: string }) => o.inspectorId === inspId));
});

test('bad query parameters: 400 naming the field; customs-only sorts and filters refused to an enterprise', async () => {
  const cases: [Client, string, string][] = [
    [sup, '/api/orders?sort=risk', 'querystring.sort'],
    [sup, '/api/orders?order=up', 'querystring.order'],
    [sup, '/api/orders?limit=0', 'querystring.limit'],
    [sup, '/api/orders?limit=501', 'querystring.limit'],
    [sup, '/api/orders?offset=-1', 'querystring.offset'],
    [sup, `/api/orders?q=${'x'.repeat(65)}`, 'querystring.q'],
    [sup, '/api/orders?state=lost', 'querystring.state'],
    [sup, '/api/orders?mode=video', 'querystring.mode'],
    [sup, '/api/orders?colour=red', 'querystring.colour'],
    [sup, '/api/orders/plan?sort=priority', 'querystring.sort'],
    [sup, '/api/orders/plan?unassigned=maybe', 'querystring.unassigned'],
    [alpha, '/api/orders?sort=queue', 'querystring.sort'],
    [alpha, '/api/orders?sort=inspector', 'querystring.sort'],
    [alpha, `/api/orders?inspectorId=${inspId}`, 'querystring.inspectorId'],
  ];
  for (const [c, url, field] of cases) {
    const r = await c.get(url);
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.equal(r.body.error.code, 'validation');
    assert.ok(r.body.error.details.some((d: { field: string }) => d.field === field), `${url} names ${field}: ${r.text}`);
  }
  assert.equal((await alpha.get('/api/orders/plan')).status, 403);
  assert.equal((await t.app.inject({ url: '/api/orders?q=LST' })).statusCode, 401);
});
