// npm run bench -- dashboard [--declarations N] [--inspections N] [--keep]
// On a fresh database of the Postgres server at 127.0.0.1:5432 (BENCH_DATABASE_URL to change): generates 1,000,000
// declarations and 100,000 inspections of one customs office over a year, with their events (order transitions,
// eligibility decisions, signed-decision rows and decision effects), by bulk SQL; brings the figure tables up to date
// (the incremental refresh, from the queue the triggers filled); then times every figure's API call (real server,
// app.inject, supervisor session) over a mix of filters: default period, a quarter, the whole year, per channel and
// per mode. Also times an incremental refresh after 200 orders change. Prints last:
//   dashboard: rows=… p50_ms=… p99_ms=… slowest=NAME …
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { FIGURES } from '@rvi/contracts';
import { loadConfig } from '../../apps/server/src/platform/config.ts';
import { buildApp, closeContext, createContext } from '../../apps/server/src/app.ts';
import { seedOnFirstStart } from '../../apps/server/src/modules/orgs/demo.ts';
import { refreshFigures } from '../../apps/server/src/modules/dashboard/dashboard.refresh.ts';
import { activeRuleSet } from '../../apps/server/src/modules/eligibility/eligibility.service.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DECLARATIONS = arg('declarations', 1_000_000);
const INSPECTIONS = arg('inspections', 100_000);
const ENTERPRISES = 200;
const INSPECTORS = 20;
const DAYS = 365;
const REPEAT = arg('repeat', 20);
const KEEP = process.argv.includes('--keep');
const PASSWORD = 'bench-password-1';

const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `rvi_bench_dashboard_${process.pid}_${randomBytes(3).toString('hex')}`;
const log = (m: string) => console.log(`[dashboard] ${m}`);
const ms = (t0: number) => Math.round(performance.now() - t0);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

await admin(`create database ${dbName}`);
const url = new URL(base);
url.pathname = `/${dbName}`;
const dataDir = mkdtempSync(join(tmpdir(), 'rvi-bench-dashboard-'));
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RVI_REQUIRE_2FA: '0' } as NodeJS.ProcessEnv, { databaseUrl: url.toString() });
const ctx = await createContext(config, { jobs: false });
let exitCode = 0;
try {
  await seedOnFirstStart(ctx.db, { demo: true, password: PASSWORD });
  const q = ctx.database.query.bind(ctx.database);
  const [{ id: office }] = await q<{ id: string }>(`select id from organisations where code = 'CUS-YS'`);
  const [{ id: _supervisor }] = await q<{ id: string }>(`select id from users where username = 'supervisor'`);
  const ruleSet = await activeRuleSet(ctx.db, office);
  let t0 = performance.now();

  // ---- organisations, inspectors
  await q(`insert into organisations (id, kind, name, code, supervising_office_id, credit_rating)
    select 'be-' || e, 'enterprise', 'Bench enterprise ' || e, 'ENT-B' || e, $1, (array['AA','A','B','C'])[1 + e % 4] from generate_series(1, ${ENTERPRISES}) e`, [office]);
  await q(`insert into users (id, org_id, username, display_name, role, password_hash)
    select 'bi-' || i, $1, 'bench.inspector' || i, 'Bench inspector ' || i, 'inspector', 'x' from generate_series(1, ${INSPECTORS}) i`, [office]);

  // ---- declarations (the office's year of filings)
  await q(`insert into declarations (id, org_id, customs_office_id, declaration_no, date, office_code, process_type, import_type, import_use,
      payment_type, transport_mode, declarant_code, importer_code, hs6, country_of_departure, country_of_origin, tax_rate, tax_type,
      origin_indicator, net_mass_kg, item_price, status, source, created_at)
    select 'bd-' || g, 'be-' || (1 + g % ${ENTERPRISES}), $1, 'BD' || g, (current_date - (g % ${DAYS}))::date, '30', 'B', '11', '21', '11', '10',
      'DC' || (g % 5000), 'IM' || (g % 20000), lpad(((g::bigint * 7919) % 970000 + 10000)::text, 6, '0'), 'CN', 'CN', 8, 'A', 'Y',
      10 + (g % 1000), 1000 + (g % 100000), case when g <= ${INSPECTIONS} then 'released' else 'filed' end, 'csv',
      now() - ((g % ${DAYS}) || ' days')::interval
    from generate_series(1, ${DECLARATIONS}) g`, [office]);
  await q(`insert into org_declaration_counts (org_id, customs_office_id, count) select org_id, customs_office_id, count(*) from declarations group by 1, 2
    on conflict (org_id) do update set count = excluded.count`);
  log(`declarations: ${DECLARATIONS} in ${ms(t0)} ms`);
  t0 = performance.now();

  // ---- inspections: orders, their transitions, eligibility decisions, decisions and effects
  // Per order g: mode remote for 2 in 3, channel red/yellow/green, selection risk/random/application/manual,
  // inspected on day g % 365 (office time), 95 % closed, a fraud found in ~1 in 4.
  await q(`create temp table bench_o as
    select g, 'bo-' || g as id, 'bd-' || g as decl, 'be-' || (1 + g % ${ENTERPRISES}) as ent, 'bi-' || (1 + g % ${INSPECTORS}) as insp,
      case when g % 3 = 0 then 'onsite' else 'remote' end as mode,
      (array['red','red','yellow','green'])[1 + g % 4] as channel,
      case when g % 20 = 0 then 'random' when g % 33 = 0 then 'application' when g % 50 = 0 then 'manual' else 'risk' end as selection,
      (date_trunc('day', now() at time zone 'Asia/Shanghai') - ((g % ${DAYS}) || ' days')::interval + interval '8 hours') at time zone 'Asia/Shanghai'
        + ((g % 7) || ' hours')::interval as t0,
      g % 20 <> 7 as closed, g % 4 = 1 as fraud, g % 40 = 1 as critical
    from generate_series(1, ${INSPECTIONS}) g`);
  await q(`insert into inspection_orders (id, order_no, declaration_id, office_id, enterprise_id, state, mode, goods_category, hs6, channel, selection,
      goods_arrived_at, due_date, inspector_id, created_at, updated_at)
    select id, 'IO-B-' || g, decl, $1, ent, case when closed then 'closed' else 'inspected' end, mode, 'general', '000000', channel, selection,
      t0 + interval '1 hour', (t0 at time zone 'Asia/Shanghai')::date, insp, t0, t0 from bench_o`, [office]);
  const steps: [string | null, string, string][] = [
    [null, 'selected', '0 minutes'], ['selected', 'assigned', '20 minutes'], ['assigned', 'eligibility_decided', '30 minutes'],
    ['eligibility_decided', 'booked', '40 minutes'], ['booked', 'in_progress', '90 minutes'], ['in_progress', 'inspected', '150 minutes'],
  ];
  for (const [from, to, after] of steps) {
    // on-site inspections wait a day or two for the visit
    const delay = to === 'in_progress' || to === 'inspected' ? `case when mode = 'onsite' then interval '${after}' + interval '1 day' * (1 + g % 2) else interval '${after}' end` : `interval '${after}'`;
    const toState = to === 'booked' ? `case when mode = 'onsite' then 'onsite_scheduled' else 'booked' end` : `'${to}'`;
    const fromState = from === 'booked' ? `case when mode = 'onsite' then 'onsite_scheduled' else 'booked' end` : from ? `'${from}'` : 'null';
    await q(`insert into order_transitions (id, order_id, from_state, to_state, actor_id, actor_role, at)
      select id || ':${to}', id, ${fromState}, ${toState}, insp, 'inspector', t0 + ${delay} from bench_o`);
  }
  for (const to of ['decided', 'closed']) {
    await q(`insert into order_transitions (id, order_id, from_state, to_state, actor_id, actor_role, at)
      select id || ':${to}', id, ${to === 'decided' ? "'inspected'" : "'decided'"}, '${to}', insp, 'inspector',
        t0 + interval '3 hours' + case when mode = 'onsite' then interval '1 day' * (1 + g % 2) else interval '0' end from bench_o where closed`);
  }
  await q(`insert into eligibility_decisions (id, order_id, rule_set_id, rule_set_version, facts, recommendation, fired, decided_mode, overridden, decided_by, decided_at)
    select id || ':elig', id, $1, 1, '{}'::jsonb, mode,
      case when mode = 'onsite' then (case when channel = 'red' then '[{"ruleId":"red-channel","outcome":"onsite","basis":"matched"}]'
        else '[{"ruleId":"no-registered-device","outcome":"onsite","basis":"matched"}]' end)::jsonb else '[]'::jsonb end,
      mode, false, insp, t0 + interval '30 minutes' from bench_o`, [ruleSet.id]);
  await q(`insert into decisions (id, order_id, declaration_id, office_id, enterprise_id, outcome, corrections, finding_ids, requires_approval, envelope, key_id, signed_by, signed_at)
    select id || ':dec', id, decl, $1, ent, case when critical then 'hold' when fraud then 'release_with_correction' else 'release' end, '[]'::jsonb, '[]'::jsonb,
      fraud, '{}'::jsonb, 'bench', insp, t0 + interval '3 hours' from bench_o where closed`, [office]);
  await q(`insert into decision_effects (order_id, decision_id, outcome, released_at, effective_at, fraud, critical)
    select id, id || ':dec', case when critical then 'hold' when fraud then 'release_with_correction' else 'release' end,
      case when critical then null else t0 + case when mode = 'onsite' then interval '1 day' * (1 + g % 2) else interval '0' end + interval '3 hours' + interval '1 minute' * (g % 50) end,
      t0 + interval '3 hours', fraud, critical from bench_o where closed`);
  const [{ n: events }] = await q<{ n: number }>(`select (select count(*) from order_transitions) + (select count(*) from eligibility_decisions) + (select count(*) from decision_effects) as n`);
  log(`inspections: ${INSPECTIONS} with ${events} events in ${ms(t0)} ms`);
  // A bulk load queues each order once per trigger firing; one entry per order is enough for the first refresh.
  await q(`truncate dash_dirty_orders`);
  await q(`insert into dash_dirty_orders (order_id) select id from inspection_orders`);
  await q(`analyze`);

  t0 = performance.now();
  const first = await refreshFigures(ctx.db);
  const refreshAllMs = ms(t0);
  log(`first refresh: ${first.orders} orders in ${refreshAllMs} ms`);
  await q(`vacuum analyze dash_order_facts, dash_daily, dash_release_buckets, dash_inspector_daily, dash_reason_daily`);

  // Incremental: 200 orders change (a later decision on inspected orders), then the refresh catches up.
  await q(`update inspection_orders set updated_at = now() where id in (select id from inspection_orders order by id limit 200)`);
  t0 = performance.now();
  const inc = await refreshFigures(ctx.db);
  const refreshIncMs = ms(t0);
  log(`incremental refresh: ${inc.orders} orders in ${refreshIncMs} ms`);

  const [{ n: rows }] = await q<{ n: number }>(`select (select count(*) from declarations) + (select count(*) from inspection_orders) + ${Number(events)} as n`);

  // ---- the API calls
  const app = await buildApp(ctx);
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'supervisor', password: PASSWORD } });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const cookie = `rvi_session=${login.cookies.find((c) => c.name === 'rvi_session')!.value}`;
  const today = new Date().toISOString().slice(0, 10);
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
  const filters = ['', `from=${daysAgo(89)}&to=${today}`, `from=${daysAgo(364)}&to=${today}`, 'channel=red', `from=${daysAgo(364)}&to=${today}&mode=remote`, `from=${daysAgo(364)}&to=${today}&channel=green&mode=onsite`];
  const per = new Map<string, number[]>();
  for (const f of FIGURES) per.set(f, []);
  // warm-up (plans, caches, the session cache)
  for (const f of FIGURES) await app.inject({ url: `/api/dashboard/figures/${f}?${filters[2]}`, headers: { cookie } });
  for (let i = 0; i < REPEAT; i++) {
    for (const f of FIGURES) {
      for (const filter of filters) {
        const t = performance.now();
        const r = await app.inject({ url: `/api/dashboard/figures/${f}?${filter}`, headers: { cookie } });
        const d = performance.now() - t;
        if (r.statusCode !== 200) throw new Error(`${f}?${filter}: ${r.statusCode} ${r.body}`);
        per.get(f)!.push(d);
      }
    }
  }
  const yearShare = await app.inject({ url: `/api/dashboard/figures/remote-share?${filters[2]}`, headers: { cookie } });
  log(`check (whole year): ${yearShare.json().inspections} inspections, remote share ${yearShare.json().remoteShare}`);
  await app.close();

  const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]; };
  const all = [...per.values()].flat();
  let slowest = '';
  let slowestP99 = -1;
  const perFigure: string[] = [];
  for (const [f, xs] of per) {
    const p99 = pct(xs, 0.99);
    log(`${f}: n=${xs.length} p50_ms=${pct(xs, 0.5).toFixed(1)} p99_ms=${p99.toFixed(1)} max_ms=${Math.max(...xs).toFixed(1)}`);
    perFigure.push(`${f}_p99_ms=${p99.toFixed(1)}`);
    if (p99 > slowestP99) { slowestP99 = p99; slowest = f; }
  }
  console.log(`dashboard: rows=${rows} p50_ms=${pct(all, 0.5).toFixed(1)} p99_ms=${pct(all, 0.99).toFixed(1)} slowest=${slowest} declarations=${DECLARATIONS} inspections=${INSPECTIONS} events=${events} refresh_all_ms=${refreshAllMs} refresh_200_ms=${refreshIncMs} ${perFigure.join(' ')}`);
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await closeContext(ctx);
  if (!KEEP) await admin(`drop database if exists ${dbName} with (force)`);
  else log(`kept database ${dbName}`);
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
