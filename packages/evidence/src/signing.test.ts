import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing, keyIdFor, parsePublicKey, rawPublicKey } from './keys.ts';
import { signRecord, signRecordWithRing, verifySignedRecord, type SignedEnvelope } from './signing.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rvi-evidence-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const finding = { id: 'f-1', inspectionId: 'i-1', type: 'origin', severity: 'major', declared: 'DE', observed: 'CN' };
const meta = { signerId: 'u-inspector', signerRole: 'inspector', at: '2025-03-01T10:00:00.000Z' };

test('key ring is created on first use, reopened unchanged, and private keys are 0600', async (t) => {
  const dir = join(await tempDir(t), 'keys');
  const ring = await KeyRing.open(dir);
  const keys = await ring.listPublicKeys();
  assert.equal(keys.length, 1);
  assert.equal(keys[0].retiredAt, null);
  assert.equal(keys[0].algorithm, 'Ed25519');
  assert.equal(keys[0].keyId, keyIdFor(Buffer.from(keys[0].publicKey, 'base64')));
  assert.equal(Buffer.from(keys[0].publicKey, 'base64').length, 32);
  assert.deepEqual(rawPublicKey(parsePublicKey(keys[0].publicKeyPem)), Buffer.from(keys[0].publicKey, 'base64'));
  const mode = (await stat(join(dir, `${keys[0].keyId}.key.pem`))).mode & 0o777;
  assert.equal(mode, 0o600);

  const again = await KeyRing.open(dir);
  assert.deepEqual(await again.listPublicKeys(), keys);
  assert.equal((await again.activeKey()).keyId, keys[0].keyId);
});

test('rings opened at the same time on an empty directory agree on one key', async (t) => {
  const dir = join(await tempDir(t), 'keys');
  const rings = await Promise.all([KeyRing.open(dir), KeyRing.open(dir), KeyRing.open(dir)]);
  const ids = await Promise.all(rings.map(async (r) => (await r.activeKey()).keyId));
  assert.equal(new Set(ids).size, 1);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.key.pem')).length, 1);
});

test('signed record verifies; changing the record, signer, time or key id is detected', async (t) => {
  const ring = await KeyRing.open(await tempDir(t), { now: () => new Date('2025-01-01T00:00:00.000Z') });
  const env = await signRecordWithRing(ring, finding, meta);
  assert.deepEqual(env.signer, { id: 'u-inspector', role: 'inspector' });
  assert.equal(env.signedAt, '2025-03-01T10:00:00.000Z');
  const keys = await ring.listPublicKeys();
  const ok = verifySignedRecord(env, keys);
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.ok, true);
  assert.equal(ok.key?.keyId, env.keyId);

  // The envelope survives a JSON round trip (as stored in the database), key order notwithstanding.
  const reversed = (o: object) => Object.fromEntries(Object.entries(o).reverse());
  const stored = JSON.parse(JSON.stringify({ ...reversed(env), record: reversed(finding) }));
  assert.notEqual(JSON.stringify(stored), JSON.stringify(env));
  assert.equal(verifySignedRecord(stored, keys).ok, true);

  const tampered: SignedEnvelope<typeof finding>[] = [
    { ...env, record: { ...finding, observed: 'DE' } },
    { ...env, signer: { id: 'u-other', role: 'inspector' } },
    { ...env, signer: { id: 'u-inspector', role: 'supervisor' } },
    { ...env, signedAt: '2025-03-01T10:00:01.000Z' },
  ];
  for (const bad of tampered) {
    const r = verifySignedRecord(bad, keys);
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), /signature invalid/);
  }
  const unknown = verifySignedRecord({ ...env, keyId: '0000000000000000' }, keys);
  assert.deepEqual(unknown.problems, ['signed with unknown key 0000000000000000']);
  const badSig = verifySignedRecord({ ...env, signature: 'not base64!' }, keys);
  assert.match(badSig.problems[0], /signature invalid/);
  const early = signRecord(finding, { ...meta, at: '2024-12-31T23:59:59.999Z' }, await ring.activeKey());
  assert.match(verifySignedRecord(early, keys).problems.join('\n'), /before key .* was created/);
});

test('malformed envelopes are refused with the field named, never thrown', () => {
  assert.deepEqual(verifySignedRecord(null, []).problems, ['envelope: not an object']);
  const r = verifySignedRecord({ record: {}, signer: { id: 1 }, signedAt: 'yesterday', algorithm: 'RSA' }, []);
  assert.equal(r.ok, false);
  assert.match(r.problems.join('\n'), /envelope\.signer/);
  assert.match(r.problems.join('\n'), /envelope\.signedAt/);
  assert.match(r.problems.join('\n'), /envelope\.algorithm/);
  assert.match(r.problems.join('\n'), /envelope\.keyId/);
});

test('rotation: new active key, old one retired and still verifies what it signed before', async (t) => {
  let now = new Date('2025-01-01T00:00:00.000Z');
  const ring = await KeyRing.open(await tempDir(t), { now: () => now });
  const first = await ring.activeKey();
  const before = signRecord(finding, { ...meta, at: '2025-02-01T00:00:00.000Z' }, first);

  now = new Date('2025-06-01T00:00:00.000Z');
  const second = await ring.rotate();
  assert.notEqual(second.keyId, first.keyId);
  assert.equal((await ring.activeKey()).keyId, second.keyId);
  const keys = await ring.listPublicKeys();
  assert.deepEqual(
    keys.map((k) => [k.keyId, k.createdAt, k.retiredAt]),
    [
      [first.keyId, '2025-01-01T00:00:00.000Z', '2025-06-01T00:00:00.000Z'],
      [second.keyId, '2025-06-01T00:00:00.000Z', null],
    ],
  );
  assert.equal(verifySignedRecord(before, keys).ok, true);
  const after = await signRecordWithRing(ring, finding, { ...meta, at: '2025-07-01T00:00:00.000Z' });
  assert.equal(after.keyId, second.keyId);
  assert.equal(verifySignedRecord(after, keys).ok, true);

  // The old key cannot vouch for a signature dated after it was retired (a stolen retired key is no use).
  const late = signRecord(finding, { ...meta, at: '2025-07-01T00:00:00.000Z' }, first);
  assert.deepEqual(verifySignedRecord(late, keys).problems, [
    `signed at 2025-07-01T00:00:00.000Z, after key ${first.keyId} was retired (2025-06-01T00:00:00.000Z)`,
  ]);

  // A second process holding the ring notices the rotation before it signs.
  const other = await KeyRing.open(ring.dir);
  now = new Date('2025-08-01T00:00:00.000Z');
  const third = await ring.rotate();
  assert.equal((await other.activeKey()).keyId, third.keyId);
  assert.equal((await other.listPublicKeys()).length, 3);
  const index = JSON.parse(await readFile(join(ring.dir, 'keyring.json'), 'utf8'));
  assert.equal(index.activeKeyId, third.keyId);
});

test('parsePublicKey reads PEM, raw base64, SPKI base64 and key JSON; refuses others with a reason', async (t) => {
  const ring = await KeyRing.open(await tempDir(t));
  const [info] = await ring.listPublicKeys();
  const raw = Buffer.from(info.publicKey, 'base64');
  const spki = parsePublicKey(info.publicKeyPem).export({ format: 'der', type: 'spki' }).toString('base64');
  for (const text of [info.publicKeyPem, info.publicKey, spki, JSON.stringify(info), ` ${info.publicKey}\n`]) {
    assert.deepEqual(rawPublicKey(parsePublicKey(text)), raw);
  }
  assert.throws(() => parsePublicKey('abc'), /decodes to 2 bytes/);
  assert.throws(() => parsePublicKey('not a key!'), /expected PEM or base64/);
  assert.throws(() => parsePublicKey('{"x":1}'), /no "publicKey"/);
});
