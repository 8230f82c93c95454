import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, cyrb128, xoshiro128ss } from './prng.ts';

// Straight transcription of the reference C (https://prng.di.unimi.it/xoshiro128starstar.c) with BigInt, to check
// the 32-bit Math.imul version against something that cannot share its overflow mistakes.
function referenceXoshiro(state: [number, number, number, number], n: number): number[] {
  const M = 0xffffffffn;
  const s = state.map((x) => BigInt(x >>> 0));
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const result = (rotl((s[1] * 5n) & M, 7n) * 9n) & M;
    const t = (s[1] << 9n) & M;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    out.push(Number(result));
  }
  return out;
}

test('xoshiro128** matches a BigInt transcription of the reference implementation', () => {
  for (const state of [[1, 2, 3, 4], [0xdeadbeef, 0x12345678, 0xffffffff, 0x80000000], cyrb128('seed')] as [number, number, number, number][]) {
    const r = xoshiro128ss(state);
    const ours = Array.from({ length: 1000 }, () => r.nextUint32());
    assert.deepEqual(ours, referenceXoshiro(state, 1000));
  }
  // The first output from state {1,2,3,4} is rotl(2·5, 7)·9 = 11520, computable by hand.
  assert.equal(xoshiro128ss([1, 2, 3, 4]).nextUint32(), 11520);
});

test('a string seed gives a pinned sequence (replays must not change when Node or V8 changes)', () => {
  // Pinned when the algorithm was chosen; if this fails, recorded dispatch runs can no longer be replayed.
  assert.deepEqual(cyrb128('customs-rvi'), [1795120768, 2410590188, 4256885444, 2021493875]);
  const r = createRandom('customs-rvi');
  const first = Array.from({ length: 4 }, () => r.nextUint32());
  assert.deepEqual(first, [3665183135, 2850965038, 3983957503, 2952996597]);
  const again = createRandom('customs-rvi');
  assert.deepEqual(Array.from({ length: 4 }, () => again.nextUint32()), first);
  const other = createRandom('customs-rvj');
  assert.notDeepEqual(Array.from({ length: 4 }, () => other.nextUint32()), first);
});

test('nextInt stays in range and is close to uniform; bad bounds are refused', () => {
  const r = createRandom('uniform');
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70_000; i++) {
    const x = r.nextInt(7);
    assert.ok(Number.isInteger(x) && x >= 0 && x < 7);
    counts[x]++;
  }
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `bucket count ${c} too far from 10000`);
  assert.equal(r.nextInt(1), 0);
  assert.throws(() => r.nextInt(0), RangeError);
  assert.throws(() => r.nextInt(2.5), RangeError);
  const f = r.nextFloat();
  assert.ok(f >= 0 && f < 1);
});

test('bad seeds and an all-zero state are refused', () => {
  assert.throws(() => createRandom(''), /seed/);
  assert.throws(() => createRandom('x'.repeat(513)), /seed/);
  assert.throws(() => xoshiro128ss([0, 0, 0, 0]), /zero/);
});
