/**
 * A trained targeting model: the fitted feature encoder plus the forest, with its provenance
 * (training data range, metrics, parameters). Serialized as JSON with a format version and a
 * SHA-256 checksum over the canonical JSON of the payload; loading checks both and the
 * consistency of every part, so a truncated, corrupted or edited file is refused.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { parseDeclarationRecords } from './csv.ts';
import type { Declaration, DeclarationRecord, RowProblem } from './declaration.ts';
import { TargetingError } from './errors.ts';
import { FeatureEncoder, type EncoderState, type FeatureInfo } from './features.ts';
import { Forest, sigmoid, type ForestJson, type GbdtParams } from './gbdt.ts';
import { evaluateScores, type TargetingMetrics } from './metrics.ts';
import { channelThresholds, type ChannelThresholds } from './selection.ts';

export const MODEL_FORMAT = 'rvi-targeting-model';
export const MODEL_FORMAT_VERSION = 1;

export interface ModelInfo {
  /** Model id: the first 16 hex digits of the checksum (set when serialized). */
  id?: string;
  createdAt: string;
  /** First and last declaration date used for training (ISO). */
  trainedFrom: string;
  trainedTo: string;
  trainingRows: number;
  trainingFrauds: number;
  /** Time-ordered holdout inside the training data (used for early stopping). */
  holdout: { from: string; to: string; rows: number; metrics: TargetingMetrics | null };
  /** Figures on the training rows with their out-of-fold features (what the trees were fitted on). */
  inSample: TargetingMetrics | null;
  /** Optional: figures on a separate validation window, added by whoever evaluates the model. */
  validation?: { from: string; to: string; metrics: TargetingMetrics } | null;
  /**
   * Score distribution on the holdout: entry k is the score at the top (k+1)/1000 share, so
   * channel thresholds for any inspection rate can be derived from the model alone.
   */
  scoreReference: number[];
  rounds: number;
  params: GbdtParams;
  trainSeconds: number;
}

interface ModelPayload {
  info: ModelInfo;
  features: string[];
  encoder: EncoderState;
  forest: ForestJson;
}

interface ModelFile {
  format: string;
  formatVersion: number;
  checksum: string;
  payload: ModelPayload;
}

export interface ExplanationItem {
  /** Feature group, e.g. 'key:hsPrice', 'hist:importer', 'unitValue'. */
  group: string;
  /** Words for the inspector, e.g. "HS6 code and price". */
  label: string;
  /** The declaration's value(s) behind the group, e.g. "HS6 code 071080, item price 31824000". */
  input: string;
  /** Contribution to the log-odds of fraud (positive raises the score). */
  contribution: number;
  /** The individual features of the group with their values and contributions. */
  features: { name: string; label: string; value: number | null; contribution: number }[];
}

export interface Explanation {
  score: number;
  /** Score of an average declaration (the model's starting point, as a probability). */
  baseScore: number;
  /** The groups pushing this score up, strongest first. */
  up: ExplanationItem[];
  /** The groups pushing this score down, strongest first. */
  down: ExplanationItem[];
}

export interface FeatureImportance {
  name: string;
  label: string;
  /** Total split gain, and its share of the model's total. */
  gain: number;
  share: number;
  splits: number;
}

export class Model {
  /** Provenance and figures; treat as read-only (the id is a checksum over it). */
  readonly info: ModelInfo;
  readonly encoder: FeatureEncoder;
  readonly forest: Forest;

  constructor(info: ModelInfo, encoder: FeatureEncoder, forest: Forest) {
    if (encoder.features.length !== forest.features.length || encoder.features.some((f, i) => f.name !== forest.features[i].name
      || f.kind !== forest.features[i].kind || (f.cardinality ?? 0) !== (forest.features[i].cardinality ?? 0))) {
      throw new TargetingError('model_corrupt', 'the model trees and the feature encoder do not match');
    }
    this.info = info;
    this.encoder = encoder;
    this.forest = forest;
  }

  get features(): readonly FeatureInfo[] { return this.encoder.features; }

  /** Fraud probability for each declaration (same order). Never throws on values. */
  score(rows: readonly Declaration[]): Float64Array {
    if (rows.length === 0) return new Float64Array(0);
    return this.forest.predict(this.encoder.transformForScoring(rows));
  }

  /**
   * Scores stored records (canonical column names). Invalid values and absent columns are
   * scored as missing and reported in `problems`.
   */
  scoreRecords(records: readonly DeclarationRecord[]): { scores: Float64Array; problems: RowProblem[] } {
    const parsed = parseDeclarationRecords(records, { requireColumns: false });
    return { scores: this.score(parsed.declarations), problems: parsed.problems };
  }

  /**
   * Why a declaration scored as it did: the `k` feature groups pushing the score up and the `k`
   * pushing it down, with the declaration's values. Contributions are per-feature changes of
   * the tree outputs along each decision path (Saabas), summed over trees and over the features
   * of a group; base + all contributions = the score's log-odds.
   */
  explain(row: Declaration, k = 5): Explanation {
    const m = this.encoder.transform([row]);
    const x = m.columns.map((c) => c[0]);
    const { bias, values } = this.forest.contributions(x);
    let margin = bias;
    const groups = new Map<string, ExplanationItem>();
    this.features.forEach((f, i) => {
      margin += values[i];
      const g = f.source;
      let item = groups.get(g);
      if (!item) {
        item = { group: g, label: groupLabel(f), input: this.encoder.describeInput(f, row), contribution: 0, features: [] };
        groups.set(g, item);
      }
      item.contribution += values[i];
      if (values[i] !== 0) item.features.push({ name: f.name, label: f.label, value: Number.isFinite(x[i]) ? x[i] : null, contribution: values[i] });
    });
    const items = [...groups.values()].filter((g) => g.contribution !== 0);
    for (const it of items) it.features.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    const up = items.filter((g) => g.contribution > 0).sort((a, b) => b.contribution - a.contribution).slice(0, k);
    const down = items.filter((g) => g.contribution < 0).sort((a, b) => a.contribution - b.contribution).slice(0, k);
    return { score: sigmoid(margin), baseScore: sigmoid(bias), up, down };
  }

  /** Green / yellow / red thresholds for an inspection rate, from the model's holdout scores. */
  channelThresholds(inspectionRate: number, yellowRate = inspectionRate): ChannelThresholds {
    return channelThresholds(this.info.scoreReference, inspectionRate, yellowRate);
  }

  /** Features by total split gain. */
  featureImportance(): FeatureImportance[] {
    const { gain, splits } = this.forest.importance();
    let total = 0;
    for (const g of gain) total += g;
    return this.features
      .map((f, i) => ({ name: f.name, label: f.label, gain: gain[i], share: total > 0 ? gain[i] / total : 0, splits: splits[i] }))
      .sort((a, b) => b.gain - a.gain);
  }

  private canonicalPayload(): string {
    const payload: ModelPayload = {
      info: stripUndefined({ ...this.info, id: undefined }) as ModelInfo,
      features: this.features.map((f) => f.name),
      encoder: this.encoder.state,
      forest: this.forest.toJSON(),
    };
    return canonicalJson(payload);
  }

  /** The model file's text (JSON with format, version and checksum). */
  serialize(): string {
    const canonical = this.canonicalPayload();
    const checksum = sha256Hex(canonical);
    this.cachedId = checksum.slice(0, 16);
    return `{"format":${JSON.stringify(MODEL_FORMAT)},"formatVersion":${MODEL_FORMAT_VERSION},"checksum":"sha256:${checksum}","payload":${canonical}}\n`;
  }

  private cachedId: string | null = null;

  /** Model id: the first 16 hex digits of the payload checksum (stable across save and load). */
  get id(): string {
    return this.info.id ?? (this.cachedId ??= sha256Hex(this.canonicalPayload()).slice(0, 16));
  }

  /** Writes the model file atomically (temp file, then rename). */
  save(path: string): void {
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, this.serialize());
    renameSync(tmp, path);
  }
}

function groupLabel(f: FeatureInfo): string {
  const src = f.source;
  if (src.startsWith('key:')) return `same ${f.label.replace(/^(declarations with the same|fraud rate of the same|labelled declarations with the same|critical-case rate of the same) /, '')}`;
  if (src.startsWith('hist:')) return `${src.slice(5)} history`;
  if (src.startsWith('cat:')) return f.label;
  if (src === 'unitValue') return 'unit value';
  return f.label;
}

function stripUndefined<T extends object>(o: T): T {
  return JSON.parse(JSON.stringify(o));
}

/**
 * Figures of a model on labelled declarations (e.g. the validation window of the registry:
 * a new model is activated only if it is not worse there). Unlabelled declarations are skipped.
 */
export function evaluateModel(model: Model, rows: readonly Declaration[]): TargetingMetrics {
  const labelled = rows.filter((d) => d.fraud !== null);
  const scores = model.score(labelled);
  return evaluateScores(scores, labelled.map((d) => d.fraud!), labelled.map((d) => d.criticalFraud ?? 0));
}

/**
 * Loads a model from its file text (or parsed JSON). Throws `model_corrupt` for unreadable,
 * truncated or tampered content, `model_version` for an unsupported format version.
 */
export function loadModel(source: string | unknown): Model {
  let file: ModelFile;
  if (typeof source === 'string') {
    try { file = JSON.parse(source); } catch (e) {
      throw new TargetingError('model_corrupt', `model file is not valid JSON (truncated or corrupted): ${(e as Error).message}`);
    }
  } else file = source as ModelFile;
  if (!file || typeof file !== 'object') throw new TargetingError('model_corrupt', 'model file does not contain a JSON object');
  if (file.format !== MODEL_FORMAT) throw new TargetingError('model_corrupt', `not a targeting model file (format ${JSON.stringify(file.format)})`);
  if (file.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new TargetingError('model_version', `model format version ${JSON.stringify(file.formatVersion)} is not supported (this build reads version ${MODEL_FORMAT_VERSION})`);
  }
  if (typeof file.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(file.checksum)) throw new TargetingError('model_corrupt', 'model checksum is missing or malformed');
  if (!file.payload || typeof file.payload !== 'object') throw new TargetingError('model_corrupt', 'model payload is missing');
  let actual: string;
  try { actual = sha256Hex(canonicalJson(file.payload)); } catch (e) {
    throw new TargetingError('model_corrupt', `model payload is not canonical JSON: ${(e as Error).message}`);
  }
  if (`sha256:${actual}` !== file.checksum) {
    throw new TargetingError('model_corrupt', 'model checksum does not match its content: the file was corrupted or modified');
  }
  const p = file.payload;
  if (!p.info || !Array.isArray(p.features) || !p.encoder || !p.forest) throw new TargetingError('model_corrupt', 'model payload lacks info, features, encoder or trees');
  try {
    const encoder = FeatureEncoder.fromState(p.encoder);
    const forest = Forest.fromJSON(p.forest);
    const names = encoder.features.map((f) => f.name);
    if (names.length !== p.features.length || names.some((n, i) => n !== p.features[i])) {
      throw new TargetingError('model_corrupt', 'model feature list does not match its encoder');
    }
    return new Model({ ...p.info, id: file.checksum.slice(7, 23) }, encoder, forest);
  } catch (e) {
    if (e instanceof TargetingError) throw e;
    throw new TargetingError('model_corrupt', `model content is inconsistent: ${(e as Error).message}`);
  }
}

/** Reads and loads a model file. */
export function readModelFile(path: string): Model {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new TargetingError('invalid_argument', `cannot read model file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return loadModel(text);
}
