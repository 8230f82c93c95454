/**
 * From OCR lines to the fields customs care about. Parsers work on rows (words on one visual line);
 * the container number search also follows rows to their right and below, and can ask the OCR to read
 * a chosen region again (the check digit in a box is often missed by text detection).
 */
import { groupIntoRows, isLineBelow, isRightNeighbour, mergeRects, relativePosition, type Row, type TextBox } from './layout.ts';
import { rectCorners, type Quad, type RotatedRect } from './ocr/geometry.ts';
import { findContainerNumbersInTokens, interpretContainerCandidate, parseSizeTypeCode, tokenizeForContainer, type ContainerReading } from './parsers/container.ts';
import { hasHsLabel, parseHsCodes } from './parsers/hscode.ts';
import { hasOriginMarker, parseOrigin, type OriginMarker } from './parsers/origin.ts';
import { hasQuantityLabel, hasWeightLabel, parseQuantities, parseWeights, type QuantityUnit, type WeightKind } from './parsers/quantity.ts';
import { findSealLabel, normalizeSealNumber, parseSealNumbers } from './parsers/seal.ts';
import { editDistance } from './parsers/text-utils.ts';

export interface Evidence {
  /** The OCR text the value was read from. */
  text: string;
  /** Where, in image pixels (tl, tr, br, bl). */
  box: Quad;
}

export interface ContainerNumberReading {
  code: string;
  confidence: number;
  /** Characters replaced by their look-alike before the check digit held (e.g. O→0). */
  repairs: Array<{ position: number; from: string; to: string }>;
  /** True when the number needed a second, targeted read of its region. */
  reread: boolean;
  evidence: Evidence;
}

export interface UnverifiedContainerReading {
  text: string;
  /** conflicting_reading: its check digit holds, but it was read from the same characters as a better reading. */
  reason: 'check_digit_mismatch' | 'missing_check_digit' | 'conflicting_reading';
  confidence: number;
  evidence: Evidence;
}

export interface ExtractedFields {
  containerNumbers: ContainerNumberReading[];
  unverifiedContainerNumbers: UnverifiedContainerReading[];
  sizeType: { code: string; confidence: number; evidence: Evidence } | null;
  sealNumbers: Array<{ value: string; confidence: number; evidence: Evidence }>;
  origin: { country: string; marker: OriginMarker; confidence: number; evidence: Evidence } | null;
  /** Every origin mark read, e.g. both "MADE IN KOREA" and "原产国：韩国" (they may disagree). */
  originMarks: Array<{ country: string; marker: OriginMarker; confidence: number; evidence: Evidence }>;
  quantity: { value: number; unit: QuantityUnit | null; confidence: number; evidence: Evidence } | null;
  netWeight: WeightField | null;
  grossWeight: WeightField | null;
  /** "MAX GROSS" marked on a container (its rating, not the cargo's weight). */
  containerMaxGross: WeightField | null;
  hsCode: { hs6: string; digits: string; confidence: number; evidence: Evidence } | null;
}

export interface WeightField {
  kg: number;
  value: number;
  unit: string | null;
  kind: WeightKind;
  confidence: number;
  evidence: Evidence;
}

/** Reads the text inside a rectangle of the same image (used for targeted second reads). */
export type RegionReader = (rects: RotatedRect[]) => Promise<Array<{ text: string; confidence: number }>>;

function evidenceOf(boxes: TextBox[], text?: string): Evidence {
  const { box } = mergeRects(boxes);
  return { text: text ?? boxes.map((b) => b.text).join(' '), box: roundQuad(box) };
}

export function roundQuad(q: Quad): Quad {
  return q.map(([x, y]) => [Math.round(x), Math.round(y)]) as Quad;
}

interface ChainToken {
  token: string;
  row: Row;
  /** Identity of the token in the image (row index : token index), to tell overlapping readings. */
  id: string;
}

/** Rows read in sequence: the row, then rows to its right (boxed check digit) or the next line. */
function containerChains(rows: Row[]): Row[][] {
  const chains: Row[][] = [];
  for (const r of rows) {
    chains.push([r]);
    const right = rows.filter((n) => isRightNeighbour(r, n, 6) || isCheckDigitBox(r, n));
    const below = rows.filter((n) => isLineBelow(r, n, 1.8));
    for (const n of right) chains.push([r, n]);
    for (const b of below) {
      chains.push([r, b]);
      for (const n of rows.filter((m) => isRightNeighbour(b, m, 6))) chains.push([r, b, n]);
    }
  }
  return chains;
}

/**
 * A check digit printed in its own box after the serial: text detection often finds only the digit inside the box,
 * much smaller than the serial's characters (seen: 14 px against 35 px), just right of it and within its height.
 */
function isCheckDigitBox(serial: Row, n: Row): boolean {
  if (n === serial || !/^[0-9|[\]IL]{1,3}$/i.test(n.text.replace(/\s+/g, '')) || n.text.replace(/\D/g, '').length !== 1) return false;
  const r = relativePosition(serial, n);
  const hRatio = n.rect.height / Math.max(1, serial.rect.height);
  return hRatio >= 0.25 && hRatio <= 1.3 && r.gap > -0.3 && r.gap <= 2 && Math.abs(r.dv) <= 0.5;
}

function chainTokens(chain: Row[]): ChainToken[] {
  return chain.flatMap((row) => tokenizeForContainer(row.text).map((token, k) => ({ token, row, id: `${row.index}:${k}` })));
}

async function findContainers(rows: Row[], reread?: RegionReader): Promise<Pick<ExtractedFields, 'containerNumbers' | 'unverifiedContainerNumbers'>> {
  const verified = new Map<string, ContainerNumberReading>();
  const unverified = new Map<string, UnverifiedContainerReading & { chain: Row[]; usedRows: Row[] }>();
  const tokensOf = new Map<string, Set<string>>();
  const consider = (reading: ContainerReading, boxes: TextBox[], usedRows: Row[], chain: Row[], isReread: boolean, text?: string, tokenIds: string[] = []) => {
    const conf = boxes.reduce((s, r) => Math.min(s, r.confidence), 1) * 0.93 ** reading.repairs.length * (isReread ? 0.95 : 1);
    const evidence = evidenceOf(boxes, text ?? boxes.map((r) => r.text).join(' / '));
    if (reading.status === 'verified') {
      const ids = tokensOf.get(reading.code) ?? new Set<string>();
      for (const id of tokenIds) ids.add(id);
      tokensOf.set(reading.code, ids);
      const prev = verified.get(reading.code);
      if (!prev || prev.confidence < conf) verified.set(reading.code, { code: reading.code, confidence: round3(conf), repairs: reading.repairs, reread: isReread, evidence });
    } else {
      const prev = unverified.get(reading.code);
      if (!prev || prev.confidence < conf) unverified.set(reading.code, { text: reading.code, reason: reading.reason, confidence: round3(conf), evidence, chain, usedRows });
    }
  };
  for (const chain of containerChains(rows)) {
    const tokens = chainTokens(chain);
    for (const c of findContainerNumbersInTokens(tokens.map((t) => t.token))) {
      const used = uniqueRows(tokens.slice(c.first, c.last + 1).map((t) => t.row));
      consider(c.reading, used, used, chain, false, undefined, tokens.slice(c.first, c.last + 1).map((t) => t.id));
    }
  }
  // Second reads: the line holding the serial number, widened to the right, so that a check digit
  // printed apart (often boxed, which text detection tends to miss) is read with it. Several crops are
  // read; a number is taken only if the crops that verify agree on it (a wrong reading of the first
  // ten characters must not be "confirmed" by whichever digit one crop happens to see).
  if (reread) {
    const pending = [...unverified.values()].filter((u) => !isCoveredBy(u.text, verified));
    const jobs: Array<{ rects: RotatedRect[]; prefixTokens: string[]; earlier: Row[]; chain: Row[]; code10: string | null }> = [];
    const seen = new Set<Row>();
    for (const u of pending) {
      const last = u.usedRows[u.usedRows.length - 1];
      if (seen.has(last)) continue;
      seen.add(last);
      const earlier = u.usedRows.slice(0, -1);
      const r = last.rect;
      const crop = (grow: number, heightScale: number): RotatedRect => ({
        ...r,
        cx: r.cx + (r.ux * grow * r.height) / 2,
        cy: r.cy + (r.uy * grow * r.height) / 2,
        width: r.width + grow * r.height,
        height: r.height * heightScale,
      });
      jobs.push({
        rects: [crop(3, 1.0), crop(4, 0.85), crop(3, 1.3)],
        prefixTokens: earlier.flatMap((row) => tokenizeForContainer(row.text)),
        earlier,
        chain: u.chain,
        code10: u.reason === 'missing_check_digit' ? u.text : null,
      });
    }
    if (jobs.length) {
      const texts = await reread(jobs.flatMap((j) => j.rects));
      let k = 0;
      for (const job of jobs) {
        const found = new Map<string, { reading: ContainerReading; box: TextBox; votes: number }>();
        for (const rect of job.rects) {
          const t = texts[k++];
          const box: TextBox = { text: t.text, confidence: t.confidence, rect, box: rectCorners(rect) };
          const codes = new Set<string>();
          const vote = (reading: ContainerReading) => {
            if (codes.has(reading.code)) return;
            codes.add(reading.code);
            const prev = found.get(reading.code);
            if (prev) prev.votes++;
            else found.set(reading.code, { reading, box, votes: 1 });
          };
          for (const c of findContainerNumbersInTokens([...job.prefixTokens, ...tokenizeForContainer(t.text)])) {
            if (c.reading.status === 'verified') vote(c.reading);
          }
          if (!codes.size && job.code10) for (const reading of boxedCheckDigits(job.code10, t.text)) vote(reading);
        }
        if (found.size !== 1) continue;
        const [{ reading, box, votes }] = found.values();
        consider(reading, [...job.earlier, { ...box, confidence: box.confidence * (votes > 1 ? 1 : 0.9) }], job.earlier, job.chain, true);
      }
    }
  }
  // Two different numbers read from the same printed characters: at most one is right. Keep the one
  // that needed fewer repairs (then the more confident); the other becomes an unverified reading.
  const ranked = [...verified.values()].sort((a, b) => a.repairs.length - b.repairs.length || b.confidence - a.confidence);
  const claimed = new Set<string>();
  const containerNumbers: ContainerNumberReading[] = [];
  for (const c of ranked) {
    const ids = [...(tokensOf.get(c.code) ?? [])];
    if (ids.some((id) => claimed.has(id))) {
      unverified.set(c.code, { text: c.code, reason: 'conflicting_reading', confidence: round3(c.confidence * 0.5), evidence: c.evidence, chain: [], usedRows: [] });
      verified.delete(c.code);
      continue;
    }
    ids.forEach((id) => claimed.add(id));
    containerNumbers.push(c);
  }
  containerNumbers.sort((a, b) => b.confidence - a.confidence);
  const unverifiedContainerNumbers = [...unverified.values()]
    .filter((u) => !isCoveredBy(u.text, verified))
    .map(({ chain: _c, usedRows: _u, ...rest }) => rest)
    .sort((a, b) => b.confidence - a.confidence);
  return { containerNumbers, unverifiedContainerNumbers };
}

/**
 * The check digit in its box, read with the box edges ("097453 11", "628478[9]", "9668610|"): every
 * digit among the few characters after the serial is a candidate; only the one the check digit
 * accepts can verify (the ten characters before it were already read).
 */
function boxedCheckDigits(code10: string, text: string): ContainerReading[] {
  const compact = text.toUpperCase().replace(/[^A-Z0-9|[\]]/g, '');
  const at = compact.lastIndexOf(code10.slice(4));
  if (at < 0) return [];
  const tail = compact.slice(at + 6, at + 6 + 3);
  if (!tail || !/^[0-9IL|[\]]+$/.test(tail)) return [];
  const out: ContainerReading[] = [];
  for (const d of new Set(tail.replace(/\D/g, ''))) {
    const reading = interpretContainerCandidate(code10 + d);
    if (reading?.status === 'verified') out.push(reading);
  }
  return out;
}

/** An unverified reading that is a partial or misread form of a verified number is not reported again. */
function isCoveredBy(text: string, verified: Map<string, unknown>): boolean {
  for (const code of verified.keys()) {
    if (code.startsWith(text.slice(0, 10))) return true;
    // Same owner code give or take a character, serial nearly the same: the same marking misread.
    if (editDistance(code.slice(0, 4), text.slice(0, 4), 1) <= 1 && editDistance(code.slice(4), text.slice(4), 1) <= 1) return true;
  }
  return false;
}

function uniqueRows(rows: Row[]): Row[] {
  return rows.filter((r, i) => rows.indexOf(r) === i);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * The row alone, or — when it holds a label but not its value ("N.W.:" with the number on the next
 * line or further right) — the row plus what follows it.
 */
function labelledTexts(row: Row, rows: Row[], hasLabel: (text: string) => boolean): Array<{ text: string; rows: Row[] }> {
  const out = [{ text: row.text, rows: [row] }];
  if (!hasLabel(row.text)) return out;
  const right = rows.find((n) => n !== row && isRightNeighbour(row, n, 8));
  if (right) out.push({ text: `${row.text} ${right.text}`, rows: [row, right] });
  const below = rows.find((n) => n !== row && isLineBelow(row, n, 2.5));
  if (below) out.push({ text: `${row.text} ${below.text}`, rows: [row, below] });
  return out;
}

export async function extractFields(lines: TextBox[], reread?: RegionReader): Promise<ExtractedFields> {
  const rows = groupIntoRows(lines.filter((l) => l.text.trim().length > 0));
  const { containerNumbers, unverifiedContainerNumbers } = await findContainers(rows, reread);

  // Size-type code: a 4-character token on its own row (or part) near a container number.
  let sizeType: ExtractedFields['sizeType'] = null;
  const verifiedCodes = new Set(containerNumbers.map((c) => c.code));
  for (const row of rows) {
    for (const part of row.parts) {
      const tokens = part.text.trim().split(/\s+/);
      for (const tok of tokens) {
        if (tok.length !== 4) continue;
        const code = parseSizeTypeCode(tok);
        if (code && (!sizeType || part.confidence > sizeType.confidence)) sizeType = { code, confidence: round3(part.confidence), evidence: evidenceOf([part]) };
      }
    }
  }
  if (sizeType && containerNumbers.length === 0 && unverifiedContainerNumbers.length === 0) sizeType = null;

  // Seals: the label, then the number after it or on the next line / to the right.
  const sealNumbers: ExtractedFields['sealNumbers'] = [];
  for (const row of rows) {
    const label = findSealLabel(row.text);
    if (!label) continue;
    let values = parseSealNumbers(row.text.slice(label.end));
    let used: Row[] = [row];
    if (!values.length) {
      const next = rows
        .filter((n) => n !== row && (isLineBelow(row, n, 3) || isRightNeighbour(row, n, 8)))
        .sort((a, b) => distance(row, a) - distance(row, b));
      for (const n of next) {
        const vals = n.parts.map((p) => normalizeSealNumber(p.text)).filter((v): v is string => !!v);
        const whole = normalizeSealNumber(n.text);
        values = whole && !vals.includes(whole) && n.parts.length > 1 ? [whole] : vals.length ? vals : parseSealNumbers(n.text);
        if (values.length) { used = [n]; break; }
      }
    }
    for (const v of values) {
      if (verifiedCodes.has(v) || sealNumbers.some((s) => s.value === v)) continue;
      sealNumbers.push({ value: v, confidence: round3(Math.min(...used.map((r) => r.confidence))), evidence: evidenceOf(used) });
    }
  }

  // Origin marks.
  const originMarks: ExtractedFields['originMarks'] = [];
  for (const row of rows) {
    for (const cand of labelledTexts(row, rows, hasOriginMarker)) {
      const found = parseOrigin(cand.text);
      if (!found.length) continue;
      for (const f of found) {
        if (!originMarks.some((o) => o.country === f.country && o.evidence.text === cand.text)) {
          originMarks.push({ country: f.country, marker: f.marker, confidence: round3(f.matchQuality * Math.min(...cand.rows.map((r) => r.confidence))), evidence: evidenceOf(cand.rows, cand.text) });
        }
      }
      break;
    }
  }
  let origin: ExtractedFields['origin'] = null;
  if (originMarks.length) {
    // Marks that agree add up; the best supported country wins.
    const support = new Map<string, number>();
    for (const o of originMarks) support.set(o.country, (support.get(o.country) ?? 0) + o.confidence);
    const bestCountry = [...support.entries()].sort((a, b) => b[1] - a[1])[0][0];
    const best = originMarks.filter((o) => o.country === bestCountry).sort((a, b) => b.confidence - a.confidence)[0];
    origin = best;
  }

  // Quantity: a labelled one ("QTY: …") first.
  let quantity: ExtractedFields['quantity'] = null;
  let quantityLabelled = false;
  for (const row of rows) {
    for (const cand of labelledTexts(row, rows, hasQuantityLabel)) {
      const qs = parseQuantities(cand.text);
      if (!qs.length) continue;
      const q = qs[0];
      if (!quantity || (q.labelled && !quantityLabelled)) {
        quantity = { value: q.value, unit: q.unit, confidence: round3(Math.min(...cand.rows.map((r) => r.confidence))), evidence: evidenceOf(cand.rows, cand.text) };
        quantityLabelled = q.labelled;
      }
      break;
    }
  }

  // Weights.
  const weights: Partial<Record<WeightKind, WeightField>> = {};
  for (const row of rows) {
    for (const cand of labelledTexts(row, rows, hasWeightLabel)) {
      const ws = parseWeights(cand.text);
      if (!ws.length) continue;
      for (const w of ws) {
        const conf = round3(Math.min(...cand.rows.map((r) => r.confidence)) * (w.unit ? 1 : 0.8));
        const prev = weights[w.kind];
        if (!prev || prev.confidence < conf) weights[w.kind] = { kg: w.kg, value: w.value, unit: w.unit, kind: w.kind, confidence: conf, evidence: evidenceOf(cand.rows, cand.text) };
      }
      break;
    }
  }

  // HS code.
  let hsCode: ExtractedFields['hsCode'] = null;
  for (const row of rows) {
    for (const cand of labelledTexts(row, rows, hasHsLabel)) {
      const hs = parseHsCodes(cand.text);
      if (!hs.length) continue;
      const conf = round3(Math.min(...cand.rows.map((r) => r.confidence)));
      if (!hsCode || hsCode.confidence < conf) hsCode = { hs6: hs[0].hs6, digits: hs[0].digits, confidence: conf, evidence: evidenceOf(cand.rows, cand.text) };
      break;
    }
  }

  return {
    containerNumbers,
    unverifiedContainerNumbers,
    sizeType,
    sealNumbers,
    origin,
    originMarks,
    quantity,
    netWeight: weights.net ?? null,
    grossWeight: weights.gross ?? null,
    containerMaxGross: weights.container_max_gross ?? null,
    hsCode,
  };
}

function distance(a: Row, b: Row): number {
  return Math.hypot(a.rect.cx - b.rect.cx, a.rect.cy - b.rect.cy);
}

/** Rows as output lines: text, confidence and box in image pixels. */
export function rowsForOutput(lines: TextBox[]): Array<{ text: string; confidence: number; box: Quad }> {
  return groupIntoRows(lines.filter((l) => l.text.trim().length > 0)).map((r) => ({ text: r.text, confidence: round3(r.confidence), box: roundQuad(r.box) }));
}
