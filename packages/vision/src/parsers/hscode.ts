/** Harmonized System codes on labels: "HS CODE: 8517.62", "H.S. 8517.62.00", "HS编码：851762". */
import { normalizeOcrText, repairDigits } from './text-utils.ts';

export interface HsCodeReading {
  /** All printed digits (4 to 10). */
  digits: string;
  /** The internationally harmonised part: chapter + heading + subheading (6 digits), or fewer if not printed. */
  hs6: string;
  text: string;
}

// "HS", "H.S.", "HS CODE", "HS C0DE", "HSCODE", "HS NO.", "HTS", "H.S. TARIFF NO", Chinese labels.
const HS_LABEL = /(?:HS\s*编码|HS\s*編碼|\bH\s*\.?\s*T?\s*S\s*\.?\s*(?:C\s*[O0Q]\s*[D0O]\s*[E3L]|N[O0]\.?|#|TARIFF(?:\s*N[O0]\.?)?)?|\bTARIFF\s*(?:CODE|N[O0]\.?)|\bCOMMODITY\s*CODE|海关编码|海關編碼|商品编码|商品編碼|税则号|稅則號|税号|稅號|海关商品编码)\s*[.:#]?\s*/gi;

// Digits with optional dots/spaces between groups; OCR letters inside numbers are repaired.
const HS_NUMBER = /^([0-9OoIlSBZ]{4})(?:[ .-]?([0-9OoIlSBZ]{2}))?(?:[ .-]?([0-9OoIlSBZ]{2}))?(?:[ .-]?([0-9OoIlSBZ]{2}))?(?![0-9])/;

export function parseHsCodes(line: string): HsCodeReading[] {
  const text = normalizeOcrText(line);
  const out: HsCodeReading[] = [];
  for (const m of text.matchAll(HS_LABEL)) {
    const rest = text.slice(m.index! + m[0].length);
    const n = HS_NUMBER.exec(rest);
    if (!n) continue;
    const raw = n.slice(1).filter(Boolean).join('');
    // A repaired code must still have been mostly digits as printed.
    const letters = raw.replace(/\d/g, '').length;
    if (letters > 2) continue;
    const digits = repairDigits(raw);
    if (!/^\d{4,10}$/.test(digits)) continue;
    if (digits.startsWith('00')) continue; // there is no chapter 00
    out.push({ digits, hs6: digits.slice(0, 6), text: (m[0] + n[0]).trim() });
  }
  if (!out.length) {
    // The "HS" of the label lost by OCR: "CODE: 8517.62" still is one when printed with the dot.
    const m = /\bC\s*[O0Q]\s*D\s*E\s*[.:#]?\s*(\d{4})\.(\d{2})(?:\.(\d{2}))?(?:\.(\d{2}))?(?![0-9])/i.exec(text);
    if (m && !m[1].startsWith('00')) {
      const digits = m.slice(1).filter(Boolean).join('');
      out.push({ digits, hs6: digits.slice(0, 6), text: m[0].trim() });
    }
  }
  return out;
}

/** The line carries an HS label (its value may be on the next line). */
export function hasHsLabel(line: string): boolean {
  return new RegExp(HS_LABEL.source, 'i').test(normalizeOcrText(line));
}
