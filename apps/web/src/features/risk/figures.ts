/**
 * Pure helpers of the targeting views: reading the model registry's figures and a score's explanation defensively
 * (both are stored JSON), chart geometry, and the office settings form. No DOM, no i18n: unit-tested in Node.
 */

/** Figures of a scored, labelled set (as the targeting package computes them); null where undefined. */
export interface TargetingMetrics {
  rows: number;
  frauds: number;
  p1: number | null; p2: number | null; p5: number | null; p10: number | null;
  r5: number | null; r10: number | null;
  crit_r10: number | null;
  auc: number | null;
}

/** The figures shown for a model, in reading order: precision at 1/2/5/10 %, recall at 5/10 %, critical recall, AUC. */
export const METRIC_KEYS = ['p1', 'p2', 'p5', 'p10', 'r5', 'r10', 'crit_r10', 'auc'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export interface FigureWindow {
  from: string | null;
  to: string | null;
  rows: number | null;
}

export interface ModelFigures {
  /** Time-ordered holdout inside the training data. */
  holdout: (FigureWindow & { metrics: TargetingMetrics }) | null;
  /** A later validation window never trained on: this model, and the model that was active when it was trained. */
  validation: (FigureWindow & { candidate: TargetingMetrics; previous: TargetingMetrics | null }) | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function readMetrics(v: unknown): TargetingMetrics | null {
  if (!isObj(v)) return null;
  const m = {
    rows: num(v.rows) ?? 0, frauds: num(v.frauds) ?? 0,
    p1: num(v.p1), p2: num(v.p2), p5: num(v.p5), p10: num(v.p10), r5: num(v.r5), r10: num(v.r10),
    crit_r10: num(v.crit_r10), auc: num(v.auc),
  };
  return METRIC_KEYS.some((k) => m[k] !== null) ? m : null;
}

/** The registry's `metrics` JSON (`{ holdout: {from,to,rows,metrics}, validation: {from,to,rows,candidate,active} }`). */
export function modelFigures(metrics: unknown): ModelFigures {
  const m = isObj(metrics) ? metrics : {};
  const h = isObj(m.holdout) ? m.holdout : null;
  const hm = h ? readMetrics(h.metrics) : null;
  const v = isObj(m.validation) ? m.validation : null;
  const vc = v ? readMetrics(v.candidate) : null;
  return {
    holdout: h && hm ? { from: str(h.from), to: str(h.to), rows: num(h.rows), metrics: hm } : null,
    validation: v && vc ? { from: str(v.from), to: str(v.to), rows: num(v.rows), candidate: vc, previous: readMetrics(v.active) } : null,
  };
}

/** The figures to quote for a model in one line: the validation window's when there is one, else the holdout's. */
export function headlineFigures(metrics: unknown): { source: 'validation' | 'holdout'; metrics: TargetingMetrics } | null {
  const f = modelFigures(metrics);
  if (f.validation) return { source: 'validation', metrics: f.validation.candidate };
  if (f.holdout) return { source: 'holdout', metrics: f.holdout.metrics };
  return null;
}

/**
 * How to show a probability as a percentage: one decimal, two when one would make it look certain (0.996 is
 * "99.6 %" but 0.9996 is "99.96 %", not "100 %"), and a bound beyond that ("> 99.99 %", "< 0.01 %"). An inspector
 * must not take a score for a fact.
 */
export function scoreDisplay(v: number): { value: number; digits: number; prefix: '' | '>' | '<' } {
  for (const d of [1, 2]) {
    const x = Math.round(v * 100 * 10 ** d) / 10 ** d;
    if ((v >= 1 || x < 100) && (v <= 0 || x > 0)) return { value: v, digits: d, prefix: '' };
  }
  return v > 0.5 ? { value: 0.9999, digits: 2, prefix: '>' } : { value: 0.0001, digits: 2, prefix: '<' };
}

// ---------- explanation of a score ----------

export interface ExplanationFactor {
  direction: 'up' | 'down';
  /** the model's feature group ('key:hsPrice', 'hist:importer', 'unitValue', …): the key of its plain-words label */
  group: string;
  label: string;
  /** The declaration's value(s) behind the factor, as text. */
  input: string;
  /** Contribution to the log-odds of fraud (positive raises the score). */
  contribution: number;
  /** |contribution| relative to the largest factor shown, 0..1, for bar lengths. */
  magnitude: number;
  /**
   * The same in percentage points of the score: how far the score would fall (or rise) without this factor alone,
   * all others kept (null when the score is unknown). Points of different factors do not add up exactly: the
   * model adds on the log-odds scale, so a factor moves the score more where it is near 50 %.
   */
  points: number | null;
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Percentage points a log-odds contribution adds to a score: score − the score without it. */
export function contributionPoints(score: number | null, contribution: number): number | null {
  if (score === null || !(score > 0 && score < 1)) return null;
  return (score - sigmoid(logit(score) - contribution)) * 100;
}

export interface ExplanationView {
  score: number | null;
  baseScore: number | null;
  factors: ExplanationFactor[];
}

function readFactors(v: unknown, direction: 'up' | 'down'): Omit<ExplanationFactor, 'magnitude' | 'points'>[] {
  if (!Array.isArray(v)) return [];
  const out: Omit<ExplanationFactor, 'magnitude' | 'points'>[] = [];
  for (const it of v) {
    if (!isObj(it)) continue;
    const c = num(it.contribution);
    if (c === null || c === 0) continue;
    // a factor is listed on the side its sign says, whatever list it came in
    if ((direction === 'up') !== (c > 0)) continue;
    out.push({ direction, group: str(it.group) ?? '', label: str(it.label) ?? str(it.group) ?? '?', input: typeof it.input === 'string' ? it.input : '', contribution: c });
  }
  return out;
}

/** The stored explanation (`{ score, baseScore, up: [...], down: [...] }`) as rows for a bar chart: up first, strongest first. */
export function explanationView(explanation: unknown): ExplanationView | null {
  if (!isObj(explanation)) return null;
  const up = readFactors(explanation.up, 'up').sort((a, b) => b.contribution - a.contribution);
  const down = readFactors(explanation.down, 'down').sort((a, b) => a.contribution - b.contribution);
  const all = [...up, ...down];
  if (!all.length) return null;
  const max = Math.max(...all.map((f) => Math.abs(f.contribution)));
  const score = num(explanation.score);
  return {
    score,
    baseScore: num(explanation.baseScore),
    factors: all.map((f) => ({ ...f, magnitude: max > 0 ? Math.abs(f.contribution) / max : 0, points: contributionPoints(score, f.contribution) })),
  };
}

// ---------- precision-at-inspection-rate chart ----------

export interface CurvePoint { share: number; precision: number; recall: number }

/** Valid curve points (shares in (0, 1], values in [0, 1]), by share. */
export function cleanCurve(curve: unknown): CurvePoint[] {
  if (!Array.isArray(curve)) return [];
  const out: CurvePoint[] = [];
  for (const p of curve) {
    if (!isObj(p)) continue;
    const share = num(p.share), precision = num(p.precision), recall = num(p.recall);
    if (share === null || share <= 0 || share > 1 || precision === null || recall === null) continue;
    out.push({ share, precision: clamp01(precision), recall: clamp01(recall) });
  }
  return out.sort((a, b) => a.share - b.share);
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export interface ChartBox { width: number; height: number; left: number; right: number; top: number; bottom: number }

export interface CurveGeometry {
  /** Maps an inspection rate to an x coordinate (log scale: 1 % and 2 % matter as much as 20 % and 40 %). */
  x(share: number): number;
  y(value: number): number;
  precisionPath: string;
  recallPath: string;
  xTicks: { share: number; x: number }[];
  yTicks: { value: number; y: number }[];
}

const NICE_SHARES = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

export function curveGeometry(points: readonly CurvePoint[], box: ChartBox): CurveGeometry {
  const lo = points.length ? points[0].share : 0.01;
  const hi = points.length ? points[points.length - 1].share : 0.5;
  const l0 = Math.log(lo), l1 = Math.log(hi);
  const span = l1 - l0 || 1;
  const x0 = box.left, x1 = box.width - box.right;
  const y0 = box.height - box.bottom, y1 = box.top;
  const x = (share: number) => {
    const v = Math.log(Math.min(hi, Math.max(lo, share)));
    return points.length > 1 ? x0 + ((v - l0) / span) * (x1 - x0) : (x0 + x1) / 2;
  };
  const y = (value: number) => y0 - clamp01(value) * (y0 - y1);
  const path = (pick: (p: CurvePoint) => number) =>
    points.map((p, i) => `${i ? 'L' : 'M'}${x(p.share).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ');
  const ticks = NICE_SHARES.filter((s) => s >= lo - 1e-9 && s <= hi + 1e-9);
  return {
    x, y,
    precisionPath: path((p) => p.precision),
    recallPath: path((p) => p.recall),
    xTicks: (ticks.length ? ticks : points.map((p) => p.share)).map((share) => ({ share, x: x(share) })),
    yTicks: [0, 0.25, 0.5, 0.75, 1].map((value) => ({ value, y: y(value) })),
  };
}

// ---------- office settings form ----------

export interface SettingsValue { inspectionRate: number; randomShare: number }
export type SettingsProblem = 'required' | 'notANumber' | 'range';

/**
 * The settings form holds percentages as typed ("5", "2,5"); the API takes shares (0.05). Returns the value or, per
 * field, what is wrong.
 */
export function settingsFromPercent(ratePct: string, sharePct: string): { value: SettingsValue | null; problems: Partial<Record<keyof SettingsValue, SettingsProblem>> } {
  const problems: Partial<Record<keyof SettingsValue, SettingsProblem>> = {};
  const read = (field: keyof SettingsValue, text: string): number | null => {
    const s = text.trim().replace(',', '.').replace(/\s*%$/, '');
    if (!s) { problems[field] = 'required'; return null; }
    if (!/^\d+(\.\d+)?$|^\.\d+$/.test(s)) { problems[field] = 'notANumber'; return null; }
    const v = Number(s);
    if (!(v >= 0 && v <= 100)) { problems[field] = 'range'; return null; }
    // keep what was typed: 2.5 % → 0.025, not 0.025000000000000001
    return Number((v / 100).toPrecision(12));
  };
  const inspectionRate = read('inspectionRate', ratePct);
  const randomShare = read('randomShare', sharePct);
  if (inspectionRate === null || randomShare === null) return { value: null, problems };
  return { value: { inspectionRate, randomShare }, problems };
}

/** A share as the percentage text the form shows (0.05 → "5", 0.025 → "2.5"). */
export function percentText(share: number): string {
  return String(Number((share * 100).toPrecision(10)));
}

/** How many of a draw were selected by risk and at random. */
export function selectionCounts(selected: readonly { reason: string }[]): { risk: number; random: number } {
  let risk = 0, random = 0;
  for (const s of selected) {
    if (s.reason === 'risk') risk++;
    else if (s.reason === 'random') random++;
  }
  return { risk, random };
}
