import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { freshDatabaseUrl } from '../../../test/harness.ts';
import { auditLog, inspectionOrders, outbox } from '../../db/schema.ts';
import { openDatabase } from '../../platform/db.ts';

// "Selected but never inspected" is the worst silent failure for customs. A real server process (rvi serve, real job
// queue) draws a selection and is killed with SIGKILL the moment it has answered; after a restart every selected
// declaration must have its inspection order, because the `risk.selected` event was stored with the draw (outbox).
const repo = new URL('../../../../../', import.meta.url).pathname;
const FIXTURE = join(repo, 'packages/targeting/test-fixtures/declarations-sample.csv');
const PASSWORD = 'crash-test-password-1';

interface Server { child: ChildProcess; base: string; exited: Promise<number | null> }

function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, [join(repo, 'apps/server/bin/rvi.mjs'), 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-4000); });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in time: ${out.slice(-2000)} ${err}`)), 180_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ child, base: m[1], exited }); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${code} before listening: ${err}`)); });
  });
}

async function login(base: string, username: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  assert.equal(r.status, 200, await r.text());
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a selection whose server is killed (-9) right after it answered still yields an order for every selected declaration', { timeout: 900_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rvi-crash-'));
  const fresh = await freshDatabaseUrl();
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', RVI_DEMO: '1', RVI_DEMO_PASSWORD: PASSWORD, RVI_REQUIRE_2FA: '0',
    RVI_DEMO_HISTORY: '0', RVI_TARGETING_SEED_DATA: FIXTURE, RVI_WEB_DIST: join(dataDir, 'no-web'),
  };
  if (fresh.url) env.DATABASE_URL = fresh.url;
  else delete env.DATABASE_URL;
  let server: Server | null = null;
  try {
    server = await startServer(env);
    let cookie = await login(server.base, 'supervisor');
    const get = async (path: string) => fetch(`${server!.base}${path}`, { headers: { cookie } });

    // First start: the initial model is trained from the seed data (a job), then the demo declarations are scored.
    const list = await (await get('/api/declarations?limit=200')).json() as { items: { id: string }[] };
    assert.ok(list.items.length >= 100, 'demo declarations present');
    await until('the demo declarations to be scored', async () => {
      for (const d of [list.items[0], list.items[list.items.length - 1]]) if ((await get(`/api/declarations/${d.id}/risk`)).status !== 200) return false;
      return true;
    });
    // Inspect everything scored: the largest draw the demo data allows, so creating the orders takes a while.
    const put = await fetch(`${server.base}/api/risk/settings`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ inspectionRate: 1, randomShare: 0 }) });
    assert.equal(put.status, 200, await put.text());

    const drawn = await fetch(`${server.base}/api/risk/selections`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ seed: 'crash-test' }) });
    const body = await drawn.text();
    server.child.kill('SIGKILL'); // the moment it answered
    assert.equal(drawn.status, 200, body);
    const outcome = JSON.parse(body) as { runId: string; selected: { declarationId: string }[] };
    const selected = outcome.selected.map((s) => s.declarationId);
    assert.ok(selected.length >= 100, `a large draw (${selected.length})`);
    await server.exited;
    server = null;

    // What the kill left (read with the server down): the draw is stored; its orders may not all be.
    {
      const database = await openDatabase({ databaseUrl: fresh.url, dataDir });
      const have = await database.db.select({ d: inspectionOrders.declarationId }).from(inspectionOrders).where(inArray(inspectionOrders.declarationId, selected));
      const [ev] = await database.db.select().from(outbox).where(and(eq(outbox.event, 'risk.selected')));
      await database.close();
      assert.ok(ev, 'the risk.selected event was stored with the draw');
      t.diagnostic(`killed after answering: ${have.length} of ${selected.length} orders existed; event dispatched: ${ev.dispatchedAt ? 'yes' : 'no'}`);
    }

    server = await startServer(env);
    cookie = await login(server.base, 'supervisor');
    const orders = await until('an order for every selected declaration', async () => {
      const r = await (await get('/api/orders?limit=500')).json() as { items: { declarationId: string }[] };
      const have = new Set(r.items.map((o) => o.declarationId));
      return selected.every((d) => have.has(d)) ? r.items : null;
    });
    const perDeclaration = new Map<string, number>();
    for (const o of orders) perDeclaration.set(o.declarationId, (perDeclaration.get(o.declarationId) ?? 0) + 1);
    for (const d of selected) assert.equal(perDeclaration.get(d), 1, `exactly one order for ${d}`);

    server.child.kill('SIGTERM');
    await server.exited;
    server = null;
    // Beside the audit entries: the event is marked dispatched, and each order's creation is audited once.
    const database = await openDatabase({ databaseUrl: fresh.url, dataDir });
    try {
      const events = await database.db.select().from(outbox).where(eq(outbox.event, 'risk.selected'));
      const mine = events.filter((e) => (e.payload as { runId: string }).runId === outcome.runId);
      assert.equal(mine.length, 1);
      assert.ok(mine[0].dispatchedAt, 'dispatched after the restart');
      const created = await database.db.select().from(auditLog).where(eq(auditLog.action, 'order.created'));
      const forRun = created.filter((a) => (a.summary as { selectionRunId?: string }).selectionRunId === outcome.runId);
      assert.equal(forRun.length, selected.length, 'one order.created audit entry per selected declaration');
      const [drawnAudit] = await database.db.select().from(auditLog).where(and(eq(auditLog.action, 'risk.selection_drawn'), eq(auditLog.targetId, outcome.runId)));
      assert.ok(drawnAudit, 'the draw is audited');
    } finally {
      await database.close();
    }
  } finally {
    if (server) { server.child.kill('SIGKILL'); await server.exited; }
    await fresh.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
