// Calendar dates (`YYYY-MM-DD`, no time, no zone) as whole day numbers. Dispatch works in office-local calendar
// days: an order's date and an inspector's roster are days, not instants, so no time zone enters here.

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

// Dispatch parses the same few dates tens of thousands of times per run; memoise (bounded).
const memo = new Map<string, number | null>();

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, or null if the text is not a real calendar date. */
export function dayNumber(date: string): number | null {
  if (typeof date !== 'string') return null;
  const hit = memo.get(date);
  if (hit !== undefined) return hit;
  const v = parseDay(date);
  if (memo.size >= 20_000) memo.clear();
  memo.set(date, v);
  return v;
}

function parseDay(date: string): number | null {
  const m = DATE_RE.exec(date);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Rejects 2025-02-30 and friends, which Date.UTC would silently roll over.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / MS_PER_DAY;
}

/** Inverse of dayNumber. */
export function dateOfDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Adds days to a `YYYY-MM-DD` date. Throws on an invalid date. */
export function addDays(date: string, days: number): string {
  const d = dayNumber(date);
  if (d === null) throw new RangeError(`not a valid YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return dateOfDay(d + days);
}
