// Seeded pseudo-random numbers for dispatch.
//
// Dispatch must be replayable from its audit record on any later Node version, so nothing here may depend on
// engine-specific behaviour: only 32-bit integer arithmetic (Math.imul, shifts, >>> 0) is used, never Math.random,
// Math.pow or floating-point accumulation.
//
// - String → 128-bit state: cyrb128 (bryc, public domain), a well-known 4-lane 32-bit string hash.
// - Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c), period 2^128 − 1.

/** Hashes a string to four 32-bit words with cyrb128 (UTF-16 code units, so identical across engines). */
export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A deterministic random source. `nextUint32` is the primitive; the rest is built from it with integer maths. */
export interface Random {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform integer in [0, bound), unbiased (rejection sampling). `bound` must be an integer in [1, 2^32]. */
  nextInt(bound: number): number;
  /** Uniform float in [0, 1) with 32 bits of randomness. Exact (a dyadic rational), so identical everywhere. */
  nextFloat(): number;
  /** Current state, for tests and for resuming a stream. */
  state(): [number, number, number, number];
}

const TWO_32 = 4294967296;

/** xoshiro128** over an explicit 128-bit state (not all zero). */
export function xoshiro128ss(state: readonly [number, number, number, number]): Random {
  let a = state[0] >>> 0;
  let b = state[1] >>> 0;
  let c = state[2] >>> 0;
  let d = state[3] >>> 0;
  if ((a | b | c | d) === 0) throw new RangeError('xoshiro128** state must not be all zero');
  const nextUint32 = (): number => {
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r >>> 0;
  };
  return {
    nextUint32,
    nextInt(bound: number): number {
      if (!Number.isInteger(bound) || bound < 1 || bound > TWO_32) {
        throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${bound}`);
      }
      // Largest multiple of `bound` that fits in 2^32; draws at or above it are rejected so every value is equally likely.
      const limit = TWO_32 - (TWO_32 % bound);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % bound;
      }
    },
    nextFloat(): number {
      return nextUint32() / TWO_32;
    },
    state: () => [a >>> 0, b >>> 0, c >>> 0, d >>> 0],
  };
}

/**
 * Seeds xoshiro128** from a string. The same seed gives the same sequence on every engine and Node version.
 * Seeds are recorded in the audit log, so they are limited to a sane length.
 */
export function createRandom(seed: string): Random {
  if (typeof seed !== 'string' || seed.length === 0 || seed.length > 512) {
    throw new RangeError('seed must be a non-empty string of at most 512 characters');
  }
  const s = cyrb128(seed);
  // cyrb128 cannot realistically return all zeros, but the generator would be stuck there forever: guard anyway.
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  return xoshiro128ss(s);
}
