/** Seal numbers: "SEAL NO.: SH9212330", "SEAL# 123456", "封志号：ML9989383" (value on the same or the next line). */
import { editDistance, normalizeOcrText } from './text-utils.ts';

// "SEAL", with its usual OCR variants (5EAL, SEA1, SFAL...), then an optional "NO.", "NUMBER", "#", ":".
// "#" is sometimes read as a letter ("SEALA", "SEALH"): one such character before the end of the word.
const SEAL_WORD = /(?<![A-Z0-9])([S5$][E3F][A4][L1I|])(?:S(?![A-Z])|[AH](?![A-Z]))?(?=N[O0]|NUMBER|NBR|[^A-Z]|$)/i;
const SEAL_SUFFIX = /^\s*(?:N[O0]S?\.?|NUMBERS?|NBR|N°|#|ID)?\s*[.:#]*\s*/i;
// Also with one character misread ("时志号" for 封志号).
const ZH_SEAL = /(封志号|封志號|封条号|封條號|铅封号|鉛封號|关封号|關封號|施封号|封号|封號|铅封|鉛封|封志|封条|封條|\S志号|\S志號|封\S号|封\S號)\s*(?:号码|號碼|号|號)?\s*[:：]?\s*/;

export interface SealLabel {
  /** Where the label ends (the number may follow). */
  end: number;
  label: string;
}

export function findSealLabel(line: string): SealLabel | null {
  const text = normalizeOcrText(line);
  const z = ZH_SEAL.exec(text);
  if (z) return { end: z.index + z[0].length, label: z[1] };
  const m = SEAL_WORD.exec(text);
  if (m && editDistance(m[1].toUpperCase(), 'SEAL', 1) <= 1) {
    const after = SEAL_SUFFIX.exec(text.slice(m.index + m[0].length));
    return { end: m.index + m[0].length + (after ? after[0].length : 0), label: m[0] };
  }
  return null;
}

const DIGIT_FOR: Record<string, string> = { O: '0', Q: '0', D: '0', I: '1', L: '1', '|': '1', S: '5', B: '8', Z: '2', G: '6' };
const LETTER_FOR: Record<string, string> = { '0': 'O', '1': 'I', '5': 'S', '8': 'B', '2': 'Z', '6': 'G' };

/**
 * A printed seal number, cleaned: upper case, look-alike letters inside the digit run become digits
 * and look-alike digits inside a letter prefix become letters. Null when it does not look like one
 * (5–20 characters, at least 4 digits, at most 6 letters).
 */
export function normalizeSealNumber(token: string): string | null {
  const s = token.toUpperCase().replace(/[\s\-–]/g, '');
  if (!/^[A-Z0-9|]{5,20}$/.test(s)) return null;
  // The trailing run of digits and digit look-alikes, starting at a real digit.
  let start = s.length;
  while (start > 0 && /[0-9OQDILSBZG|]/.test(s[start - 1])) start--;
  while (start < s.length && !/\d/.test(s[start])) start++;
  const prefix = s.slice(0, start);
  const run = s.slice(start);
  const fixedRun = [...run].map((c) => DIGIT_FOR[c] ?? c).join('');
  const fixedPrefix = /[A-Z]/.test(prefix) ? [...prefix].map((c) => LETTER_FOR[c] ?? c).join('') : prefix;
  const out = fixedPrefix + fixedRun;
  const digits = out.replace(/\D/g, '').length;
  const letters = out.replace(/[^A-Z]/g, '').length;
  if (digits < 4 || letters > 6) return null;
  return out;
}

/** Seal numbers in the text after a label: one or several, separated by commas, slashes or "&". */
export function parseSealNumbers(text: string): string[] {
  const t = normalizeOcrText(text);
  const parts = t.split(/\s*(?:[,;/&]|\bAND\b|、)\s*/i).filter(Boolean);
  const out: string[] = [];
  for (const part of parts) {
    // Try the whole part (OCR may have split the number with a space), then its first word.
    const words = part.split(/\s+/);
    const whole = normalizeSealNumber(words.slice(0, 2).join(''));
    const first = normalizeSealNumber(words[0]);
    const pick = first && (!whole || words[0].length >= 6 || words.length === 1) ? first : whole;
    if (pick && !out.includes(pick)) out.push(pick);
  }
  return out;
}
