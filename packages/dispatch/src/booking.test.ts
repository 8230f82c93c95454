import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkSlot,
  detectMissedAppointment,
  findMissedAppointments,
  generateSlots,
  proposeSlots,
  type WorkingHours,
} from './booking.ts';
import { toWallClock, wallClockToInstant } from './timezone.ts';
import { DomainValidationError } from './errors.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const weekdays = (windows: { start: string; end: string }[]) => Object.fromEntries(['1', '2', '3', '4', '5'].map((d) => [d, windows]));

const HAMBURG: WorkingHours = {
  timeZone: 'Europe/Berlin',
  weekly: weekdays([{ start: '08:00', end: '12:00' }, { start: '13:00', end: '17:00' }]),
  closedDates: ['2025-04-18'], // Good Friday
};

test('wall clock ⇄ instant across both DST changes (Europe/Berlin, America/New_York) and without DST (Asia/Shanghai)', () => {
  const at = (d: string, t: string, tz: string) => iso(wallClockToInstant(d, t, tz));
  assert.equal(at('2025-03-29', '08:00', 'Europe/Berlin'), '2025-03-29T07:00:00.000Z'); // CET +1
  assert.equal(at('2025-03-30', '08:00', 'Europe/Berlin'), '2025-03-30T06:00:00.000Z'); // CEST +2
  // 02:30 does not exist on 30 March (02:00 → 03:00): moved forward by the gap to 03:30 CEST.
  assert.equal(at('2025-03-30', '02:30', 'Europe/Berlin'), '2025-03-30T01:30:00.000Z');
  // 02:30 happens twice on 26 October: the earlier (CEST) one.
  assert.equal(at('2025-10-26', '02:30', 'Europe/Berlin'), '2025-10-26T00:30:00.000Z');
  assert.equal(at('2025-10-26', '08:00', 'Europe/Berlin'), '2025-10-26T07:00:00.000Z'); // CET again
  assert.equal(at('2025-03-08', '09:00', 'America/New_York'), '2025-03-08T14:00:00.000Z'); // EST −5
  assert.equal(at('2025-03-09', '09:00', 'America/New_York'), '2025-03-09T13:00:00.000Z'); // EDT −4
  assert.equal(at('2025-07-01', '09:00', 'Asia/Shanghai'), '2025-07-01T01:00:00.000Z');
  assert.equal(at('2025-03-03', '24:00', 'Europe/Berlin'), '2025-03-03T23:00:00.000Z');

  assert.deepEqual(toWallClock(Date.parse('2025-03-30T06:00:00Z'), 'Europe/Berlin'), { date: '2025-03-30', time: '08:00', weekday: 7, offsetMinutes: 120 });
  assert.deepEqual(toWallClock(Date.parse('2025-03-29T23:30:00Z'), 'Europe/Berlin'), { date: '2025-03-30', time: '00:30', weekday: 7, offsetMinutes: 60 });
});

test('slots follow local working hours through a DST weekend', () => {
  const everyDay: WorkingHours = { timeZone: 'Europe/Berlin', weekly: Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ start: '08:00', end: '10:00' }]])) };
  const slots = generateSlots({ workingHours: everyDay, from: '2025-03-29T00:00:00Z', to: '2025-03-31T00:00:00Z', durationMinutes: 60 });
  assert.deepEqual(
    slots.map((s) => [s.start, s.localDate, s.localStart, s.localEnd]),
    [
      ['2025-03-29T07:00:00.000Z', '2025-03-29', '08:00', '09:00'],
      ['2025-03-29T08:00:00.000Z', '2025-03-29', '09:00', '10:00'],
      ['2025-03-30T06:00:00.000Z', '2025-03-30', '08:00', '09:00'],
      ['2025-03-30T07:00:00.000Z', '2025-03-30', '09:00', '10:00'],
    ],
  );
  // Autumn: the same local hours, one hour later in UTC.
  const autumn = generateSlots({ workingHours: everyDay, from: '2025-10-25T00:00:00Z', to: '2025-10-27T00:00:00Z', durationMinutes: 120 });
  assert.deepEqual(autumn.map((s) => s.start), ['2025-10-25T06:00:00.000Z', '2025-10-26T07:00:00.000Z']);
});

test('slots exclude the inspector’s and the operator’s busy time, breaks, weekends and holidays', () => {
  const slots = generateSlots({
    workingHours: HAMBURG,
    from: '2025-03-03T00:00:00+01:00', // Monday
    to: '2025-03-04T00:00:00+01:00',
    durationMinutes: 60,
    inspectorBusy: [{ start: '2025-03-03T09:00:00+01:00', end: '2025-03-03T10:00:00+01:00' }],
    operatorBusy: [{ start: '2025-03-03T12:30:00Z', end: '2025-03-03T13:00:00Z' }], // 13:30–14:00 local
  });
  assert.deepEqual(slots.map((s) => s.localStart), ['08:00', '10:00', '11:00', '14:00', '15:00', '16:00']);

  // 30-minute steps with a 15-minute buffer around busy time.
  const stepped = generateSlots({
    workingHours: HAMBURG,
    from: '2025-03-03T07:00:00Z',
    to: '2025-03-03T11:00:00Z',
    durationMinutes: 60,
    stepMinutes: 30,
    bufferMinutes: 15,
    inspectorBusy: [{ start: '2025-03-03T09:00:00Z', end: '2025-03-03T09:30:00Z' }], // 10:00–10:30 local
  });
  assert.deepEqual(stepped.map((s) => s.localStart), ['08:00', '08:30', '11:00']); // 09:00–10:30 collide with 09:45–10:45

  // Saturday, Sunday and Good Friday have no slots; notBefore cuts the morning.
  assert.deepEqual(generateSlots({ workingHours: HAMBURG, from: '2025-03-08T00:00:00Z', to: '2025-03-10T00:00:00Z', durationMinutes: 30 }), []);
  assert.deepEqual(generateSlots({ workingHours: HAMBURG, from: '2025-04-18T00:00:00Z', to: '2025-04-19T00:00:00Z', durationMinutes: 30 }), []);
  const afternoon = generateSlots({ workingHours: HAMBURG, from: '2025-03-03T00:00:00Z', to: '2025-03-04T00:00:00Z', durationMinutes: 60, notBefore: '2025-03-03T12:10:00Z' });
  assert.deepEqual(afternoon.map((s) => s.localStart), ['14:00', '15:00', '16:00']);
});

test('proposeSlots offers the first free slots spread over days', () => {
  const p = proposeSlots(
    { workingHours: HAMBURG, from: '2025-03-03T00:00:00Z', to: '2025-03-08T00:00:00Z', durationMinutes: 60 },
    { limit: 5, maxPerDay: 2 },
  );
  assert.deepEqual(p.map((s) => `${s.localDate} ${s.localStart}`), [
    '2025-03-03 08:00', '2025-03-03 09:00', '2025-03-04 08:00', '2025-03-04 09:00', '2025-03-05 08:00',
  ]);
  assert.throws(() => proposeSlots({ workingHours: HAMBURG, from: '2025-03-03T00:00:00Z', to: '2025-03-08T00:00:00Z', durationMinutes: 60 }, { limit: 0 }), /limit/);
});

test('checkSlot refuses double booking, out-of-hours and past slots with a reason', () => {
  const inspectorBusy = [{ start: '2025-03-03T09:00:00Z', end: '2025-03-03T10:00:00Z' }];
  const operatorBusy = [{ start: '2025-03-04T08:00:00Z', end: '2025-03-04T08:30:00Z' }];
  const check = (start: string, end: string, extra: object = {}) => checkSlot({ workingHours: HAMBURG, slot: { start, end }, inspectorBusy, operatorBusy, ...extra });

  const ok = check('2025-03-03T07:00:00Z', '2025-03-03T08:00:00Z');
  assert.deepEqual(ok, { ok: true, slot: { start: '2025-03-03T07:00:00.000Z', end: '2025-03-03T08:00:00.000Z', localDate: '2025-03-03', localStart: '08:00', localEnd: '09:00' } });

  const inspector = check('2025-03-03T09:30:00Z', '2025-03-03T10:30:00Z');
  assert.equal(inspector.ok, false);
  assert.equal(!inspector.ok && inspector.reason, 'inspector_busy');
  assert.deepEqual(!inspector.ok && inspector.conflict, inspectorBusy[0]);
  // Touching intervals do not overlap (half-open).
  assert.equal(check('2025-03-03T10:00:00Z', '2025-03-03T10:30:00Z').ok, true);
  // … unless a buffer is required.
  assert.equal(check('2025-03-03T10:00:00Z', '2025-03-03T10:30:00Z', { bufferMinutes: 10 }).ok, false);

  const operator = check('2025-03-04T08:15:00+01:00', '2025-03-04T09:45:00+01:00');
  assert.equal(!operator.ok && operator.reason, 'operator_busy');

  const early = check('2025-03-03T06:30:00Z', '2025-03-03T07:30:00Z'); // 07:30 local
  assert.equal(!early.ok && early.reason, 'outside_working_hours');
  assert.match(!early.ok ? early.message : '', /2025-03-03 07:30–08:30 \(Europe\/Berlin\)/);
  const lunch = check('2025-03-03T10:30:00Z', '2025-03-03T11:30:00Z'); // 11:30–12:30 spans the break
  assert.equal(!lunch.ok && lunch.reason, 'outside_working_hours');
  const saturday = check('2025-03-08T09:00:00Z', '2025-03-08T10:00:00Z');
  assert.equal(!saturday.ok && saturday.reason, 'outside_working_hours');
  const holiday = check('2025-04-18T08:00:00Z', '2025-04-18T09:00:00Z');
  assert.equal(!holiday.ok && holiday.reason, 'outside_working_hours');

  const past = check('2025-03-03T07:00:00Z', '2025-03-03T08:00:00Z', { now: '2025-03-03T07:30:00Z' });
  assert.equal(!past.ok && past.reason, 'in_the_past');
  for (const [s, e] of [['2025-03-03T09:00', '2025-03-03T10:00'], ['2025-03-03T10:00:00Z', '2025-03-03T09:00:00Z'], ['soon', 'later']]) {
    const r = check(s, e);
    assert.equal(!r.ok && r.reason, 'invalid_interval', `${s}–${e}`);
  }

  // Adjacent windows are one opening period: a slot may cross 12:00 when there is no break.
  const noBreak: WorkingHours = { timeZone: 'Europe/Berlin', weekly: weekdays([{ start: '08:00', end: '12:00' }, { start: '12:00', end: '17:00' }]) };
  assert.equal(checkSlot({ workingHours: noBreak, slot: { start: '2025-03-03T10:30:00Z', end: '2025-03-03T11:30:00Z' } }).ok, true);
  // DST day: 08:00 local on 31 March is 06:00Z.
  assert.equal(checkSlot({ workingHours: HAMBURG, slot: { start: '2025-03-31T06:00:00Z', end: '2025-03-31T07:00:00Z' } }).ok, true);
  assert.equal(checkSlot({ workingHours: HAMBURG, slot: { start: '2025-03-28T06:00:00Z', end: '2025-03-28T07:00:00Z' } }).ok, false);
});

test('bad configuration is refused with the field named', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof DomainValidationError);
      return e.issues.map((i) => i.path);
    }
    assert.fail('expected a DomainValidationError');
  };
  const paths = err(() =>
    generateSlots({
      workingHours: { timeZone: 'Mars/Olympus_Mons', weekly: { '1': [{ start: '17:00', end: '08:00' }], '8': [] } },
      from: '2025-03-03T00:00',
      to: '2025-03-04T00:00:00Z',
      durationMinutes: 0,
      inspectorBusy: [{ start: '2025-03-03T10:00:00Z', end: 'later' }],
    }),
  );
  assert.deepEqual(paths.sort(), ['durationMinutes', 'from', 'inspectorBusy[0].end', 'workingHours.timeZone', 'workingHours.weekly.1[0].end', 'workingHours.weekly.8'].sort());
  assert.deepEqual(err(() => generateSlots({ workingHours: HAMBURG, from: '2025-01-01T00:00:00Z', to: '2025-06-01T00:00:00Z', durationMinutes: 30 })), ['to']);
  assert.deepEqual(err(() => checkSlot({ workingHours: { ...HAMBURG, timeZone: '' }, slot: { start: '2025-03-03T07:00:00Z', end: '2025-03-03T08:00:00Z' } })), ['workingHours.timeZone']);
});

test('missed appointment: no operator joined within the grace period', () => {
  const start = '2025-03-03T09:00:00Z';
  assert.deepEqual(detectMissedAppointment({ start }, '2025-03-03T09:10:00Z', 15), { status: 'waiting', deadline: '2025-03-03T09:15:00.000Z', lateJoin: false });
  assert.equal(detectMissedAppointment({ start }, '2025-03-03T09:15:00Z', 15).status, 'missed');
  assert.equal(detectMissedAppointment({ start, operatorJoinedAt: '2025-03-03T08:58:00Z' }, '2025-03-03T10:00:00Z', 15).status, 'joined');
  assert.equal(detectMissedAppointment({ start, operatorJoinedAt: '2025-03-03T09:15:00Z' }, '2025-03-03T10:00:00Z', 15).status, 'joined');
  const late = detectMissedAppointment({ start, operatorJoinedAt: '2025-03-03T09:20:00Z' }, '2025-03-03T10:00:00Z', 15);
  assert.deepEqual(late, { status: 'missed', deadline: '2025-03-03T09:15:00.000Z', lateJoin: true });
  assert.deepEqual(
    findMissedAppointments(
      [
        { id: 'a', start, operatorJoinedAt: null },
        { id: 'b', start, operatorJoinedAt: '2025-03-03T09:01:00Z' },
        { id: 'c', start: '2025-03-03T11:00:00Z' },
      ],
      '2025-03-03T09:30:00Z',
      15,
    ),
    ['a'],
  );
  assert.throws(() => detectMissedAppointment({ start: 'nine' }, '2025-03-03T09:30:00Z', -1), (e: unknown) => e instanceof DomainValidationError && e.issues.length === 2);
});

test('generateSlots and checkSlot agree on a random calendar (offered slots pass the check, the rest fail it)', () => {
  // A busy fortnight across the spring DST change, random appointments for both people.
  let x = 12345;
  const rnd = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
  const base = Date.parse('2025-03-24T00:00:00Z');
  const busy = (k: number) =>
    Array.from({ length: k }, () => {
      const start = base + rnd(14 * 96) * 15 * 60_000;
      return { start: iso(start), end: iso(start + (1 + rnd(8)) * 15 * 60_000) };
    });
  const inspectorBusy = busy(60);
  const operatorBusy = busy(40);
  const search = { workingHours: HAMBURG, from: iso(base), to: iso(base + 14 * 86_400_000), durationMinutes: 45, stepMinutes: 15, inspectorBusy, operatorBusy };
  const offered = new Set(generateSlots(search).map((s) => s.start));
  assert.ok(offered.size > 50, `only ${offered.size} slots`);
  let refused = 0;
  for (let t = base; t < base + 14 * 86_400_000; t += 15 * 60_000) {
    const r = checkSlot({ workingHours: HAMBURG, slot: { start: iso(t), end: iso(t + 45 * 60_000) }, inspectorBusy, operatorBusy });
    assert.equal(r.ok, offered.has(iso(t)), `${iso(t)}: check ${r.ok ? 'ok' : (r as { reason: string }).reason}, offered ${offered.has(iso(t))}`);
    if (!r.ok && r.reason !== 'outside_working_hours') refused++;
  }
  assert.ok(refused > 50, `only ${refused} refused for busy time`);
});
