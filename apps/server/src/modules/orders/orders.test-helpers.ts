// Helpers shared by the issue-4 integration tests (orders, dispatch, eligibility, booking). Real database, real
// routes: nothing here replaces our own code.
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { addDays, dayNumber, isoWeekday, toWallClock } from '@rvi/dispatch';
import { TEST_PASSWORD, type TestApp } from '../../../test/harness.ts';
import { auditLog, declarations, inspectorProfiles, inspectorRosters, users } from '../../db/schema.ts';
import { hashPassword } from '../auth/auth.service.ts';

export const TZ = 'Asia/Shanghai';

/** The first date with the given ISO weekday at least `minDaysAhead` days after today (office time). */
export function futureWeekday(weekday: number, minDaysAhead = 7): string {
  let d = addDays(toWallClock(Date.now(), TZ).date, minDaysAhead);
  while (isoWeekday(dayNumber(d)!) !== weekday) d = addDays(d, 1);
  return d;
}

export interface Client {
  cookie: string;
  get(url: string): Promise<{ status: number; body: any; text: string }>;
  post(url: string, payload?: unknown): Promise<{ status: number; body: any; text: string }>;
  put(url: string, payload?: unknown): Promise<{ status: number; body: any; text: string }>;
}

export async function client(t: TestApp, username: string): Promise<Client> {
  const cookie = await t.login(username);
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const r = await t.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as object }) });
    let body: any = null;
    try { body = r.json(); } catch { body = null; }
    return { status: r.statusCode, body, text: r.body };
  };
  return { cookie, get: (u) => call('GET', u), post: (u, p) => call('POST', u, p ?? {}), put: (u, p) => call('PUT', u, p) };
}

let passwordHash: Promise<string> | null = null;

/** Adds an inspector to the demo office with a profile and (optionally) duty days. Returns the user id. */
export async function addInspector(t: TestApp, username: string, opts: { qualifications: string[]; capacity: number; onDuty?: string[]; offDuty?: string[]; officeId?: string }): Promise<string> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const id = randomUUID();
  const officeId = opts.officeId ?? t.orgs.office;
  await t.ctx.db.insert(users).values({ id, orgId: officeId, username, displayName: `Inspector ${username}`, role: 'inspector', passwordHash: await passwordHash });
  await t.ctx.db.insert(inspectorProfiles).values({ userId: id, officeId, qualifications: opts.qualifications, dailyCapacity: opts.capacity });
  const rows = [...(opts.onDuty ?? []).map((date) => ({ inspectorId: id, date, onDuty: true })), ...(opts.offDuty ?? []).map((date) => ({ inspectorId: id, date, onDuty: false }))];
  if (rows.length) await t.ctx.db.insert(inspectorRosters).values(rows);
  return id;
}

/** Takes the seeded demo inspectors out of dispatch, so a test controls every candidate. */
export async function retireDemoInspectors(t: TestApp): Promise<void> {
  const demo = await t.ctx.db.select({ id: users.id }).from(users).where(and(eq(users.orgId, t.orgs.office), eq(users.role, 'inspector')));
  for (const u of demo) await t.ctx.db.update(inspectorProfiles).set({ active: false }).where(eq(inspectorProfiles.userId, u.id));
}

/** Declarations of an enterprise (demo data), oldest first, optionally filtered by HS chapter prefix. */
export async function declarationIds(t: TestApp, org: 'alpha' | 'beta', n: number, filter: (hs6: string) => boolean = () => true): Promise<{ id: string; hs6: string; no: string }[]> {
  const rows = await t.ctx.db.select({ id: declarations.id, hs6: declarations.hs6, no: declarations.declarationNo }).from(declarations)
    .where(eq(declarations.orgId, t.orgs[org])).orderBy(asc(declarations.declarationNo));
  const out = rows.filter((r) => filter(r.hs6)).slice(0, n);
  if (out.length < n) throw new Error(`only ${out.length} declarations of ${org} match`);
  return out;
}

export async function userId(t: TestApp, username: string): Promise<string> {
  const [u] = await t.ctx.db.select({ id: users.id }).from(users).where(eq(users.username, username));
  return u.id;
}

export async function auditActions(t: TestApp, targetId: string): Promise<string[]> {
  const rows = await t.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(asc(auditLog.seq));
  return rows.map((r) => r.action);
}
