/** Quantities with their unit ("QTY: 24 PCS", "120 CTNS", "数量：24件") and net / gross weights. */
import { editDistance, normalizeOcrText, parseLocaleNumber, repairDigits } from './text-utils.ts';

export type QuantityUnit = 'PCS' | 'CTNS' | 'SETS' | 'PAIRS' | 'UNITS' | 'BOXES' | 'BAGS' | 'ROLLS' | 'DOZ' | 'PKGS' | 'PALLETS' | 'DRUMS' | 'BALES' | 'KG';

const UNIT_WORDS: Record<string, QuantityUnit> = {
  PCS: 'PCS', PC: 'PCS', PCE: 'PCS', PCES: 'PCS', PIECE: 'PCS', PIECES: 'PCS', EA: 'PCS', EACH: 'PCS',
  CTN: 'CTNS', CTNS: 'CTNS', CARTON: 'CTNS', CARTONS: 'CTNS', CS: 'CTNS', CASE: 'CTNS', CASES: 'CTNS',
  SET: 'SETS', SETS: 'SETS',
  PR: 'PAIRS', PRS: 'PAIRS', PAIR: 'PAIRS', PAIRS: 'PAIRS',
  UNIT: 'UNITS', UNITS: 'UNITS',
  BOX: 'BOXES', BOXES: 'BOXES', BXS: 'BOXES',
  BAG: 'BAGS', BAGS: 'BAGS',
  ROLL: 'ROLLS', ROLLS: 'ROLLS',
  DOZ: 'DOZ', DZ: 'DOZ', DOZEN: 'DOZ', DOZENS: 'DOZ',
  PKG: 'PKGS', PKGS: 'PKGS', PACKAGE: 'PKGS', PACKAGES: 'PKGS', PK: 'PKGS', PKS: 'PKGS', PACK: 'PKGS', PACKS: 'PKGS',
  PLT: 'PALLETS', PLTS: 'PALLETS', PALLET: 'PALLETS', PALLETS: 'PALLETS',
  DRUM: 'DRUMS', DRUMS: 'DRUMS',
  BALE: 'BALES', BALES: 'BALES',
  KG: 'KG', KGS: 'KG',
};
const ZH_UNITS: Record<string, QuantityUnit> = {
  件: 'PCS', 个: 'PCS', 個: 'PCS', 只: 'PCS', 支: 'PCS', 片: 'PCS', 条: 'PCS', 條: 'PCS', 把: 'PCS',
  箱: 'CTNS', 套: 'SETS', 双: 'PAIRS', 雙: 'PAIRS', 对: 'PAIRS', 對: 'PAIRS', 台: 'UNITS', 盒: 'BOXES',
  袋: 'BAGS', 包: 'BAGS', 卷: 'ROLLS', 打: 'DOZ', 托: 'PALLETS', 桶: 'DRUMS', 捆: 'BALES',
  千克: 'KG', 公斤: 'KG',
};

/** A unit word as OCR printed it ("PCS", "PC5", "CTNS.", "件"), or null. */
export function normalizeQuantityUnit(word: string): QuantityUnit | null {
  const w = word.trim();
  if (ZH_UNITS[w]) return ZH_UNITS[w];
  const up = w.toUpperCase().replace(/[.\s]/g, '');
  if (UNIT_WORDS[up]) return UNIT_WORDS[up];
  const fixed = up.replace(/5$/, 'S').replace(/0/g, 'O');
  if (UNIT_WORDS[fixed]) return UNIT_WORDS[fixed];
  // One OCR error in a unit of 4+ letters (PCS → PGS, CTNS → CTN5 handled above).
  // "PGS", "PCE5": the commonest unit, misread.
  if (up.length === 3 && up[0] === 'P' && editDistance(up, 'PCS', 1) <= 1) return 'PCS';
  if (up.length >= 4) {
    const hits = new Set<QuantityUnit>();
    for (const [k, v] of Object.entries(UNIT_WORDS)) if (k.length >= 4 && editDistance(up, k, 1) <= 1) hits.add(v);
    if (hits.size === 1) return [...hits][0];
  }
  return null;
}

export interface QuantityReading {
  value: number;
  unit: QuantityUnit | null;
  labelled: boolean;
  text: string;
}

// A printed number as OCR may read it: look-alike letters are allowed before the first digit, inside
// the number, and a trailing O ("3O" = 30); a letter right after the number is the unit ("500G").
const NUM = String.raw`([OoIl|SBZG]{0,2}\d(?:[\d,.]|[OoIl|SBZG](?=[\d,.]))*[Oo]?)`;
const QTY_LABEL = /(?:\bQ\s*['’]?\s*T\s*Y\b|\bQTY|\bQUANTITY|\bQNTY|数量|數量|件数|件數|箱数|箱數)\s*[.:#]?\s*/i;
const EN_UNIT = String.raw`([A-Za-z][A-Za-z0-9.]{0,8})`;
const ZH_UNIT = String.raw`(千克|公斤|[件个個只支片条條把箱套双雙对對台盒袋包卷打托桶捆])`;
const WEIGHT_LABEL = /(N\s*[./]?\s*W|G\s*[./]?\s*W|NET|GROSS|WEIGHT|WT|净重|淨重|毛重|MAX|TARE|PAYLOAD)\W*$/i;

function toNumber(raw: string): number | null {
  if (!/\d/.test(raw)) return null;
  return parseLocaleNumber(repairDigits(raw.replace(/[.,]+$/, '')));
}

/** Quantities in one line; the labelled one ("QTY: …") first. */
export function parseQuantities(line: string): QuantityReading[] {
  const text = normalizeOcrText(line);
  const out: QuantityReading[] = [];
  const label = QTY_LABEL.exec(text);
  if (label) {
    const rest = text.slice(label.index + label[0].length);
    const m = new RegExp(String.raw`^${NUM}\s*(?:${ZH_UNIT}|${EN_UNIT})?`).exec(rest);
    if (m) {
      const value = toNumber(m[1]);
      const unit = m[2] ? normalizeQuantityUnit(m[2]) : m[3] ? normalizeQuantityUnit(m[3]) : null;
      if (value !== null && value > 0) out.push({ value, unit, labelled: true, text: (label[0] + m[0]).trim() });
    }
  }
  // Unlabelled "120 CTNS", "24PCS/CTN", "24件" (not weights: "NW 12 KG" is a weight, not a quantity).
  const re = new RegExp(String.raw`(?<![A-Za-z0-9.,])(\d[\d,.]*)\s*(?:${ZH_UNIT}|([A-Za-z]{2,8})\b)`, 'g');
  for (const m of text.matchAll(re)) {
    if (label && m.index! >= label.index && m.index! <= label.index + label[0].length + 1) continue;
    const unit = m[2] ? normalizeQuantityUnit(m[2]) : m[3] ? normalizeQuantityUnit(m[3]) : null;
    if (!unit || unit === 'KG') continue;
    if (WEIGHT_LABEL.test(text.slice(0, m.index))) continue;
    const value = toNumber(m[1]);
    if (value !== null && value > 0) out.push({ value, unit, labelled: false, text: m[0].trim() });
  }
  return out;
}

export type WeightKind = 'net' | 'gross' | 'container_max_gross' | 'tare';

export interface WeightReading {
  kind: WeightKind;
  kg: number;
  /** As printed: value and unit (unit null when none was printed; kilograms assumed). */
  value: number;
  unit: string | null;
  text: string;
}

const WEIGHT_LABELS: Array<{ re: RegExp; kind: WeightKind }> = [
  { re: /\bMAX(?:IMUM)?\.?\s*(?:GROSS|G\.?\s*W\.?|GR\.?\s*W\.?T?|M\.?G\.?W\.?)(?:\s*(?:WEIGHT|WT|MASS))?\s*[.:]*\s*/i, kind: 'container_max_gross' },
  { re: /\bM\.?\s*G\.?\s*W\.?\s*[.:]*\s*/i, kind: 'container_max_gross' },
  { re: /\bTARE(?:\s*(?:WEIGHT|WT|MASS))?\s*[.:]*\s*/i, kind: 'tare' },
  { re: /(?:\bN\s*[./]?\s*W\s*[./]*\s*T?\b|\bNET+\s*(?:WEIGHT|WT|MASS)?\b|净重|淨重)\s*(?:\([A-Za-z]+\))?\s*[.:]*\s*/i, kind: 'net' },
  { re: /(?:\bG\s*[./]?\s*W\s*[./]*\s*T?\b|\bGROSS\s*(?:WEIGHT|WT|MASS)?\b|毛重)\s*(?:\([A-Za-z]+\))?\s*[.:]*\s*/i, kind: 'gross' },
];

const WEIGHT_UNITS: Array<{ re: RegExp; unit: string; factor: number }> = [
  { re: /^(?:KGS?|KILOS?|KILOGRAMS?|KILOGRAMMES?|K6|KC|千克|公斤)(?![A-Za-z])/i, unit: 'KG', factor: 1 },
  { re: /^(?:LBS?|POUNDS?|磅)(?![A-Za-z])/i, unit: 'LB', factor: 0.45359237 },
  { re: /^(?:G|GR|GRS|GRAMS?|GRAMMES?|克)(?![A-Za-z])/i, unit: 'G', factor: 0.001 },
  { re: /^(?:T|MT|TONS?|TONNES?|吨|噸)(?![A-Za-z])/i, unit: 'T', factor: 1000 },
  { re: /^(?:OZ|OUNCES?)(?![A-Za-z])/i, unit: 'OZ', factor: 0.028349523125 },
];

/** Weights in one line: "N.W.: 12.5 KG", "G.W. 30 LBS", "净重：12.5千克". */
export function parseWeights(line: string): WeightReading[] {
  const text = normalizeOcrText(line);
  const out: WeightReading[] = [];
  const taken: Array<[number, number]> = [];
  for (const { re, kind } of WEIGHT_LABELS) {
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
    for (const m of text.matchAll(g)) {
      const start = m.index!;
      if (taken.some(([a, b]) => start >= a && start < b)) continue;
      let rest = text.slice(start + m[0].length);
      // A colon read as "1" or "l" before the number ("N.W.1 79.9 KG").
      const colon = /^[1Il|]\s+(?=\d)/.exec(rest);
      if (colon) rest = rest.slice(colon[0].length);
      const num = new RegExp(String.raw`^${NUM}\s*`).exec(rest);
      if (!num) continue;
      const value = toNumber(num[1]);
      if (value === null) continue;
      const after = rest.slice(num[0].length);
      const u = WEIGHT_UNITS.find((w) => w.re.test(after));
      const unitText = u ? after.match(u.re)![0] : '';
      taken.push([start, start + m[0].length + (colon?.[0].length ?? 0) + num[0].length + unitText.length]);
      out.push({
        kind,
        kg: round(value * (u?.factor ?? 1)),
        value,
        unit: u?.unit ?? null,
        text: (m[0] + (colon?.[0] ?? '') + num[0] + unitText).trim(),
      });
    }
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The line carries a quantity label ("QTY", "数量"…). */
export function hasQuantityLabel(line: string): boolean {
  return QTY_LABEL.test(normalizeOcrText(line));
}

/** The line carries a weight label ("N.W.", "GROSS WEIGHT", "净重"…). */
export function hasWeightLabel(line: string): boolean {
  const text = normalizeOcrText(line);
  return WEIGHT_LABELS.some(({ re }) => re.test(text));
}
