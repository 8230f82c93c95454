// Booking remote inspections: slots within an office's working hours (in its own IANA time zone, DST-aware) that
// neither the inspector nor the enterprise's operator already has booked; checking a chosen slot; and detecting a
// missed appointment (no operator joined within the grace period).
//
// All intervals are half-open [start, end) and given as ISO 8601 instants with an explicit offset or `Z`
// (`2025-03-30T08:00:00Z`, `2025-03-30T10:00+02:00`). Wall-clock-only strings are rejected: their meaning depends on
// a zone the caller did not name. Output instants are UTC (`…Z`), with the office-local date and times alongside.

import { addDays, dayNumber, isoWeekday, dateOfDay } from './calendar.ts';
import { DomainValidationError, type Issue } from './errors.ts';
import { isValidTimeZone, toWallClock, wallClockToInstant } from './timezone.ts';
import { IssueList, describe, isPlainObject } from './validate.ts';

export interface TimeWindow {
  /** `HH:MM`, office-local. */
  start: string;
  /** `HH:MM` after start; `24:00` for midnight at the end of the day. */
  end: string;
}

export interface WorkingHours {
  /** IANA zone of the office, e.g. `Europe/Berlin`. */
  timeZone: string;
  /** ISO weekday `"1"` (Monday) … `"7"` (Sunday) → opening windows; a missing day is closed. */
  weekly: Record<string, TimeWindow[]>;
  /** Office-local dates when the office is closed (public holidays). */
  closedDates?: string[];
}

export interface Interval {
  start: string;
  end: string;
}

export interface Slot {
  /** UTC instants. */
  start: string;
  end: string;
  /** Office-local date and times, for display. */
  localDate: string;
  localStart: string;
  localEnd: string;
}

export interface SlotSearch {
  workingHours: WorkingHours;
  /** Search range (instants). At most 62 days. */
  from: string;
  to: string;
  durationMinutes: number;
  /** Distance between candidate starts, default = durationMinutes. Slots start at each window's opening. */
  stepMinutes?: number;
  /** Existing appointments and blocked time of the inspector. */
  inspectorBusy?: Interval[];
  /** Existing appointments of the enterprise's operator. */
  operatorBusy?: Interval[];
  /** Minutes kept free between a slot and any busy interval, default 0. */
  bufferMinutes?: number;
  /** Earliest allowed start (e.g. now + notice period). */
  notBefore?: string;
}

const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const MIN = 60_000;
const LIMITS = { rangeDays: 62, busy: 10_000, windowsPerDay: 12, closedDates: 1000, slots: 5000, durationMinutes: 24 * 60 };

/** Parses an ISO 8601 instant with offset; null if malformed. */
export function parseInstant(v: unknown): number | null {
  if (typeof v !== 'string' || !INSTANT_RE.test(v)) return null;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : null;
}

const iso = (ms: number) => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------------------------
// Validation

export function validateWorkingHours(h: unknown, path = 'workingHours'): Issue[] {
  const issues = new IssueList();
  if (!isPlainObject(h)) {
    issues.add(path, `must be an object {timeZone, weekly, closedDates?}, got ${describe(h)}`);
    return issues.issues;
  }
  if (!isValidTimeZone(h.timeZone)) issues.add(`${path}.timeZone`, `must be an IANA time zone such as "Europe/Berlin", got ${describe(h.timeZone)}`);
  if (!isPlainObject(h.weekly)) issues.add(`${path}.weekly`, `must be an object mapping ISO weekday "1"–"7" to windows, got ${describe(h.weekly)}`);
  else {
    for (const [day, windows] of Object.entries(h.weekly)) {
      const p = `${path}.weekly.${day}`;
      if (!/^[1-7]$/.test(day)) {
        issues.add(p, 'unknown weekday (use "1" for Monday … "7" for Sunday)');
        continue;
      }
      if (!Array.isArray(windows) || windows.length > LIMITS.windowsPerDay) {
        issues.add(p, `must be an array of at most ${LIMITS.windowsPerDay} {start, end} windows`);
        continue;
      }
      windows.forEach((w, i) => {
        const q = `${p}[${i}]`;
        if (!isPlainObject(w)) return issues.add(q, `must be {start: "HH:MM", end: "HH:MM"}, got ${describe(w)}`);
        const okStart = typeof w.start === 'string' && TIME_RE.test(w.start) && w.start !== '24:00';
        const okEnd = typeof w.end === 'string' && TIME_RE.test(w.end);
        if (!okStart) issues.add(`${q}.start`, `must be a time HH:MM (00:00–23:59), got ${describe(w.start)}`);
        if (!okEnd) issues.add(`${q}.end`, `must be a time HH:MM (00:01–24:00), got ${describe(w.end)}`);
        if (okStart && okEnd && (w.end as string) <= (w.start as string)) issues.add(`${q}.end`, `must be after start ${w.start}`);
      });
    }
  }
  if (h.closedDates !== undefined) {
    if (!Array.isArray(h.closedDates) || h.closedDates.length > LIMITS.closedDates) {
      issues.add(`${path}.closedDates`, `must be an array of at most ${LIMITS.closedDates} dates`);
    } else {
      h.closedDates.forEach((d, i) => {
        if (typeof d !== 'string' || dayNumber(d) === null) issues.add(`${path}.closedDates[${i}]`, `must be a date YYYY-MM-DD, got ${describe(d)}`);
      });
    }
  }
  return issues.issues;
}

function validateIntervals(issues: IssueList, path: string, list: unknown): void {
  if (list === undefined) return;
  if (!Array.isArray(list) || list.length > LIMITS.busy) {
    issues.add(path, `must be an array of at most ${LIMITS.busy} {start, end} intervals, got ${describe(list)}`);
    return;
  }
  list.forEach((x, i) => {
    const p = `${path}[${i}]`;
    if (!isPlainObject(x)) return issues.add(p, `must be {start, end}, got ${describe(x)}`);
    const s = parseInstant(x.start);
    const e = parseInstant(x.end);
    if (s === null) issues.add(`${p}.start`, `must be an ISO 8601 instant with offset or Z, got ${describe(x.start)}`);
    if (e === null) issues.add(`${p}.end`, `must be an ISO 8601 instant with offset or Z, got ${describe(x.end)}`);
    if (s !== null && e !== null && e <= s) issues.add(`${p}.end`, 'must be after start');
  });
}

function checkMinutes(issues: IssueList, path: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) issues.add(path, `must be an integer from ${min} to ${max} minutes, got ${describe(v)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Working windows

interface Span {
  start: number;
  end: number;
}

/** Office opening windows (merged when adjacent or overlapping) for each local date touching [fromMs, toMs). */
export function workingSpans(hours: WorkingHours, fromMs: number, toMs: number): (Span & { localDate: string })[] {
  const tz = hours.timeZone;
  const closed = new Set(hours.closedDates ?? []);
  const firstDay = dayNumber(toWallClock(fromMs, tz).date) as number;
  const lastDay = dayNumber(toWallClock(toMs, tz).date) as number;
  const out: (Span & { localDate: string })[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const date = dateOfDay(day);
    if (closed.has(date)) continue;
    const windows = hours.weekly[String(isoWeekday(day))] ?? [];
    const spans = windows
      .map((w) => ({
        start: wallClockToInstant(date, w.start, tz),
        end: w.end === '24:00' ? wallClockToInstant(addDays(date, 1), '00:00', tz) : wallClockToInstant(date, w.end, tz),
      }))
      .filter((s) => s.end > s.start)
      .sort((a, b) => a.start - b.start);
    for (const s of spans) {
      const last = out[out.length - 1];
      if (last && last.localDate === date && s.start <= last.end) last.end = Math.max(last.end, s.end);
      else out.push({ ...s, localDate: date });
    }
  }
  return out;
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function toSpans(list: Interval[] | undefined): Span[] {
  return (list ?? []).map((x) => ({ start: parseInstant(x.start) as number, end: parseInstant(x.end) as number })).sort((a, b) => a.start - b.start);
}

function slotOf(s: Span, tz: string): Slot {
  const a = toWallClock(s.start, tz);
  const b = toWallClock(s.end, tz);
  return { start: iso(s.start), end: iso(s.end), localDate: a.date, localStart: a.time, localEnd: b.time };
}

// ---------------------------------------------------------------------------------------------------------------
// Slots

/**
 * Every free slot of `durationMinutes` in the range: inside one opening window of the office (local time, DST
 * handled), not overlapping the inspector's or the operator's busy intervals (± buffer), not before `notBefore`.
 * Throws DomainValidationError naming the bad field.
 */
export function generateSlots(search: SlotSearch): Slot[] {
  const issues = new IssueList();
  if (!isPlainObject(search)) throw new DomainValidationError('slot search', [{ path: 'search', message: 'must be an object' }]);
  for (const i of validateWorkingHours(search.workingHours)) issues.add(i.path, i.message);
  const from = parseInstant(search.from);
  const to = parseInstant(search.to);
  if (from === null) issues.add('from', `must be an ISO 8601 instant with offset or Z, got ${describe(search.from)}`);
  if (to === null) issues.add('to', `must be an ISO 8601 instant with offset or Z, got ${describe(search.to)}`);
  if (from !== null && to !== null) {
    if (to <= from) issues.add('to', 'must be after from');
    else if (to - from > LIMITS.rangeDays * 86_400_000) issues.add('to', `range must be at most ${LIMITS.rangeDays} days`);
  }
  checkMinutes(issues, 'durationMinutes', search.durationMinutes, 5, LIMITS.durationMinutes);
  if (search.stepMinutes !== undefined) checkMinutes(issues, 'stepMinutes', search.stepMinutes, 5, LIMITS.durationMinutes);
  if (search.bufferMinutes !== undefined) checkMinutes(issues, 'bufferMinutes', search.bufferMinutes, 0, 24 * 60);
  let notBefore = -Infinity;
  if (search.notBefore !== undefined) {
    const nb = parseInstant(search.notBefore);
    if (nb === null) issues.add('notBefore', `must be an ISO 8601 instant with offset or Z, got ${describe(search.notBefore)}`);
    else notBefore = nb;
  }
  validateIntervals(issues, 'inspectorBusy', search.inspectorBusy);
  validateIntervals(issues, 'operatorBusy', search.operatorBusy);
  if (issues.issues.length) throw new DomainValidationError('slot search', issues.issues);

  const tz = search.workingHours.timeZone;
  const duration = search.durationMinutes * MIN;
  const step = (search.stepMinutes ?? search.durationMinutes) * MIN;
  const buffer = (search.bufferMinutes ?? 0) * MIN;
  // Busy time of both people, widened by the buffer, merged into disjoint sorted spans so one forward sweep
  // checks every slot (slots are generated in time order).
  const busy: Span[] = [];
  for (const b of [...toSpans(search.inspectorBusy), ...toSpans(search.operatorBusy)]
    .map((x) => ({ start: x.start - buffer, end: x.end + buffer }))
    .sort((a, b) => a.start - b.start)) {
    const last = busy[busy.length - 1];
    if (last && b.start <= last.end) last.end = Math.max(last.end, b.end);
    else busy.push(b);
  }
  const out: Slot[] = [];
  let j = 0;
  for (const w of workingSpans(search.workingHours, from as number, to as number)) {
    for (let start = w.start; start + duration <= w.end; start += step) {
      const s = { start, end: start + duration };
      if (s.start < (from as number) || s.end > (to as number) || s.start < notBefore) continue;
      while (j < busy.length && busy[j].end <= s.start) j++;
      if (j < busy.length && overlaps(s, busy[j])) continue;
      out.push(slotOf(s, tz));
      if (out.length >= LIMITS.slots) return out;
    }
  }
  return out;
}

export interface ProposeOptions {
  /** How many slots to propose, default 5. */
  limit?: number;
  /** At most this many per local day, default 2, so the enterprise gets a choice of days. */
  maxPerDay?: number;
}

/** The first free slots, spread over days: what the enterprise is offered to choose from. */
export function proposeSlots(search: SlotSearch, options: ProposeOptions = {}): Slot[] {
  const limit = options.limit ?? 5;
  const maxPerDay = options.maxPerDay ?? 2;
  const issues: Issue[] = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) issues.push({ path: 'limit', message: `must be an integer from 1 to 100, got ${describe(limit)}` });
  if (!Number.isInteger(maxPerDay) || maxPerDay < 1 || maxPerDay > 100) issues.push({ path: 'maxPerDay', message: `must be an integer from 1 to 100, got ${describe(maxPerDay)}` });
  if (issues.length) throw new DomainValidationError('slot proposal options', issues);
  const perDay = new Map<string, number>();
  const out: Slot[] = [];
  for (const s of generateSlots(search)) {
    const n = perDay.get(s.localDate) ?? 0;
    if (n >= maxPerDay) continue;
    perDay.set(s.localDate, n + 1);
    out.push(s);
    if (out.length >= limit) break;
  }
  return out;
}

export type SlotRefusal = 'invalid_interval' | 'in_the_past' | 'outside_working_hours' | 'inspector_busy' | 'operator_busy';

export type SlotCheck =
  | { ok: true; slot: Slot }
  | { ok: false; reason: SlotRefusal; message: string; conflict?: Interval };

export interface SlotCheckInput {
  workingHours: WorkingHours;
  slot: Interval;
  inspectorBusy?: Interval[];
  operatorBusy?: Interval[];
  bufferMinutes?: number;
  /** Slots starting before this instant are refused. */
  now?: string;
}

/**
 * Checks a slot chosen or proposed by a person: it must lie inside one opening window of the office and overlap
 * nothing the inspector or operator already has. Returns a reason instead of throwing for a bad slot; throws
 * DomainValidationError only for bad configuration (working hours, busy lists).
 * The caller must run this inside the same transaction that stores the booking, so two bookings cannot race.
 */
export function checkSlot(input: SlotCheckInput): SlotCheck {
  const issues = new IssueList();
  if (!isPlainObject(input)) throw new DomainValidationError('slot check', [{ path: 'input', message: 'must be an object' }]);
  for (const i of validateWorkingHours(input.workingHours)) issues.add(i.path, i.message);
  validateIntervals(issues, 'inspectorBusy', input.inspectorBusy);
  validateIntervals(issues, 'operatorBusy', input.operatorBusy);
  if (input.bufferMinutes !== undefined) checkMinutes(issues, 'bufferMinutes', input.bufferMinutes, 0, 24 * 60);
  const now = input.now === undefined ? null : parseInstant(input.now);
  if (input.now !== undefined && now === null) issues.add('now', `must be an ISO 8601 instant with offset or Z, got ${describe(input.now)}`);
  if (issues.issues.length) throw new DomainValidationError('slot check', issues.issues);

  const slot = input.slot;
  const start = isPlainObject(slot) ? parseInstant(slot.start) : null;
  const end = isPlainObject(slot) ? parseInstant(slot.end) : null;
  if (start === null || end === null) {
    return { ok: false, reason: 'invalid_interval', message: 'slot.start and slot.end must be ISO 8601 instants with offset or Z' };
  }
  if (end <= start) return { ok: false, reason: 'invalid_interval', message: 'slot.end must be after slot.start' };
  if (end - start > LIMITS.durationMinutes * MIN) return { ok: false, reason: 'invalid_interval', message: 'slot must be at most 24 hours long' };
  if (now !== null && start < now) return { ok: false, reason: 'in_the_past', message: `slot starts at ${iso(start)}, before now (${iso(now)})` };

  const tz = input.workingHours.timeZone;
  const s = { start, end };
  const inside = workingSpans(input.workingHours, start, end).some((w) => w.start <= start && end <= w.end);
  if (!inside) {
    const a = toWallClock(start, tz);
    const b = toWallClock(end, tz);
    return {
      ok: false,
      reason: 'outside_working_hours',
      message: `${a.date} ${a.time}–${b.time} (${tz}) is not within the office's working hours`,
    };
  }
  const buffer = (input.bufferMinutes ?? 0) * MIN;
  for (const [who, list] of [['inspector', input.inspectorBusy], ['operator', input.operatorBusy]] as const) {
    for (const b of list ?? []) {
      const span = { start: (parseInstant(b.start) as number) - buffer, end: (parseInstant(b.end) as number) + buffer };
      if (overlaps(s, span)) {
        return {
          ok: false,
          reason: who === 'inspector' ? 'inspector_busy' : 'operator_busy',
          message: `the ${who} already has an appointment ${b.start} – ${b.end}`,
          conflict: { start: b.start, end: b.end },
        };
      }
    }
  }
  return { ok: true, slot: slotOf(s, tz) };
}

// ---------------------------------------------------------------------------------------------------------------
// Missed appointments

export interface AppointmentAttendance {
  /** Appointment start (instant). */
  start: string;
  /** When the enterprise's operator joined the session, or null/undefined if not yet. */
  operatorJoinedAt?: string | null;
}

export interface AttendanceStatus {
  /** joined: the operator joined by the deadline. waiting: not yet, deadline ahead. missed: deadline passed without a timely join. */
  status: 'joined' | 'waiting' | 'missed';
  /** start + grace period. */
  deadline: string;
  /** The operator joined, but after the deadline. */
  lateJoin: boolean;
}

/**
 * Missed-appointment rule: an appointment is missed when no operator joined by start + graceMinutes. A join after
 * the deadline still counts as missed (it is reported as `lateJoin`), so the outcome does not depend on when the
 * detection job happened to run.
 */
export function detectMissedAppointment(appointment: AppointmentAttendance, now: string, graceMinutes: number): AttendanceStatus {
  const issues: Issue[] = [];
  const start = isPlainObject(appointment) ? parseInstant(appointment.start) : null;
  if (start === null) issues.push({ path: 'appointment.start', message: 'must be an ISO 8601 instant with offset or Z' });
  const joinedRaw = isPlainObject(appointment) ? appointment.operatorJoinedAt : undefined;
  const joined = joinedRaw === undefined || joinedRaw === null ? null : parseInstant(joinedRaw);
  if (joinedRaw !== undefined && joinedRaw !== null && joined === null) {
    issues.push({ path: 'appointment.operatorJoinedAt', message: 'must be an ISO 8601 instant with offset or Z, or null' });
  }
  const nowMs = parseInstant(now);
  if (nowMs === null) issues.push({ path: 'now', message: 'must be an ISO 8601 instant with offset or Z' });
  if (!Number.isInteger(graceMinutes) || graceMinutes < 0 || graceMinutes > 24 * 60) {
    issues.push({ path: 'graceMinutes', message: `must be an integer from 0 to 1440, got ${describe(graceMinutes)}` });
  }
  if (issues.length) throw new DomainValidationError('missed-appointment check', issues);
  const deadline = (start as number) + graceMinutes * MIN;
  const base = { deadline: iso(deadline), lateJoin: joined !== null && joined > deadline };
  if (joined !== null && joined <= deadline) return { status: 'joined', ...base };
  if ((nowMs as number) < deadline) return { status: 'waiting', ...base };
  return { status: 'missed', ...base };
}

/** The ids of appointments that are missed at `now` (for the periodic detection job). */
export function findMissedAppointments<T extends AppointmentAttendance & { id: string }>(appointments: T[], now: string, graceMinutes: number): string[] {
  return appointments.filter((a) => detectMissedAppointment(a, now, graceMinutes).status === 'missed').map((a) => a.id);
}
