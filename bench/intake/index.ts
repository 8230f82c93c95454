/**
 * npm run bench -- intake [--duration 10] [--connections 100]
 * Imports ../shared/data/customs-declarations/train.csv into a fresh database on PGlite and on Postgres (through the
 * same service the API and CLI use: parse, validate, insert, audit), then loads GET /api/declarations with autocannon
 * against a separate server process. Last line:
 * intake: pglite_rows_per_s=… postgres_rows_per_s=… list_p50_ms=… list_p99_ms=… list_rps=…
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../../apps/server/src/platform/config.ts';
import { closeContext, createContext } from '../../apps/server/src/app.ts';
import { seedOnFirstStart } from '../../apps/server/src/modules/orgs/demo.ts';
import { importDeclarations } from '../../apps/server/src/modules/declarations/declarations.service.ts';
import { hashPassword } from '../../apps/server/src/modules/auth/auth.service.ts';
import { organisations, users } from '../../apps/server/src/db/schema.ts';
import { systemActor } from '../../apps/server/src/platform/actor.ts';
import { freshDatabaseUrl } from '../../apps/server/test/harness.ts';

const root = resolve(import.meta.dirname, '../..');
const arg = (n: string, d: number) => { const i = process.argv.indexOf(n); return i > 0 ? Number(process.argv[i + 1]) : d; };
const duration = arg('--duration', 10);
const connections = arg('--connections', 100);
// ../shared next to the checkout (/work/main) or next to the worktrees folder (/work/wt/NAME): the first that exists.
const file = [resolve(root, '../shared'), resolve(root, '../../shared')].map((d) => join(d, 'data/customs-declarations/train.csv')).find((f) => existsSync(f))
  ?? resolve(root, '../shared/data/customs-declarations/train.csv');
const csv = readFileSync(file, 'utf8');
const PASSWORD = 'bench-password-1';

async function importInto(env: Record<string, string>, label: string) {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  // the import alone is measured: no jobs and no outbox dispatcher (as the CLI runs it), so scoring does not compete
  const ctx = await createContext(config, { jobs: false, dispatch: false });
  await seedOnFirstStart(ctx.db, { demo: false, password: PASSWORD });
  const [office] = await ctx.db.select().from(organisations);
  const orgId = randomUUID();
  await ctx.db.insert(organisations).values({ id: orgId, kind: 'enterprise', name: 'Bench Enterprise', code: 'ENT-BENCH', supervisingOfficeId: office.id });
  await ctx.db.insert(users).values({ id: randomUUID(), orgId, username: 'bench.user', displayName: 'Bench', role: 'enterprise_user', passwordHash: await hashPassword(PASSWORD) });
  const t0 = performance.now();
  const r = await importDeclarations(ctx.db, systemActor('bench'), { csv, fileName: 'train.csv', orgRef: 'ENT-BENCH' });
  const s = (performance.now() - t0) / 1000;
  if (r.inserted !== 37385) throw new Error(`${label}: inserted ${r.inserted}, expected 37385 (${r.message})`);
  await closeContext(ctx);
  const rate = r.inserted / s;
  console.log(`${label}: imported ${r.inserted} rows in ${s.toFixed(2)} s = ${rate.toFixed(0)} rows/s`);
  return rate;
}

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [join(root, 'apps/server/bin/rvi.mjs'), 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RVI_DEMO: '0', RVI_WEB_DIST: '/nonexistent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((res, rej) => {
    child.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('listening')) res(); });
    child.on('exit', (c) => rej(new Error(`server exited ${c}`)));
  });
  return { child, port };
}

/** Declarations scored so far (Postgres only; on PGlite the server process owns the database, so we wait on its API). */
async function scoredCount(env: Record<string, string>): Promise<number | null> {
  if (!env.DATABASE_URL) return 37385;
  const pg = await import('pg');
  const c = new pg.default.Client({ connectionString: env.DATABASE_URL });
  await c.connect();
  try { return Number((await c.query('select count(*)::int as n from risk_scores')).rows[0].n); } finally { await c.end(); }
}

async function loadList(env: Record<string, string>, label: string) {
  const { child, port } = await startServer(env);
  try {
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench.user', password: PASSWORD }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const url = `http://127.0.0.1:${port}/api/declarations?limit=50`;
    // Steady state: at first start the server trains the initial risk model and scores every declaration in the
    // background; the list is measured once that work is done, not while it competes for the same two cores.
    const deadline = Date.now() + 300_000;
    for (;;) {
      const m = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.json()) as { status: string };
      const scored = Number((await scoredCount(env)) ?? 0);
      if (m.status === 'ok' && scored >= 37385) break;
      if (Date.now() > deadline) { console.log(`${label}: background scoring not finished after 5 min (${scored} scored); measuring anyway`); break; }
      await new Promise((r) => setTimeout(r, 2000));
    }
    const check = await (await fetch(url, { headers: { cookie } })).json() as { total: number; items: unknown[] };
    if (check.total !== 37385 || check.items.length !== 50) throw new Error(`unexpected list: total ${check.total}`);
    await autocannon({ url, connections: 10, duration: 2, headers: { cookie } }); // warm-up
    const r = await autocannon({ url, connections, duration, headers: { cookie } });
    if (r.non2xx > 0) throw new Error(`${label}: ${r.non2xx} non-2xx answers`);
    if (r.errors > 0) console.log(`${label}: ${r.errors} requests timed out or failed (autocannon errors)`);
    console.log(`${label}: GET /api/declarations?limit=50, ${connections} connections, ${duration} s: p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.requests.average.toFixed(0)} req/s`);
    return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const pgliteDir = mkdtempSync(join(tmpdir(), 'rvi-bench-'));
const pgliteRate = await importInto({ DATA_DIR: pgliteDir }, 'pglite');
let pgRate = NaN;
let list = { p50: NaN, p99: NaN, rps: NaN };
let listPglite = { p50: NaN, p99: NaN, rps: NaN };
const pgBase = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
process.env.DATABASE_URL = pgBase;
const fresh = await freshDatabaseUrl();
try {
  pgRate = await importInto({ DATA_DIR: pgliteDir, DATABASE_URL: fresh.url! }, 'postgres');
  list = await loadList({ DATABASE_URL: fresh.url! }, 'postgres list');
  listPglite = await loadList({ DATA_DIR: pgliteDir, DATABASE_URL: '' }, 'pglite list');
} finally {
  await fresh.drop();
  rmSync(pgliteDir, { recursive: true, force: true });
}
console.log(`intake: pglite_rows_per_s=${pgliteRate.toFixed(0)} postgres_rows_per_s=${pgRate.toFixed(0)} list_p50_ms=${list.p50} list_p99_ms=${list.p99} list_rps=${list.rps.toFixed(0)} pglite_list_p50_ms=${listPglite.p50} pglite_list_p99_ms=${listPglite.p99} pglite_list_rps=${listPglite.rps.toFixed(0)}`);
