/**
 * ISO 6346 freight container identification: owner code (3 letters), equipment category (U, J or Z),
 * serial number (6 digits) and check digit. The check digit is the weighted sum of the 10 characters
 * (letters valued 10..38 skipping multiples of 11, weights 2^position) modulo 11, with 10 written as 0.
 */

const LETTER_VALUES: Record<string, number> = (() => {
  const values: Record<string, number> = {};
  let v = 10;
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
    if (v % 11 === 0) v++;
    values[ch] = v++;
  }
  return values;
})();

export const CONTAINER_CATEGORIES = ['U', 'J', 'Z'] as const;

/** Check digit of the first 10 characters (owner code, category, serial). Throws on a malformed prefix. */
export function containerCheckDigit(prefix: string): number {
  const p = prefix.toUpperCase();
  if (!/^[A-Z]{4}\d{6}$/.test(p.slice(0, 10)) || p.length < 10) throw new Error(`not an ISO 6346 owner code + serial: "${prefix}"`);
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    const ch = p[i];
    const value = i < 4 ? LETTER_VALUES[ch] : ch.charCodeAt(0) - 48;
    sum += value * 2 ** i;
  }
  return (sum % 11) % 10;
}

/** True for a well-formed ISO 6346 number (category U, J or Z) whose check digit holds. */
export function isValidContainerNumber(code: string): boolean {
  const c = code.toUpperCase();
  if (!/^[A-Z]{3}[UJZ]\d{7}$/.test(c)) return false;
  return containerCheckDigit(c) === c.charCodeAt(10) - 48;
}

// Usual OCR confusions, by the kind of character the position requires.
const DIGIT_FOR: Record<string, string> = { O: '0', D: '0', Q: '0', I: '1', L: '1', '|': '1', S: '5', B: '8', Z: '2', G: '6' };
const LETTER_FOR: Record<string, string> = { '0': 'O', '1': 'I', '5': 'S', '8': 'B', '2': 'Z', '6': 'G' };
// The category letter is one of U, J, Z: only look-alikes of those (an O or 0 there is more likely
// part of some other word than a misread U).
const CATEGORY_FOR: Record<string, string> = { '2': 'Z', '1': 'J', I: 'J', V: 'U' };

export interface ContainerRepair {
  position: number;
  from: string;
  /** '' when the character was dropped (an extra stroke read as a digit, e.g. a door bar across the serial). */
  to: string;
}

export type ContainerReading =
  | { status: 'verified'; code: string; raw: string; repairs: ContainerRepair[] }
  | { status: 'unverified'; code: string; raw: string; repairs: ContainerRepair[]; reason: 'check_digit_mismatch' | 'missing_check_digit' };

/**
 * Interprets an 11-character (or 10-character, check digit missing) candidate. Characters that cannot
 * be where they are (a digit among the owner letters, a letter among the serial digits) are replaced by
 * their usual look-alike; the result is accepted only if its check digit holds.
 * Returns null when the string does not have the shape of a container number even after repair.
 */
export function interpretContainerCandidate(raw: string): ContainerReading | null {
  const s = raw.toUpperCase();
  if (s.length !== 11 && s.length !== 10) return null;
  const repairs: ContainerRepair[] = [];
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    let fixed: string | undefined;
    if (i < 3) fixed = /[A-Z]/.test(ch) ? ch : LETTER_FOR[ch];
    else if (i === 3) fixed = 'UJZ'.includes(ch) ? ch : CATEGORY_FOR[ch];
    else fixed = /\d/.test(ch) ? ch : DIGIT_FOR[ch];
    if (!fixed) return null;
    if (fixed !== ch) repairs.push({ position: i, from: ch, to: fixed });
    out.push(fixed);
  }
  // Each accepted repair lets one more misread through by chance (a check digit holds one time in
  // ten); more than two replaced characters is guessing, not repairing.
  if (repairs.length > 2) return null;
  const code = out.join('');
  if (code.length === 10) return { status: 'unverified', code, raw, repairs, reason: 'missing_check_digit' };
  if (isValidContainerNumber(code)) return { status: 'verified', code, raw, repairs };
  return { status: 'unverified', code, raw, repairs, reason: 'check_digit_mismatch' };
}

/**
 * All container numbers in a free text (one line, possibly spaced like "MSCU 123456 5" or with the
 * check digit set apart). Tokens are joined whole, so a number is never cut out of a longer word.
 */
export function findContainerNumbersInText(text: string): ContainerReading[] {
  const tokens = tokenizeForContainer(text);
  return findContainerNumbersInTokens(tokens).map((c) => c.reading);
}

/** Splits on anything that is not a letter, digit or '|' (box edges are often read as '|', '[', ']'). */
export function tokenizeForContainer(text: string): string[] {
  return text
    .normalize('NFKC') // the Chinese recogniser often answers full-width forms (Ｈ, ４) for upright stacked characters
    .toUpperCase()
    .split(/[^A-Z0-9|]+/)
    .map((t) => t.replace(/^\|+|\|+$/g, ''))
    .filter((t) => t.length > 0);
}

export interface TokenCandidate {
  reading: ContainerReading;
  /** Index of the first and last token used. */
  first: number;
  last: number;
}

/**
 * Whole-token concatenations of 10 or 11 characters, plus an exact number with one stray character
 * glued to it.
 */
export function findContainerNumbersInTokens(tokens: string[]): TokenCandidate[] {
  const found: TokenCandidate[] = [];
  for (let first = 0; first < tokens.length; first++) {
    let joined = '';
    for (let last = first; last < tokens.length && joined.length < 11; last++) {
      joined += tokens[last];
      if (joined.length === 11 || joined.length === 10) {
        const reading = interpretContainerCandidate(joined);
        if (reading) found.push({ reading, first, last });
      } else if (joined.length === 12 && first === last) {
        // One stray character glued to a number ("1CSQU3054383"): accepted only as printed, without
        // repairs — cutting 11 characters out of longer words ("MAXGR05530371") finds numbers by chance.
        for (const part of [joined.slice(0, 11), joined.slice(-11)]) {
          const reading = interpretContainerCandidate(part);
          if (reading && reading.status === 'verified' && reading.repairs.length === 0) found.push({ reading, first, last });
        }
      }
      if (joined.length === 12 && /^[A-Z]{3}[UJZ]/.test(joined)) {
        const reading = dropExtraStroke(joined);
        if (reading) found.push({ reading, first, last });
      }
    }
  }
  return found;
}

/** Characters an extra vertical stroke (a door bar, a box edge, a rivet line) is read as. */
const STROKES = new Set(['1', 'I', 'L', '|', 'J']);

/**
 * Owner code + category as printed, then eight characters where seven belong: a stroke read as an extra digit
 * ("AXIU 14581592" for AXIU 1458592, a door bar crossing the serial). Each stroke-like character of the serial is
 * dropped in turn; the reading is kept only when exactly one drop gives a number whose check digit holds, with no
 * other repair (two drops that both verify: the check digit cannot tell which, so neither is reported).
 */
export function dropExtraStroke(raw: string): ContainerReading | null {
  const s = raw.toUpperCase();
  if (s.length !== 12 || !/^[A-Z]{3}[UJZ]$/.test(s.slice(0, 4)) || !/^[0-9IL|J]{8}$/.test(s.slice(4))) return null;
  const codes = new Map<string, ContainerReading>();
  for (let i = 4; i < 12; i++) {
    if (!STROKES.has(s[i])) continue;
    const r = interpretContainerCandidate(s.slice(0, i) + s.slice(i + 1));
    if (r?.status === 'verified' && r.repairs.length === 0) codes.set(r.code, { ...r, raw, repairs: [{ position: i, from: s[i], to: '' }] });
  }
  return codes.size === 1 ? [...codes.values()][0] : null;
}

/**
 * ISO 6346 size and type code (e.g. 22G1, 42G1, 45R1, L5G1): length code, height/width code, type
 * letter and a digit. OCR look-alikes are repaired by position.
 */
export function parseSizeTypeCode(token: string): string | null {
  const s = token.toUpperCase().replace(/[^A-Z0-9|]/g, '');
  if (s.length !== 4) return null;
  const len = /[1-9ABCDEFGHKLMNP]/.test(s[0]) ? s[0] : ({ I: '1', Z: '2', S: '5' } as Record<string, string>)[s[0]];
  const hw = /[0-9CDEFLMNP]/.test(s[1]) ? s[1] : ({ O: '0', I: '1', Z: '2', S: '5', B: '8', G: '6' } as Record<string, string>)[s[1]];
  const type = /[GVBSRHUPTKNA]/.test(s[2]) ? s[2] : ({ '6': 'G', '8': 'B', '5': 'S', '0': 'U' } as Record<string, string>)[s[2]];
  const sub = /\d/.test(s[3]) ? s[3] : ({ I: '1', L: '1', '|': '1', O: '0', Z: '2', S: '5', B: '8', G: '6' } as Record<string, string>)[s[3]];
  if (!len || !hw || !type || !sub) return null;
  // At least two of the four characters as printed must be digits (rules out ordinary words).
  if (s.replace(/[^0-9]/g, '').length < 2) return null;
  return len + hw + type + sub;
}
