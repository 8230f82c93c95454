// Demo history (issue 8): several weeks of inspections generated at first start by running the REAL workflow
// services over declarations of the customs dataset (../shared/data/customs-declarations/train.csv when present,
// else the bundled sample): import, scoring, selection, orders, arrival notices, dispatch, eligibility decisions,
// remote bookings or on-site visits, start, findings and signed decisions whose outcome follows the dataset's Fraud
// labels (four-eyes approval for everything but a clean release).
//
// What is simulated, and marked so:
// - Time. The services stamp "now"; every case is then dated into the past on a plausible timeline (selection,
//   arrival, inspection, release) kept in dash_simulated_times, which the figures use. Audit entries, transitions
//   and signatures keep the real generation time (the audit chain says when the history was generated).
// - Calendars. Each case is booked on a day three weeks ahead (so it never takes a real slot of the coming days);
//   once closed, its appointment is marked completed at the simulated time and the order's due date moved to its
//   simulated day (assigned date cleared, so the history does not count against rotation or capacity).
// - Live sessions of remote cases: an ended session row without media, media node `simulated`.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { addDays, dayNumber, isoWeekday, toWallClock, wallClockToInstant } from '@rvi/dispatch';
import type { DemoHistoryStatus } from '@rvi/contracts';
import type { AppContext } from '../../platform/context.ts';
import {
  appointments, declarations, liveSessions, organisations, sessionEvents, systemSettings, users,
} from '../../db/schema.ts';
import { dashSimulatedTimes } from '../../db/schema/dashboard.ts';
import type { Db } from '../../platform/db.ts';
import { systemActor, type Actor } from '../../platform/actor.ts';
import { readCsv } from '../../platform/csv.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { fileArrivalNotice, importDeclarations } from '../declarations/declarations.service.ts';
import { drawSelection, scoreDeclarations } from '../risk/risk.service.ts';
import { cancelOrder, confirmArrival, createInspectionOrder, loadOrder, startInspection } from '../orders/orders.service.ts';
import { runDispatch } from '../dispatch/dispatch.service.ts';
import { activeRuleSet, decideEligibility, getEligibility, saveRuleSet } from '../eligibility/eligibility.service.ts';
import { bookSlot, listFreeSlots, recordConnectionTest, registerDevice, registerRemote, scheduleVisit } from '../booking/booking.service.ts';
import { recordFinding } from '../findings/findings.service.ts';
import { approveDecision, proposeDecision } from '../decisions/decisions.service.ts';
import { createOrg, createUser } from '../admin/admin.service.ts';
import { transaction } from '../../platform/unit-of-work.ts';
import { updateOrder, updateOrders } from '../orders/orders.state.ts';

export const STATUS_KEY = 'demo_history';

export interface HistoryOptions {
  /** Weeks of history ending yesterday (office time). */
  weeks: number;
  /** Declarations to import (about 5 % of them are selected for inspection). */
  declarations: number;
  /** Upper bound on inspection cases. */
  maxCases: number;
  /** CSV of the customs dataset (with Fraud / Critical Fraud labels). */
  csvPath: string;
  seed: string;
  /** How long to wait for the first targeting model (trained in the background at first start). */
  modelWaitMs: number;
  log(msg: string): void;
}

/**
 * The declarations to replay: the dataset's validation split when present (held out from the training of the first
 * targeting model, so the hit rate is not measured on data the model learnt from), else its training split, else
 * the bundled sample.
 */
export function defaultCsvPath(): string {
  const dir = resolve(new URL('../../../../../../shared/data/customs-declarations', import.meta.url).pathname);
  for (const f of ['valid.csv', 'train.csv']) if (existsSync(`${dir}/${f}`)) return `${dir}/${f}`;
  return new URL('../../../demo/declarations-sample.csv', import.meta.url).pathname;
}

export function defaultOptions(over: Partial<HistoryOptions> = {}): HistoryOptions {
  const w = Number(process.env.RVI_DEMO_HISTORY_WEEKS ?? 4);
  const weeks = Number.isFinite(w) && w >= 1 && w <= 26 ? Math.floor(w) : 4;
  // Two inspectors, five days a week: about 22 cases a week fit their days at the simulated pace (dateCases).
  const maxCases = weeks * 22;
  return {
    weeks, maxCases, declarations: Math.ceil((maxCases / 0.05) * 1.1), csvPath: defaultCsvPath(), seed: 'rvi-demo-history-1', modelWaitMs: 15 * 60_000,
    log: (m) => console.log(`demo history: ${m}`),
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small deterministic helpers

/** mulberry32: a seeded PRNG, so the same seed gives the same history. */
function rng(seed: string): () => number {
  let a = 0;
  for (const ch of seed) a = (Math.imul(a ^ ch.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTER_VALUES: Record<string, number> = { A: 10, B: 12, C: 13, D: 14, E: 15, F: 16, G: 17, H: 18, I: 19, J: 20, K: 21, L: 23, M: 24, N: 25, O: 26, P: 27, Q: 28, R: 29, S: 30, T: 31, U: 32, V: 34, W: 35, X: 36, Y: 37, Z: 38 };

/** A container number with a valid ISO 6346 check digit, e.g. MSCU1234566. */
export function containerNumber(owner: string, serial: number): string {
  const body = `${owner}U${String(serial % 1_000_000).padStart(6, '0')}`;
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const c = body[i];
    const v = /[A-Z]/.test(c) ? LETTER_VALUES[c] : Number(c);
    sum += v * 2 ** i;
  }
  return `${body}${(sum % 11) % 10}`;
}

const userActor = (u: { id: string; username: string; role: string; orgId: string }, org: { kind: string; id: string; supervisingOfficeId: string | null }): Actor => ({
  kind: 'user', userId: u.id, username: u.username, role: u.role as Actor['role'], orgId: u.orgId, orgKind: org.kind as Actor['orgKind'],
  officeId: org.kind === 'customs_office' ? org.id : org.supervisingOfficeId, requestId: null,
});

// ---------------------------------------------------------------------------------------------------------------
// Status

export async function readStatus(db: Db): Promise<DemoHistoryStatus> {
  const [row] = await db.select().from(systemSettings).where(eq(systemSettings.key, STATUS_KEY)).limit(1);
  const v = (row?.value ?? {}) as Partial<DemoHistoryStatus>;
  return {
    state: v.state ?? 'not_started', startedAt: v.startedAt ?? null, finishedAt: v.finishedAt ?? null, source: v.source ?? null,
    declarations: v.declarations ?? 0, orders: v.orders ?? 0, closed: v.closed ?? 0, failed: v.failed ?? 0, message: v.message ?? null,
  };
}

async function writeStatus(db: Db, s: DemoHistoryStatus): Promise<void> {
  await db.insert(systemSettings).values({ key: STATUS_KEY, value: s })
    .onConflictDoUpdate({ target: systemSettings.key, set: { value: s, updatedAt: new Date() } });
}

// ---------------------------------------------------------------------------------------------------------------
// The dataset

interface LabelledRow { line: string; declarationNo: string; fraud: boolean; critical: boolean }

/** Reads the CSV and picks `n` rows (seeded), keeping the Fraud / Critical Fraud labels by declaration number. */
export function pickRows(csvPath: string, n: number, seed: string): { header: string; rows: LabelledRow[] } {
  const text = readFileSync(csvPath, 'utf8');
  const lines = text.replace(/\r\n/g, '\n').trimEnd().split('\n');
  const header = lines[0];
  const cols = [...readCsv(header)][0].fields;
  const iNo = cols.indexOf('Declaration ID'), iFraud = cols.indexOf('Fraud'), iCrit = cols.indexOf('Critical Fraud');
  if (iNo < 0) throw new Error(`${csvPath}: no "Declaration ID" column`);
  const r = rng(seed);
  const idx = lines.slice(1).map((_, i) => i + 1);
  for (let i = idx.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
  const rows: LabelledRow[] = [];
  for (const i of idx.slice(0, n)) {
    const f = [...readCsv(lines[i])][0]?.fields;
    if (!f) continue;
    rows.push({ line: lines[i], declarationNo: f[iNo], fraud: iFraud >= 0 && f[iFraud] !== '0' && f[iFraud] !== '', critical: iCrit >= 0 && f[iCrit] === '2' });
  }
  return { header, rows };
}

// ---------------------------------------------------------------------------------------------------------------
// Organisations of the demo

const EXTRA_ENTERPRISES = [
  { code: 'ENT-GAMMA', name: 'Gamma Logistics Co., Ltd.', rating: 'AA' as const, device: { name: 'AR glasses (bay 3)', kind: 'ar_glasses' as const } },
  { code: 'ENT-DELTA', name: 'Delta Food Imports Ltd.', rating: 'B' as const, device: { name: 'Warehouse tablet', kind: 'tablet' as const } },
  { code: 'ENT-EPSILON', name: 'Epsilon Metals Trading', rating: 'C' as const, device: { name: 'Yard phone', kind: 'phone' as const } },
];

interface Enterprise { id: string; code: string; supervisingOfficeId: string; user: Actor; operatorId: string }

async function ensureEnterprises(db: Db, officeId: string, r: () => number): Promise<Enterprise[]> {
  const sys = systemActor('demo-history');
  for (const e of EXTRA_ENTERPRISES) {
    const [exists] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.code, e.code)).limit(1);
    if (exists) continue;
    const org = await createOrg(db, sys, { kind: 'enterprise', name: e.name, code: e.code, supervisingOfficeId: officeId, creditRating: e.rating });
    const slug = e.code.slice(4).toLowerCase();
    // Demo staff of the generated enterprises get random passwords (an administrator can set one to show them).
    const pw = () => randomBytes(12).toString('base64url');
    const staff = await createUser({ db, sessions: { forgetUser: () => undefined } as never }, sys, { username: `${slug}.user`, displayName: `${e.name} (staff)`, role: 'enterprise_user', orgId: org.id, password: pw() });
    await createUser({ db, sessions: { forgetUser: () => undefined } as never }, sys, { username: `${slug}.operator`, displayName: `${e.name} (warehouse)`, role: 'onsite_operator', orgId: org.id, password: pw() });
    const actor = userActor({ id: staff.id, username: staff.username, role: 'enterprise_user', orgId: org.id }, { kind: 'enterprise', id: org.id, supervisingOfficeId: officeId });
    const dev = await registerDevice(db, actor, e.device);
    await recordConnectionTest(db, actor, dev.id, { passed: true, rttMs: 30 + Math.round(r() * 40), bitrateKbps: 1800 + Math.round(r() * 1200) });
  }
  const orgs = await db.select().from(organisations).where(and(eq(organisations.kind, 'enterprise'), eq(organisations.supervisingOfficeId, officeId)));
  const out: Enterprise[] = [];
  for (const o of orgs) {
    const staff = await db.select().from(users).where(and(eq(users.orgId, o.id), eq(users.active, true)));
    const user = staff.find((u) => u.role === 'enterprise_user');
    const operator = staff.find((u) => u.role === 'onsite_operator') ?? user;
    if (!user || !operator) continue;
    out.push({ id: o.id, code: o.code, supervisingOfficeId: officeId, user: userActor(user, o), operatorId: operator.id });
  }
  return out.sort((a, b) => a.code.localeCompare(b.code));
}

/**
 * The default rules send every red-channel order on site, and targeting puts every risk-selected declaration in the
 * red channel: no risk-selected goods would ever be inspected remotely. The demo office runs a remote-inspection
 * pilot instead, set up the way an administrator would (a new rule-set version through the eligibility service,
 * audited): red-channel goods of enterprises with a high credit rating (AA, A) may be inspected remotely; the others
 * stay on site. Only when the office still has the untouched default rules (version 1).
 */
async function pilotRemoteRules(db: Db, officeId: string, admin: Actor | null, log: (m: string) => void): Promise<void> {
  if (!admin) return;
  const active = await activeRuleSet(db, officeId);
  const rules = active.rules as { id: string }[];
  if (active.version !== 1 || !Array.isArray(rules) || !rules.some((r) => r.id === 'red-channel')) return;
  const next = rules.map((r) => (r.id !== 'red-channel' ? r : {
    id: 'red-channel',
    description: 'Red-channel orders of enterprises rated below A are inspected on site',
    when: { all: [{ fact: 'order.channel', op: 'eq', value: 'red' }, { fact: 'enterprise.creditRating', op: 'notIn', value: ['AA', 'A'] }] },
    outcome: 'onsite',
  }));
  await saveRuleSet(db, admin, { rules: next, defaultOutcome: active.defaultOutcome, note: 'remote-inspection pilot (demo): red-channel goods of AA/A-rated enterprises may be inspected remotely' });
  log('eligibility rules v2 saved: red-channel goods of AA/A-rated enterprises may be inspected remotely');
}

async function waitForModel(ctx: AppContext, ms: number, log: (m: string) => void): Promise<boolean> {
  const until = Date.now() + ms;
  let said = false;
  while (Date.now() < until) {
    if (await ctx.models.active(ctx.db)) return true;
    if (!said) { log('waiting for the first targeting model to be trained'); said = true; }
    await new Promise((r) => setTimeout(r, 3000));
  }
  return false;
}

/** The first weekday at least `ahead` days after today (office time). */
function weekdayAhead(timeZone: string, ahead: number): string {
  let d = addDays(toWallClock(Date.now(), timeZone).date, ahead);
  while (isoWeekday(dayNumber(d)!) > 5) d = addDays(d, 1);
  return d;
}

/** Weekdays of the last `weeks` weeks ending yesterday, newest first. */
function historyDays(timeZone: string, weeks: number): string[] {
  const today = toWallClock(Date.now(), timeZone).date;
  const out: string[] = [];
  for (let i = 1; i <= weeks * 7; i++) {
    const d = addDays(today, -i);
    if (isoWeekday(dayNumber(d)!) <= 5) out.push(d);
  }
  return out;
}

const at = (timeZone: string, date: string, minutes: number) => new Date(wallClockToInstant(date, `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`, timeZone));

// ---------------------------------------------------------------------------------------------------------------
// One case through the workflow

interface Case { declarationId: string; declarationNo: string; reason: 'risk' | 'random'; runId: string; enterprise: Enterprise; fraud: boolean; critical: boolean }
interface Done { orderId: string; inspectorId: string; mode: 'remote' | 'onsite'; fraud: boolean; critical: boolean; released: boolean }

const FRAUD_FINDINGS = [
  { type: 'quantity' as const, field: 'netMassKg', declared: (d: typeof declarations.$inferSelect) => String(d.netMassKg), observed: (d: typeof declarations.$inferSelect) => String(Math.round(d.netMassKg * 1.4)) },
  { type: 'hs_classification' as const, field: 'hs6', declared: (d: typeof declarations.$inferSelect) => d.hs6, observed: (d: typeof declarations.$inferSelect) => `${d.hs6.slice(0, 4)}90` },
  { type: 'origin' as const, field: 'countryOfOrigin', declared: (d: typeof declarations.$inferSelect) => d.countryOfOrigin, observed: () => 'VN' },
];

async function runCase(ctx: AppContext, c: Case, orderId: string, office: { id: string; timeZone: string; supervisor: Actor; inspectors: Map<string, Actor> }, day: string, r: () => number): Promise<Done> {
  const db = ctx.db;
  const deps = { db, keys: ctx.keys };
  const order = (await loadOrder(db, orderId))!;
  const inspector = office.inspectors.get(order.inspectorId ?? '');
  if (!inspector) throw new Error(`order ${order.orderNo} went to an unknown inspector`);
  const elig = await getEligibility(db, inspector, orderId);
  // Now and then an inspector prefers a visit although the rules allow remote (shows as "inspector's choice").
  const override = elig.recommendation === 'remote' && r() < 0.06;
  const mode = override ? 'onsite' : elig.recommendation;
  await decideEligibility(db, inspector, orderId, override ? { mode, reason: 'bulk goods: inspected on site to weigh' } : { mode });
  if (mode === 'remote') {
    await registerRemote(db, inspector, orderId, { from: day, days: 10 });
    const slots = await listFreeSlots(db, c.enterprise.user, orderId, { from: day, days: 10, operatorUserId: c.enterprise.operatorId });
    const slot = slots.items[0];
    if (!slot) throw new Error('no free slot');
    await bookSlot(db, c.enterprise.user, orderId, { start: slot.start, end: slot.end, operatorUserId: c.enterprise.operatorId });
  } else {
    const slots = await listFreeSlots(db, inspector, orderId, { from: day, days: 10 });
    const slot = slots.items[0];
    if (!slot) throw new Error('no free slot for a visit');
    await scheduleVisit(db, inspector, orderId, { start: slot.start, end: slot.end, location: 'Enterprise warehouse, Yangshan free trade zone' });
  }
  await startInspection(db, inspector, orderId);
  const [decl] = await db.select().from(declarations).where(eq(declarations.id, c.declarationId));
  let released = true;
  if (c.fraud) {
    const kind = FRAUD_FINDINGS[Math.floor(r() * FRAUD_FINDINGS.length)];
    const f = c.critical
      ? await recordFinding(deps, inspector, orderId, { kind: 'discrepancy', type: 'prohibited_goods', severity: 'critical', field: 'goods', declared: decl.goodsDescription ?? decl.hs6, observed: 'undeclared restricted goods found in two cartons', note: 'demo history (outcome from the dataset label)' })
      : await recordFinding(deps, inspector, orderId, { kind: 'discrepancy', type: kind.type, severity: 'significant', field: kind.field, declared: kind.declared(decl), observed: kind.observed(decl), note: 'demo history (outcome from the dataset label)' });
    const d = c.critical
      ? await proposeDecision(deps, inspector, orderId, { outcome: 'hold', reason: 'prohibited goods found' })
      : await proposeDecision(deps, inspector, orderId, { outcome: 'release_with_correction', reason: 'declaration corrected', corrections: [{ field: kind.field, declared: kind.declared(decl), corrected: kind.observed(decl), findingId: f.id }] });
    await approveDecision(deps, office.supervisor, d.id, {});
    released = !c.critical;
  } else {
    await proposeDecision(deps, inspector, orderId, { outcome: 'release' });
  }
  return { orderId, inspectorId: inspector.userId!, mode, fraud: c.fraud, critical: c.critical, released };
}

// ---------------------------------------------------------------------------------------------------------------
// Dating the cases into the past

/** The simulated pace of an inspector's day (see dateCases). */
export const REMOTE_PER_DAY = 6;
export const ONSITE_PER_DAY = 1.5;

/** Frees the calendar a finished group held on the booking day: appointments completed, orders no longer assigned to it. */
async function releaseCalendars(db: Db, orderIds: string[]): Promise<void> {
  if (!orderIds.length) return;
  await db.update(appointments).set({ status: 'completed' }).where(and(inArray(appointments.orderId, orderIds), eq(appointments.status, 'accepted')));
  await updateOrders(db, orderIds, { assignedDate: null });
}

/**
 * Places each inspector's cases on the history's weekdays (newest first): a day is either a remote day (several
 * remote inspections) or an on-site day (one or two visits), as a real inspector's week would be; then writes the
 * simulated timeline, dates the (completed) appointments and the orders' due dates, and records the remote cases'
 * sessions. Idempotent: called again with more cases, it re-places all of them.
 */
async function dateCases(ctx: AppContext, done: Done[], timeZone: string, weeks: number, runId: string, r: () => number): Promise<void> {
  const db = ctx.db;
  const days = historyDays(timeZone, weeks);
  const byInspector = new Map<string, Done[]>();
  for (const d of done) byInspector.set(d.inspectorId, [...(byInspector.get(d.inspectorId) ?? []), d]);
  for (const cases of byInspector.values()) {
    const remote = cases.filter((c) => c.mode === 'remote');
    const onsite = cases.filter((c) => c.mode === 'onsite');
    // Days needed at the simulated pace, scaled to the days there are. Assumption of the simulation (not a
    // measurement): a remote day holds about six 55-minute sessions; an on-site day one or two visits (travel).
    let remoteDays = Math.ceil(remote.length / REMOTE_PER_DAY), onsiteDays = Math.ceil(onsite.length / ONSITE_PER_DAY);
    const scale = Math.min(1, days.length / Math.max(1, remoteDays + onsiteDays));
    remoteDays = Math.max(remote.length ? 1 : 0, Math.floor(remoteDays * scale));
    onsiteDays = Math.max(onsite.length ? 1 : 0, Math.min(days.length - remoteDays, Math.ceil(onsiteDays * scale)));
    // Interleave: every k-th day on site.
    const kinds: ('remote' | 'onsite')[] = [];
    let ro = 0, os = 0;
    for (let i = 0; i < days.length && (ro < remoteDays || os < onsiteDays); i++) {
      const wantOnsite = os < onsiteDays && (ro >= remoteDays || (i + 1) * onsiteDays / (remoteDays + onsiteDays) >= os + 1);
      kinds.push(wantOnsite ? 'onsite' : 'remote');
      if (wantOnsite) os++; else ro++;
    }
    const place = (list: Done[], kind: 'remote' | 'onsite') => {
      const slots = days.filter((_, i) => kinds[i] === kind);
      return list.map((c, i) => ({ c, day: slots[i % Math.max(1, slots.length)] ?? days[0], k: Math.floor(i / Math.max(1, slots.length)) }));
    };
    const placed = [...place(remote, 'remote'), ...place(onsite, 'onsite')];
    // Order within a day: k-th case of that day.
    const perDay = new Map<string, number>();
    for (const p of placed.sort((a, b) => a.k - b.k)) {
      const key = `${p.day}:${p.c.mode}`;
      const k = perDay.get(key) ?? 0;
      perDay.set(key, k + 1);
      const jitter = Math.round(r() * 15);
      const inspectedMin = p.c.mode === 'remote' ? 9 * 60 + k * 55 + jitter : 10 * 60 + k * 180 + jitter;
      const inspectedAt = at(timeZone, p.day, Math.min(inspectedMin, 18 * 60));
      // Remote: goods inspected on arrival; on site: they wait for the visit (one to three days).
      const arrivedAt = p.c.mode === 'remote'
        ? new Date(inspectedAt.getTime() - (40 + Math.round(r() * 80)) * 60_000)
        : new Date(inspectedAt.getTime() - (24 + Math.round(r() * 48)) * 3_600_000);
      const startAt = new Date(arrivedAt.getTime() - (60 + Math.round(r() * 300)) * 60_000);
      const releasedAt = !p.c.released ? null
        : p.c.fraud ? new Date(inspectedAt.getTime() + (120 + Math.round(r() * 240)) * 60_000)
        : new Date(inspectedAt.getTime() + (3 + Math.round(r() * 12)) * 60_000);
      const sessionStart = new Date(inspectedAt.getTime() - (20 + Math.round(r() * 15)) * 60_000);
      await transaction(db, async (tx) => {
        await tx.insert(dashSimulatedTimes).values({ orderId: p.c.orderId, startAt, arrivedAt, inspectedAt, releasedAt, runId })
          .onConflictDoUpdate({ target: dashSimulatedTimes.orderId, set: { startAt, arrivedAt, inspectedAt, releasedAt, runId } });
        await tx.update(appointments).set({ status: 'completed', startAt: p.c.mode === 'remote' ? sessionStart : new Date(inspectedAt.getTime() - 90 * 60_000), endAt: inspectedAt })
          .where(and(eq(appointments.orderId, p.c.orderId), inArray(appointments.status, ['accepted', 'completed'])));
        const o = await updateOrder(tx, p.c.orderId, { dueDate: p.day, assignedDate: null });
        const [had] = o ? await tx.select({ id: liveSessions.id }).from(liveSessions).where(eq(liveSessions.orderId, o.id)).limit(1) : [];
        if (had) {
          await tx.update(liveSessions).set({ createdAt: sessionStart, connectedAt: new Date(sessionStart.getTime() + 40_000), endedAt: inspectedAt, updatedAt: inspectedAt })
            .where(and(eq(liveSessions.id, had.id), eq(liveSessions.mediaNode, 'simulated')));
        } else if (p.c.mode === 'remote' && o) {
          const id = randomUUID();
          await tx.insert(liveSessions).values({
            id, orderId: o.id, officeId: o.officeId, enterpriseId: o.enterpriseId, inspectorId: p.c.inspectorId, state: 'ended', goodsCategory: o.goodsCategory,
            mediaNode: 'simulated', createdAt: sessionStart, connectedAt: new Date(sessionStart.getTime() + 40_000), endedAt: inspectedAt,
            endReason: 'simulated history: no media was recorded', updatedAt: inspectedAt,
          });
          await tx.insert(sessionEvents).values([
            { id: randomUUID(), sessionId: id, at: sessionStart, kind: 'state.requested', source: 'system', payload: { simulated: true } },
            { id: randomUUID(), sessionId: id, at: inspectedAt, kind: 'state.ended', source: 'system', payload: { simulated: true, reason: 'simulated history' } },
          ]);
        }
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Generates the history. Idempotent per database: it runs once (state in system_settings) and only with the demo
 * office and its demo users present. Returns the final status.
 */
export async function generateDemoHistory(ctx: AppContext, opts: HistoryOptions): Promise<DemoHistoryStatus> {
  const db = ctx.db;
  const prev = await readStatus(db);
  if (prev.state !== 'not_started') return prev;
  const [office] = await db.select().from(organisations).where(eq(organisations.code, 'CUS-YS')).limit(1);
  const staff = office ? await db.select().from(users).where(and(eq(users.orgId, office.id), eq(users.active, true))) : [];
  const supervisorRow = staff.find((u) => u.username === 'supervisor') ?? staff.find((u) => u.role === 'supervisor');
  const inspectorRows = staff.filter((u) => u.role === 'inspector');
  const status: DemoHistoryStatus = {
    state: 'running', startedAt: new Date().toISOString(), finishedAt: null, source: opts.csvPath.split('/').slice(-2).join('/'),
    declarations: 0, orders: 0, closed: 0, failed: 0, message: null,
  };
  if (!office || !supervisorRow || !inspectorRows.length) {
    const s = { ...status, state: 'failed' as const, message: 'no demo office with a supervisor and inspectors', finishedAt: new Date().toISOString() };
    await writeStatus(db, s);
    return s;
  }
  await writeStatus(db, status);
  const runId = randomUUID();
  const r = rng(opts.seed);
  const sys = systemActor('demo-history');
  const supervisor = userActor(supervisorRow, office);
  const inspectors = new Map(inspectorRows.map((u) => [u.id, userActor(u, office)]));
  try {
    const enterprises = await ensureEnterprises(db, office.id, r);
    const adminRow = staff.find((u) => u.username === 'admin' && u.role === 'administrator') ?? staff.find((u) => u.role === 'administrator');
    await pilotRemoteRules(db, office.id, adminRow ? userActor(adminRow, office) : null, opts.log);
    if (!(await waitForModel(ctx, opts.modelWaitMs, opts.log))) throw new Error('no targeting model became active in time');

    // Import in daily-size batches per enterprise; each batch is scored and a selection drawn (as for real imports, but
    // here, step by step, instead of by the outbox reactions: the orders are created below, after the arrival notices).
    const { header, rows } = pickRows(opts.csvPath, opts.declarations, opts.seed);
    const labels = new Map(rows.map((x) => [x.declarationNo, x]));
    const weights = [3, 2, 2, 2, 1, 1, 1];
    const share = enterprises.map((_, i) => weights[i % weights.length]);
    const total = share.reduce((a, b) => a + b, 0);
    const cases: Case[] = [];
    let offset = 0;
    const batch = 400;
    opts.log(`importing ${rows.length} declarations from ${status.source} for ${enterprises.length} enterprises`);
    for (let e = 0; e < enterprises.length; e++) {
      const mine = rows.slice(offset, offset + Math.round((rows.length * share[e]) / total));
      offset += mine.length;
      for (let i = 0; i < mine.length; i += batch) {
        const chunk = mine.slice(i, i + batch);
        const imp = await importDeclarations(db, sys, { csv: [header, ...chunk.map((x) => x.line)].join('\n'), orgRef: enterprises[e].code, fileName: `demo-history-${enterprises[e].code}-${i / batch + 1}.csv`, skipInvalid: true, score: false });
        if (!imp.batchId || !imp.inserted) continue;
        status.declarations += imp.inserted;
        const ids = (await db.select({ id: declarations.id }).from(declarations).where(eq(declarations.importBatchId, imp.batchId))).map((x) => x.id);
        await scoreDeclarations(db, ctx.models, ids, sys);
        const sel = await drawSelection(db, sys, { officeId: office.id, batchId: imp.batchId, seed: `${opts.seed}:${enterprises[e].code}:${i}`, trigger: `import:${imp.batchId}`, createOrders: false });
        if (!sel?.selected.length) continue;
        const nos = await db.select({ id: declarations.id, no: declarations.declarationNo }).from(declarations).where(inArray(declarations.id, sel.selected.map((s) => s.declarationId)));
        for (const s of sel.selected) {
          const no = nos.find((x) => x.id === s.declarationId)!.no;
          const l = labels.get(no);
          cases.push({ declarationId: s.declarationId, declarationNo: no, reason: s.reason, runId: sel.runId, enterprise: enterprises[e], fraud: !!l?.fraud, critical: !!l?.critical });
        }
      }
    }
    await writeStatus(db, status);
    // Interleave enterprises, then keep at most maxCases.
    const picked = cases.sort((a, b) => (a.declarationNo < b.declarationNo ? -1 : 1)).slice(0, opts.maxCases);
    opts.log(`${cases.length} declarations selected; running ${picked.length} inspections through the workflow`);

    const day = weekdayAhead(office.timeZone, 21);
    const done: Done[] = [];
    // Groups like a day's orders, at most two per enterprise (one per inspector under the rotation rule): dispatch
    // spreads each group over the inspectors by qualification, capacity and rotation.
    const queue = new Map<string, Case[]>();
    for (const c of picked) queue.set(c.enterprise.id, [...(queue.get(c.enterprise.id) ?? []), c]);
    const groups: Case[][] = [];
    while ([...queue.values()].some((q) => q.length)) {
      const g: Case[] = [];
      for (const q of queue.values()) g.push(...q.splice(0, Math.min(inspectors.size, 2)));
      groups.push(g.slice(0, 10));
      if (g.length > 10) for (const c of g.slice(10)) queue.get(c.enterprise.id)!.unshift(c);
    }
    for (let gi = 0; gi < groups.length; gi++) {
      const orders: { c: Case; id: string }[] = [];
      for (const c of groups[gi]) {
        try {
          const notice = await fileArrivalNotice(db, c.enterprise.user, c.declarationId, {
            expectedArrivalAt: at(office.timeZone, day, 8 * 60).toISOString(), location: 'Yangshan Deep-Water Port, terminal 4',
            containerNumbers: [containerNumber('MSC', 100_000 + status.orders)], goodsSummary: `Declaration ${c.declarationNo}`,
          });
          await confirmArrival(db, supervisor, notice.arrivalNotices[notice.arrivalNotices.length - 1].id);
          const row = await createInspectionOrder(db, sys, { declarationId: c.declarationId, selection: c.reason, selectionRunId: c.runId, reason: 'demo history' });
          orders.push({ c, id: row.id });
          status.orders++;
        } catch (e) {
          status.failed++;
          opts.log(`order for ${c.declarationNo} failed: ${(e as Error).message}`);
        }
      }
      await runDispatch(db, sys, { officeId: office.id, date: day });
      for (const o of orders) {
        try {
          const row = await loadOrder(db, o.id);
          if (row?.state !== 'assigned') throw new Error(`left ${row?.state} by dispatch`);
          done.push(await runCase(ctx, o.c, o.id, { id: office.id, timeZone: office.timeZone, supervisor, inspectors }, day, r));
          status.closed++;
        } catch (e) {
          status.failed++;
          opts.log(`case ${o.c.declarationNo} failed: ${(e as Error).message}`);
          const row = await loadOrder(db, o.id).catch(() => null);
          if (row && ['selected', 'assigned', 'eligibility_decided', 'booked', 'rescheduled', 'missed', 'onsite_scheduled'].includes(row.state)) {
            await cancelOrder(db, supervisor, o.id, 'demo history: case could not be completed').catch(() => undefined);
          }
        }
      }
      await releaseCalendars(db, orders.map((o) => o.id));
      // Every few groups the cases so far are dated, so the figures fill in while the history is generated.
      if (gi % 5 === 4) await dateCases(ctx, done, office.timeZone, opts.weeks, runId, rng(`${opts.seed}:dates`));
      await writeStatus(db, status);
    }
    await dateCases(ctx, done, office.timeZone, opts.weeks, runId, rng(`${opts.seed}:dates`));
    const final: DemoHistoryStatus = { ...status, state: status.closed > 0 ? 'done' : 'failed', finishedAt: new Date().toISOString(), message: status.closed > 0 ? null : 'no case could be completed' };
    await transaction(db, async (tx) => {
      await recordAudit(tx, sys, 'demo.history_generated', null, {
        simulated: true, runId, source: status.source, weeks: opts.weeks, declarations: status.declarations, orders: status.orders, closed: status.closed, failed: status.failed,
      });
    });
    await writeStatus(db, final);
    opts.log(`done: ${status.closed} inspections closed (${status.failed} failed) over ${opts.weeks} weeks`);
    return final;
  } catch (e) {
    const s = { ...status, state: 'failed' as const, finishedAt: new Date().toISOString(), message: (e as Error).message };
    await writeStatus(db, s).catch(() => undefined);
    opts.log(`failed: ${(e as Error).stack ?? e}`);
    return s;
  }
}

/**
 * At start (serve): with demo data and no history yet, generate it in the background. RVI_DEMO_HISTORY=0 turns it
 * off. A run interrupted by a restart is reported as failed, not resumed.
 */
export function startDemoHistory(ctx: AppContext, opts: Partial<HistoryOptions> = {}): Promise<DemoHistoryStatus | null> {
  if (process.env.RVI_DEMO_HISTORY === '0') return Promise.resolve(null);
  const run = async () => {
    const [seeded] = await ctx.db.select().from(systemSettings).where(eq(systemSettings.key, 'seeded')).limit(1);
    if (!(seeded?.value as { demo?: boolean } | undefined)?.demo) return null;
    const s = await readStatus(ctx.db);
    if (s.state === 'running') {
      const failed = { ...s, state: 'failed' as const, message: 'interrupted by a restart', finishedAt: new Date().toISOString() };
      await writeStatus(ctx.db, failed);
      return failed;
    }
    if (s.state !== 'not_started') return s;
    return generateDemoHistory(ctx, defaultOptions(opts));
  };
  return run().catch((e) => {
    console.error('demo history failed:', e);
    return null;
  });
}

