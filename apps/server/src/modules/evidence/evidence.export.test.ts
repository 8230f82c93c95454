// The case story and the evidence package of a real inspection (PGlite; Postgres with DATABASE_URL): a short WebM
// recording and a snapshot made with ffmpeg, findings that reference them, a hold approved by the supervisor.
// The package downloads (GET /api/orders/:id/evidence.zip) and exports (rvi evidence export), verifies offline
// (`rvi evidence verify`, exit 0 "verified"), and every tampering is caught.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { and, eq } from 'drizzle-orm';
import { runEvidenceVerifyCli, verifyEvidencePackage } from '@rvi/evidence';
import { startTestApp, type TestApp } from '../../../test/harness.ts';
import { auditLog, liveSessions, recordingSegments, sessionSteps } from '../../db/schema.ts';
import { systemActor } from '../../platform/actor.ts';
import { anonymous, makeMedia, orderInProgress, setUpActors, type Actors } from '../findings/findings.test-helpers.ts';
import { registerCaseMedia } from './media.service.ts';
import { runEvidenceExportCli } from './evidence.cli.ts';

const repoRoot = new URL('../../../../../', import.meta.url).pathname;
let t: TestApp;
let a: Actors;
let dir: string;
let order: { id: string; orderNo: string; declarationId: string };
let zipPath: string;
let keysPath: string;
let recording: { id: string; name: string };
let sessionId: string;
let recordingPath: string;

before(async () => {
  t = await startTestApp({}, { jobs: false });
  a = await setUpActors(t);
  dir = mkdtempSync(join(tmpdir(), 'rvi-evidence-test-'));
  const media = makeMedia(dir);
  order = await orderInProgress(t, a);
  const start = new Date(Date.now() - 60_000);
  // A live session as the session module records it: the session, a checklist step, a sealed recording segment in
  // the object store (DATA_DIR/media) ...
  sessionId = randomUUID();
  await t.ctx.db.insert(liveSessions).values({
    id: sessionId, orderId: order.id, officeId: t.orgs.office, enterpriseId: t.orgs.alpha, inspectorId: a.inspector1.userId, state: 'ended',
    goodsCategory: 'machinery_electronics', mediaNode: 'test', connectedAt: start, endedAt: new Date(start.getTime() + 2000), endReason: 'inspector',
  });
  await t.ctx.db.insert(sessionSteps).values({
    id: randomUUID(), sessionId, ordinal: 1, templateKey: 'door-seal', text: { en: 'Open the door and show the seal', 'zh-CN': '打开箱门并展示封志' },
    status: 'done', result: 'fail', doneAt: new Date(start.getTime() + 800),
  });
  const key = `recordings/${sessionId}/0000.webm`;
  recordingPath = join(t.config.dataDir, 'media', key);
  await mkdir(dirname(recordingPath), { recursive: true });
  await copyFile(media.webm, recordingPath);
  const bytes = await readFile(recordingPath);
  const segmentId = randomUUID();
  await t.ctx.db.insert(recordingSegments).values({
    id: segmentId, sessionId, index: 0, key, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, durationMs: 2000,
    startedAt: start, endedAt: new Date(start.getTime() + 2000), reason: 'stop',
  });
  // ... and a snapshot registered for the case from outside the session tables.
  const snap = await registerCaseMedia(t.ctx.db, t.config.dataDir, systemActor('session-recorder'), order.id, {
    kind: 'snapshot', name: 'session-1-snap-0001.jpg', path: media.jpg, contentType: 'image/jpeg', sessionId,
    startedAt: new Date(start.getTime() + 1000), endedAt: new Date(start.getTime() + 1000),
  });
  const rec = { id: segmentId, name: `recording-${sessionId}-0000.webm` };
  recording = { id: rec.id, name: rec.name };
  const f = await a.inspector1.post(`/api/orders/${order.id}/findings`, {
    kind: 'discrepancy', type: 'seal_tampered', severity: 'significant', field: 'sealNumber', declared: 'SL-20391', observed: 'SL-20391 (broken)',
    evidence: { snapshots: [snap.id], recordings: [{ recordingId: rec.id, start: new Date(start.getTime() + 500).toISOString(), end: new Date(start.getTime() + 1500).toISOString() }], readings: [] },
  });
  assert.equal(f.status, 201, f.text);
  const d = await a.inspector1.post(`/api/orders/${order.id}/decisions`, { outcome: 'hold', reason: 'seal broken' });
  assert.equal(d.status, 201, d.text);
  assert.equal((await a.sup.post(`/api/decisions/${d.body.id}/approve`, { reason: 'seen on the recording' })).status, 200);
  keysPath = join(dir, 'keys.json');
  await writeFile(keysPath, (await t.app.inject({ method: 'GET', url: '/api/keys' })).body);
});
after(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('case story: every record in workflow order and every audit entry of the case, for supervisors and auditors only', async () => {
  const url = `/api/orders/${order.id}/case`;
  assert.equal(await anonymous(t, 'GET', url), 401);
  assert.equal((await a.beta.get(url)).status, 404);
  assert.equal((await a.alpha.get(url)).status, 403);
  assert.equal((await a.inspector1.get(url)).status, 403);
  const r = await a.auditor.get(url);
  assert.equal(r.status, 200, r.text);
  const s = r.body;
  assert.equal(s.state, 'closed');
  assert.equal(s.declaration.id, order.declarationId);
  assert.equal(s.selection.kind, 'manual');
  assert.ok(s.dispatch.seed, 'the dispatch draw with its seed');
  assert.equal(s.dispatch.draw.orderId, order.id);
  assert.equal(s.eligibility.decidedMode, 'remote');
  assert.equal(s.booking.length, 1);
  assert.deepEqual(s.media.map((m: { kind: string }) => m.kind), ['recording', 'snapshot']);
  assert.equal(s.sessions[0].sessionId, sessionId);
  assert.equal(s.sessions[0].steps[0].result, 'fail');
  assert.equal(s.media[0].id, recording.id, 'the sealed recording segment of the live session');
  assert.equal(s.findings.length, 1);
  assert.equal(s.findings[0].signature.valid, true);
  assert.equal(s.decisions[0].review.verdict, 'approved');
  const seqs = s.audit.map((e: { seq: number }) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((x: number, y: number) => x - y), 'audit entries in chain order');
  const actions = s.audit.map((e: { action: string }) => e.action);
  for (const want of ['declaration.submitted', 'order.created', 'dispatch.run', 'order.eligibility_decided', 'order.booked', 'order.in_progress',
    'media.registered', 'finding.recorded', 'order.inspected', 'decision.signed', 'decision.approved', 'order.decided', 'order.closed', 'decision.effective']) {
    assert.ok(actions.includes(want), `audit entry ${want} missing: ${actions.join(', ')}`);
  }
  assert.ok(actions.indexOf('decision.signed') < actions.indexOf('decision.approved'));
  // The findings page follows the live session's checklist, with the result ticked during the session as a hint.
  const view = (await a.sup.get(`/api/orders/${order.id}/inspection`)).body;
  assert.deepEqual(view.checklist, ['door-seal']);
  assert.equal(view.sessionResults['door-seal'], 'fail');
  assert.equal(view.stepTexts['door-seal']['zh-CN'], '打开箱门并展示封志');
  const list = await a.sup.get('/api/cases');
  assert.ok(list.body.items.some((c: { orderId: string; outcome: string }) => c.orderId === order.id && c.outcome === 'hold'));
});

test('media playback: byte ranges for the player; other enterprises cannot fetch it', async () => {
  const r = await t.app.inject({ method: 'GET', url: `/api/media/${recording.id}`, headers: { cookie: a.sup.cookie, range: 'bytes=0-99' } });
  assert.equal(r.statusCode, 206);
  assert.equal(r.rawPayload.length, 100);
  assert.match(String(r.headers['content-range']), /^bytes 0-99\/\d+$/);
  assert.equal(r.rawPayload.subarray(0, 4).toString('hex'), '1a45dfa3', 'a WebM (EBML) file');
  assert.equal((await a.beta.get(`/api/media/${recording.id}`)).status, 404);
  // a range the file cannot satisfy is a 416 (JSON error, the size in Content-Range), never a 500
  for (const range of ['bytes=100-50', 'bytes=999999999-', 'bytes=-0']) {
    const bad = await t.app.inject({ method: 'GET', url: `/api/media/${recording.id}`, headers: { cookie: a.sup.cookie, range } });
    assert.equal(bad.statusCode, 416, `${range}: ${bad.body}`);
    assert.equal(bad.json().error.code, 'range_not_satisfiable');
    assert.match(String(bad.headers['content-range']), /^bytes \*\/\d+$/);
  }
});

test('download and CLI export: the package verifies offline (rvi evidence verify → exit 0 "verified"); roles enforced; audited', async () => {
  const url = `/api/orders/${order.id}/evidence.zip`;
  assert.equal(await anonymous(t, 'GET', url), 401);
  assert.equal((await a.beta.get(url)).status, 404);
  assert.equal((await a.alpha.get(url)).status, 403);
  assert.equal((await a.inspector1.get(url)).status, 403);
  const tmpBefore: string[] = await readdir(join(tmpdir(), 'rvi-evidence')).catch(() => []);
  const r = await t.app.inject({ method: 'GET', url, headers: { cookie: a.auditor.cookie } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['content-type'], 'application/zip');
  assert.match(String(r.headers['content-disposition']), /attachment; filename="evidence-/);
  zipPath = join(dir, 'download.zip');
  await writeFile(zipPath, r.rawPayload);
  await new Promise((res) => setTimeout(res, 50));
  const tmpAfter: string[] = await readdir(join(tmpdir(), 'rvi-evidence')).catch(() => []);
  assert.ok(tmpAfter.filter((f) => !tmpBefore.includes(f)).length === 0, 'the temporary zip is removed after the download');

  const v = await verifyEvidencePackage(zipPath, { publicKey: JSON.parse(await readFile(keysPath, 'utf8')).keys });
  assert.deepEqual(v.problems, []);
  assert.equal(v.ok, true);
  const manifest = JSON.parse(await entryText(zipPath, 'manifest.json'));
  assert.equal(manifest.orderNo, order.orderNo);
  assert.deepEqual(manifest.files.map((f: { name: string }) => f.name), [`media/${recording.name}`, 'media/session-1-snap-0001.jpg', 'media/case-report.pdf']);
  assert.equal(manifest.files[2].kind, 'report', 'the case report for people travels inside the signed package');
  assert.match(pdfText(await entryBytes(zipPath, 'media/case-report.pdf')), new RegExp(order.orderNo));
  assert.ok(manifest.files[0].timeRange.start && manifest.files[0].sha256.length === 64);
  assert.ok(manifest.signedRecords.length >= 3, 'finding, decision and review envelopes');
  assert.equal(manifest.case.findings[0].type, 'seal_tampered');
  const exported = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'evidence.exported'), eq(auditLog.targetId, order.id)));
  assert.equal(exported.length, 1);
  assert.equal((exported[0].summary as { manifestSha256: string }).manifestSha256, r.headers['x-manifest-sha256']);

  // The real command, as an auditor would run it: exit 0 and "verified".
  const cli = spawnSync(process.execPath, [join(repoRoot, 'apps/server/bin/rvi.mjs'), 'evidence', 'verify', zipPath, '--key', keysPath], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(cli.stdout.trim(), 'verified');

  // rvi evidence export ID --out F.zip (with this test's database and keys), by order number too; never overwrites.
  const out = join(dir, 'cli.zip');
  const io = capture();
  assert.equal(await runEvidenceExportCli([order.orderNo, '--out', out], t.ctx, io.io), 0, io.err.join('\n'));
  assert.match(io.out[0], /^exported /);
  assert.equal((await verifyEvidencePackage(out)).ok, true);
  assert.equal(await runEvidenceExportCli([order.id, '--out', out], t.ctx, capture().io), 2, 'an existing file is never overwritten');
  assert.equal(await runEvidenceExportCli(['IO-NOPE', '--out', join(dir, 'x.zip')], t.ctx, capture().io), 2);
  assert.equal(await runEvidenceExportCli([order.id], t.ctx, capture().io), 2);
});

test('case report (PDF): declaration, selection, timeline, finding with its snapshot, decision and approval, hashes, key fingerprint, how to verify; in English and Chinese', async () => {
  const url = `/api/orders/${order.id}/report.pdf`;
  assert.equal(await anonymous(t, 'GET', url), 401);
  assert.equal((await a.beta.get(url)).status, 404);
  assert.equal((await a.inspector1.get(url)).status, 403);
  assert.equal((await a.sup.get(`${url}?lang=fr`)).status, 400);
  const r = await t.app.inject({ method: 'GET', url, headers: { cookie: a.sup.cookie } });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.headers['content-type'], 'application/pdf');
  assert.equal(r.rawPayload.subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(r.rawPayload);
  const story = (await a.sup.get(`/api/orders/${order.id}/case`)).body;
  const keys = JSON.parse(await readFile(keysPath, 'utf8')).keys as { keyId: string; publicKey: string }[];
  // the fingerprint computed here from the published key, independently of the server's code
  const fingerprint = createHash('sha256').update(Buffer.from(keys[0].publicKey, 'base64')).digest('hex').replace(/(.{4})(?!$)/g, '$1 ');
  const flat = text.replace(/\s+/g, ' ');
  for (const want of [
    'Inspection case report', order.orderNo, story.declaration.declarationNo, 'Why it was selected', 'by a supervisor', 'Timeline', 'In progress → Inspected',
    'Seal tampered (significant) — Seal number: declared SL-20391, observed SL-20391 (broken)', 'Outcome: Hold · status: in effect', 'Approvals: approved', 'seen on the recording', story.media[1].sha256,
    keys[0].keyId, fingerprint, 'How to verify', 'rvi evidence verify PACKAGE.zip --key KEYS.json',
  ]) assert.ok(flat.includes(want), `the report says "${want}":\n${text}`);
  // the finding's snapshot is drawn as a thumbnail
  const images = spawnSync('pdfimages', ['-list', '-'], { input: r.rawPayload, encoding: 'utf8' });
  assert.equal(images.status, 0, images.stderr);
  assert.ok(images.stdout.trim().split('\n').length >= 3, `one image at least:\n${images.stdout}`);
  const zh = pdfText((await t.app.inject({ method: 'GET', url: `${url}?lang=zh-CN`, headers: { cookie: a.auditor.cookie } })).rawPayload).replace(/\s+/g, ' ');
  for (const want of ['查验案件报告', '布控原因', '科长指定', '查验发现', '封志被破坏 (重大)', '结论: 扣留', '处理决定与审批', '如何核验', fingerprint]) assert.ok(zh.includes(want), `the Chinese report says "${want}":\n${zh}`);
  // The importer's own edition: the outcome, the discrepancy and its snapshot, the keys; nothing for customs only.
  const ent = await t.app.inject({ method: 'GET', url, headers: { cookie: a.alpha.cookie } });
  assert.equal(ent.statusCode, 200, ent.body);
  const entText = pdfText(ent.rawPayload).replace(/\s+/g, ' ');
  for (const want of [order.orderNo, story.declaration.declarationNo, 'Seal tampered (significant)', 'Outcome: Hold', story.media[1].sha256, fingerprint, 'ask the office for it']) {
    assert.ok(entText.includes(want), `the enterprise edition says "${want}":\n${entText}`);
  }
  for (const never of ['Why it was selected', 'by a supervisor', story.dispatch.seed, 'seal broken', 'seen on the recording', recording.name, 'Risk score']) {
    assert.ok(!entText.includes(never), `the enterprise edition must not say "${never}"`);
  }
  const audited = await t.ctx.db.select().from(auditLog).where(and(eq(auditLog.action, 'case_report.downloaded'), eq(auditLog.targetId, order.id)));
  assert.equal(audited.length, 3);
  assert.equal((audited[2].summary as { edition: string }).edition, 'enterprise');
});

test('snapshots of a case to pick from: the inspector and the supervisor of the office; not the enterprise, not another one', async () => {
  const url = `/api/orders/${order.id}/snapshots`;
  assert.equal(await anonymous(t, 'GET', url), 401);
  assert.equal((await a.beta.get(url)).status, 404, 'another enterprise: not its order');
  assert.equal((await a.alpha.get(url)).status, 403, 'the enterprise reads its order but not the case\'s snapshots');
  const r = await a.inspector1.get(url);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((m: { name: string; kind: string }) => [m.name, m.kind]), [['session-1-snap-0001.jpg', 'snapshot']]);
  assert.equal((await a.sup.get(url)).body.items.length, 1);
  const img = await t.app.inject({ method: 'GET', url: `/api/media/${r.body.items[0].id}`, headers: { cookie: a.inspector1.cookie } });
  assert.equal(img.statusCode, 200);
  assert.equal(img.rawPayload.subarray(0, 2).toString('hex'), 'ffd8', 'the thumbnail is the JPEG itself');
});

test('case report: an enterprise gets no report before the decision took effect (409 not_decided); another enterprise 404', async () => {
  const open = await orderInProgress(t, a);
  const early = await a.alpha.get(`/api/orders/${open.id}/report.pdf`);
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'not_decided');
  assert.equal((await a.beta.get(`/api/orders/${open.id}/report.pdf`)).status, 404);
  assert.equal((await a.sup.get(`/api/orders/${open.id}/report.pdf`)).status, 200);
});

/** The text of a PDF as poppler's pdftotext reads it (an independent reader, not our generator). */
function pdfText(pdf: Buffer): string {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

// ---------- zip helpers for tampering ----------

interface Item { name: string; data: Buffer }

function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const list: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => { list.push(e); zip.readEntry(); });
    zip.on('end', () => resolve(list));
    zip.on('error', reject);
    zip.readEntry();
  });
}

async function readZip(path: string): Promise<Item[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  const items: Item[] = [];
  for (const entry of await entriesOf(zip)) {
    const parts: Buffer[] = [];
    for await (const c of await zip.openReadStreamPromise(entry)) parts.push(c as Buffer);
    items.push({ name: entry.fileName, data: Buffer.concat(parts) });
  }
  zip.close();
  return items;
}

async function entryBytes(path: string, name: string): Promise<Buffer> {
  return (await readZip(path)).find((i) => i.name === name)!.data;
}

async function entryText(path: string, name: string): Promise<string> {
  return (await readZip(path)).find((i) => i.name === name)!.data.toString('utf8');
}

async function rewritten(edit: (items: Item[]) => Item[]): Promise<string> {
  const out = join(dir, `tampered-${Math.random().toString(16).slice(2)}.zip`);
  const zip = new yazl.ZipFile();
  const done = new Promise<void>((res, rej) => zip.outputStream.pipe(createWriteStream(out)).on('close', () => res()).on('error', rej));
  for (const it of edit(await readZip(zipPath))) zip.addBuffer(it.data, it.name, { compress: !it.name.startsWith('media/') });
  zip.end();
  await done;
  return out;
}

async function verifyCli(path: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const c = capture();
  const code = await runEvidenceVerifyCli(['verify', path, '--key', keysPath], c.io);
  return { code, out: c.out, err: c.err };
}

test('tampering is caught: one byte of the recording, a manifest field, a removed file, an added file, reordered audit entries', async () => {
  assert.ok(zipPath, 'the download test ran first');
  // One byte of the recording, changed in place in the zip.
  const flipped = join(dir, 'flipped.zip');
  await copyFile(zipPath, flipped);
  const z = await yauzl.openPromise(flipped, { lazyEntries: true, autoClose: false });
  let offset = -1;
  for (const e of await entriesOf(z)) if (e.fileName === `media/${recording.name}`) offset = (await z.readLocalFileHeaderPromise(e, { minimal: true })).fileDataStart + 700;
  z.close();
  const fh = await open(flipped, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset);
  b[0] ^= 0x01;
  await fh.write(b, 0, 1, offset);
  await fh.close();

  const cases: [string, string, RegExp][] = [
    ['recording byte', flipped, new RegExp(`media/${recording.name.replaceAll('.', '\\.')}: SHA-256 does not match the manifest`)],
    ['manifest field', await rewritten((items) => items.map((i) => (i.name === 'manifest.json'
      ? { ...i, data: Buffer.from(i.data.toString('utf8').replace('"outcome": "hold"', '"outcome": "release"')) } : i))), /manifest altered after signing/],
    ['removed file', await rewritten((items) => items.filter((i) => i.name !== 'media/session-1-snap-0001.jpg')), /session-1-snap-0001\.jpg: listed in the manifest but missing/],
    ['added file', await rewritten((items) => [...items, { name: 'media/extra.webm', data: Buffer.from('not evidence') }]), /media\/extra\.webm: in the package but not listed/],
    ['reordered audit', await rewritten((items) => items.map((i) => {
      if (i.name !== 'audit.jsonl') return i;
      const lines = i.data.toString('utf8').trimEnd().split('\n');
      [lines[1], lines[2]] = [lines[2], lines[1]];
      return { ...i, data: Buffer.from(lines.join('\n') + '\n') };
    })), /audit entries out of order/],
  ];
  // The manifest edit must really have changed something.
  assert.notEqual(await entryText(cases[1][1], 'manifest.json'), await entryText(zipPath, 'manifest.json'));
  for (const [what, path, problem] of cases) {
    const r = await verifyCli(path);
    assert.equal(r.code, 1, `${what}: expected exit 1`);
    assert.match(r.out[0], /^NOT VERIFIED/, what);
    assert.ok(r.out.some((l) => problem.test(l)), `${what}: ${r.out.join(' | ')}`);
  }
});

test('the package carries a signed checkpoint with an inclusion proof per audit entry; the checkpoint later catches a truncated log', async () => {
  const manifest = JSON.parse(await entryText(zipPath, 'manifest.json'));
  const cp = manifest.audit.checkpoint;
  assert.equal(cp.checkpoint.format, 'rvi-audit-checkpoint/1');
  assert.ok(cp.checkpoint.treeSize >= manifest.audit.lastSeq);
  assert.equal(manifest.audit.proofs.length, manifest.audit.entries);
  // the checkpoint is also in the server's own file (outside the database)
  assert.ok((await t.ctx.checkpoints.all()).some((c) => c.signature === cp.signature));
  // an auditor feeds it back to the server: consistent now...
  const auditorCookie = a.auditor.cookie;
  const ok = await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditorCookie }, payload: { checkpoints: [cp] } });
  assert.equal(ok.json().ok, true, ok.body);
  // ...and after the database owner drops the case's tail of the log (and the server's own checkpoint file), it is not
  const keep = manifest.audit.firstSeq;
  await t.ctx.database.query('alter table audit_log disable trigger audit_log_no_update');
  await t.ctx.database.query('delete from audit_log where seq > $1', [keep]);
  await t.ctx.database.query('alter table audit_log enable trigger audit_log_no_update');
  // the server no longer exports evidence over the broken log (its own checkpoints say so)
  const refused = await a.auditor.get(`/api/orders/${order.id}/evidence.zip`);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'audit_log_broken');
  // and with the server's own checkpoint file wiped too, the copy the auditor kept still shows it
  await writeFile(t.ctx.checkpoints.file, '');
  const bad = (await t.app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie: auditorCookie }, payload: { checkpoints: [cp] } })).json();
  assert.equal(bad.ok, false);
  assert.equal(bad.checkpointProblems[0].problem, 'log_truncated');
});

test('a media file altered on disk after registration stops the export (409 media_altered)', async () => {
  const [m] = (await a.sup.get(`/api/orders/${order.id}/case`)).body.media;
  const fh = await open(recordingPath, 'r+');
  await fh.write(Buffer.from([0x42]), 0, 1, 500);
  await fh.close();
  const r = await a.auditor.get(`/api/orders/${order.id}/evidence.zip`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'media_altered');
  assert.match(r.body.error.message, new RegExp(m.name.replace('.', '\\.')));
});
