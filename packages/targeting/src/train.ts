/**
 * Training a targeting model from labelled declarations.
 *
 * 1. Declarations are ordered by date and the latest `holdoutShare` of days is held out.
 * 2. The feature encoder is fitted on the earlier part; its rows get out-of-fold target
 *    statistics, the holdout rows are encoded as unseen declarations would be when scored.
 * 3. Trees are grown on the earlier part until the holdout log-loss stops improving
 *    (early stopping on a later period, as the model will be used on later declarations).
 * 4. The encoder is fitted again on all declarations, so scoring uses every label the model
 *    was given (statistics and histories up to the last training day); the trees are kept, or
 *    with `refit` grown again on all declarations for the number of rounds found in step 3.
 */
import { dayToIso, type Declaration } from './declaration.ts';
import { TargetingError } from './errors.ts';
import { FeatureEncoder, type EncoderConfig } from './features.ts';
import { DEFAULT_GBDT_PARAMS, trainGbdt, type GbdtParams } from './gbdt.ts';
import { evaluateScores } from './metrics.ts';
import { Model } from './model.ts';

/**
 * Learner settings chosen by time-based validation inside train.csv (see bench/targeting/dev.ts).
 * GOSS instead of bagging: most declarations are confidently scored after a few trees, so
 * sampling the small-gradient ones cuts training time with no loss in validation.
 */
export const DEFAULT_MODEL_PARAMS: GbdtParams = {
  ...DEFAULT_GBDT_PARAMS,
  numRounds: 1000,
  learningRate: 0.15,
  numLeaves: 31,
  minDataInLeaf: 20,
  lambdaL2: 1,
  featureFraction: 0.8,
  baggingFraction: 1,
  gossTop: 0.2,
  gossOther: 0.1,
  maxBins: 63,
  earlyStoppingRounds: 10,
};

export interface TrainOptions {
  params?: Partial<GbdtParams>;
  encoder?: Partial<EncoderConfig>;
  /** Share of the latest days held out for early stopping (default 0.15). */
  holdoutShare?: number;
  /** Rounds when there is too little data for a holdout (default 100). */
  roundsWithoutHoldout?: number;
  /** Grow the trees again on all declarations after early stopping (default false). */
  refit?: boolean;
  /**
   * Training weight of critical cases (Critical Fraud = 2) relative to other declarations
   * (default 5): above 1 ranks declarations resembling critical cases first among likely frauds.
   */
  criticalWeight?: number;
  /** Constrain the score to rise with every smoothed fraud rate feature (default true). */
  monotoneRates?: boolean;
  /** Clock for `createdAt` (tests). */
  now?: () => Date;
}

const MIN_HOLDOUT_ROWS = 200;

/** Trains a model. Throws `no_labels` when declarations lack labels or a class is absent. */
export function trainModel(rows: readonly Declaration[], options: TrainOptions = {}): Model {
  const started = performance.now();
  if (rows.length === 0) throw new TargetingError('no_labels', 'no declarations to train on');
  let frauds = 0;
  for (const d of rows) {
    if (d.fraud === null) throw new TargetingError('no_labels', `declaration ${d.declarationId || '(no id)'} has no Fraud label`);
    if (!Number.isFinite(d.day)) throw new TargetingError('invalid_argument', `declaration ${d.declarationId || '(no id)'} has no valid date`);
    frauds += d.fraud;
  }
  if (frauds === 0 || frauds === rows.length) {
    throw new TargetingError('no_labels', `training needs both fraud and non-fraud declarations (got ${frauds} frauds in ${rows.length})`);
  }
  const params: GbdtParams = { ...DEFAULT_MODEL_PARAMS, ...options.params };
  const sorted = [...rows].sort((a, b) => a.day - b.day);

  // Holdout: the latest days, whole days only.
  const share = options.holdoutShare ?? 0.15;
  if (!(share >= 0 && share < 1)) throw new TargetingError('invalid_argument', 'holdoutShare must be in [0, 1)');
  let cut = sorted.length;
  if (share > 0) {
    cut = Math.floor(sorted.length * (1 - share));
    while (cut > 0 && cut < sorted.length && sorted[cut].day === sorted[cut - 1].day) cut++;
  }
  const inner = sorted.slice(0, cut);
  const hold = sorted.slice(cut);
  const holdFrauds = hold.reduce((s, d) => s + d.fraud!, 0);
  const innerFrauds = inner.reduce((s, d) => s + d.fraud!, 0);
  const useHoldout = hold.length >= MIN_HOLDOUT_ROWS && holdFrauds > 0 && holdFrauds < hold.length
    && innerFrauds > 0 && innerFrauds < inner.length;

  const fitRows = useHoldout ? inner : sorted;
  const encoder = FeatureEncoder.fit(fitRows, options.encoder);
  if ((options.monotoneRates ?? true) && !options.params?.monotone) {
    params.monotone = encoder.features.map((f) => (f.name.startsWith('rate:') || f.name.startsWith('critical:') || /^hist:.*:rate$/.test(f.name) ? 1 : 0));
  }
  const X = encoder.transformTraining(fitRows);
  const y = Float64Array.from(fitRows, (d) => d.fraud!);
  const cw = options.criticalWeight ?? 5;
  if (!(cw > 0 && cw <= 100)) throw new TargetingError('invalid_argument', 'criticalWeight must be in (0, 100]');
  const weightsOf = (rs: readonly Declaration[]) => (cw === 1 ? undefined : Float64Array.from(rs, (d) => (d.criticalFraud === 2 ? cw : 1)));
  let holdMetrics = null;
  let scoreReference: number[] = [];
  let rounds: number;
  let result;
  if (useHoldout) {
    const Xh = encoder.transform(hold);
    const yh = Float64Array.from(hold, (d) => d.fraud!);
    result = trainGbdt({ features: encoder.features, train: X, y, weights: weightsOf(fitRows), valid: { matrix: Xh, y: yh }, params });
    rounds = result.bestRound;
    const holdScores = result.forest.predict(Xh);
    holdMetrics = evaluateScores(holdScores, yh, hold.map((d) => d.criticalFraud ?? 0));
    scoreReference = topShareQuantiles(holdScores);
  } else {
    rounds = options.roundsWithoutHoldout ?? 100;
    result = trainGbdt({ features: encoder.features, train: X, y, weights: weightsOf(fitRows), params: { ...params, numRounds: rounds, earlyStoppingRounds: 0 } });
  }
  let forest = result.forest;
  const inSampleScores = forest.predict(X);
  let inSample = evaluateScores(inSampleScores, y, fitRows.map((d) => d.criticalFraud ?? 0));
  if (!useHoldout) scoreReference = topShareQuantiles(inSampleScores);

  // Final encoder on all declarations (the trees read the same features, with more history).
  let finalEncoder = encoder;
  if (useHoldout) {
    finalEncoder = FeatureEncoder.fit(sorted, options.encoder, encoder);
    if (options.refit) {
      const Xall = finalEncoder.transformTraining(sorted);
      const yall = Float64Array.from(sorted, (d) => d.fraud!);
      rounds = Math.max(1, Math.round(rounds * sorted.length / inner.length));
      forest = trainGbdt({ features: finalEncoder.features, train: Xall, y: yall, weights: weightsOf(sorted), params: { ...params, numRounds: rounds, earlyStoppingRounds: 0 } }).forest;
      inSample = evaluateScores(forest.predict(Xall), yall, sorted.map((d) => d.criticalFraud ?? 0));
    }
  }

  const now = options.now?.() ?? new Date();
  return new Model({
    createdAt: now.toISOString(),
    trainedFrom: dayToIso(sorted[0].day),
    trainedTo: dayToIso(sorted[sorted.length - 1].day),
    trainingRows: sorted.length,
    trainingFrauds: frauds,
    holdout: useHoldout
      ? { from: dayToIso(hold[0].day), to: dayToIso(hold[hold.length - 1].day), rows: hold.length, metrics: holdMetrics }
      : { from: '', to: '', rows: 0, metrics: null },
    inSample,
    scoreReference,
    rounds: forest.numTrees,
    params,
    trainSeconds: +((performance.now() - started) / 1000).toFixed(3),
  }, finalEncoder, forest);
}

/** Entry k: the score at the top (k+1)/1000 share of `scores`. */
function topShareQuantiles(scores: Float64Array): number[] {
  const s = Float64Array.from(scores).sort().reverse();
  const out: number[] = [];
  for (let k = 1; k <= 1000; k++) out.push(+s[Math.max(0, Math.ceil((s.length * k) / 1000) - 1)].toPrecision(12));
  return out;
}
