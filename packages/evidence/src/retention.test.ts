import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRetention, decideDeletion, parseRetentionPeriod, parseRetentionPolicy, periodAtLeast } from './retention.ts';

const policy = parseRetentionPolicy({ recording: 'P3Y', snapshot: 'P1Y6M', session_log: 'P90D', decision: 'forever', draft: 'PT12H' });

test('a record may be deleted from the instant its retention ends, not a millisecond before', () => {
  const createdAt = '2022-03-15T08:30:00.000Z';
  const before = decideDeletion({ recordType: 'recording', createdAt, now: new Date('2025-03-15T08:29:59.999Z'), policy });
  assert.deepEqual(before, {
    deletable: false,
    reason: 'under_retention',
    retainUntil: '2025-03-15T08:30:00.000Z',
    message: 'recording: under retention (P3Y) until 2025-03-15T08:30:00.000Z',
  });
  const at = decideDeletion({ recordType: 'recording', createdAt, now: new Date('2025-03-15T08:30:00.000Z'), policy });
  assert.equal(at.deletable, true);
  assert.equal(at.reason, 'retention_expired');
});

test('calendar periods: months clamp to month end, leap days, weeks, days and hours', () => {
  const p = (s: string) => parseRetentionPeriod(s)!;
  assert.equal(addRetention(new Date('2024-01-31T10:00:00Z'), p('P1M')).toISOString(), '2024-02-29T10:00:00.000Z');
  assert.equal(addRetention(new Date('2023-01-31T10:00:00Z'), p('P1M')).toISOString(), '2023-02-28T10:00:00.000Z');
  assert.equal(addRetention(new Date('2024-02-29T00:00:00Z'), p('P1Y')).toISOString(), '2025-02-28T00:00:00.000Z');
  assert.equal(addRetention(new Date('2024-08-31T00:00:00Z'), p('P1Y6M')).toISOString(), '2026-02-28T00:00:00.000Z');
  assert.equal(addRetention(new Date('2024-11-15T00:00:00Z'), p('P2M')).toISOString(), '2025-01-15T00:00:00.000Z');
  assert.equal(addRetention(new Date('2025-01-01T00:00:00Z'), p('P2W')).toISOString(), '2025-01-15T00:00:00.000Z');
  assert.equal(addRetention(new Date('2025-01-01T00:00:00Z'), p('P1DT12H30M15S')).toISOString(), '2025-01-02T12:30:15.000Z');
  const draft = decideDeletion({ recordType: 'draft', createdAt: new Date('2025-01-01T00:00:00Z'), now: new Date('2025-01-01T12:00:00Z'), policy });
  assert.equal(draft.deletable, true);
});

test('fails closed: forever, no policy, legal hold, bad creation time, future creation time', () => {
  const now = new Date('2100-01-01T00:00:00Z');
  const old = '2000-01-01T00:00:00Z';
  assert.equal(decideDeletion({ recordType: 'decision', createdAt: old, now, policy }).reason, 'retained_indefinitely');
  assert.equal(decideDeletion({ recordType: 'finding', createdAt: old, now, policy }).reason, 'no_retention_policy');
  assert.equal(decideDeletion({ recordType: 'toString', createdAt: old, now, policy }).reason, 'no_retention_policy');
  assert.equal(decideDeletion({ recordType: 'recording', createdAt: old, now, policy, legalHold: true }).reason, 'legal_hold');
  const bad = decideDeletion({ recordType: 'recording', createdAt: 'last year', now, policy });
  assert.deepEqual([bad.deletable, bad.reason], [false, 'invalid_created_at']);
  const future = decideDeletion({ recordType: 'session_log', createdAt: '2100-06-01T00:00:00Z', now, policy });
  assert.deepEqual([future.deletable, future.reason], [false, 'under_retention']);
  for (const type of ['decision', 'finding', 'recording']) {
    assert.equal(decideDeletion({ recordType: type, createdAt: old, now, policy, legalHold: type === 'recording' }).deletable, false);
  }
});

test('policy parsing names the record type with an invalid period', () => {
  assert.throws(() => parseRetentionPolicy({ recording: 'P3Y', snapshot: '3 years' }), /retention policy for "snapshot": retention period "3 years": expected an ISO 8601 duration/);
  assert.throws(() => parseRetentionPolicy({ recording: 'P' }), /"recording"/);
  assert.throws(() => parseRetentionPolicy({ recording: 'PT' }), /"recording"/);
  assert.throws(() => parseRetentionPolicy({ recording: 10 }), /"recording": retention period: expected a string/);
  assert.throws(() => parseRetentionPolicy({ recording: 'P5000Y' }), /too long/);
  assert.throws(() => parseRetentionPolicy([] as never), /expected an object/);
  assert.equal(parseRetentionPeriod('forever'), null);
  assert.deepEqual(parseRetentionPeriod('P1Y2M3W4DT5H6M7S'), { years: 1, months: 2, days: 25, timeMs: (5 * 3600 + 6 * 60 + 7) * 1000 });
});

test('periodAtLeast: calendar-aware, forever is longest, invalid periods throw', () => {
  assert.equal(periodAtLeast('P1Y', 'P1Y'), true);
  assert.equal(periodAtLeast('P12M', 'P1Y'), true);
  assert.equal(periodAtLeast('P365D', 'P1Y'), false, 'a leap year is 366 days');
  assert.equal(periodAtLeast('P366D', 'P1Y'), true);
  assert.equal(periodAtLeast('P0D', 'P1Y'), false);
  assert.equal(periodAtLeast('PT0S', 'P1Y'), false);
  assert.equal(periodAtLeast('P11M30D', 'P1Y'), false);
  assert.equal(periodAtLeast('forever', 'P10Y'), true);
  assert.equal(periodAtLeast('P100Y', 'forever'), false);
  assert.throws(() => periodAtLeast('ten years', 'P1Y'), /ISO 8601/);
});
