/**
 * Feature engineering for declarations.
 *
 * Fitted once on the labelled training declarations, the `FeatureEncoder` turns declarations
 * into a numeric matrix for the trees:
 *  - native categorical codes for the small code lists (office, import type and use, payment
 *    type, transport mode, tax type, origin-marking method, countries, HS chapter, courier);
 *  - target statistics (smoothed fraud rate, and the number of labelled declarations, which is
 *    also the frequency encoding) for the ID-like columns (importer, declarant, seller), the HS6
 *    code and its HS4 parent, tax rate and type, price, mass, unit value and combinations of them
 *    (same HS6 code and price, …); for three of these the rate of critical cases too. For the
 *    training rows the statistics are out-of-fold (the row's own fold is left out, its prior
 *    too), so a row never sees its own label; when scoring, all training declarations are used;
 *    optional plain frequency counts (`countKeys`);
 *  - history of the importer and the declarant (earlier declarations, frauds, fraud rate, days
 *    since the previous one) from declarations dated strictly before the scored one, looked up
 *    by date, in training and in scoring alike;
 *  - unit value (price per kg), its deviation from the typical unit value of the same HS6
 *    code (falling back to the HS4 / HS2 parent), tax rate, duty, mass and price.
 *
 * The scores of a declaration depend only on the encoder state and the declaration itself, never
 * on the other declarations of the batch: the server may score them one by one.
 */
import type { Declaration } from './declaration.ts';
import type { FeatureMatrix, FeatureSpec } from './gbdt.ts';
import { createRng } from './rng.ts';
import { TargetingError } from './errors.ts';
import { NumberIndex, NumberIndexBuilder, StringIndex, StringIndexBuilder } from './number-index.ts';

// ---------------------------------------------------------------------------------------------
// Atoms and keys

/**
 * An atom is one value of a declaration (a column or a derived value such as the HS4 heading).
 * Every atom value seen in training gets an integer id; keys (groupings such as "same HS6 code
 * and price") combine atom ids into one number, so scoring needs no string building.
 */
interface AtomDef {
  kind: 'text' | 'number';
  get: (d: Declaration) => string | number;
  label: string;
  /** A prefix of another text atom (HS4 / HS2 of the HS6 code): derived from its id when known. */
  prefixOf?: { atom: Atom; length: number };
}

const unitValue = (d: Declaration): number =>
  d.netMass > 0 && Number.isFinite(d.itemPrice) ? d.itemPrice / d.netMass : NaN;
/**
 * Unit value as a grouping key: rounded to single precision, which merges the float noise of
 * price / mass (price = mass × unit price) without merging distinct declared unit prices.
 */
const roundedUnitValue = (d: Declaration): number => Math.fround(unitValue(d));

type Atom = 'importer' | 'declarant' | 'seller' | 'courier' | 'office' | 'processType' | 'importType' | 'importUse'
  | 'paymentType' | 'transport' | 'hs6' | 'hs4' | 'hs2' | 'departure' | 'origin' | 'taxType' | 'originIndicator'
  | 'taxRate' | 'price' | 'mass' | 'unitValue';
export type { Atom };

export const ATOMS: Record<Atom, AtomDef> = {
  importer: { kind: 'text', get: (d) => d.importerId, label: 'importer' },
  declarant: { kind: 'text', get: (d) => d.declarantId, label: 'declarant' },
  seller: { kind: 'text', get: (d) => d.sellerId, label: 'seller' },
  courier: { kind: 'text', get: (d) => d.courierId, label: 'courier' },
  office: { kind: 'text', get: (d) => d.officeId, label: 'customs office' },
  processType: { kind: 'text', get: (d) => d.processType, label: 'process type' },
  importType: { kind: 'text', get: (d) => d.importType, label: 'import type' },
  importUse: { kind: 'text', get: (d) => d.importUse, label: 'import use' },
  paymentType: { kind: 'text', get: (d) => d.paymentType, label: 'payment type' },
  transport: { kind: 'text', get: (d) => d.modeOfTransport, label: 'mode of transport' },
  hs6: { kind: 'text', get: (d) => d.hs6, label: 'HS6 code' },
  hs4: { kind: 'text', get: (d) => d.hs6.slice(0, 4), label: 'HS4 heading', prefixOf: { atom: 'hs6', length: 4 } },
  hs2: { kind: 'text', get: (d) => d.hs6.slice(0, 2), label: 'HS2 chapter', prefixOf: { atom: 'hs6', length: 2 } },
  departure: { kind: 'text', get: (d) => d.countryOfDeparture, label: 'country of departure' },
  origin: { kind: 'text', get: (d) => d.countryOfOrigin, label: 'country of origin' },
  taxType: { kind: 'text', get: (d) => d.taxType, label: 'tax type' },
  originIndicator: { kind: 'text', get: (d) => d.originIndicator, label: 'origin marking' },
  taxRate: { kind: 'number', get: (d) => d.taxRate, label: 'tax rate' },
  price: { kind: 'number', get: (d) => d.itemPrice, label: 'item price' },
  mass: { kind: 'number', get: (d) => d.netMass, label: 'net mass' },
  unitValue: { kind: 'number', get: roundedUnitValue, label: 'unit value' },
};

export interface KeyDef {
  atoms: Atom[];
  /** Words for explanations: "declarations with the same …". */
  label: string;
}

/** Every grouping the encoder can use; the configuration picks which get which encodings. */
export const KEYS: Record<string, KeyDef> = {
  importer: { atoms: ['importer'], label: 'importer' },
  declarant: { atoms: ['declarant'], label: 'declarant' },
  seller: { atoms: ['seller'], label: 'seller' },
  courier: { atoms: ['courier'], label: 'courier' },
  office: { atoms: ['office'], label: 'customs office' },
  hs6: { atoms: ['hs6'], label: 'HS6 code' },
  hs4: { atoms: ['hs4'], label: 'HS4 heading' },
  hs2: { atoms: ['hs2'], label: 'HS2 chapter' },
  departure: { atoms: ['departure'], label: 'country of departure' },
  origin: { atoms: ['origin'], label: 'country of origin' },
  taxType: { atoms: ['taxType'], label: 'tax type' },
  taxRateType: { atoms: ['taxRate', 'taxType'], label: 'tax rate and type' },
  price: { atoms: ['price'], label: 'item price' },
  mass: { atoms: ['mass'], label: 'net mass' },
  unitValue: { atoms: ['unitValue'], label: 'unit value' },
  hsPrice: { atoms: ['hs6', 'price'], label: 'HS6 code and price' },
  hsMass: { atoms: ['hs6', 'mass'], label: 'HS6 code and mass' },
  massPrice: { atoms: ['mass', 'price'], label: 'mass and price' },
  hsUnitValue: { atoms: ['hs6', 'unitValue'], label: 'HS6 code and unit value' },
  hsOrigin: { atoms: ['hs6', 'origin'], label: 'HS6 code and origin' },
  hsDepartureOrigin: { atoms: ['hs6', 'departure', 'origin'], label: 'HS6 code, departure and origin' },
  hsOriginTax: { atoms: ['hs6', 'origin', 'taxType'], label: 'HS6 code, origin and tax type' },
  hsTax: { atoms: ['hs6', 'taxRate', 'taxType'], label: 'HS6 code and tax' },
  hsOriginIndicator: { atoms: ['hs6', 'origin', 'originIndicator'], label: 'HS6 code, origin and origin marking' },
  originIndicator: { atoms: ['origin', 'originIndicator'], label: 'origin and origin marking' },
  importerHs: { atoms: ['importer', 'hs6'], label: 'importer and HS6 code' },
  declarantHs: { atoms: ['declarant', 'hs6'], label: 'declarant and HS6 code' },
  importerDeclarant: { atoms: ['importer', 'declarant'], label: 'importer and declarant' },
};

/** Small code lists used as native categorical features (each is an atom). */
export const CATEGORICAL_FIELDS = ['office', 'processType', 'importType', 'importUse', 'paymentType', 'transport',
  'taxType', 'originIndicator', 'departure', 'origin', 'hs2', 'courier'] as const satisfies readonly Atom[];
export type CategoricalField = (typeof CATEGORICAL_FIELDS)[number];
const isCategoricalField = (f: string): f is CategoricalField => (CATEGORICAL_FIELDS as readonly string[]).includes(f);

export type HistoryEntity = 'importer' | 'declarant' | 'seller';
const UV_LEVELS = ['hs6', 'hs4', 'hs2'] as const;

export interface EncoderConfig {
  categorical: CategoricalField[];
  countKeys: string[];
  targetKeys: string[];
  /** Keys that also get the rate of critical cases (Critical Fraud = 2) among their declarations. */
  criticalKeys: string[];
  history: HistoryEntity[];
  /** Folds for out-of-fold target statistics of the training rows. */
  folds: number;
  /** Prior weight (pseudo-count) of the smoothed fraud rates. */
  smoothing: number;
  /** A category needs this many training declarations to get its own code. */
  minCategoryCount: number;
  seed: number;
}

export const DEFAULT_ENCODER_CONFIG: EncoderConfig = {
  // (Process type is left out: 99.98 % of declarations have the same one.)
  categorical: ['office', 'importType', 'importUse', 'paymentType', 'transport', 'taxType',
    'originIndicator', 'departure', 'origin', 'hs2', 'courier'],
  // The number of labelled declarations that comes with each target statistic doubles as the
  // frequency encoding; separate counts added nothing in time-based validation.
  countKeys: [],
  // Critical cases repeat with the same goods and value: their rate by these keys lets the
  // ranking put likely critical cases first among likely frauds.
  criticalKeys: ['hsPrice', 'hsMass', 'massPrice'],
  targetKeys: ['importer', 'declarant', 'seller', 'hs6', 'hs4', 'taxRateType', 'price', 'mass', 'unitValue',
    'hsPrice', 'hsMass', 'massPrice', 'hsUnitValue', 'hsDepartureOrigin', 'hsOriginTax'],
  history: ['importer', 'declarant'],
  folds: 5,
  smoothing: 1,
  minCategoryCount: 10,
  seed: 17,
};

// ---------------------------------------------------------------------------------------------
// Fitted state (plain JSON)

/** Atom values seen in training; the id of a value is its index. */
interface AtomVocabulary { values: (string | number)[] }
/** Training statistics of a key: composite code → number of declarations and of frauds. */
interface KeyStats { codes: (number | string)[]; n: number[]; pos: number[]; crit?: number[] }
/**
 * Per entity (atom id), by ascending day: cumulative declarations and frauds up to and
 * including that day. Entity e owns entries start[e] .. start[e+1]-1.
 */
interface History { start: number[]; day: number[]; cumN: number[]; cumPos: number[] }
/** Typical log unit value per atom id of the HS level (null: too few declarations). */
interface UnitValueStats { level: (typeof UV_LEVELS)[number]; median: (number | null)[]; spread: (number | null)[] }

export interface EncoderState {
  config: EncoderConfig;
  prior: number;
  /** Share of critical cases (Critical Fraud = 2), smoothed. */
  criticalPrior: number;
  rows: number;
  atoms: Partial<Record<Atom, AtomVocabulary>>;
  vocab: Partial<Record<CategoricalField, { values: string[] }>>;
  stats: Record<string, KeyStats>;
  history: Partial<Record<HistoryEntity, History>>;
  unitValue: UnitValueStats[];
  globalUnitValue: { median: number; spread: number };
}

export interface FeatureInfo extends FeatureSpec {
  /** Words for explanations. */
  label: string;
  /** What input to show next to the feature in an explanation. */
  source: string;
}

/** Lookup structures built from the JSON state. */
interface Runtime {
  atoms: Map<Atom, Lookup>;
  /** Prefix atoms: parent atom id → own atom id (-1 unseen). */
  prefix: Map<Atom, Int32Array>;
  /** Categorical fields: atom id → category code (0 = rare / other). */
  vocab: Map<CategoricalField, Int32Array>;
  stats: Map<string, Lookup>;
  /** Per key: atom vocabulary sizes (for composite codes), or null when codes are strings. */
  radix: Map<string, number[] | null>;
  /** Single-atom keys whose statistics are stored in atom id order: the atom id is the index. */
  direct: Set<string>;
  /**
   * Per key, for scoring: [labelled declarations, smoothed fraud rate, smoothed critical rate]
   * of each entry side by side, so a row's lookup touches one cache line.
   */
  scoring: Map<string, Float64Array>;
}

const MAX_SAFE_COMPOSITE = 2 ** 52;
/** Scoring batches up to this size reuse the encoder's buffers. */
const MAX_REUSED_ROWS = 65_536;

/** Atoms an encoder configuration needs, every prefix atom after the atom it derives from. */
function neededAtoms(cfg: EncoderConfig): Atom[] {
  const set = new Set<Atom>();
  for (const k of keyOrder(cfg)) for (const a of KEYS[k].atoms) set.add(a);
  for (const e of cfg.history) set.add(e);
  for (const l of UV_LEVELS) set.add(l);
  for (const f of cfg.categorical) set.add(f);
  for (const a of [...set]) { const p = ATOMS[a].prefixOf; if (p) set.add(p.atom); }
  const list = [...set];
  return [...list.filter((a) => !ATOMS[a].prefixOf), ...list.filter((a) => ATOMS[a].prefixOf)];
}

/** Lookup from atom values or composite codes to ids. */
type Lookup = NumberIndex | StringIndex | Map<string | number, number>;
const lookup = (index: Lookup, v: string | number): number =>
  index instanceof NumberIndex ? (typeof v === 'number' ? index.get(v) : -1)
    : index instanceof StringIndex ? (typeof v === 'string' ? index.get(v) : -1)
      : (index.get(v) ?? -1);

/**
 * Scratch typed arrays for one scoring call, reused across calls (scoring a batch otherwise
 * allocates a few MB of short-lived buffers, which the GC then has to chase).
 */
class Arena {
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);
  private fUsed = 0;
  private iUsed = 0;
  reset(): void { this.fUsed = 0; this.iUsed = 0; }
  f(n: number): Float64Array {
    if (this.fUsed + n > this.f64.length) { this.f64 = new Float64Array(Math.max(n, this.f64.length * 2)); this.fUsed = 0; }
    const out = this.f64.subarray(this.fUsed, this.fUsed + n);
    this.fUsed += n;
    return out;
  }
  i(n: number): Int32Array {
    if (this.iUsed + n > this.i32.length) { this.i32 = new Int32Array(Math.max(n, this.i32.length * 2)); this.iUsed = 0; }
    const out = this.i32.subarray(this.iUsed, this.iUsed + n);
    this.iUsed += n;
    return out;
  }
}
const fresh = { f: (n: number) => new Float64Array(n), i: (n: number) => new Int32Array(n) };
type Alloc = Pick<Arena, 'f' | 'i'>;

/**
 * Atom ids of every row: id ≥ 0 known, -1 not seen in training, -2 missing value. A prefix
 * atom is read from `prefix` (parent id → id) when the parent value is known.
 */
function atomIds(rows: readonly Declaration[], atom: Atom, index: Lookup, prefix?: { parent: Int32Array; map: Int32Array }, alloc: Alloc = fresh): Int32Array {
  const n = rows.length;
  const out = alloc.i(n);
  if (ATOMS[atom].kind === 'number') {
    const values = numberValues(rows, atom, alloc);
    for (let r = 0; r < n; r++) {
      const v = values[r];
      out[r] = v !== v ? -2 : lookup(index, v);
    }
    return out;
  }
  if (prefix) {
    const { parent, map } = prefix;
    const get = ATOMS[atom].get;
    for (let r = 0; r < n; r++) {
      const pid = parent[r];
      out[r] = pid >= 0 ? map[pid] : lookup(index, get(rows[r]));
    }
    return out;
  }
  if (index instanceof StringIndex) return textIds(rows, atom, index, out);
  const values = textValues(rows, atom);
  for (let r = 0; r < n; r++) out[r] = lookup(index, values[r]);
  return out;
}

/** Ids of a text atom, one literal property read per loop (see `textValues`). */
function textIds(rows: readonly Declaration[], atom: Atom, index: StringIndex, out: Int32Array): Int32Array {
  const n = rows.length;
  switch (atom) {
    case 'importer': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].importerId); break;
    case 'declarant': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].declarantId); break;
    case 'seller': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].sellerId); break;
    case 'courier': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].courierId); break;
    case 'office': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].officeId); break;
    case 'processType': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].processType); break;
    case 'importType': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].importType); break;
    case 'importUse': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].importUse); break;
    case 'paymentType': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].paymentType); break;
    case 'transport': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].modeOfTransport); break;
    case 'hs6': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].hs6); break;
    case 'departure': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].countryOfDeparture); break;
    case 'origin': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].countryOfOrigin); break;
    case 'taxType': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].taxType); break;
    case 'originIndicator': for (let r = 0; r < n; r++) out[r] = index.get(rows[r].originIndicator); break;
    default: { const get = ATOMS[atom].get; for (let r = 0; r < n; r++) out[r] = index.get(get(rows[r]) as string); }
  }
  return out;
}

/**
 * Text atom values of all rows. One literal property read per loop keeps every loop
 * monomorphic (a shared getter call would be megamorphic and several times slower).
 */
function textValues(rows: readonly Declaration[], atom: Atom): string[] {
  const n = rows.length;
  const out = new Array<string>(n);
  switch (atom) {
    case 'importer': for (let r = 0; r < n; r++) out[r] = rows[r].importerId; break;
    case 'declarant': for (let r = 0; r < n; r++) out[r] = rows[r].declarantId; break;
    case 'seller': for (let r = 0; r < n; r++) out[r] = rows[r].sellerId; break;
    case 'courier': for (let r = 0; r < n; r++) out[r] = rows[r].courierId; break;
    case 'office': for (let r = 0; r < n; r++) out[r] = rows[r].officeId; break;
    case 'processType': for (let r = 0; r < n; r++) out[r] = rows[r].processType; break;
    case 'importType': for (let r = 0; r < n; r++) out[r] = rows[r].importType; break;
    case 'importUse': for (let r = 0; r < n; r++) out[r] = rows[r].importUse; break;
    case 'paymentType': for (let r = 0; r < n; r++) out[r] = rows[r].paymentType; break;
    case 'transport': for (let r = 0; r < n; r++) out[r] = rows[r].modeOfTransport; break;
    case 'hs6': for (let r = 0; r < n; r++) out[r] = rows[r].hs6; break;
    case 'departure': for (let r = 0; r < n; r++) out[r] = rows[r].countryOfDeparture; break;
    case 'origin': for (let r = 0; r < n; r++) out[r] = rows[r].countryOfOrigin; break;
    case 'taxType': for (let r = 0; r < n; r++) out[r] = rows[r].taxType; break;
    case 'originIndicator': for (let r = 0; r < n; r++) out[r] = rows[r].originIndicator; break;
    default: { const get = ATOMS[atom].get; for (let r = 0; r < n; r++) out[r] = get(rows[r]) as string; }
  }
  return out;
}

function numberValues(rows: readonly Declaration[], atom: Atom, alloc: Alloc = fresh): Float64Array {
  const n = rows.length;
  const out = alloc.f(n);
  switch (atom) {
    case 'price': for (let r = 0; r < n; r++) out[r] = rows[r].itemPrice; break;
    case 'mass': for (let r = 0; r < n; r++) out[r] = rows[r].netMass; break;
    case 'taxRate': for (let r = 0; r < n; r++) out[r] = rows[r].taxRate; break;
    case 'unitValue': for (let r = 0; r < n; r++) out[r] = roundedUnitValue(rows[r]); break;
    default: { const get = ATOMS[atom].get; for (let r = 0; r < n; r++) out[r] = get(rows[r]) as number; }
  }
  return out;
}

export class FeatureEncoder {
  readonly state: EncoderState;
  readonly features: FeatureInfo[];
  private readonly rt: Runtime;
  private scoringBuffer = new Float64Array(0);
  private readonly arena = new Arena();

  private constructor(state: EncoderState) {
    this.state = state;
    this.features = describeFeatures(state);
    this.rt = buildRuntime(state);
  }

  /**
   * Fits the encoder on labelled declarations (fraud must be 0 or 1, day must be valid).
   * With `keepCodesOf`, the category codes (and the configuration) of that encoder are kept,
   * so trees grown on its features read the new encoder's features the same way.
   */
  static fit(rows: readonly Declaration[], config: Partial<EncoderConfig> = {}, keepCodesOf?: FeatureEncoder): FeatureEncoder {
    const cfg: EncoderConfig = keepCodesOf ? { ...keepCodesOf.state.config } : { ...DEFAULT_ENCODER_CONFIG, ...config };
    for (const k of keyOrder(cfg)) if (!KEYS[k]) throw new TargetingError('invalid_argument', `unknown feature key ${k}`);
    if (!(Number.isInteger(cfg.folds) && cfg.folds >= 2 && cfg.folds <= 50)) throw new TargetingError('invalid_argument', 'folds must be an integer in 2..50');
    if (rows.length === 0) throw new TargetingError('no_labels', 'no labelled declarations to fit the features on');
    let pos = 0;
    for (const d of rows) {
      if (d.fraud === null) throw new TargetingError('no_labels', `declaration ${d.declarationId} has no Fraud label`);
      if (!Number.isFinite(d.day)) throw new TargetingError('invalid_argument', `declaration ${d.declarationId} has no valid date`);
      pos += d.fraud;
    }
    const prior = (pos + 1) / (rows.length + 2);
    const critical = rows.reduce((s, d) => s + (d.criticalFraud === 2 ? 1 : 0), 0);
    const state: EncoderState = {
      config: cfg, prior, criticalPrior: (critical + 1) / (rows.length + 2), rows: rows.length, atoms: {}, vocab: {}, stats: {}, history: {}, unitValue: [],
      globalUnitValue: { median: 0, spread: 1 },
    };
    for (const field of cfg.categorical) {
      if (!isCategoricalField(field)) throw new TargetingError('invalid_argument', `unknown categorical field ${field}`);
      state.vocab[field] = keepCodesOf
        ? { values: [...keepCodesOf.state.vocab[field]!.values] }
        : fitVocabulary(textValues(rows, field), cfg.minCategoryCount);
    }
    // Atom vocabularies (values in order of first appearance) and the ids of every row.
    const N = rows.length;
    const ids = new Map<Atom, Int32Array>();
    for (const a of neededAtoms(cfg)) {
      const out = new Int32Array(N);
      if (ATOMS[a].kind === 'number') {
        const b = new NumberIndexBuilder();
        const values = numberValues(rows, a);
        for (let r = 0; r < N; r++) out[r] = values[r] !== values[r] ? -2 : b.add(values[r]);
        state.atoms[a] = { values: b.values };
      } else {
        const b = new StringIndexBuilder();
        const values = textValues(rows, a);
        for (let r = 0; r < N; r++) out[r] = b.add(values[r]);
        state.atoms[a] = { values: b.values };
      }
      ids.set(a, out);
    }
    const atomSize = (a: Atom) => state.atoms[a]!.values.length;
    const critSet = new Set(cfg.criticalKeys);
    const fraud = Float64Array.from(rows, (d) => d.fraud!);
    const crit = Float64Array.from(rows, (d) => (d.criticalFraud === 2 ? 1 : 0));
    for (const k of keyOrder(cfg)) {
      const codes = compositeCodes(KEYS[k].atoms.map((a) => ids.get(a)!), radixFor(KEYS[k].atoms, atomSize));
      // Dense index of each distinct code, in order of first appearance.
      const idx = new Int32Array(N);
      let list: (number | string)[];
      if (codes instanceof Float64Array) {
        const b = new NumberIndexBuilder();
        for (let r = 0; r < N; r++) { const c = codes[r]; idx[r] = c !== c || c === -1 ? -1 : b.add(c); }
        list = b.values;
      } else {
        const b = new StringIndexBuilder();
        for (let r = 0; r < N; r++) { const c = codes[r]; idx[r] = typeof c === 'string' ? b.add(c) : -1; }
        list = b.values;
      }
      const n = new Array<number>(list.length).fill(0), p = new Array<number>(list.length).fill(0), cr = new Array<number>(list.length).fill(0);
      for (let r = 0; r < N; r++) {
        const i = idx[r];
        if (i < 0) continue;
        n[i]++; p[i] += fraud[r]; cr[i] += crit[r];
      }
      state.stats[k] = { codes: list, n, pos: p, ...(critSet.has(k) ? { crit: cr } : {}) };
    }
    for (const e of cfg.history) state.history[e] = fitHistory(rows, ids.get(e)!, atomSize(e), state.atoms[e]!.values);
    fitUnitValues(rows, ids, state);
    return new FeatureEncoder(state);
  }

  static fromState(state: EncoderState): FeatureEncoder {
    validateEncoderState(state);
    return new FeatureEncoder(state);
  }

  /**
   * Features of the training rows themselves (the rows `fit` saw, same order): target
   * statistics out-of-fold, frequencies without the row itself, history strictly before.
   */
  transformTraining(rows: readonly Declaration[]): FeatureMatrix {
    if (rows.length !== this.state.rows) throw new TargetingError('invalid_argument', 'transformTraining needs exactly the rows the encoder was fitted on');
    return this.encode(rows, true);
  }

  /** Features for scoring: every statistic from all training declarations. */
  transform(rows: readonly Declaration[]): FeatureMatrix {
    return this.encode(rows, false);
  }

  /**
   * As `transform`, into buffers owned by the encoder: the result is only valid until the next
   * call (used by `Model.score`, which consumes it at once).
   */
  transformForScoring(rows: readonly Declaration[]): FeatureMatrix {
    return this.encode(rows, false, true);
  }

  private encode(rows: readonly Declaration[], training: boolean, reuse = false): FeatureMatrix {
    const n = rows.length;
    const { state, rt } = this;
    const cfg = state.config;
    // All columns in one buffer; the scoring path reuses it (and the scratch arrays) across calls.
    const F = this.features.length;
    let buffer: Float64Array;
    let alloc: Alloc = fresh;
    if (reuse && n <= MAX_REUSED_ROWS) {
      if (this.scoringBuffer.length < n * F) this.scoringBuffer = new Float64Array(n * F);
      buffer = this.scoringBuffer;
      this.arena.reset();
      alloc = this.arena;
    } else buffer = new Float64Array(n * F);
    const columns: Float64Array[] = this.features.map((_, f) => buffer.subarray(f * n, (f + 1) * n));
    let c = 0;

    const ids = new Map<Atom, Int32Array>();
    for (const a of neededAtoms(cfg)) {
      const p = ATOMS[a].prefixOf;
      ids.set(a, atomIds(rows, a, rt.atoms.get(a)!, p ? { parent: ids.get(p.atom)!, map: rt.prefix.get(a)! } : undefined, alloc));
    }

    for (const field of cfg.categorical) {
      const code = rt.vocab.get(field)!;
      const id = ids.get(field)!;
      const col = columns[c++];
      for (let r = 0; r < n; r++) col[r] = id[r] >= 0 ? code[id[r]] : 0;
    }

    // Out-of-fold assignment for the training rows.
    const K = cfg.folds;
    let fold: Uint8Array | null = null;
    if (training) {
      fold = new Uint8Array(n);
      const rng = createRng(cfg.seed);
      for (let r = 0; r < n; r++) fold[r] = rng.int(K);
    }

    // The prior of the smoothed rates: for a training row, from the other folds only (the
    // global rate would carry a trace of the row's own label).
    const prior = state.prior;
    let foldPrior: Float64Array | null = null, foldCritPrior: Float64Array | null = null;
    const isCrit = (d: Declaration) => (d.criticalFraud === 2 ? 1 : 0);
    if (training) {
      const fn = new Float64Array(K), fp = new Float64Array(K), fc = new Float64Array(K);
      let tn = 0, tp = 0, tc = 0;
      for (let r = 0; r < n; r++) {
        const d = rows[r];
        fn[fold![r]]++; fp[fold![r]] += d.fraud!; fc[fold![r]] += isCrit(d);
        tn++; tp += d.fraud!; tc += isCrit(d);
      }
      foldPrior = Float64Array.from({ length: K }, (_, k) => (tp - fp[k] + 1) / (tn - fn[k] + 2));
      foldCritPrior = Float64Array.from({ length: K }, (_, k) => (tc - fc[k] + 1) / (tn - fn[k] + 2));
    }
    const m = cfg.smoothing;
    const countSet = new Set(cfg.countKeys);
    const targetSet = new Set(cfg.targetKeys);
    const critSet = new Set(cfg.criticalKeys);
    for (const k of keyOrder(cfg)) {
      const st = state.stats[k];
      const index = rt.stats.get(k)!;
      // keyIdx: stats index, -1 unseen key, -2 missing value
      const keyIdx = rt.direct.has(k)
        ? ids.get(KEYS[k].atoms[0])! // statistics stored in atom id order
        : keyIndices(KEYS[k].atoms.map((a) => ids.get(a)!), rt.radix.get(k)!, index, alloc);
      // Per-fold sums over the training rows for out-of-fold statistics.
      let foldN: Float64Array | null = null, foldPos: Float64Array | null = null, foldCrit: Float64Array | null = null;
      if (training && (targetSet.has(k) || critSet.has(k))) {
        foldN = new Float64Array(st.n.length * K);
        foldPos = new Float64Array(st.n.length * K);
        foldCrit = new Float64Array(st.n.length * K);
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          if (i >= 0) {
            const j = i * K + fold![r];
            foldN[j]++; foldPos[j] += rows[r].fraud!; foldCrit[j] += isCrit(rows[r]);
          }
        }
      }
      if (countSet.has(k)) {
        const col = columns[c++];
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          col[r] = i === -2 ? NaN : i === -1 ? 0 : st.n[i] - (training ? 1 : 0);
        }
      }
      const ps = rt.scoring.get(k)!;
      if (targetSet.has(k) && !training) {
        const rate = columns[c++];
        const cnt = columns[c++];
        const unseenRate = (prior * m) / m; // as (pp + prior·m) / (nn + m) with nn = pp = 0
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          if (i >= 0) { cnt[r] = ps[i * 3]; rate[r] = ps[i * 3 + 1]; }
          else if (i === -1) { cnt[r] = 0; rate[r] = unseenRate; }
          else { cnt[r] = NaN; rate[r] = NaN; }
        }
      } else if (targetSet.has(k)) {
        const rate = columns[c++];
        const cnt = columns[c++];
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          if (i === -2) { rate[r] = NaN; cnt[r] = NaN; continue; }
          let nn = 0, pp = 0;
          if (i >= 0) {
            nn = st.n[i]; pp = st.pos[i];
            if (training) { nn -= foldN![i * K + fold![r]]; pp -= foldPos![i * K + fold![r]]; }
          }
          const pr = foldPrior ? foldPrior[fold![r]] : prior;
          rate[r] = (pp + pr * m) / (nn + m);
          cnt[r] = nn;
        }
      }
      if (critSet.has(k) && !training) {
        const rate = columns[c++];
        const unseenRate = (state.criticalPrior * m) / m;
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          rate[r] = i >= 0 ? ps[i * 3 + 2] : i === -1 ? unseenRate : NaN;
        }
      } else if (critSet.has(k)) {
        const rate = columns[c++];
        const crit = st.crit!;
        for (let r = 0; r < n; r++) {
          const i = keyIdx[r];
          if (i === -2) { rate[r] = NaN; continue; }
          let nn = 0, cc = 0;
          if (i >= 0) {
            nn = st.n[i]; cc = crit[i];
            if (training) { nn -= foldN![i * K + fold![r]]; cc -= foldCrit![i * K + fold![r]]; }
          }
          const pr = foldCritPrior ? foldCritPrior[fold![r]] : state.criticalPrior;
          rate[r] = (cc + pr * m) / (nn + m);
        }
      }
    }

    for (const e of cfg.history) {
      const h = state.history[e]!;
      const ent = ids.get(e)!;
      const colN = columns[c++], colPos = columns[c++], colRate = columns[c++], colGap = columns[c++];
      for (let r = 0; r < n; r++) {
        const id = ent[r];
        const day = rows[r].day;
        let nn = 0, pp = 0, gap = NaN;
        if (id >= 0 && day === day) {
          const j = lastBefore(h, id, day);
          if (j >= 0) { nn = h.cumN[j]; pp = h.cumPos[j]; gap = day - h.day[j]; }
        }
        // No prior here: any label-based prior would include later declarations.
        colN[r] = nn; colPos[r] = pp; colRate[r] = nn > 0 ? pp / nn : NaN; colGap[r] = gap;
      }
    }

    // Values: unit value and its deviation from the typical unit value of the HS code.
    const colMass = columns[c++], colPrice = columns[c++], colUv = columns[c++], colDev = columns[c++];
    const colZ = columns[c++], colTax = columns[c++], colDuty = columns[c++], colSame = columns[c++];
    const g = state.globalUnitValue;
    const levelIds = state.unitValue.map((u) => ids.get(u.level)!);
    for (let r = 0; r < n; r++) {
      const d = rows[r];
      colMass[r] = safeLog(d.netMass);
      colPrice[r] = safeLog(d.itemPrice);
      const uv = unitValue(d);
      const luv = Number.isFinite(uv) ? Math.log1p(uv) : NaN;
      colUv[r] = luv;
      let med = g.median, spread = g.spread;
      for (let lv = 0; lv < state.unitValue.length; lv++) {
        const id = levelIds[lv][r];
        const u = state.unitValue[lv];
        if (id >= 0 && u.median[id] !== null) { med = u.median[id]!; spread = u.spread[id]!; break; }
      }
      colDev[r] = luv - med;
      colZ[r] = (luv - med) / spread;
      colTax[r] = Number.isFinite(d.taxRate) ? d.taxRate : NaN;
      colDuty[r] = Number.isFinite(d.taxRate) ? safeLog(d.itemPrice * d.taxRate / 100) : NaN;
      colSame[r] = d.countryOfDeparture === '' || d.countryOfOrigin === '' ? NaN : d.countryOfDeparture === d.countryOfOrigin ? 1 : 0;
    }
    if (c !== columns.length) throw new Error(`internal: filled ${c} of ${columns.length} feature columns`);
    return { n, columns };
  }

  /** Short text of the input behind a feature, for explanations ("HS6 code 071080, item price 31824000"). */
  describeInput(feature: FeatureInfo, d: Declaration): string {
    const src = feature.source;
    const show = (a: Atom) => {
      const v = a === 'unitValue' ? unitValue(d) : ATOMS[a].get(d);
      return typeof v === 'number' ? fmt(v) : v === '' ? '(empty)' : v;
    };
    if (src.startsWith('cat:')) {
      const v = ATOMS[src.slice(4) as CategoricalField].get(d) as string;
      return v === '' ? '(empty)' : v;
    }
    if (src.startsWith('key:')) {
      const atoms = KEYS[src.slice(4)].atoms;
      return atoms.length === 1 ? show(atoms[0]) : atoms.map((a) => `${ATOMS[a].label} ${show(a)}`).join(', ');
    }
    if (src.startsWith('hist:')) return show(src.slice(5) as Atom);
    switch (src) {
      case 'netMass': return fmt(d.netMass) + ' kg';
      case 'itemPrice': return fmt(d.itemPrice) + ' KRW';
      case 'unitValue': return fmt(unitValue(d)) + ' KRW/kg, HS6 ' + (d.hs6 || '(empty)');
      case 'taxRate': return fmt(d.taxRate) + ' %';
      case 'duty': return fmt(d.itemPrice * d.taxRate / 100) + ' KRW';
      case 'countries': return `${d.countryOfDeparture || '?'} → ${d.countryOfOrigin || '?'}`;
      default: return '';
    }
  }
}

/**
 * Position of each row's key in the key's statistics: -1 unseen, -2 missing value. One pass
 * for numeric composite codes (the usual case); strings go through `compositeCodes`.
 */
function keyIndices(parts: Int32Array[], radix: number[] | null, index: Lookup, alloc: Alloc): Int32Array {
  if (!radix || !(index instanceof NumberIndex)) return statsIndices(compositeCodes(parts, radix, alloc), index, alloc);
  const n = parts[0].length;
  const out = alloc.i(n);
  const P = parts.length;
  for (let r = 0; r < n; r++) {
    let code = 0, state = 0; // 0 known, -1 unseen, -2 missing
    for (let a = 0; a < P; a++) {
      const id = parts[a][r];
      if (id < 0) { if (id === -2) { state = -2; break; } state = -1; } else code = code * radix[a] + id;
    }
    out[r] = state < 0 ? state : index.get(code);
  }
  return out;
}

/** Position of each composite code in a key's statistics: -1 unseen, -2 missing value. */
function statsIndices(codes: Float64Array | (string | number)[], index: Lookup, alloc: Alloc = fresh): Int32Array {
  const n = codes.length;
  const out = alloc.i(n);
  if (codes instanceof Float64Array && index instanceof NumberIndex) {
    for (let r = 0; r < n; r++) {
      const code = codes[r];
      out[r] = code !== code ? -2 : code === -1 ? -1 : index.get(code);
    }
  } else {
    for (let r = 0; r < n; r++) {
      const code = codes[r];
      out[r] = code !== code ? -2 : code === -1 ? -1 : lookup(index, code);
    }
  }
  return out;
}

/** Vocabulary sizes used to combine atom ids into one number, or null to use strings. */
function radixFor(atoms: Atom[], size: (a: Atom) => number): number[] | null {
  let prod = 1;
  const radix = atoms.map((a) => Math.max(1, size(a)));
  for (const r of radix) prod *= r;
  return prod < MAX_SAFE_COMPOSITE ? radix : null;
}

/**
 * Composite code per row: NaN when a value is missing, -1 when an atom value was not seen in
 * training, else the number combining the atom ids (or, past 2^52, a string of the ids).
 */
function compositeCodes(parts: Int32Array[], radix: number[] | null, alloc: Alloc = fresh): Float64Array | (string | number)[] {
  const n = parts[0].length;
  if (radix) {
    const out = alloc.f(n);
    for (let r = 0; r < n; r++) {
      let code = 0;
      for (let a = 0; a < parts.length; a++) {
        const id = parts[a][r];
        if (id < 0) { code = id === -2 ? NaN : code === code ? -1 : NaN; if (id === -2) break; continue; }
        if (code >= 0) code = code * radix[a] + id;
      }
      out[r] = code;
    }
    return out;
  }
  const out: (string | number)[] = new Array(n);
  for (let r = 0; r < n; r++) {
    let missing = false, unseen = false;
    for (const p of parts) { if (p[r] === -2) missing = true; else if (p[r] === -1) unseen = true; }
    out[r] = missing ? NaN : unseen ? -1 : parts.map((p) => p[r]).join(',');
  }
  return out;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '(missing)';
  return Math.abs(v) >= 1e15 ? v.toExponential(3) : String(+v.toPrecision(10));
}

function safeLog(v: number): number {
  return Number.isFinite(v) && v >= 0 ? Math.log1p(v) : NaN;
}

function keyOrder(cfg: EncoderConfig): string[] {
  const out: string[] = [];
  for (const k of [...cfg.countKeys, ...cfg.targetKeys, ...(cfg.criticalKeys ?? [])]) if (!out.includes(k)) out.push(k);
  return out;
}

function describeFeatures(state: EncoderState): FeatureInfo[] {
  const cfg = state.config;
  const out: FeatureInfo[] = [];
  for (const f of cfg.categorical) {
    out.push({ name: `cat:${f}`, kind: 'categorical', cardinality: state.vocab[f]!.values.length + 1, label: ATOMS[f].label, source: `cat:${f}` });
  }
  const countSet = new Set(cfg.countKeys), targetSet = new Set(cfg.targetKeys), critSet = new Set(cfg.criticalKeys);
  for (const k of keyOrder(cfg)) {
    const label = KEYS[k].label;
    if (countSet.has(k)) out.push({ name: `count:${k}`, kind: 'numeric', label: `declarations with the same ${label}`, source: `key:${k}` });
    if (targetSet.has(k)) {
      out.push({ name: `rate:${k}`, kind: 'numeric', label: `fraud rate of the same ${label}`, source: `key:${k}` });
      out.push({ name: `labelled:${k}`, kind: 'numeric', label: `labelled declarations with the same ${label}`, source: `key:${k}` });
    }
    if (critSet.has(k)) out.push({ name: `critical:${k}`, kind: 'numeric', label: `critical-case rate of the same ${label}`, source: `key:${k}` });
  }
  for (const e of cfg.history) {
    out.push({ name: `hist:${e}:n`, kind: 'numeric', label: `${e}'s earlier declarations`, source: `hist:${e}` });
    out.push({ name: `hist:${e}:fraud`, kind: 'numeric', label: `${e}'s earlier frauds`, source: `hist:${e}` });
    out.push({ name: `hist:${e}:rate`, kind: 'numeric', label: `${e}'s earlier fraud rate`, source: `hist:${e}` });
    out.push({ name: `hist:${e}:gap`, kind: 'numeric', label: `days since the ${e}'s previous declaration`, source: `hist:${e}` });
  }
  out.push(
    { name: 'netMass', kind: 'numeric', label: 'net mass (log)', source: 'netMass' },
    { name: 'itemPrice', kind: 'numeric', label: 'item price (log)', source: 'itemPrice' },
    { name: 'unitValue', kind: 'numeric', label: 'unit value, KRW per kg (log)', source: 'unitValue' },
    { name: 'unitValueDeviation', kind: 'numeric', label: 'unit value vs typical for the HS code (log ratio)', source: 'unitValue' },
    { name: 'unitValueZ', kind: 'numeric', label: 'unit value vs typical for the HS code (robust z)', source: 'unitValue' },
    { name: 'taxRate', kind: 'numeric', label: 'tax rate', source: 'taxRate' },
    { name: 'duty', kind: 'numeric', label: 'duty at the declared rate (log)', source: 'duty' },
    { name: 'sameCountry', kind: 'numeric', label: 'departure country is the origin country', source: 'countries' },
  );
  return out;
}

function fitVocabulary(all: readonly string[], minCount: number): { values: string[] } {
  const counts = new Map<string, number>();
  for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
  const values = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 255)
    .map(([v]) => v);
  return { values };
}

function fitHistory(rows: readonly Declaration[], ids: Int32Array, size: number, values: (string | number)[]): History {
  // Rows of each entity in date order: stable counting sorts by day, then by entity.
  const valid: number[] = [];
  let minDay = Infinity, maxDay = -Infinity;
  for (let r = 0; r < rows.length; r++) {
    if (ids[r] < 0 || values[ids[r]] === '') continue; // an empty ID is not an entity with a history
    valid.push(r);
    if (rows[r].day < minDay) minDay = rows[r].day;
    if (rows[r].day > maxDay) maxDay = rows[r].day;
  }
  let order: number[];
  if (valid.length > 0 && maxDay - minDay < 1_000_000) {
    const byDay = countingSort(valid, (r) => rows[r].day - minDay, maxDay - minDay + 1);
    order = countingSort(byDay, (r) => ids[r], size);
  } else order = valid.sort((a, b) => ids[a] - ids[b] || rows[a].day - rows[b].day);
  const h: History = { start: new Array(size + 1).fill(0), day: [], cumN: [], cumPos: [] };
  let k = 0;
  for (let e = 0; e < size; e++) {
    h.start[e] = h.day.length;
    let cn = 0, cp = 0;
    while (k < order.length && ids[order[k]] === e) {
      const d = rows[order[k]];
      cn++; cp += d.fraud!;
      if (h.day.length > h.start[e] && h.day[h.day.length - 1] === d.day) {
        h.cumN[h.cumN.length - 1] = cn; h.cumPos[h.cumPos.length - 1] = cp;
      } else { h.day.push(d.day); h.cumN.push(cn); h.cumPos.push(cp); }
      k++;
    }
  }
  h.start[size] = h.day.length;
  return h;
}

/** Stable sort of `items` by an integer key in [0, range). */
function countingSort(items: readonly number[], key: (item: number) => number, range: number): number[] {
  const count = new Int32Array(range + 1);
  for (const it of items) count[key(it) + 1]++;
  for (let k = 0; k < range; k++) count[k + 1] += count[k];
  const out = new Array<number>(items.length);
  for (const it of items) out[count[key(it)]++] = it;
  return out;
}

/** Index of the entity's last history entry dated strictly before `day`, or -1. */
export function lastBefore(h: { start: number[]; day: number[] }, entity: number, day: number): number {
  let lo = h.start[entity], hi = h.start[entity + 1] - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (h.day[mid] < day) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

function fitUnitValues(rows: readonly Declaration[], ids: Map<Atom, Int32Array>, state: EncoderState): void {
  const all: number[] = [];
  for (const level of UV_LEVELS) {
    const size = state.atoms[level]!.values.length;
    const groups: number[][] = Array.from({ length: size }, () => []);
    const lid = ids.get(level)!;
    for (let r = 0; r < rows.length; r++) {
      const uv = unitValue(rows[r]);
      if (!Number.isFinite(uv) || lid[r] < 0 || state.atoms[level]!.values[lid[r]] === '') continue;
      groups[lid[r]].push(Math.log1p(uv));
      if (level === 'hs6') all.push(Math.log1p(uv));
    }
    const st: UnitValueStats = { level, median: [], spread: [] };
    for (const vals of groups) {
      if (vals.length < 3) { st.median.push(null); st.spread.push(null); continue; } // too few to call a value typical
      const { median, spread } = robustCentre(vals);
      st.median.push(median); st.spread.push(spread);
    }
    state.unitValue.push(st);
  }
  if (all.length) state.globalUnitValue = robustCentre(all);
}

/** Median and a robust spread (1.4826 × MAD, floored so a constant group does not divide by 0). */
function robustCentre(vals: number[]): { median: number; spread: number } {
  const s = Float64Array.from(vals).sort();
  const med = quantileSorted(s, 0.5);
  const dev = Float64Array.from(s, (v) => Math.abs(v - med)).sort();
  return { median: +med.toPrecision(10), spread: +Math.max(0.05, 1.4826 * quantileSorted(dev, 0.5)).toPrecision(10) };
}

function quantileSorted(s: Float64Array, q: number): number {
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

function buildRuntime(state: EncoderState): Runtime {
  const atoms = new Map<Atom, Lookup>();
  for (const [a, v] of Object.entries(state.atoms) as [Atom, AtomVocabulary][]) {
    if (ATOMS[a].kind === 'number') atoms.set(a, new NumberIndex(v.values as number[]));
    else atoms.set(a, new StringIndex(v.values as string[]));
  }
  const prefix = new Map<Atom, Int32Array>();
  for (const a of Object.keys(state.atoms) as Atom[]) {
    const p = ATOMS[a].prefixOf;
    if (!p) continue;
    const parentValues = state.atoms[p.atom]!.values as string[];
    const own = atoms.get(a)!;
    prefix.set(a, Int32Array.from(parentValues, (v) => lookup(own, v.slice(0, p.length))));
  }
  const vocab = new Map<CategoricalField, Int32Array>();
  for (const [f, v] of Object.entries(state.vocab) as [CategoricalField, { values: string[] }][]) {
    const codes = new Map<string, number>();
    v.values.forEach((val, i) => codes.set(val, i + 1));
    vocab.set(f, Int32Array.from(state.atoms[f]!.values as string[], (val) => codes.get(val) ?? 0));
  }
  const stats = new Map<string, Lookup>();
  const radix = new Map<string, number[] | null>();
  for (const [k, st] of Object.entries(state.stats)) {
    const r = radixFor(KEYS[k].atoms, (a) => state.atoms[a]!.values.length);
    radix.set(k, r);
    if (r) stats.set(k, new NumberIndex(st.codes as number[]));
    else { const m = new Map<number | string, number>(); st.codes.forEach((code, i) => m.set(code, i)); stats.set(k, m); }
  }
  const direct = new Set<string>();
  for (const [k, st] of Object.entries(state.stats)) {
    const atoms = KEYS[k].atoms;
    if (atoms.length === 1 && st.codes.length === state.atoms[atoms[0]]!.values.length && st.codes.every((c, i) => c === i)) direct.add(k);
  }
  const scoring = new Map<string, Float64Array>();
  const m = state.config.smoothing;
  for (const [k, st] of Object.entries(state.stats)) {
    const packed = new Float64Array(st.n.length * 3);
    for (let i = 0; i < st.n.length; i++) {
      packed[i * 3] = st.n[i];
      packed[i * 3 + 1] = (st.pos[i] + state.prior * m) / (st.n[i] + m);
      packed[i * 3 + 2] = st.crit ? (st.crit[i] + state.criticalPrior * m) / (st.n[i] + m) : NaN;
    }
    scoring.set(k, packed);
  }
  return { atoms, prefix, vocab, stats, radix, direct, scoring };
}

/** Checks the shape of a deserialized encoder state; throws `model_corrupt` naming the problem. */
export function validateEncoderState(s: EncoderState): void {
  const fail = (what: string): never => { throw new TargetingError('model_corrupt', `model features are inconsistent: ${what}`); };
  const isArr = Array.isArray;
  if (!s || typeof s !== 'object' || !s.config || typeof s.prior !== 'number' || !(s.prior > 0 && s.prior < 1)) fail('missing parts');
  const cfg = s.config;
  if (!isArr(cfg.categorical) || !isArr(cfg.countKeys) || !isArr(cfg.targetKeys) || !isArr(cfg.criticalKeys) || !isArr(cfg.history)) fail('configuration');
  if (!(s.criticalPrior > 0 && s.criticalPrior < 1)) fail('critical prior');
  if (!(Number.isInteger(cfg.folds) && cfg.folds >= 2 && cfg.folds <= 50) || !(cfg.smoothing >= 0)) fail('configuration values');
  if (!s.atoms || !s.vocab || !s.stats || !s.history) fail('missing parts');
  for (const f of cfg.categorical) {
    const v = s.vocab[f];
    if (!isCategoricalField(f) || !v || !isArr(v.values) || v.values.length > 255) fail(`categorical ${f}`);
  }
  for (const a of neededAtomsChecked(cfg, fail)) {
    const v = s.atoms[a];
    if (!v || !isArr(v.values)) fail(`atom ${a}`);
    const kind = ATOMS[a].kind;
    for (const x of v!.values) if (kind === 'number' ? !(typeof x === 'number' && Number.isFinite(x)) : typeof x !== 'string') fail(`atom ${a} values`);
  }
  for (const k of keyOrder(cfg)) {
    const st = s.stats[k];
    if (!st || !isArr(st.codes) || !isArr(st.n) || !isArr(st.pos) || st.n.length !== st.codes.length || st.pos.length !== st.codes.length) fail(`statistics ${k}`);
    const numeric = radixFor(KEYS[k].atoms, (a) => s.atoms[a]!.values.length) !== null;
    for (const code of st!.codes) if (numeric ? !(typeof code === 'number' && Number.isInteger(code) && code >= 0) : typeof code !== 'string') fail(`statistics ${k} codes`);
    for (let i = 0; i < st!.n.length; i++) if (!(st!.n[i] >= 1 && st!.pos[i] >= 0 && st!.pos[i] <= st!.n[i])) fail(`statistics ${k} counts`);
    if (cfg.criticalKeys.includes(k) && (!isArr(st!.crit) || st!.crit!.length !== st!.n.length)) fail(`statistics ${k} critical counts`);
  }
  for (const e of cfg.history) {
    const h = s.history[e];
    const size = s.atoms[e]!.values.length;
    if (!h || !isArr(h.start) || !isArr(h.day) || !isArr(h.cumN) || !isArr(h.cumPos)) fail(`history ${e}`);
    if (h!.start.length !== size + 1 || h!.cumN.length !== h!.day.length || h!.cumPos.length !== h!.day.length || h!.start[size] !== h!.day.length) fail(`history ${e} sizes`);
    for (let i = 0; i < size; i++) if (!(h!.start[i] >= 0 && h!.start[i] <= h!.start[i + 1])) fail(`history ${e} offsets`);
  }
  if (!isArr(s.unitValue) || s.unitValue.length !== UV_LEVELS.length) fail('unit values');
  s.unitValue.forEach((u, i) => {
    const size = s.atoms[UV_LEVELS[i]]!.values.length;
    if (u.level !== UV_LEVELS[i] || !isArr(u.median) || !isArr(u.spread) || u.median.length !== size || u.spread.length !== size) fail('unit values');
  });
  if (!s.globalUnitValue || !Number.isFinite(s.globalUnitValue.median) || !(s.globalUnitValue.spread > 0)) fail('unit values');
}

function neededAtomsChecked(cfg: EncoderConfig, fail: (what: string) => never): Atom[] {
  for (const k of keyOrder(cfg)) if (!KEYS[k]) fail(`unknown key ${k}`);
  for (const e of cfg.history) if (!(e in ATOMS)) fail(`unknown history entity ${e}`);
  return neededAtoms(cfg);
}
