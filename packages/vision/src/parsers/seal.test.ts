import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSealLabel, normalizeSealNumber, parseSealNumbers } from './seal.ts';

test('seal labels in English and Chinese, as OCR prints them', () => {
  for (const text of ['SEAL NO:', 'SEAL NO.', 'SEAL No.', 'SEAL#', 'SEAL:', 'SEALNO:', 'Seal number', '5EAL NO:', 'SEAL NO', '封志号：', '封志号:', '铅封号', '封条号：', '时志号：', 'SEALA', 'SEALH:']) {
    assert.ok(findSealLabel(text), text);
  }
  for (const text of ['SEALED', 'SEALAND', 'SEA', 'RESEAL', 'QTY: 12 PCS', 'MADE IN CHINA']) assert.equal(findSealLabel(text), null, text);
  const l = findSealLabel('SEAL NO: SH9212330')!;
  assert.equal('SEAL NO: SH9212330'.slice(l.end), 'SH9212330');
});

test('seal numbers are cleaned of OCR look-alikes by position', () => {
  assert.equal(normalizeSealNumber('SH9212330'), 'SH9212330');
  assert.equal(normalizeSealNumber('SH92I233O'), 'SH9212330', 'I and O inside the digits');
  assert.equal(normalizeSealNumber('5H9212330'), 'SH9212330', '5 inside the letter prefix');
  assert.equal(normalizeSealNumber('123456'), '123456', 'all-digit seals');
  assert.equal(normalizeSealNumber('ABC'), null);
  assert.equal(normalizeSealNumber('SEALNUMBER'), null);
  assert.equal(normalizeSealNumber('AB12'), null, 'too short');
});

test('one or several seal numbers after a label', () => {
  assert.deepEqual(parseSealNumbers('SH9212330'), ['SH9212330']);
  assert.deepEqual(parseSealNumbers('SH9212330, SH9212331'), ['SH9212330', 'SH9212331']);
  assert.deepEqual(parseSealNumbers('123456 / 123457'), ['123456', '123457']);
  assert.deepEqual(parseSealNumbers('SH 9212330'), ['SH9212330'], 'a space inserted by OCR');
  assert.deepEqual(parseSealNumbers('NIL'), []);
});
