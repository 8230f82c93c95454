import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CSV_HEADER, csvRow, freshDatabaseUrl } from '../../test/harness.ts';

const BIN = new URL('../../bin/rvi.mjs', import.meta.url).pathname;

test('CLI: migrate, import declarations (refuse, skip-invalid, idempotent), audit verify, bad config', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvi-cli-'));
  const fresh = await freshDatabaseUrl();
  const env = { ...process.env, DATA_DIR: join(dir, 'data'), DATABASE_URL: fresh.url ?? '', RVI_DEMO_PASSWORD: 'cli-test-pass', LOG_LEVEL: 'silent' };
  const rvi = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  try {
    const m = rvi('db', 'migrate');
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stdout, /migrations applied: \d+/);
    // seed the demo organisations through the same code the server runs at first start
    const { createContext, closeContext } = await import('../app.ts');
    const { loadConfig } = await import('../platform/config.ts');
    const { seedOnFirstStart } = await import('../modules/orgs/demo.ts');
    const ctx = await createContext(loadConfig({ DATA_DIR: env.DATA_DIR, DATABASE_URL: env.DATABASE_URL, LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv), { jobs: false });
    await seedOnFirstStart(ctx.db, { demo: true, password: 'cli-test-pass' });
    await closeContext(ctx);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, [CSV_HEADER, csvRow('61000001'), csvRow('61000002', { mass: '-1' })].join('\n'));
    const refused = rvi('import', 'declarations', bad, '--org', 'ENT-ALPHA');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /line 3 \(61000002\): Net Mass: must not be negative/);
    assert.match(refused.stdout, /refused/);
    const kept = rvi('import', 'declarations', bad, '--org', 'ENT-ALPHA', '--skip-invalid');
    assert.equal(kept.status, 0, kept.stderr);
    assert.match(kept.stdout, /Imported 1 declaration/);
    const again = rvi('import', 'declarations', bad, '--org', 'ENT-ALPHA', '--skip-invalid');
    assert.match(again.stdout, /Imported 0 declaration\(s\); 1 already filed/);
    const noOrg = rvi('import', 'declarations', bad);
    assert.equal(noOrg.status, 2);
    assert.match(noOrg.stderr, /--org/);
    const unknownOrg = rvi('import', 'declarations', bad, '--org', 'ENT-NOPE');
    assert.equal(unknownOrg.status, 2);
    assert.match(unknownOrg.stderr, /ENT-NOPE not found/);
    const missing = rvi('import', 'declarations', join(dir, 'nope.csv'), '--org', 'ENT-ALPHA');
    assert.equal(missing.status, 2);

    const v = rvi('audit', 'verify');
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /audit log verified: \d+ entries; consistent with \d+ checkpoint/);

    const badPort = spawnSync(process.execPath, [BIN, 'serve'], { env: { ...env, PORT: 'eighty' }, encoding: 'utf8' });
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /PORT: must be a whole number/);
    const unknown = rvi('frobnicate');
    assert.equal(unknown.status, 2);
  } finally {
    await fresh.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: rvi serve starts (job queue, media node, first-start seeding) and answers health', { timeout: 120_000 }, async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'rvi-serve-'));
  const fresh = await freshDatabaseUrl();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env, DATA_DIR: join(dir, 'data'), DATABASE_URL: fresh.url ?? '', PORT: '0', HOST: '127.0.0.1', RVI_DEMO: '0', LOG_LEVEL: 'warn',
      RVI_TARGETING_SEED_DATA: new URL('../../../../packages/targeting/test-fixtures/declarations-sample.csv', import.meta.url).pathname,
    },
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
    assert.match(out, /First start: password for the administrator "admin": \S+/, 'a generated password is printed once');
    const health = await (await fetch(`${url}/api/health`)).json() as { status: string; migrationsApplied: number; migrationsExpected: number; database: string };
    assert.equal(health.status, 'ok');
    assert.equal(health.migrationsApplied, health.migrationsExpected);
    assert.equal(health.database, fresh.url ? 'postgres' : 'pglite');
    await new Promise((r) => setTimeout(r, 2000)); // background workers start without crashing the process
    assert.equal(child.exitCode, null, `serve is still running (stderr: ${err})`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await fresh.drop();
    rmSync(dir, { recursive: true, force: true });
  }
});
