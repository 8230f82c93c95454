import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, declarationBody, type TestApp } from '../../../test/harness.ts';
import { verifyAuditLog } from './audit.service.ts';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => t?.close());

test('every change is chained; verify passes; a row altered in the database is found by API and service', async () => {
  const cookie = await t.login('alpha.user');
  for (let i = 0; i < 5; i++) {
    const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie }, payload: declarationBody(`AUD-${i}`) });
    assert.equal(r.statusCode, 201);
  }
  const auditor = await t.login('auditor');
  const ok = (await t.app.inject({ url: '/api/audit/verify', headers: { cookie: auditor } })).json();
  assert.equal(ok.ok, true);
  assert.ok(ok.entries >= 8);

  // The table refuses updates and deletes through normal use...
  await assert.rejects(t.ctx.database.query(`update audit_log set action = 'x' where seq = 3`), /append-only/);
  await assert.rejects(t.ctx.database.query(`delete from audit_log where seq = 3`), /append-only/);
  // ...so a tamperer with superuser rights disables the trigger first; the hash chain still gives them away.
  await t.ctx.database.query(`alter table audit_log disable trigger audit_log_no_update`);
  const target = ok.entries - 2;
  await t.ctx.database.query(`update audit_log set summary = '{"declarationNo":"FORGED"}'::jsonb where seq = $1`, [target]);
  await t.ctx.database.query(`alter table audit_log enable trigger audit_log_no_update`);

  const bad = (await t.app.inject({ url: '/api/audit/verify', headers: { cookie: auditor } })).json();
  assert.equal(bad.ok, false);
  assert.equal(bad.firstBroken.seq, target);
  assert.equal(bad.firstBroken.problem, 'hash_mismatch');
  const svc = await verifyAuditLog(t.ctx.db);
  assert.equal(svc.firstBroken?.seq, target);
});

test('a deleted entry is found as a gap', async () => {
  await t.ctx.database.query(`alter table audit_log disable trigger audit_log_no_update`);
  await t.ctx.database.query(`delete from audit_log where seq = 2`);
  await t.ctx.database.query(`alter table audit_log enable trigger audit_log_no_update`);
  const r = await verifyAuditLog(t.ctx.db);
  assert.equal(r.ok, false);
  assert.equal(r.firstBroken?.seq, 2);
});
