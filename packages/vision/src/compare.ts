/**
 * Compares what a snapshot shows with what was declared. Produces *suggested* findings (the inspector
 * accepts or dismisses each) and matches (for green overlays). Nothing here decides anything.
 */
import type { Evidence, ExtractedFields } from './extract.ts';
import { editDistance } from './parsers/text-utils.ts';

export interface DeclaredItem {
  /** HS code as declared (6 to 10 digits, dots allowed). */
  hsCode?: string | null;
  /** ISO 3166-1 alpha-2. */
  originCountry?: string | null;
  quantity?: { value: number; unit?: string | null } | null;
  netMassKg?: number | null;
  grossMassKg?: number | null;
  /** Number of packages (cartons) the item is declared in. */
  packages?: number | null;
}

export interface DeclarationForComparison {
  /** ISO 3166-1 alpha-2, declaration level (items may carry their own). */
  countryOfOrigin?: string | null;
  items?: DeclaredItem[];
  sealNumbers?: string[];
}

export interface ArrivalNoticeForComparison {
  containerNumbers?: string[];
  sealNumbers?: string[];
}

export type ComparedField = 'containerNumber' | 'sealNumber' | 'origin' | 'hsCode' | 'quantity' | 'netWeight' | 'grossWeight';

export interface SuggestedFinding {
  field: ComparedField;
  /** What the paperwork says (joined when several values are allowed). */
  declared: string;
  observed: string;
  /** 0..1: how sure the reading is, lowered for weak comparisons. */
  confidence: number;
  evidence: Evidence;
  /** Stable code of the rule that raised it. */
  rule:
    | 'container_not_in_notice'
    | 'unverified_container_number'
    | 'seal_not_declared'
    | 'origin_differs'
    | 'hs_chapter_differs'
    | 'hs_heading_differs'
    | 'hs_subheading_differs'
    | 'quantity_differs'
    | 'quantity_exceeds_declared'
    | 'net_weight_differs'
    | 'net_weight_exceeds_declared'
    | 'gross_weight_differs'
    | 'gross_weight_exceeds_declared';
  message: string;
}

export interface FieldMatch {
  field: ComparedField;
  declared: string;
  observed: string;
  confidence: number;
  evidence: Evidence;
  /** For HS codes: how many digits agree (6 = same subheading). */
  level?: number;
}

export interface ComparisonResult {
  findings: SuggestedFinding[];
  matches: FieldMatch[];
}

/** Default relative difference tolerated between a printed and a declared weight (rounding, packaging). */
const DEFAULT_WEIGHT_TOLERANCE = 0.1;

export interface ComparisonOptions {
  /** Relative weight difference that is no finding (the office's setting, e.g. 0.05 for 5 %); default 0.1. */
  weightTolerance?: number;
}

function digitsOf(hs: string): string {
  return hs.replace(/\D/g, '');
}

/** Number of leading HS digits that agree, counted at the 2 / 4 / 6 levels (0, 2, 4 or 6). */
export function hsMatchLevel(observed: string, declared: string): number {
  const a = digitsOf(observed), b = digitsOf(declared);
  let level = 0;
  for (const n of [2, 4, 6]) {
    if (a.length >= n && b.length >= n && a.slice(0, n) === b.slice(0, n)) level = n;
    else break;
  }
  return level;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** UN/ECE Rec. 20 unit codes of declared goods lines, as the label's words read. */
const REC20_AS_LABEL: Record<string, string> = { PCE: 'PC', H87: 'PC', NAR: 'PC', CT: 'CTN', KGM: 'KG', PR: 'PAIR' };

function sameUnit(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (u: string | null | undefined) => {
    const up = (u ?? '').toUpperCase();
    return REC20_AS_LABEL[up] ?? up.replace(/S$/, '').replace(/^PIECE$/, 'PC').replace(/^CARTON$/, 'CTN');
  };
  return norm(a) === norm(b);
}

/**
 * @param fields readings of one snapshot (VisionReading.fields)
 */
export function compareWithDeclaration(
  fields: ExtractedFields,
  declaration: DeclarationForComparison = {},
  notice: ArrivalNoticeForComparison = {},
  options: ComparisonOptions = {},
): ComparisonResult {
  const WEIGHT_TOLERANCE = options.weightTolerance ?? DEFAULT_WEIGHT_TOLERANCE;
  const findings: SuggestedFinding[] = [];
  const matches: FieldMatch[] = [];
  const items = declaration.items ?? [];

  // Container numbers against the arrival notice.
  const noticed = (notice.containerNumbers ?? []).map((c) => c.toUpperCase().replace(/[^A-Z0-9]/g, ''));
  if (noticed.length) {
    for (const c of fields.containerNumbers) {
      if (noticed.includes(c.code)) matches.push({ field: 'containerNumber', declared: c.code, observed: c.code, confidence: c.confidence, evidence: c.evidence });
      else
        findings.push({
          field: 'containerNumber', declared: noticed.join(', '), observed: c.code, confidence: c.confidence, evidence: c.evidence,
          rule: 'container_not_in_notice', message: `container ${c.code} is not in the arrival notice`,
        });
    }
    for (const u of fields.unverifiedContainerNumbers) {
      // A misread of a noticed number (one or two characters off) is not a discrepancy.
      const near = noticed.find((n) => editDistance(n.slice(0, u.text.length), u.text, 2) <= 2);
      if (near) continue;
      findings.push({
        field: 'containerNumber', declared: noticed.join(', '), observed: u.text, confidence: round(u.confidence * 0.5), evidence: u.evidence,
        rule: 'unverified_container_number',
        message: `a container number was read as ${u.text} but ${u.reason === 'missing_check_digit' ? 'its check digit was not seen' : u.reason === 'conflicting_reading' ? 'the same marking also reads as another number' : 'its check digit does not hold'}; compare it by eye`,
      });
    }
  }

  // Seals against the notice and the declaration.
  const declaredSeals = [...(notice.sealNumbers ?? []), ...(declaration.sealNumbers ?? [])].map((s) => s.toUpperCase().replace(/[\s-]/g, ''));
  if (declaredSeals.length) {
    for (const s of fields.sealNumbers) {
      if (declaredSeals.includes(s.value)) matches.push({ field: 'sealNumber', declared: s.value, observed: s.value, confidence: s.confidence, evidence: s.evidence });
      else
        findings.push({
          field: 'sealNumber', declared: declaredSeals.join(', '), observed: s.value, confidence: s.confidence, evidence: s.evidence,
          rule: 'seal_not_declared', message: `seal ${s.value} is not among the declared seals`,
        });
    }
  }

  // Origin.
  const origins = new Set([declaration.countryOfOrigin, ...items.map((i) => i.originCountry)].filter((c): c is string => !!c).map((c) => c.toUpperCase()));
  if (fields.origin && origins.size) {
    const o = fields.origin;
    const declared = [...origins].join(', ');
    if (origins.has(o.country)) matches.push({ field: 'origin', declared, observed: o.country, confidence: o.confidence, evidence: o.evidence });
    else
      findings.push({
        field: 'origin', declared, observed: o.country, confidence: o.confidence, evidence: o.evidence,
        rule: 'origin_differs', message: `label says origin ${o.country}, declared ${declared}`,
      });
  }

  // HS code: the closest declared item decides the level.
  const declaredHs = items.map((i) => i.hsCode).filter((h): h is string => !!h && digitsOf(h).length >= 2);
  let item: DeclaredItem | undefined = items.length === 1 ? items[0] : undefined;
  if (fields.hsCode && declaredHs.length) {
    const h = fields.hsCode;
    const ranked = declaredHs.map((d) => ({ d, level: hsMatchLevel(h.digits, d) })).sort((a, b) => b.level - a.level);
    const best = ranked[0];
    item = items.find((i) => i.hsCode === best.d) ?? item;
    const observedLevel = Math.min(6, h.digits.length);
    if (best.level >= observedLevel) {
      matches.push({ field: 'hsCode', declared: digitsOf(best.d).slice(0, 6), observed: h.hs6, confidence: h.confidence, evidence: h.evidence, level: best.level });
    } else {
      const rule = best.level === 0 ? 'hs_chapter_differs' : best.level === 2 ? 'hs_heading_differs' : 'hs_subheading_differs';
      findings.push({
        field: 'hsCode', declared: declaredHs.map((d) => digitsOf(d).slice(0, 6)).join(', '), observed: h.hs6,
        // A different chapter is a clearer signal than a different subheading, but the reading is what it is.
        confidence: h.confidence, evidence: h.evidence, rule,
        message: `label HS ${h.hs6} ${best.level ? `agrees with the declaration only to ${best.level} digits` : 'is in another chapter than declared'}`,
      });
    }
  }

  // Quantity and weights: only compared where the comparison means something.
  const it = item;
  if (it && fields.quantity && it.quantity && sameUnit(fields.quantity.unit, it.quantity.unit)) {
    const q = fields.quantity;
    const declared = it.quantity.value;
    const packages = it.packages ?? null;
    if (packages && packages > 0) {
      // Per-package label: the declared total should be the label quantity times the packages.
      const expected = q.value * packages;
      if (Math.abs(expected - declared) / Math.max(1, declared) <= 0.01) matches.push({ field: 'quantity', declared: String(declared), observed: `${q.value} × ${packages}`, confidence: q.confidence, evidence: q.evidence });
      else findings.push({ field: 'quantity', declared: String(declared), observed: `${q.value} × ${packages} = ${expected}`, confidence: round(q.confidence * 0.8), evidence: q.evidence, rule: 'quantity_differs', message: `label quantity ${q.value} per package × ${packages} packages = ${expected}, declared ${declared}` });
    } else if (q.value > declared) {
      findings.push({ field: 'quantity', declared: String(declared), observed: String(q.value), confidence: q.confidence, evidence: q.evidence, rule: 'quantity_exceeds_declared', message: `one label shows ${q.value}, more than the ${declared} declared in total` });
    } else if (q.value === declared) {
      matches.push({ field: 'quantity', declared: String(declared), observed: String(q.value), confidence: q.confidence, evidence: q.evidence });
    }
  }
  if (it && fields.netWeight && it.netMassKg) {
    const w = fields.netWeight;
    const declared = it.netMassKg;
    const packages = it.packages ?? null;
    if (packages && packages > 0) {
      const expected = w.kg * packages;
      if (Math.abs(expected - declared) / declared <= WEIGHT_TOLERANCE) matches.push({ field: 'netWeight', declared: String(declared), observed: `${w.kg} × ${packages}`, confidence: w.confidence, evidence: w.evidence });
      else findings.push({ field: 'netWeight', declared: String(declared), observed: `${w.kg} × ${packages} = ${round(expected)}`, confidence: round(w.confidence * 0.8), evidence: w.evidence, rule: 'net_weight_differs', message: `label net weight ${w.kg} kg × ${packages} packages = ${round(expected)} kg, declared ${declared} kg` });
    } else if (w.kg > declared * (1 + WEIGHT_TOLERANCE)) {
      findings.push({ field: 'netWeight', declared: String(declared), observed: String(w.kg), confidence: w.confidence, evidence: w.evidence, rule: 'net_weight_exceeds_declared', message: `one label shows ${w.kg} kg net, more than the ${declared} kg declared in total` });
    } else if (Math.abs(w.kg - declared) / declared <= WEIGHT_TOLERANCE) {
      matches.push({ field: 'netWeight', declared: String(declared), observed: String(w.kg), confidence: w.confidence, evidence: w.evidence });
    }
  }
  if (it && fields.grossWeight && it.grossMassKg) {
    // Gross weight: per package times the packages when the count is declared, else one label against the total.
    const w = fields.grossWeight;
    const declared = it.grossMassKg;
    const packages = it.packages ?? null;
    if (packages && packages > 1) {
      const expected = w.kg * packages;
      if (Math.abs(expected - declared) / declared <= WEIGHT_TOLERANCE) matches.push({ field: 'grossWeight', declared: String(declared), observed: `${w.kg} × ${packages}`, confidence: w.confidence, evidence: w.evidence });
      else findings.push({ field: 'grossWeight', declared: String(declared), observed: `${w.kg} × ${packages} = ${round(expected)}`, confidence: round(w.confidence * 0.8), evidence: w.evidence, rule: 'gross_weight_differs', message: `label gross weight ${w.kg} kg × ${packages} packages = ${round(expected)} kg, declared ${declared} kg` });
    } else if (w.kg > declared * (1 + WEIGHT_TOLERANCE)) {
      findings.push({ field: 'grossWeight', declared: String(declared), observed: String(w.kg), confidence: w.confidence, evidence: w.evidence, rule: 'gross_weight_exceeds_declared', message: `one label shows ${w.kg} kg gross, more than the ${declared} kg declared in total` });
    } else if (Math.abs(w.kg - declared) / declared <= WEIGHT_TOLERANCE) {
      matches.push({ field: 'grossWeight', declared: String(declared), observed: String(w.kg), confidence: w.confidence, evidence: w.evidence });
    }
  }
  return { findings, matches };
}
