import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  EMPTY_TREE_HASH, MerkleFrontier, inclusionProof, inclusionProofs, leafHash, merkleRoot, parseCheckpoints, signCheckpoint, verifyCheckpoint, verifyInclusion,
} from './checkpoint.ts';
import { publicKeyInfo, type SigningKey } from './keys.ts';

const sha = (...b: Buffer[]) => createHash('sha256').update(Buffer.concat(b)).digest();
/** RFC 6962 §2.1 written literally (recursive), to check the iterative implementation against. */
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0];
  let k = 1;
  while (k * 2 < d.length) k *= 2;
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(createHash('sha256').update(`entry ${i}`).digest('hex')));

function key(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const info = publicKeyInfo(publicKey, '2020-01-01T00:00:00.000Z', null);
  return { keyId: info.keyId, privateKey, publicKey, info };
}

test('Merkle tree hash matches RFC 6962 for every size 0..70; every inclusion proof verifies, and only for its own leaf, position and tree', () => {
  assert.equal(merkleRoot([]), EMPTY_TREE_HASH);
  assert.equal(EMPTY_TREE_HASH, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  for (let n = 1; n <= 70; n++) {
    const l = leaves(n);
    const root = merkleRoot(l);
    assert.equal(root, mth(l).toString('hex'), `size ${n}`);
    const f = new MerkleFrontier();
    for (const x of l) f.push(x);
    assert.equal(f.root(), root, `frontier, size ${n}`);
    const all = inclusionProofs(l, l.map((_, i) => i));
    for (let i = 0; i < n; i++) {
      const p = inclusionProof(l, i);
      assert.deepEqual(all.get(i), p, `shared proofs agree (size ${n}, leaf ${i})`);
      assert.ok(verifyInclusion(l[i], i, n, p, root), `size ${n} leaf ${i}`);
      assert.equal(verifyInclusion(l[(i + 1) % n], i, n, p, root), n === 1, 'another leaf');
      if (n > 1) assert.equal(verifyInclusion(l[i], (i + 1) % n, n, p, root), false, 'another index');
      // (the root does not encode the size, which is why a checkpoint signs size and root together)
      if (n > 1) assert.equal(verifyInclusion(l[i], i, n, p, merkleRoot(l.slice(0, n - 1))), false, 'another tree');
    }
  }
});

test('inclusion proofs on a big tree stay short (log2 n hashes) and memory-light', () => {
  const n = 100_003;
  const l = leaves(n);
  const root = merkleRoot(l);
  const picks = [0, 1, 65_535, 65_536, n - 2, n - 1];
  const proofs = inclusionProofs(l, picks);
  for (const i of picks) {
    const p = proofs.get(i)!;
    assert.ok(p.length <= 17, `${p.length} hashes`);
    assert.ok(verifyInclusion(l[i], i, n, p, root));
  }
});

test('a signed checkpoint verifies against the trusted key only; any change to it is caught', () => {
  const k = key();
  const other = key();
  const l = leaves(5);
  const signed = signCheckpoint({ log: 'https://rvi.example', treeSize: 5, rootHash: merkleRoot(l), headHash: 'a'.repeat(64), at: '2026-01-01T00:00:00.000Z' }, k);
  assert.deepEqual(verifyCheckpoint(signed, [k.info]), { ok: true, problems: [], trusted: true });
  const untrusted = verifyCheckpoint(signed);
  assert.equal(untrusted.ok, true);
  assert.equal(untrusted.trusted, false, 'intact, but nobody vouched for the key');
  assert.match(verifyCheckpoint(signed, [other.info]).problems.join(), /not a trusted key/);
  for (const change of [{ treeSize: 4 }, { rootHash: 'b'.repeat(64) }, { headHash: 'c'.repeat(64) }, { at: '2026-01-02T00:00:00.000Z' }, { log: 'x' }]) {
    const bad = { ...signed, checkpoint: { ...signed.checkpoint, ...change } };
    assert.match(verifyCheckpoint(bad, [k.info]).problems.join(), /signature invalid/, JSON.stringify(change));
  }
  const resigned = signCheckpoint({ ...signed.checkpoint, treeSize: 3 }, other);
  assert.equal(verifyCheckpoint(resigned, [k.info]).ok, false, 'an attacker\'s re-signed checkpoint');
  assert.equal(verifyCheckpoint({ ...signed, checkpoint: { ...signed.checkpoint, treeSize: -1 } }).ok, false);
  assert.equal(verifyCheckpoint(null).ok, false);
  assert.equal(parseCheckpoints(`${JSON.stringify(signed)}\n${JSON.stringify(signed)}\n`).length, 2);
  assert.equal(parseCheckpoints(JSON.stringify(signed)).length, 1);
  assert.equal(parseCheckpoints(JSON.stringify([signed, signed, signed])).length, 3);
  assert.throws(() => parseCheckpoints('{"a":1}\nnope'), /line 2/);
});
