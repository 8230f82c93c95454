/**
 * Country of origin marks: "MADE IN X", "PRODUCT OF X", "COUNTRY OF ORIGIN: X", "原产国：X",
 * "原产地：X", "X制造" → ISO 3166-1 alpha-2.
 */
import { countryNames, isCountryCode } from './countries.ts';
import { editDistance, normalizeOcrText } from './text-utils.ts';

export type OriginMarker = 'made_in' | 'product_of' | 'origin_label' | 'zh_origin_label' | 'zh_made_in';

export interface OriginReading {
  country: string;
  marker: OriginMarker;
  /** The country as printed (after the marker). */
  printed: string;
  /** 1 for an exact name, lower when the name was matched with OCR errors. */
  matchQuality: number;
}

// OCR reads "MADE IN" as "MADEIN", "MADE lN", "MAD E IN", "MADE 1N"...
const EN_MARKERS: Array<{ re: RegExp; marker: OriginMarker }> = [
  { re: /M\s?[A4]\s?D\s?E\s?[I1L|l]\s?N/i, marker: 'made_in' },
  { re: /MANUFACTURED\s?IN/i, marker: 'made_in' },
  { re: /PRODUC[TE]\s?OF/i, marker: 'product_of' },
  { re: /COUNTRY\s?OF\s?ORIGIN\s?[:.]?/i, marker: 'origin_label' },
  { re: /\bC\.?O\.?O\.?\s?:/i, marker: 'origin_label' },
  { re: /\bORIGIN(?!AL)\s?[:.]?/i, marker: 'origin_label' },
];

// The first character of 原产国 is sometimes misread (豫产国, 厚产国): any one character before 产国 / 产地.
const ZH_LABEL = /(\S?[产產][国國地]別?|生产国|生產國|制造国|製造國)(?:\(地区\)|（地区）)?\s*[:：]?\s*/;
const ZH_MADE = /(制造|製造|生产|生產)/;

/** Longest country name at the start of `compact` (upper-case letters only), allowing OCR errors. */
export function matchEnglishCountryPrefix(compact: string): { country: string; length: number; quality: number } | null {
  const { enCompact } = countryNames();
  let best: { country: string; length: number; quality: number } | null = null;
  for (const [name, code] of enCompact) {
    if (compact.startsWith(name)) {
      if (!best || best.quality < 1 || name.length > best.length) best = { country: code, length: name.length, quality: 1 };
    }
  }
  if (best) return best;
  // OCR errors: compare against names of 5+ letters with one error allowed (two for 9+ letters).
  const candidates: Array<{ country: string; length: number; distance: number }> = [];
  for (const [name, code] of enCompact) {
    if (name.length < 5) continue;
    const maxD = name.length >= 9 ? 2 : 1;
    for (const len of [name.length - 1, name.length, name.length + 1]) {
      if (len > compact.length) continue;
      const d = editDistance(compact.slice(0, len), name, maxD);
      if (d <= maxD) { candidates.push({ country: code, length: len, distance: d }); break; }
    }
  }
  if (!candidates.length) return null;
  // Fewest errors per letter first: "MALAYSLA" is MALAYSIA with one error in eight, not MALTA
  // with one in five.
  const rate = (c: { length: number; distance: number }) => c.distance / c.length;
  candidates.sort((a, b) => rate(a) - rate(b) || b.length - a.length);
  const top = candidates[0];
  // Two different countries about as close: no guess.
  if (candidates.some((c) => c.country !== top.country && rate(c) - rate(top) < 0.05)) return null;
  return { country: top.country, length: top.length, quality: 1 - top.distance / (top.length + 1) };
}

/** Longest Chinese country name at the start (or, with `atEnd`, the end) of `text`. */
export function matchChineseCountry(text: string, atEnd = false): { country: string; name: string } | null {
  const { zh } = countryNames();
  const s = text.replace(/\s+/g, '');
  let best: { country: string; name: string } | null = null;
  for (const [name, code] of zh) {
    const hit = atEnd ? s.endsWith(name) : s.startsWith(name);
    if (hit && (!best || name.length > best.name.length)) best = { country: code, name };
  }
  return best;
}

/** Origin marks in one line of text. */
export function parseOrigin(line: string): OriginReading[] {
  const text = normalizeOcrText(line);
  const out: OriginReading[] = [];
  const upper = text.toUpperCase();
  for (const { re, marker } of EN_MARKERS) {
    const m = re.exec(upper);
    if (!m) continue;
    const rest = upper.slice(m.index + m[0].length);
    const compact = rest.replace(/[^A-Z]/g, '');
    // "ORIGIN: CN" style codes.
    const code = /^\s*[:.]?\s*([A-Z]{2})(?![A-Z])/.exec(rest)?.[1];
    // "MADE IN THE USA".
    const hit = matchEnglishCountryPrefix(compact) ?? (compact.startsWith('THE') ? matchEnglishCountryPrefix(compact.slice(3)) : null);
    if (hit && (hit.length >= 3 || compact.length === hit.length)) {
      out.push({ country: hit.country, marker, printed: rest.trim(), matchQuality: hit.quality });
    } else if (code && marker === 'origin_label' && isCountryCode(code)) {
      out.push({ country: code, marker, printed: code, matchQuality: 0.9 });
    }
    if (out.length) break; // one English mark per line
  }
  const zl = ZH_LABEL.exec(text);
  if (zl) {
    const rest = text.slice(zl.index + zl[0].length);
    const hit = matchChineseCountry(rest);
    if (hit) out.push({ country: hit.country, marker: 'zh_origin_label', printed: hit.name, matchQuality: 1 });
    else {
      const m = /^([A-Za-z][A-Za-z .]+)/.exec(rest);
      const en = m ? matchEnglishCountryPrefix(m[1].toUpperCase().replace(/[^A-Z]/g, '')) : null;
      if (en) out.push({ country: en.country, marker: 'zh_origin_label', printed: m![1].trim(), matchQuality: en.quality });
    }
  }
  const zm = ZH_MADE.exec(text);
  if (zm && !zl) {
    const hit = matchChineseCountry(text.slice(0, zm.index), true);
    if (hit) out.push({ country: hit.country, marker: 'zh_made_in', printed: hit.name, matchQuality: 1 });
  }
  return out;
}

/** The line carries an origin marker ("MADE IN", "原产国"…), whose country may follow on the next line. */
export function hasOriginMarker(line: string): boolean {
  const text = normalizeOcrText(line);
  return EN_MARKERS.some(({ re }) => re.test(text.toUpperCase())) || ZH_LABEL.test(text);
}
