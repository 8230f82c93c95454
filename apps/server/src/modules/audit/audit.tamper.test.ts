// Tamper cases against the audit log (issue 13, item 2), each done the way a database owner would (triggers disabled,
// rows deleted, rewritten and rehashed so the chain is self-consistent), and each caught: by the chain alone where
// that suffices, and by the signed checkpoints kept outside the database where it does not (truncation, rewrites,
// an empty table). Every case runs on a fresh app, on PGlite or Postgres (DATABASE_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { asc, gt } from 'drizzle-orm';
import { auditEntryHash, publicKeyInfo, signCheckpoint, type SignedCheckpoint } from '@rvi/evidence';
import { startTestApp, declarationBody, type TestApp } from '../../../test/harness.ts';
import { auditLog } from '../../db/schema.ts';
import { runAuditCli } from './audit.cli.ts';
import { verifyAuditLog } from './audit.service.ts';

async function withApp(fn: (t: TestApp, cookies: { alpha: string; auditor: string }) => Promise<void>, overrides = {}) {
  const t = await startTestApp(overrides, { jobs: false });
  try {
    const alpha = await t.login('alpha.user');
    for (let i = 0; i < 6; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/declarations', headers: { cookie: alpha }, payload: declarationBody(`TMP-${i}`) });
      assert.equal(r.statusCode, 201);
    }
    await fn(t, { alpha, auditor: await t.login('auditor') });
  } finally {
    await t.close();
  }
}

/** What a database owner can do: switch the append-only triggers off around raw SQL. */
async function asOwner(t: TestApp, ...statements: [string, unknown[]?][]) {
  await t.ctx.database.query('alter table audit_log disable trigger audit_log_no_update');
  await t.ctx.database.query('alter table audit_log disable trigger audit_log_no_truncate');
  try {
    for (const [q, p] of statements) await t.ctx.database.query(q, p ?? []);
  } finally {
    await t.ctx.database.query('alter table audit_log enable trigger audit_log_no_update');
    await t.ctx.database.query('alter table audit_log enable trigger audit_log_no_truncate');
  }
}

/** Rewrites every entry after `fromSeq` (summary changed) and recomputes each hash and link: a self-consistent chain. */
async function rewriteAndRehash(t: TestApp, fromSeq: number) {
  const rows = await t.ctx.db.select().from(auditLog).where(gt(auditLog.seq, fromSeq - 1)).orderBy(asc(auditLog.seq));
  const [before] = fromSeq > 1 ? await t.ctx.db.select().from(auditLog).where(gt(auditLog.seq, fromSeq - 2)).orderBy(asc(auditLog.seq)).limit(1) : [null];
  let prev = before?.hash ?? '0'.repeat(64);
  const stmts: [string, unknown[]][] = [];
  for (const r of rows) {
    const body = { ...r, summary: { rewritten: true }, prevHash: prev };
    const hash = auditEntryHash(body);
    stmts.push([`update audit_log set summary = $1::jsonb, prev_hash = $2, hash = $3 where seq = $4`, [JSON.stringify(body.summary), prev, hash, r.seq]]);
    prev = hash;
  }
  await asOwner(t, ...stmts);
}

const verifyApi = async (t: TestApp, cookie: string, checkpoints?: SignedCheckpoint[]) =>
  (checkpoints
    ? await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie }, payload: { checkpoints } })
    : await t.app.inject({ url: '/api/audit/verify', headers: { cookie } })).json();

test('without a checkpoint a rewritten and rehashed tail still verifies (the limit); with the checkpoint it is caught', async () => {
  await withApp(async (t, c) => {
    const cp = (await t.app.inject({ method: 'POST', url: '/api/audit/checkpoints', headers: { cookie: c.auditor } })).json() as SignedCheckpoint;
    assert.equal(cp.checkpoint.treeSize, (await t.ctx.db.select().from(auditLog)).length);
    await rewriteAndRehash(t, 4);
    // the chain alone cannot tell: this is what a database owner could do undetected before checkpoints
    const chainOnly = await verifyAuditLog(t.ctx.db);
    assert.equal(chainOnly.ok, true);
    // the server's own checkpoint (DATA_DIR) and the API
    const r = await verifyApi(t, c.auditor);
    assert.equal(r.ok, false);
    assert.equal(r.firstBroken, null, 'the chain itself holds');
    assert.equal(r.checkpointProblems[0].problem, 'log_rewritten');
    assert.match(r.checkpointProblems[0].message, new RegExp(`first ${cp.checkpoint.treeSize} entries differ`));
    // and the server refuses to sign over it
    const refused = await t.app.inject({ method: 'POST', url: '/api/audit/checkpoints', headers: { cookie: c.auditor } });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'audit_log_broken');
  });
});

test('deleting the tail with the triggers disabled is caught as truncation, naming how many entries went', async () => {
  await withApp(async (t, c) => {
    const cp = (await t.app.inject({ url: '/api/audit/checkpoint', headers: { cookie: c.auditor } })).json() as SignedCheckpoint;
    const n = cp.checkpoint.treeSize;
    await asOwner(t, ['delete from audit_log where seq > $1', [n - 3]]);
    assert.equal((await verifyAuditLog(t.ctx.db)).ok, true, 'a shorter chain is still a valid chain');
    const r = await verifyApi(t, c.auditor);
    assert.equal(r.ok, false);
    assert.equal(r.checkpointProblems[0].problem, 'log_truncated');
    assert.match(r.checkpointProblems[0].message, new RegExp(`has ${n - 3} entries.*covers ${n}: 3 entries were removed`));
  });
});

test('an empty table, and a truncated log refilled with forged entries to the same length, are both caught', async () => {
  await withApp(async (t, c) => {
    const cp = await t.ctx.checkpoints.create();
    const n = cp.checkpoint.treeSize;
    // forged: keep the first 2 entries, replace the rest with rehashed copies (same count)
    await rewriteAndRehash(t, 3);
    let r = await verifyAuditLog(t.ctx.db, { checkpoints: [cp], trustedKeys: await t.ctx.keys.listPublicKeys() });
    assert.deepEqual([r.ok, r.checkpointProblems[0]?.problem, r.entries], [false, 'log_rewritten', n]);
    await asOwner(t, ['truncate audit_log']);
    r = await verifyAuditLog(t.ctx.db, { checkpoints: [cp], trustedKeys: await t.ctx.keys.listPublicKeys() });
    assert.deepEqual([r.ok, r.entries, r.checkpointProblems[0]?.problem], [false, 0, 'log_truncated']);
    assert.equal((await verifyApi(t, c.auditor)).ok, false);
  });
});

test('chain-level tampering is still named by entry: an edited entry, a deleted middle entry, two swapped entries', async () => {
  await withApp(async (t) => {
    await t.ctx.checkpoints.create();
    const keys = await t.ctx.keys.listPublicKeys();
    const cps = await t.ctx.checkpoints.all();
    await asOwner(t, [`update audit_log set summary = '{"declarationNo":"FORGED"}'::jsonb where seq = 3`]);
    let r = await verifyAuditLog(t.ctx.db, { checkpoints: cps, trustedKeys: keys });
    assert.deepEqual([r.firstBroken?.seq, r.firstBroken?.problem], [3, 'hash_mismatch']);
    assert.equal(r.checkpointProblems.length, 0, 'the leaf hashes are unchanged: only the chain check sees a content edit');
    await asOwner(t, ['delete from audit_log where seq = 2']);
    r = await verifyAuditLog(t.ctx.db, { checkpoints: cps, trustedKeys: keys });
    assert.deepEqual([r.firstBroken?.seq, r.firstBroken?.problem], [2, 'sequence_gap']);
    assert.equal(r.checkpointProblems[0].problem, 'log_truncated', 'and the checkpoint sees one entry fewer');
  });
  await withApp(async (t) => {
    const cps = [await t.ctx.checkpoints.create()];
    // swap the contents of entries 4 and 5 (seq kept): links break
    await asOwner(t,
      ['update audit_log set seq = -4 where seq = 4'], ['update audit_log set seq = 4 where seq = 5'], ['update audit_log set seq = 5 where seq = -4']);
    const r = await verifyAuditLog(t.ctx.db, { checkpoints: cps, trustedKeys: await t.ctx.keys.listPublicKeys() });
    assert.equal(r.firstBroken?.seq, 4);
    assert.equal(r.checkpointProblems[0].problem, 'log_rewritten');
  });
});

test('a checkpoint signed by another key, or altered, proves nothing: reported, never trusted', async () => {
  await withApp(async (t, c) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const info = publicKeyInfo(publicKey, '2020-01-01T00:00:00.000Z', null);
    const real = await t.ctx.checkpoints.create();
    const forged = signCheckpoint({ ...real.checkpoint, treeSize: 2 }, { keyId: info.keyId, privateKey, publicKey, info });
    const altered = { ...real, checkpoint: { ...real.checkpoint, treeSize: real.checkpoint.treeSize + 5 } };
    const r = await verifyApi(t, c.auditor, [forged, altered]);
    assert.equal(r.ok, false);
    assert.deepEqual(r.checkpointProblems.map((p: any) => p.problem).sort(), ['bad_checkpoint', 'untrusted_checkpoint']);
    assert.equal(r.checkpointsChecked, 1, 'only the stored, genuine one was compared');
    // a malformed checkpoint body is a 400 naming the field
    const bad = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: c.auditor }, payload: { checkpoints: [{ ...real, checkpoint: { ...real.checkpoint, rootHash: 'zz' } }] } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /rootHash/);
    // enterprise users and inspectors may not sign or read checkpoints
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/audit/checkpoints', headers: { cookie: c.alpha } })).statusCode, 403);
    assert.equal((await t.app.inject({ url: '/api/audit/checkpoint' })).statusCode, 401);
  });
});

test('rvi audit checkpoint --out and rvi audit verify --checkpoint: exit 0 while intact, 1 naming the truncation, 2 for usage errors', async () => {
  await withApp(async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'rvi-cp-'));
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(`ERR ${l}`) };
    const file = join(dir, 'cp.json');
    assert.equal(await runAuditCli(['checkpoint', '--out', file], t.ctx, io), 0);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SignedCheckpoint;
    assert.equal(await runAuditCli(['checkpoint', '--out', file], t.ctx, io), 2, 'never overwrites');
    assert.equal(await runAuditCli(['verify', '--checkpoint', file], t.ctx, io), 0);
    assert.match(out.join('\n'), /audit log verified: \d+ entries; consistent with \d+ checkpoint/);
    // the database owner truncates the log and also wipes the server's own checkpoint file: the copy kept outside
    // (the --checkpoint file) still catches it
    await asOwner(t, ['delete from audit_log where seq > 2']);
    writeFileSync(t.ctx.checkpoints.file, '');
    out.length = 0;
    assert.equal(await runAuditCli(['verify', '--checkpoint', file], t.ctx, io), 1);
    assert.match(out.join('\n'), /NOT VERIFIED[\s\S]*log_truncated: the log has 2 entries, but the checkpoint signed at .* covers \d+/);
    assert.equal(await runAuditCli(['verify'], t.ctx, io), 0, 'without any checkpoint, a truncated log looks intact…');
    assert.match(out.join('\n'), /warning: no checkpoint was compared/, '…and the CLI says so');
    writeFileSync(join(dir, 'junk.json'), 'nope');
    assert.equal(await runAuditCli(['verify', '--checkpoint', join(dir, 'junk.json')], t.ctx, io), 2);
    assert.equal(await runAuditCli(['verify', '--checkpoint'], t.ctx, io), 2);
    // pinning another key: the genuine checkpoint is then untrusted
    const { publicKey } = generateKeyPairSync('ed25519');
    out.length = 0;
    assert.equal(await runAuditCli(['verify', '--checkpoint', file, '--key', publicKey.export({ format: 'pem', type: 'spki' }).toString()], t.ctx, io), 1);
    assert.match(out.join('\n'), /untrusted_checkpoint/);
    assert.ok(saved.checkpoint.treeSize > 2);
  });
});

test('every new checkpoint is pushed to the external witness (RVI_AUDIT_WITNESS_URL)', async () => {
  const received: SignedCheckpoint[] = [];
  const witness = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => witness.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(witness.address() as AddressInfo).port}/witness`;
    await withApp(async (t) => {
      const cp = await t.ctx.checkpoints.create();
      for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(received[0], cp);
      // a checkpoint of an unchanged log is not signed again when only growth matters
      assert.deepEqual(await t.ctx.checkpoints.create({ ifGrown: true }), cp);
    }, { auditWitnessUrl: url });
  } finally {
    witness.close();
  }
});
