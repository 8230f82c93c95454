// The live operations wall of an office: open sessions as tiles, work queues by state, and alerts. Read-only views
// over the workflow's tables, scoped to the actor's office in every query; the console refetches them when the
// sessions and orders modules send their `['sessions']` / `['orders']` invalidations.
import { sql } from 'drizzle-orm';
import { networkQuality } from '@rvi/media';
import type { LiveAlert, LiveAlerts, LiveQueues, LiveSessions, LiveSessionTile, NetworkQuality, QueueItem } from '@rvi/contracts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { notFound } from '../../platform/errors.ts';
import { requireRole, roleAllows } from '../../platform/policy.ts';
import { officeToday } from '../orders/orders.settings.ts';

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;
const iso = (v: Date | string | null | undefined): string | null => (v ? new Date(v).toISOString() : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

/** Where the console opens a session as a silent observer (the sessions module's page). */
export const observeUrlOf = (sessionId: string) => `/customs/sessions/${encodeURIComponent(sessionId)}?observe=1`;

/** How long a session may have bad network (or be reconnecting) before it raises an alert. */
export const BAD_NETWORK_ALERT_MS = 60_000;
/** Target hours an order may wait in a state before it counts as overdue (supervisors act on these). */
export const TARGET_HOURS: Readonly<Record<string, number>> = Object.freeze({ selected: 4, assigned: 8, eligibility_decided: 24, rescheduled: 24 });
/** States before the inspection in which a passed due date makes the order overdue. */
const WAITING_STATES = ['selected', 'assigned', 'eligibility_decided', 'rescheduled', 'missed', 'onsite_scheduled'];
const QUEUE_ITEMS = 12;

export interface NetworkStats {
  rttMs: number | null;
  packetLossPct: number | null;
  bitrateKbps: number | null;
  jitterMs?: number | null;
  fps?: number | null;
  qualityLimitation?: string | null;
}

/** Reads a device stats event payload (`{stats: {...}}` or the figures at the top level). */
export function statsOf(payload: unknown): NetworkStats {
  const p = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const s = (p.stats && typeof p.stats === 'object' ? p.stats : p) as Record<string, unknown>;
  return {
    rttMs: numOrNull(s.rttMs), packetLossPct: numOrNull(s.packetLossPct), bitrateKbps: numOrNull(s.bitrateKbps),
    jitterMs: numOrNull(s.jitterMs), fps: numOrNull(s.fps), qualityLimitation: typeof s.qualityLimitation === 'string' ? s.qualityLimitation : null,
  };
}

/**
 * Network quality from the device's latest stats, by the same rule as the camera page and the console
 * (`networkQuality` in @rvi/media): loss, round trip, jitter and a frame rate the encoder lowered; never bitrate
 * alone (issue 12: a static scene encodes under 300 kbit/s on a perfect link and raised false critical alerts).
 * A reconnecting session is poor whatever its last figures said.
 */
export function classifyNetwork(s: NetworkStats | null, state?: string): NetworkQuality {
  if (state === 'reconnecting') return 'poor';
  return networkQuality(s);
}

function officeOf(actor: Actor): string {
  requireRole(actor, 'dashboard.read');
  if (!actor.officeId) throw notFound('Office');
  return actor.officeId;
}

async function officeTimeZone(db: Db, officeId: string): Promise<string> {
  const rows = rowsOf<{ tz: string }>(await db.execute(sql`select time_zone as tz from organisations where id = ${officeId}`));
  return rows[0]?.tz || 'UTC';
}

/** Open sessions of the actor's office, oldest first, with their latest network figures and snapshot. */
export async function liveSessions(db: Db, actor: Actor): Promise<LiveSessions> {
  const officeId = officeOf(actor);
  const rows = rowsOf<{
    id: string; order_id: string; order_no: string; state: string; enterprise_name: string; goods_category: string; hs6: string;
    goods_description: string | null; inspector_id: string; inspector_name: string | null; created_at: Date; connected_at: Date | null;
    stats: unknown; stats_at: Date | null; snapshot_id: string | null; rung: { rung?: unknown; reason?: unknown; value?: unknown } | null; transport: string | null;
  }>(await db.execute(sql`
    select s.id, s.order_id, o.order_no, s.state, ent.name as enterprise_name, s.goods_category, o.hs6, d.goods_description,
      s.inspector_id, u.display_name as inspector_name, s.created_at, s.connected_at, st.payload as stats, st.at as stats_at, snap.id as snapshot_id,
      rg.payload as rung, tr.payload->>'transport' as transport
    from live_sessions s
    join inspection_orders o on o.id = s.order_id
    join declarations d on d.id = o.declaration_id
    join organisations ent on ent.id = s.enterprise_id
    left join users u on u.id = s.inspector_id
    left join lateral (select e.payload, e.at from session_events e where e.session_id = s.id and e.kind = 'stats' and e.source = 'device' order by e.seq desc limit 1) st on true
    left join lateral (select p.id from session_snapshots p where p.session_id = s.id order by p.taken_at desc limit 1) snap on true
    left join lateral (select e.payload from session_events e where e.session_id = s.id and e.kind = 'quality.rung' order by e.seq desc limit 1) rg on true
    left join lateral (select e.payload from session_events e where e.session_id = s.id and e.kind = 'network.transport' and e.payload->>'role' = 'publisher' order by e.seq desc limit 1) tr on true
    where s.office_id = ${officeId} and s.state <> 'ended'
    order by coalesce(s.connected_at, s.created_at), s.id
    limit 200`));
  const canObserve = roleAllows(actor, 'session.observe');
  const items: LiveSessionTile[] = rows.map((r) => {
    const stats = r.stats ? statsOf(r.stats) : null;
    return {
      sessionId: r.id, orderId: r.order_id, orderNo: r.order_no, state: r.state, enterpriseName: r.enterprise_name, goodsCategory: r.goods_category,
      hs6: r.hs6, goodsDescription: r.goods_description, inspectorId: r.inspector_id, inspectorName: r.inspector_name,
      startedAt: iso(r.connected_at ?? r.created_at)!,
      network: {
        quality: classifyNetwork(stats, r.state), rttMs: stats?.rttMs ?? null, packetLossPct: stats?.packetLossPct ?? null, bitrateKbps: stats?.bitrateKbps ?? null, at: iso(r.stats_at),
        rung: typeof r.rung?.rung === 'string' ? { rung: r.rung.rung, reason: typeof r.rung.reason === 'string' ? r.rung.reason : null, value: numOrNull(r.rung.value) } : null,
        transport: r.transport,
      },
      thumbnailUrl: r.snapshot_id ? `/api/sessions/${r.id}/snapshots/${r.snapshot_id}` : null,
      observeUrl: observeUrlOf(r.id), canObserve,
    };
  });
  return { generatedAt: new Date().toISOString(), items };
}

function hoursSince(at: Date | string, now: number): number {
  return (now - new Date(at).getTime()) / 3_600_000;
}

/** The office's work queues: count and the oldest items of each. */
export async function liveQueues(db: Db, actor: Actor): Promise<LiveQueues> {
  const officeId = officeOf(actor);
  const timeZone = await officeTimeZone(db, officeId);
  const today = officeToday(timeZone);
  const now = Date.now();
  type OrderRowLite = { id: string; order_no: string; declaration_id: string; enterprise_name: string; state: string; updated_at: Date; due_date: string; at: Date | null; total: number };
  const orders = async (where: ReturnType<typeof sql>) => rowsOf<OrderRowLite>(await db.execute(sql`
    select o.id, o.order_no, o.declaration_id, ent.name as enterprise_name, o.state, o.updated_at, o.due_date::text as due_date, null::timestamptz as at,
      count(*) over ()::int as total
    from inspection_orders o join organisations ent on ent.id = o.enterprise_id
    where o.office_id = ${officeId} and ${where}
    order by o.updated_at, o.id limit ${QUEUE_ITEMS}`));
  const asItems = (rows: OrderRowLite[]): QueueItem[] => rows.map((r) => ({
    id: r.id, ref: r.order_no, orderId: r.id, declarationId: r.declaration_id, enterpriseName: r.enterprise_name, state: r.state,
    since: iso(r.updated_at)!, at: iso(r.at),
    overdue: (TARGET_HOURS[r.state] !== undefined && hoursSince(r.updated_at, now) > TARGET_HOURS[r.state]) || (WAITING_STATES.includes(r.state) && r.due_date < today),
  }));
  const selected = rowsOf<{ declaration_id: string; declaration_no: string; enterprise_name: string; created_at: Date; total: number }>(await db.execute(sql`
    select s.declaration_id, d.declaration_no, ent.name as enterprise_name, s.created_at, count(*) over ()::int as total
    from selections s join declarations d on d.id = s.declaration_id join organisations ent on ent.id = d.org_id
    where d.customs_office_id = ${officeId} and not exists (select 1 from inspection_orders o where o.declaration_id = s.declaration_id)
    order by s.created_at, s.declaration_id limit ${QUEUE_ITEMS}`));
  const bookedToday = rowsOf<OrderRowLite>(await db.execute(sql`
    select o.id, o.order_no, o.declaration_id, ent.name as enterprise_name, o.state, o.updated_at, o.due_date::text as due_date, a.start_at as at,
      count(*) over ()::int as total
    from appointments a join inspection_orders o on o.id = a.order_id join organisations ent on ent.id = o.enterprise_id
    where o.office_id = ${officeId} and a.status in ('accepted', 'completed')
      and a.start_at >= (${today}::date::timestamp at time zone ${timeZone}) and a.start_at < ((${today}::date + 1)::timestamp at time zone ${timeZone})
    order by a.start_at, o.id limit ${QUEUE_ITEMS}`));
  const approval = rowsOf<{ id: string; order_id: string; order_no: string; declaration_id: string; enterprise_name: string; signed_at: Date; total: number }>(await db.execute(sql`
    select d.id, d.order_id, o.order_no, d.declaration_id, ent.name as enterprise_name, d.signed_at, count(*) over ()::int as total
    from decisions d join inspection_orders o on o.id = d.order_id join organisations ent on ent.id = d.enterprise_id
    where d.office_id = ${officeId} and d.requires_approval and not exists (select 1 from decision_reviews r where r.decision_id = d.id)
      and not exists (select 1 from decision_effects e where e.decision_id = d.id)
    order by d.signed_at, d.id limit ${QUEUE_ITEMS}`));
  const [dispatch, eligibility, booking, booked, visits, progress, deciding] = await Promise.all([
    orders(sql`o.state = 'selected'`),
    orders(sql`o.state = 'assigned'`),
    orders(sql`o.state in ('eligibility_decided', 'rescheduled', 'missed')`),
    orders(sql`o.state = 'booked'`),
    orders(sql`o.state = 'onsite_scheduled'`),
    orders(sql`o.state = 'in_progress'`),
    // Inspected, no decision in effect and none waiting for approval: the inspector still has to decide.
    orders(sql`o.state = 'inspected' and not exists (select 1 from decisions d where d.order_id = o.id and d.requires_approval
      and not exists (select 1 from decision_reviews r where r.decision_id = d.id))`),
  ]);
  const total = (rows: { total: number }[]) => Number(rows[0]?.total ?? 0);
  const queues: LiveQueues['queues'] = [
    {
      key: 'selected', count: total(selected),
      items: selected.map((r) => ({
        id: r.declaration_id, ref: r.declaration_no, orderId: null, declarationId: r.declaration_id, enterpriseName: r.enterprise_name, state: 'selected',
        since: iso(r.created_at)!, at: null, overdue: hoursSince(r.created_at, now) > TARGET_HOURS.selected,
      })),
    },
    { key: 'awaiting_dispatch', count: total(dispatch), items: asItems(dispatch) },
    { key: 'awaiting_eligibility', count: total(eligibility), items: asItems(eligibility) },
    { key: 'awaiting_booking', count: total(booking), items: asItems(booking) },
    { key: 'booked', count: total(booked), items: asItems(booked).map((i) => ({ ...i, overdue: false })) },
    { key: 'booked_today', count: total(bookedToday), items: asItems(bookedToday).map((i) => ({ ...i, overdue: false })) },
    { key: 'visit_scheduled', count: total(visits), items: asItems(visits) },
    { key: 'in_progress', count: total(progress), items: asItems(progress) },
    { key: 'awaiting_decision', count: total(deciding), items: asItems(deciding) },
    {
      key: 'awaiting_approval', count: total(approval),
      items: approval.map((r) => ({
        id: r.id, ref: r.order_no, orderId: r.order_id, declarationId: r.declaration_id, enterpriseName: r.enterprise_name, state: 'inspected',
        since: iso(r.signed_at)!, at: null, overdue: false,
      })),
    },
  ];
  return { generatedAt: new Date(now).toISOString(), timeZone, today, queues };
}

/**
 * Alerts of the office: a session whose network has been bad (or which has been reconnecting) for over a minute,
 * a missed appointment not yet rescheduled, an order waiting past its target time or due date.
 */
export async function liveAlerts(db: Db, actor: Actor, now = Date.now()): Promise<LiveAlerts> {
  const officeId = officeOf(actor);
  const timeZone = await officeTimeZone(db, officeId);
  const today = officeToday(timeZone, now);
  const items: LiveAlert[] = [];

  // Network: the device's stats of the last three minutes for each open session, newest first.
  const open = rowsOf<{ id: string; order_id: string; order_no: string; enterprise_name: string; state: string; updated_at: Date }>(await db.execute(sql`
    select s.id, s.order_id, o.order_no, ent.name as enterprise_name, s.state, s.updated_at
    from live_sessions s join inspection_orders o on o.id = s.order_id join organisations ent on ent.id = s.enterprise_id
    where s.office_id = ${officeId} and s.state in ('connected', 'reconnecting')`));
  if (open.length) {
    const since = new Date(now - 3 * BAD_NETWORK_ALERT_MS);
    const stats = rowsOf<{ session_id: string; at: Date; payload: unknown }>(await db.execute(sql`
      select e.session_id, e.at, e.payload from session_events e
      where e.session_id in (${sql.join(open.map((s) => sql`${s.id}`), sql`, `)}) and e.kind = 'stats' and e.source = 'device' and e.at >= ${since}
      order by e.session_id, e.seq desc`));
    for (const s of open) {
      const base = { orderId: s.order_id, orderNo: s.order_no, sessionId: s.id, enterpriseName: s.enterprise_name };
      if (s.state === 'reconnecting' && now - new Date(s.updated_at).getTime() >= BAD_NETWORK_ALERT_MS) {
        items.push({ id: `bad_network:${s.id}`, kind: 'bad_network', severity: 'critical', ...base, since: iso(s.updated_at)!, detail: { quality: 'poor', reconnecting: true } });
        continue;
      }
      // The current run of poor samples: from the newest backwards until a sample that was not poor.
      let streakStart: Date | null = null;
      let latest: NetworkStats | null = null;
      for (const e of stats.filter((x) => x.session_id === s.id)) {
        const st = statsOf(e.payload);
        if (classifyNetwork(st) !== 'poor') break;
        latest ??= st;
        streakStart = e.at;
      }
      if (streakStart && latest && now - new Date(streakStart).getTime() >= BAD_NETWORK_ALERT_MS) {
        items.push({ id: `bad_network:${s.id}`, kind: 'bad_network', severity: 'warning', ...base, since: iso(streakStart)!, detail: { quality: 'poor', ...latest } });
      }
    }
  }

  const waiting = rowsOf<{ id: string; order_no: string; enterprise_name: string; state: string; updated_at: Date; due_date: string; missed_count: number }>(await db.execute(sql`
    select o.id, o.order_no, ent.name as enterprise_name, o.state, o.updated_at, o.due_date::text as due_date, o.missed_count
    from inspection_orders o join organisations ent on ent.id = o.enterprise_id
    where o.office_id = ${officeId} and o.state in (${sql.join(WAITING_STATES.map((s) => sql`${s}`), sql`, `)})
    order by o.updated_at limit 2000`));
  for (const o of waiting) {
    const base = { orderId: o.id, orderNo: o.order_no, sessionId: null, enterpriseName: o.enterprise_name };
    if (o.state === 'missed') {
      items.push({ id: `missed_appointment:${o.id}`, kind: 'missed_appointment', severity: 'critical', ...base, since: iso(o.updated_at)!, detail: { missedCount: Number(o.missed_count) } });
      continue;
    }
    const target = TARGET_HOURS[o.state];
    const hours = hoursSince(o.updated_at, now);
    if (o.due_date < today) {
      items.push({ id: `overdue:${o.id}`, kind: 'overdue', severity: 'critical', ...base, since: iso(o.updated_at)!, detail: { state: o.state, dueDate: o.due_date } });
    } else if (target !== undefined && hours > target) {
      items.push({ id: `overdue:${o.id}`, kind: 'overdue', severity: 'warning', ...base, since: iso(o.updated_at)!, detail: { state: o.state, targetHours: target, waitingHours: Math.round(hours * 10) / 10 } });
    }
  }
  const rank = { critical: 0, warning: 1 } as const;
  items.sort((a, b) => rank[a.severity] - rank[b.severity] || a.since.localeCompare(b.since));
  return { generatedAt: new Date(now).toISOString(), items: items.slice(0, 200) };
}
