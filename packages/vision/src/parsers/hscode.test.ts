import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHsCodes } from './hscode.ts';

const hs = (t: string) => parseHsCodes(t).map(({ digits, hs6 }) => ({ digits, hs6 }));

test('HS codes with or without dots, as OCR prints the label', () => {
  assert.deepEqual(hs('HS CODE: 3269.81'), [{ digits: '326981', hs6: '326981' }]);
  assert.deepEqual(hs('HS C0DE: 1354.10'), [{ digits: '135410', hs6: '135410' }], '0 read for O');
  assert.deepEqual(hs('HSCODE:8517.62'), [{ digits: '851762', hs6: '851762' }]);
  assert.deepEqual(hs('HS: 851762'), [{ digits: '851762', hs6: '851762' }]);
  assert.deepEqual(hs('H.S. CODE 8517.62.00'), [{ digits: '85176200', hs6: '851762' }]);
  assert.deepEqual(hs('HTS 8517.62.0090'), [{ digits: '8517620090', hs6: '851762' }]);
  assert.deepEqual(hs('HS NO. 8517 62'), [{ digits: '851762', hs6: '851762' }]);
  assert.deepEqual(hs('HS编码：8517.62'), [{ digits: '851762', hs6: '851762' }]);
  assert.deepEqual(hs('海关编码: 6109100000'), [{ digits: '6109100000', hs6: '610910' }]);
  assert.deepEqual(hs('HS CODE: 3269.8l'), [{ digits: '326981', hs6: '326981' }], 'l read for 1');
  assert.deepEqual(hs('HS C00E:3066.15'), [{ digits: '306615', hs6: '306615' }], 'D read for 0');
  assert.deepEqual(hs('CODE:3310.24'), [{ digits: '331024', hs6: '331024' }], 'the HS of the label lost by OCR');
  assert.deepEqual(hs('HS: 8517'), [{ digits: '8517', hs6: '8517' }], 'heading only');
});

test('things that are not HS codes', () => {
  assert.deepEqual(hs('N.W.: 232.7 KG'), []);
  assert.deepEqual(hs('BAR CODE: 4006381333931'), []);
  assert.deepEqual(hs('HSPEAKER'), []);
  assert.deepEqual(hs('HS CODE: 0012.34'), [], 'there is no chapter 00');
});
