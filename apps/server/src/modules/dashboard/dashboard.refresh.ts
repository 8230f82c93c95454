// Incremental refresh of the figure tables. Triggers queue every changed order in dash_dirty_orders (same transaction
// as the change); a refresh drains the queue in batches and, for each batch, subtracts the orders' old fact rows from
// the daily tables, recomputes their facts from the workflow's tables, and adds the new rows back. Cost is
// proportional to the number of changed orders, never to the size of the history.
import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.ts';
import { transaction } from '../../platform/unit-of-work.ts';

/** Upper edges (minutes) of the time-to-release buckets: <30 min, 30–60 min, 1–2 h, 2–4 h, 4–8 h, 8–24 h, 1–2 d, 2–3 d, 3–7 d, ≥7 d. */
export const RELEASE_BUCKET_EDGES = [30, 60, 120, 240, 480, 1440, 2880, 4320, 10080] as const;

/** Serialises refreshes across connections and processes (two would apply the same delta twice). */
const REFRESH_LOCK_KEY = 7_320_415_008;
const BATCH = 5000;

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

/**
 * The fact of each order in dash_batch, recomputed from the workflow tables. Only inspected orders have one. The
 * simulated timeline of a demo-history case replaces its real (generation-time) timestamps.
 */
const NEW_FACTS = sql.raw(`
  insert into dash_order_facts (order_id, office_id, enterprise_id, inspector_id, day, channel, mode, selection, start_at, arrived_at,
    inspected_at, released_at, release_minutes, waiting_minutes, decided, fraud, critical, reasons, simulated, refreshed_at)
  select f.id, f.office_id, f.enterprise_id, f.inspector_id, (f.inspected_at at time zone f.time_zone)::date, f.channel, f.mode, f.selection,
    f.start_at, f.arrived_at, f.inspected_at, f.released_at,
    case when f.released_at >= f.start_at then extract(epoch from (f.released_at - f.start_at)) / 60 end,
    case when f.released_at >= f.arrived_at then extract(epoch from (f.released_at - f.arrived_at)) / 60 end,
    f.decided, f.fraud, f.critical, f.reasons, f.simulated, now()
  from (
    select o.id, o.office_id, o.enterprise_id, o.inspector_id, coalesce(off.time_zone, 'UTC') as time_zone, o.channel,
      coalesce(o.mode, 'onsite') as mode, o.selection,
      coalesce(sim.start_at, app.created_at, sel.created_at, o.created_at) as start_at,
      case when sim.order_id is not null then sim.arrived_at else o.goods_arrived_at end as arrived_at,
      coalesce(sim.inspected_at, ins.at) as inspected_at,
      case when sim.order_id is not null then sim.released_at else de.released_at end as released_at,
      de.order_id is not null as decided, coalesce(de.fraud, false) as fraud, coalesce(de.critical, false) as critical,
      case
        when coalesce(o.mode, 'onsite') <> 'onsite' then '[]'::jsonb
        when ed.decided_mode is null then '["undecided"]'::jsonb
        when ed.decided_mode = 'remote' then '["remote_fallback"]'::jsonb
        when ed.overridden then '["inspector_choice"]'::jsonb
        else coalesce(
          (select jsonb_agg(distinct r.rule_id) from (
             select x->>'ruleId' as rule_id from jsonb_array_elements(case when jsonb_typeof(ed.fired) = 'array' then ed.fired else '[]'::jsonb end) x
             where x->>'outcome' = 'onsite' and x->>'ruleId' is not null) r),
          '["default_onsite"]'::jsonb)
      end as reasons,
      sim.order_id is not null as simulated
    from dash_batch b
    join inspection_orders o on o.id = b.order_id
    left join organisations off on off.id = o.office_id
    left join inspection_applications app on app.id = o.application_id
    left join selections sel on sel.declaration_id = o.declaration_id
    left join decision_effects de on de.order_id = o.id
    left join dash_simulated_times sim on sim.order_id = o.id
    left join lateral (select max(t.at) as at from order_transitions t where t.order_id = o.id and t.to_state = 'inspected') ins on true
    left join lateral (
      select e.decided_mode, e.overridden, e.fired from eligibility_decisions e where e.order_id = o.id order by e.decided_at desc limit 1
    ) ed on true
  ) f
  where f.inspected_at is not null`);

/** Adds (sign 1) or subtracts (sign -1) the facts of the batch's orders to/from every daily table. */
function applyDelta(sign: 1 | -1) {
  const s = String(sign);
  const edges = `array[${RELEASE_BUCKET_EDGES.join(',')}]::float8[]`;
  return [
    sql.raw(`
      insert into dash_daily as d (office_id, day, channel, mode, selection, inspections, released, release_minutes, waited, waiting_minutes, decided, fraud, critical)
      select office_id, day, channel, mode, selection, ${s} * count(*), ${s} * count(release_minutes), ${s} * coalesce(sum(release_minutes), 0),
        ${s} * count(waiting_minutes), ${s} * coalesce(sum(waiting_minutes), 0), ${s} * count(*) filter (where decided),
        ${s} * count(*) filter (where fraud), ${s} * count(*) filter (where critical)
      from dash_order_facts where order_id in (select order_id from dash_batch)
      group by office_id, day, channel, mode, selection
      on conflict (office_id, day, channel, mode, selection) do update set
        inspections = d.inspections + excluded.inspections, released = d.released + excluded.released,
        release_minutes = d.release_minutes + excluded.release_minutes, waited = d.waited + excluded.waited,
        waiting_minutes = d.waiting_minutes + excluded.waiting_minutes, decided = d.decided + excluded.decided,
        fraud = d.fraud + excluded.fraud, critical = d.critical + excluded.critical`),
    sql.raw(`
      insert into dash_release_buckets as d (office_id, day, channel, mode, bucket, n)
      select office_id, day, channel, mode, width_bucket(release_minutes, ${edges}), ${s} * count(*)
      from dash_order_facts where order_id in (select order_id from dash_batch) and release_minutes is not null
      group by 1, 2, 3, 4, 5
      on conflict (office_id, day, channel, mode, bucket) do update set n = d.n + excluded.n`),
    sql.raw(`
      insert into dash_inspector_daily as d (office_id, day, inspector_id, channel, mode, n)
      select office_id, day, coalesce(inspector_id, ''), channel, mode, ${s} * count(*)
      from dash_order_facts where order_id in (select order_id from dash_batch)
      group by 1, 2, 3, 4, 5
      on conflict (office_id, day, inspector_id, channel, mode) do update set n = d.n + excluded.n`),
    sql.raw(`
      insert into dash_reason_daily as d (office_id, day, channel, reason, n)
      select f.office_id, f.day, f.channel, r.reason, ${s} * count(*)
      from dash_order_facts f cross join lateral jsonb_array_elements_text(f.reasons) as r(reason)
      where f.order_id in (select order_id from dash_batch)
      group by 1, 2, 3, 4
      on conflict (office_id, day, channel, reason) do update set n = d.n + excluded.n`),
  ];
}

export interface RefreshResult {
  /** Distinct orders recomputed. */
  orders: number;
  /** Offices whose figures changed (their consoles are told to refetch). */
  offices: string[];
  ms: number;
}

/** Is anything waiting to be refreshed? (A cheap check done before every figures read.) */
export async function refreshPending(db: Db): Promise<boolean> {
  const rows = rowsOf<{ x: boolean }>(await db.execute(sql`select exists (select 1 from dash_dirty_orders) as x`));
  return rows[0]?.x === true;
}

/** Recomputes one batch of queued orders in one transaction; returns the orders and offices touched (0 when the queue is empty). */
async function refreshBatch(db: Db): Promise<{ orders: number; offices: string[] }> {
  return transaction(db, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${REFRESH_LOCK_KEY})`);
    await tx.execute(sql.raw(`create temp table if not exists dash_batch (order_id text primary key) on commit delete rows`));
    await tx.execute(sql.raw(`
      with q as (
        delete from dash_dirty_orders where seq in (select seq from dash_dirty_orders order by seq limit ${BATCH}) returning order_id
      )
      insert into dash_batch (order_id) select distinct order_id from q on conflict do nothing`));
    const [{ n }] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from dash_batch`));
    if (Number(n) === 0) return { orders: 0, offices: [] };
    const before = rowsOf<{ office_id: string }>(await tx.execute(sql.raw(
      `select distinct office_id from dash_order_facts where order_id in (select order_id from dash_batch)`)));
    for (const q of applyDelta(-1)) await tx.execute(q);
    await tx.execute(sql.raw(`delete from dash_order_facts where order_id in (select order_id from dash_batch)`));
    await tx.execute(NEW_FACTS);
    for (const q of applyDelta(1)) await tx.execute(q);
    const after = rowsOf<{ office_id: string }>(await tx.execute(sql.raw(
      `select distinct office_id from dash_order_facts where order_id in (select order_id from dash_batch)`)));
    await tx.execute(sql`insert into dash_refresh_state (key, value, updated_at) values ('last', ${JSON.stringify({ orders: Number(n), at: new Date().toISOString() })}::jsonb, now())
      on conflict (key) do update set value = excluded.value, updated_at = now()`);
    return { orders: Number(n), offices: [...new Set([...before, ...after].map((r) => r.office_id))] };
  });
}

/**
 * Drains the queue of changed orders (in batches of 5,000, each in its own transaction). Safe to call from several
 * places at once: refreshes are serialised by an advisory lock and each queued order is processed once.
 */
export async function refreshFigures(db: Db, opts: { maxBatches?: number } = {}): Promise<RefreshResult> {
  const started = performance.now();
  let orders = 0;
  const offices = new Set<string>();
  for (let i = 0; i < (opts.maxBatches ?? Infinity); i++) {
    const r = await refreshBatch(db);
    if (r.orders === 0) break;
    orders += r.orders;
    for (const o of r.offices) offices.add(o);
  }
  return { orders, offices: [...offices], ms: performance.now() - started };
}

/** When the figures were last refreshed (ISO), or null. */
export async function lastRefreshAt(db: Db): Promise<string | null> {
  const rows = rowsOf<{ at: Date | string }>(await db.execute(sql`select updated_at as at from dash_refresh_state where key = 'last'`));
  return rows[0] ? new Date(rows[0].at).toISOString() : null;
}
