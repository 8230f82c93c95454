// The authorisation matrix over EVERY route (issue 13): each route declares the access it needs (platform/access.ts),
// and this test walks route × role × organisation from that table, so a new route cannot escape it.
//
// 1. Every /api route declares its access; nothing is left undeclared.
// 2. The role layer, for each route and each of 12 users of all 6 roles in two customs offices and two enterprises,
//    plus an anonymous caller (ids in the path are unknown, bodies empty: nothing is changed):
//    anonymous → 401 (public and camera-page routes excepted); a role without a role-scoped route's action → 403
//    `forbidden`; a role with it, or any user on an `authenticated` route → never 401, never `forbidden`; never 5xx.
// 3. Organisations, on real records of enterprise Alpha handled by the first office (a declaration, its arrival
//    notice, an order in progress with a finding and a pending decision, a live session with a snapshot and its
//    events and an added step, the dispatch run, the appointment, a camera device, an API token, the inspector, the
//    users and organisation): every route whose path
//    names such a record is called by the users of the other enterprise and of the other customs office → never a
//    2xx, reads answer 403/404, and no answer carries the record's data; the owning side's users read them (200), so
//    the 404s are not for records that do not exist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { eq } from 'drizzle-orm';
import type { Role } from '@rvi/contracts';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../../test/harness.ts';
import {
  appointments, arrivalNotices, caseMedia, decisions, dispatchRuns, findings, organisations, sessionEvents, sessionSnapshots, sessionSteps, users,
} from '../db/schema.ts';
import { hashPassword } from '../modules/auth/auth.service.ts';
import { orderInProgress, setUpActors, type Actors } from '../modules/findings/findings.test-helpers.ts';
import { routeAccess, type RouteAccessEntry } from './access.ts';
import { roleActions } from './policy.ts';

interface User { name: string; role: Role; side: 'own' | 'foreign'; cookie: string }
let t: TestApp;
let a: Actors;
let routes: RouteAccessEntry[];
const people: User[] = [];
/** Alpha's records, by the path segment that names them (…/orders/:id → orders) or the parameter's own name. */
const rec = new Map<string, string>();
/** Text of Alpha's records that no foreign answer may carry. */
const secrets: string[] = [];

const OWN: [string, Role][] = [
  ['alpha.user', 'enterprise_user'], ['alpha.operator', 'onsite_operator'], ['inspector1', 'inspector'],
  ['supervisor', 'supervisor'], ['admin', 'administrator'], ['auditor', 'auditor'],
];
const FOREIGN_ROLES: Role[] = ['inspector', 'supervisor', 'administrator', 'auditor'];

before(async () => {
  t = await startTestApp({}, { jobs: false });
  await t.app.ready();
  routes = routeAccess(t.app);
  a = await setUpActors(t);

  // the other customs office, with one user of each customs role; the other enterprise is Beta (demo data)
  const office = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: office, kind: 'customs_office', name: 'Matrix Other Customs', code: 'CUS-MX' });
  const hash = await hashPassword(TEST_PASSWORD);
  await t.ctx.db.insert(users).values(FOREIGN_ROLES.map((role) => ({ id: randomUUID(), orgId: office, username: `mx.${role}`, displayName: `MX ${role}`, role, passwordHash: hash })));
  for (const [name, role] of OWN) people.push({ name, role, side: 'own', cookie: await t.login(name) });
  people.push({ name: 'beta.user', role: 'enterprise_user', side: 'foreign', cookie: await t.login('beta.user') });
  people.push({ name: 'beta.operator', role: 'onsite_operator', side: 'foreign', cookie: await t.login('beta.operator') });
  for (const role of FOREIGN_ROLES) people.push({ name: `mx.${role}`, role, side: 'foreign', cookie: await t.login(`mx.${role}`) });

  // Alpha's records, made through the real routes
  const order = await orderInProgress(t, a, { declarationNo: `MX-${randomUUID().slice(0, 8)}` });
  const finding = await a.inspector1.post(`/api/orders/${order.id}/findings`, {
    kind: 'discrepancy', type: 'quantity', severity: 'significant', field: 'quantity', declared: '200 cartons', observed: '180 cartons',
  });
  assert.equal(finding.status, 201, finding.text);
  const decision = await a.inspector1.post(`/api/orders/${order.id}/decisions`, { outcome: 'hold', reason: 'quantity short: matrix test' });
  assert.equal(decision.status, 201, decision.text);
  const notice = await a.alpha.post(`/api/declarations/${order.declarationId}/arrival-notices`, {
    expectedArrivalAt: '2026-12-20T08:00:00Z', location: 'Yangshan Terminal 4', containerNumbers: ['MSCU1234566'], goodsSummary: 'Phones',
  });
  assert.equal(notice.status, 201, notice.text);

  // a second order of Alpha, booked, with a live session, a device and a snapshot
  const booked = await orderInProgress(t, a, { declarationNo: `MX-${randomUUID().slice(0, 8)}` });
  const opened = await a.inspector1.post('/api/sessions', { orderId: booked.id });
  assert.equal(opened.status, 201, opened.text);
  const session = opened.body.session as { id: string };
  const token = new URL(opened.body.link.url).hash.replace('#t=', '');
  const { deviceKey } = (await t.app.inject({ method: 'POST', url: '/api/device/redeem', payload: { token } })).json();
  const jpeg = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']);
  const q = new URLSearchParams({ clientId: 'matrix-0001', width: '320', height: '240', takenAt: new Date().toISOString(), method: 'canvas', sha256: createHash('sha256').update(jpeg).digest('hex') });
  const up = await t.app.inject({ method: 'POST', url: `/api/device/snapshots?${q}`, headers: { 'content-type': 'image/jpeg', 'x-device-key': deviceKey }, payload: jpeg });
  assert.equal(up.statusCode, 200, up.body);

  const device = await a.alpha.post('/api/devices', { name: 'Matrix phone', kind: 'phone' });
  assert.equal(device.status, 201, device.text);
  const apiToken = await a.admin.post('/api/admin/api-tokens', { orgId: 'ENT-ALPHA', name: 'matrix broker', scopes: ['declaration.read'] });
  assert.equal(apiToken.status, 201, apiToken.text);
  const step = await a.inspector1.post(`/api/sessions/${session.id}/steps`, { text: 'Show the pallet labels' });
  assert.equal(step.status, 200, step.text);

  const db = t.ctx.db;
  const one = async <R extends { id: string }>(rows: Promise<R[]>) => (await rows)[0]?.id;
  const ids: Record<string, string | undefined> = {
    declarations: order.declarationId,
    'arrival-notices': notice.body.id ?? await one(db.select({ id: arrivalNotices.id }).from(arrivalNotices).where(eq(arrivalNotices.declarationId, order.declarationId))),
    orders: order.id,
    findings: finding.body.id ?? await one(db.select({ id: findings.id }).from(findings).where(eq(findings.orderId, order.id))),
    decisions: decision.body.id ?? await one(db.select({ id: decisions.id }).from(decisions).where(eq(decisions.orderId, order.id))),
    sessions: session.id,
    snapshots: up.json().id ?? await one(db.select({ id: sessionSnapshots.id }).from(sessionSnapshots).where(eq(sessionSnapshots.sessionId, session.id))),
    events: await one(db.select({ id: sessionEvents.id }).from(sessionEvents).where(eq(sessionEvents.sessionId, session.id))),
    media: await one(db.select({ id: caseMedia.id }).from(caseMedia).where(eq(caseMedia.orderId, order.id))),
    runs: await one(db.select({ id: dispatchRuns.id }).from(dispatchRuns).where(eq(dispatchRuns.officeId, t.orgs.office))),
    appointments: await one(db.select({ id: appointments.id }).from(appointments).where(eq(appointments.orderId, booked.id))),
    devices: device.body.id,
    'api-tokens': apiToken.body.token?.id,
    stepId: step.body.id ?? await one(db.select({ id: sessionSteps.id }).from(sessionSteps).where(eq(sessionSteps.sessionId, session.id))),
    inspectors: a.inspector1.userId,
    enterpriseId: t.orgs.alpha,
    users: a.alpha.userId,
    organisations: t.orgs.alpha,
  };
  for (const [k, v] of Object.entries(ids)) if (v) rec.set(k, String(v));
  secrets.push(order.orderNo, order.declarationNo, booked.orderNo, booked.declarationNo, 'Alpha Trading', '180 cartons', 'quantity short: matrix test');
});
after(async () => t?.close());

/** The path with every parameter filled: from Alpha's records (`real`), or unknown ids. */
function pathOf(url: string, real: boolean): { path: string; resolved: boolean; ids: string[] } {
  const segs = url.split('/');
  let resolved = true;
  const ids: string[] = [];
  const path = segs.map((s, i) => {
    if (!s.startsWith(':')) return s;
    const name = s.slice(1);
    if (name === 'recordType') return 'findings';
    const key = name === 'id' ? segs[i - 1] : name === 'snapshotId' ? 'snapshots' : name === 'eventId' ? 'events' : name === 'segmentId' ? 'recordings' : name;
    const id = real ? rec.get(key) : undefined;
    if (!id) resolved = false;
    const v = id ?? randomUUID();
    ids.push(v);
    return v;
  }).join('/');
  return { path, resolved, ids };
}

// Routes whose call would change the caller's own login (it would log the matrix's user out or start enrolling a
// second factor): the role layer is checked for anonymous callers only; auth.routes.test and factors.routes.test
// cover them as signed-in users.
const OWN_LOGIN = new Set(['POST /api/auth/logout', 'POST /api/auth/totp/enrol', 'POST /api/auth/totp/confirm', 'POST /api/auth/factor']);

async function call(method: string, path: string, cookie?: string) {
  const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
  const headers: Record<string, string> = {};
  if (cookie) headers.cookie = cookie;
  if (body) headers['content-type'] = 'application/json';
  const r = await t.app.inject({ method: method as 'GET', url: path, headers, payload: body });
  let code: string | undefined;
  try { code = r.json()?.error?.code; } catch { /* not JSON */ }
  return { status: r.statusCode, code, body: r.body };
}

test('every API route declares the access it needs', () => {
  const missing = routes.filter((r) => r.access === null).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(missing, [], `routes without an access declaration:\n${missing.join('\n')}`);
  assert.ok(routes.length >= 140, `${routes.length} routes`);
});

test('the role layer: anonymous 401, a role without the action 403, a role with it gets past the rule table; never 5xx', async (tc) => {
  const problems: string[] = [];
  let calls = 0;
  for (const r of routes) {
    const access = r.access;
    if (!access) continue;
    const { path } = pathOf(r.url, false);
    const what = `${r.method} ${r.url}`;
    const anon = await call(r.method, path);
    calls++;
    if (anon.status >= 500) problems.push(`${what} anonymous: ${anon.status}`);
    if ('public' in access) { if (anon.status === 401) problems.push(`${what} is public but answered 401`); continue; }
    if ('device' in access) { if (anon.status < 400) problems.push(`${what} without a device token: ${anon.status}`); continue; }
    if (anon.status !== 401) problems.push(`${what} anonymous: ${anon.status}, not 401`);
    if (OWN_LOGIN.has(what)) continue;
    for (const u of people) {
      const res = await call(r.method, path, u.cookie);
      calls++;
      const who = `${what} as ${u.name} (${u.role})`;
      if (res.status >= 500) { problems.push(`${who}: ${res.status} ${res.body.slice(0, 200)}`); continue; }
      if (res.status === 401) { problems.push(`${who}: 401`); continue; }
      if ('authenticated' in access) {
        if (res.code === 'forbidden') problems.push(`${who}: forbidden on a route for every signed-in user`);
        continue;
      }
      const has = roleActions(u.role).includes(access.action);
      if (access.scope === 'record') {
        if (!has && ![403, 404].includes(res.status) && res.status !== 400) problems.push(`${who}: ${res.status}, but the role lacks ${access.action}`);
        if (has && res.code === 'forbidden' && res.body.includes(access.action.replace('.', ': '))) problems.push(`${who}: refused ${access.action} although the role has it`);
        continue;
      }
      if (!has && !(res.status === 403 && res.code === 'forbidden')) problems.push(`${who}: ${res.status} ${res.code ?? ''}, but the role lacks ${access.action}`);
      if (has && res.code === 'forbidden') problems.push(`${who}: forbidden although the role has ${access.action}: ${res.body.slice(0, 160)}`);
    }
  }
  tc.diagnostic(`${routes.length} routes, ${people.length} users + anonymous: ${calls} calls`);
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.ok(calls > routes.length * 10, `${calls} calls`);
});

test('organisations: a record of another enterprise or another office is never disclosed or changed; its own side reads it', async (tc) => {
  const problems: string[] = [];
  let foreignCalls = 0;
  let ownReads = 0;
  const covered = new Set<string>();
  for (const r of routes) {
    const access = r.access;
    if (!access || !r.url.includes(':') || 'public' in access || 'device' in access) continue;
    const { path, resolved, ids } = pathOf(r.url, true);
    if (!resolved) continue;
    const what = `${r.method} ${r.url}`;
    covered.add(what);
    for (const u of people) {
      if (u.side === 'own') {
        // reads by Alpha's side: allowed by the role → found (200, or a 404 of its own kind such as not_scored): the
        // records exist, so the foreign 404s mean something
        if (r.method !== 'GET') continue;
        const allowed = 'authenticated' in access || roleActions(u.role).includes(access.action);
        if (!allowed) continue;
        const res = await call(r.method, path, u.cookie);
        ownReads++;
        if (res.status >= 500 || res.status === 401 || (res.status === 404 && res.code === 'not_found')) problems.push(`${what} as ${u.name} (own side): ${res.status} ${res.body.slice(0, 160)}`);
        continue;
      }
      const res = await call(r.method, path, u.cookie);
      foreignCalls++;
      const who = `${what} as ${u.name} (${u.role}, foreign)`;
      if (res.status < 400 || res.status >= 500) problems.push(`${who}: ${res.status} ${res.body.slice(0, 200)}`);
      else if (r.method === 'GET' && ![403, 404].includes(res.status)) problems.push(`${who}: ${res.status}, not 403/404`);
      // a 404 may name the id it was asked for; it may not carry any other part of the record
      const leaked = [...secrets, ...[...rec.values()].filter((v) => !ids.includes(v))].filter((s) => res.body.includes(s));
      if (leaked.length) problems.push(`${who}: the answer carries ${leaked.join(', ')}`);
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));
  // the records above reach most record routes: the routes not reached are those whose records the flow does not make
  const unreached = routes.filter((r) => r.url.includes(':') && r.access && !('public' in r.access) && !('device' in r.access) && !covered.has(`${r.method} ${r.url}`));
  tc.diagnostic(`${covered.size} record routes with Alpha's real records: ${foreignCalls} foreign calls, ${ownReads} own reads; not reached: ${unreached.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  assert.ok(covered.size >= 50, `record routes walked with real records: ${covered.size}; not reached: ${unreached.map((r) => `${r.method} ${r.url}`).join(', ')}`);
  assert.ok(foreignCalls >= covered.size * 6 && ownReads >= 20, `${foreignCalls} foreign calls, ${ownReads} own reads`);
});
