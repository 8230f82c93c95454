// S3ObjectStore against a real S3 server (s3rver on loopback, started here): the same contract as the local store
// (hash while writing, idempotent rewrites, refusal of other bytes and of bad keys, ranges, listing, deleting), the
// deployment prefix, multipart uploads of large files, and the arrival check: bytes altered on the way to the server
// (a proxy that flips one byte) are refused and not left in the bucket.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ObjectStoreError } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { startTestS3, type TestS3 } from '../../test/s3-server.ts';

let s3: TestS3;
const dir = mkdtempSync(join(tmpdir(), 'rvi-s3store-'));
before(async () => { s3 = await startTestS3(); });
after(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const bytesOf = async (r: Readable) => { const parts: Buffer[] = []; for await (const c of r) parts.push(c as Buffer); return Buffer.concat(parts); };
const isCode = (code: string) => (e: unknown) => e instanceof ObjectStoreError && e.code === code;

test('put hashes what it writes; the same bytes again are a no-op, other bytes are refused; limits and expected hashes', async () => {
  const store = new S3ObjectStore(s3.config('a/'));
  const r = await store.put('snapshots/s1/one.jpg', Buffer.from('hello'));
  assert.deepEqual(r, { key: 'snapshots/s1/one.jpg', bytes: 5, sha256: sha('hello'), created: true });
  assert.equal((await bytesOf(await store.get('snapshots/s1/one.jpg'))).toString(), 'hello');
  assert.equal(await store.storedSha256('snapshots/s1/one.jpg'), sha('hello'), 'our SHA-256 is stored with the object');
  assert.equal((await store.put('snapshots/s1/one.jpg', Readable.from([Buffer.from('hel'), Buffer.from('lo')]))).created, false);
  await assert.rejects(store.put('snapshots/s1/one.jpg', Buffer.from('HELLO')), isCode('object_exists'));
  assert.equal((await bytesOf(await store.get('snapshots/s1/one.jpg'))).toString(), 'hello', 'the first object is untouched');
  await assert.rejects(store.put('x/two.bin', Buffer.from('abc'), { expectedSha256: sha('abd') }), isCode('hash_mismatch'));
  await assert.rejects(store.put('x/big.bin', Buffer.alloc(100), { maxBytes: 10 }), isCode('too_large'));
  assert.equal(await store.stat('x/two.bin'), null, 'nothing is left of a refused write');
  assert.equal(await store.stat('x/big.bin'), null);
  for (const k of ['../evil', 'a/../../evil', '/abs', '', 'a//b', '.hidden', 'a b']) await assert.rejects(store.put(k, Buffer.from('x')), isCode('invalid_key'), k);
  assert.equal(store.localPath(), null);
});

test('get with a range, stat, list by prefix (other deployments\' prefixes not seen), putFile (move) and delete', async () => {
  const store = new S3ObjectStore(s3.config('c/'));
  const other = new S3ObjectStore(s3.config('c2/'));
  await store.put('recordings/s1/0000.webm', Buffer.from('0123456789'));
  await store.put('recordings/s2/0000.webm', Buffer.from('abc'));
  await other.put('recordings/s1/0000.webm', Buffer.from('another deployment'));
  assert.equal((await bytesOf(await store.get('recordings/s1/0000.webm', { start: 2, end: 5 }))).toString(), '2345');
  assert.equal((await store.stat('recordings/s1/0000.webm'))?.bytes, 10);
  assert.deepEqual((await store.list('recordings/s1')).map((o) => o.key), ['recordings/s1/0000.webm']);
  assert.deepEqual((await store.list('')).map((o) => [o.key, o.bytes]), [['recordings/s1/0000.webm', 10], ['recordings/s2/0000.webm', 3]]);
  const src = join(dir, 'outside.webm');
  writeFileSync(src, 'moved bytes');
  const moved = await store.putFile('recordings/s3/0000.webm', src, { move: true, expectedSha256: sha('moved bytes') });
  assert.equal(moved.sha256, sha('moved bytes'));
  assert.ok(!existsSync(src), 'the local file was a buffer: gone once the object is stored');
  assert.equal(await store.delete('recordings/s3/0000.webm'), true);
  assert.equal(await store.delete('recordings/s3/0000.webm'), false);
  await assert.rejects(store.get('recordings/s3/0000.webm'), isCode('not_found'));
  assert.equal((await bytesOf(await other.get('recordings/s1/0000.webm'))).toString(), 'another deployment');
});

test('a file larger than a part goes up as a multipart upload and reads back whole and by range', async () => {
  const store = new S3ObjectStore({ ...s3.config('m/'), partBytes: 5 * 1024 * 1024 });
  const big = randomBytes(11 * 1024 * 1024 + 123);
  const src = join(dir, 'big.webm');
  writeFileSync(src, big);
  const r = await store.putFile('recordings/s9/0000.webm', src, { expectedSha256: sha(big) });
  assert.deepEqual([r.bytes, r.sha256, r.created], [big.length, sha(big), true]);
  assert.equal(sha(await bytesOf(await store.get('recordings/s9/0000.webm'))), sha(big));
  const start = 5 * 1024 * 1024 - 10;
  assert.deepEqual(await bytesOf(await store.get('recordings/s9/0000.webm', { start, end: start + 19 })), big.subarray(start, start + 20), 'a range across a part boundary');
  assert.equal((await store.putFile('recordings/s9/0000.webm', src)).created, false, 'a retried upload is a no-op');
});

test('bytes altered on the way to the server are refused (hash_mismatch) and removed from the bucket', async () => {
  // an HTTP proxy in front of s3rver that flips the first byte of every object body it forwards
  const target = new URL(s3.endpoint);
  const proxy: Server = createServer((req, res) => {
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    let first = true;
    req.on('data', (c: Buffer) => {
      if (first && req.method === 'PUT' && c.length) { c = Buffer.from(c); c[0] ^= 0xff; first = false; }
      up.write(c);
    });
    req.on('end', () => up.end());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const bad = new S3ObjectStore({ ...s3.config('p/'), endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    await assert.rejects(bad.put('snapshots/s1/flipped.jpg', Buffer.from('the original bytes')), isCode('hash_mismatch'));
    const direct = new S3ObjectStore(s3.config('p/'));
    assert.equal(await direct.stat('snapshots/s1/flipped.jpg'), null, 'the altered object was deleted');
  } finally {
    await new Promise((r) => proxy.close(r));
  }
});
