import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { auditEntryHash, GENESIS_HASH, verifyAuditSubset, type AuditEntry } from './audit-chain.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { KeyRing } from './keys.ts';
import { checkpointWithProofs, leafHash } from './checkpoint.ts';
import { exportEvidencePackage } from './package-export.ts';
import { verifyEvidencePackage } from './package-verify.ts';
import { EXIT_SIGNER_UNKNOWN, runEvidenceVerifyCli } from './cli.ts';
import { ZipFileWriter } from './zip-writer.ts';

type T = { after: (fn: () => Promise<void>) => void };

/** A global chain of 12 entries; the case's are a non-contiguous subset of it. */
function chain(): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= 12; seq++) {
    const body = {
      seq,
      at: new Date(Date.UTC(2025, 2, 1, 10, seq)).toISOString(),
      actorId: `u-${seq % 3}`,
      actorRole: 'inspector',
      orgId: 'office-1',
      action: seq % 2 ? 'finding.recorded' : 'session.started',
      targetType: 'inspection',
      targetId: [1, 2, 3, 6, 9, 10].includes(seq) ? 'insp-1' : 'insp-2',
      summary: { n: seq, note: `entry ${seq}` },
      requestId: `req-${seq}`,
      prevHash: prev,
    };
    const e = { ...body, hash: auditEntryHash(body) };
    out.push(e);
    prev = e.hash;
  }
  return out;
}

const caseAudit = () => chain().filter((e) => e.targetId === 'insp-1');
/** A checkpoint of the 12-entry log with the case entries' inclusion proofs, signed by the ring's key. */
const checkpointOf = async (ring: KeyRing) =>
  checkpointWithProofs(chain().map((e) => leafHash(e.hash)), chain()[11].hash, caseAudit().map((e) => e.seq), await ring.activeKey(), 'test-log');

async function fixture(t: T) {
  const dir = await mkdtemp(join(tmpdir(), 'rvi-evidence-pkg-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ring = await KeyRing.open(join(dir, 'keys'));
  const files = [
    { name: 'rec-1.webm', size: 6000, kind: 'recording', timeRange: { start: '2025-03-01T10:00:00Z', end: '2025-03-01T10:05:00Z' } },
    { name: 'rec-2.webm', size: 3000, kind: 'recording', timeRange: { start: new Date('2025-03-01T10:06:00Z'), end: new Date('2025-03-01T10:07:30Z') } },
    { name: 'snap-1.jpg', size: 2048, kind: 'snapshot' },
    { name: 'empty.bin', size: 0, kind: 'other' },
  ].map((f) => ({ ...f, path: join(dir, 'src-' + f.name), data: randomBytes(f.size) }));
  for (const f of files) await writeFile(f.path, f.data);
  const zip = join(dir, 'case.zip');
  const manifestBase = {
    inspectionId: 'insp-1',
    records: { declaration: { id: 'd-1', hs: '8471.30' }, findings: [{ id: 'f-1', severity: 'major' }], decision: { outcome: 'hold' } },
  };
  const result = await exportEvidencePackage({
    out: zip,
    manifestBase,
    files: files.map(({ name, path, kind, timeRange }) => ({ name, path, kind, timeRange })),
    auditEntries: caseAudit().reverse(), // any order in, sorted out
    keyRing: ring,
    auditChainHead: { seq: 12, hash: chain()[11].hash },
    auditCheckpoint: await checkpointOf(ring),
  });
  return { dir, ring, zip, files, result, manifestBase };
}

interface ZipItem {
  name: string;
  data: Buffer;
}

/** All central-directory entries of a lazily opened zip. */
function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const list: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      list.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(list));
    zip.on('error', reject);
    zip.readEntry();
  });
}

async function readZip(path: string): Promise<ZipItem[]> {
  const zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  const items: ZipItem[] = [];
  for (const entry of await entriesOf(zip)) {
    const stream = await zip.openReadStreamPromise(entry);
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    items.push({ name: entry.fileName, data: Buffer.concat(parts) });
  }
  zip.close();
  return items;
}

async function writeZip(path: string, items: ZipItem[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const done = new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(path)).on('close', () => resolve()).on('error', reject));
  for (const it of items) zip.addBuffer(it.data, it.name, { compress: !it.name.startsWith('media/') });
  zip.end();
  await done;
}

/** Copies the package with `edit` applied to its entries. */
async function tampered(src: string, dir: string, edit: (items: ZipItem[]) => ZipItem[]): Promise<string> {
  const out = join(dir, `tampered-${randomBytes(4).toString('hex')}.zip`);
  await writeZip(out, edit(await readZip(src)));
  return out;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

test('export then verify: the package holds the records, media, audit entries and signature, and verifies', async (t) => {
  const { zip, files, result, ring, manifestBase } = await fixture(t);
  const items = await readZip(zip);
  assert.deepEqual(
    items.map((i) => i.name),
    ['audit.jsonl', 'media/rec-1.webm', 'media/rec-2.webm', 'media/snap-1.jpg', 'media/empty.bin', 'manifest.json', 'manifest.sig'],
  );
  const manifest = JSON.parse(items.find((i) => i.name === 'manifest.json')!.data.toString());
  assert.equal(manifest.format, 'rvi-evidence/1');
  assert.deepEqual(manifest.records, manifestBase.records);
  assert.equal(manifest.inspectionId, 'insp-1');
  assert.deepEqual(manifest.files[0], {
    name: 'media/rec-1.webm',
    kind: 'recording',
    size: 6000,
    sha256: sha256Hex(files[0].data),
    timeRange: { start: '2025-03-01T10:00:00.000Z', end: '2025-03-01T10:05:00.000Z' },
  });
  assert.equal(manifest.files[1].timeRange.end, '2025-03-01T10:07:30.000Z');
  assert.equal(manifest.files[2].timeRange, undefined);
  for (const f of files) assert.deepEqual(items.find((i) => i.name === `media/${f.name}`)!.data, f.data);

  const audit = items.find((i) => i.name === 'audit.jsonl')!.data.toString();
  assert.equal(audit, caseAudit().map((e) => canonicalJson(e) + '\n').join(''));
  assert.deepEqual(manifest.audit, {
    name: 'audit.jsonl',
    entries: 6,
    size: Buffer.byteLength(audit),
    sha256: sha256Hex(audit),
    firstSeq: 1,
    lastSeq: 10,
    chainHead: { seq: 12, hash: chain()[11].hash },
    checkpoint: manifest.audit.checkpoint,
    proofs: manifest.audit.proofs,
  });
  assert.equal(manifest.audit.checkpoint.checkpoint.treeSize, 12, 'a checkpoint of the whole log');
  assert.deepEqual(manifest.audit.proofs.map((p: { seq: number }) => p.seq), [1, 2, 3, 6, 9, 10], 'an inclusion proof per excerpt entry');
  assert.deepEqual(result.auditProblems, []);

  const sig = JSON.parse(items.find((i) => i.name === 'manifest.sig')!.data.toString());
  const [key] = await ring.listPublicKeys();
  assert.equal(sig.keyId, key.keyId);
  assert.equal(sig.publicKey, key.publicKey);
  assert.equal(sig.manifestSha256, result.manifestSha256);

  const r = await verifyEvidencePackage(zip);
  assert.deepEqual(r.problems, []);
  assert.equal(r.ok, true);
  assert.equal(r.pinned, false);
  assert.equal(r.files, 4);
  assert.equal(r.auditEntries, 6);
  const pinned = await verifyEvidencePackage(zip, { publicKey: key.publicKey });
  assert.equal(pinned.ok, true);
  assert.equal(pinned.pinned, true);

  // unzip(1) agrees the archive is sound, where installed.
  const unzip = spawnSync('unzip', ['-tq', zip], { encoding: 'utf8' });
  if (!unzip.error) assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
});

test('media are stored uncompressed; the export refuses bad input naming the field', async (t) => {
  const { zip, dir, ring, files } = await fixture(t);
  const z = await yauzl.openPromise(zip, { lazyEntries: true, autoClose: false });
  for (const e of await entriesOf(z)) if (e.fileName.startsWith('media/')) assert.equal(e.compressionMethod, 0, e.fileName);
  z.close();

  const base = { manifestBase: {}, auditEntries: [], keyRing: ring };
  const file = { name: 'a.webm', path: files[0].path, kind: 'recording' };
  const cases: [object, RegExp][] = [
    [{ out: zip, files: [] }, /out: .* already exists/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, name: '../etc/passwd' }] }, /files\[0\]\.name: .* not a safe file name/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, name: '.hidden' }] }, /files\[0\]\.name/],
    [{ out: join(dir, 'x.zip'), files: [file, file] }, /files\[1\]\.name: a\.webm is listed twice/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, path: join(dir, 'nope') }] }, /files\[0\]\.path: cannot read .* \(ENOENT\)/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, path: dir }] }, /files\[0\]\.path: .* is not a regular file/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, timeRange: { start: '2025-01-02', end: '2025-01-01' } }] }, /files\[0\]\.timeRange: end .* before start/],
    [{ out: join(dir, 'x.zip'), files: [{ ...file, timeRange: { start: 'soon', end: '2025-01-01' } }] }, /files\[0\]\.timeRange\.start: not a valid time/],
    [{ out: join(dir, 'x.zip'), files: [], manifestBase: { files: [] } }, /manifestBase\.files: reserved/],
  ];
  for (const [opts, message] of cases) {
    await assert.rejects(exportEvidencePackage({ ...base, ...opts } as never), message);
  }
  // Nothing half-written is left behind.
  assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.partial') || n === 'x.zip'), []);
});

test('ZIP64 records (as written for packages past 4 GB) read back in yauzl and unzip, and verify', async (t) => {
  const { dir, ring, files } = await fixture(t);
  const out = join(dir, 'zip64.zip');
  await exportEvidencePackage({
    out,
    manifestBase: {},
    files: files.map(({ name, path, kind }) => ({ name, path, kind })),
    auditEntries: caseAudit(),
    keyRing: ring,
    auditCheckpoint: await checkpointOf(ring),
    forceZip64: true,
  });
  assert.deepEqual((await verifyEvidencePackage(out)).problems, []);
  const items = await readZip(out);
  assert.deepEqual(items.find((i) => i.name === 'media/rec-1.webm')!.data, files[0].data);
  const unzip = spawnSync('unzip', ['-tq', out], { encoding: 'utf8' });
  if (!unzip.error) assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
});

test('zip writer refuses a file that changed size since it was measured', async (t) => {
  const { dir, files } = await fixture(t);
  const w = await ZipFileWriter.create(join(dir, 'w.zip'));
  await assert.rejects(w.addFile('media/a', files[0].path, 5999, () => {}), /grew while it was being exported/);
  const w2 = await ZipFileWriter.create(join(dir, 'w2.zip'));
  await assert.rejects(w2.addFile('media/a', files[0].path, 6001, () => {}), /is 6000 bytes, expected 6001/);
  await assert.rejects(w2.addBuffer('../x', Buffer.alloc(1), { deflate: false }), /unsafe entry name/);
  await w.abort();
  await w2.abort();
});

test('tamper: one byte of a recording changed in place', async (t) => {
  const { zip, dir } = await fixture(t);
  const copy = join(dir, 'flipped.zip');
  await copyFile(zip, copy);
  const z = await yauzl.openPromise(copy, { lazyEntries: true, autoClose: false });
  let offset = -1;
  for (const e of await entriesOf(z)) if (e.fileName === 'media/rec-1.webm') offset = (await z.readLocalFileHeaderPromise(e, { minimal: true })).fileDataStart + 1234;
  z.close();
  const fh = await open(copy, 'r+');
  const b = Buffer.alloc(1);
  await fh.read(b, 0, 1, offset);
  b[0] ^= 0x01;
  await fh.write(b, 0, 1, offset);
  await fh.close();

  const r = await verifyEvidencePackage(copy);
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems, ['media/rec-1.webm: SHA-256 does not match the manifest (content altered)']);
});

test('tamper: one field of the manifest changed', async (t) => {
  const { zip, dir } = await fixture(t);
  const copy = await tampered(zip, dir, (items) =>
    items.map((i) => (i.name === 'manifest.json' ? { ...i, data: Buffer.from(i.data.toString().replace('"hold"', '"release"')) } : i)),
  );
  const r = await verifyEvidencePackage(copy);
  assert.equal(r.ok, false);
  assert.ok(r.problems.includes('manifest.sig: signature does not match manifest.json (manifest altered after signing, or signature forged)'), r.problems.join('\n'));
  assert.ok(r.problems.includes('manifest.json: SHA-256 differs from the one recorded in manifest.sig (manifest altered after signing)'));
});

test('tamper: a file removed, a file added, manifest or signature missing', async (t) => {
  const { zip, dir, ring } = await fixture(t);
  const removed = await tampered(zip, dir, (items) => items.filter((i) => i.name !== 'media/rec-2.webm'));
  assert.deepEqual((await verifyEvidencePackage(removed)).problems, ['media/rec-2.webm: listed in the manifest but missing from the package']);

  const added = await tampered(zip, dir, (items) => [...items, { name: 'media/extra.webm', data: randomBytes(100) }]);
  assert.deepEqual((await verifyEvidencePackage(added)).problems, ['media/extra.webm: in the package but not listed in the manifest']);

  const addedRoot = await tampered(zip, dir, (items) => [{ name: 'README.txt', data: Buffer.from('hi') }, ...items]);
  assert.deepEqual((await verifyEvidencePackage(addedRoot)).problems, ['README.txt: in the package but not listed in the manifest']);

  const noSig = await tampered(zip, dir, (items) => items.filter((i) => i.name !== 'manifest.sig'));
  assert.deepEqual((await verifyEvidencePackage(noSig)).problems, [
    'manifest.sig: missing from the package',
    `manifest.json: audit.checkpoint: checkpoint signed by key ${(await ring.listPublicKeys())[0].keyId}, which is not a trusted key`,
  ]);

  const noManifest = await tampered(zip, dir, (items) => items.filter((i) => i.name !== 'manifest.json'));
  assert.deepEqual((await verifyEvidencePackage(noManifest)).problems, ['manifest.json: missing from the package']);

  const noAudit = await tampered(zip, dir, (items) => items.filter((i) => i.name !== 'audit.jsonl'));
  assert.deepEqual((await verifyEvidencePackage(noAudit)).problems, ['audit.jsonl: listed in the manifest but missing from the package']);

  const dup = await tampered(zip, dir, (items) => [...items, { name: 'media/rec-1.webm', data: randomBytes(10) }]);
  assert.match((await verifyEvidencePackage(dup)).problems.join('\n'), /media\/rec-1\.webm: appears twice in the package/);
});

test('tamper: a recording swapped for one of the same size', async (t) => {
  const { zip, dir } = await fixture(t);
  const copy = await tampered(zip, dir, (items) => items.map((i) => (i.name === 'media/rec-2.webm' ? { ...i, data: randomBytes(3000) } : i)));
  assert.deepEqual((await verifyEvidencePackage(copy)).problems, ['media/rec-2.webm: SHA-256 does not match the manifest (content altered)']);
  const shorter = await tampered(zip, dir, (items) => items.map((i) => (i.name === 'media/rec-2.webm' ? { ...i, data: i.data.subarray(1) } : i)));
  assert.deepEqual((await verifyEvidencePackage(shorter)).problems, ["media/rec-2.webm: size 2999 bytes differs from the manifest's 3000"]);
});

function editAudit(items: ZipItem[], edit: (lines: string[]) => string[]): ZipItem[] {
  return items.map((i) => {
    if (i.name !== 'audit.jsonl') return i;
    const lines = i.data.toString().split('\n').slice(0, -1);
    return { ...i, data: Buffer.from(edit(lines).map((l) => l + '\n').join('')) };
  });
}

test('tamper: audit entries reordered', async (t) => {
  const { zip, dir } = await fixture(t);
  const copy = await tampered(zip, dir, (items) => editAudit(items, (l) => [l[0], l[1], l[3], l[2], l[4], l[5]]));
  const r = await verifyEvidencePackage(copy);
  assert.equal(r.ok, false);
  assert.ok(r.problems.includes('audit entries out of order: seq 3 comes after seq 6'), r.problems.join('\n'));
  assert.ok(r.problems.includes('audit.jsonl: SHA-256 does not match the manifest (content altered)'));
});

test('tamper: an audit entry altered, with and without its hash recomputed', async (t) => {
  const { zip, dir } = await fixture(t);
  const alter = (recompute: boolean) => (lines: string[]) =>
    lines.map((l) => {
      const e = JSON.parse(l) as AuditEntry;
      if (e.seq !== 2) return l;
      const changed = { ...e, summary: { n: 2, note: 'nothing found' } };
      return canonicalJson(recompute ? { ...changed, hash: auditEntryHash(changed) } : changed);
    });
  const plain = await tampered(zip, dir, (items) => editAudit(items, alter(false)));
  const r1 = await verifyEvidencePackage(plain);
  assert.deepEqual(r1.problems, [
    "audit.jsonl: size 2299 bytes differs from the manifest's 2293",
    'audit entry seq 2 was altered: its content does not match its hash',
  ]);

  // Recomputing the hash breaks the link from seq 3, and the signed manifest's hash of audit.jsonl.
  const rehashed = await tampered(zip, dir, (items) => editAudit(items, alter(true)));
  const r2 = await verifyEvidencePackage(rehashed);
  assert.deepEqual(r2.problems, [
    "audit.jsonl: size 2299 bytes differs from the manifest's 2293",
    'audit.jsonl: entry seq 2 is not entry 2 of the log the checkpoint signed (inclusion proof fails)',
    'audit entry seq 3 does not link to seq 2 before it',
  ]);

  const dropped = await tampered(zip, dir, (items) => editAudit(items, (l) => l.filter((_, i) => i !== 5)));
  const r3 = await verifyEvidencePackage(dropped);
  assert.ok(r3.problems.includes('audit.jsonl: holds 5 entries, the manifest says 6'), r3.problems.join('\n'));

  const garbage = await tampered(zip, dir, (items) => editAudit(items, (l) => [...l.slice(0, 2), '{"seq": 3', ...l.slice(3)]));
  assert.ok((await verifyEvidencePackage(garbage)).problems.includes('audit.jsonl: line 3 is not valid JSON'));
});

test('pinned key: the wrong key is refused; a re-signed forgery passes only without a pin', async (t) => {
  const { zip, dir, ring } = await fixture(t);
  const other = await KeyRing.open(join(dir, 'other-keys'));
  const [otherKey] = await other.listPublicKeys();
  const [ourKey] = await ring.listPublicKeys();
  const wrong = await verifyEvidencePackage(zip, { publicKey: otherKey.publicKeyPem });
  assert.deepEqual(wrong.problems, [
    `manifest.sig: signed by key ${ourKey.keyId}, not by the pinned key (${otherKey.keyId})`,
    `manifest.json: audit.checkpoint: checkpoint signed by key ${ourKey.keyId}, which is not a trusted key`,
  ]);

  // An attacker rebuilds the package from altered media and signs it with their own key.
  const forged = join(dir, 'forged.zip');
  const items = await readZip(zip);
  const mediaDir = join(dir, 'forged-src');
  await mkdir(mediaDir);
  const media = items.filter((i) => i.name.startsWith('media/'));
  for (const m of media) await writeFile(join(mediaDir, m.name.slice(6)), m.name.endsWith('rec-1.webm') ? randomBytes(6000) : m.data);
  await exportEvidencePackage({
    out: forged,
    manifestBase: { inspectionId: 'insp-1' },
    files: media.map((m) => ({ name: m.name.slice(6), path: join(mediaDir, m.name.slice(6)), kind: 'recording' })),
    auditEntries: caseAudit(),
    keyRing: other,
    auditCheckpoint: await checkpointOf(other),
  });
  assert.equal((await verifyEvidencePackage(forged)).ok, true);
  // the CLI never calls such a package verified: exit 3 without a key, 1 with the server's key
  const cf = capture();
  assert.equal(await runEvidenceVerifyCli(['verify', forged], cf.io, {}), EXIT_SIGNER_UNKNOWN);
  assert.match(cf.out[0], new RegExp(`INTACT, SIGNER NOT ESTABLISHED: .* key ${otherKey.keyId}`));
  assert.equal(await runEvidenceVerifyCli(['verify', forged, '--key', ourKey.publicKey], capture().io, {}), 1);
  const pinned = await verifyEvidencePackage(forged, { publicKey: ourKey.publicKey });
  assert.deepEqual(pinned.problems, [
    `manifest.sig: signed by key ${otherKey.keyId}, not by the pinned key (${ourKey.keyId})`,
    `manifest.json: audit.checkpoint: checkpoint signed by key ${otherKey.keyId}, which is not a trusted key`,
  ]);
});

test('pinning the published key list: packages signed before a rotation still verify', async (t) => {
  const { zip, ring } = await fixture(t);
  await ring.rotate();
  const keys = await ring.listPublicKeys();
  assert.equal(keys.length, 2);
  const r = await verifyEvidencePackage(zip, { publicKey: keys });
  assert.deepEqual(r.problems, []);
});

test('not a zip, truncated zip, garbage signature: problems, never a throw', async (t) => {
  const { zip, dir } = await fixture(t);
  const notZip = join(dir, 'not.zip');
  await writeFile(notZip, 'hello');
  assert.match((await verifyEvidencePackage(notZip)).problems[0], /^not a readable zip: /);
  assert.match((await verifyEvidencePackage(join(dir, 'missing.zip'))).problems[0], /^cannot open .*missing\.zip: ENOENT/);

  const bytes = await readFile(zip);
  const cut = join(dir, 'cut.zip');
  await writeFile(cut, bytes.subarray(0, bytes.length - 300));
  assert.equal((await verifyEvidencePackage(cut)).ok, false);

  const badSig = await tampered(zip, dir, (items) => items.map((i) => (i.name === 'manifest.sig' ? { ...i, data: Buffer.from('{"algorithm":"Ed25519","publicKey":"xx"}') } : i)));
  assert.match((await verifyEvidencePackage(badSig)).problems.join('\n'), /manifest\.sig: public key: /);
  const badManifest = await tampered(zip, dir, (items) => items.map((i) => (i.name === 'manifest.json' ? { ...i, data: Buffer.from('[1,2') } : i)));
  assert.ok((await verifyEvidencePackage(badManifest)).problems.includes('manifest.json: not valid JSON'));
});

test('verifyAuditSubset: what a non-contiguous subset can and cannot show', () => {
  const all = chain();
  assert.deepEqual(verifyAuditSubset(all), []);
  assert.deepEqual(verifyAuditSubset(caseAudit()), []);
  // A gap hides a removed entry: seq 6 → 9 with 7, 8 absent is indistinguishable from "not this case's entries".
  assert.deepEqual(verifyAuditSubset(caseAudit().filter((e) => e.seq !== 6)), []);
  // But neighbours must link.
  const forgedLink = all.slice(0, 3).map((e) => (e.seq === 3 ? { ...e, prevHash: GENESIS_HASH } : e));
  forgedLink[2] = { ...forgedLink[2], hash: auditEntryHash(forgedLink[2]) };
  assert.deepEqual(verifyAuditSubset(forgedLink).map((p) => p.problem), ['prev_hash_mismatch']);
  const dup = [all[0], all[1], all[1]];
  assert.deepEqual(verifyAuditSubset(dup).map((p) => p.message), ['audit entries out of order: seq 2 comes after seq 2']);
  const notGenesis = { ...all[0], prevHash: 'f'.repeat(64) };
  assert.deepEqual(verifyAuditSubset([{ ...notGenesis, hash: auditEntryHash(notGenesis) }]).map((p) => p.problem), ['genesis_mismatch']);
  assert.deepEqual(verifyAuditSubset([{ seq: 'x' }]).map((p) => p.message), ['audit entry 1 is malformed: seq: expected a positive integer']);
});

test('CLI: verified / named problems / usage errors, with exit codes 0, 1, 2', async (t) => {
  const { zip, dir, ring } = await fixture(t);
  const [key] = await ring.listPublicKeys();
  const keyFile = join(dir, 'server.pub');
  await writeFile(keyFile, key.publicKeyPem);
  const keysJson = join(dir, 'keys.json');
  await writeFile(keysJson, JSON.stringify({ keys: [key] }));

  for (const args of [['verify', zip, '--key', keyFile], ['verify', '--key', key.publicKey, zip], ['verify', zip, `--key=${keysJson}`]]) {
    const c = capture();
    assert.equal(await runEvidenceVerifyCli(args, c.io, {}), 0, c.out.join('\n') + c.err.join('\n'));
    assert.deepEqual(c.out, ['verified']);
  }
  // without a key the signer is not established: never "verified", never exit 0
  const c1 = capture();
  assert.equal(await runEvidenceVerifyCli(['verify', zip], c1.io, {}), EXIT_SIGNER_UNKNOWN);
  assert.match(c1.out[0], /^INTACT, SIGNER NOT ESTABLISHED: /);
  assert.ok(!c1.out.includes('verified'));
  // a pinned key ring file (RVI_EVIDENCE_KEYS) counts as a key the user gave
  const c1b = capture();
  assert.equal(await runEvidenceVerifyCli(['verify', zip], c1b.io, { RVI_EVIDENCE_KEYS: keysJson }), 0);
  assert.equal(await runEvidenceVerifyCli(['verify', zip], capture().io, { RVI_EVIDENCE_KEYS: join(dir, 'nope.json') }), 2);

  const broken = await tampered(zip, dir, (items) => [...items.filter((i) => i.name !== 'media/snap-1.jpg'), { name: 'x.bin', data: Buffer.from('x') }]);
  const c2 = capture();
  assert.equal(await runEvidenceVerifyCli(['verify', broken], c2.io), 1);
  assert.deepEqual(c2.out, [
    `NOT VERIFIED: 2 problems in ${broken}`,
    '  - x.bin: in the package but not listed in the manifest',
    '  - media/snap-1.jpg: listed in the manifest but missing from the package',
  ]);

  const other = await KeyRing.open(join(dir, 'k2'));
  const c3 = capture();
  assert.equal(await runEvidenceVerifyCli(['verify', zip, '--key', (await other.listPublicKeys())[0].publicKey], c3.io), 1);
  assert.match(c3.out.join('\n'), /not by the pinned key/);

  for (const args of [[], ['check', zip], ['verify'], ['verify', zip, '--key'], ['verify', zip, '--key', 'abc'], ['verify', zip, '--key', join(dir, 'nope.pem')], ['verify', join(dir, 'nope.zip')], ['verify', zip, 'more'], ['verify', zip, '--fast']]) {
    const c = capture();
    assert.equal(await runEvidenceVerifyCli(args, c.io), 2, `args ${JSON.stringify(args)}`);
    assert.match(c.err.join('\n'), /usage: rvi evidence verify/);
  }
});

test('CLI runs as a script and exits with its code', async (t) => {
  const { zip, ring } = await fixture(t);
  const cli = new URL('./cli.ts', import.meta.url).pathname;
  const env = { ...process.env, RVI_EVIDENCE_KEYS: '' };
  const unpinned = spawnSync(process.execPath, ['--import', 'tsx', cli, 'verify', zip], { encoding: 'utf8', env });
  assert.equal(unpinned.status, EXIT_SIGNER_UNKNOWN, unpinned.stderr);
  assert.match(unpinned.stdout, /^INTACT, SIGNER NOT ESTABLISHED/);
  const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, 'verify', zip, '--key', (await ring.listPublicKeys())[0].publicKey], { encoding: 'utf8', env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'verified\n');
  const usage = spawnSync(process.execPath, ['--import', 'tsx', cli, 'verify'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
});
