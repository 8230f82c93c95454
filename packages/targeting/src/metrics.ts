/**
 * Targeting metrics. "Precision at n %" is what customs use: of the top n % of declarations by
 * score, the share where fraud was found. Ties in score are broken by input order, so a metric
 * never depends on the sort algorithm.
 */

/** Indices of the rows ordered by descending score (stable). */
export function rankByScore(scores: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const s = Float64Array.from(scores as ArrayLike<number>, (v) => (Number.isNaN(v) ? -Infinity : v));
  return idx.sort((a, b) => (s[b] - s[a]) || (a - b));
}

/** Number of declarations inspected at rate `share` (0..1] of `n`: ceil, at least 1 when n > 0. */
export function quotaFor(n: number, share: number): number {
  if (!(share >= 0 && share <= 1)) throw new RangeError(`inspection share must be in [0, 1], got ${share}`);
  if (n === 0 || share === 0) return 0;
  return Math.min(n, Math.max(1, Math.ceil(n * share - 1e-9)));
}

/** Share with fraud (label 1) among the top `share` of rows by score. */
export function precisionAt(scores: ArrayLike<number>, fraud: ArrayLike<number>, share: number, order = rankByScore(scores)): number {
  const k = quotaFor(scores.length, share);
  if (k === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < k; i++) hits += fraud[order[i]] > 0 ? 1 : 0;
  return hits / k;
}

/** Share of all frauds that fall within the top `share` of rows by score. */
export function recallAt(scores: ArrayLike<number>, fraud: ArrayLike<number>, share: number, order = rankByScore(scores)): number {
  let total = 0;
  for (let i = 0; i < fraud.length; i++) total += fraud[i] > 0 ? 1 : 0;
  if (total === 0) return NaN;
  const k = quotaFor(scores.length, share);
  let hits = 0;
  for (let i = 0; i < k; i++) hits += fraud[order[i]] > 0 ? 1 : 0;
  return hits / total;
}

/** Critical cases (Critical Fraud = 2) in the top `share` / all critical cases. */
export function criticalRecallAt(scores: ArrayLike<number>, critical: ArrayLike<number>, share: number, order = rankByScore(scores)): number {
  let total = 0;
  for (let i = 0; i < critical.length; i++) total += critical[i] === 2 ? 1 : 0;
  if (total === 0) return NaN;
  const k = quotaFor(scores.length, share);
  let hits = 0;
  for (let i = 0; i < k; i++) hits += critical[order[i]] === 2 ? 1 : 0;
  return hits / total;
}

/** Area under the ROC curve (ties count one half). NaN when one class is absent. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const s = Float64Array.from(scores as ArrayLike<number>, (v) => (Number.isNaN(v) ? -Infinity : v));
  idx.sort((a, b) => s[a] - s[b]);
  let rankSum = 0, pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1]] === s[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] > 0) { rankSum += avgRank; pos++; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean log-loss of probabilities against 0/1 labels. */
export function logLoss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]));
    s -= labels[i] > 0 ? Math.log(p) : Math.log(1 - p);
  }
  return s / Math.max(1, probs.length);
}

/** Figures for a scored, labelled set; null where undefined (e.g. no critical case). */
export interface TargetingMetrics {
  rows: number;
  frauds: number;
  p1: number | null; p2: number | null; p5: number | null; p10: number | null;
  r5: number | null; r10: number | null;
  crit_r10: number | null;
  auc: number | null;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** The standard set of figures for a scored, labelled set of declarations. */
export function evaluateScores(scores: ArrayLike<number>, fraud: ArrayLike<number>, critical?: ArrayLike<number>): TargetingMetrics {
  const order = rankByScore(scores);
  let frauds = 0;
  for (let i = 0; i < fraud.length; i++) frauds += fraud[i] > 0 ? 1 : 0;
  return {
    rows: scores.length,
    frauds,
    p1: finite(precisionAt(scores, fraud, 0.01, order)),
    p2: finite(precisionAt(scores, fraud, 0.02, order)),
    p5: finite(precisionAt(scores, fraud, 0.05, order)),
    p10: finite(precisionAt(scores, fraud, 0.1, order)),
    r5: finite(recallAt(scores, fraud, 0.05, order)),
    r10: finite(recallAt(scores, fraud, 0.1, order)),
    crit_r10: critical ? finite(criticalRecallAt(scores, critical, 0.1, order)) : null,
    auc: finite(auc(scores, fraud)),
  };
}

/** Precision at each inspection rate (for a precision-at-rate chart). */
export function precisionCurve(scores: ArrayLike<number>, fraud: ArrayLike<number>, shares: readonly number[]): { share: number; precision: number; recall: number }[] {
  const order = rankByScore(scores);
  return shares.map((share) => ({ share, precision: precisionAt(scores, fraud, share, order), recall: recallAt(scores, fraud, share, order) }));
}
