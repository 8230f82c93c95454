/**
 * Retention: how long each type of record must be kept before it may be deleted. Periods are ISO 8601 durations
 * (`P10Y`, `P6M`, `P90D`, `P1Y6M`, `PT12H`) or `forever`. Years and months are calendar periods in UTC, clamped to the
 * month's end (a record made on 31 January at 10:00 with `P1M` is kept until 28 or 29 February at 10:00).
 */

export interface RetentionPeriod {
  years: number;
  months: number;
  days: number;
  /** hours, minutes and seconds, in milliseconds */
  timeMs: number;
}

export type RetentionPolicy = Readonly<Record<string, string>>;

export type DeletionReason =
  | 'retention_expired'
  | 'under_retention'
  | 'retained_indefinitely'
  | 'no_retention_policy'
  | 'legal_hold'
  | 'invalid_created_at';

export interface DeletionDecision {
  deletable: boolean;
  reason: DeletionReason;
  /** When the record may first be deleted (ISO 8601), or null when never / unknown. */
  retainUntil: string | null;
  message: string;
}

const DURATION_RE = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Parses a retention period; throws a message naming the problem. Returns null for `forever`. */
export function parseRetentionPeriod(text: string): RetentionPeriod | null {
  if (typeof text !== 'string') throw new TypeError('retention period: expected a string such as "P10Y" or "forever"');
  if (text === 'forever') return null;
  const m = DURATION_RE.exec(text);
  if (!m) throw new TypeError(`retention period ${JSON.stringify(text)}: expected an ISO 8601 duration such as P10Y, P6M, P90D or PT12H, or "forever"`);
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const p = { years: n(1), months: n(2), days: n(3) * 7 + n(4), timeMs: ((n(5) * 60 + n(6)) * 60 + n(7)) * 1000 };
  if (p.years > 1000 || p.months > 12_000 || p.days > 400_000) throw new TypeError(`retention period ${JSON.stringify(text)}: too long`);
  return p;
}

/** Checks every period of a policy at start-up; throws naming the record type whose period is invalid. */
export function parseRetentionPolicy(policy: Record<string, unknown>): RetentionPolicy {
  if (!policy || typeof policy !== 'object' || Array.isArray(policy)) throw new TypeError('retention policy: expected an object of record type → period');
  const out: Record<string, string> = {};
  for (const [type, period] of Object.entries(policy)) {
    try {
      parseRetentionPeriod(period as string);
    } catch (e) {
      throw new TypeError(`retention policy for "${type}": ${(e as Error).message}`);
    }
    out[type] = period as string;
  }
  return Object.freeze(out);
}

function daysInMonthUtc(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** `from` plus the period, calendar-aware in UTC (month ends clamp: 31 Jan + P1M = 28/29 Feb). */
export function addRetention(from: Date, p: RetentionPeriod): Date {
  const y = from.getUTCFullYear();
  const totalMonths = from.getUTCMonth() + p.months + p.years * 12;
  const year = y + Math.floor(totalMonths / 12);
  const month0 = ((totalMonths % 12) + 12) % 12;
  const day = Math.min(from.getUTCDate(), daysInMonthUtc(year, month0));
  const shifted = Date.UTC(year, month0, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds());
  return new Date(shifted + p.days * 86_400_000 + p.timeMs);
}

/**
 * Decides whether a record of `recordType` created at `createdAt` may be deleted at `now`. Fails closed: a type
 * without a policy, a record on legal hold, or an unreadable creation time is never deletable. Pure: no clock, no I/O.
 */
export function decideDeletion(input: {
  recordType: string;
  createdAt: Date | string;
  now: Date;
  policy: RetentionPolicy;
  legalHold?: boolean;
}): DeletionDecision {
  const { recordType, policy } = input;
  const created = input.createdAt instanceof Date ? input.createdAt : new Date(input.createdAt);
  if (Number.isNaN(created.getTime())) {
    return { deletable: false, reason: 'invalid_created_at', retainUntil: null, message: `${recordType}: creation time ${JSON.stringify(input.createdAt)} is not a valid time` };
  }
  if (input.legalHold) {
    return { deletable: false, reason: 'legal_hold', retainUntil: null, message: `${recordType}: on legal hold` };
  }
  if (!Object.prototype.hasOwnProperty.call(policy, recordType)) {
    return { deletable: false, reason: 'no_retention_policy', retainUntil: null, message: `${recordType}: no retention period is configured, so it is kept` };
  }
  const period = parseRetentionPeriod(policy[recordType]);
  if (period === null) {
    return { deletable: false, reason: 'retained_indefinitely', retainUntil: null, message: `${recordType}: kept forever` };
  }
  const until = addRetention(created, period);
  const retainUntil = until.toISOString();
  if (input.now.getTime() >= until.getTime()) {
    return { deletable: true, reason: 'retention_expired', retainUntil, message: `${recordType}: retention (${policy[recordType]}) ended ${retainUntil}` };
  }
  return { deletable: false, reason: 'under_retention', retainUntil, message: `${recordType}: under retention (${policy[recordType]}) until ${retainUntil}` };
}

/** No record type may be kept for less than this, whatever the configuration says (issue 13). */
export const RETENTION_FLOOR = 'P1Y';

// Calendar periods have no fixed length (P1M is 28 to 31 days): compare them from several starting days, month ends
// and a leap day included, and call `a` at least `b` only when it is at least as long from every one of them.
const REFERENCE_STARTS = ['2001-01-31T00:00:00Z', '2001-02-28T00:00:00Z', '2003-03-01T00:00:00Z', '2004-02-29T00:00:00Z', '2004-12-31T23:00:00Z'].map((s) => new Date(s));

/** Is period `a` at least as long as period `b`? (ISO 8601 durations or `forever`; throws on an invalid one.) */
export function periodAtLeast(a: string, b: string): boolean {
  const pa = parseRetentionPeriod(a);
  const pb = parseRetentionPeriod(b);
  if (pa === null) return true;
  if (pb === null) return false;
  return REFERENCE_STARTS.every((d) => addRetention(d, pa).getTime() >= addRetention(d, pb).getTime());
}
