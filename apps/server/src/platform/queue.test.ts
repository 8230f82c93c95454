import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from './db.ts';
import { startQueue } from './queue.ts';
import { freshDatabaseUrl } from '../../test/harness.ts';

test('job queue: jobs sent are worked once, on PGlite or Postgres', { timeout: 60_000 }, async () => {
  const fresh = await freshDatabaseUrl();
  const database = await openDatabase({ databaseUrl: fresh.url, dataDir: '/tmp', inMemory: true });
  const q = await startQueue(database, fresh.url);
  try {
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      void q.work<{ n: number }>('test.count', async (d) => { seen.push(d.n); if (seen.length === 5) resolve(); }, { batchSize: 5 });
    });
    for (let i = 0; i < 5; i++) await q.send('test.count', { n: i });
    await done;
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
  } finally {
    await q.stop();
    await database.close();
    await fresh.drop();
  }
});

test('job queue: several queues created at once do not deadlock', { timeout: 60_000 }, async () => {
  const fresh = await freshDatabaseUrl();
  const database = await openDatabase({ databaseUrl: fresh.url, dataDir: '/tmp', inMemory: true });
  const q = await startQueue(database, fresh.url);
  try {
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => q.work(`test.many-${n}`, async () => undefined)));
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => q.send(`test.many-${n}`, { n })));
  } finally {
    await q.stop();
    await database.close();
    await fresh.drop();
  }
});
