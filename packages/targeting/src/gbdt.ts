/**
 * Histogram-based gradient-boosted decision trees for binary classification (logistic loss).
 *
 * The design follows LightGBM: values are bucketed once into at most 255 bins per feature
 * (bin 0 holds missing values), trees grow leaf-wise (best gain first) from per-leaf gradient
 * histograms, the larger child's histogram is the parent's minus the smaller child's, and a
 * categorical feature splits into a set of categories found by sorting categories on their
 * gradient ratio. Every hot loop works on typed arrays; nothing is allocated per row.
 *
 * A trained `Forest` predicts from raw feature values (numeric thresholds are stored as values,
 * categorical splits as bitsets over category codes), explains predictions by per-feature
 * contributions summed along the tree paths (Saabas), and round-trips through plain JSON.
 */
import { createRng, type Rng } from './rng.ts';
import { TargetingError } from './errors.ts';

export type FeatureKind = 'numeric' | 'categorical';

export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  /** Categorical only: codes are integers 0..cardinality-1; code 0 means missing / other. */
  cardinality?: number;
}

/** Column-major features: `columns[f][row]`. Numeric: NaN is missing. Categorical: integer codes. */
export interface FeatureMatrix {
  n: number;
  columns: Float64Array[];
}

export interface GbdtParams {
  numRounds: number;
  learningRate: number;
  numLeaves: number;
  /** 0 = unlimited (leaf count still bounds the tree). */
  maxDepth: number;
  minDataInLeaf: number;
  minSumHessian: number;
  lambdaL2: number;
  minGain: number;
  /** Share of features considered per tree. */
  featureFraction: number;
  /** Share of rows used per tree (1 = all). */
  baggingFraction: number;
  /**
   * Gradient-based one-side sampling (LightGBM's GOSS), instead of bagging when `gossTop` > 0:
   * each tree uses the `gossTop` share of rows with the largest gradients plus a random
   * `gossOther` share of the rest, whose gradients are scaled up to stay unbiased.
   */
  gossTop: number;
  gossOther: number;
  maxBins: number;
  /** Categorical splits: smoothing added to the hessian when ordering categories. */
  catSmooth: number;
  /** Categorical splits: at most this many categories on the "left" side. */
  maxCatThreshold: number;
  /** Categorical splits: a category needs this many rows in the node to be considered. */
  minDataPerGroup: number;
  /**
   * Per feature: +1 the prediction may only rise with the value, -1 only fall, 0 free
   * (numeric features only; shorter arrays leave the rest free).
   */
  monotone: number[];
  /** Stop when the validation loss has not improved for this many rounds (0 = off). */
  earlyStoppingRounds: number;
  seed: number;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  numRounds: 500,
  learningRate: 0.05,
  numLeaves: 31,
  maxDepth: 0,
  minDataInLeaf: 20,
  minSumHessian: 1e-3,
  lambdaL2: 1,
  minGain: 0,
  featureFraction: 1,
  baggingFraction: 1,
  gossTop: 0,
  gossOther: 0.1,
  maxBins: 255,
  catSmooth: 10,
  maxCatThreshold: 32,
  minDataPerGroup: 20,
  monotone: [],
  earlyStoppingRounds: 50,
  seed: 1,
};

export interface TrainGbdtInput {
  features: FeatureSpec[];
  train: FeatureMatrix;
  /** Labels 0/1. */
  y: ArrayLike<number>;
  /** Optional per-row weights (default 1). */
  weights?: ArrayLike<number>;
  /** Validation set for early stopping. */
  valid?: { matrix: FeatureMatrix; y: ArrayLike<number> };
  params?: Partial<GbdtParams>;
  /** Called after every round with the validation loss (NaN without a validation set). */
  onRound?: (round: number, validLoss: number) => void;
}

export interface TrainGbdtResult {
  forest: Forest;
  /** Rounds kept (best validation round when early stopping ran). */
  bestRound: number;
  /** Validation log-loss per round (empty without a validation set). */
  validLoss: number[];
}

// ---------------------------------------------------------------------------------------------
// Binning

interface BinMapper {
  kind: FeatureKind;
  nBins: number;
  /** Numeric: bin b (1..nBins-1) holds values v with uppers[b-2] < v <= uppers[b-1]. */
  uppers: Float64Array;
}

function halfway(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m > a && m <= b ? m : b;
}

function buildNumericMapper(col: Float64Array, maxBins: number, rng: Rng): BinMapper {
  const n = col.length;
  const sampleCap = 200_000;
  let vals: Float64Array;
  let count = 0;
  if (n <= sampleCap) {
    vals = new Float64Array(n);
    for (let i = 0; i < n; i++) { const v = col[i]; if (v === v) vals[count++] = v; }
  } else {
    vals = new Float64Array(sampleCap);
    for (let k = 0; k < sampleCap; k++) { const v = col[rng.int(n)]; if (v === v) vals[count++] = v; }
  }
  vals = vals.subarray(0, count).sort();
  // Distinct values with their counts.
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < count; i++) {
    if (distinct.length && distinct[distinct.length - 1] === vals[i]) counts[counts.length - 1]++;
    else { distinct.push(vals[i]); counts.push(1); }
  }
  const maxValueBins = maxBins - 1; // bin 0 is for missing values
  const uppers: number[] = [];
  if (distinct.length <= maxValueBins) {
    for (let j = 0; j + 1 < distinct.length; j++) uppers.push(halfway(distinct[j], distinct[j + 1]));
  } else {
    // Greedy equal-frequency cuts; a very frequent value gets a bin of its own.
    let remaining = count;
    let binsLeft = maxValueBins;
    let acc = 0;
    for (let j = 0; j + 1 < distinct.length && binsLeft > 1; j++) {
      acc += counts[j];
      const target = remaining / binsLeft;
      if (acc >= target || counts[j + 1] >= target) {
        uppers.push(halfway(distinct[j], distinct[j + 1]));
        remaining -= acc;
        acc = 0;
        binsLeft--;
      }
    }
  }
  uppers.push(Infinity);
  return { kind: 'numeric', nBins: uppers.length + 1, uppers: Float64Array.from(uppers) };
}

function numericBin(uppers: Float64Array, v: number): number {
  if (v !== v) return 0;
  let lo = 0, hi = uppers.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= uppers[mid]) hi = mid; else lo = mid + 1;
  }
  return lo + 1;
}

function categoricalCode(v: number, cardinality: number): number {
  const c = v | 0;
  return c > 0 && c < cardinality && c === v ? c : 0;
}

// ---------------------------------------------------------------------------------------------
// Forest: the trained model, in flat typed arrays

export interface ForestJson {
  baseScore: number;
  features: FeatureSpec[];
  roots: number[];
  feature: number[];
  threshold: (number | null)[];
  left: number[];
  right: number[];
  missingLeft: number[];
  catOffset: number[];
  catBits: number[];
  value: number[];
  cover: number[];
  gain: number[];
}

export interface Contribution {
  feature: number;
  value: number;
}

export class Forest {
  readonly baseScore: number;
  readonly features: FeatureSpec[];
  readonly roots: Int32Array;
  /** Per node: split feature, or -1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly missingLeft: Uint8Array;
  /** Categorical split: offset of the bitset in `catBits`, or -1. */
  readonly catOffset: Int32Array;
  readonly catBits: Uint32Array;
  /** Node output: leaf value, or for an internal node the value it would have as a leaf. */
  readonly value: Float64Array;
  /** Sum of hessians of the training rows reaching the node. */
  readonly cover: Float64Array;
  /** Split gain (0 for leaves). */
  readonly gain: Float64Array;

  constructor(init: {
    baseScore: number; features: FeatureSpec[]; roots: Int32Array; feature: Int32Array;
    threshold: Float64Array; left: Int32Array; right: Int32Array; missingLeft: Uint8Array;
    catOffset: Int32Array; catBits: Uint32Array; value: Float64Array; cover: Float64Array; gain: Float64Array;
  }) {
    this.baseScore = init.baseScore;
    this.features = init.features;
    this.roots = init.roots;
    this.feature = init.feature;
    this.threshold = init.threshold;
    this.left = init.left;
    this.right = init.right;
    this.missingLeft = init.missingLeft;
    this.catOffset = init.catOffset;
    this.catBits = init.catBits;
    this.value = init.value;
    this.cover = init.cover;
    this.gain = init.gain;
  }

  get numTrees(): number { return this.roots.length; }

  /** Child taken at internal node `i` for raw feature value `x`. */
  private step(i: number, x: number): number {
    const off = this.catOffset[i];
    if (off >= 0) {
      const card = this.features[this.feature[i]].cardinality ?? 0;
      const c = categoricalCode(x, card);
      return (this.catBits[off + (c >>> 5)] >>> (c & 31)) & 1 ? this.left[i] : this.right[i];
    }
    if (x !== x) return this.missingLeft[i] ? this.left[i] : this.right[i];
    return x <= this.threshold[i] ? this.left[i] : this.right[i];
  }

  /** Node layout for fast prediction: [feature, left, right, catOffset or -1, missingLeft]. */
  private packed: Int32Array | null = null;

  private pack(): Int32Array {
    if (this.packed) return this.packed;
    const n = this.feature.length;
    const p = new Int32Array(n * 5);
    for (let i = 0; i < n; i++) {
      p[i * 5] = this.feature[i];
      p[i * 5 + 1] = this.left[i];
      p[i * 5 + 2] = this.right[i];
      p[i * 5 + 3] = this.catOffset[i];
      p[i * 5 + 4] = this.missingLeft[i];
    }
    return (this.packed = p);
  }

  /** The forest compiled to JavaScript (see `compileForest`); null until first used or if not possible. */
  private compiled: CompiledForest | null | undefined = undefined;

  /** Raw margins (log-odds) for every row; `trees` limits the number of trees used. */
  predictMargin(m: FeatureMatrix, trees = this.roots.length, out = new Float64Array(m.n)): Float64Array {
    const F = this.features.length;
    if (m.columns.length !== F) throw new TargetingError('invalid_argument', `expected ${F} feature columns, got ${m.columns.length}`);
    const n = m.n;
    if (trees >= this.roots.length) {
      if (this.compiled === undefined) this.compiled = compileForest(this);
      if (this.compiled) {
        out.fill(this.baseScore);
        return this.compiled(m.columns, n, out);
      }
    }
    const packed = this.pack();
    const { threshold, catBits, value, roots } = this;
    const cols = m.columns;
    const cards = new Int32Array(F);
    for (let f = 0; f < F; f++) cards[f] = this.features[f].cardinality ?? 0;
    out.fill(this.baseScore);
    // Blocks of rows, tree by tree within a block: the block's features (column-major, no copy)
    // and one tree's nodes stay in cache.
    const T = Math.min(trees, roots.length);
    for (let b0 = 0; b0 < n; b0 += PREDICT_BLOCK) {
      const b1 = Math.min(n, b0 + PREDICT_BLOCK);
      for (let t = 0; t < T; t++) {
        const root = roots[t];
        for (let r = b0; r < b1; r++) {
          let i = root;
          let f = packed[i * 5];
          while (f >= 0) {
            const x = cols[f][r];
            const k = i * 5;
            const off = packed[k + 3];
            if (off >= 0) {
              const c = categoricalCode(x, cards[f]);
              i = (catBits[off + (c >>> 5)] >>> (c & 31)) & 1 ? packed[k + 1] : packed[k + 2];
            } else if (x <= threshold[i]) i = packed[k + 1];
            else if (x > threshold[i]) i = packed[k + 2];
            else i = packed[k + 4] ? packed[k + 1] : packed[k + 2]; // NaN: missing value
            f = packed[i * 5];
          }
          out[r] += value[i];
        }
      }
    }
    return out;
  }

  /** Probabilities for every row. */
  predict(m: FeatureMatrix): Float64Array {
    const out = this.predictMargin(m);
    for (let r = 0; r < out.length; r++) out[r] = sigmoid(out[r]);
    return out;
  }

  /**
   * Per-feature contributions to the margin of one row (Saabas): along each tree path, the
   * change of node value at a split is credited to the split's feature. bias + Σ contributions
   * equals the row's margin exactly.
   */
  contributions(row: ArrayLike<number>): { bias: number; values: Float64Array } {
    const values = new Float64Array(this.features.length);
    let bias = this.baseScore;
    for (let t = 0; t < this.roots.length; t++) {
      let i = this.roots[t];
      bias += this.value[i];
      while (this.feature[i] >= 0) {
        const f = this.feature[i];
        const next = this.step(i, row[f]);
        values[f] += this.value[next] - this.value[i];
        i = next;
      }
    }
    return { bias, values };
  }

  /** Total split gain and number of splits per feature. */
  importance(): { gain: Float64Array; splits: Uint32Array } {
    const gain = new Float64Array(this.features.length);
    const splits = new Uint32Array(this.features.length);
    for (let i = 0; i < this.feature.length; i++) {
      const f = this.feature[i];
      if (f >= 0) { gain[f] += this.gain[i]; splits[f]++; }
    }
    return { gain, splits };
  }

  toJSON(): ForestJson {
    const r = (a: Float64Array, digits = 17) => Array.from(a, (v) => (digits === 17 ? v : +v.toPrecision(digits)));
    return {
      baseScore: this.baseScore,
      features: this.features.map((f) => ({ ...f })),
      roots: Array.from(this.roots),
      feature: Array.from(this.feature),
      // Infinity is not JSON: null stands for it (leaves, and "every value left, missing right" splits).
      threshold: Array.from(this.threshold, (v) => (Number.isFinite(v) ? v : null)),
      left: Array.from(this.left),
      right: Array.from(this.right),
      missingLeft: Array.from(this.missingLeft),
      catOffset: Array.from(this.catOffset),
      catBits: Array.from(this.catBits),
      value: r(this.value),
      cover: r(this.cover, 8),
      gain: r(this.gain, 8),
    };
  }

  /** Rebuilds a forest from JSON, checking that every array is consistent (no dangling nodes). */
  static fromJSON(j: ForestJson): Forest {
    const fail = (what: string): never => { throw new TargetingError('model_corrupt', `model trees are inconsistent: ${what}`); };
    if (!j || typeof j !== 'object') fail('not an object');
    const nums = (a: unknown, name: string): number[] => {
      if (!Array.isArray(a)) fail(`${name} is not an array`);
      return a as number[];
    };
    const features = j.features;
    if (!Array.isArray(features) || features.some((f) => !f || typeof f.name !== 'string'
      || (f.kind !== 'numeric' && f.kind !== 'categorical')
      || (f.kind === 'categorical' && !(Number.isInteger(f.cardinality) && f.cardinality! >= 1 && f.cardinality! <= 256)))) fail('feature list');
    const feature = nums(j.feature, 'feature');
    const n = feature.length;
    const arrays = { left: nums(j.left, 'left'), right: nums(j.right, 'right'), missingLeft: nums(j.missingLeft, 'missingLeft'), catOffset: nums(j.catOffset, 'catOffset'), value: nums(j.value, 'value'), cover: nums(j.cover, 'cover'), gain: nums(j.gain, 'gain') };
    for (const [name, a] of Object.entries(arrays)) if (a.length !== n) fail(`${name} has ${a.length} entries, expected ${n}`);
    const threshold = nums(j.threshold, 'threshold');
    if (threshold.length !== n) fail('threshold length');
    const catBits = nums(j.catBits, 'catBits');
    const roots = nums(j.roots, 'roots');
    if (typeof j.baseScore !== 'number' || !Number.isFinite(j.baseScore)) fail('baseScore');
    for (let i = 0; i < n; i++) {
      const f = feature[i];
      if (!Number.isInteger(f) || f < -1 || f >= features.length) fail(`node ${i} feature`);
      if (!Number.isFinite(arrays.value[i])) fail(`node ${i} value`);
      if (f >= 0) {
        // Children come after their parent: rules out cycles.
        const l = arrays.left[i], r = arrays.right[i];
        if (!Number.isInteger(l) || !Number.isInteger(r) || l <= i || r <= i || l >= n || r >= n) fail(`node ${i} children`);
        const off = arrays.catOffset[i];
        if (features[f].kind === 'categorical') {
          const words = Math.ceil((features[f].cardinality ?? 0) / 32);
          if (!Number.isInteger(off) || off < 0 || off + words > catBits.length) fail(`node ${i} category set`);
        } else if (off !== -1 || (typeof threshold[i] !== 'number' && threshold[i] !== null)) fail(`node ${i} threshold`);
      }
    }
    for (const r of roots) if (!Number.isInteger(r) || r < 0 || r >= n) fail('tree root');
    return new Forest({
      baseScore: j.baseScore,
      features: features.map((f) => ({ ...f })),
      roots: Int32Array.from(roots),
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold, (v) => (v === null ? Infinity : v)),
      left: Int32Array.from(arrays.left),
      right: Int32Array.from(arrays.right),
      missingLeft: Uint8Array.from(arrays.missingLeft),
      catOffset: Int32Array.from(arrays.catOffset),
      catBits: Uint32Array.from(catBits),
      value: Float64Array.from(arrays.value),
      cover: Float64Array.from(arrays.cover),
      gain: Float64Array.from(arrays.gain),
    });
  }
}

const PREDICT_BLOCK = 1024;

type CompiledForest = (columns: Float64Array[], n: number, out: Float64Array) => Float64Array;

/**
 * Compiles the trees into JavaScript functions (nested ifs with the thresholds and leaf values
 * as literals), which V8 runs about twice as fast as walking the node arrays. The source is
 * built only from numbers of a validated forest (feature indices, thresholds, values, category
 * codes), never from text of the model file. Returns null for forests too deep or too large
 * to compile, which then use the array walk.
 */
function compileForest(forest: Forest): CompiledForest | null {
  const { feature, threshold, left, right, missingLeft, catOffset, catBits, value, roots, features } = forest;
  if (feature.length > 200_000) return null;
  const num = (v: number): string => {
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    if (!Number.isFinite(v)) throw new Error('non-finite number in a compiled tree');
    return Object.is(v, -0) ? '0' : String(v);
  };
  const trees: string[] = [];
  for (let t = 0; t < roots.length; t++) {
    const used = new Set<number>();
    let tooDeep = false;
    const emit = (i: number, depth: number): string => {
      if (depth > 64) { tooDeep = true; return ''; }
      const f = feature[i];
      if (f < 0) return `s+=${num(value[i])};`;
      used.add(f);
      const l = emit(left[i], depth + 1), r = emit(right[i], depth + 1);
      const off = catOffset[i];
      if (off >= 0) {
        const card = features[f].cardinality ?? 0;
        // Same rule as categoricalCode: an integer code in 1..card-1, anything else is 0; then
        // the node's bitset (a small literal code block compiles much faster than long tests).
        return `{const x=c${f}[r];const k=(x===(x|0)&&x>0&&x<${card})?x:0;if((cb[${off}+(k>>>5)]>>>(k&31))&1){${l}}else{${r}}}`;
      }
      // NaN fails both comparisons: `!(x > t)` sends it left, `x <= t` sends it right.
      return missingLeft[i] ? `if(!(c${f}[r]>${num(threshold[i])})){${l}}else{${r}}` : `if(c${f}[r]<=${num(threshold[i])}){${l}}else{${r}}`;
    };
    const body = emit(roots[t], 0);
    if (tooDeep) return null;
    const decl = used.size ? `const ${[...used].map((u) => `c${u}=cols[${u}]`).join(',')};` : '';
    trees.push(`function t${t}(cols,b0,b1,out){${decl}for(let r=b0;r<b1;r++){let s=0;${body}out[r]+=s;}}`);
  }
  const calls = roots.length ? Array.from({ length: roots.length }, (_, t) => `t${t}(cols,b0,b1,out);`).join('') : '';
  const src = `'use strict';${trees.join('\n')}\nreturn function(cols,n,out){for(let b0=0;b0<n;b0+=${PREDICT_BLOCK}){const b1=Math.min(n,b0+${PREDICT_BLOCK});${calls}}return out;};`;
  try {
    return new Function('cb', src)(catBits.slice()) as CompiledForest;
  } catch {
    return null;
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

// ---------------------------------------------------------------------------------------------
// Training

interface SplitCandidate {
  gain: number;
  feature: number;
  /** Numeric: bins 1..thresholdBin go left. */
  thresholdBin: number;
  missingLeft: boolean;
  /** Categorical: 1 for bins that go left. */
  catLeft: Uint8Array | null;
  gl: number; hl: number; cl: number;
  /** Child outputs (before the learning rate), within the leaf's bounds. */
  wl: number; wr: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  g: number; h: number; c: number;
  depth: number;
  hist: Float64Array | null;
  best: SplitCandidate | null;
  /** Bounds on the outputs of this leaf and its descendants (monotone constraints). */
  lower: number;
  upper: number;
}

/** Trains a forest. Throws `invalid_argument` for inconsistent input. */
export function trainGbdt(input: TrainGbdtInput): TrainGbdtResult {
  const p: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...input.params };
  validateParams(p);
  const { features, train } = input;
  const n = train.n;
  const F = features.length;
  if (train.columns.length !== F) throw new TargetingError('invalid_argument', `expected ${F} feature columns, got ${train.columns.length}`);
  if (input.y.length !== n) throw new TargetingError('invalid_argument', `expected ${n} labels, got ${input.y.length}`);
  if (n < 2) throw new TargetingError('invalid_argument', 'need at least 2 training rows');
  for (const f of features) {
    if (f.kind === 'categorical' && (!Number.isInteger(f.cardinality) || f.cardinality! < 1 || f.cardinality! > 256)) {
      throw new TargetingError('invalid_argument', `categorical feature ${f.name} needs a cardinality between 1 and 256`);
    }
  }
  const rng = createRng(p.seed);

  // Bin every feature into one Uint8Array, row-major: a row's bins are adjacent, so building a
  // histogram reads each row once (about twice as fast here as a column-major layout).
  const mappers: BinMapper[] = [];
  const binOffset = new Int32Array(F + 1);
  const bins = new Uint8Array(F * n);
  for (let f = 0; f < F; f++) {
    const col = train.columns[f];
    const spec = features[f];
    let mapper: BinMapper;
    if (spec.kind === 'numeric') {
      mapper = buildNumericMapper(col, Math.min(256, Math.max(2, p.maxBins)), rng);
      for (let r = 0; r < n; r++) bins[r * F + f] = numericBin(mapper.uppers, col[r]);
    } else {
      mapper = { kind: 'categorical', nBins: spec.cardinality!, uppers: new Float64Array(0) };
      for (let r = 0; r < n; r++) bins[r * F + f] = categoricalCode(col[r], spec.cardinality!);
    }
    mappers.push(mapper);
    binOffset[f + 1] = binOffset[f] + mapper.nBins;
  }
  const totalBins = binOffset[F];
  // The same bins offset into one histogram array for all features (saves a lookup per update).
  const globalBins = new Uint16Array(F * n);
  for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) globalBins[r * F + f] = binOffset[f] + bins[r * F + f];
  // Column-major copy for partitioning a leaf on one feature (sequential reads).
  const colBins = new Uint8Array(F * n);
  for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) colBins[f * n + r] = bins[r * F + f];

  const y = Float64Array.from(input.y as ArrayLike<number>);
  const w = input.weights ? Float64Array.from(input.weights as ArrayLike<number>) : null;
  let pos = 0, wsum = 0;
  for (let r = 0; r < n; r++) {
    if (y[r] !== 0 && y[r] !== 1) throw new TargetingError('invalid_argument', `label at row ${r} is not 0 or 1`);
    const wr = w ? w[r] : 1;
    if (!(wr >= 0) || !Number.isFinite(wr)) throw new TargetingError('invalid_argument', `weight at row ${r} is invalid`);
    pos += y[r] * wr; wsum += wr;
  }
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, pos / wsum));
  const baseScore = Math.log(prior / (1 - prior));

  const margin = new Float64Array(n).fill(baseScore);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);

  const valid = input.valid;
  const validMargin = valid ? new Float64Array(valid.matrix.n).fill(baseScore) : null;
  const validY = valid ? Float64Array.from(valid.y as ArrayLike<number>) : null;
  if (valid && (valid.matrix.columns.length !== F || validY!.length !== valid.matrix.n)) {
    throw new TargetingError('invalid_argument', 'validation set does not match the training features');
  }

  // Node storage (all trees), grown as plain arrays then frozen into typed arrays.
  const nodeFeature: number[] = [];
  const nodeThreshold: number[] = [];
  const nodeLeft: number[] = [];
  const nodeRight: number[] = [];
  const nodeMissingLeft: number[] = [];
  const nodeCatOffset: number[] = [];
  const nodeValue: number[] = [];
  const nodeCover: number[] = [];
  const nodeGain: number[] = [];
  const nodeCatLeftBins: (Uint8Array | null)[] = [];
  const nodeThresholdBin: number[] = [];
  const catBits: number[] = [];
  const roots: number[] = [];

  const indices = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  const gOrd = new Float64Array(n);
  const hOrd = new Float64Array(n);
  const histPool: Float64Array[] = [];
  const takeHist = () => histPool.pop() ?? new Float64Array(totalBins * 2);
  const giveHist = (h: Float64Array | null) => { if (h) histPool.push(h); };

  const activeFeatures = new Int32Array(F);
  let activeCount = F;
  const catScore = new Float64Array(256);
  const lambda = p.lambdaL2;

  function buildHist(hist: Float64Array, start: number, end: number): void {
    hist.fill(0);
    const len = end - start;
    for (let k = 0; k < len; k++) { const r = indices[start + k]; gOrd[k] = grad[r]; hOrd[k] = hess[r]; }
    if (activeCount === F) {
      for (let k = 0; k < len; k++) {
        const rb = indices[start + k] * F;
        const g = gOrd[k], h = hOrd[k];
        for (let f = 0; f < F; f++) {
          const j = globalBins[rb + f] << 1;
          hist[j] += g;
          hist[j + 1] += h;
        }
      }
      return;
    }
    for (let k = 0; k < len; k++) {
      const rb = indices[start + k] * F;
      const g = gOrd[k], h = hOrd[k];
      for (let a = 0; a < activeCount; a++) {
        const j = globalBins[rb + activeFeatures[a]] << 1;
        hist[j] += g;
        hist[j + 1] += h;
      }
    }
  }

  const leafGain = (g: number, h: number) => (g * g) / (h + lambda);
  /** Objective improvement of a leaf with output w (equals leafGain at the optimal w). */
  const gainAt = (g: number, h: number, w: number) => -(2 * g * w + (h + lambda) * w * w);
  const clamp = (w: number, lo: number, hi: number) => (w < lo ? lo : w > hi ? hi : w);
  const mono = new Int8Array(F);
  for (let f = 0; f < F; f++) mono[f] = features[f].kind === 'numeric' ? Math.sign(p.monotone[f] ?? 0) : 0;
  // Scratch for constrained gains (avoids allocating per candidate).
  let cwl = 0, cwr = 0;
  /** Gain of a split under output bounds and a monotone direction; -Infinity if not allowed. */
  const constrainedGain = (gl: number, hl: number, gr: number, hr: number, m: number, lo: number, hi: number, parentGain: number) => {
    cwl = clamp(-gl / (hl + lambda), lo, hi);
    cwr = clamp(-gr / (hr + lambda), lo, hi);
    if ((m > 0 && cwl > cwr) || (m < 0 && cwl < cwr)) return -Infinity;
    return gainAt(gl, hl, cwl) + gainAt(gr, hr, cwr) - parentGain;
  };

  const bestCatOrder = new Int32Array(256);
  const orderScratch = new Int32Array(256);

  function findBestSplit(leaf: Leaf): SplitCandidate | null {
    const hist = leaf.hist!;
    const G = leaf.g, H = leaf.h, C = leaf.c;
    const lower = leaf.lower, upper = leaf.upper;
    const bounded = lower > -Infinity || upper < Infinity;
    // Histograms hold gradient and hessian sums only; row counts are estimated from the hessian
    // (as LightGBM does), which saves a third of the histogram updates.
    const cntFactor = H > 0 ? C / H : 0;
    const parentGain = bounded ? gainAt(G, H, clamp(-G / (H + lambda), lower, upper)) : leafGain(G, H);
    const minLeaf = p.minDataInLeaf, minHess = p.minSumHessian;
    // Best split so far, in scalars (no allocation while scanning).
    let bGain = p.minGain, bFeature = -1, bBin = 0, bMissingLeft = false, bGl = 0, bHl = 0, bWl = 0, bWr = 0;
    let bCatCount = 0; // categorical: number of categories on the left, taken from bestCatOrder
    for (let a = 0; a < activeCount; a++) {
      const f = activeFeatures[a];
      const base = binOffset[f] * 2;
      const nb = mappers[f].nBins;
      const m = mono[f];
      const simple = m === 0 && !bounded;
      if (mappers[f].kind === 'numeric') {
        const mg = hist[base], mh = hist[base + 1], hasMissing = mh > 0;
        let gl = 0, hl = 0;
        for (let b = 1; b < nb; b++) {
          const j = base + b * 2;
          const bg = hist[j], bh = hist[j + 1];
          if (bh === 0 && bg === 0 && b > 1) continue; // empty bin: same split as the previous one
          gl += bg; hl += bh;
          const hr = H - hl;
          if ((hr - mh) * cntFactor < minLeaf && hr * cntFactor < minLeaf) break; // the right side only shrinks from here
          const gr = G - gl;
          // Missing values go right.
          if (hl * cntFactor >= minLeaf && hr * cntFactor >= minLeaf && hl >= minHess && hr >= minHess) {
            const gain = simple ? leafGain(gl, hl) + leafGain(gr, hr) - parentGain : constrainedGain(gl, hl, gr, hr, m, lower, upper, parentGain);
            if (gain > bGain) {
              bGain = gain; bFeature = f; bBin = b; bMissingLeft = false; bGl = gl; bHl = hl; bCatCount = 0;
              bWl = simple ? -gl / (hl + lambda) : cwl; bWr = simple ? -gr / (hr + lambda) : cwr;
            }
          }
          // Missing values go left.
          if (hasMissing) {
            const gl2 = gl + mg, hl2 = hl + mh, gr2 = gr - mg, hr2 = hr - mh;
            if (hl2 * cntFactor >= minLeaf && hr2 * cntFactor >= minLeaf && hl2 >= minHess && hr2 >= minHess) {
              const gain = simple ? leafGain(gl2, hl2) + leafGain(gr2, hr2) - parentGain : constrainedGain(gl2, hl2, gr2, hr2, m, lower, upper, parentGain);
              if (gain > bGain) {
                bGain = gain; bFeature = f; bBin = b; bMissingLeft = true; bGl = gl2; bHl = hl2; bCatCount = 0;
                bWl = simple ? -gl2 / (hl2 + lambda) : cwl; bWr = simple ? -gr2 / (hr2 + lambda) : cwr;
              }
            }
          }
        }
      } else {
        // Order the categories with enough rows by gradient ratio, then scan prefixes from both ends.
        let nm = 0;
        for (let b = 0; b < nb; b++) {
          const j = base + b * 2;
          if (hist[j + 1] * cntFactor >= p.minDataPerGroup) { orderScratch[nm] = b; catScore[b] = hist[j] / (hist[j + 1] + p.catSmooth); nm++; }
        }
        if (nm < 2) continue;
        const order = orderScratch.subarray(0, nm).sort((x, z) => catScore[x] - catScore[z]);
        const limit = Math.min(p.maxCatThreshold, nm - 1);
        for (let dir = 0; dir < 2; dir++) {
          let gl = 0, hl = 0;
          for (let k = 0; k < limit; k++) {
            const b = dir === 0 ? order[k] : order[nm - 1 - k];
            const j = base + b * 2;
            gl += hist[j]; hl += hist[j + 1];
            const gr = G - gl, hr = H - hl;
            if (hl * cntFactor < minLeaf || hr * cntFactor < minLeaf || hl < minHess || hr < minHess) continue;
            const gain = simple ? leafGain(gl, hl) + leafGain(gr, hr) - parentGain : constrainedGain(gl, hl, gr, hr, 0, lower, upper, parentGain);
            if (gain > bGain) {
              bGain = gain; bFeature = f; bBin = 0; bMissingLeft = false; bGl = gl; bHl = hl; bCatCount = k + 1;
              bWl = simple ? -gl / (hl + lambda) : cwl; bWr = simple ? -gr / (hr + lambda) : cwr;
              for (let q = 0; q <= k; q++) bestCatOrder[q] = dir === 0 ? order[q] : order[nm - 1 - q];
            }
          }
          if (nm === 2) break; // both directions give the same split
        }
      }
    }
    if (bFeature < 0) return null;
    let catLeft: Uint8Array | null = null;
    if (bCatCount > 0) {
      catLeft = new Uint8Array(mappers[bFeature].nBins);
      for (let q = 0; q < bCatCount; q++) catLeft[bestCatOrder[q]] = 1;
    }
    return { gain: bGain, feature: bFeature, thresholdBin: bBin, missingLeft: bMissingLeft, catLeft, gl: bGl, hl: bHl, cl: bHl * cntFactor, wl: bWl, wr: bWr };
  }

  /** Adds a node whose output (before the learning rate) is w. */
  const addNode = (w: number, h: number): number => {
    const id = nodeFeature.length;
    nodeFeature.push(-1); nodeThreshold.push(Infinity); nodeLeft.push(-1); nodeRight.push(-1);
    nodeMissingLeft.push(0); nodeCatOffset.push(-1); nodeCatLeftBins.push(null); nodeThresholdBin.push(0);
    nodeValue.push(w * p.learningRate); nodeCover.push(h); nodeGain.push(0);
    return id;
  };

  const validLoss: number[] = [];
  let bestRound = 0;
  let bestLoss = Infinity;
  const bagCount = Math.max(2, Math.round(n * Math.min(1, Math.max(0.01, p.baggingFraction))));
  const featCount = Math.max(1, Math.round(F * Math.min(1, Math.max(0.01, p.featureFraction))));
  const allRows = new Uint32Array(n);
  for (let r = 0; r < n; r++) allRows[r] = r;
  const featPerm = Int32Array.from({ length: F }, (_, f) => f);

  for (let round = 0; round < p.numRounds; round++) {
    // Gradients of the logistic loss.
    for (let r = 0; r < n; r++) {
      const pr = sigmoid(margin[r]);
      const wr = w ? w[r] : 1;
      grad[r] = (pr - y[r]) * wr;
      hess[r] = Math.max(pr * (1 - pr), 1e-16) * wr;
    }
    // Rows (bagging) and features (feature fraction) for this tree.
    let used = n;
    if (p.gossTop > 0 && round > 0) {
      // Threshold on |gradient| for the top share, estimated from a sample of rows.
      const sample = new Float64Array(Math.min(n, 4096));
      for (let k = 0; k < sample.length; k++) sample[k] = Math.abs(grad[sample.length === n ? k : rng.int(n)]);
      sample.sort();
      const thr = sample[Math.min(sample.length - 1, Math.floor(sample.length * (1 - p.gossTop)))];
      const keep = p.gossOther / (1 - p.gossTop);
      const amplify = 1 / keep;
      used = 0;
      for (let r = 0; r < n; r++) {
        if (Math.abs(grad[r]) >= thr) indices[used++] = r;
        else if (rng.next() < keep) { indices[used++] = r; grad[r] *= amplify; hess[r] *= amplify; }
      }
      if (used < 2) { indices.set(allRows); used = n; }
    } else if (bagCount < n) {
      // Each row in with probability baggingFraction: a sample in row order, in one pass.
      const frac = bagCount / n;
      used = 0;
      for (let r = 0; r < n; r++) if (rng.next() < frac) indices[used++] = r;
      if (used < 2) { indices.set(allRows); used = n; }
    } else indices.set(allRows);
    if (featCount < F) {
      for (let i = 0; i < featCount; i++) { const j = i + rng.int(F - i); const t = featPerm[i]; featPerm[i] = featPerm[j]; featPerm[j] = t; }
      activeFeatures.set(featPerm.subarray(0, featCount));
      activeFeatures.subarray(0, featCount).sort();
      activeCount = featCount;
    } else { activeFeatures.set(featPerm.slice().sort()); activeCount = F; }

    let G = 0, H = 0;
    for (let k = 0; k < used; k++) { const r = indices[k]; G += grad[r]; H += hess[r]; }
    const root = addNode(-G / (H + lambda), H);
    roots.push(root);
    const rootLeaf: Leaf = { node: root, start: 0, end: used, g: G, h: H, c: used, depth: 0, hist: takeHist(), best: null, lower: -Infinity, upper: Infinity };
    buildHist(rootLeaf.hist!, 0, used);
    rootLeaf.best = findBestSplit(rootLeaf);
    const open: Leaf[] = [rootLeaf];
    let leafCount = 1;

    while (leafCount < p.numLeaves) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) {
        const b = open[i].best;
        if (b && (bi < 0 || b.gain > open[bi].best!.gain)) bi = i;
      }
      if (bi < 0) break;
      const leaf = open[bi];
      const s = leaf.best!;
      open.splice(bi, 1);
      // Stable partition of the leaf's rows.
      let li = leaf.start, ri = 0;
      const colStart = s.feature * n;
      for (let k = leaf.start; k < leaf.end; k++) {
        const r = indices[k];
        const b = colBins[colStart + r];
        const goLeft = s.catLeft ? s.catLeft[b] === 1 : (b === 0 ? s.missingLeft : b <= s.thresholdBin);
        if (goLeft) indices[li++] = r; else scratch[ri++] = r;
      }
      indices.set(scratch.subarray(0, ri), li);
      const mid = li;
      const lNode = addNode(s.wl, s.hl);
      const rNode = addNode(s.wr, leaf.h - s.hl);
      // Monotone split: every later output on the left stays below the midpoint, on the right above.
      let lLo = leaf.lower, lHi = leaf.upper, rLo = leaf.lower, rHi = leaf.upper;
      const sm = mono[s.feature];
      if (sm !== 0) {
        const midW = (s.wl + s.wr) / 2;
        if (sm > 0) { lHi = Math.min(lHi, midW); rLo = Math.max(rLo, midW); }
        else { lLo = Math.max(lLo, midW); rHi = Math.min(rHi, midW); }
      }
      nodeFeature[leaf.node] = s.feature;
      nodeLeft[leaf.node] = lNode;
      nodeRight[leaf.node] = rNode;
      nodeMissingLeft[leaf.node] = s.missingLeft ? 1 : 0;
      nodeThresholdBin[leaf.node] = s.thresholdBin;
      nodeCatLeftBins[leaf.node] = s.catLeft;
      nodeGain[leaf.node] = s.gain;
      const lLeaf: Leaf = { node: lNode, start: leaf.start, end: mid, g: s.gl, h: s.hl, c: mid - leaf.start, depth: leaf.depth + 1, hist: null, best: null, lower: lLo, upper: lHi };
      const rLeaf: Leaf = { node: rNode, start: mid, end: leaf.end, g: leaf.g - s.gl, h: leaf.h - s.hl, c: leaf.end - mid, depth: leaf.depth + 1, hist: null, best: null, lower: rLo, upper: rHi };
      leafCount++;
      const canSplit = (l: Leaf) => (p.maxDepth <= 0 || l.depth < p.maxDepth) && l.c >= 2 * p.minDataInLeaf;
      const lSplit = canSplit(lLeaf), rSplit = canSplit(rLeaf);
      if (lSplit || rSplit) {
        const [small, large] = lLeaf.c <= rLeaf.c ? [lLeaf, rLeaf] : [rLeaf, lLeaf];
        small.hist = takeHist();
        buildHist(small.hist, small.start, small.end);
        large.hist = leaf.hist!;
        const lh = large.hist, sh = small.hist;
        for (let a = 0; a < activeCount; a++) {
          const f = activeFeatures[a];
          for (let j = binOffset[f] * 2, e = binOffset[f + 1] * 2; j < e; j++) lh[j] -= sh[j];
        }
        leaf.hist = null;
        for (const child of [lLeaf, rLeaf]) {
          if ((child === lLeaf ? lSplit : rSplit)) {
            child.best = findBestSplit(child);
            if (child.best) open.push(child);
            else { giveHist(child.hist); child.hist = null; }
          } else { giveHist(child.hist); child.hist = null; }
        }
      } else { giveHist(leaf.hist); leaf.hist = null; }
    }
    for (const l of open) { giveHist(l.hist); l.hist = null; }

    // Finalize the tree: raw thresholds and category bitsets.
    const treeEnd = nodeFeature.length;
    for (let i = root; i < treeEnd; i++) {
      const f = nodeFeature[i];
      if (f < 0) continue;
      const catLeft = nodeCatLeftBins[i];
      if (catLeft) {
        const words = Math.ceil(mappers[f].nBins / 32);
        nodeCatOffset[i] = catBits.length;
        for (let q = 0; q < words; q++) catBits.push(0);
        for (let b = 0; b < catLeft.length; b++) if (catLeft[b]) catBits[nodeCatOffset[i] + (b >>> 5)] |= 1 << (b & 31);
        for (let q = 0; q < words; q++) catBits[nodeCatOffset[i] + q] >>>= 0;
        nodeCatLeftBins[i] = null;
      } else {
        nodeThreshold[i] = mappers[f].uppers[nodeThresholdBin[i] - 1];
      }
    }
    // Update training margins by walking the binned rows through the new tree.
    for (let r = 0; r < n; r++) {
      let i = root;
      while (nodeFeature[i] >= 0) {
        const f = nodeFeature[i];
        const b = bins[r * F + f];
        const off = nodeCatOffset[i];
        let goLeft: boolean;
        if (off >= 0) goLeft = ((catBits[off + (b >>> 5)] >>> (b & 31)) & 1) === 1;
        else goLeft = b === 0 ? nodeMissingLeft[i] === 1 : b <= nodeThresholdBin[i];
        i = goLeft ? nodeLeft[i] : nodeRight[i];
      }
      margin[r] += nodeValue[i];
    }

    if (valid && validMargin && validY) {
      const cols = valid.matrix.columns;
      let loss = 0;
      for (let r = 0; r < valid.matrix.n; r++) {
        let i = root;
        while (nodeFeature[i] >= 0) {
          const f = nodeFeature[i];
          const x = cols[f][r];
          const off = nodeCatOffset[i];
          if (off >= 0) {
            const c = categoricalCode(x, mappers[f].nBins);
            i = (catBits[off + (c >>> 5)] >>> (c & 31)) & 1 ? nodeLeft[i] : nodeRight[i];
          } else if (x !== x) i = nodeMissingLeft[i] ? nodeLeft[i] : nodeRight[i];
          else i = x <= nodeThreshold[i] ? nodeLeft[i] : nodeRight[i];
        }
        const m = (validMargin[r] += nodeValue[i]);
        loss += validY[r] === 1 ? softplus(-m) : softplus(m);
      }
      loss /= Math.max(1, valid.matrix.n);
      validLoss.push(loss);
      input.onRound?.(round, loss);
      if (loss < bestLoss - 1e-12) { bestLoss = loss; bestRound = round + 1; }
      else if (p.earlyStoppingRounds > 0 && round + 1 - bestRound >= p.earlyStoppingRounds) break;
    } else {
      input.onRound?.(round, NaN);
      bestRound = round + 1;
    }
  }

  // Keep the best rounds only: nodes of later trees are at the end of the arrays.
  const keepNodes = bestRound < roots.length ? roots[bestRound] : nodeFeature.length;
  let keepBits = catBits.length;
  if (bestRound < roots.length) {
    keepBits = 0;
    for (let i = 0; i < keepNodes; i++) if (nodeCatOffset[i] >= 0) keepBits = Math.max(keepBits, nodeCatOffset[i] + Math.ceil(mappers[nodeFeature[i]].nBins / 32));
  }
  const forest = new Forest({
    baseScore,
    features: features.map((f) => ({ ...f })),
    roots: Int32Array.from(roots.slice(0, bestRound)),
    feature: Int32Array.from(nodeFeature.slice(0, keepNodes)),
    threshold: Float64Array.from(nodeThreshold.slice(0, keepNodes)),
    left: Int32Array.from(nodeLeft.slice(0, keepNodes)),
    right: Int32Array.from(nodeRight.slice(0, keepNodes)),
    missingLeft: Uint8Array.from(nodeMissingLeft.slice(0, keepNodes)),
    catOffset: Int32Array.from(nodeCatOffset.slice(0, keepNodes)),
    catBits: Uint32Array.from(catBits.slice(0, keepBits)),
    value: Float64Array.from(nodeValue.slice(0, keepNodes)),
    cover: Float64Array.from(nodeCover.slice(0, keepNodes)),
    gain: Float64Array.from(nodeGain.slice(0, keepNodes)),
  });
  return { forest, bestRound, validLoss };
}

function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

function validateParams(p: GbdtParams): void {
  const check = (ok: boolean, what: string) => { if (!ok) throw new TargetingError('invalid_argument', `invalid GBDT parameter: ${what}`); };
  check(Number.isInteger(p.numRounds) && p.numRounds >= 1 && p.numRounds <= 100_000, 'numRounds must be an integer in 1..100000');
  check(p.learningRate > 0 && p.learningRate <= 1, 'learningRate must be in (0, 1]');
  check(Number.isInteger(p.numLeaves) && p.numLeaves >= 2 && p.numLeaves <= 4096, 'numLeaves must be an integer in 2..4096');
  check(Number.isInteger(p.maxDepth) && p.maxDepth >= 0, 'maxDepth must be a non-negative integer');
  check(p.minDataInLeaf >= 1, 'minDataInLeaf must be >= 1');
  check(p.minSumHessian >= 0, 'minSumHessian must be >= 0');
  check(p.lambdaL2 >= 0, 'lambdaL2 must be >= 0');
  check(p.featureFraction > 0 && p.featureFraction <= 1, 'featureFraction must be in (0, 1]');
  check(p.baggingFraction > 0 && p.baggingFraction <= 1, 'baggingFraction must be in (0, 1]');
  check(p.gossTop >= 0 && p.gossTop < 1 && p.gossOther > 0 && p.gossTop + p.gossOther <= 1, 'gossTop in [0, 1), gossOther in (0, 1], together at most 1');
  check(Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 256, 'maxBins must be an integer in 2..256');
  check(p.catSmooth >= 0 && p.maxCatThreshold >= 1 && p.minDataPerGroup >= 1, 'categorical parameters');
  check(Array.isArray(p.monotone) && p.monotone.every((v) => v === -1 || v === 0 || v === 1), 'monotone must be a list of -1, 0 or 1');
  check(Number.isInteger(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 0, 'earlyStoppingRounds must be a non-negative integer');
}
