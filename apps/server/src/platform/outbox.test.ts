import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { freshDatabaseUrl } from '../../test/harness.ts';
import { auditLog, notifications, organisations, outbox, users } from '../db/schema.ts';
import { systemActor } from './actor.ts';
import { migrate, openDatabase, type Database } from './db.ts';
import { Outbox } from './outbox.ts';
import { inTransaction, type RealtimePush } from './unit-of-work.ts';

// The unit of work and the outbox on the real database of the run (PGlite in memory, or a fresh database on the
// Postgres server when DATABASE_URL is set): rows written with the change, delivered at least once after commit.
let database: Database;
let drop: () => Promise<void>;
let dir: string;
const actor = systemActor('outbox-test');
const quiet = () => undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvi-outbox-'));
  const fresh = await freshDatabaseUrl();
  drop = fresh.drop;
  database = await openDatabase({ databaseUrl: fresh.url, dataDir: dir, inMemory: true });
  await migrate(database);
  await database.db.insert(organisations).values({ id: 'org-1', kind: 'customs_office', name: 'Office', code: 'CUS-T' });
  await database.db.insert(users).values({ id: 'user-1', orgId: 'org-1', username: 'u1', displayName: 'U1', role: 'inspector', passwordHash: 'x' });
});
after(async () => {
  await database?.close();
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

const rowsOf = (event: string) => database.db.select().from(outbox).where(eq(outbox.event, event));

test('a unit of work writes its audit entry, events, notifications and invalidations in one transaction', async () => {
  const eventId = await inTransaction(database.db, actor, async (uow) => {
    await uow.audit('test.changed', { type: 'thing', id: 't1' }, { n: 1 });
    await uow.notify(['user-1', 'user-1', null, ''], 'test.kind', { thing: 't1' });
    uow.invalidate(['office:org-1', 'office:null', undefined], [['orders'], ['orders']]);
    return uow.emit('declaration.submitted', { declarationId: 'd1', orgId: 'e1', officeId: 'org-1' });
  });
  const [ev] = await rowsOf('declaration.submitted');
  assert.equal(ev.id, eventId);
  assert.deepEqual(ev.payload, { declarationId: 'd1', orgId: 'e1', officeId: 'org-1' });
  assert.equal(ev.dispatchedAt, null, 'nobody dispatched it yet');
  const [push] = await rowsOf('realtime.push');
  const p = push.payload as RealtimePush;
  assert.deepEqual(p.invalidate, [{ room: 'office:org-1', keys: [['orders']] }], 'null rooms and repeated keys dropped');
  assert.equal(p.notifications.length, 1, 'one notification per user');
  const stored = await database.db.select().from(notifications).where(eq(notifications.userId, 'user-1'));
  assert.equal(stored.length, 1);
  assert.equal(p.notifications[0].notification.id, stored[0].id);
  const audit = await database.db.select().from(auditLog).where(eq(auditLog.action, 'test.changed'));
  assert.equal(audit.length, 1, 'the audit entry sits beside the outbox rows');

  // A unit of work that fails leaves nothing behind: no audit entry, no event, no notification.
  await assert.rejects(inTransaction(database.db, actor, async (uow) => {
    await uow.audit('test.failed', null, {});
    await uow.notify(['user-1'], 'test.failed', {});
    uow.emit('declaration.submitted', { declarationId: 'd2', orgId: 'e1', officeId: 'org-1' });
    throw new Error('rule broken');
  }), /rule broken/);
  assert.equal((await rowsOf('declaration.submitted')).length, 1);
  assert.equal((await database.db.select().from(auditLog).where(eq(auditLog.action, 'test.failed'))).length, 0);
  assert.equal((await database.db.select().from(notifications).where(eq(notifications.kind, 'test.failed'))).length, 0);

  // Nested (a service called with the outer unit's transaction): its rows commit with the outer one.
  await inTransaction(database.db, actor, async (outer) => {
    await inTransaction(outer.tx, actor, async (inner) => { inner.emit('risk.model_activated', { modelId: 'm-nested', version: 1 }); });
  });
  assert.equal((await rowsOf('risk.model_activated')).length, 1);
  await database.db.delete(outbox);
});

test('dispatch: woken by NOTIFY (no polling), each event once; a failing handler is retried, the others not run again', async () => {
  const box = new Outbox(database, { pollMs: 3_600_000, log: quiet });
  const seen: string[] = [];
  let failures = 1;
  box.on('risk.selected', 'first', async (p, m) => { seen.push(`first:${p.runId}:${m.attempt}`); });
  box.on('risk.selected', 'flaky', async (p, m) => {
    if (failures-- > 0) throw new Error('temporarily unavailable');
    seen.push(`flaky:${p.runId}:${m.attempt}`);
  });
  await box.start();
  try {
    await inTransaction(database.db, actor, async (uow) => { uow.emit('risk.selected', { officeId: 'org-1', runId: 'run-1', selected: [] }); });
    // The poll interval is an hour: only the insert trigger's NOTIFY can have woken the dispatcher.
    let [failed] = await rowsOf('risk.selected');
    for (let i = 0; i < 500 && !failed.lastError; i++) {
      await new Promise((r) => setTimeout(r, 10));
      [failed] = await rowsOf('risk.selected');
    }
    assert.deepEqual(seen, ['first:run-1:1'], 'first handler ran; flaky failed');
    assert.equal(failed.dispatchedAt, null);
    assert.match(failed.lastError ?? '', /flaky: temporarily unavailable/);
    // Retry now (instead of waiting for the back-off): only the handler that failed runs again.
    await database.db.update(outbox).set({ availableAt: new Date() }).where(eq(outbox.id, failed.id));
    await box.settle();
    assert.deepEqual(seen, ['first:run-1:1', 'flaky:run-1:2']);
    const [done] = await rowsOf('risk.selected');
    assert.ok(done.dispatchedAt, 'dispatched');
    assert.equal(done.lastError, null);
    assert.equal(done.attempts, 2);
  } finally {
    await box.stop();
  }
  await database.db.delete(outbox);
});

test('dispatch without LISTEN (polling fallback), and rows written while no dispatcher ran are delivered at start', async () => {
  await inTransaction(database.db, actor, async (uow) => { uow.emit('risk.model_activated', { modelId: 'm-before', version: 1 }); });
  const noListen: Database = { ...database, listen: async () => { throw new Error('no LISTEN here'); } };
  const box = new Outbox(noListen, { pollMs: 50, log: quiet });
  const seen: string[] = [];
  box.on('risk.model_activated', 'record', async (p) => { seen.push(p.modelId); });
  await box.start();
  try {
    await box.settle();
    assert.deepEqual(seen, ['m-before']);
    await inTransaction(database.db, actor, async (uow) => { uow.emit('risk.model_activated', { modelId: 'm-after', version: 2 }); });
    for (let i = 0; i < 500 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(seen, ['m-before', 'm-after']);
  } finally {
    await box.stop();
  }
  await database.db.delete(outbox);
});

test('two dispatchers on one table (two nodes) deliver each event exactly once between them', async () => {
  const counts = new Map<string, number>();
  const boxes = [new Outbox(database, { pollMs: 20, log: quiet }), new Outbox(database, { pollMs: 20, log: quiet })];
  for (const [i, b] of boxes.entries()) {
    b.on('risk.model_activated', 'count', async (p) => {
      counts.set(p.modelId, (counts.get(p.modelId) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, i)); // interleave
    });
  }
  for (const b of boxes) await b.start();
  try {
    for (let i = 0; i < 40; i++) {
      await inTransaction(database.db, actor, async (uow) => { uow.emit('risk.model_activated', { modelId: `m${i}`, version: i }); });
    }
    await Promise.all(boxes.map((b) => b.settle()));
  } finally {
    for (const b of boxes) await b.stop();
  }
  assert.equal(counts.size, 40);
  assert.deepEqual([...new Set(counts.values())], [1]);
  await database.db.delete(outbox);
});
