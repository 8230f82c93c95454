/** GS1 identifiers in barcode contents: GTIN check digits, GS1 element strings and Digital Link URIs. */

/** GS1 mod-10 check digit of the digits before it (weights 3,1,3,… from the right). */
export function gs1CheckDigit(body: string): number {
  if (!/^\d+$/.test(body)) throw new Error(`GS1 check digit needs digits, got "${body}"`);
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += d * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** True for a GTIN-8, -12, -13 or -14 whose check digit holds. */
export function isValidGtin(code: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(code)) return false;
  return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/** GTIN-14 form (left-padded with zeros), the form used in GS1 element strings. */
export function toGtin14(code: string): string {
  return code.padStart(14, '0');
}

export interface Gs1Data {
  gtin?: string;
  /** Application identifiers → values, e.g. { '01': '0950…', '10': 'LOT42', '17': '261231' }. */
  elements: Record<string, string>;
}

// Fixed-length application identifiers (GS1 General Specifications, figure 5.10.1-2).
const FIXED_LENGTH: Record<string, number> = {
  '00': 18, '01': 14, '02': 14, '11': 6, '12': 6, '13': 6, '15': 6, '16': 6, '17': 6, '20': 2,
  '410': 13, '411': 13, '412': 13, '413': 13, '414': 13, '415': 13, '416': 13, '417': 13,
};
const VARIABLE_AI = /^(10|21|22|30|37|90|91|92|93|94|95|96|97|98|99|240|241|250|251|400|401|402|403|420|421|422|423|424|425|426|3\d{3})/;

/**
 * Parses a GS1 element string, in human-readable form "(01)09506000134352(10)ABC" or raw form with
 * FNC1 separators (ASCII 29), or a GS1 Digital Link URI (https://…/01/09506000134352/10/ABC).
 * Returns null when the text is not GS1 data.
 */
export function parseGs1(text: string): Gs1Data | null {
  const t = text.trim();
  const elements: Record<string, string> = {};
  if (/^\(\d{2,4}\)/.test(t)) {
    for (const m of t.matchAll(/\((\d{2,4})\)([^(]*)/g)) elements[m[1]] = m[2];
  } else if (/^https?:\/\//i.test(t)) {
    let url: URL;
    try { url = new URL(t); } catch { return null; }
    const parts = url.pathname.split('/').filter(Boolean);
    const i = parts.findIndex((p, k) => /^(01|gtin)$/.test(p) && /^\d{8,14}$/.test(parts[k + 1] ?? ''));
    if (i < 0) return null;
    for (let k = i; k + 1 < parts.length; k += 2) elements[parts[k] === 'gtin' ? '01' : parts[k]] = decodeURIComponent(parts[k + 1]);
  } else if (/^(\]C1|\]e0|\]d2|\]Q3)?\d{2}/.test(t) && (t.includes('\x1d') || /^(\]C1|\]e0|\]d2|\]Q3)/.test(t))) {
    let s = t.replace(/^(\]C1|\]e0|\]d2|\]Q3)/, '');
    while (s.length) {
      const fixedAi = Object.keys(FIXED_LENGTH).find((ai) => s.startsWith(ai));
      if (fixedAi) {
        elements[fixedAi] = s.slice(fixedAi.length, fixedAi.length + FIXED_LENGTH[fixedAi]);
        // eslint-disable-next-line no-control-regex -- GS1 separates fields with the GS control character
        s = s.slice(fixedAi.length + FIXED_LENGTH[fixedAi]).replace(/^\x1d/, '');
        continue;
      }
      const v = VARIABLE_AI.exec(s);
      if (!v) break;
      const end = s.indexOf('\x1d');
      elements[v[1]] = s.slice(v[1].length, end < 0 ? undefined : end);
      s = end < 0 ? '' : s.slice(end + 1);
    }
  } else return null;
  if (!Object.keys(elements).length) return null;
  const gtin = elements['01'];
  return { elements, ...(gtin && isValidGtin(gtin) ? { gtin } : {}) };
}

/** UPC-E (8 digits: number system, 6 digits, check) expanded to its UPC-A / GTIN-12 form. */
export function expandUpcE(upce: string): string | null {
  if (!/^[01]\d{7}$/.test(upce)) return null;
  const ns = upce[0], d = upce.slice(1, 7), check = upce[7];
  const last = d[5];
  let body: string;
  if ('012'.includes(last)) body = d.slice(0, 2) + last + '0000' + d.slice(2, 5);
  else if (last === '3') body = d.slice(0, 3) + '00000' + d.slice(3, 5);
  else if (last === '4') body = d.slice(0, 4) + '00000' + d[4];
  else body = d.slice(0, 5) + '0000' + last;
  return ns + body + check;
}
