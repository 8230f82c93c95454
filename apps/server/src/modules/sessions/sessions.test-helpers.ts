// Helpers for the live-session tests: HTTP clients per demo user and a remote inspection order driven to `booked`
// through the real order routes (declaration, order, dispatch, eligibility, slots, booking with the operator).
import { randomUUID } from 'node:crypto';
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
}

export async function client(t: TestApp, username: string): Promise<Client> {
  const cookie = await t.login(username);
  const [u] = await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown): Promise<Reply> => {
    const r = await t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
    let body: any = null;
    try { body = r.json(); } catch { body = null; }
    return { status: r.statusCode, body, text: r.body };
  };
  return { cookie, userId: u.id, get: (url) => call('GET', url), post: (url, p) => call('POST', url, p ?? {}) };
}

function expectStatus(r: Reply, status: number, what: string): Reply {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text}`);
  return r;
}

function dispatchDay(): string {
  let d = addDays(toWallClock(Date.now(), 'Asia/Shanghai').date, 7);
  while (isoWeekday(dayNumber(d)!) > 5) d = addDays(d, 1);
  return d;
}

export interface People {
  sup: Client;
  alpha: Client;
  beta: Client;
  inspector1: Client;
  inspector2: Client;
  operator: Client;
}

export async function people(t: TestApp): Promise<People> {
  const [sup, alpha, beta, inspector1, inspector2, operator] = await Promise.all(
    ['supervisor', 'alpha.user', 'beta.user', 'inspector1', 'inspector2', 'alpha.operator'].map((u) => client(t, u)),
  );
  for (const i of [inspector1, inspector2]) {
    const r = await t.app.inject({ method: 'PUT', url: `/api/inspectors/${i.userId}/profile`, headers: { cookie: sup.cookie }, payload: { qualifications: [...GOODS_CATEGORIES], dailyCapacity: 50 } });
    if (r.statusCode !== 204) throw new Error(`profile: ${r.statusCode} ${r.body}`);
  }
  const admin = await client(t, 'admin');
  const s = (await admin.get('/api/order-settings')).body;
  // no rotation: several orders of one enterprise go to inspector1 in one test file
  await t.app.inject({ method: 'PUT', url: '/api/order-settings', headers: { cookie: admin.cookie }, payload: { ...s, rotationDays: 0 } });
  return { sup, alpha, beta, inspector1, inspector2, operator };
}

let seq = 0;

/** A remote inspection order of enterprise alpha, assigned to inspector1 and booked with alpha.operator. */
export async function bookedOrder(t: TestApp, p: People, opts: { hs6?: string } = {}): Promise<{ id: string; orderNo: string }> {
  const no = `S5-${process.pid}-${++seq}-${randomUUID().slice(0, 6)}`;
  const decl = expectStatus(await p.alpha.post('/api/declarations', declarationBody(no, { hs6: opts.hs6 ?? '851762', goodsDescription: 'Mobile phones, 200 cartons' })), 201, 'declaration');
  const order = expectStatus(await p.sup.post('/api/orders', { declarationId: decl.body.id, reason: 'session test' }), 201, 'order');
  expectStatus(await p.sup.post('/api/dispatch/runs', { date: dispatchDay() }), 201, 'dispatch');
  const [row] = await t.ctx.db.select().from(inspectionOrders).where(eq(inspectionOrders.id, order.body.id));
  if (row.state !== 'assigned') throw new Error(`dispatch left the order ${row.state}`);
  if (row.inspectorId !== p.inspector1.userId) {
    expectStatus(await p.sup.post(`/api/orders/${row.id}/reassign`, { inspectorId: p.inspector1.userId, reason: 'the test works with inspector1' }), 200, 'reassign');
  }
  expectStatus(await p.inspector1.post(`/api/orders/${row.id}/eligibility`, { mode: 'remote', reason: 'remote inspection for the test' }), 200, 'eligibility');
  const reg = expectStatus(await p.inspector1.post(`/api/orders/${row.id}/register-remote`, {}), 200, 'register-remote');
  const slots = reg.body.proposedSlots ?? (await p.inspector1.get(`/api/orders/${row.id}`)).body.proposedSlots;
  const slot = (slots as { start: string; end: string }[])[0];
  expectStatus(await p.alpha.post(`/api/orders/${row.id}/booking`, { start: slot.start, end: slot.end, operatorUserId: p.operator.userId }), 200, 'booking');
  return { id: row.id, orderNo: row.orderNo };
}

/** A second customs office with a supervisor and an inspector. */
export async function otherOffice(t: TestApp): Promise<{ supervisor: Client; inspector: Client }> {
  const officeId = randomUUID();
  await t.ctx.db.insert(organisations).values({ id: officeId, kind: 'customs_office', name: 'Pudong Airport Customs', code: `CUS-PD-${officeId.slice(0, 4)}` });
  const hash = await hashPassword(TEST_PASSWORD);
  const tag = officeId.slice(0, 6);
  await t.ctx.db.insert(users).values([
    { id: randomUUID(), orgId: officeId, username: `pd.sup.${tag}`, displayName: 'PD supervisor', role: 'supervisor', passwordHash: hash },
    { id: randomUUID(), orgId: officeId, username: `pd.insp.${tag}`, displayName: 'PD inspector', role: 'inspector', passwordHash: hash },
  ]);
  return { supervisor: await client(t, `pd.sup.${tag}`), inspector: await client(t, `pd.insp.${tag}`) };
}
