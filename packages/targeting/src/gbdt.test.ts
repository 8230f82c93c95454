import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainGbdt, Forest, sigmoid, type FeatureSpec, type FeatureMatrix } from './gbdt.ts';
import { createRng } from './rng.ts';
import { auc } from './metrics.ts';
import { TargetingError } from './errors.ts';

/** n rows of `f` uniform features in [0, 1). */
function uniform(n: number, f: number, seed: number): FeatureMatrix {
  const rng = createRng(seed);
  const columns = Array.from({ length: f }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) for (let j = 0; j < f; j++) columns[j][r] = rng.next();
  return { n, columns };
}

const numeric = (k: number): FeatureSpec[] => Array.from({ length: k }, (_, i) => ({ name: `x${i}`, kind: 'numeric' as const }));

test('learns a threshold rule on one feature and splits on it first', () => {
  const X = uniform(2000, 4, 1);
  const y = Float64Array.from(X.columns[2], (v) => (v > 0.6 ? 1 : 0));
  const { forest } = trainGbdt({ features: numeric(4), train: X, y, params: { numRounds: 30, learningRate: 0.3, minDataInLeaf: 5 } });
  // The first tree's root must split on x2 near 0.6.
  const root = forest.roots[0];
  assert.equal(forest.feature[root], 2);
  assert.ok(Math.abs(forest.threshold[root] - 0.6) < 0.01, `threshold ${forest.threshold[root]}`);
  const imp = forest.importance().gain;
  assert.equal(imp.indexOf(Math.max(...imp)), 2);
  const T = uniform(1000, 4, 2);
  const p = forest.predict(T);
  let correct = 0;
  for (let r = 0; r < T.n; r++) correct += (p[r] > 0.5 ? 1 : 0) === (T.columns[2][r] > 0.6 ? 1 : 0) ? 1 : 0;
  assert.ok(correct / T.n > 0.99, `accuracy ${correct / T.n}`);
});

test('learns an interaction rule (x0 > 0.5 and x1 < 0.3) from noisy features, with row sampling too', () => {
  const X = uniform(4000, 6, 3);
  const rule = (a: number, b: number) => (a > 0.5 && b < 0.3 ? 1 : 0);
  const y = Float64Array.from({ length: X.n }, (_, r) => rule(X.columns[0][r], X.columns[1][r]));
  const T = uniform(2000, 6, 4);
  for (const sampling of [{}, { gossTop: 0.2, gossOther: 0.1 }, { baggingFraction: 0.7, featureFraction: 0.7 }]) {
    const { forest } = trainGbdt({ features: numeric(6), train: X, y, params: { numRounds: 60, learningRate: 0.2, ...sampling } });
    const p = forest.predict(T);
    let correct = 0;
    for (let r = 0; r < T.n; r++) correct += (p[r] > 0.5 ? 1 : 0) === rule(T.columns[0][r], T.columns[1][r]) ? 1 : 0;
    assert.ok(correct / T.n > 0.98, `accuracy ${correct / T.n} with ${JSON.stringify(sampling)}`);
  }
});

test('follows a monotone response, exactly when constrained', () => {
  const n = 4000;
  const X = uniform(n, 3, 5);
  const rng = createRng(6);
  const y = Float64Array.from({ length: n }, (_, r) => (rng.next() < sigmoid(8 * (X.columns[0][r] - 0.5)) ? 1 : 0));
  const grid = 101;
  const G: FeatureMatrix = { n: grid, columns: [Float64Array.from({ length: grid }, (_, i) => i / (grid - 1)), new Float64Array(grid).fill(0.5), new Float64Array(grid).fill(0.5)] };
  const params = { numRounds: 50, learningRate: 0.15, minDataInLeaf: 50 };
  // Unconstrained: the learned response rises from low to high and tracks the true curve.
  const free = trainGbdt({ features: numeric(3), train: X, y, params }).forest.predict(G);
  assert.ok(free[grid - 1] - free[0] > 0.8, `range ${free[0]} .. ${free[grid - 1]}`);
  for (let i = 0; i < grid; i += 10) assert.ok(Math.abs(free[i] - sigmoid(8 * (i / (grid - 1) - 0.5))) < 0.15, `at ${i}: ${free[i]}`);
  // Constrained (+1 on x0): never decreases anywhere, whatever the other features are.
  const mono = trainGbdt({ features: numeric(3), train: X, y, params: { ...params, monotone: [1] } }).forest;
  for (const other of [0.1, 0.5, 0.9]) {
    const p = mono.predict({ n: grid, columns: [G.columns[0], new Float64Array(grid).fill(other), new Float64Array(grid).fill(1 - other)] });
    for (let i = 1; i < grid; i++) assert.ok(p[i] >= p[i - 1] - 1e-12, `dip at ${i}: ${p[i - 1]} -> ${p[i]}`);
    assert.ok(p[grid - 1] - p[0] > 0.8);
  }
  // -1 gives the mirror image.
  const down = trainGbdt({ features: numeric(3), train: X, y: Float64Array.from(y, (v) => 1 - v), params: { ...params, monotone: [-1] } }).forest.predict(G);
  for (let i = 1; i < grid; i++) assert.ok(down[i] <= down[i - 1] + 1e-12);
});

test('splits a categorical feature into the right set of categories', () => {
  const n = 3000;
  const rng = createRng(7);
  const cat = Float64Array.from({ length: n }, () => 1 + rng.int(9)); // codes 1..9
  const noise = Float64Array.from({ length: n }, () => rng.next());
  const y = Float64Array.from(cat, (c) => (c === 3 || c === 7 ? 1 : 0));
  const features: FeatureSpec[] = [{ name: 'noise', kind: 'numeric' }, { name: 'cat', kind: 'categorical', cardinality: 10 }];
  const { forest } = trainGbdt({ features, train: { n, columns: [noise, cat] }, y, params: { numRounds: 20, learningRate: 0.3 } });
  assert.equal(forest.feature[forest.roots[0]], 1);
  const codes = Float64Array.from({ length: 10 }, (_, c) => c);
  const p = forest.predict({ n: 10, columns: [new Float64Array(10).fill(0.5), codes] });
  for (let c = 1; c <= 9; c++) {
    if (c === 3 || c === 7) assert.ok(p[c] > 0.9, `category ${c}: ${p[c]}`);
    else assert.ok(p[c] < 0.1, `category ${c}: ${p[c]}`);
  }
  // Unknown codes (out of range, NaN, fractional) are scored as code 0, never throw.
  const odd = forest.predict({ n: 3, columns: [new Float64Array(3), Float64Array.from([99, NaN, 2.5])] });
  for (const v of odd) assert.ok(v >= 0 && v <= 1);
});

test('learns where missing values go', () => {
  const n = 2000;
  const rng = createRng(8);
  const x = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? NaN : rng.next()));
  const y = Float64Array.from(x, (v) => (Number.isNaN(v) || v > 0.8 ? 1 : 0));
  const { forest } = trainGbdt({ features: numeric(1), train: { n, columns: [x] }, y, params: { numRounds: 30, learningRate: 0.3 } });
  const q = { n: 3, columns: [Float64Array.from([NaN, 0.2, 0.9])] };
  const p = forest.predict(q);
  assert.ok(p[0] > 0.9 && p[1] < 0.1 && p[2] > 0.9, `${[...p]}`);
  // "Every value left, missing right" splits have an infinite threshold; JSON keeps them.
  const onlyMissing = Float64Array.from(x, (v) => (Number.isNaN(v) ? 1 : 0));
  const f2 = trainGbdt({ features: numeric(1), train: { n, columns: [x] }, y: onlyMissing, params: { numRounds: 3 } }).forest;
  assert.equal(f2.threshold[f2.roots[0]], Infinity);
  assert.deepEqual(Forest.fromJSON(JSON.parse(JSON.stringify(f2.toJSON()))).predict(q), f2.predict(q));
});

test('contributions add up to the margin, JSON round trip keeps predictions', () => {
  const X = uniform(1500, 5, 9);
  const y = Float64Array.from({ length: X.n }, (_, r) => (X.columns[0][r] + X.columns[3][r] > 1 ? 1 : 0));
  const { forest } = trainGbdt({ features: numeric(5), train: X, y, params: { numRounds: 25 } });
  const margins = forest.predictMargin(X);
  for (let r = 0; r < 50; r++) {
    const { bias, values } = forest.contributions(X.columns.map((c) => c[r]));
    const sum = bias + values.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - margins[r]) < 1e-9);
    assert.equal(values[1] + values[2] + values[4] === 0 || Math.abs(values[0]) + Math.abs(values[3]) > Math.abs(values[1]) + Math.abs(values[2]) + Math.abs(values[4]), true);
  }
  const back = Forest.fromJSON(JSON.parse(JSON.stringify(forest.toJSON())));
  assert.deepEqual(back.predictMargin(X), margins);
});

test('early stopping on a validation set stops on pure noise', () => {
  const X = uniform(2000, 3, 10);
  const rng = createRng(11);
  const y = Float64Array.from({ length: X.n }, () => (rng.next() < 0.3 ? 1 : 0));
  const V = uniform(1000, 3, 12);
  const vy = Float64Array.from({ length: V.n }, () => (rng.next() < 0.3 ? 1 : 0));
  const res = trainGbdt({ features: numeric(3), train: X, y, valid: { matrix: V, y: vy }, params: { numRounds: 500, earlyStoppingRounds: 10 } });
  assert.ok(res.validLoss.length < 100, `ran ${res.validLoss.length} rounds`);
  assert.equal(res.forest.numTrees, res.bestRound);
  const a = auc(res.forest.predict(V), vy);
  assert.ok(a === null || Math.abs(a - 0.5) < 0.1);
});

test('weights shift the model toward the heavier class', () => {
  const X = uniform(2000, 2, 13);
  const rng = createRng(14);
  const y = Float64Array.from({ length: X.n }, () => (rng.next() < 0.2 ? 1 : 0));
  const plain = trainGbdt({ features: numeric(2), train: X, y, params: { numRounds: 5 } }).forest;
  const w = Float64Array.from(y, (v) => (v ? 4 : 1));
  const weighted = trainGbdt({ features: numeric(2), train: X, y, weights: w, params: { numRounds: 5 } }).forest;
  assert.ok(sigmoid(weighted.baseScore) > 0.45 && sigmoid(plain.baseScore) < 0.25);
});

test('rejects inconsistent input and parameters', () => {
  const X = uniform(10, 2, 15);
  const y = new Float64Array(10);
  y[0] = 1;
  const bad = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof TargetingError && e.code === 'invalid_argument');
  bad(() => trainGbdt({ features: numeric(3), train: X, y }));
  bad(() => trainGbdt({ features: numeric(2), train: X, y: y.subarray(0, 5) }));
  bad(() => trainGbdt({ features: numeric(2), train: X, y: Float64Array.from(y, () => 2) }));
  bad(() => trainGbdt({ features: numeric(2), train: X, y, params: { learningRate: 0 } }));
  bad(() => trainGbdt({ features: numeric(2), train: X, y, params: { numLeaves: 1 } }));
  bad(() => trainGbdt({ features: [{ name: 'c', kind: 'categorical', cardinality: 1000 }, { name: 'x', kind: 'numeric' }], train: X, y }));
});

test('a forest with broken structure is refused', () => {
  const X = uniform(500, 2, 16);
  const y = Float64Array.from(X.columns[0], (v) => (v > 0.5 ? 1 : 0));
  const json = trainGbdt({ features: numeric(2), train: X, y, params: { numRounds: 3 } }).forest.toJSON();
  const broken = structuredClone(json);
  broken.left[json.roots[0]] = json.roots[0]; // a cycle
  assert.throws(() => Forest.fromJSON(broken), /inconsistent/);
  const short = structuredClone(json);
  short.value.pop();
  assert.throws(() => Forest.fromJSON(short), /inconsistent/);
});

test('compiled trees predict exactly what the node walk predicts', () => {
  const n = 3000;
  const rng = createRng(21);
  const x = Float64Array.from({ length: n }, () => (rng.next() < 0.2 ? NaN : rng.next()));
  const z = Float64Array.from({ length: n }, () => rng.next());
  const cat = Float64Array.from({ length: n }, () => rng.int(12));
  const y = Float64Array.from({ length: n }, (_, r) => ((Number.isNaN(x[r]) ? 0.7 : x[r]) + (cat[r] % 3 === 0 ? 0.5 : 0) + 0.3 * z[r] > 0.9 ? 1 : 0));
  const features: FeatureSpec[] = [{ name: 'x', kind: 'numeric' }, { name: 'z', kind: 'numeric' }, { name: 'cat', kind: 'categorical', cardinality: 12 }];
  const { forest } = trainGbdt({ features, train: { n, columns: [x, z, cat] }, y, params: { numRounds: 30, minDataInLeaf: 5 } });
  const probe: FeatureMatrix = { n: 8, columns: [Float64Array.from([NaN, 0, 1, 0.5, -1e308, 1e308, Infinity, 0.3]), Float64Array.from([0, 1, 0.5, NaN, 0.2, 0.9, 0.1, 0.4]), Float64Array.from([0, 3, 99, NaN, 2.5, -1, 11, 6])] };
  const interpreted = Forest.fromJSON(forest.toJSON());
  (interpreted as unknown as { compiled: null }).compiled = null; // force the node walk
  for (const m of [{ n, columns: [x, z, cat] }, probe]) assert.deepEqual(forest.predictMargin(m), interpreted.predictMargin(m));
});
