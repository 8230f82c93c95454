/** Levenshtein distance, stopping early once `max` is exceeded (returns max + 1 then). */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

/** Full-width forms (Ｑ，：１) to ASCII, and the common OCR variants of colons and dots. */
export function normalizeOcrText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[：﹕]/g, ':')
    .replace(/[，]/g, ',')
    .replace(/[。．]/g, '.')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Digit look-alikes inside a number ("1O.5" → "10.5"). Only applied where a number is expected. */
export function repairDigits(s: string): string {
  return s.replace(/[OoDQ]/g, '0').replace(/[Il|!]/g, '1').replace(/[S$]/g, '5').replace(/B/g, '8').replace(/Z/g, '2').replace(/G/g, '6');
}

/**
 * Parses a printed number: "1,234.5", "1.234.567,5", "12,5", "12.500" (a single dot is always a decimal point) — returns null when the
 * string is not a number.
 */
export function parseLocaleNumber(raw: string): number | null {
  let s = raw.replace(/\s+/g, '');
  if (!/^\d[\d.,]*$/.test(s)) return null;
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^\d{1,3}(\.\d{3}){2,}(,\d+)?$/.test(s) || /^\d{1,3}(\.\d{3})+,\d+$/.test(s)) s = s.replace(/\./g, '').replace(',', '.');
  else if (/^\d+,\d{1,2}$/.test(s)) s = s.replace(',', '.');
  else if (/^\d+(\.\d+)?$/.test(s)) {
    // plain
  } else return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}
