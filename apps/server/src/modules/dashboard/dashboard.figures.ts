// The office figures that show whether remote inspection delivers what it promises. Each is read from the
// pre-aggregated daily tables (dashboard.refresh.ts), filtered by office, period (office-local inspection day),
// channel and mode; the median time to release comes from the per-order fact rows (one per inspection, indexed by
// office and day). Supervisors, administrators and auditors of an office read its figures; nobody else.
import { sql, type SQL } from 'drizzle-orm';
import type {
  EnterpriseCostFigure, FigureFilter, FigureName, FiguresQuery, HitRateFigure, InspectorThroughputFigure, ReleaseTimeFigure, RemoteShareFigure,
} from '@rvi/contracts';
import type { Db } from '../../platform/db.ts';
import type { Actor } from '../../platform/actor.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { requireRole } from '../../platform/policy.ts';
import { officeToday, addDaysTo } from '../orders/orders.settings.ts';
import { lastRefreshAt, refreshFigures, refreshPending, RELEASE_BUCKET_EDGES } from './dashboard.refresh.ts';

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
const round = (v: number | null, digits = 4): number | null => (v === null || !Number.isFinite(v) ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** Default period: the last 28 days up to today (office time). Longest period: 10 years. */
export const DEFAULT_PERIOD_DAYS = 28;
const MAX_PERIOD_DAYS = 3660;

export interface ResolvedFilter {
  officeId: string;
  officeName: string;
  timeZone: string;
  from: string;
  to: string;
  channel: 'green' | 'yellow' | 'red' | null;
  mode: 'remote' | 'onsite' | null;
}

/**
 * Who may read which office's figures: the actor's own office (customs staff with `dashboard.read`); the system
 * actor names any. Another office answers 404, like any record the actor may not see.
 */
export async function resolveFilter(db: Db, actor: Actor, q: FiguresQuery): Promise<ResolvedFilter> {
  requireRole(actor, 'dashboard.read');
  const officeId = q.officeId ?? actor.officeId;
  if (!officeId) throw badRequest('office_required', 'officeId: name the customs office whose figures to show');
  if (actor.kind !== 'system' && officeId !== actor.officeId) throw notFound('Office', officeId);
  const rows = rowsOf<{ name: string; time_zone: string; kind: string }>(await db.execute(sql`select name, time_zone, kind from organisations where id = ${officeId}`));
  if (!rows[0] || rows[0].kind !== 'customs_office') throw notFound('Office', officeId);
  const timeZone = rows[0].time_zone || 'UTC';
  const to = q.to ?? officeToday(timeZone);
  const from = q.from ?? addDaysTo(to, -(DEFAULT_PERIOD_DAYS - 1));
  if (from > to) throw badRequest('invalid_period', `from (${from}) must not be after to (${to})`, [{ field: 'querystring.from', message: 'must not be after to' }]);
  const span = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (span >= MAX_PERIOD_DAYS) throw badRequest('invalid_period', `The period may span at most ${MAX_PERIOD_DAYS} days (${from} to ${to} is ${span + 1})`, [{ field: 'querystring.from', message: 'period too long' }]);
  return { officeId, officeName: rows[0].name, timeZone, from, to, channel: q.channel ?? null, mode: q.mode ?? null };
}

/** WHERE clause of a daily table for the filter (alias-free column names). */
function whereOf(f: ResolvedFilter, opts: { mode?: boolean; channel?: boolean } = {}): SQL {
  const parts: SQL[] = [sql`office_id = ${f.officeId}`, sql`day >= ${f.from}::date`, sql`day <= ${f.to}::date`];
  if (f.channel && opts.channel !== false) parts.push(sql`channel = ${f.channel}`);
  if (f.mode && opts.mode !== false) parts.push(sql`mode = ${f.mode}`);
  return sql.join(parts, sql` and `);
}

async function filterView(db: Db, f: ResolvedFilter): Promise<FigureFilter> {
  return { ...f, refreshedAt: await lastRefreshAt(db) };
}

/** Brings the figure tables up to date when something changed since the last refresh (cheap when nothing did). */
async function ensureFresh(db: Db): Promise<void> {
  if (await refreshPending(db)) await refreshFigures(db);
}

/** Time from application (or selection) to release: median, mean and distribution, remote vs on-site. */
export async function releaseTimeFigure(db: Db, f: ResolvedFilter): Promise<ReleaseTimeFigure> {
  const where = whereOf(f);
  const med = rowsOf<{ mode: string | null; n: number; median: number | null; mean: number | null }>(await db.execute(sql`
    select mode, count(*)::int as n, percentile_cont(0.5) within group (order by release_minutes) as median, avg(release_minutes) as mean
    from dash_order_facts where ${where} and release_minutes is not null
    group by rollup (mode)`));
  const buckets = rowsOf<{ bucket: number; mode: string; n: number }>(await db.execute(sql`
    select bucket, mode, sum(n)::int as n from dash_release_buckets where ${where} group by bucket, mode`));
  const summary: ReleaseTimeFigure['summary'] = (['remote', 'onsite', 'all'] as const).map((mode) => {
    const r = med.find((m) => (mode === 'all' ? m.mode === null : m.mode === mode));
    return {
      mode, released: num(r?.n),
      medianHours: r?.median == null ? null : round(Number(r.median) / 60, 3),
      meanHours: r?.mean == null ? null : round(Number(r.mean) / 60, 3),
    };
  });
  const distribution = Array.from({ length: RELEASE_BUCKET_EDGES.length + 1 }, (_, i) => ({
    bucket: i,
    fromMinutes: i === 0 ? 0 : RELEASE_BUCKET_EDGES[i - 1],
    toMinutes: i < RELEASE_BUCKET_EDGES.length ? RELEASE_BUCKET_EDGES[i] : null,
    remote: num(buckets.filter((b) => Number(b.bucket) === i && b.mode === 'remote').reduce((s, b) => s + num(b.n), 0)),
    onsite: num(buckets.filter((b) => Number(b.bucket) === i && b.mode === 'onsite').reduce((s, b) => s + num(b.n), 0)),
  }));
  return { figure: 'release-time', filter: await filterView(db, f), summary, distribution };
}

/** Inspections per inspector per day, remote vs on-site, and their ratio (the efficiency claim). */
export async function inspectorThroughputFigure(db: Db, f: ResolvedFilter): Promise<InspectorThroughputFigure> {
  const where = whereOf(f);
  // One row per inspector, day and mode (channels summed first, so an inspector-day counts once).
  const perDay = sql`select inspector_id, day, mode, sum(n)::int as n from dash_inspector_daily where ${where} group by inspector_id, day, mode having sum(n) > 0`;
  const byMode = rowsOf<{ mode: string; n: number; days: number }>(await db.execute(sql`
    select mode, sum(n)::int as n, count(*)::int as days from (${perDay}) p group by mode`));
  const perInspector = rowsOf<{ inspector_id: string; name: string | null; mode: string; n: number; days: number }>(await db.execute(sql`
    select p.inspector_id, u.display_name as name, p.mode, sum(p.n)::int as n, count(*)::int as days
    from (${perDay}) p left join users u on u.id = p.inspector_id group by p.inspector_id, u.display_name, p.mode`));
  const series = rowsOf<{ day: string; mode: string; n: number; inspectors: number }>(await db.execute(sql`
    select day::text as day, mode, sum(n)::int as n, count(*)::int as inspectors from (${perDay}) p group by day, mode order by day`));
  const modes = (['remote', 'onsite'] as const).map((mode) => {
    const r = byMode.find((x) => x.mode === mode);
    const inspections = num(r?.n), days = num(r?.days);
    return { mode, inspections, inspectorDays: days, perInspectorDay: round(ratio(inspections, days), 3) };
  });
  const remoteRate = modes[0].perInspectorDay, onsiteRate = modes[1].perInspectorDay;
  const inspectors = new Map<string, InspectorThroughputFigure['inspectors'][number]>();
  for (const r of perInspector) {
    const id = r.inspector_id;
    const e = inspectors.get(id) ?? { inspectorId: id, name: r.name ?? (id || '—'), remote: 0, remoteDays: 0, onsite: 0, onsiteDays: 0 };
    if (r.mode === 'remote') { e.remote += num(r.n); e.remoteDays += num(r.days); } else { e.onsite += num(r.n); e.onsiteDays += num(r.days); }
    inspectors.set(id, e);
  }
  const days = new Map<string, InspectorThroughputFigure['series'][number]>();
  for (const r of series) {
    const e = days.get(r.day) ?? { day: r.day, remote: 0, onsite: 0, remoteInspectors: 0, onsiteInspectors: 0 };
    if (r.mode === 'remote') { e.remote += num(r.n); e.remoteInspectors += num(r.inspectors); } else { e.onsite += num(r.n); e.onsiteInspectors += num(r.inspectors); }
    days.set(r.day, e);
  }
  return {
    figure: 'inspector-throughput', filter: await filterView(db, f), byMode: modes,
    efficiencyRatio: remoteRate !== null && onsiteRate ? round(remoteRate / onsiteRate, 3) : null,
    inspectors: [...inspectors.values()].sort((a, b) => a.name.localeCompare(b.name)),
    series: [...days.values()],
  };
}

/** Descriptions of the office's current eligibility rules, to label the reasons. */
async function ruleDescriptions(db: Db, officeId: string): Promise<Map<string, string>> {
  const rows = rowsOf<{ rules: unknown }>(await db.execute(sql`select rules from eligibility_rule_sets where office_id = ${officeId} and active limit 1`));
  const out = new Map<string, string>();
  const rules = rows[0]?.rules;
  if (Array.isArray(rules)) for (const r of rules as { id?: unknown; description?: unknown }[]) {
    if (typeof r?.id === 'string' && typeof r.description === 'string') out.set(r.id, r.description);
  }
  return out;
}

/** Share of inspections done remotely, and why the others were not (the eligibility rules that fired). */
export async function remoteShareFigure(db: Db, f: ResolvedFilter): Promise<RemoteShareFigure> {
  const where = whereOf(f);
  const series = rowsOf<{ day: string; mode: string; n: number }>(await db.execute(sql`
    select day::text as day, mode, sum(inspections)::int as n from dash_daily where ${where} group by day, mode having sum(inspections) > 0 order by day`));
  const reasons = f.mode === 'remote' ? [] : rowsOf<{ reason: string; n: number }>(await db.execute(sql`
    select reason, sum(n)::int as n from dash_reason_daily where ${whereOf(f, { mode: false })} group by reason having sum(n) > 0 order by sum(n) desc, reason`));
  let remote = 0, onsite = 0;
  const days = new Map<string, { day: string; remote: number; onsite: number }>();
  for (const r of series) {
    const e = days.get(r.day) ?? { day: r.day, remote: 0, onsite: 0 };
    if (r.mode === 'remote') { e.remote += num(r.n); remote += num(r.n); } else { e.onsite += num(r.n); onsite += num(r.n); }
    days.set(r.day, e);
  }
  const labels = await ruleDescriptions(db, f.officeId);
  return {
    figure: 'remote-share', filter: await filterView(db, f), inspections: remote + onsite, remote, onsite,
    remoteShare: round(ratio(remote, remote + onsite)),
    reasons: reasons.map((r) => ({ reason: r.reason, description: labels.get(r.reason) ?? null, count: num(r.n), shareOfOnsite: round(ratio(num(r.n), onsite)) })),
    series: [...days.values()],
  };
}

/** Targeting hit rate: fraud found ÷ inspections decided, for risk-selected vs randomly selected goods and per channel. */
export async function hitRateFigure(db: Db, f: ResolvedFilter): Promise<HitRateFigure> {
  const where = whereOf(f);
  const rows = rowsOf<{ selection: string; channel: string; decided: number; fraud: number; critical: number }>(await db.execute(sql`
    select selection, channel, sum(decided)::int as decided, sum(fraud)::int as fraud, sum(critical)::int as critical
    from dash_daily where ${where} group by selection, channel`));
  const sum = (pick: (r: (typeof rows)[number]) => boolean) => {
    const sel = rows.filter(pick);
    const inspected = sel.reduce((s, r) => s + num(r.decided), 0);
    const fraud = sel.reduce((s, r) => s + num(r.fraud), 0);
    return { inspected, fraud, critical: sel.reduce((s, r) => s + num(r.critical), 0), hitRate: round(ratio(fraud, inspected)) };
  };
  const bySelection = (['risk', 'random', 'manual', 'application'] as const).map((s) => ({ selection: s, ...sum((r) => r.selection === s) }));
  const byChannel = (['red', 'yellow', 'green'] as const).map((c) => ({ channel: c, ...sum((r) => r.channel === c) }));
  const risk = bySelection[0].hitRate, random = bySelection[1].hitRate;
  return {
    figure: 'hit-rate', filter: await filterView(db, f), overall: sum(() => true), bySelection, byChannel,
    lift: risk !== null && random ? round(risk / random, 3) : null,
  };
}

/** Enterprise cost proxies: trips avoided (remote inspections) and waiting hours from arrival of the goods to release. */
export async function enterpriseCostFigure(db: Db, f: ResolvedFilter): Promise<EnterpriseCostFigure> {
  const where = whereOf(f);
  const rows = rowsOf<{ day: string; mode: string; inspections: number; waited: number; minutes: number }>(await db.execute(sql`
    select day::text as day, mode, sum(inspections)::int as inspections, sum(waited)::int as waited, sum(waiting_minutes) as minutes
    from dash_daily where ${where} group by day, mode having sum(inspections) > 0 order by day`));
  const waiting = (['remote', 'onsite', 'all'] as const).map((mode) => {
    const sel = rows.filter((r) => mode === 'all' || r.mode === mode);
    const releases = sel.reduce((s, r) => s + num(r.waited), 0);
    const hours = sel.reduce((s, r) => s + num(r.minutes), 0) / 60;
    return { mode, releases, totalHours: round(hours, 2) ?? 0, meanHours: round(ratio(hours, releases), 3) };
  });
  const days = new Map<string, { day: string; tripsAvoided: number; waitingHours: number }>();
  let trips = 0, inspections = 0;
  for (const r of rows) {
    const e = days.get(r.day) ?? { day: r.day, tripsAvoided: 0, waitingHours: 0 };
    if (r.mode === 'remote') { e.tripsAvoided += num(r.inspections); trips += num(r.inspections); }
    inspections += num(r.inspections);
    e.waitingHours = round(e.waitingHours + num(r.minutes) / 60, 2) ?? 0;
    days.set(r.day, e);
  }
  return { figure: 'enterprise-cost', filter: await filterView(db, f), tripsAvoided: trips, inspections, waiting, series: [...days.values()] };
}

const BUILDERS = {
  'release-time': releaseTimeFigure,
  'inspector-throughput': inspectorThroughputFigure,
  'remote-share': remoteShareFigure,
  'hit-rate': hitRateFigure,
  'enterprise-cost': enterpriseCostFigure,
} as const;

/** One figure for the actor's office (authorised, filtered, refreshed first if the workflow changed since). */
export async function getFigure(db: Db, actor: Actor, name: FigureName, q: FiguresQuery) {
  const f = await resolveFilter(db, actor, q);
  await ensureFresh(db);
  return BUILDERS[name](db, f);
}

// ---------------------------------------------------------------------------------------------------------------
// CSV: the table behind each figure (what the chart shows), one header line, RFC 4180 quoting.

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  // A cell starting with = + - @ would be run as a formula by spreadsheets: prefix it (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function figureCsv(fig: Awaited<ReturnType<typeof getFigure>>): string {
  switch (fig.figure) {
    case 'release-time':
      return csv(['section', 'mode', 'released', 'median_hours', 'mean_hours', 'bucket', 'from_minutes', 'to_minutes', 'remote', 'onsite'], [
        ...fig.summary.map((s) => ['summary', s.mode, s.released, s.medianHours, s.meanHours, '', '', '', '', '']),
        ...fig.distribution.map((d) => ['distribution', '', '', '', '', d.bucket, d.fromMinutes, d.toMinutes, d.remote, d.onsite]),
      ]);
    case 'inspector-throughput':
      return csv(['inspector_id', 'inspector', 'remote_inspections', 'remote_days', 'remote_per_day', 'onsite_inspections', 'onsite_days', 'onsite_per_day'], [
        ...fig.inspectors.map((i) => [i.inspectorId, i.name, i.remote, i.remoteDays, round(ratio(i.remote, i.remoteDays), 3), i.onsite, i.onsiteDays, round(ratio(i.onsite, i.onsiteDays), 3)]),
        ['', 'all', fig.byMode[0].inspections, fig.byMode[0].inspectorDays, fig.byMode[0].perInspectorDay, fig.byMode[1].inspections, fig.byMode[1].inspectorDays, fig.byMode[1].perInspectorDay],
      ]);
    case 'remote-share':
      return csv(['reason', 'description', 'onsite_inspections', 'share_of_onsite'], [
        ['(remote)', 'inspections done remotely', fig.remote, ''],
        ['(onsite)', 'inspections done on site', fig.onsite, ''],
        ...fig.reasons.map((r) => [r.reason, r.description, r.count, r.shareOfOnsite]),
      ]);
    case 'hit-rate':
      return csv(['group', 'value', 'inspected', 'fraud', 'critical', 'hit_rate'], [
        ...fig.bySelection.map((s) => ['selection', s.selection, s.inspected, s.fraud, s.critical, s.hitRate]),
        ...fig.byChannel.map((c) => ['channel', c.channel, c.inspected, c.fraud, c.critical, c.hitRate]),
        ['all', '', fig.overall.inspected, fig.overall.fraud, fig.overall.critical, fig.overall.hitRate],
      ]);
    case 'enterprise-cost':
      return csv(['day', 'trips_avoided', 'waiting_hours'], [
        ...fig.series.map((d) => [d.day, d.tripsAvoided, d.waitingHours]),
        ['total', fig.tripsAvoided, fig.waiting[2].totalHours],
      ]);
  }
}
