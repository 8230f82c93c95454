// LocalObjectStore on real files: hashing while writing, idempotent rewrites, refusal of different content and of
// bad keys, ranges, listing, moving files in, deleting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalObjectStore, ObjectStoreError } from './object-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'rvi-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const text = async (r: Readable) => { const parts: Buffer[] = []; for await (const c of r) parts.push(c as Buffer); return Buffer.concat(parts).toString(); };

test('put hashes and sizes what it writes; the same bytes again are a no-op, other bytes are refused', async () => {
  const store = new LocalObjectStore(join(dir, 'a'));
  const r = await store.put('snapshots/s1/one.jpg', Buffer.from('hello'));
  assert.deepEqual(r, { key: 'snapshots/s1/one.jpg', bytes: 5, sha256: sha('hello'), created: true });
  assert.equal(readFileSync(store.localPath('snapshots/s1/one.jpg'), 'utf8'), 'hello');
  assert.equal((await store.put('snapshots/s1/one.jpg', Readable.from([Buffer.from('hel'), Buffer.from('lo')]))).created, false);
  await assert.rejects(store.put('snapshots/s1/one.jpg', Buffer.from('HELLO')), (e: unknown) => e instanceof ObjectStoreError && e.code === 'object_exists');
  await assert.rejects(store.put('x/two.bin', Buffer.from('abc'), { expectedSha256: sha('abd') }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'hash_mismatch');
  await assert.rejects(store.put('x/big.bin', Buffer.alloc(100), { maxBytes: 10 }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'too_large');
  assert.equal(await store.stat('x/two.bin'), null, 'nothing is left of a refused write');
  assert.deepEqual(readdirSync(join(dir, 'a', '.tmp')), [], 'no temporary files left behind');
});

test('keys cannot leave the store', async () => {
  const store = new LocalObjectStore(join(dir, 'b'));
  for (const k of ['../evil', 'a/../../evil', '/abs', '', 'a//b', '.hidden', 'a b']) {
    await assert.rejects(store.put(k, Buffer.from('x')), (e: unknown) => e instanceof ObjectStoreError && e.code === 'invalid_key', k);
  }
  assert.equal(store.keyOf(join(dir, 'b', 'recordings', 's-0000.webm')), 'recordings/s-0000.webm');
  assert.equal(store.keyOf(join(dir, 'elsewhere.webm')), null);
});

test('get with a range, stat, list by prefix, putFile (move) and delete', async () => {
  const store = new LocalObjectStore(join(dir, 'c'));
  await store.put('recordings/s1/0000.webm', Buffer.from('0123456789'));
  await store.put('recordings/s2/0000.webm', Buffer.from('abc'));
  assert.equal(await text(await store.get('recordings/s1/0000.webm', { start: 2, end: 5 })), '2345');
  assert.equal((await store.stat('recordings/s1/0000.webm'))?.bytes, 10);
  assert.deepEqual((await store.list('recordings/s1')).map((o) => o.key), ['recordings/s1/0000.webm']);
  assert.deepEqual((await store.list('')).map((o) => o.key), ['recordings/s1/0000.webm', 'recordings/s2/0000.webm']);
  const src = join(dir, 'outside.webm');
  writeFileSync(src, 'moved bytes');
  const moved = await store.putFile('recordings/s3/0000.webm', src, { move: true, expectedSha256: sha('moved bytes') });
  assert.equal(moved.sha256, sha('moved bytes'));
  assert.ok(!existsSync(src));
  assert.equal(await store.delete('recordings/s3/0000.webm'), true);
  assert.equal(await store.delete('recordings/s3/0000.webm'), false);
  await assert.rejects(store.get('recordings/s3/0000.webm'), (e: unknown) => e instanceof ObjectStoreError && e.code === 'not_found');
});
