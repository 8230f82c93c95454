// GET /api/health is the load balancer's readiness check: 200 "ok" only when the database answers, every migration is
// applied and the node is not draining; 503 "unavailable" naming the failed check otherwise. `rvi serve --roles`
// starts only what it is given: a worker answers health but serves no API; impossible combinations are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { freshPostgres } from '../../test/nodes.ts';

const BIN = new URL('../../bin/rvi.mjs', import.meta.url).pathname;
let t: TestApp;
before(async () => { t = await startTestApp({}, { jobs: false }); });
after(async () => t?.close());

const health = async () => { const r = await t.app.inject({ url: '/api/health' }); return { status: r.statusCode, body: r.json() }; };

test('ready: 200 with every check ok; draining, a pending migration or an unreachable database: 503 naming it', async () => {
  const ok = await health();
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'ok');
  assert.deepEqual(ok.body.checks, { database: 'ok', migrations: 'ok', shutdown: false });
  assert.equal(ok.body.migrationsApplied, ok.body.migrationsExpected);
  assert.deepEqual(ok.body.roles, ['api', 'worker', 'media']);
  assert.match(ok.body.node, /:\d+$/);

  t.ctx.draining = true;
  const draining = await health();
  t.ctx.draining = false;
  assert.deepEqual([draining.status, draining.body.status, draining.body.checks.shutdown], [503, 'unavailable', true]);

  const [last] = await t.ctx.database.query<{ id: number; hash: string; created_at: string }>('select id, hash, created_at from drizzle.__drizzle_migrations order by id desc limit 1');
  await t.ctx.database.query('delete from drizzle.__drizzle_migrations where id = $1', [last.id]);
  const pending = await health();
  await t.ctx.database.query('insert into drizzle.__drizzle_migrations (id, hash, created_at) values ($1, $2, $3)', [last.id, last.hash, last.created_at]);
  assert.deepEqual([pending.status, pending.body.checks.migrations], [503, 'pending']);
  assert.equal((await health()).status, 200, 'ready again');

  const realQuery = t.ctx.database.query;
  t.ctx.database.query = (async () => { throw new Error('connection refused'); }) as typeof realQuery;
  const down = await health();
  t.ctx.database.query = realQuery;
  assert.deepEqual([down.status, down.body.checks.database], [503, 'unreachable']);
});

test('rvi serve --roles: a worker answers /api/health but serves no API; an unknown role, and partial roles on PGlite, are refused', { timeout: 120_000 }, async () => {
  // api alone is a valid node since media nodes run as their own processes (issue 15); a role that does not exist is not
  const bad = spawnSync(process.execPath, [BIN, 'serve', '--roles', 'api,relay'], { env: { ...process.env, DATABASE_URL: 'postgres://127.0.0.1:1/none', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--roles.*must be a comma-separated list of api, worker, media, got "api,relay"/);
  const pglite = spawnSync(process.execPath, [BIN, 'serve', '--roles', 'worker'], { env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(pglite.status, 2);
  assert.match(pglite.stderr, /DATABASE_URL/);

  const db = await freshPostgres('rvi_roles');
  const dir = mkdtempSync(join(tmpdir(), 'rvi-roles-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--roles', 'worker'], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', RVI_DEMO: '0', RVI_DEMO_PASSWORD: 'worker-pass-1', LOG_LEVEL: 'warn',
      RVI_TARGETING_SEED_DATA: new URL('../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (b) => { err += b; });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b) => { out += b; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
      child.on('exit', (c) => reject(new Error(`serve exited ${c}: ${out}\n${err}`)));
    });
    assert.match(out, /roles: worker/);
    const h = await fetch(`${url}/api/health`);
    const body = await h.json() as { status: string; roles: string[] };
    assert.equal(h.status, 200, JSON.stringify(body));
    assert.deepEqual([body.status, body.roles], ['ok', ['worker']]);
    assert.equal((await fetch(`${url}/api/auth/login`, { method: 'POST' })).status, 404, 'no API on a worker');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
