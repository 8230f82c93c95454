// Wall-clock time in an IANA time zone ⇄ instants, with the platform's Intl time-zone data (no library).
//
// Local → instant follows Temporal's "compatible" disambiguation, which is what people expect:
// - a wall time that occurs twice (autumn, clocks go back) means the earlier instant;
// - a wall time that does not exist (spring, clocks go forward) is moved forward by the gap (02:30 → 03:30 in Berlin).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True if the platform knows this IANA zone (e.g. `Europe/Berlin`, `Asia/Shanghai`, `UTC`). */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  /** `YYYY-MM-DD` */
  date: string;
  /** `HH:MM` */
  time: string;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** Offset from UTC in minutes at that instant (+60 for CET, +120 for CEST). */
  offsetMinutes: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function wallFields(ms: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), mo: get('month'), d: get('day'), h: get('hour') % 24, mi: get('minute'), s: get('second') };
}

/** Offset of the zone from UTC at an instant, in milliseconds. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const f = wallFields(ms, timeZone);
  const asUtc = Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The wall clock in a zone at an instant. */
export function toWallClock(ms: number, timeZone: string): WallClock {
  const f = wallFields(ms, timeZone);
  const dayMs = Date.UTC(f.y, f.mo - 1, f.d);
  const weekday = ((new Date(dayMs).getUTCDay() + 6) % 7) + 1;
  return {
    date: `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`,
    time: `${pad(f.h)}:${pad(f.mi)}`,
    weekday,
    offsetMinutes: Math.round(zoneOffsetMs(ms, timeZone) / 60_000),
  };
}

/**
 * The instant of a wall-clock date and time (`HH:MM`, `24:00` allowed for the end of the day) in a zone.
 * The caller validates the strings; see the module comment for DST gaps and overlaps.
 */
export function wallClockToInstant(date: string, time: string, timeZone: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const local = Date.UTC(y, mo - 1, d, h, mi); // the wall time read as if it were UTC
  // A transition moves the offset at most once within a day either side, so the offsets 1 day before and after
  // are the only candidates. Each candidate offset is valid when it is the zone's real offset at the result.
  const before = zoneOffsetMs(local - 86_400_000, timeZone);
  const after = zoneOffsetMs(local + 86_400_000, timeZone);
  const valid: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = local - off;
    if (zoneOffsetMs(t, timeZone) === off) valid.push(t);
  }
  if (valid.length) return Math.min(...valid); // overlap → earlier instant
  // Gap: read the wall time with the offset in force before the transition, which lands after the gap.
  return local - before;
}
