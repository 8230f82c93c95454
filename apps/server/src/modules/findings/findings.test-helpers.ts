// Helpers for the issue-7 integration tests: HTTP clients per demo user, an inspection order driven from a filed
// declaration to `in_progress` through the real order routes (create, dispatch, eligibility, remote registration,
// booking, start), a second customs office with its own supervisor, and media fixtures made with ffmpeg.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { addDays, dayNumber, isoWeekday, toWallClock } from '@rvi/dispatch';
import { GOODS_CATEGORIES } from '@rvi/contracts';
import { declarationBody, TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { inspectionOrders, organisations, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';

export interface Reply {
  status: number;
  body: any;
  text: string;
}
export interface Client {
  cookie: string;
  userId: string;
  get(url: string): Promise<Reply>;
  post(url: string, payload?: unknown): Promise<Reply>;
  put(url: string, payload?: unknown): Promise<Reply>;
  patch(url: string, payload?: unknown): Promise<Reply>;
  del(url: string): Promise<Reply>;
}

export async function client(t: TestApp, username: string): Promise<Client> {
  const cookie = await t.login(username);
  const [u] = await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Reply> => {
    const r = await t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
    let body: any = null;
    try { body = r.json(); } catch { body = null; }
    return { status: r.statusCode, body, text: r.body };
  };
  return {
    cookie, userId: u.id,
    get: (url) => call('GET', url), post: (url, p) => call('POST', url, p ?? {}), put: (url, p) => call('PUT', url, p ?? {}),
    patch: (url, p) => call('PATCH', url, p ?? {}), del: (url) => call('DELETE', url),
  };
}

/** An anonymous request (no cookie). */
export async function anonymous(t: TestApp, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<number> {
  return (await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) })).statusCode;
}

/** The first weekday at least a week ahead (office time): demo rosters have both inspectors on duty then. */
export function dispatchDay(): string {
  let d = addDays(toWallClock(Date.now(), 'Asia/Shanghai').date, 7);
  while (isoWeekday(dayNumber(d)!) > 5) d = addDays(d, 1);
  return d;
}

export interface Actors {
  sup: Client;
  alpha: Client;
  beta: Client;
  inspector1: Client;
  inspector2: Client;
  admin: Client;
  auditor: Client;
}

/** Logs the demo users in and gives both demo inspectors room for every order of a test file. */
export async function setUpActors(t: TestApp): Promise<Actors> {
  const [sup, alpha, beta, inspector1, inspector2, admin, auditor] = await Promise.all(
    ['supervisor', 'alpha.user', 'beta.user', 'inspector1', 'inspector2', 'admin', 'auditor'].map((u) => client(t, u)),
  );
  // No rotation between inspectors and enterprises: every order of a file goes to the same demo inspectors.
  const settings = (await admin.get('/api/order-settings')).body;
  const r0 = await admin.put('/api/order-settings', { ...settings, rotationDays: 0 });
  if (r0.status !== 200) throw new Error(`order settings: ${r0.status} ${r0.text}`);
  for (const i of [inspector1, inspector2]) {
    const r = await sup.put(`/api/inspectors/${i.userId}/profile`, { qualifications: [...GOODS_CATEGORIES], dailyCapacity: 50 });
    if (r.status !== 204) throw new Error(`inspector profile: ${r.status} ${r.text}`);
  }
  return { sup, alpha, beta, inspector1, inspector2, admin, auditor };
}

function expect(r: Reply, status: number, what: string): Reply {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text}`);
  return r;
}

let seq = 0;

/**
 * The enterprise (alpha) files a declaration; the supervisor orders its inspection; dispatch assigns it (moved to
 * inspector1 if the draw chose the other); remote eligibility; slots offered; the enterprise books one with its
 * operator; the inspector starts. Returns the order in `in_progress`.
 */
export async function orderInProgress(t: TestApp, a: Actors, opts: { hs6?: string; declarationNo?: string } = {}): Promise<{ id: string; orderNo: string; declarationId: string; declarationNo: string }> {
  const declarationNo = opts.declarationNo ?? `F7-${process.pid}-${++seq}-${randomUUID().slice(0, 6)}`;
  const decl = expect(await a.alpha.post('/api/declarations', declarationBody(declarationNo, { hs6: opts.hs6 ?? '851762', goodsDescription: 'Mobile phones, 200 cartons' })), 201, 'declaration');
  const order = expect(await a.sup.post('/api/orders', { declarationId: decl.body.id, reason: 'test inspection' }), 201, 'order');
  expect(await a.sup.post('/api/dispatch/runs', { date: dispatchDay() }), 201, 'dispatch');
  let [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.body.id));
  if (row.state !== 'assigned') throw new Error(`dispatch left the order ${row.state}: ${JSON.stringify(row.unassignedReason)}`);
  if (row.inspectorId !== a.inspector1.userId) {
    expect(await a.sup.post(`/api/orders/${row.id}/reassign`, { inspectorId: a.inspector1.userId, reason: 'the test works with inspector1' }), 200, 'reassign');
  }
  const insp = a.inspector1;
  expect(await insp.post(`/api/orders/${row.id}/eligibility`, { mode: 'remote', reason: 'remote inspection for the test' }), 200, 'eligibility');
  const reg = expect(await insp.post(`/api/orders/${row.id}/register-remote`, {}), 200, 'register-remote');
  const slots = reg.body.proposedSlots ?? (await insp.get(`/api/orders/${row.id}`)).body.proposedSlots;
  const slot = (slots as { start: string; end: string }[])[0];
  const [op] = await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, 'alpha.operator'));
  expect(await a.alpha.post(`/api/orders/${row.id}/booking`, { start: slot.start, end: slot.end, operatorUserId: op.id }), 200, 'booking');
  expect(await insp.post(`/api/orders/${row.id}/start`), 200, 'start');
  [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.body.id));
  if (row.state !== 'in_progress') throw new Error(`order is ${row.state}, not in_progress`);
  return { id: row.id, orderNo: row.orderNo, declarationId: decl.body.id, declarationNo };
}

/** A second customs office with its own supervisor (four eyes: a supervisor of another office may not approve). */
export async function otherOfficeSupervisor(t: TestApp): Promise<Client> {
  const officeId = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: officeId, kind: 'customs_office', name: 'Pudong Airport Customs', code: `CUS-PD-${officeId.slice(0, 4)}` });
  const username = `pd.supervisor.${officeId.slice(0, 6)}`;
  await t.ctx.db.insert(users).values({ id: randomUUID(), orgId: officeId, username, displayName: 'Other office supervisor', role: 'supervisor', passwordHash: await hashPassword(TEST_PASSWORD) });
  return client(t, username);
}

/** A 2-second 320×240 VP8 WebM and a JPEG snapshot, made with ffmpeg in `dir`. */
export function makeMedia(dir: string): { webm: string; jpg: string } {
  const webm = join(dir, 'recording-0001.webm');
  const jpg = join(dir, 'snapshot-0001.jpg');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2', '-c:v', 'libvpx', '-b:v', '200k', webm]);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240', '-frames:v', '1', jpg]);
  return { webm, jpg };
}
