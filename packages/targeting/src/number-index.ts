/**
 * A hash index from numbers (any double except NaN) to their position in a list, with open
 * addressing over typed arrays. Scoring looks up several numbers per declaration; a JS Map would
 * box each double read from a typed array into a heap number first.
 */
const scratch = new Float64Array(1);
const scratchBits = new Int32Array(scratch.buffer);

function hashDouble(v: number): number {
  scratch[0] = v === 0 ? 0 : v; // -0 and 0 are the same key
  let h = Math.imul(scratchBits[0] ^ 0x5bd1e995, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593) ^ scratchBits[1];
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class NumberIndex {
  private readonly keys: Float64Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  readonly size: number;

  /** Index of `values[i]` is i; a repeated value keeps its first position. */
  constructor(values: ArrayLike<number>) {
    let cap = 8;
    while (cap < values.length * 2) cap *= 2;
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    let size = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== v) throw new RangeError('NumberIndex cannot hold NaN');
      let s = hashDouble(v) & this.mask;
      while (this.slots[s] >= 0 && this.keys[s] !== v) s = (s + 1) & this.mask;
      if (this.slots[s] < 0) { this.keys[s] = v; this.slots[s] = i; size++; }
    }
    this.size = size;
  }

  /** Position of `v`, or -1. */
  get(v: number): number {
    if (v !== v) return -1;
    let s = hashDouble(v) & this.mask;
    for (;;) {
      const slot = this.slots[s];
      if (slot < 0) return -1;
      if (this.keys[s] === v) return slot;
      s = (s + 1) & this.mask;
    }
  }
}

/**
 * The same for strings: FNV-1a over the UTF-16 code units, open addressing. About twice as
 * fast as a Map for the short codes of declarations (IDs, country and HS codes).
 */
export class StringIndex {
  private readonly keys: string[];
  private readonly slots: Int32Array;
  private readonly mask: number;
  readonly size: number;

  constructor(values: readonly string[]) {
    let cap = 8;
    while (cap < values.length * 2) cap *= 2;
    this.keys = new Array<string>(cap).fill('');
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    let size = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      let s = hashString(v) & this.mask;
      while (this.slots[s] >= 0 && this.keys[s] !== v) s = (s + 1) & this.mask;
      if (this.slots[s] < 0) { this.keys[s] = v; this.slots[s] = i; size++; }
    }
    this.size = size;
  }

  /** Position of `v`, or -1. */
  get(v: string): number {
    let s = hashString(v) & this.mask;
    for (;;) {
      const slot = this.slots[s];
      if (slot < 0) return -1;
      if (this.keys[s] === v) return slot;
      s = (s + 1) & this.mask;
    }
  }
}

function hashString(v: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Growing index of distinct numbers (NaN excluded) in order of first appearance: `add` returns
 * the position of a value, adding it when new. Used while fitting, where most lookups add.
 */
export class NumberIndexBuilder {
  private keys = new Float64Array(1024);
  private slots = new Int32Array(1024).fill(-1);
  private mask = 1023;
  readonly values: number[] = [];

  add(v: number): number {
    if (v === 0) v = 0; // -0 and 0 are the same key
    let s = hashDouble(v) & this.mask;
    for (;;) {
      const slot = this.slots[s];
      if (slot < 0) break;
      if (this.keys[s] === v) return slot;
      s = (s + 1) & this.mask;
    }
    const id = this.values.length;
    this.values.push(v);
    this.keys[s] = v;
    this.slots[s] = id;
    if (this.values.length * 2 > this.keys.length) this.grow();
    return id;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    this.keys = new Float64Array(cap);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.values.forEach((v, id) => {
      let s = hashDouble(v) & this.mask;
      while (this.slots[s] >= 0) s = (s + 1) & this.mask;
      this.keys[s] = v;
      this.slots[s] = id;
    });
  }
}

/** The same for strings. */
export class StringIndexBuilder {
  private keys: string[] = new Array<string>(1024).fill('');
  private slots = new Int32Array(1024).fill(-1);
  private mask = 1023;
  readonly values: string[] = [];

  add(v: string): number {
    let s = hashString(v) & this.mask;
    for (;;) {
      const slot = this.slots[s];
      if (slot < 0) break;
      if (this.keys[s] === v) return slot;
      s = (s + 1) & this.mask;
    }
    const id = this.values.length;
    this.values.push(v);
    this.keys[s] = v;
    this.slots[s] = id;
    if (this.values.length * 2 > this.keys.length) this.grow();
    return id;
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    this.keys = new Array<string>(cap).fill('');
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.values.forEach((v, id) => {
      let s = hashString(v) & this.mask;
      while (this.slots[s] >= 0) s = (s + 1) & this.mask;
      this.keys[s] = v;
      this.slots[s] = id;
    });
  }
}
